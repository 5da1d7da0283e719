"""Snapshots of a cluster's nodes: keyed, diffed against the previous one, built in a worker thread.

A snapshot is immutable; the widget that shows it applies only its `diff` (added, changed, removed keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from tui.core.diff import KeyedDiff, Transition, diff_keyed, transitions
from tui.core.health import FAULT, SIGNAL_STATUSES, WARN, HealthContext, Verdict, node_verdict
from tui.core.models import ClusterDetail, Node, is_continuous
from tui.core.operations import Operation
from tui.core.tables import NODE_COLUMNS, TableRow, node_row, status_summary, unhealthy_segment

if TYPE_CHECKING:
    from tui.core.hma import HealthSources

HEALTH_INDEX = [column.key for column in NODE_COLUMNS].index("health")
UNHEALTHY = frozenset({WARN, FAULT})
KUBE_INDEX = [column.key for column in NODE_COLUMNS].index("k8s")


class NodeLister(Protocol):
    def list_nodes(
        self, cluster: str, groups: Sequence[str] | None = None, *, logical_ids: bool = False
    ) -> list[Node]: ...


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    cluster: str
    nodes: Mapping[str, Node]
    rows: Mapping[str, TableRow]
    fetched_at: float  # when the listing started (app clock)
    base_fetched_at: float | None  # the snapshot `diff` is relative to (None: first listing)
    diff: KeyedDiff[str]
    transitions: tuple[Transition, ...] = ()
    group_health: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    health: tuple[tuple[str, str], ...] = ()
    operations: tuple[Operation, ...] = ()  # in progress when listed (Continuous clusters with activity only)
    # Health verdicts (core/health.py) of the nodes something is said about; the rest are healthy.
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)
    # Keys in `diff.changed` whose only change is the age in their HEALTH cell: repainted, not flashed.
    quiet: frozenset[str] = frozenset()
    # The K8S cells it was built with (the Kubernetes view's own mapping: compared by identity, core/kube_book.py).
    kube_cells: Mapping[str, tuple[tuple[str, str], ...]] | None = None

    def in_group(self, group: str) -> list[Node]:
        return [node for node in self.nodes.values() if node.group == group]


def build_snapshot(
    cluster: str,
    nodes: Sequence[Node],
    previous: NodeSnapshot | None,
    fetched_at: float,
    health: HealthContext | None = None,
) -> NodeSnapshot:
    """Key the nodes (instance id, else NodeLogicalId; a node with neither cannot be shown or acted on and is
    dropped), diff them against `previous`, and build table rows only for what changed. `health`: the cluster's
    signals besides the listing (HMA, EventBridge); without it, verdicts come from the nodes' statuses alone. A node
    whose HEALTH cell changed is in `diff.changed` even when the node did not."""
    by_id = {node.key: node for node in nodes if node.key}
    old_nodes: Mapping[str, Node] = previous.nodes if previous else {}
    diff = diff_keyed(old_nodes, by_id)
    stale = set(diff.added) | set(diff.changed)
    if old_nodes:
        # Unchanged nodes keep the previous snapshot's objects (the fresh equal copies die young). The long-lived
        # heap then grows only by what changed, so the cyclic GC's full passes (~40 ms over 10,000 nodes, a
        # visible UI stall) stay rare instead of following every refresh.
        by_id = {key: node if key in stale else old_nodes[key] for key, node in by_id.items()}
    old_rows: Mapping[str, TableRow] = previous.rows if previous else {}
    context = health if health is not None else HealthContext(now=fetched_at)
    signals = context.signals
    kube_cells = context.kube_cells
    verdicts: dict[str, Verdict] = {}
    old_verdicts: Mapping[str, Verdict] = previous.verdicts if previous else {}
    rows: dict[str, TableRow] = {}
    health_changed: list[str] = []
    quiet: set[str] = set()
    empty: tuple[tuple[str, str], ...] = ()
    for key, node in by_id.items():
        # The common node (Running, nothing said about it) costs two lookups here: 10,000 nodes every refresh.
        verdict = None
        if node.status in SIGNAL_STATUSES or (signals and node.instance_id in signals):
            known = old_verdicts.get(key)
            if (
                known is not None
                and key not in stale
                and known.recovery == context.node_recovery
                and known.inputs == tuple(signals.get(node.instance_id, ()))
            ):
                verdict = known  # the same node, the same signals: the same verdict (its cell's age moves on)
            else:
                verdict = node_verdict(node, context)
        cell = empty
        if verdict is not None:
            verdicts[key] = verdict
            cell = verdict.cell(context.now)
        kube = kube_cells.get(node.instance_id, empty) if kube_cells else empty  # core/kube_book.py
        old = old_rows.get(key)
        if key in stale or old is None:
            rows[key] = node_row(node, cell, kube=kube)
        elif old.values[KUBE_INDEX] is not kube and old.values[KUBE_INDEX] != kube:  # a view's cells are shared
            rows[key] = node_row(node, cell, kube=kube)
            health_changed.append(key)
        elif old.values[HEALTH_INDEX] is not cell and old.values[HEALTH_INDEX] != cell:
            rows[key] = node_row(node, cell, kube=kube)
            health_changed.append(key)
            if verdict is not None and verdict.same_as(old_verdicts.get(key)):
                quiet.add(key)
        else:
            rows[key] = old
    if health_changed:
        diff = replace(diff, changed=diff.changed + tuple(health_changed))
    statuses_by_group: dict[str, list[str]] = {}
    for node in by_id.values():
        statuses_by_group.setdefault(node.group, []).append(node.status)
    unhealthy = unhealthy_by_group(by_id, verdicts)
    manual = context.node_recovery.casefold() == "none"
    return NodeSnapshot(
        cluster=cluster,
        nodes=by_id,
        rows=rows,
        fetched_at=fetched_at,
        base_fetched_at=previous.fetched_at if previous else None,
        diff=diff,
        transitions=tuple(transitions(old_nodes, by_id, lambda node: node.status)),
        group_health={
            group: unhealthy_segment(unhealthy.get(group, 0), manual) + status_summary(statuses)
            for group, statuses in statuses_by_group.items()
        },
        health=unhealthy_segment(sum(unhealthy.values()), manual) + status_summary(n.status for n in by_id.values()),
        verdicts=verdicts,
        quiet=frozenset(quiet),
        kube_cells=kube_cells,
    )


def unhealthy_by_group(nodes: Mapping[str, Node], verdicts: Mapping[str, Verdict]) -> dict[str, int]:
    """How many nodes of each group a verdict calls unhealthy (warn or fault: a deep health check running or a
    repair in progress alone is not counted)."""
    counts: dict[str, int] = {}
    for key, verdict in verdicts.items():
        node = nodes.get(key)
        if node is not None and verdict.severity in UNHEALTHY:
            counts[node.group] = counts.get(node.group, 0) + 1
    return counts


def fetch_snapshot(
    api: NodeLister,
    detail: ClusterDetail,
    previous: NodeSnapshot | None,
    fetched_at: float,
    health: HealthSources | None = None,
) -> NodeSnapshot:
    """List every node of the cluster (per instance group, in parallel) and snapshot them. A Continuous cluster
    is listed with IncludeNodeLogicalIds, so nodes still waiting for an instance show too. The verdicts use the
    health signals already known (`health_update` sweeps for new ones)."""
    groups = [group.name for group in detail.instance_groups]
    nodes = api.list_nodes(detail.name, groups, logical_ids=is_continuous(detail))
    context = HealthContext(node_recovery=detail.node_recovery, now=fetched_at)
    if health is not None:
        context = health.context(detail, fetched_at)
    snapshot = build_snapshot(detail.name, nodes, previous, fetched_at, context)
    operations = in_progress_operations(api, detail, nodes)
    return replace(snapshot, operations=operations) if operations else snapshot


HEALTH_REBUILD_STEP = 0.001  # seconds: a health-only rebuild is this much "newer" than its listing, so it is taken


def health_update(
    api: object, detail: ClusterDetail, snapshot: NodeSnapshot, health: HealthSources
) -> NodeSnapshot | None:
    """Sweep the cluster's health signals when a sweep is due (core/hma.py) and, when it brought something new,
    the same nodes snapshotted again with them: only rows whose HEALTH cell changed are in its diff. Called after
    the listing was shown, so a slow or hung CloudWatch never holds the nodes back. None: nothing new. What the
    cluster's first sweep finds is not flashed (it is not a change the user could have seen happen)."""
    known = health.books.get(detail.name)
    first = known is None or known.swept_at is None
    result = health.sweep_if_due(api, detail, snapshot.fetched_at)
    if result is None or not (result.kept or result.events_kept):
        return None
    fetched_at = snapshot.fetched_at + HEALTH_REBUILD_STEP
    rebuilt = build_snapshot(
        snapshot.cluster, list(snapshot.nodes.values()), snapshot, fetched_at, health.context(detail, fetched_at)
    )
    quiet = frozenset(rebuilt.diff.changed) if first else rebuilt.quiet
    return replace(rebuilt, operations=snapshot.operations, quiet=quiet)


def in_progress_operations(api: object, detail: ClusterDetail, nodes: Sequence[Node] = ()) -> tuple[Operation, ...]:
    """The cluster's in-progress operations (ListClusterOperations, each described: bounded in core/operations),
    asked only of a Continuous cluster with a group scaling or an ActiveOperations entry, or a node in a deep health
    check (ActiveOperations names only Scaling), so a quiet cluster costs no call. Auxiliary: a failure (or an
    endpoint without the operation) gives (), and the counts stand in."""
    busy = any(
        group.active_operations or group.current_count != group.target_count for group in detail.instance_groups
    ) or any(node.status == "DeepHealthCheckInProgress" for node in nodes)
    if not is_continuous(detail) or not busy:
        return ()
    resolve = getattr(api, "resolve", None)
    if resolve is None:
        return ()
    from tui.core.operations import list_operations

    try:
        member, name = resolve(detail.name)
        return tuple(list_operations(member.client("sagemaker"), name))
    except Exception:  # noqa: BLE001 - the group's counts still say it is scaling
        return ()
