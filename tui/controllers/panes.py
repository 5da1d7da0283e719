"""The main screen's three panes, painted from its stored state: the rows of the clusters, instance groups and
nodes tables, the failure banner, the Failure toasts and the pane titles.

The screen stores what the refresh brought (clusters, details, snapshots) and decides when to paint; this object
knows how, and which snapshot each table shows (so a refresh applies only its diff).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

from tui.core.sanitize import clean
from tui.core.tables import TableRow, cluster_row, group_row
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.widgets.banner import Banner
from tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from tui.core.snapshot import NodeSnapshot
    from tui.screens.main import MainScreen

MAX_FAILURE_NOTICES = 3
NO_KUBE = frozenset({"k8s"})
TITLE_NAME_LIMIT = 200  # characters of a cluster or group name in a pane title (the border cuts it anyway)


class PanePainter:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._shown_nodes_at: float | None = None  # fetched_at of the snapshot the nodes table shows
        self._shown_groups_cluster: str | None = None
        self._borders: dict[str, list[str]] = {}  # pane id → [title, subtitle] as last set
        self._absent: frozenset[str] | None = None  # the node columns the shown cluster lacks, as last set

    def cluster_row(self, name: str) -> TableRow:
        screen = self.screen
        snapshot = screen.state.snapshot_of(name)
        return cluster_row(
            screen.state.clusters[name],
            screen.state.detail_of(name),
            snapshot.health if snapshot else None,
            len(snapshot.nodes) if snapshot else None,
            profiles=screen.fleet_columns[0],
            regions=screen.fleet_columns[1],
        )

    def show_nodes(self, snapshot: NodeSnapshot | None) -> None:
        screen = self.screen
        table = screen.nodes_table
        detail = screen.state.detail_of(snapshot.cluster) if snapshot is not None else screen.state.focus_detail
        kube = detail is not None and detail.orchestrator == "EKS" and hyperpod_app(screen).settings.kube
        absent = frozenset() if kube else NO_KUBE
        if absent != self._absent:  # K8S only for an EKS cluster (repaints: only when it changes)
            self._absent = absent
            table.set_absent(absent, among=NO_KUBE)
        if snapshot is None:
            screen.slurm.update_absent(None)
            table.show_cluster(screen.state.focus, None)
            self._shown_nodes_at = None
            return
        same_cluster = table.shown_cluster == snapshot.cluster
        slurm = screen.slurm
        if same_cluster and snapshot.base_fetched_at is not None and snapshot.base_fetched_at == self._shown_nodes_at:
            diff = snapshot.diff
            keys = diff.added + diff.changed
            flash = [key for key in keys if key not in snapshot.quiet] if snapshot.quiet else keys
            rows = slurm.decorate(snapshot.cluster, [snapshot.rows[key] for key in keys])
            table.apply_changes(rows, diff.removed, flash=flash)
        elif same_cluster and snapshot.fetched_at == self._shown_nodes_at:
            return
        else:
            slurm.update_absent(snapshot.cluster)
            table.show_cluster(snapshot.cluster, slurm.decorate(snapshot.cluster, snapshot.rows.values()))
        table.placeholder = "No nodes (yet)" if not snapshot.nodes else ""
        self._shown_nodes_at = snapshot.fetched_at

    def show_groups(self) -> None:
        screen = self.screen
        detail = screen.state.focus_detail
        table = screen.groups_table
        if detail is None:
            table.set_rows(())
            table.placeholder = "Loading…" if screen.state.focus else "Select a cluster"
            self._shown_groups_cluster = None
            return
        snapshot = screen.state.focus_snapshot
        health = snapshot.group_health if snapshot else {}
        operations = snapshot.operations if snapshot else ()
        rows = [
            group_row(group, health.get(group.name), slurm=detail.is_slurm, operations=operations)
            for group in detail.instance_groups
        ]
        table.placeholder = "No instance groups" if not rows else ""
        if self._shown_groups_cluster == detail.name:
            keys = {row.key for row in rows}
            table.update_rows(rows, [key for key in list(table.visible_keys) if key not in keys])
        else:
            table.set_rows(rows)
            self._shown_groups_cluster = detail.name

    def show_failure_banner(self) -> None:
        screen = self.screen
        banner = screen.query_one("#failure-banner", Banner)
        detail = screen.state.focus_detail
        if detail is not None and detail.failure_message:
            banner.show(f"⚠ {clean(detail.name)} ({clean(detail.status)}):", detail.failure_message, severity="warning")
        else:
            banner.hide()

    def notify_failures(self, snapshot: NodeSnapshot) -> None:
        screen = self.screen
        failed = [t for t in snapshot.transitions if t.after == "Failure"]
        for transition in failed[:MAX_FAILURE_NOTICES]:
            node = snapshot.nodes.get(transition.key)
            group = f" ({clean(node.group)})" if node else ""
            toast(screen, f"{transition.key}{group}: {transition.before} → Failure", severity="error", timeout=8)
        if len(failed) > MAX_FAILURE_NOTICES:
            toast(screen, f"…and {len(failed) - MAX_FAILURE_NOTICES} more nodes went to Failure", severity="error")

    def update_titles(self) -> None:
        screen = self.screen
        clusters, groups, nodes = screen.clusters_table, screen.groups_table, screen.nodes_table
        self._set_border(screen.query_one("#clusters-pane"), f"Clusters · {_count(clusters)}")
        detail = screen.state.focus_detail
        focus = clean(screen.state.focus, max_len=TITLE_NAME_LIMIT) if screen.state.focus else "—"
        extra = f" · {clean(detail.orchestrator)}" if detail else ""
        self._set_border(screen.query_one("#groups-pane"), f"Instance groups · {focus}{extra} · {_count(groups)}")
        scope = clean(screen.state.group_scope, max_len=TITLE_NAME_LIMIT) if screen.state.group_scope else "all groups"
        title = f"Nodes · {focus} › {scope} · {_count(nodes)}"
        note = screen.slurm.title_note(screen.state.focus)
        if note:
            title += f" · {note}"
        if nodes.marks:
            title += f" · {len(nodes.marks)} marked"
            hidden = nodes.hidden_marks()
            if hidden:
                title += f" ({hidden} hidden by filter)"
        self._set_border(screen.query_one("#nodes-pane"), title)
        for table, pane in ((clusters, "#clusters-pane"), (groups, "#groups-pane"), (nodes, "#nodes-pane")):
            parts = []
            if table.query:
                parts.append(f"filter: {clean(table.query, max_len=40)}")
            if table.sort_column is not None:
                parts.append(f"sort: {table.sort_column.label}{'↓' if table.sort_reverse else '↑'}")
            if table is nodes and (note := screen.kube.subtitle(screen.state.focus)):
                parts.append(note)  # why this EKS cluster has no K8S column values
            self._set_border(screen.query_one(pane), subtitle=" · ".join(parts))

    def _set_border(self, pane: Widget, title: str | None = None, subtitle: str | None = None) -> None:
        """Set the pane's border title and subtitle from clean text, as plain `Text` (a `str` would be parsed
        as markup: a `[/]` in a cluster name or in the filter would raise MarkupError). Setting a border title
        always repaints the pane, even when it is unchanged; titles are updated at every refresh and table change,
        so only what changed is set."""
        shown = self._borders.setdefault(pane.id or "", ["", ""])
        if title is not None and shown[0] != title:
            shown[0] = title
            pane.border_title = Text(title)
        if subtitle is not None and shown[1] != subtitle:
            shown[1] = subtitle
            pane.border_subtitle = Text(subtitle)


def _count(table: ResourceTable) -> str:
    if table.visible_count == table.row_count:
        return str(table.row_count)
    return f"{table.visible_count} of {table.row_count}"
