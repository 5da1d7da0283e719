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
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState

from tui.commands import ClusterCommands, NodeCommands
from tui.controllers.actions import ActionCallDone, ActionsController, ActionsFinished
from tui.controllers.logs import LogsController
from tui.controllers.panes import PanePainter
from tui.controllers.refresh import RefreshController
from tui.controllers.shells import ShellController
from tui.core.log_target import LogTarget
from tui.core.models import ClusterDetail, ClusterSummary
from tui.core.sanitize import markup_safe
from tui.core.snapshot import NodeSnapshot
from tui.core.tables import CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS
from tui.messages import ClusterDescribed, ClusterGone, ClustersListed, NodesListed, RefreshFinished
from tui.screens.action_results import ActionResultsScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.typed_app import hyperpod_app
from tui.widgets.banner import Banner
from tui.widgets.node_table import LOGS_BINDING, NodeTable
from tui.widgets.pty_pane import PtyPane
from tui.widgets.resource_table import ResourceTable
from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS, ShellTabs
from tui.widgets.status_header import StatusHeader

NAVIGATION_BINDINGS: list[Binding] = [
    Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="next-pane"),
    Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="previous-pane"),
    Binding("escape", "back", "Back", id="back"),
    Binding("slash", "filter", "Filter", id="filter"),
    Binding("r", "refresh", "Refresh", id="refresh"),
    Binding("d", "details", "Details", id="details"),
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
        self._clusters: dict[str, ClusterSummary] = {}
        self._details: dict[str, ClusterDetail] = {}
        self._snapshots: dict[str, NodeSnapshot] = {}
        self._focus: str | None = None
        self._group_scope: str | None = None
        self._dirty = False
        self._opened_cluster_flag = False
        self._filter_target: ResourceTable | None = None
        self.panes = PanePainter(self)
        self.refreshes = RefreshController(self)
        self.actions = ActionsController(self, confirm=ConfirmActionScreen, results=ActionResultsScreen)
        self.shells = ShellController(self)
        self.logs = LogsController(self, open_log=self._open_log)

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
        yield Input(
            placeholder="filter: words · column:value (status:fail, group:worker) · !word excludes", id="filter"
        )
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
    def focus_cluster(self) -> str | None:
        return self._focus

    @property
    def focus_detail(self) -> ClusterDetail | None:
        return self._details.get(self._focus) if self._focus else None

    @property
    def focus_snapshot(self) -> NodeSnapshot | None:
        return self._snapshots.get(self._focus) if self._focus else None

    @property
    def group_scope(self) -> str | None:
        """The instance group the nodes pane is scoped to (None: all groups)."""
        return self._group_scope

    def cluster_summary(self, cluster: str) -> ClusterSummary:
        return self._clusters[cluster]

    def detail_of(self, cluster: str) -> ClusterDetail | None:
        return self._details.get(cluster)

    def snapshot_of(self, cluster: str) -> NodeSnapshot | None:
        return self._snapshots.get(cluster)

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
        self.query_one("#filter", Input).display = False
        self.clusters_table.focus()
        self.panes.update_titles()
        self.refreshes.start()

    # --- refreshing (the work is in controllers/refresh.py and core/refresh.py) -----------------------------

    def action_refresh(self) -> None:
        self.refreshes.request()

    def snapshots_copy(self) -> dict[str, NodeSnapshot]:
        return dict(self._snapshots)

    def details_copy(self) -> dict[str, ClusterDetail]:
        return dict(self._details)

    @property
    def has_clusters(self) -> bool:
        return bool(self._clusters)

    @on(RefreshFinished)
    def _on_refresh_finished(self, message: RefreshFinished) -> None:
        self.refreshes.finished(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch what they expect; anything else is a bug, shown rather than swallowed.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(
                markup_safe(f"{event.worker.description or 'Background task'} failed: {event.worker.error}"),
                severity="error",
                timeout=10,
            )
            if event.worker.group == "refresh":
                self.refreshes.crashed()

    # --- applying data -------------------------------------------------------------------------------------

    @on(ClustersListed)
    def _on_clusters_listed(self, message: ClustersListed) -> None:
        listed = {cluster.name: cluster for cluster in message.clusters}
        for name in [name for name in self._clusters if name not in listed]:
            self._forget_cluster(name, "it is no longer listed")
        self._clusters = listed
        if not self.is_active:
            self._dirty = True
            return
        table = self.clusters_table
        table.placeholder = "No HyperPod clusters in this account and region" if not listed else ""
        table.update_rows([self.panes.cluster_row(name) for name in listed], ())
        if self._focus is None and table.cursor_key is not None:
            self._set_focus(table.cursor_key)
        self._open_requested_cluster()
        self.panes.update_titles()
        if not self.refreshes.clusters_painted.is_set():
            self.call_after_refresh(self.refreshes.clusters_painted.set)

    def _open_requested_cluster(self) -> None:
        wanted = hyperpod_app(self).settings.cluster
        if not wanted or self._opened_cluster_flag or not self._clusters:
            return
        self._opened_cluster_flag = True
        if wanted in self._clusters:
            self.clusters_table.move_cursor_to(wanted)
            self._set_focus(wanted)
            self.nodes_table.focus()
        else:
            names = ", ".join(sorted(self._clusters)) or "none"
            self.notify(
                markup_safe(f"Cluster {wanted!r} not found. Clusters here: {names}"), severity="error", timeout=10
            )

    @on(ClusterDescribed)
    def _on_cluster_described(self, message: ClusterDescribed) -> None:
        detail = message.detail
        if detail.name not in self._clusters:
            return
        self._details[detail.name] = detail
        if not self.is_active:
            self._dirty = True
            return
        self.clusters_table.update_rows([self.panes.cluster_row(detail.name)])
        if detail.name == self._focus:
            self.panes.show_groups()
            self.panes.show_failure_banner()
            self.panes.update_titles()

    @on(ClusterGone)
    def _on_cluster_gone(self, message: ClusterGone) -> None:
        if message.name in self._clusters:
            self._clusters.pop(message.name)
            self._forget_cluster(message.name, message.reason)

    def _forget_cluster(self, name: str, reason: str) -> None:
        self._details.pop(name, None)
        self._snapshots.pop(name, None)
        self.clusters_table.update_rows((), [name])
        if name == self._focus:
            self.notify(markup_safe(f"Cluster {name} is gone: {reason}"), severity="warning", timeout=8)
            self._focus = None
            self._show_focus_cluster()

    @on(NodesListed)
    def _on_nodes_listed(self, message: NodesListed) -> None:
        snapshot = message.snapshot
        current = self._snapshots.get(snapshot.cluster)
        if snapshot.cluster not in self._clusters or (
            current is not None and current.fetched_at >= snapshot.fetched_at
        ):
            return
        self._snapshots[snapshot.cluster] = snapshot
        if not self.is_active:
            self._dirty = True
            return
        self.clusters_table.update_rows([self.panes.cluster_row(snapshot.cluster)])
        if snapshot.cluster == self._focus:
            self.panes.show_nodes(snapshot)
            self.panes.show_groups()
            self.panes.notify_failures(snapshot)
            self.panes.update_titles()

    def on_screen_resume(self) -> None:
        if self._dirty:
            self._dirty = False
            self._repaint_all()

    def _repaint_all(self) -> None:
        table = self.clusters_table
        table.update_rows(
            [self.panes.cluster_row(name) for name in self._clusters],
            [k for k in list(table.visible_keys) if k not in self._clusters],
        )
        if self._focus not in self._clusters:
            self._focus = None
        self._show_focus_cluster(keep_scope=True)

    # --- focus, drill-down, filter -------------------------------------------------------------------------

    @on(ResourceTable.CursorMoved, "#clusters")
    def _on_cluster_cursor(self, message: ResourceTable.CursorMoved) -> None:
        if message.key != self._focus:
            self._set_focus(message.key)

    def _set_focus(self, name: str | None) -> None:
        self._focus = name
        self._group_scope = None
        self.nodes_table.set_scope(None)
        self._show_focus_cluster()
        if name is None:
            return
        self.refreshes.focus_moved(name, self._snapshots.get(name))

    def _show_focus_cluster(self, keep_scope: bool = False) -> None:
        self.panes.show_groups()
        self.panes.show_nodes(self.focus_snapshot)
        self.nodes_table.placeholder = (
            "Select a cluster"
            if self._focus is None
            else ("Loading nodes…" if self.focus_snapshot is None else "No nodes (yet)")
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
        self._group_scope = message.key
        group = message.key
        self.nodes_table.set_scope(self.nodes_table.model.where("group", group))
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
        current = self._focused_table() or self._filter_target or self.clusters_table
        index = tables.index(current) if current in tables else 0
        tables[(index + direction) % len(tables)].focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self._close_filter(keep=False)
            return
        table = self._focused_table()
        if table is None:
            return
        if table.query:
            table.set_filter("")
            return
        if table is self.nodes_table:
            if self._group_scope is not None:
                self._group_scope = None
                table.set_scope(None)
                self.panes.update_titles()
            self.groups_table.focus()
        elif table is self.groups_table:
            self.clusters_table.focus()

    def action_filter(self) -> None:
        table = self._focused_table() or self._filter_target
        if table is None:
            return
        self._filter_target = table
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = table.query
        box.focus()

    @on(Input.Changed, "#filter")
    def _on_filter_changed(self, event: Input.Changed) -> None:
        if self._filter_target is not None:
            self._filter_target.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        self._close_filter(keep=True)

    def _close_filter(self, *, keep: bool) -> None:
        box = self.query_one("#filter", Input)
        target = self._filter_target or self.clusters_table
        if not keep:
            target.set_filter("")
        box.display = False
        target.focus()

    # --- details -------------------------------------------------------------------------------------------

    def action_details(self) -> None:
        from tui.screens.detail import cluster_detail_screen, group_detail_screen, node_detail_screen

        table = self._focused_table()
        detail = self.focus_detail
        key = table.cursor_key if table is not None else None
        if table is self.clusters_table and key is not None and key in self._clusters:
            summary = self._clusters[key]
            self.app.push_screen(cluster_detail_screen(summary, self._details.get(summary.name)))
        elif table is self.groups_table and detail is not None and table.cursor_key:
            group = detail.group(table.cursor_key)
            if group is not None:
                self.app.push_screen(group_detail_screen(detail, group))
        elif table is self.nodes_table and detail is not None and table.cursor_key:
            snapshot = self.focus_snapshot
            node = snapshot.nodes.get(table.cursor_key) if snapshot else None
            if node is not None:
                self.app.push_screen(node_detail_screen(detail, node, hyperpod_app(self).ensure_api))

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

    @property
    def shell_tabs(self) -> ShellTabs | None:
        return self.shells.tabs

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

    @property
    def cluster_names(self) -> list[str]:
        return list(self._clusters)

    def jump_to_cluster(self, name: str) -> None:
        table = self.clusters_table
        if name not in self._clusters:
            return
        if not table.move_cursor_to(name):
            table.set_filter("")
            table.move_cursor_to(name)
        self._set_focus(name)
        self.groups_table.focus()

    def node_status(self, cluster: str, instance_id: str) -> str | None:
        """The node's status in the latest listing of its cluster; "" when that listing no longer has it, None
        when the cluster's nodes have not been listed (other screens, e.g. the log viewer, follow it with this)."""
        snapshot = self._snapshots.get(cluster)
        if snapshot is None:
            return None
        node = snapshot.nodes.get(instance_id)
        return node.status if node is not None else ""

    def jump_to_node(self, instance_id: str) -> None:
        table = self.nodes_table
        if not table.move_cursor_to(instance_id):
            table.set_filter("")
            self._group_scope = None
            table.set_scope(None)
            table.move_cursor_to(instance_id)
        table.focus()
        self.panes.update_titles()
