"""Deep health checks (StartClusterHealthCheck): the request planner and the plan the confirmation shows.

The request (HYPERPOD-FACTS-2 §1.4): ClusterName, DeepHealthCheckConfigurations 1–99 × {InstanceGroupName,
InstanceIds ≤ 500 (omitted: the whole group), DeepHealthChecks 1–3 of InstanceStress | InstanceConnectivity |
MultiNodeTrainingValidation}} → {ClusterArn}. `health_check_requests` is the pure planner: the targets of one group
in configurations of at most 500 ids, a whole group as one configuration without InstanceIds, at most 99
configurations per request (more: several requests). `plan_health_check(detail, nodes, checks)` freezes it into an
`ActionPlan` (core/actions.py) so the same confirmation, write-ahead journal, run and results serve it as reboot and
replace; it takes a cluster and its nodes, so a caller other than the nodes pane (the triage view) can use it.

What the run does, as the confirmation says: the nodes go `DeepHealthCheckInProgress` and leave scheduling while
it runs; with node recovery Automatic, HyperPod reboots or replaces those that fail. Progress: the node status and
the `DeepHealthCheck` operation; results: the `DeepHealthCheckResults/…` streams (core/health_results.py).
No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.core.actions import ActionKind, ActionPlan, PlannedRequest, plan_action
from tui.core.models import ClusterDetail, Node
from tui.core.wording import plural

OPERATION = "StartClusterHealthCheck"
CHECK_TYPES = ("InstanceStress", "InstanceConnectivity", "MultiNodeTrainingValidation")
CHECK_HELP = {
    "InstanceStress": "hardware stress: CPU, memory, disk, GPU/Trainium (stress-ng, DCGM diagnostics)",
    "InstanceConnectivity": "EFA loopback and the node's own NCCL/NCCOM test",
    "MultiNodeTrainingValidation": "a collective-communication test across the nodes together",
}
DEFAULT_CHECKS = ("InstanceStress", "InstanceConnectivity")
MAX_CONFIGURATIONS = 99  # DeepHealthCheckConfigurations per request
MAX_INSTANCE_IDS = 500  # InstanceIds per configuration
MAX_CHECKS = 3
CONFIGURATIONS = "DeepHealthCheckConfigurations"

DEEP_HEALTH_CHECK = ActionKind(
    "deep-health-check",  # also its key binding's id (widgets/node_table.py)
    "Deep health check",
    OPERATION,
    "start_cluster_health_check",
    MAX_INSTANCE_IDS,
    None,
    "ErrorCode",
    False,
    False,
    per_node_answer=False,
)


@dataclass(frozen=True, slots=True)
class GroupTargets:
    """One instance group's targets: `instance_ids`, or the whole group (`whole`: InstanceIds omitted; then
    `instance_ids` are the nodes listed in it, named by the confirmation, not sent)."""

    group: str
    instance_ids: tuple[str, ...]
    whole: bool = False


def check_problems(checks: Sequence[str]) -> list[str]:
    """Why these check types cannot be sent (empty: they can): 1–3 known types, no repeats."""
    problems = []
    unknown = [c for c in checks if c not in CHECK_TYPES]
    if unknown:
        problems.append(f"Unknown deep health check {', '.join(unknown)} (known: {', '.join(CHECK_TYPES)}).")
    if not checks:
        problems.append("Pick at least one deep health check.")
    if len(set(checks)) != len(checks):
        problems.append("A deep health check is named twice.")
    if len(checks) > MAX_CHECKS:
        problems.append(f"At most {MAX_CHECKS} deep health checks per configuration.")
    return problems


def health_check_requests(targets: Iterable[GroupTargets], checks: Sequence[str]) -> list[list[dict[str, Any]]]:
    """The requests' DeepHealthCheckConfigurations, in order: per group, its ids in configurations of at most
    MAX_INSTANCE_IDS (a whole group: one configuration, InstanceIds omitted), at most MAX_CONFIGURATIONS per
    request. Raises ValueError for check types the request cannot take."""
    problems = check_problems(checks)
    if problems:
        raise ValueError(" ".join(problems))
    configurations: list[dict[str, Any]] = []
    for target in targets:
        if target.whole:
            configurations.append({"InstanceGroupName": target.group, "DeepHealthChecks": list(checks)})
            continue
        ids = list(dict.fromkeys(target.instance_ids))
        for start in range(0, len(ids), MAX_INSTANCE_IDS):
            configurations.append(
                {
                    "InstanceGroupName": target.group,
                    "InstanceIds": ids[start : start + MAX_INSTANCE_IDS],
                    "DeepHealthChecks": list(checks),
                }
            )
    return [
        configurations[start : start + MAX_CONFIGURATIONS]
        for start in range(0, len(configurations), MAX_CONFIGURATIONS)
    ]


def _covered(configurations: Sequence[Mapping[str, Any]], members: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The node keys one request covers: its ids, and for a whole group the group's listed nodes."""
    out: list[str] = []
    for configuration in configurations:
        ids = configuration.get("InstanceIds")
        out += ids if ids is not None else members.get(str(configuration["InstanceGroupName"]), ())
    return tuple(dict.fromkeys(out))


def health_check_effects(checks: Sequence[str], node_recovery: str, whole_groups: Sequence[str]) -> tuple[str, ...]:
    lines = [
        f"Runs {', '.join(checks)} on each node.",
        "Each node goes DeepHealthCheckInProgress and leaves scheduling while the checks run: jobs and pods on it "
        "are disrupted, nothing new is scheduled there.",
    ]
    if node_recovery.casefold() == "none":
        lines.append("Node recovery is None: a node that fails stays as it is, for you to reboot or replace.")
    else:
        lines.append(
            f"Node recovery is {node_recovery or 'Automatic (assumed)'}: HyperPod may reboot or replace a node that "
            "fails (a replacement destroys its volumes)."
        )
    if whole_groups:
        lines.append(
            f"Whole {'group' if len(whole_groups) == 1 else 'groups'} {', '.join(whole_groups)}: InstanceIds are "
            "omitted, so every node the group has when AWS starts is checked, listed here or not."
        )
    lines.append("Progress: the node status and the DeepHealthCheck operation (e); results: its detail (d).")
    return tuple(lines)


def plan_health_check(
    detail: ClusterDetail,
    nodes: Sequence[Node],
    checks: Sequence[str],
    *,
    whole_groups: Sequence[str] = (),
    dry_run: bool = False,
    hidden_by_filter: int = 0,
    cluster_nodes: int | None = None,
) -> ActionPlan:
    """A deep health check of `nodes` of `detail`'s cluster (the nodes of `whole_groups` as whole groups), frozen,
    with the same refusals and typed-name rules as the other node actions (core.actions.plan_action), plus:
    the checks must be 1–3 known types, and every node needs an instance id (the request takes no NodeLogicalIds)."""
    base = plan_action(
        DEEP_HEALTH_CHECK,
        detail,
        nodes,
        dry_run=dry_run,
        hidden_by_filter=hidden_by_filter,
        cluster_nodes=cluster_nodes,
    )
    refusals = list(base.refusals) + check_problems(list(checks))
    whole = list(dict.fromkeys(whole_groups))
    no_id = [n for n in base.nodes if not n.instance_id and n.group not in whole]
    if no_id:
        refusals.append(
            f"{plural(len(no_id), 'node')} without an instance id ({no_id[0].key}…): StartClusterHealthCheck takes "
            "InstanceIds only. Unmark them, or check the whole group."
        )
    # plan_action's NodeLogicalIds rule is about Batch* calls; this request sends instance ids (or none, whole).
    refusals = [r for r in refusals if "NodeLogicalIds only" not in r]
    members: dict[str, list[str]] = {}
    for node in base.nodes:
        members.setdefault(node.group, []).append(node.key)
    targets = [
        GroupTargets(
            group, tuple(n.instance_id for n in base.nodes if n.group == group and n.instance_id), group in whole
        )
        for group in dict.fromkeys([*members, *whole])
    ]
    requests: tuple[PlannedRequest, ...] = ()
    if not refusals:
        requests = tuple(
            PlannedRequest(_covered(configurations, members), {CONFIGURATIONS: configurations}, CONFIGURATIONS)
            for configurations in health_check_requests(targets, list(checks))
        )
    # plan_action's caution names the Batch* calls' InvalidInstanceStatus; a deep health check runs on Running nodes.
    unsettled = [n for n in base.nodes if n.status != "Running"]
    cautions = tuple(c for c in base.cautions if "InvalidInstanceStatus" not in c)
    if unsettled:
        statuses = ", ".join(sorted({n.status or "unknown" for n in unsettled}))
        cautions += (
            f"{plural(len(unsettled), 'node')} not Running ({statuses}): a deep health check runs on Running "
            "nodes; AWS may refuse the request.",
        )
    note = f"at most {MAX_CONFIGURATIONS} group configurations per call, {MAX_INSTANCE_IDS} instance ids each" + (
        "; whole groups without InstanceIds" if whole else ""
    )
    return replace(
        base,
        refusals=tuple(refusals),
        cautions=cautions,
        requests=requests,
        effects=health_check_effects(list(checks), detail.node_recovery, whole),
        call_note=note,
        checks=tuple(checks),
        whole_groups=tuple(whole),
    )


__all__ = [
    "CHECK_TYPES",
    "DEEP_HEALTH_CHECK",
    "DEFAULT_CHECKS",
    "MAX_CHECKS",
    "MAX_CONFIGURATIONS",
    "MAX_INSTANCE_IDS",
    "GroupTargets",
    "check_problems",
    "health_check_requests",
    "plan_health_check",
]
