"""The Events view: a cluster's, group's or node's events (ListClusterEvents), newest first, and an event's details.

Rows are `core.events.event_row`s in a `ResourceTable`, filtered by the tables' own `/` grammar (`level:error`,
`group:worker`, `!word`) through a `FilterBox`. The listing runs in a thread worker; every string is already
clean (core/events.py) and reaches the screen as `Text`.

New events: `EventsScreen.add_event(event)` (or post `EventsScreen.NewEvent(event)` to the screen) takes one
`core.events.ClusterEvent`; the EventBridge → SQS stream's `ClusterEventStreamed` (controllers/stream.py, posted to
every screen on the stack) arrives the same way. It is dropped when it is outside the view's
scope or already shown; a near-duplicate of the newest row is folded into it (its count grows); otherwise it is
inserted and flashes. While the cursor is on the top row the view follows it; once the user has moved down the
cursor stays where it is.

A cluster not in Continuous mode has no service events: one line says so, and the node status transitions the
app itself observed (`core.observed`) are listed instead, labelled as observed by hyperpod-tui.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.controllers.stream import ClusterEventStreamed
from tui.core.errors import classify
from tui.core.events import (
    EVENT_COLUMNS,
    NARROW_EVENT_COLUMNS,
    WIDE_FROM,
    ClusterEvent,
    EventDetail,
    EventQuery,
    EventsUnavailable,
    event_row,
    fold,
    format_time,
    observed_key,
    observed_row,
)
from tui.core.sanitize import clean
from tui.screens.detail import DetailScreen, Section
from tui.text import plain, toast
from tui.widgets.filter_box import FilterBox
from tui.widgets.key_footer import StockFooter
from tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from tui.core.aws import HyperPodApi
    from tui.core.observed import Observed

DESCRIPTION_PREVIEW = 400
ApiGetter = Callable[[], "HyperPodApi"]
NodeLink = Callable[[str], None]  # an instance id → open something about it (its details, its lifecycle log)


class EventsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="events-back"),
        Binding("slash", "filter", "Filter", id="events-filter"),
        Binding("t", "toggle_utc", "UTC/local", id="events-utc", tooltip="Times in UTC or local time"),
        Binding("r", "reload", "Reload", id="events-reload"),
        Binding(
            "w",
            "toggle_operation",
            "Operation/all",
            id="events-operation",
            tooltip="Only the in-progress operation's events, or every event of the group",
        ),
    ]

    DEFAULT_CSS = """
    EventsScreen { background: $surface; }
    EventsScreen #events-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    EventsScreen #events-notice { height: auto; max-height: 3; padding: 0 1; color: $muted; }
    EventsScreen #events-filter { dock: bottom; height: 3; margin: 0 0 1 0; border: tall $accent; }
    EventsScreen #events-preview { height: 2; padding: 0 1; background: $panel; }
    """

    class NewEvent(Message):
        """One new event for the view (the live stream posts these); see `EventsScreen.add_event`."""

        def __init__(self, event: ClusterEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(
        self,
        query: EventQuery,
        api_getter: ApiGetter,
        *,
        observed: Callable[[], Sequence[Observed]] = tuple,
        open_node: NodeLink | None = None,
        open_log: NodeLink | None = None,
    ) -> None:
        super().__init__()
        self.query_scope = query
        self._operation = query  # the scope with its operation, for `o` (None: the view was opened without one)
        self._api_getter = api_getter
        self._observed = observed
        self._open_node = open_node
        self._open_log = open_log
        self.utc = False
        self.events: dict[str, ClusterEvent] = {}
        self.newest: ClusterEvent | None = None
        self.unavailable: str | None = None
        self.loaded = False
        self.narrow = False
        self._observed_rows: dict[str, Observed] = {}

    # --- composition ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.narrow = self.app.size.width < WIDE_FROM
        yield Static(id="events-title")
        yield Static(id="events-notice")
        yield self._new_table()
        yield Static(id="events-preview")
        yield FilterBox(id="events-filter")
        yield StockFooter()

    def _new_table(self) -> ResourceTable:
        table = ResourceTable(NARROW_EVENT_COLUMNS if self.narrow else EVENT_COLUMNS, sort="time", id="events-table")
        table.sort_by("time", reverse=True)
        table.placeholder = "Loading events…"
        return table

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#events-table", ResourceTable)

    def on_mount(self) -> None:
        self.query_one("#events-notice").display = False
        self.table.focus()
        self._paint_title()
        self.action_reload()

    async def on_resize(self, event: object) -> None:
        narrow = self.app.size.width < WIDE_FROM
        if narrow == self.narrow:
            return
        self.narrow = narrow
        old = self.table
        cursor, query, had_focus = old.cursor_key, old.query, self.focused is old
        await old.remove()
        table = self._new_table()
        await self.mount(table, after=self.query_one("#events-notice"))
        self._repaint_rows()
        table.set_filter(query)
        if cursor is not None:
            table.move_cursor_to(cursor)
        if had_focus:
            table.focus()

    def _repaint_rows(self) -> None:
        if self.unavailable is not None:
            self._paint_observed()
            return
        unique = {e.event_id: e for e in self.events.values()}
        self.table.set_rows(event_row(e, utc=self.utc, narrow=self.narrow) for e in unique.values())

    def _paint_title(self) -> None:
        count = len({event.event_id for event in self.events.values()})
        zone = "UTC" if self.utc else "local time"
        what = "observed transitions" if self.unavailable is not None else f"{count} events"
        self.query_one("#events-title", Static).update(
            plain(f"Events · {self.query_scope.scope} · {what} · {zone}", max_len=300)
        )

    def _notice(self, text: str) -> None:
        notice = self.query_one("#events-notice", Static)
        notice.update(plain(text, max_len=600))
        notice.display = bool(text)

    # --- loading -------------------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_operation":
            return self._operation.operation is not None
        return True

    def action_toggle_operation(self) -> None:
        """Between the in-progress operation's events and every event of the scope around it."""
        scope = self.query_scope
        self.query_scope = replace(scope, operation=None) if scope.operation else self._operation
        self.events, self.newest = {}, None
        self.table.set_rows(())
        self.table.placeholder = "Loading events…"
        self._paint_title()
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, description="Listing cluster events")
    def _load(self) -> None:
        try:
            events = self.query_scope.fetch(self._api_getter())
        except EventsUnavailable as exc:
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_unavailable, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line in the view
            problem = classify(exc, operation="ListClusterEvents")
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._show_problem, problem.one_line())
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_events, events)

    def _show_events(self, events: list[ClusterEvent]) -> None:
        self.loaded, self.unavailable = True, None
        self.events = {event.event_id: event for event in events}
        self.newest = max(events, key=lambda e: e.epoch, default=None)
        self._notice("")
        table = self.table
        table.placeholder = "No events in this scope"
        table.set_rows(event_row(event, utc=self.utc, narrow=self.narrow) for event in events)
        if table.visible_count:
            table.move_cursor_to(table.visible_keys[0])
        self._paint_title()

    def _show_unavailable(self, message: str) -> None:
        self.loaded, self.unavailable = True, message
        self.notice_detail = message  # the service's own words, for a test or a bug report
        self._notice(
            "No cluster events (not in Continuous provisioning mode). "
            "Below: node status changes observed by hyperpod-tui."
        )
        self._paint_observed()

    def _paint_observed(self) -> None:
        table = self.table
        table.placeholder = "No node status changes observed yet"
        observed = list(self._observed())
        self._observed_rows = {observed_key(o): o for o in observed}
        table.set_rows(observed_row(o, utc=self.utc, narrow=self.narrow) for o in observed)
        self._paint_title()

    def _show_problem(self, line: str) -> None:
        self.loaded = True
        self._notice(f"Could not list events: {line}")
        self.table.placeholder = "Events not loaded (r retries)"

    # --- new events (the live stream) ------------------------------------------------------------------------

    def add_event(self, event: ClusterEvent) -> bool:
        """Show one new event (see the module docstring); True when the view changed."""
        scope = self.query_scope
        if event.cluster and event.cluster != scope.cluster and not scope.cluster.endswith(f"/{event.cluster}"):
            return False
        if not scope.admits(event) or event.event_id in self.events:
            return False
        if self.unavailable is not None:
            return False
        table = self.table
        following = table.cursor_key is None or table.model.cursor == 0
        newest = self.newest
        if newest is not None and fold([newest, event]) != [newest, event]:
            merged = fold([newest, event])[0]
            self.events[newest.event_id] = merged
            self.events[event.event_id] = merged  # known: a second delivery is dropped
            self.newest = merged
            table.update_rows([event_row(merged, utc=self.utc, narrow=self.narrow)], flash=[merged.event_id])
            return True
        self.events[event.event_id] = event
        if newest is None or event.epoch >= newest.epoch:
            self.newest = event
        table.update_rows([event_row(event, utc=self.utc, narrow=self.narrow)], flash=[event.event_id])
        if following and table.visible_count:
            table.move_cursor_to(table.visible_keys[0])
            table.scroll_to(y=0, animate=False)
        self._paint_title()
        return True

    @on(NewEvent)
    def _on_new_event(self, message: NewEvent) -> None:
        self.add_event(message.event)

    @on(ClusterEventStreamed)
    def _on_streamed(self, message: ClusterEventStreamed) -> None:
        """A Cluster Event from the live stream (controllers/stream.py): at the top, flashing, if in scope."""
        if message.event is not None:
            self.add_event(message.event)

    # --- keys ----------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        if not self.query_one(FilterBox).step_back(self.table):
            self.app.pop_screen()

    def action_filter(self) -> None:
        self.query_one(FilterBox).open(self.table)

    def action_toggle_utc(self) -> None:
        self.utc = not self.utc
        self._repaint_rows()
        self._paint_title()

    @on(ResourceTable.CursorMoved, "#events-table")
    def _preview(self, message: ResourceTable.CursorMoved) -> None:
        """The highlighted event's whole description (the column is cut at 80 columns)."""
        key = message.key
        event = self.events.get(key) if key else None
        if event is not None:
            where = " · ".join(part for part in (event.resource_type, event.group, event.instance_id) if part)
            text = f"{where} · {event.description}"
        elif key is not None and (seen := self._observed_rows.get(key)) is not None:
            text = seen.description
        else:
            text = ""
        self.query_one("#events-preview", Static).update(plain(text, max_len=DESCRIPTION_PREVIEW))

    @on(ResourceTable.Selected, "#events-table")
    def _open_event(self, message: ResourceTable.Selected) -> None:
        event = self.events.get(message.key)
        if event is None:
            return
        self.app.push_screen(
            event_detail_screen(
                event, self._api_getter, utc=self.utc, open_node=self._open_node, open_log=self._open_log
            )
        )


# --- an event's details ----------------------------------------------------------------------------------------


def event_sections(event: ClusterEvent, detail: EventDetail | None, *, utc: bool) -> list[Section]:
    shown = detail.event if detail is not None else event
    sections: list[Section] = []
    if detail is not None and detail.failure_messages:
        sections.append(("Failure", [(name, message) for name, message in detail.failure_messages]))
    summary = [
        ("Time", f"{format_time(shown.time, utc=utc)} ({'UTC' if utc else 'local'}) · {shown.time.isoformat()}"),
        ("Level", shown.level_text + ("  (normal during scaling, not an outage)" if shown.is_scaling_noise else "")),
        ("Resource type", shown.resource_type),
        ("Description", shown.description),
        ("Instance group", shown.group or "—"),
        (
            "Instance",
            (shown.instance_id or "—")
            + ("  (read from the description)" if shown.instance_id_from_description else ""),
        ),
        ("Event id", shown.event_id),
    ]
    if shown.operation_id:
        summary.append(("Operation", shown.operation_id))
    if shown.count > 1:
        summary.append(("Folded", f"{shown.count} near-identical events within 2 s: {', '.join(shown.folded_ids)}"))
    if detail is not None and detail.lcs_execution_state:
        summary.insert(1, ("Lifecycle script", detail.lcs_execution_state))
    sections.append(("Event", summary))
    if detail is None:
        sections.append(("Metadata", [("", "loading (DescribeClusterEvent)…")]))
        return sections
    for section in detail.sections:
        heading = f"Metadata · {section.name}" + ("" if section.known else " (not known to this version)")
        sections.append((heading, list(section.fields) or [("", "(empty)")]))
    if detail.null_subtrees:
        sections.append(("Metadata", [("Empty subtrees", ", ".join(detail.null_subtrees))]))
    if shown.instance_id:
        sections.append(("Links", [("n", f"details of node {shown.instance_id}"), ("l", "its lifecycle-script log")]))
    return sections


class EventDetailScreen(DetailScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "node", "Node", id="event-node", tooltip="Details of the event's node"),
        Binding("l", "log", "Log", id="event-log", tooltip="Lifecycle-script log of the event's node"),
    ]

    def __init__(
        self,
        event: ClusterEvent,
        title: str,
        sections: Callable[[object | None, float], list[Section]],
        loader: Callable[[], object],
        *,
        open_node: NodeLink | None,
        open_log: NodeLink | None,
    ) -> None:
        super().__init__(title, sections, loader)
        self.event = event
        self._open_node = open_node
        self._open_log = open_log

    def _instance(self) -> str | None:
        loaded = self._loaded
        if isinstance(loaded, EventDetail) and loaded.event.instance_id:
            return loaded.event.instance_id
        return self.event.instance_id

    def action_node(self) -> None:
        self._follow(self._open_node, "node details")

    def action_log(self) -> None:
        self._follow(self._open_log, "lifecycle log")

    def _follow(self, link: NodeLink | None, what: str) -> None:
        instance = self._instance()
        if instance is None or link is None:
            toast(self, f"This event names no node: no {what} to open.", timeout=4)
            return
        link(instance)


def event_detail_screen(
    event: ClusterEvent,
    api_getter: ApiGetter,
    *,
    utc: bool = False,
    open_node: NodeLink | None = None,
    open_log: NodeLink | None = None,
) -> EventDetailScreen:
    def load() -> EventDetail | None:
        from tui.core.events import describe_event

        return describe_event(api_getter(), event.cluster, event.event_id)

    return EventDetailScreen(
        event,
        f"Event · {clean(event.resource_type)} · {clean(event.cluster)} · {format_time(event.time, utc=utc)}",
        lambda loaded, _now: event_sections(event, loaded if isinstance(loaded, EventDetail) else None, utc=utc),
        load,
        open_node=open_node,
        open_log=open_log,
    )
