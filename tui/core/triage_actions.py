"""Acting from the triage view: the marked rows of several clusters → one plan per cluster.

A triage row key is `cluster/node` (core/triage.row_key), the cluster being the explorer's key (in a fleet,
`name@region`, which `FleetApi.resolve` turns into that cluster's facade and region when the plan runs). The rows
are grouped by cluster in the order the user sees them; each group becomes one plan through a `PlanBuilder`, so the
same path serves reboot and replace now (`action_builder`: core/actions.plan_action, every rule of one cluster's
plan unchanged: chunks of 25, the Slurm controller refused for replace, the cluster's name typed) and can serve
another per-cluster action later (a deep health check: a builder that returns its own plan). A row whose cluster's
description or node listing is no longer in hand is `missing`: named to the user, never planned. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from tui.core.actions import ActionKind, ActionPlan, plan_action
from tui.core.health_check import plan_health_check
from tui.core.models import ClusterDetail, Node
from tui.core.triage import split_key
from tui.core.wording import plural

PlanT = TypeVar("PlanT")


class NodeListing(Protocol):
    """What a plan needs of a cluster's listing (core/snapshot NodeSnapshot)."""

    @property
    def nodes(self) -> Mapping[str, Node]: ...


# (the cluster's description, its targets in the user's order, how many of them the filter hides, how many nodes
# the cluster has) → that cluster's plan.
PlanBuilder = Callable[[ClusterDetail, Sequence[Node], int, int], PlanT]


@dataclass(frozen=True, slots=True)
class ClusterTargets:
    cluster: str
    node_keys: tuple[str, ...]
    hidden: int  # of them, hidden by the view's filter (marked, then filtered away)


@dataclass(frozen=True, slots=True)
class PlansAcross(Generic[PlanT]):
    """One plan per cluster, in the order the clusters' first targets appear; the rows that could not be planned."""

    plans: tuple[PlanT, ...]
    missing: tuple[str, ...] = ()  # row keys whose cluster or node is not in hand any more


def group_by_cluster(keys: Iterable[str], hidden: Iterable[str] = ()) -> list[ClusterTargets]:
    """Row keys → the targets of each cluster, clusters and nodes in the order given (duplicates dropped)."""
    hidden_set = set(hidden)
    order: dict[str, dict[str, None]] = {}
    for key in keys:
        cluster, node = split_key(key)
        if cluster and node:
            order.setdefault(cluster, {})[node] = None
    return [
        ClusterTargets(cluster, tuple(nodes), sum(1 for node in nodes if f"{cluster}/{node}" in hidden_set))
        for cluster, nodes in order.items()
    ]


def plan_across(
    keys: Iterable[str],
    details: Mapping[str, ClusterDetail],
    listings: Mapping[str, NodeListing],
    build: PlanBuilder[PlanT],
    *,
    hidden: Iterable[str] = (),
) -> PlansAcross[PlanT]:
    """Freeze the targets of every cluster into its own plan (`build`), from the descriptions and listings in hand."""
    plans: list[PlanT] = []
    missing: list[str] = []
    for targets in group_by_cluster(keys, hidden):
        detail, listing = details.get(targets.cluster), listings.get(targets.cluster)
        if detail is None or listing is None:
            missing += [f"{targets.cluster}/{node}" for node in targets.node_keys]
            continue
        nodes = [listing.nodes[key] for key in targets.node_keys if key in listing.nodes]
        missing += [f"{targets.cluster}/{key}" for key in targets.node_keys if key not in listing.nodes]
        if nodes:
            plans.append(build(detail, nodes, targets.hidden, len(listing.nodes)))
    return PlansAcross(tuple(plans), tuple(missing))


def action_builder(kind: ActionKind, *, dry_run: bool = False) -> PlanBuilder[ActionPlan]:
    """Reboot / replace / delete of one cluster's targets: core/actions.plan_action, as the nodes pane plans it."""

    def build(detail: ClusterDetail, nodes: Sequence[Node], hidden: int, cluster_nodes: int) -> ActionPlan:
        return plan_action(
            kind, detail, nodes, dry_run=dry_run, hidden_by_filter=hidden, cluster_nodes=cluster_nodes or None
        )

    return build


def health_check_builder(checks: Sequence[str], *, dry_run: bool = False) -> PlanBuilder[ActionPlan]:
    """A deep health check of one cluster's targets with the checks picked: core/health_check.plan_health_check,
    as the nodes pane plans it (its nodes, never a whole group: triage rows are nodes)."""

    def build(detail: ClusterDetail, nodes: Sequence[Node], hidden: int, cluster_nodes: int) -> ActionPlan:
        return plan_health_check(
            detail, nodes, checks, dry_run=dry_run, hidden_by_filter=hidden, cluster_nodes=cluster_nodes or None
        )

    return build


def plans_title(plans: Sequence[ActionPlan]) -> str:
    """`Replace 3 nodes in 2 clusters · BatchReplaceClusterNodes` (the confirmation's and the toasts' words)."""
    if not plans:
        return "Nothing to do"
    kind = plans[0].kind
    count = sum(len(plan.nodes) for plan in plans)
    clusters = len(plans)
    return f"{kind.verb} {plural(count, 'node')} in {plural(clusters, 'cluster')} · {kind.operation}"


__all__ = [
    "ClusterTargets",
    "PlanBuilder",
    "PlansAcross",
    "action_builder",
    "group_by_cluster",
    "health_check_builder",
    "plan_across",
    "plans_title",
]
