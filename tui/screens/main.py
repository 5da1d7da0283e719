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

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from tui.backend import fleet_members, is_fleet
from tui.commands import ClusterCommands, NodeCommands
from tui.controllers.actions import ActionCallDone, ActionsController, ActionsFinished
from tui.controllers.columns import ColumnsController
from tui.controllers.console import ConsoleController
from tui.controllers.events import EVENTS_BINDING, EventsController
from tui.controllers.forwards import ForwardsController
from tui.controllers.kube import KubeActionsFinished, KubeController, KubeNodeDone, KubeViewed
from tui.controllers.layout import PaneLayout
from tui.controllers.logs import LogsController
from tui.controllers.node_finder import NodeFinder
from tui.controllers.panes import PanePainter
from tui.controllers.refresh import RefreshController
from tui.controllers.run import RunController
from tui.controllers.shells import ShellController
from tui.controllers.slurm import SlurmController
from tui.controllers.ssh_entries import SshEntriesController
from tui.controllers.stream import StreamController, StreamItemArrived, StreamStatusChanged
from tui.core.actions import ACTIONS, ActionPlan, ActionResult
from tui.core.explorer import ExplorerState
from tui.core.log_target import LogTarget
from tui.core.node_lookup import DescribeResult, Entry
from tui.core.sanitize import clean
from tui.core.slurm_actions import SLURM_ACTIONS
from tui.core.snapshot import NodeSnapshot
from tui.core.tables import GROUP_COLUMNS, NODE_COLUMNS, cluster_columns
from tui.core.triage import row_key, split_key
from tui.core.wording import plural
from tui.messages import ClusterDescribed, ClusterGone, ClustersListed, NodesListed, RefreshFinished
from tui.screens.action_results import ActionResultsScreen
from tui.screens.ask import AskScreen
from tui.screens.columns import ColumnChooser
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.forwards import ForwardFormScreen, ForwardListScreen
from tui.screens.run import ConfirmRunScreen, RunPromptScreen, RunResultsScreen
from tui.screens.slurm import SlurmActionScreen
from tui.screens.ssh_entries import SshEntriesScreen
from tui.text import toast
from tui.typed_app import hyperpod_app, key_for
from tui.widgets.banner import Banner
from tui.widgets.command_line import COMMAND_LINE_BINDING, CommandLine
from tui.widgets.filter_box import FilterBox
from tui.widgets.group_table import GroupTable
from tui.widgets.key_footer import KeyFooter
from tui.widgets.node_table import LOGS_BINDING, NodeTable
from tui.widgets.pty_pane import PtyPane
from tui.widgets.resource_table import ResourceTable
from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS, ShellTabs
from tui.widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from tui.core.triage_actions import PlanBuilder

# The keys that open a prompt are priority bindings: they run as the app receives the key, before the keys queued
# after it are forwarded, so that `/fail` typed at once (a paste, tmux send-keys, a fast typist over SSH) filters
# by "fail". A normal binding runs only once the key has bubbled up from the focused table, by which time the
# letters after it were already forwarded to the table (a space marked a node, `b` opened the console). Inside a
# text field, check_action turns them off, so there `/` and `:` are text.
PROMPT_ACTIONS = frozenset({"filter", "command_line"})

DETAILS_BINDING = Binding("d", "details", "Details", id="details")
NAVIGATION_BINDINGS: list[Binding] = [
    Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="next-pane"),
    Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="previous-pane"),
    Binding("escape", "back", "Back", id="back"),
    Binding("slash", "filter", "Filter", id="filter", priority=True),  # type-ahead: see PROMPT_ACTIONS
    Binding("r", "refresh", "Refresh", id="refresh"),
    DETAILS_BINDING,
    Binding("b", "console", "Console", show=False, id="console", tooltip="The cluster in the AWS console (or its URL)"),
    Binding(
        "exclamation_mark",
        "toggle_banners",
        "More",
        show=False,
        id="expand-banner",
        tooltip="Expand or fold the failure band (one line, cut with …)",
    ),
    Binding(
        "at",
        "api_log",
        "API log",
        show=False,
        id="api-log",
        tooltip="API log: every AWS call the app made (outcome, retries, request id)",
    ),
]


def _events_screen(*args: Any, **kwargs: Any) -> Screen[None]:
    from tui.screens.events import EventsScreen  # loaded when first opened

    return EventsScreen(*args, **kwargs)


def _triage_screen(*args: Any, **kwargs: Any) -> Screen[None]:
    from tui.screens.triage import TriageScreen  # loaded when first opened

    return TriageScreen(*args, **kwargs)


# k9s' faults filter: every node that needs attention, across the clusters listed so far (screens/triage.py). Not a
# priority key: a focused shell pane keeps its ctrl+z.
TRIAGE_BINDING = Binding(
    "ctrl+z", "triage", "Triage", show=False, id="triage", tooltip="Every node that is not healthy, across clusters"
)


def _health_check_picker(scope: str) -> ModalScreen[tuple[str, ...] | None]:
    from tui.screens.health_check import HealthCheckPicker  # loaded when first opened

    return HealthCheckPicker(scope)


def _confirm_plans_screen(plans: Sequence[ActionPlan]) -> ModalScreen[bool]:
    from tui.screens.confirm_plans import ConfirmPlansScreen  # loaded when first needed (the triage view)

    return ConfirmPlansScreen(plans)


def _node_screen(*args: Any, **kwargs: Any) -> Screen[None]:
    from tui.screens.detail import node_detail_screen

    return node_detail_screen(*args, **kwargs)


class MainScreen(Screen[None]):
    COMMANDS = Screen.COMMANDS | {ClusterCommands, NodeCommands}
    fleet_columns: tuple[bool, bool] = (False, False)  # PROFILE, REGION columns shown (a fleet: core/fleet.py)
    BINDINGS: ClassVar[list[BindingType]] = [
        *SHELL_PANE_BINDINGS,  # the shell pane's keys
        LOGS_BINDING,  # on the clusters pane (the nodes pane has its own)
        EVENTS_BINDING,  # clusters, groups and nodes panes: the Events view of what is highlighted
        *NAVIGATION_BINDINGS,
        TRIAGE_BINDING,
        COMMAND_LINE_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ExplorerState()  # what the panes show; read it, store into it only through the handlers
        self._dirty = False
        self._opened_cluster_flag = False
        self.panes = PanePainter(self)
        self.pane_layout = PaneLayout(self)
        self.refreshes = RefreshController(self)
        self.actions = ActionsController(
            self,
            confirm=ConfirmActionScreen,
            results=ActionResultsScreen,
            pick_checks=_health_check_picker,
            confirm_many=_confirm_plans_screen,
        )
        self.shells = ShellController(self, ask=AskScreen)
        self.runs = RunController(self, prompt=RunPromptScreen, confirm=ConfirmRunScreen, results=RunResultsScreen)
        self.forwards = ForwardsController(self, form=ForwardFormScreen, listing=ForwardListScreen)
        self.ssh_entries = SshEntriesController(self, show=SshEntriesScreen, ask=AskScreen)
        self.slurm = SlurmController(self, menu=SlurmActionScreen)
        self.columns = ColumnsController(self, chooser=ColumnChooser)
        self.logs = LogsController(self, open_log=self._open_log)
        self.console = ConsoleController(self)
        self.node_finder = NodeFinder(self)
        self._pending_jump: tuple[str, str] | None = None  # (cluster, instance id) to show once its nodes arrive
        self.cluster_events = EventsController(self, events_screen=_events_screen, node_screen=_node_screen)
        self.stream = StreamController(self)
        # EKS clusters' K8S column and the EKS branch of K
        self.kube = KubeController(self, menu=_kube_menu, confirm=_kube_confirm, results=_kube_results)

    # --- composition ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = hyperpod_app(self)
        clock = app.clock
        yield StatusHeader(clock=clock, id="status-header")
        yield Banner(id="problem-banner")
        with Vertical(id="clusters-pane", classes="pane"):
            settings = hyperpod_app(self).settings
            if is_fleet(settings):
                from tui.core.fleet import fleet_columns

                self.fleet_columns = fleet_columns(fleet_members(settings))
            profiles, regions = self.fleet_columns
            yield ResourceTable(
                cluster_columns(profiles=profiles, regions=regions), sort="name", clock=clock, id="clusters"
            )
        yield Banner(id="failure-banner")
        with Vertical(id="groups-pane", classes="pane"):
            yield GroupTable(GROUP_COLUMNS, read_only=app.settings.read_only, clock=clock, id="groups")
        with Vertical(id="nodes-pane", classes="pane"):
            yield NodeTable(NODE_COLUMNS, read_only=app.settings.read_only, sort="status", clock=clock, id="nodes")
        yield FilterBox(id="filter")
        yield CommandLine(self.command_candidates, id="command-line")
        yield KeyFooter()

    @property
    def clusters_table(self) -> ResourceTable:
        return self.query_one("#clusters", ResourceTable)

    @property
    def groups_table(self) -> GroupTable:
        return self.query_one("#groups", GroupTable)

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
        self.columns.apply_settings([self.clusters_table, self.groups_table, self.nodes_table])
        self.clusters_table.focus()
        self.panes.update_titles()
        self.pane_layout.apply()
        banner_binding = next(b for b in NAVIGATION_BINDINGS if b.id == "expand-banner")
        expand = self.app.get_key_display(dataclasses.replace(banner_binding, key=key_for(self, banner_binding)))
        for banner in self.query(Banner):
            banner.expand_key = expand
        self.refreshes.start()
        self.stream.start()
        self.slurm.start()
        self.kube.start()

    def on_unmount(self) -> None:
        self.stream.stop()

    @on(StreamItemArrived)
    def _on_stream_item(self, message: StreamItemArrived) -> None:
        self.stream.arrived(message.item)

    @on(StreamStatusChanged)
    def _on_stream_status(self, message: StreamStatusChanged) -> None:
        self.stream.status_changed(message.status)

    def on_resize(self, event: events.Resize) -> None:
        self.pane_layout.apply()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.pane_layout.focus_changed(self.focused)

    def action_toggle_banners(self) -> None:
        banners = [banner for banner in self.query(Banner) if banner.shown]
        expand = not any(banner.expanded for banner in banners)
        for banner in banners:
            banner.expanded = expand

    # --- refreshing (the work is in controllers/refresh.py and core/refresh.py) -----------------------------

    def fleet_changed(self) -> None:
        """The app switched profile or region (HyperPodApp.switch_region/switch_profile): forget every cluster
        of the old fleet and list the new one now (the running refresh, on the old facade, is cancelled)."""
        state, focus = self.state, self.state.focus
        for name in state.take_clusters(()):
            self._forgotten(name, "the fleet changed", was_focus=False)
        if focus is not None:
            self._show_focus_cluster()
        self.header.target = hyperpod_app(self).target_description
        self.clusters_table.placeholder = "Loading clusters…"
        self.panes.update_titles()
        self.refreshes.restart()

    def action_refresh(self) -> None:
        self.refreshes.request()
        self.slurm.refresh_requested()

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
        if wanted not in clusters:  # in a fleet, a plain name found in one region only is that cluster
            matches = [key for key in clusters if "@" in key and key.split("@", 1)[0] == wanted]
            wanted = matches[0] if len(matches) == 1 else wanted
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
        self.kube.snapshot_taken(snapshot)  # built before the Kubernetes view? then again with it
        if not self.is_active:
            self._dirty = True
            return
        self.clusters_table.update_rows([self.panes.cluster_row(snapshot.cluster)])
        if snapshot.cluster == self.state.focus:
            self.kube.tick()  # an EKS cluster's first Kubernetes view comes with its first listing
            self.panes.show_nodes(snapshot)
            self.panes.show_groups()
            self.panes.notify_failures(snapshot)
            self.panes.update_titles()
            self._finish_pending_jump(snapshot)

    def on_screen_resume(self) -> None:
        self.slurm.resumed()
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
        self._pending_jump = None  # a palette jump waiting for another cluster's nodes is dropped
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
        self.nodes_table.focus()  # one Enter: the cluster's nodes (its groups pane is one Tab from the clusters)

    @on(ResourceTable.Selected, "#groups")
    def _on_group_selected(self, message: ResourceTable.Selected) -> None:
        self.state.group_scope = message.key
        self.nodes_table.set_scope(self.nodes_table.model.where("group", message.key))
        self.nodes_table.focus()
        self.panes.update_titles()

    @on(ResourceTable.Selected, "#nodes")
    def _on_node_selected(self, message: ResourceTable.Selected) -> None:
        self.action_details()

    @on(ResourceTable.ColumnsRequested)
    def _choose_columns(self, event: ResourceTable.ColumnsRequested) -> None:
        event.stop()
        if isinstance(event.widget, ResourceTable):
            self.columns.choose(event.widget)

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
        elif table is self.nodes_table:  # back where the Enter came from: a group's nodes, or the cluster's
            if self.state.group_scope is None:
                self.clusters_table.focus()
                return
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

    def action_events(self) -> None:
        """The Events view of the highlighted cluster, group or node (also what `:events` calls)."""
        self.cluster_events.open()

    def action_triage(self) -> None:
        """The triage view (also what `:triage` calls): every not-healthy node of the snapshots in hand; the listed
        clusters whose HMA records were never swept are swept now (their rows arrive as the sweeps end)."""
        state = self.state
        self.refreshes.sweep_unswept()
        self.app.push_screen(
            _triage_screen(
                state.snapshots_copy,
                listed=lambda: len(state.clusters),
                go_to_node=lambda cluster, node: self.jump_to_node(node, cluster),
                open_details=self._open_node_details,
                act=self._act_across,
                read_only=hyperpod_app(self).settings.read_only,
                clock=hyperpod_app(self).clock,
            )
        )

    def _act_across(
        self, action: str, keys: Sequence[str], hidden: Sequence[str], unmark: Callable[[Sequence[str]], None]
    ) -> None:
        """R / P / C in the triage view: one plan per cluster from the descriptions and listings in hand, all in one
        confirmation (core/triage_actions, controllers/actions); the rows that succeed are unmarked there."""
        from tui.core.triage_actions import action_builder, health_check_builder

        settings = hyperpod_app(self).settings
        if settings.read_only:
            toast(
                self, "Read-only mode (--read-only): node actions are disabled. Nothing was sent.", severity="warning"
            )
            return
        if action == "deep_health_check":  # which checks first (the nodes pane's picker), then the same path

            def picked(checks: tuple[str, ...] | None) -> None:
                if not checks:
                    toast(self, "Deep health check cancelled: nothing was sent.", timeout=4)
                    return
                self._plan_across(keys, hidden, unmark, health_check_builder(checks, dry_run=settings.dry_run))

            clusters = len({split_key(key)[0] for key in keys})
            scope = f"{plural(len(keys), 'node')} in {plural(clusters, 'cluster')}, from the triage view."
            self.app.push_screen(_health_check_picker(scope), callback=picked)
            return
        self._plan_across(keys, hidden, unmark, action_builder(ACTIONS[action], dry_run=settings.dry_run))

    def _plan_across(
        self,
        keys: Sequence[str],
        hidden: Sequence[str],
        unmark: Callable[[Sequence[str]], None],
        build: PlanBuilder[ActionPlan],
    ) -> None:
        from tui.core.triage_actions import plan_across

        state = self.state
        across = plan_across(keys, state.details, state.snapshots, build, hidden=hidden)
        if across.missing:
            listed = ", ".join(across.missing[:5]) + (" …" if len(across.missing) > 5 else "")
            toast(self, f"Not in the listings any more, left out: {listed}", severity="warning", timeout=8)

        def after(plan: ActionPlan, result: ActionResult) -> None:
            if not plan.dry_run:
                unmark([row_key(plan.cluster, node) for node in result.succeeded])

        self.actions.request_plans(across.plans, after=after)

    def _open_node_details(self, cluster: str, key: str) -> None:
        detail, snapshot = self.state.detail_of(cluster), self.state.snapshot_of(cluster)
        node = snapshot.nodes.get(key) if snapshot is not None else None
        if detail is None or snapshot is None or node is None:
            toast(self, f"{key} is not in the node listing of {cluster} any more", severity="warning")
            return
        self.app.push_screen(_node_screen(detail, node, hyperpod_app(self).ensure_api, snapshot.verdicts.get(key)))

    def action_console(self) -> None:
        self.console.open(self.state.focus)

    def action_api_log(self) -> None:
        from tui.screens.api_log import ApiLogScreen

        self.app.push_screen(ApiLogScreen())

    # --- requests from the nodes pane, and the keys behind them --------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = self.shells.allows(action)
        if allowed is not None:
            return allowed
        if action in PROMPT_ACTIONS and isinstance(self.focused, Input):
            return False  # `/` or `:` typed into the filter or the command line is text
        if action == "logs":  # the nodes pane's own `l` is the nodes'
            return self._focused_table() is self.clusters_table
        return super().check_action(action, parameters)

    @on(events.Key)
    def _explain_node_key(self, event: events.Key) -> None:
        self.actions.explain_key(event)

    @on(NodeTable.ActionRequested)
    def _on_action_requested(self, message: NodeTable.ActionRequested) -> None:
        self.actions.request(message.action, message.node_ids, message.hidden)

    @on(GroupTable.HealthCheckRequested)
    def _on_group_health_check(self, message: GroupTable.HealthCheckRequested) -> None:
        self.actions.request_health_check((), group=message.group)

    def action_deep_health_check(self) -> None:
        """`:dhc`: in the groups pane the highlighted group (whole); else the marked nodes of the nodes pane (or
        its highlighted one), as `C` there."""
        if hyperpod_app(self).settings.read_only:
            toast(
                self,
                "Read-only mode (--read-only): deep health checks are disabled. Nothing was sent.",
                severity="warning",
            )
            return
        came_from = self._focused_table() or self.query_one(CommandLine).returns_to  # focus returns after the action
        if came_from is self.groups_table:
            self.groups_table.action_group_health_check()
            return
        table = self.nodes_table
        if not table.marks and table.cursor_key is not None and not table.reveal_cursor(":dhc", "check it"):
            return
        ids, hidden = table.targets()
        self.actions.request_health_check(ids, hidden)

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

    @on(KubeViewed)
    def _on_kube_viewed(self, message: KubeViewed) -> None:
        self.kube.viewed(message)

    @on(KubeNodeDone)
    def _on_kube_node_done(self, message: KubeNodeDone) -> None:
        self.kube.node_done(message)

    @on(KubeActionsFinished)
    def _on_kube_actions_finished(self, message: KubeActionsFinished) -> None:
        self.kube.finished(message)

    @on(NodeTable.RunRequested)
    def _on_run_requested(self, message: NodeTable.RunRequested) -> None:
        self.runs.request(message.node_ids, message.hidden)

    def action_run_command(self) -> None:
        """`:run`: the marked nodes of the nodes pane (or its highlighted one), as `x` there."""
        table = self.nodes_table
        if not table.marks and table.cursor_key is not None and not table.reveal_cursor(":run", "run a command on it"):
            return
        ids, hidden = table.targets()
        self.runs.request(ids, hidden)

    @on(NodeTable.SchedulerActionRequested)
    def _on_scheduler_action(self, message: NodeTable.SchedulerActionRequested) -> None:
        self._scheduler_action(message.node_ids, message.hidden)

    def _scheduler_action(self, node_ids: Sequence[str], hidden: int, action: str | None = None) -> None:
        """K: the focused cluster's scheduler decides: Slurm's actions, or an EKS cluster's Kubernetes actions."""
        detail = self.state.focus_detail
        if detail is not None and detail.is_slurm:
            self.slurm.request_action(node_ids, hidden, action)
        elif detail is not None and detail.orchestrator == "EKS" and action is None:
            self.kube.request(node_ids, hidden)
        elif detail is None:
            toast(self, "The cluster is still loading.", severity="warning")
        else:
            toast(self, f"Scheduler actions are not available for {clean(detail.orchestrator)} clusters yet.")

    def action_slurm(self, action: str | None = None) -> None:
        """`:slurm`: Slurm's view of the focused cluster now; `:slurm ACTION`: that action on the marked nodes."""
        if action is None:
            self.slurm.request()
            return
        table = self.nodes_table
        if not table.marks and table.cursor_key is not None and not table.reveal_cursor(":slurm", "act on it"):
            return
        ids, hidden = table.targets()
        self._scheduler_action(ids, hidden, action)

    @on(NodeTable.ShellRequested)
    async def _on_shell_requested(self, message: NodeTable.ShellRequested) -> None:
        if message.fullscreen:
            self.shells.open_fullscreen(message.node_id)
        else:
            await self.shells.open_embedded(message.node_id)

    @on(NodeTable.ForwardRequested)
    def _on_forward_requested(self, message: NodeTable.ForwardRequested) -> None:
        self.forwards.request(message.node_id)

    def action_port_forwards(self) -> None:
        """`:pf`: the port forwards, their state and a stop key."""
        self.forwards.show_list()

    @on(NodeTable.SshConfigRequested)
    def _on_ssh_config_requested(self, message: NodeTable.SshConfigRequested) -> None:
        self.ssh_entries.open(message.node_id)

    def action_ssh_config(self) -> None:
        """`:ssh-config`: the open cluster's ssh entries (the nodes pane's highlighted node first)."""
        self.ssh_entries.open(self.nodes_table.cursor_key)

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
        self.pane_layout.apply()

    @on(ShellTabs.SessionChanged)
    def _on_shell_changed(self, message: ShellTabs.SessionChanged) -> None:
        self.refresh_bindings()
        self.pane_layout.apply()

    # --- jumps (command palette) ---------------------------------------------------------------------------

    def jump_to_cluster(self, name: str) -> None:
        if self._move_to_cluster(name):
            self.groups_table.focus()

    def _move_to_cluster(self, name: str) -> bool:
        table = self.clusters_table
        if name not in self.state.clusters:
            toast(self, f"Cluster {name} is not listed (any more)", severity="warning")
            return False
        if not table.move_cursor_to(name):
            table.set_filter("")
            table.move_cursor_to(name)
        if name != self.state.focus:
            self._set_focus(name)
        return True

    def jump_to_node(self, instance_id: str, cluster: str | None = None) -> None:
        """Show a node: its cluster in focus, the nodes pane scoped to its group, the cursor on its row. A node
        its cluster's listing does not hold yet (found by DescribeClusterNode) is shown once the listing has it."""
        cluster = cluster or self.state.focus
        if cluster is None or not self._move_to_cluster(cluster):
            return
        self.nodes_table.focus()
        snapshot = self.state.snapshot_of(cluster)
        node = snapshot.nodes.get(instance_id) if snapshot is not None else None
        if node is None:
            self._pending_jump = (cluster, instance_id)
            toast(self, f"{instance_id}: waiting for the node listing of {cluster}…", timeout=4)
            if snapshot is not None:  # listed before this node was there: list again
                self.refreshes.request()
            return
        self._pending_jump = None
        table = self.nodes_table
        self.state.group_scope = node.group
        table.set_scope(table.model.where("group", node.group))
        if not table.move_cursor_to(instance_id):
            table.set_filter("")
            table.move_cursor_to(instance_id)
        self.groups_table.move_cursor_to(node.group)
        self.panes.update_titles()

    def node_entries(self) -> list[Entry]:
        return self.node_finder.entries()

    async def describe_unlisted_node(self, instance_id: str) -> DescribeResult | None:
        return await self.node_finder.describe(instance_id)

    def _finish_pending_jump(self, snapshot: NodeSnapshot) -> None:
        if self._pending_jump is None or self._pending_jump[0] != snapshot.cluster:
            return
        cluster, instance_id = self._pending_jump
        self._pending_jump = None
        if instance_id in snapshot.nodes:
            self.jump_to_node(instance_id, cluster)
        else:
            toast(self, f"{instance_id} is not in the node listing of {cluster}", severity="warning")

    # --- the command line (`:`; its commands are tui/core/command_line.py) ---------------------------------

    def action_command_line(self) -> None:
        self.query_one(CommandLine).open()

    def command_candidates(self, kind: str) -> list[str]:
        """The names a command's argument of this kind may take now."""
        if kind == "cluster":
            return sorted(self.state.cluster_names)
        if kind == "theme":
            own = hyperpod_app(self).own_themes
            return [*own, *sorted(name for name in self.app.available_themes if name not in own)]
        if kind == "slurm-action":
            return [action.name for action in SLURM_ACTIONS]
        if kind in ("region", "profile"):
            settings = hyperpod_app(self).settings
            members = fleet_members(settings) if is_fleet(settings) else []
            named = {getattr(member, kind, None) or "" for member in members}
            named.add(getattr(settings, kind, None) or "")
            return sorted(name for name in named if name and "," not in name)
        return []

    def action_show_pane(self, pane: str) -> None:
        {"clusters": self.clusters_table, "groups": self.groups_table}.get(pane, self.nodes_table).focus()

    def action_show_nodes(self, cluster: str | None = None) -> None:
        if cluster is None or self._move_to_cluster(cluster):
            self.nodes_table.focus()


# The Kubernetes dialogs load when first opened (screens/kube.py), not at start-up.
def _kube_menu(count: int, node_recovery: str) -> Any:
    from tui.screens.kube import KubeMenuScreen

    return KubeMenuScreen(count, node_recovery)


def _kube_confirm(plan: Any) -> Any:
    from tui.screens.kube import KubeConfirmScreen

    return KubeConfirmScreen(plan)


def _kube_results(plan: Any) -> Any:
    from tui.screens.kube import KubeResultsScreen

    return KubeResultsScreen(plan)
