"""The main screen: clusters → instance groups → nodes, live.

Data flows one way: a worker runs a refresh (core.refresh: core.aws fetches, core.snapshot snapshots and diffs) →
a message → a handler here stores it and applies only the change to a table. Refreshes never overlap and back off
while throttled (core.refresh.RefreshSchedule, driven by controllers/refresh.py).
While another screen (a modal, the help) is on top, handlers store data but paint nothing; the screen repaints
from the stored state when it is shown again.

The nodes pane (NodeTable) owns the marks and the node keys and posts requests; the screen hands each to the
feature's controller (tui/controllers: actions, shells, logs), which does the work.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from tui.commands import ClusterCommands, NodeCommands
from tui.controllers.actions import ActionCallDone, ActionsController, ActionsFinished
from tui.controllers.console import ConsoleController
from tui.controllers.logs import LogsController
from tui.controllers.panes import PanePainter
from tui.controllers.refresh import RefreshController
from tui.controllers.shells import ShellController
from tui.controllers.stream import StreamController, StreamItemArrived, StreamStatusChanged
from tui.core.explorer import ExplorerState
from tui.core.log_target import LogTarget
from tui.core.tables import CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS
from tui.messages import ClusterDescribed, ClusterGone, ClustersListed, NodesListed, RefreshFinished
from tui.screens.action_results import ActionResultsScreen
from tui.screens.ask import AskScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.text import toast
from tui.typed_app import hyperpod_app, key_for
from tui.widgets.banner import Banner
from tui.widgets.filter_box import FilterBox
from tui.widgets.node_table import LOGS_BINDING, NodeTable
from tui.widgets.pty_pane import PtyPane
from tui.widgets.resource_table import ResourceTable
from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS, ShellTabs
from tui.widgets.status_header import StatusHeader

DETAILS_BINDING = Binding("d", "details", "Details", id="details")
NAVIGATION_BINDINGS: list[Binding] = [
    Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="next-pane"),
    Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="previous-pane"),
    Binding("escape", "back", "Back", id="back"),
    Binding("slash", "filter", "Filter", id="filter"),
    Binding("r", "refresh", "Refresh", id="refresh"),
    DETAILS_BINDING,
    Binding("b", "console", "Console", show=False, id="console", tooltip="The cluster in the AWS console (or its URL)"),
]


class MainScreen(Screen[None]):
    COMMANDS = Screen.COMMANDS | {ClusterCommands, NodeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *SHELL_PANE_BINDINGS,  # the shell pane's keys
        LOGS_BINDING,  # on the clusters pane (the nodes pane has its own)
        *NAVIGATION_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ExplorerState()  # what the panes show; read it, store into it only through the handlers
        self._dirty = False
        self._opened_cluster_flag = False
        self.panes = PanePainter(self)
        self.refreshes = RefreshController(self)
        self.actions = ActionsController(self, confirm=ConfirmActionScreen, results=ActionResultsScreen)
        self.shells = ShellController(self, ask=AskScreen)
        self.logs = LogsController(self, open_log=self._open_log)
        self.console = ConsoleController(self)
        self.stream = StreamController(self)

    # --- composition ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = hyperpod_app(self)
        clock = app.clock
        yield StatusHeader(clock=clock, id="status-header")
        yield Banner(id="problem-banner")
        with Vertical(id="clusters-pane", classes="pane"):
            yield ResourceTable(CLUSTER_COLUMNS, sort="name", clock=clock, id="clusters")
        yield Banner(id="failure-banner")
        with Vertical(id="groups-pane", classes="pane"):
            yield ResourceTable(GROUP_COLUMNS, clock=clock, id="groups")
        with Vertical(id="nodes-pane", classes="pane"):
            yield NodeTable(NODE_COLUMNS, read_only=app.settings.read_only, sort="status", clock=clock, id="nodes")
        yield FilterBox(id="filter")
        yield Footer()

    @property
    def clusters_table(self) -> ResourceTable:
        return self.query_one("#clusters", ResourceTable)

    @property
    def groups_table(self) -> ResourceTable:
        return self.query_one("#groups", ResourceTable)

    @property
    def nodes_table(self) -> NodeTable:
        return self.query_one("#nodes", NodeTable)

    @property
    def header(self) -> StatusHeader:
        return self.query_one(StatusHeader)

    @property
    def filter_box(self) -> FilterBox:
        return self.query_one(FilterBox)

    def on_mount(self) -> None:
        app = hyperpod_app(self)
        settings = app.settings
        header = self.header
        header.target = app.target_description
        header.badges = tuple(app.mode_badges)
        header.interval = settings.refresh
        self.clusters_table.placeholder = "Loading clusters…"
        self.groups_table.placeholder = "Select a cluster"
        self.nodes_table.placeholder = "Select a cluster"
        self.clusters_table.focus()
        self.panes.update_titles()
        self.refreshes.start()
        self.stream.start()

    def on_unmount(self) -> None:
        self.stream.stop()

    @on(StreamItemArrived)
    def _on_stream_item(self, message: StreamItemArrived) -> None:
        self.stream.arrived(message.item)

    @on(StreamStatusChanged)
    def _on_stream_status(self, message: StreamStatusChanged) -> None:
        self.stream.status_changed(message.status)

    # --- refreshing (the work is in controllers/refresh.py and core/refresh.py) -----------------------------

    def action_refresh(self) -> None:
        self.refreshes.request()

    @on(RefreshFinished)
    def _on_refresh_finished(self, message: RefreshFinished) -> None:
        self.refreshes.finished(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch what they expect; anything else is a bug, shown rather than swallowed.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            toast(
                self,
                f"{event.worker.description or 'Background task'} failed: {event.worker.error}",
                severity="error",
                timeout=10,
            )
            if event.worker.group == "refresh":
                self.refreshes.crashed()

    # --- applying data -------------------------------------------------------------------------------------

    @on(ClustersListed)
    def _on_clusters_listed(self, message: ClustersListed) -> None:
        state, focus = self.state, self.state.focus
        for name in state.take_clusters(message.clusters):
            self._forgotten(name, "it is no longer listed", was_focus=name == focus)
        if not self.is_active:
            self._dirty = True
            return
        table = self.clusters_table
        table.placeholder = "No HyperPod clusters in this account and region" if not state.clusters else ""
        table.update_rows([self.panes.cluster_row(name) for name in state.clusters], ())
        if state.focus is None and table.cursor_key is not None:
            self._set_focus(table.cursor_key)
        self._open_requested_cluster()
        self.panes.update_titles()
        if not self.refreshes.clusters_painted.is_set():
            self.call_after_refresh(self.refreshes.clusters_painted.set)

    def _open_requested_cluster(self) -> None:
        wanted, clusters = hyperpod_app(self).settings.cluster, self.state.clusters
        if not wanted or self._opened_cluster_flag or not clusters:
            return
        self._opened_cluster_flag = True
        if wanted in clusters:
            self.clusters_table.move_cursor_to(wanted)
            self._set_focus(wanted)
            self.nodes_table.focus()
        else:
            names = ", ".join(sorted(clusters)) or "none"
            toast(self, f"Cluster {wanted!r} not found. Clusters here: {names}", severity="error", timeout=10)

    @on(ClusterDescribed)
    def _on_cluster_described(self, message: ClusterDescribed) -> None:
        name = message.detail.name
        if not self.state.take_detail(message.detail):
            return
        if not self.is_active:
            self._dirty = True
            return
        self.clusters_table.update_rows([self.panes.cluster_row(name)])
        if name == self.state.focus:
            self.panes.show_groups()
            self.panes.show_failure_banner()
            self.panes.update_titles()

    @on(ClusterGone)
    def _on_cluster_gone(self, message: ClusterGone) -> None:
        if message.name in self.state.clusters:
            was_focus = message.name == self.state.focus
            self.state.forget(message.name)
            self._forgotten(message.name, message.reason, was_focus=was_focus)

    def _forgotten(self, name: str, reason: str, *, was_focus: bool) -> None:
        self.clusters_table.update_rows((), [name])
        if was_focus:
            toast(self, f"Cluster {name} is gone: {reason}", severity="warning", timeout=8)
            self._show_focus_cluster()

    @on(NodesListed)
    def _on_nodes_listed(self, message: NodesListed) -> None:
        snapshot = message.snapshot
        if not self.state.take_snapshot(snapshot):
            return
        if not self.is_active:
            self._dirty = True
            return
        self.clusters_table.update_rows([self.panes.cluster_row(snapshot.cluster)])
        if snapshot.cluster == self.state.focus:
            self.panes.show_nodes(snapshot)
            self.panes.show_groups()
            self.panes.notify_failures(snapshot)
            self.panes.update_titles()

    def on_screen_resume(self) -> None:
        if self._dirty:  # repaint what arrived while another screen was on top
            self._dirty = False
            table, clusters = self.clusters_table, self.state.clusters
            gone = [key for key in list(table.visible_keys) if key not in clusters]
            table.update_rows([self.panes.cluster_row(name) for name in clusters], gone)
            self._show_focus_cluster(keep_scope=True)

    # --- focus, drill-down, filter -------------------------------------------------------------------------

    @on(ResourceTable.CursorMoved, "#clusters")
    def _on_cluster_cursor(self, message: ResourceTable.CursorMoved) -> None:
        if message.key != self.state.focus:
            self._set_focus(message.key)

    def _set_focus(self, name: str | None) -> None:
        self.state.focus, self.state.group_scope = name, None
        self.nodes_table.set_scope(None)
        self._show_focus_cluster()
        if name is not None:
            self.refreshes.focus_moved(name, self.state.snapshot_of(name))

    def _show_focus_cluster(self, keep_scope: bool = False) -> None:
        snapshot = self.state.focus_snapshot
        self.panes.show_groups()
        self.panes.show_nodes(snapshot)
        self.nodes_table.placeholder = (
            "Select a cluster"
            if self.state.focus is None
            else ("Loading nodes…" if snapshot is None else "No nodes (yet)")
        )
        if not keep_scope:
            self.nodes_table.set_scope(None)
        self.panes.show_failure_banner()
        self.panes.update_titles()

    @on(ResourceTable.Selected, "#clusters")
    def _on_cluster_selected(self, message: ResourceTable.Selected) -> None:
        self.groups_table.focus()

    @on(ResourceTable.Selected, "#groups")
    def _on_group_selected(self, message: ResourceTable.Selected) -> None:
        self.state.group_scope = message.key
        self.nodes_table.set_scope(self.nodes_table.model.where("group", message.key))
        self.nodes_table.focus()
        self.panes.update_titles()

    @on(ResourceTable.Selected, "#nodes")
    def _on_node_selected(self, message: ResourceTable.Selected) -> None:
        self.action_details()

    @on(ResourceTable.ViewChanged)
    def _on_view_changed(self, message: ResourceTable.ViewChanged) -> None:
        self.panes.update_titles()

    def _focused_table(self) -> ResourceTable | None:
        focused = self.focused
        return focused if isinstance(focused, ResourceTable) else None

    def action_cycle_pane(self, direction: int) -> None:
        tables = [self.clusters_table, self.groups_table, self.nodes_table]
        current = self._focused_table() or self.filter_box.target or self.clusters_table
        index = tables.index(current) if current in tables else 0
        tables[(index + direction) % len(tables)].focus()

    def action_back(self) -> None:
        if self.focused is self.filter_box:
            self.filter_box.close(keep=False)
            return
        table = self._focused_table()
        if table is None:
            return
        if table.query:
            table.set_filter("")
        elif table is self.nodes_table:
            if self.state.group_scope is not None:
                self.state.group_scope = None
                table.set_scope(None)
                self.panes.update_titles()
            self.groups_table.focus()
        elif table is self.groups_table:
            self.clusters_table.focus()

    def action_filter(self) -> None:
        table = self._focused_table() or self.filter_box.target
        if table is not None:
            self.filter_box.open(table)

    # --- details -------------------------------------------------------------------------------------------

    def action_details(self) -> None:
        from tui.screens.detail import detail_screen_for

        table = self._focused_table()
        if table is not None and table.id and table.cursor_key is not None:
            if not table.reveal_cursor(key_for(self, DETAILS_BINDING), "open its details"):
                return
            screen = detail_screen_for(table.id, table.cursor_key, self.state, hyperpod_app(self).ensure_api)
            if screen is not None:
                self.app.push_screen(screen)

    def action_console(self) -> None:
        self.console.open(self.state.focus)

    # --- requests from the nodes pane, and the keys behind them --------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = self.shells.allows(action)
        if allowed is not None:
            return allowed
        if action == "logs":  # the nodes pane's own `l` is the nodes'
            return self._focused_table() is self.clusters_table
        return super().check_action(action, parameters)

    @on(events.Key)
    def _explain_node_key(self, event: events.Key) -> None:
        self.actions.explain_key(event)

    @on(NodeTable.ActionRequested)
    def _on_action_requested(self, message: NodeTable.ActionRequested) -> None:
        self.actions.request(message.action, message.node_ids, message.hidden)

    @on(ActionCallDone)
    def _on_action_call_done(self, message: ActionCallDone) -> None:
        self.actions.call_done(message.call)

    @on(ActionsFinished)
    def _on_actions_finished(self, message: ActionsFinished) -> None:
        self.actions.finished(message.result, message.error)

    def _open_log(self, target: LogTarget) -> None:
        from tui.screens.logs import LogScreen  # loaded when first opened: it is a large module

        self.app.push_screen(LogScreen(target))

    @on(NodeTable.LogsRequested)
    def _on_logs_requested(self, message: NodeTable.LogsRequested) -> None:
        self.logs.open_for_node(message.node_id)

    def action_logs(self) -> None:
        key = self.clusters_table.cursor_key
        if key is not None:
            self.logs.open_for_cluster(key)

    @on(NodeTable.ShellRequested)
    async def _on_shell_requested(self, message: NodeTable.ShellRequested) -> None:
        if message.fullscreen:
            self.shells.open_fullscreen(message.node_id)
        else:
            await self.shells.open_embedded(message.node_id)

    @on(NodeTable.CopyCommandRequested)
    def _on_copy_command_requested(self, message: NodeTable.CopyCommandRequested) -> None:
        self.shells.copy_command(message.node_id)

    def action_shell_leave(self) -> None:
        self.shells.return_to_tables()

    def action_shell_focus(self) -> None:
        self.shells.focus_terminal()

    def action_shell_zoom(self) -> None:
        self.shells.toggle_zoom()

    def action_shell_tab(self, direction: int) -> None:
        self.shells.switch_tab(direction)

    async def action_shell_close(self) -> None:
        await self.shells.close_tab()

    async def on_shell_tabs_close_requested(self, message: ShellTabs.CloseRequested) -> None:
        await self.shells.close_tab()

    @on(PtyPane.EscapeRequested)
    def _on_terminal_left(self, message: PtyPane.EscapeRequested) -> None:
        self.shells.return_to_tables()  # ctrl+] when the shell-leave binding was rebound to another key

    @on(ShellTabs.Emptied)
    def _on_shells_emptied(self, message: ShellTabs.Emptied) -> None:
        self.shells.return_to_tables()
        self.refresh_bindings()

    @on(ShellTabs.SessionChanged)
    def _on_shell_changed(self, message: ShellTabs.SessionChanged) -> None:
        self.refresh_bindings()

    # --- jumps (command palette) ---------------------------------------------------------------------------

    def jump_to_cluster(self, name: str) -> None:
        table = self.clusters_table
        if name not in self.state.clusters:
            return
        if not table.move_cursor_to(name):
            table.set_filter("")
            table.move_cursor_to(name)
        self._set_focus(name)
        self.groups_table.focus()

    def jump_to_node(self, instance_id: str) -> None:
        table = self.nodes_table
        if not table.move_cursor_to(instance_id):
            table.set_filter("")
            self.state.group_scope = None
            table.set_scope(None)
            table.move_cursor_to(instance_id)
        table.focus()
        self.panes.update_titles()
