"""Batch reboot / replace / delete of cluster nodes: the frozen plan, the API rules, the calls and their outcomes.

A plan is built when the key is pressed (the nodes as they were at that moment) and never changes: the modal
shows it, the worker executes it. Rules enforced here, before any call (docs/aws-facts.md, Node actions):
- reboot/replace take at most 25 NodeIds per call (botocore does not check the maximum, AWS rejects 26), so a
  plan is split into chunks of 25, sent at most MAX_CONCURRENT_CALLS at a time;
- AWS cannot replace or delete Slurm controller nodes: a plan containing one is refused as a whole;
- BatchDeleteClusterNodes' model allows 3000 ids but the documentation sends more than 99 to AWS Support: a
  delete of more than 99 nodes is refused.
Each call's outcome is judged per node: `Successful`, or `Failed` with the response's `ErrorCode` (reboot,
replace) or `Code` (delete) and `Message`. A call that fails as a whole (ValidationException, AccessDenied, …)
is that error for every node of its chunk. Throttling is retried per chunk with backoff on top of botocore's
own retries. Every call (and every dry-run "would call") is journalled before its result is reported.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from tui.core.errors import THROTTLE_CODES, classify
from tui.core.journal import Journal, JournalError, iso_utc
from tui.core.models import ClusterDetail, Node

MAX_IDS_PER_CALL = 25
DELETE_LIMIT = 99  # more needs AWS Support, whatever the model's 3000 says
MAX_CONCURRENT_CALLS = 4
THROTTLE_RETRIES = 3  # after botocore's own attempts
THROTTLE_BACKOFF = 1.0  # seconds before the first retry; doubles each time, with jitter
ACCEPTING_STATUSES = ("Running", "Failure")

SUCCESSFUL, FAILED, DRY_RUN, UNREPORTED = "Successful", "Failed", "Dry run", "Unreported"


@dataclass(frozen=True, slots=True)
class ActionKind:
    name: str  # reboot | replace | delete
    verb: str
    operation: str
    method: str  # the boto3 client method
    per_call: int
    max_nodes: int | None  # refused above this, before any call
    code_field: str  # where a Failed entry keeps its code
    typed_confirmation: bool
    refuses_controller: bool


REBOOT = ActionKind(
    "reboot",
    "Reboot",
    "BatchRebootClusterNodes",
    "batch_reboot_cluster_nodes",
    MAX_IDS_PER_CALL,
    None,
    "ErrorCode",
    False,
    False,
)
REPLACE = ActionKind(
    "replace",
    "Replace",
    "BatchReplaceClusterNodes",
    "batch_replace_cluster_nodes",
    MAX_IDS_PER_CALL,
    None,
    "ErrorCode",
    True,
    True,
)
DELETE = ActionKind(
    "delete",
    "Delete",
    "BatchDeleteClusterNodes",
    "batch_delete_cluster_nodes",
    DELETE_LIMIT,
    DELETE_LIMIT,
    "Code",
    True,
    True,
)
ACTIONS: dict[str, ActionKind] = {kind.name: kind for kind in (REBOOT, REPLACE, DELETE)}


@dataclass(frozen=True, slots=True)
class PlannedNode:
    instance_id: str
    group: str
    hostname: str
    status: str


@dataclass(frozen=True, slots=True)
class GroupCapacity:
    """What a delete does to an instance group's target count."""

    group: str
    target_before: int
    target_after: int


@dataclass(frozen=True, slots=True)
class ActionPlan:
    kind: ActionKind
    cluster: str
    cluster_arn: str
    orchestrator: str
    nodes: tuple[PlannedNode, ...]
    dry_run: bool = False
    hidden_by_filter: int = 0  # targets the user cannot see right now (marked, then filtered away)
    refusals: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    capacity: tuple[GroupCapacity, ...] = ()

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(node.instance_id for node in self.nodes)

    @property
    def chunks(self) -> tuple[tuple[str, ...], ...]:
        ids = self.node_ids
        size = self.kind.per_call
        return tuple(ids[start : start + size] for start in range(0, len(ids), size))

    @property
    def call_count(self) -> int:
        return len(self.chunks)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def target(self) -> str:
        """The ClusterName sent: the ARN, so a cluster deleted and re-created under the same name is not hit."""
        return self.cluster_arn or self.cluster

    def summary(self) -> str:
        count = len(self.nodes)
        return f"{self.kind.verb} {count} node{'s' if count != 1 else ''} of {self.cluster}"


def plan_action(
    kind: ActionKind,
    detail: ClusterDetail,
    nodes: Sequence[Node],
    *,
    dry_run: bool = False,
    hidden_by_filter: int = 0,
) -> ActionPlan:
    """Freeze the targets and decide, before any call, whether the action may run at all."""
    unique = list({node.instance_id: node for node in nodes}.values())
    planned = tuple(PlannedNode(n.instance_id, n.group, n.hostname, n.status) for n in unique)
    refusals: list[str] = []
    if not planned:
        refusals.append("No nodes to act on.")
    if kind.refuses_controller and detail.is_slurm:
        controllers = [
            n for n in planned if (group := detail.group(n.group)) is not None and group.slurm_node_type == "Controller"
        ]
        if controllers:
            names = ", ".join(f"{n.instance_id} ({n.group})" for n in controllers)
            refusals.append(f"Slurm controller nodes cannot be {kind.name}d: {names}. Unmark them and try again.")
    if kind.max_nodes is not None and len(planned) > kind.max_nodes:
        refusals.append(
            f"{len(planned)} nodes is more than {kind.operation} takes without AWS Support "
            f"(at most {kind.max_nodes}). Mark {kind.max_nodes} or fewer."
        )
    cautions: list[str] = []
    unsettled = [n for n in planned if n.status not in ACCEPTING_STATUSES]
    if unsettled and kind is not DELETE:
        statuses = ", ".join(sorted({n.status or "unknown" for n in unsettled}))
        cautions.append(
            f"{len(unsettled)} node(s) are not Running or Failure ({statuses}); AWS may refuse them "
            f"with InvalidInstanceStatus."
        )
    capacity: list[GroupCapacity] = []
    if kind is DELETE:
        per_group: dict[str, int] = {}
        for node in planned:
            per_group[node.group] = per_group.get(node.group, 0) + 1
        for name, count in per_group.items():
            group = detail.group(name)
            if group is not None:
                capacity.append(GroupCapacity(name, group.target_count, max(0, group.target_count - count)))
    return ActionPlan(
        kind,
        detail.name,
        detail.arn,
        detail.orchestrator,
        planned,
        dry_run,
        hidden_by_filter,
        tuple(refusals),
        tuple(cautions),
        tuple(capacity),
    )


def consequences(plan: ActionPlan) -> list[str]:
    """What the action does, in the words the confirmation shows."""
    kind = plan.kind
    if kind is REBOOT:
        return ["Each node restarts (EC2 RebootInstances): whatever runs on it is interrupted. Its volumes are kept."]
    if kind is REPLACE:
        return [
            "Each node is terminated and a new instance (a new instance id) takes its place.",
            "DESTROYS every instance volume of these nodes, root and secondary.",
            "AWS replaces nodes only on a cluster patched with UpdateClusterSoftware.",
        ]
    lines = [
        "Each node is terminated and removed from the cluster; its volumes are destroyed.",
        "Its capacity is given up: the instance group's target count drops.",
    ]
    lines += [f"  {c.group}: target count {c.target_before} → {c.target_after}" for c in plan.capacity]
    return lines


def call_summary(plan: ActionPlan) -> str:
    """How many API calls the plan takes, and why that many."""
    count, kind = plan.call_count, plan.kind
    calls = f"{count} call{'s' if count != 1 else ''} to {kind.operation}"
    if kind is DELETE:
        return f"{calls} (at most {DELETE_LIMIT} nodes; more needs AWS Support)."
    concurrent = f", {min(count, MAX_CONCURRENT_CALLS)} at a time" if count > 1 else ""
    return f"{calls} (at most {kind.per_call} nodes per call{concurrent})."


# --- execution ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    instance_id: str
    outcome: str  # SUCCESSFUL | FAILED | DRY_RUN | UNREPORTED
    code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class CallResult:
    index: int  # 0-based position of the chunk in the plan
    node_ids: tuple[str, ...]
    outcomes: tuple[NodeOutcome, ...]
    error_code: str = ""  # the whole call failed
    error_message: str = ""
    attempts: int = 1
    request_id: str = ""
    journal_error: str = ""


@dataclass(frozen=True, slots=True)
class ActionResult:
    plan: ActionPlan
    calls: tuple[CallResult, ...]
    journal_path: str = ""

    @property
    def outcomes(self) -> dict[str, NodeOutcome]:
        found = {o.instance_id: o for call in self.calls for o in call.outcomes}
        return {node_id: found[node_id] for node_id in self.plan.node_ids if node_id in found}

    def ids_with(self, outcome: str) -> list[str]:
        return [o.instance_id for o in self.outcomes.values() if o.outcome == outcome]

    @property
    def succeeded(self) -> list[str]:
        return self.ids_with(SUCCESSFUL)

    @property
    def failed(self) -> list[str]:
        return [o.instance_id for o in self.outcomes.values() if o.outcome in (FAILED, UNREPORTED)]

    @property
    def journal_errors(self) -> list[str]:
        return list(dict.fromkeys(call.journal_error for call in self.calls if call.journal_error))


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who made the calls, for the journal: never credentials."""

    profile: str | None = None
    region: str | None = None
    endpoint: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _outcomes_from_response(
    kind: ActionKind, chunk: Sequence[str], response: Mapping[str, Any]
) -> tuple[NodeOutcome, ...]:
    successful = {str(node_id) for node_id in response.get("Successful") or ()}
    failed: dict[str, NodeOutcome] = {}
    for entry in response.get("Failed") or ():
        node_id = str(entry.get("NodeId", ""))
        code = entry.get(kind.code_field) or entry.get("ErrorCode") or entry.get("Code") or "Unknown"
        failed[node_id] = NodeOutcome(node_id, FAILED, str(code), str(entry.get("Message") or ""))
    outcomes = []
    for node_id in chunk:
        if node_id in failed:
            outcomes.append(failed[node_id])
        elif node_id in successful:
            outcomes.append(NodeOutcome(node_id, SUCCESSFUL))
        else:
            outcomes.append(
                NodeOutcome(
                    node_id, UNREPORTED, "Unreported", "AWS listed this node neither in Successful nor in Failed."
                )
            )
    return tuple(outcomes)


def _journal_entry(
    plan: ActionPlan, context: CallContext, chunk: Sequence[str], index: int, when: float
) -> dict[str, Any]:
    return {
        "time": iso_utc(when),
        "profile": context.profile,
        "region": context.region,
        "endpoint": context.endpoint,
        **dict(context.extra),
        "cluster": plan.cluster,
        "cluster_arn": plan.cluster_arn,
        "operation": plan.kind.operation,
        "node_ids": list(chunk),
        "dry_run": plan.dry_run,
        "call": f"{index + 1}/{plan.call_count}",
    }


def _call_once(
    client: Any, plan: ActionPlan, chunk: Sequence[str], sleep: Callable[[float], None], retries: int, backoff: float
) -> tuple[dict[str, Any] | None, BaseException | None, int]:
    """(response, error, attempts): throttling is retried here, any other error ends the chunk."""
    method = getattr(client, plan.kind.method)
    attempts = 0
    while True:
        attempts += 1
        try:
            return method(ClusterName=plan.target, NodeIds=list(chunk)), None, attempts
        except ClientError as exc:
            code = str((exc.response.get("Error") or {}).get("Code", ""))
            if code in THROTTLE_CODES and attempts <= retries:
                sleep(backoff * (2 ** (attempts - 1)) * random.uniform(0.5, 1.0))
                continue
            return None, exc, attempts
        except Exception as exc:  # noqa: BLE001 - network, credentials, …: reported for every node of the chunk
            return None, exc, attempts


def run_chunk(
    plan: ActionPlan,
    index: int,
    client: Any,
    journal: Journal | None,
    context: CallContext,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    retries: int = THROTTLE_RETRIES,
    backoff: float = THROTTLE_BACKOFF,
) -> CallResult:
    """Send (or, in a dry run, describe) one chunk, journal it, and judge each of its nodes."""
    chunk = plan.chunks[index]
    if plan.dry_run:
        entry = _journal_entry(plan, context, chunk, index, clock())
        outcomes = tuple(NodeOutcome(n, DRY_RUN, "", f"would call {plan.kind.operation}") for n in chunk)
        return CallResult(index, chunk, outcomes, journal_error=_write(journal, entry))
    response, error, attempts = _call_once(client, plan, chunk, sleep, retries, backoff)
    entry = _journal_entry(plan, context, chunk, index, clock())
    entry["attempts"] = attempts
    if error is None:
        assert response is not None
        request_id = str((response.get("ResponseMetadata") or {}).get("RequestId", ""))
        entry["request_id"] = request_id
        entry["response"] = {
            key: response[key]
            for key in ("Successful", "Failed", "SuccessfulNodeLogicalIds", "FailedNodeLogicalIds")
            if key in response
        }
        outcomes = _outcomes_from_response(plan.kind, chunk, response)
        return CallResult(
            index, chunk, outcomes, attempts=attempts, request_id=request_id, journal_error=_write(journal, entry)
        )
    problem = classify(error, operation=plan.kind.operation, profile=context.profile, endpoint=context.endpoint or "")
    response_data = error.response if isinstance(error, ClientError) and isinstance(error.response, dict) else {}
    raw = response_data.get("Error") or {}
    request_id = str((response_data.get("ResponseMetadata") or {}).get("RequestId", ""))
    entry["request_id"] = request_id
    entry["error"] = {"code": problem.code, "message": str(raw.get("Message") or problem.message)}
    outcomes = tuple(NodeOutcome(n, FAILED, problem.code, problem.one_line()) for n in chunk)
    return CallResult(
        index, chunk, outcomes, problem.code, problem.one_line(), attempts, request_id, _write(journal, entry)
    )


def _write(journal: Journal | None, entry: Mapping[str, Any]) -> str:
    if journal is None:
        return "no journal configured"
    try:
        journal.append(entry)
    except JournalError as exc:
        return str(exc)
    return ""


def run_plan(
    plan: ActionPlan,
    client: Any,
    journal: Journal | None,
    context: CallContext,
    *,
    on_call: Callable[[CallResult], None] | None = None,
    max_concurrent: int = MAX_CONCURRENT_CALLS,
    **chunk_options: Any,
) -> ActionResult:
    """Run every chunk (at most `max_concurrent` at once); `on_call` hears each as it is journalled."""
    if plan.refused:
        raise ValueError(f"refused plan cannot run: {'; '.join(plan.refusals)}")

    def one(index: int) -> CallResult:
        result = run_chunk(plan, index, client, journal, context, **chunk_options)
        if on_call is not None:
            on_call(result)
        return result

    count = plan.call_count
    if count == 1:
        calls = [one(0)]
    else:
        with ThreadPoolExecutor(
            max_workers=max(1, min(max_concurrent, count)), thread_name_prefix="hyperpod-batch"
        ) as pool:
            calls = list(pool.map(one, range(count)))
    return ActionResult(plan, tuple(calls), str(journal.path) if journal is not None else "")
