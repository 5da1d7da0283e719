"""What the explorer holds: the listed clusters, their details and node snapshots, and which one is in focus.

Textual-free: the main screen stores every refresh result here and paints from it; controllers, the command
palette and other screens read it. Each `take_*` method says whether the result was kept, so the screen paints
only what changed. Results for a cluster that is no longer listed, and node listings older than the one held,
are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core.models import ClusterDetail, ClusterSummary
from tui.core.observed import ObservedLog
from tui.core.snapshot import NodeSnapshot


@dataclass
class ExplorerState:
    clusters: dict[str, ClusterSummary] = field(default_factory=dict)
    details: dict[str, ClusterDetail] = field(default_factory=dict)
    snapshots: dict[str, NodeSnapshot] = field(default_factory=dict)
    focus: str | None = None  # the cluster whose groups and nodes are shown
    group_scope: str | None = None  # the instance group the nodes pane is scoped to (None: all groups)
    observed: ObservedLog = field(default_factory=ObservedLog)  # node transitions seen, for the Events view

    # --- reading -------------------------------------------------------------------------------------------

    @property
    def focus_detail(self) -> ClusterDetail | None:
        return self.details.get(self.focus) if self.focus else None

    @property
    def focus_snapshot(self) -> NodeSnapshot | None:
        return self.snapshots.get(self.focus) if self.focus else None

    @property
    def has_clusters(self) -> bool:
        return bool(self.clusters)

    @property
    def cluster_names(self) -> list[str]:
        return list(self.clusters)

    def detail_of(self, cluster: str) -> ClusterDetail | None:
        return self.details.get(cluster)

    def snapshot_of(self, cluster: str) -> NodeSnapshot | None:
        return self.snapshots.get(cluster)

    def snapshots_copy(self) -> dict[str, NodeSnapshot]:
        return dict(self.snapshots)

    def details_copy(self) -> dict[str, ClusterDetail]:
        return dict(self.details)

    def node_status(self, cluster: str, instance_id: str) -> str | None:
        """The node's status in the latest listing of its cluster; "" when that listing no longer has it, None
        when the cluster's nodes have not been listed (other screens, e.g. the log viewer, follow it with this)."""
        snapshot = self.snapshots.get(cluster)
        if snapshot is None:
            return None
        node = snapshot.nodes.get(instance_id)
        return node.status if node is not None else ""

    # --- storing -------------------------------------------------------------------------------------------

    def take_clusters(self, clusters: Iterable[ClusterSummary]) -> list[str]:
        """Store a new cluster listing; returns the names that are no longer listed (already forgotten)."""
        listed = {cluster.name: cluster for cluster in clusters}
        gone = [name for name in self.clusters if name not in listed]
        for name in gone:
            self.forget(name)
        self.clusters = listed
        return gone

    def take_detail(self, detail: ClusterDetail) -> bool:
        if detail.name not in self.clusters:
            return False
        self.details[detail.name] = detail
        return True

    def take_snapshot(self, snapshot: NodeSnapshot) -> bool:
        current = self.snapshots.get(snapshot.cluster)
        if snapshot.cluster not in self.clusters or (current is not None and current.fetched_at >= snapshot.fetched_at):
            return False
        self.snapshots[snapshot.cluster] = snapshot
        self.observed.record(snapshot)
        return True

    def forget(self, name: str) -> None:
        """Drop everything held about a cluster (its summary too); the focus moves off it."""
        self.clusters.pop(name, None)
        self.details.pop(name, None)
        self.snapshots.pop(name, None)
        self.observed.forget(name)
        if self.focus == name:
            self.focus = None
