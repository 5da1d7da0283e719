"""The triage view (`ctrl+z`, `:triage`): every node that is not healthy, in every cluster whose nodes are in hand.

Rows are `core.triage.triage_row`s (worst first, then the longest-standing) in a `ResourceTable`, filtered by the
tables' own `/` grammar (`step:replace`, `cluster:train`, `!wait`) through a `FilterBox`. The data is what the main
screen already holds (its `ExplorerState` snapshots, each with its verdicts; opening the view sweeps the HMA records
of the listed clusters never swept, and the view follows newer snapshots): the title says how fresh it is, `r`
reads it again. Enter goes to the node in the main screen's nodes pane; `d` opens the node's details. The table
(widgets/triage_table.py) marks as the nodes pane does (space, ctrl+a, ctrl+u) and R / P reboot or replace the
marked rows, or the highlighted one once it is on screen, across clusters: the screen hands the row keys to `act`
(the main screen: core/triage_actions plans one plan per cluster, controllers/actions confirms them in one dialog
and runs them, journalled); the rows that succeeded are unmarked here. Read-only mode hides R / P and says so. Every string is already clean (core/health, core/triage) and reaches the screen as `Text`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from tui.core.triage import TRIAGE_COLUMNS, TriageEntry, freshness, split_key, triage_entries, triage_row
from tui.core.wording import plural
from tui.text import plain, toast
from tui.typed_app import keys_for
from tui.widgets.filter_box import FilterBox
from tui.widgets.key_footer import StockFooter
from tui.widgets.resource_table import ResourceTable
from tui.widgets.triage_table import TRIAGE_ACTION_BINDINGS, TriageTable

if TYPE_CHECKING:
    from tui.core.snapshot import NodeSnapshot

PREVIEW_LIMIT = 600
WATCH_INTERVAL = 1.0  # seconds between looks at the main screen's snapshots (a dict of a few clusters)
Snapshots = Callable[[], Mapping[str, "NodeSnapshot"]]
NodeLink = Callable[[str, str], None]  # (cluster, node key) → show it
Unmark = Callable[[Sequence[str]], None]
# (action, row keys `cluster/node`, the hidden ones, how to unmark rows that succeeded) → plan, confirm, run
Act = Callable[[str, Sequence[str], Sequence[str], Unmark], None]


class TriageScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="triage-back"),
        Binding("slash", "filter", "Filter", id="triage-filter"),
        Binding("r", "reload", "Reload", id="triage-reload", tooltip="Read the nodes the main screen holds again"),
        Binding("d", "details", "Details", id="triage-details", tooltip="The highlighted node's details"),
    ]

    DEFAULT_CSS = """
    TriageScreen { background: $surface; }
    TriageScreen #triage-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    TriageScreen #triage-filter { dock: bottom; height: 3; margin: 0 0 1 0; border: tall $accent; }
    TriageScreen #triage-preview {
        height: 3; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(
        self,
        snapshots: Snapshots,
        *,
        listed: Callable[[], int] = lambda: 0,
        go_to_node: NodeLink | None = None,
        open_details: NodeLink | None = None,
        act: Act | None = None,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self._act = act
        self._read_only = read_only
        self._snapshots = snapshots
        self._listed = listed
        self._go_to_node = go_to_node
        self._open_details = open_details
        self._clock = clock
        self.entries: dict[str, TriageEntry] = {}
        self._shown: tuple[tuple[str, float], ...] = ()
        self._title = "Triage"
        self._freshness = ""

    def compose(self) -> ComposeResult:
        yield Static(id="triage-title")
        table = TriageTable(
            TRIAGE_COLUMNS, id="triage-table", read_only=self._read_only or self._act is None, clock=self._clock
        )
        table.placeholder = "Every listed node is healthy"
        yield table
        yield Static(id="triage-preview")
        yield FilterBox(id="triage-filter")
        yield StockFooter()

    @property
    def table(self) -> TriageTable:
        return self.query_one("#triage-table", TriageTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.action_reload()
        self.set_interval(WATCH_INTERVAL, self._reload_if_changed)

    def _listings(self) -> tuple[tuple[str, float], ...]:
        return tuple((name, snapshot.fetched_at) for name, snapshot in self._snapshots().items())

    def _reload_if_changed(self) -> None:
        """A refresh or a health sweep brought a newer snapshot: the rows again (the cursor stays on its row)."""
        if self._listings() != self._shown:
            self.action_reload()

    def action_reload(self) -> None:
        now = self._clock()
        snapshots = dict(self._snapshots())
        self._shown = tuple((name, snapshot.fetched_at) for name, snapshot in snapshots.items())
        entries = triage_entries(snapshots.values(), now)
        self.entries = {entry.key: entry for entry in entries}
        table = self.table
        cursor = table.cursor_key
        marked = set(table.marks)
        table.set_rows(triage_row(entry) for entry in entries)
        if gone := sorted(marked - table.marks):  # healed, replaced or no longer listed: say what was unmarked
            listed = ", ".join(gone[:5]) + (" …" if len(gone) > 5 else "")
            toast(
                self,
                f"{plural(len(gone), 'marked row')} left the view and {'was' if len(gone) == 1 else 'were'} unmarked: {listed}",
                severity="warning",
            )
        if cursor is None or not table.move_cursor_to(cursor):
            if table.visible_count:
                table.move_cursor_to(table.visible_keys[0])
        fetched = {name: snapshot.fetched_at for name, snapshot in snapshots.items()}
        acting = sum(1 for entry in entries if entry.needs_action)
        count = len(entries)
        self._title = f"Triage · {plural(count, 'node')} not healthy · {acting} need action"
        self._freshness = freshness(fetched, max(self._listed(), len(fetched)), now)
        self._show_title()
        self._preview(table.cursor_key)

    def _show_title(self) -> None:
        marked = len(self.table.marks)
        # the marks before the freshness: at 80 columns the end of the line is cut
        title = f"{self._title}{f' · {marked} marked' if marked else ''} · {self._freshness}"
        self.query_one("#triage-title", Static).update(plain(title, max_len=300))

    @on(ResourceTable.ViewChanged, "#triage-table")
    def _on_view_changed(self, message: ResourceTable.ViewChanged) -> None:
        self._show_title()  # marks came or went

    # --- keys ----------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        if not self.query_one(FilterBox).step_back(self.table):
            self.app.pop_screen()

    def action_filter(self) -> None:
        self.query_one(FilterBox).open(self.table)

    def action_details(self) -> None:
        key = self.table.cursor_key
        if key is not None and self._open_details is not None:
            self._open_details(*split_key(key))

    @on(TriageTable.ActionRequested, "#triage-table")
    def _on_action(self, message: TriageTable.ActionRequested) -> None:
        keys = [key for key in message.keys if key in self.entries]
        if self._act is not None and keys:
            self._act(message.action, keys, [key for key in message.hidden if key in self.entries], self.table.unmark)

    @on(events.Key)
    def _explain_action_key(self, event: events.Key) -> None:
        """R / P in read-only mode: the table hides them, so say why instead of doing nothing."""
        if not self.table.read_only or self.focused is not self.table:
            return
        binding = next((b for b in TRIAGE_ACTION_BINDINGS if event.key in keys_for(self, b)), None)
        if binding is not None:
            event.stop()
            event.prevent_default()
            toast(
                self,
                f"Read-only mode (--read-only): {binding.description.lower()} is disabled. Nothing was sent.",
                severity="warning",
                timeout=6,
            )

    @on(ResourceTable.CursorMoved, "#triage-table")
    def _on_cursor(self, message: ResourceTable.CursorMoved) -> None:
        self._preview(message.key)

    def _preview(self, key: str | None) -> None:
        entry = self.entries.get(key) if key else None
        lines: list[str] = []
        if entry is not None:
            step = f"{entry.step}: {entry.step_reason}" if entry.step_reason else entry.step
            lines = [f"{entry.cluster} · {entry.group} · {entry.node} · {entry.hyperpod}", step, entry.reason]
        preview: Text = Text("\n").join(plain(line, max_len=PREVIEW_LIMIT) for line in lines)
        self.query_one("#triage-preview", Static).update(preview)

    @on(ResourceTable.Selected, "#triage-table")
    def _go(self, message: ResourceTable.Selected) -> None:
        if message.key not in self.entries or self._go_to_node is None:
            return
        cluster, node = split_key(message.key)
        self.app.pop_screen()
        self._go_to_node(cluster, node)
