"""Run a command on marked nodes: the prompt, the confirmation (the command and every node), and the results
(per-node progress, outputs grouped by identical content). The run itself is tui.core.run; the controller is
tui/controllers/run.py. Everything from the nodes and the user is shown as clean Text, never parsed as markup.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from tui.core import run
from tui.core.sanitize import cell_width, clean
from tui.core.tables import Column, TableRow, short_hostname
from tui.core.wording import plural
from tui.screens._dialog import fit_table
from tui.screens.confirm import TARGET_COLUMNS
from tui.typed_app import hyperpod_app
from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

NO_SHELL_NOTE = (
    "AWS-StartNonInteractiveCommand runs the command WITHOUT a shell: pipes (|), $(…), &&, ;, redirections and "
    "globs reach the program as literal arguments. Tick the shell form to run it through bash -c "
    "(AWS-StartInteractiveCommand, on a pty) and get its exit status back."
)
GROUP_COLUMNS = (
    Column("nodes", "NODES", align="right", min_width=5, max_width=6),
    Column("state", "STATE", max_width=10),
    Column("output", "OUTPUT (what sets it apart)", flex=True, max_width=200),
)
GROUP_ROWS = 8


class ShellToggle(Checkbox, inherit_bindings=False):
    """The shell-form box: space toggles it; Enter continues, as everywhere in the prompt (not a second toggle)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle", show=False)]


class RunPromptScreen(ModalScreen[tuple[str, bool] | None]):
    """The command and the shell-form toggle; dismissed with (command, shell) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without running anything", id="run-prompt-cancel"),
        Binding("enter", "submit", "Continue", show=False, tooltip="To the confirmation", id="run-prompt-submit"),
    ]
    DEFAULT_CSS = """
    RunPromptScreen { align: center middle; }
    RunPromptScreen > #run-prompt { width: 100; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1; }
    #run-prompt > Static { height: auto; }
    #run-prompt > #run-note { color: $status-warn; }
    #run-prompt > #run-problem { color: $status-warn; }
    #run-prompt > #run-keys { color: $muted; }
    """

    def __init__(self, count: int, cluster: str, command: str = "", shell: bool = False) -> None:
        super().__init__()
        self.count, self.cluster = count, cluster
        self.initial, self.initial_shell = command, shell

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False, id="run-prompt") as dialog:
            dialog.border_title = Text(f"Run a command on {plural(self.count, 'node')} of {clean(self.cluster)}")
            yield Static(Text(NO_SHELL_NOTE), id="run-note")
            yield CleanInput(value=self.initial, placeholder="e.g. nvidia-smi -L", id="run-command")
            yield ShellToggle(
                "Shell form: bash -c '…' (AWS-StartInteractiveCommand)", self.initial_shell, id="run-shell"
            )
            yield Static(id="run-problem")
            yield Static(Text("Enter: to the confirmation · Tab, space: shell form · Esc: cancel"), id="run-keys")

    def on_mount(self) -> None:
        self.query_one("#run-command", CleanInput).focus_now()
        self._check()

    def _values(self) -> tuple[str, bool]:
        return self.query_one("#run-command", Input).value.strip(), self.query_one("#run-shell", Checkbox).value

    def _check(self) -> str | None:
        command, shell = self._values()
        problem = run.command_problem(command, shell=shell) if command else None
        hint = None if shell or not command else run.shell_syntax_hint(command)
        self.query_one("#run-problem", Static).update(Text(problem or hint or ""))
        return problem

    @on(Input.Changed, "#run-command")
    @on(Checkbox.Changed, "#run-shell")
    def _changed(self) -> None:
        self._check()

    @on(Input.Submitted, "#run-command")
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        command, shell = self._values()
        if command and self._check() is None:
            self.dismiss((command, shell))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmRunScreen(ModalScreen[bool]):
    """The command, its document and every node; Cancel focused, `y` or the button runs."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Cancel", tooltip="Close without running anything", id="run-confirm-cancel"),
        Binding("y", "confirm", "Run", tooltip="Run the command on the nodes listed", id="run-confirm-yes"),
    ]
    DEFAULT_CSS = """
    ConfirmRunScreen { align: center middle; }
    ConfirmRunScreen > #run-confirm { width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $warning; background: $surface; padding: 0 1; }
    #run-confirm > Static { height: auto; }
    #run-confirm > #run-targets { height: auto; margin-top: 1; border: round $pane-border; }
    #run-confirm > .prose { color: $muted; }
    #run-confirm-buttons { height: auto; align: right middle; }
    #run-confirm-buttons > Button { margin-left: 2; }
    """

    def __init__(self, spec: run.RunSpec, statuses: dict[str, str], hidden: int, limits: run.RunLimits) -> None:
        super().__init__()
        self.spec, self.hidden, self.limits = spec, hidden, limits
        self.rows = target_rows(spec.targets, statuses)

    def compose(self) -> ComposeResult:
        spec = self.spec
        count = len(spec.targets)
        with VerticalScroll(can_focus=False, id="run-confirm") as dialog:
            dialog.border_title = Text(f"Run on {plural(count, 'node')} · StartSession {spec.document}")
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column()
            grid.add_row("Command", Text(clean(spec.command), style="bold", overflow="fold"))
            grid.add_row("Sent as", Text(clean(spec.parameters["command"][0]), overflow="fold"))
            grid.add_row("Cluster", Text(clean(spec.cluster)))
            targets = plural(count, "node")
            if self.hidden:
                targets += f" ({self.hidden} marked but hidden by the filter)"
            grid.add_row("Nodes", Text(targets))
            yield Static(grid, id="run-facts")
            yield ResourceTable(TARGET_COLUMNS, clock=hyperpod_app(self).clock, id="run-targets")
            with Horizontal(id="run-confirm-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(Text(f"Run on {plural(count, 'node')}"), id="confirm", variant="warning")
            floor = count / max(self.limits.rate_per_s, 0.1)
            yield Static(
                Text(
                    f"Each node gets its own SSM session (as root unless the document says otherwise): at most "
                    f"{self.limits.max_concurrent} at once and {self.limits.rate_per_s:g} starts per second, so at "
                    f"least {floor:.0f} s. Output is kept up to {self.limits.output_cap // 1024} KiB per node, "
                    f"{self.limits.timeout_s:g} s each. The journal records the command and each node's outcome, "
                    "not the output. y or the button runs · n or Esc cancels."
                ),
                classes="prose",
            )

    def on_mount(self) -> None:
        table = self.query_one("#run-targets", ResourceTable)
        table.set_rows(self.rows)
        table.border_title = Text(plural(len(self.rows), "target"))
        self.query_one("#cancel", Button).focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        fit_table(
            self, self.query_one("#run-confirm"), self.query_one("#run-targets"), 14, below=list(self.query(".prose"))
        )

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.dismiss(True)


def target_rows(targets: Sequence[run.RunTarget], statuses: dict[str, str]) -> list[TableRow]:
    return [
        TableRow(
            t.node_id,
            (
                clean(t.node_id),
                clean(t.group),
                clean(statuses.get(t.node_id, "")),
                clean(short_hostname(t.hostname)),
            ),
        )
        for t in targets
    ]


def group_key(group: run.OutputGroup) -> str:
    return hashlib.sha1(group.body.encode("utf-8", "replace")).hexdigest()[:16]


class RunResultsScreen(ModalScreen[None]):
    """Progress per node and the grouped outputs. Esc while running cancels (every session ended); then closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Cancel / close", tooltip="Stop the run while it runs; close once done", id="run-close"
        ),
        Binding("s", "save", "Save", tooltip="Save every output (one file per node) and a summary", id="run-save"),
    ]
    DEFAULT_CSS = """
    RunResultsScreen { align: center middle; }
    RunResultsScreen > #run-results { width: 96%; height: 94%;
        border: thick $primary; background: $surface; padding: 0 1; layout: vertical; }
    #run-results > Static { height: auto; }
    #run-results > #run-groups { height: auto; border: round $pane-border; }
    #run-results > #run-output { height: 1fr; border: round $pane-border; overflow: auto auto; }
    #run-output > Static { width: auto; }
    #run-results > #run-hint { color: $muted; }
    """

    def __init__(
        self,
        spec: run.RunSpec,
        *,
        on_cancel: Callable[[], None],
        on_mark: Callable[[Sequence[str]], None],
        on_save: Callable[[], str],
    ) -> None:
        super().__init__()
        self.spec = spec
        self.nodes: dict[str, run.NodeRun] = {t.node_id: run.NodeRun(t) for t in spec.targets}
        self.finished = False
        self.cancelling = False
        self.started = time.monotonic()
        self.finished_at: float | None = None
        self._on_cancel, self._on_mark, self._on_save = on_cancel, on_mark, on_save
        self._groups: dict[str, run.OutputGroup] = {}
        self._dirty = False
        self.note = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="run-results") as dialog:
            dialog.border_title = Text(f"run · {clean(self.spec.command, max_len=60)}")
            yield Static(id="run-progress")
            yield ResourceTable(GROUP_COLUMNS, clock=hyperpod_app(self).clock, id="run-groups")
            with ScrollableContainer(id="run-output"):
                yield Static(id="run-body")
            yield Static(id="run-hint")

    def on_mount(self) -> None:
        self.query_one("#run-groups", ResourceTable).focus()
        self._repaint()
        self.set_interval(0.25, self._tick)

    # ── data in ──

    def node_changed(self, node: run.NodeRun) -> None:
        self.nodes[node.node_id] = node
        self._dirty = True

    def finish(self, result: run.RunResult) -> None:
        self.nodes.update(result.nodes)
        self.finished = True
        self.finished_at = time.monotonic()
        self.note = (
            f"✖ JOURNAL NOT WRITTEN: {clean(result.journal_error)}" if result.journal_error else self.note
        ) or (clean(result.error.split("\n", 1)[0]) if result.error else "")
        self._dirty = True
        if self.is_mounted:
            self._repaint()

    def _tick(self) -> None:
        if self._dirty or not self.finished:
            self._repaint()

    # ── painting ──

    def groups(self) -> list[run.OutputGroup]:
        return run.group_outputs(self.nodes.values())

    def _repaint(self) -> None:
        self._dirty = False
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.state] = counts.get(node.state, 0) + 1
        done = sum(count for state, count in counts.items() if state in run.FINAL)
        total = len(self.nodes)
        state = "done" if self.finished else ("cancelling" if self.cancelling else "running")
        elapsed = (self.finished_at or time.monotonic()) - self.started
        line = Text(f"{done} of {total} {state} · {elapsed:.0f} s", style="bold")
        order = (run.RUNNING, run.QUEUED, run.DONE, run.FAILED, run.TIMED_OUT, run.CANCELLED, run.NOT_SENT)
        parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
        if parts:
            line.append(" · " + ", ".join(parts))
        if self.note:
            line.append("\n" + self.note, style="bold")
        self.query_one("#run-progress", Static).update(line)
        groups = self.groups()
        self._groups = {group_key(g): g for g in groups}
        table = self.query_one("#run-groups", ResourceTable)
        reference = groups[0] if groups else None
        rows = [self._row(key, g, reference) for key, g in self._groups.items()]
        table.set_rows(rows)
        table.border_title = Text(f"{plural(len(groups), 'group')} of identical output · Enter lists and marks")
        self._show(table.cursor_key)
        self.query_one("#run-hint", Static).update(self._hint())
        height = min(GROUP_ROWS, max(1, len(groups))) + 3  # its border and header
        if table.styles.max_height is None or table.styles.max_height.value != height:
            table.styles.max_height = height

    def _row(self, key: str, group: run.OutputGroup, reference: run.OutputGroup | None) -> TableRow:
        first = self.nodes[group.node_ids[0]]
        line = run.summary_line(group, reference)
        return TableRow(key, (str(len(group.node_ids)), first.state, clean(line, max_len=200)))

    @on(ResourceTable.CursorMoved, "#run-groups")
    def _cursor(self, message: ResourceTable.CursorMoved) -> None:
        self._show(message.key)

    def _show(self, key: str | None, *, list_nodes: bool = False) -> None:
        group = self._groups.get(key or "")
        body = self.query_one("#run-body", Static)
        if group is None:
            body.update(Text("Waiting for the first node…" if not self.finished else "No output."))
            return
        names = [self._node_label(node_id) for node_id in group.node_ids]
        shown = names if list_nodes else names[:8]
        text = Text(f"{group.heading}: ", style="bold")
        text.append(
            ", ".join(shown)
            + (f", … (+{len(names) - len(shown)}, Enter lists them)" if len(shown) < len(names) else "")
        )
        text.append("\n\n")
        text.append(group.body)
        body.update(text)
        body.styles.width = max((cell_width(line) for line in text.plain.split("\n")), default=1)

    def _node_label(self, node_id: str) -> str:
        node = self.nodes.get(node_id)
        host = short_hostname(node.target.hostname) if node is not None and node.target.hostname else ""
        return clean(f"{node_id} ({host})" if host else node_id)

    def _hint(self) -> Text:
        if self.finished:
            return Text("Enter: list and mark the group's nodes · s: save all outputs · Esc: close")
        return Text("Esc: stop the run (every running session is ended) · Enter: list and mark a group's nodes")

    # ── keys ──

    @on(ResourceTable.Selected, "#run-groups")
    def _selected(self, message: ResourceTable.Selected) -> None:
        group = self._groups.get(message.key)
        if group is not None:
            self._show(message.key, list_nodes=True)
            self._on_mark(group.node_ids)

    def action_save(self) -> None:
        self.note = self._on_save()
        self._repaint()

    def action_close(self) -> None:
        if not self.finished:
            if not self.cancelling:
                self.cancelling = True
                self.note = "Stopping: queued nodes will not start, running sessions are being ended…"
                self._on_cancel()
                self._repaint()
            return
        self.dismiss(None)
