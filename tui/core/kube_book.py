"""What the app knows of each EKS cluster's Kubernetes view between two listings: the last view, or why there is
none, and whether the user was told. Thread-safe: the kube worker writes, the refresh worker reads (through
core/hma.py HealthSources.context) and the UI thread asks what to say. No Textual here.

The kube listing runs at its own slower pace (controllers/kube.py, KUBE_INTERVAL); the API listing paints the
last view's cells and signals every time, so the two never wait for each other.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.health import Signal
    from tui.core.kube import KubeNode, KubeView

EMPTY: Mapping[str, tuple[tuple[str, str], ...]] = {}
KUBE_INTERVAL = 30.0  # seconds between two Kubernetes listings of the shown EKS cluster


@dataclass(frozen=True, slots=True)
class KubeState:
    view: KubeView | None = None
    problem: str = ""  # why there is no view ("" when there is one, or none was tried)
    checked_at: float | None = None  # when the last listing ended (app clock)
    # Made once per view, not per refresh (10,000 nodes): the K8S cells, and the nodes that are a health signal.
    cells: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    flagged: tuple[KubeNode, ...] = ()


class KubeBooks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, KubeState] = {}
        self._told: set[tuple[str, str]] = set()  # (cluster, problem) already said

    def get(self, cluster: str) -> KubeState:
        with self._lock:
            return self._states.get(cluster, KubeState())

    def due(self, cluster: str, now: float, interval: float = KUBE_INTERVAL) -> bool:
        checked = self.get(cluster).checked_at
        return checked is None or now - checked >= interval

    def viewed(self, cluster: str, view: KubeView, now: float) -> None:
        cells = {instance: cell for instance, node in view.nodes.items() if (cell := node.cell())}
        flagged = tuple(node for node in view.nodes.values() if node.signal() is not None)
        with self._lock:
            self._states[cluster] = KubeState(view, "", now, cells, flagged)
            self._told = {told for told in self._told if told[0] != cluster}  # a later loss is said again

    def failed(self, cluster: str, problem: str, now: float) -> bool:
        """Record why `cluster` has no view; True only the first time this reason is recorded (say it once). The
        last good view is dropped: stale cordon states would mislead."""
        with self._lock:
            self._states[cluster] = KubeState(None, problem, now)
            first = (cluster, problem) not in self._told
            self._told.add((cluster, problem))
            return first

    def merge_into(
        self, cluster: str, signals: dict[str, list[Signal]], node_recovery: str = ""
    ) -> Mapping[str, tuple[tuple[str, str], ...]]:
        """Add the cluster's K8S signals to `signals` (per instance id) and return its K8S cells."""
        state = self.get(cluster)
        if state.view is None:
            return EMPTY
        for node in state.flagged:
            signal = node.signal(node_recovery)
            if signal is not None:
                signals[node.instance_id] = [*signals.get(node.instance_id, ()), signal]
        return state.cells  # read, never changed: shared by every refresh until the next view


__all__ = ["KUBE_INTERVAL", "KubeBooks", "KubeState"]
