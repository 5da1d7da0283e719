"""Node status transitions hyperpod-tui itself saw between two listings, kept per cluster (bounded).

The Events view shows these for a cluster without service events (not in Continuous mode: ListClusterEvents
answers ValidationException), labelled as observed by hyperpod-tui. Textual-free and botocore-free.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tui.core.snapshot import NodeSnapshot

KEEP = 500  # per cluster, like the ~500 events the service keeps


@dataclass(frozen=True, slots=True)
class Observed:
    time: float  # app clock: when the listing that showed the change started
    cluster: str
    instance_id: str
    group: str
    before: str
    after: str

    @property
    def description(self) -> str:
        return f"Node {self.instance_id} {self.before} → {self.after} (observed by hyperpod-tui)"


@dataclass
class ObservedLog:
    by_cluster: dict[str, deque[Observed]] = field(default_factory=dict)

    def record(self, snapshot: NodeSnapshot) -> None:
        if not snapshot.transitions:
            return
        log = self.by_cluster.setdefault(snapshot.cluster, deque(maxlen=KEEP))
        for change in snapshot.transitions:
            node = snapshot.nodes.get(change.key)
            log.append(
                Observed(
                    snapshot.fetched_at,
                    snapshot.cluster,
                    change.key,
                    node.group if node else "",
                    change.before,
                    change.after,
                )
            )

    def of(self, cluster: str, *, group: str | None = None, node: str | None = None) -> list[Observed]:
        """Newest first."""
        return [
            o
            for o in reversed(self.by_cluster.get(cluster, ()))
            if (group is None or o.group == group) and (node is None or o.instance_id == node)
        ]

    def forget(self, cluster: str) -> None:
        self.by_cluster.pop(cluster, None)
