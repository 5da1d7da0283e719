"""Kubernetes actions on marked nodes of an EKS cluster: cordon, uncordon, and reboot or replace by HyperPod's label.

The plan is frozen when the key is pressed and shown whole in the confirmation; `run_kube_plan` sends one node
PATCH per target, journalled write-ahead like every other action (core/journal.py): an fsynced intent line, then
the PATCH, then a result line. No intent written, no PATCH sent: that node and every later one are `Not sent`.
A PATCH that may have reached the API server but got no answer (read timeout, connection cut) is `Unknown`, not
retried. The patches are what kubectl sends: `cordon` `{"spec":{"unschedulable":true}}`, `uncordon`
`{"spec":{"unschedulable":null}}`, `label` `{"metadata":{"labels":{"sagemaker.amazonaws.com/node-health-status":
"UnschedulablePendingReboot"}}}` (or `…PendingReplacement`). The labels act only with the cluster's automatic
node recovery on (HYPERPOD-FACTS §6): the plan carries NodeRecovery so the modal says so. No Textual here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core.journal import INTENT, OUTCOME_UNKNOWN, RESULT, Journal, JournalError, iso_utc, new_attempt_id
from tui.core.kube import HEALTH_LABEL, PENDING_REBOOT, PENDING_REPLACEMENT, KubeNode, describe_error, node_name
from tui.core.sanitize import clean

SUCCESSFUL, FAILED, DRY_RUN, UNKNOWN, NOT_SENT = "Successful", "Failed", "Dry run", "Unknown", "Not sent"
OPERATION = "PatchNode"


@dataclass(frozen=True, slots=True)
class KubeActionKind:
    name: str  # the journal's action and the menu's id
    verb: str
    key: str  # the menu key
    patch: Mapping[str, Any]
    kubectl: str  # what a user would type instead, for the modal
    needs_recovery: bool = False  # a HyperPod label: acts only with automatic node recovery on
    typed_confirmation: bool = False  # the cluster's name must be typed (a replacement destroys the volumes)


CORDON = KubeActionKind(
    "k8s-cordon", "Cordon", "c", {"spec": {"unschedulable": True}}, "kubectl cordon <node>"
)  # fmt: skip
UNCORDON = KubeActionKind(
    "k8s-uncordon", "Uncordon", "u", {"spec": {"unschedulable": None}}, "kubectl uncordon <node>"
)  # fmt: skip
REBOOT_BY_LABEL = KubeActionKind(
    "k8s-reboot-label",
    "Reboot by label",
    "b",
    {"metadata": {"labels": {HEALTH_LABEL: PENDING_REBOOT}}},
    f"kubectl label nodes <node> {HEALTH_LABEL}={PENDING_REBOOT} --overwrite",
    needs_recovery=True,
)
REPLACE_BY_LABEL = KubeActionKind(
    "k8s-replace-label",
    "Replace by label",
    "p",
    {"metadata": {"labels": {HEALTH_LABEL: PENDING_REPLACEMENT}}},
    f"kubectl label nodes <node> {HEALTH_LABEL}={PENDING_REPLACEMENT} --overwrite",
    needs_recovery=True,
    typed_confirmation=True,
)
KUBE_ACTIONS: dict[str, KubeActionKind] = {k.name: k for k in (CORDON, UNCORDON, REBOOT_BY_LABEL, REPLACE_BY_LABEL)}


@dataclass(frozen=True, slots=True)
class KubeTarget:
    instance_id: str
    name: str  # the Kubernetes node name, hyperpod-i-<instance id>
    group: str
    state: str  # the K8S cell's text when planned ("" unknown)


@dataclass(frozen=True)
class KubePlan:
    kind: KubeActionKind
    cluster: str
    eks_cluster_arn: str
    context: str
    node_recovery: str
    targets: tuple[KubeTarget, ...]
    refused: str = ""  # why nothing may be sent ("" when the plan may run)
    skipped: tuple[str, ...] = ()  # nodes with no instance id yet (no Kubernetes node): left out
    dry_run: bool = False
    hidden_by_filter: int = 0

    @property
    def recovery_notice(self) -> str:
        """What the modal says about the label: it acts only with automatic node recovery on."""
        if not self.kind.needs_recovery:
            return ""
        shown = clean(self.node_recovery) or "unknown"
        if self.node_recovery == "Automatic":
            return f"HyperPod acts on this label only with automatic node recovery on: NodeRecovery is {shown}."
        return (
            f"HyperPod acts on this label only with automatic node recovery on, and this cluster's NodeRecovery "
            f"is {shown}: the label will be set but nothing will {self.kind.verb.split()[0].lower()} the nodes. "
            f"Use R / P (the API) instead, or turn node recovery on."
        )


def plan_kube_action(
    kind: KubeActionKind,
    detail: Any,
    nodes: Sequence[Any],
    view: Mapping[str, KubeNode] | None,
    *,
    context: str,
    read_only: bool = False,
    dry_run: bool = False,
    hidden_by_filter: int = 0,
) -> KubePlan:
    """Freeze `kind` on `nodes` (core/models Node) of the EKS cluster `detail`; `view`: the last Kubernetes view
    by instance id (None without one). Refused in read-only mode, on a cluster that is not EKS-orchestrated, and
    without a Kubernetes view (the column says why)."""
    known = view or {}
    targets = tuple(
        KubeTarget(
            node.instance_id,
            node_name(node.instance_id),
            clean(node.group),
            known[node.instance_id].cell_text if node.instance_id in known else "",
        )
        for node in nodes
        if node.instance_id
    )
    skipped = tuple(clean(node.key) for node in nodes if not node.instance_id)
    refused = ""
    if read_only:
        refused = "Read-only mode (--read-only): Kubernetes actions are disabled. Nothing was sent."
    elif getattr(detail, "orchestrator", "") != "EKS":
        refused = "Kubernetes actions are for EKS-orchestrated clusters."
    elif view is None:
        refused = "No Kubernetes view of this cluster (the K8S column says why): nothing can be patched."
    elif not targets:
        refused = "None of these nodes has an instance yet, so none is a Kubernetes node."
    return KubePlan(
        kind,
        clean(detail.name),
        clean(getattr(detail, "eks_cluster_arn", "")),
        clean(context),
        clean(getattr(detail, "node_recovery", "")),
        targets,
        refused,
        skipped,
        dry_run,
        hidden_by_filter,
    )


@dataclass(frozen=True, slots=True)
class KubeOutcome:
    target: KubeTarget
    outcome: str
    message: str = ""


@dataclass
class KubeResult:
    plan: KubePlan
    outcomes: list[KubeOutcome] = field(default_factory=list)
    journal_error: str = ""

    def of(self, outcome: str) -> list[KubeOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]


def _unknown(exc: BaseException) -> bool:
    """A failure after the request may have been sent, without an answer: it may have executed."""
    return getattr(exc, "status", None) in (None, 0) and type(exc).__name__ in (
        "ReadTimeoutError",
        "ProtocolError",
        "TimeoutError",
        "RemoteDisconnected",
    )


def run_kube_plan(
    plan: KubePlan,
    patch: Callable[[str, Mapping[str, Any]], None] | None,
    journal: Journal,
    where: Mapping[str, Any],
    *,
    clock: Callable[[], float] = time.time,
    on_node: Callable[[KubeOutcome], None] = lambda outcome: None,
) -> KubeResult:
    """Send the plan's PATCHes one node at a time (none in a dry run; `patch` None), each journalled write-ahead.
    `where`: what identifies the target in the journal besides the plan (profile, region, demo)."""
    result = KubeResult(plan)
    if plan.refused:
        return result
    total = len(plan.targets)
    for index, target in enumerate(plan.targets):
        attempt_id = new_attempt_id()
        intent = {
            "kind": INTENT,
            "id": attempt_id,
            "time": iso_utc(clock()),
            "action": plan.kind.name,
            **dict(where),
            "cluster": plan.cluster,
            "eks_cluster_arn": plan.eks_cluster_arn,
            "kube_context": plan.context,
            "operation": OPERATION,
            "node_ids": [target.instance_id],
            "kube_node": target.name,
            "patch": plan.kind.patch,
            "dry_run": plan.dry_run,
            "call": f"{index + 1}/{total}",
            "attempt": 1,
        }
        try:
            journal.append(intent)
        except JournalError as error:
            result.journal_error = str(error)
            for later in plan.targets[index:]:
                outcome = KubeOutcome(later, NOT_SENT, "the journal could not be written; no PATCH was sent")
                result.outcomes.append(outcome)
                on_node(outcome)
            return result
        started = clock()
        if plan.dry_run or patch is None:
            outcome = KubeOutcome(target, DRY_RUN, "nothing sent")
        else:
            try:
                patch(target.name, plan.kind.patch)
                outcome = KubeOutcome(target, SUCCESSFUL)
            except Exception as exc:  # noqa: BLE001 - every failure is this node's outcome
                if _unknown(exc):
                    outcome = KubeOutcome(target, UNKNOWN, f"no answer, may have executed: {describe_error(exc)}")
                else:
                    outcome = KubeOutcome(target, FAILED, describe_error(exc))
        result.outcomes.append(outcome)
        entry = {
            "kind": RESULT,
            "id": attempt_id,
            "time": iso_utc(clock()),
            "action": plan.kind.name,
            "cluster": plan.cluster,
            "operation": OPERATION,
            "call": intent["call"],
            "attempt": 1,
            "outcome": OUTCOME_UNKNOWN if outcome.outcome == UNKNOWN else outcome.outcome,
            "nodes": [{"node_id": target.instance_id, "outcome": outcome.outcome}],
            **({"error": {"message": outcome.message}} if outcome.outcome == FAILED else {}),
            "duration_ms": int((clock() - started) * 1000),
        }
        try:
            journal.append(entry)
        except JournalError as error:
            result.journal_error = str(error)
        on_node(outcome)
    return result


__all__ = [
    "CORDON",
    "KUBE_ACTIONS",
    "REBOOT_BY_LABEL",
    "REPLACE_BY_LABEL",
    "UNCORDON",
    "KubeActionKind",
    "KubeOutcome",
    "KubePlan",
    "KubeResult",
    "KubeTarget",
    "plan_kube_action",
    "run_kube_plan",
]
