"""Batch reboot / replace / delete of cluster nodes: the frozen plan, the API rules, the calls and their outcomes.

A plan is built when the key is pressed (the nodes as they were at that moment) and never changes: the modal
shows it, the worker executes it. Rules enforced here, before any call (docs/aws-facts.md, Node actions):
- reboot/replace take at most 25 NodeIds per call (botocore does not check the maximum, AWS rejects 26), so a
  plan is split into chunks of 25, sent at most MAX_CONCURRENT_CALLS at a time;
- AWS cannot replace or delete Slurm controller nodes: a plan containing one is refused as a whole;
- BatchDeleteClusterNodes' model allows 3000 ids but the documentation sends more than 99 to AWS Support: a
  delete of more than 99 nodes is refused.
- a node still being provisioned on a Continuous cluster has no instance id, only a NodeLogicalId: it is sent
  in `NodeLogicalIds` (at most 25 per reboot/replace call; delete: the model says 99, its documentation 50
  combined with NodeIds, so 50), never mixed with NodeIds in one call (each chunk is one member); on a cluster
  that is not Continuous such a node is refused (AWS takes NodeLogicalIds only in Continuous mode).
Rules of this app, not of AWS: replace and delete always need the cluster's name typed; so does any action on
more than TYPED_NAME_ABOVE nodes, on every node of the cluster, or on a Slurm controller (a reboot: replace and
delete refuse it). The plan lists the controller first, then the nodes not Running, then the others.
Each call's outcome is judged per node: `Successful`, or `Failed` with the response's `ErrorCode` (reboot,
replace) or `Code` (delete) and `Message`. A call that fails as a whole (ValidationException, AccessDenied, …)
is that error for every node of its chunk.

Every attempt is journalled write-ahead (core/journal.py): an intent line, fsynced, before the request; a result
line after it. No intent written, no request sent: the chunk's nodes are `Not sent`, and so are those of every
chunk not yet started. The client's own retries are off (HyperPodApi.mutating_client), so one attempt in the
journal is one request; throttling and 5xx answers are retried here with backoff, each retry an attempt of its
own. A request that may have reached AWS but got no answer (read timeout, connection closed, a crash) is
`Unknown`, "may have executed", and is never retried automatically.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

from tui.core import send_fate
from tui.core.errors import classify
from tui.core.journal import INTENT, OUTCOME_UNKNOWN, RESULT, Journal, JournalError, iso_utc, new_attempt_id
from tui.core.models import ClusterDetail, Node, is_continuous
from tui.core.patching import GroupPatchState, other_groups_needing_patch, patch_notice, patch_states
from tui.core.wording import plural

MAX_IDS_PER_CALL = 25
MAX_LOGICAL_IDS_PER_CALL = 25  # reboot and replace: NodeLogicalIds 1-25
DELETE_LOGICAL_IDS_PER_CALL = 50  # model max 99, but the doc: "up to 50 … a combined maximum of 50 identifiers"
NODE_IDS, NODE_LOGICAL_IDS = "NodeIds", "NodeLogicalIds"  # the request members a chunk is sent in
DELETE_LIMIT = 99  # more needs AWS Support, whatever the model's 3000 says
MAX_CONCURRENT_CALLS = 4
TYPED_NAME_ABOVE = 25  # an action on more nodes than this needs the cluster's name typed, whatever its kind
NORMAL_STATUS = "Running"  # targets in any other state are listed first
THROTTLE_RETRIES = 3  # retries of a throttled or 5xx attempt (botocore's own are off for these calls)
THROTTLE_BACKOFF = 1.0  # seconds before the first retry; doubles each time, with jitter
ACCEPTING_STATUSES = ("Running", "Failure")

SUCCESSFUL, FAILED, DRY_RUN, UNREPORTED = "Successful", "Failed", "Dry run", "Unreported"
UNKNOWN = "Unknown"  # sent, no answer: it may have executed
NOT_SENT = "Not sent"  # never sent, because its intent (or an earlier one) could not be journalled


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
    logical_per_call: int = MAX_LOGICAL_IDS_PER_CALL  # NodeLogicalIds per call
    # False: the answer names no node (StartClusterHealthCheck answers {ClusterArn}), so an answered request is
    # Successful for every node it covers.
    per_node_answer: bool = True


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
    DELETE_LOGICAL_IDS_PER_CALL,
)
ACTIONS: dict[str, ActionKind] = {kind.name: kind for kind in (REBOOT, REPLACE, DELETE)}


@dataclass(frozen=True, slots=True)
class PlannedNode:
    instance_id: str  # "" for a node known only by its NodeLogicalId
    group: str
    hostname: str
    status: str
    logical_id: str = ""

    @property
    def key(self) -> str:
        """The id this plan, its outcomes and the journal use for the node (as Node.key)."""
        return self.instance_id or self.logical_id

    @property
    def member(self) -> str:
        """The request member the node is sent in."""
        return NODE_IDS if self.instance_id else NODE_LOGICAL_IDS


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One request whose members a planner built (core/health_check.py), for the nodes it covers: `params` are
    every member but ClusterName, `member` the one the journal names it by."""

    node_ids: tuple[str, ...]
    params: Mapping[str, Any]
    member: str


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
    typed_name_reasons: tuple[str, ...] = ()  # why this plan needs the cluster's name typed, beyond its kind
    controllers: tuple[str, ...] = ()  # the Slurm controller nodes among the targets (listed first)

    @property
    def needs_typed_name(self) -> bool:
        """Whether Confirm waits for the cluster's name (a refused plan has no Confirm)."""
        return not self.refused and (self.kind.typed_confirmation or bool(self.typed_name_reasons))

    patch: tuple[GroupPatchState, ...] = ()  # target groups needing a patch or under a software update
    patch_others: tuple[str, ...] = ()  # groups needing a patch with no target in them
    # A plan whose requests a planner built (not chunks of node ids): one call each, in order.
    requests: tuple[PlannedRequest, ...] = ()
    effects: tuple[str, ...] = ()  # what it does, when the planner says it (else `consequences` by kind)
    call_note: str = ""  # the limits behind its call count, when the planner says them
    checks: tuple[str, ...] = ()  # a deep health check's types (core/health_check.py)
    whole_groups: tuple[str, ...] = ()  # groups checked whole (InstanceIds omitted)

    @property
    def patch_notice(self) -> list[str]:
        return patch_notice(self.kind.operation, self.patch, self.patch_others)

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Every target's key (instance id, else NodeLogicalId), in plan order."""
        return tuple(node.key for node in self.nodes)

    @property
    def chunks(self) -> tuple[tuple[str, ...], ...]:
        """The calls: instance ids in chunks of `per_call`, then NodeLogicalIds in chunks of `logical_per_call`
        (one member per call; `chunk_members` says which)."""
        return tuple(chunk for _member, chunk in self._chunked)

    @property
    def chunk_members(self) -> tuple[str, ...]:
        return tuple(member for member, _chunk in self._chunked)

    @property
    def _chunked(self) -> list[tuple[str, tuple[str, ...]]]:
        if self.requests:
            return [(request.member, request.node_ids) for request in self.requests]
        out: list[tuple[str, tuple[str, ...]]] = []
        for member, size in ((NODE_IDS, self.kind.per_call), (NODE_LOGICAL_IDS, self.kind.logical_per_call)):
            ids = tuple(node.key for node in self.nodes if node.member == member)
            out += [(member, ids[start : start + size]) for start in range(0, len(ids), size)]
        return out

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
    cluster_nodes: int | None = None,
) -> ActionPlan:
    """Freeze the targets and decide, before any call, whether the action may run at all and whether it needs
    the cluster's name typed. `cluster_nodes`: how many nodes the cluster has (None: not known)."""
    unique = list({node.key: node for node in nodes if node.key}.values())
    controller_ids = {
        n.key
        for n in unique
        if detail.is_slurm and (group := detail.group(n.group)) is not None and group.slurm_node_type == "Controller"
    }
    # The controller first, then the nodes in an abnormal state, then the rest in the order given.
    unique.sort(key=lambda n: (n.key not in controller_ids, n.status == NORMAL_STATUS))
    planned = tuple(PlannedNode(n.instance_id, n.group, n.hostname, n.status, n.node_logical_id) for n in unique)
    controllers = [n for n in planned if n.key in controller_ids]
    names = ", ".join(f"{n.key} ({n.group})" for n in controllers)
    refusals: list[str] = []
    if not planned:
        refusals.append("No nodes to act on.")
    logical = [n for n in planned if not n.instance_id]
    if logical and not is_continuous(detail):
        refusals.append(
            f"{plural(len(logical), 'node')} without an instance id ({logical[0].key}…): AWS takes NodeLogicalIds "
            "only on a cluster in Continuous provisioning mode."
        )
    if kind.refuses_controller and controllers:
        refusals.append(f"Slurm controller nodes cannot be {kind.name}d: {names}. Unmark them and try again.")
    typed_name_reasons: list[str] = []
    if controllers and not kind.refuses_controller:
        typed_name_reasons.append(
            f"Includes the Slurm controller {names}: the cluster's Slurm scheduler runs there, so until it is back "
            "no job can be submitted, scheduled or queried."
        )
    if cluster_nodes and len(planned) >= cluster_nodes:
        typed_name_reasons.append(f"Every node of the cluster ({len(planned)} of {cluster_nodes}).")
    elif len(planned) > TYPED_NAME_ABOVE:
        typed_name_reasons.append(f"{len(planned)} nodes: more than {TYPED_NAME_ABOVE} at once.")
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
            f"{plural(len(unsettled), 'node')} {'is' if len(unsettled) == 1 else 'are'} not Running or Failure "
            f"({statuses}); AWS may refuse {'it' if len(unsettled) == 1 else 'them'} "
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
    patch = patch_states(detail, unique) if kind.typed_confirmation else ()
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
        tuple(typed_name_reasons),
        tuple(n.key for n in controllers),
        patch,
        other_groups_needing_patch(detail, patch) if any(state.needs_patch for state in patch) else (),
    )


def consequences(plan: ActionPlan) -> list[str]:
    """What the action does, in the words the confirmation shows."""
    kind = plan.kind
    if plan.effects:
        return list(plan.effects)
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
    if plan.call_note:
        return f"{calls} ({plan.call_note})."
    logical = plan.chunk_members.count(NODE_LOGICAL_IDS)
    if logical:
        calls += f" ({logical} by NodeLogicalIds, at most {kind.logical_per_call} per call)"
    if kind is DELETE:
        return f"{calls} (at most {DELETE_LIMIT} nodes; more needs AWS Support)."
    concurrent = f", {min(count, MAX_CONCURRENT_CALLS)} at a time" if count > 1 else ""
    return f"{calls} (at most {kind.per_call} nodes per call{concurrent})."


# --- execution ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    instance_id: str  # the node's key: its instance id, or its NodeLogicalId when it has none
    outcome: str  # SUCCESSFUL | FAILED | DRY_RUN | UNREPORTED | UNKNOWN | NOT_SENT
    code: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class CallResult:
    index: int  # 0-based position of the chunk in the plan
    node_ids: tuple[str, ...]
    outcomes: tuple[NodeOutcome, ...]
    error_code: str = ""  # the whole call failed, was not sent, or got no answer
    error_message: str = ""
    attempts: int = 1  # requests sent (0: none)
    request_id: str = ""
    journal_error: str = ""
    attempt_ids: tuple[str, ...] = ()  # the journal ids of its attempts, oldest first

    @property
    def not_sent(self) -> bool:
        return any(o.outcome == NOT_SENT for o in self.outcomes)

    @property
    def unknown(self) -> bool:
        return any(o.outcome == UNKNOWN for o in self.outcomes)


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
    def unknown(self) -> list[str]:
        return self.ids_with(UNKNOWN)

    @property
    def not_sent(self) -> list[str]:
        return self.ids_with(NOT_SENT)

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
    kind: ActionKind, chunk: Sequence[str], response: Mapping[str, Any], member: str = NODE_IDS
) -> tuple[NodeOutcome, ...]:
    if not kind.per_node_answer:
        return tuple(NodeOutcome(node_id, SUCCESSFUL, "", "Started") for node_id in chunk)
    logical = member == NODE_LOGICAL_IDS
    successful = {
        str(node_id) for node_id in response.get("SuccessfulNodeLogicalIds" if logical else "Successful") or ()
    }
    failed: dict[str, NodeOutcome] = {}
    for entry in response.get("FailedNodeLogicalIds" if logical else "Failed") or ():
        if not isinstance(entry, Mapping):
            continue
        node_id = str(entry.get("NodeLogicalId" if logical else "NodeId", ""))
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


def call_outcome(outcomes: Sequence[NodeOutcome]) -> str:
    """The journal's word for one attempt, from its nodes' outcomes."""
    labels = {o.outcome for o in outcomes}
    if UNKNOWN in labels:
        return OUTCOME_UNKNOWN
    if labels == {DRY_RUN}:
        return DRY_RUN
    if labels == {SUCCESSFUL}:
        return SUCCESSFUL
    if SUCCESSFUL in labels:
        return "Partly failed"
    return FAILED


def _intent_entry(
    plan: ActionPlan,
    context: CallContext,
    chunk: Sequence[str],
    index: int,
    attempt: int,
    attempt_id: str,
    action_id: str,
    when: float,
) -> dict[str, Any]:
    member = plan.chunk_members[index]
    return {
        "time": iso_utc(when),
        "kind": INTENT,
        "id": attempt_id,
        "action": action_id,
        "profile": context.profile,
        "region": context.region,
        "endpoint": context.endpoint,
        **dict(context.extra),
        "cluster": plan.cluster,
        "cluster_arn": plan.cluster_arn,
        "operation": plan.kind.operation,
        **({"node_logical_ids": list(chunk)} if member == NODE_LOGICAL_IDS else {"node_ids": list(chunk)}),
        **({"request": _jsonable(plan.requests[index].params)} if plan.requests else {}),
        "dry_run": plan.dry_run,
        "call": f"{index + 1}/{plan.call_count}",
        "chunk": index,
        "attempt": attempt,
    }


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh, plain copy of a planned request's members (the plan keeps tuples; a call may not change it)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    copied: dict[str, Any] = plain(params)
    return copied


def _result_entry(
    intent: Mapping[str, Any],
    outcomes: Sequence[NodeOutcome],
    when: float,
    duration: float,
    request_id: str = "",
    error: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    whole_call = error is not None
    entry: dict[str, Any] = {
        "time": iso_utc(when),
        "kind": RESULT,
        "id": intent["id"],
        "action": intent["action"],
        "cluster": intent["cluster"],
        "operation": intent["operation"],
        "call": intent["call"],
        "attempt": intent["attempt"],
        "outcome": call_outcome(outcomes),
        "nodes": [
            {
                "node_id": o.instance_id,
                "outcome": o.outcome,
                **({"code": o.code} if o.code else {}),
                **({"message": o.message} if o.message and not whole_call else {}),
            }
            for o in outcomes
        ],
        "request_id": request_id,
        "duration_ms": round(duration * 1000),
    }
    if error is not None:
        entry["error"] = dict(error)
    return entry


def _write(journal: Journal | None, entry: Mapping[str, Any]) -> str:
    if journal is None:
        return "no journal configured"
    try:
        journal.append(entry)
    except JournalError as exc:
        return str(exc)
    return ""


def _not_sent(index: int, chunk: tuple[str, ...], reason: str, journal_error: str = "") -> CallResult:
    message = f"Not sent: {reason}"
    outcomes = tuple(NodeOutcome(n, NOT_SENT, "JournalNotWritten", message) for n in chunk)
    return CallResult(index, chunk, outcomes, "JournalNotWritten", message, 0, "", journal_error)


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One request, its intent already on disk: what it did, its result line, and whether a retry is safe."""

    outcomes: tuple[NodeOutcome, ...]
    entry: dict[str, Any]
    error_code: str = ""
    error_message: str = ""
    request_id: str = ""
    retry: bool = False


def run_chunk(
    plan: ActionPlan,
    index: int,
    client: Any,
    journal: Journal | None,
    context: CallContext,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    retries: int = THROTTLE_RETRIES,
    backoff: float = THROTTLE_BACKOFF,
    action_id: str = "",
    stop: threading.Event | None = None,
) -> CallResult:
    """Send (or, in a dry run, describe) one chunk, each attempt journalled write-ahead, and judge its nodes.

    `stop` is set when a journal write fails, so that no chunk of the plan sends anything after that."""
    chunk = plan.chunks[index]
    action_id = action_id or new_attempt_id()
    attempt_ids: list[str] = []
    previous: CallResult | None = None
    while True:
        if stop is not None and stop.is_set():
            # A retry that is not sent leaves the chunk as its last attempt left it.
            return previous or _not_sent(index, chunk, "an earlier journal write failed, so nothing more was sent.")
        attempt = len(attempt_ids) + 1
        attempt_id = new_attempt_id()
        intent = _intent_entry(plan, context, chunk, index, attempt, attempt_id, action_id, clock())
        journal_error = _write(journal, intent)
        if journal_error:
            if stop is not None:
                stop.set()
            if previous is not None:
                return replace(previous, journal_error=journal_error)
            return _not_sent(index, chunk, f"the journal could not be written ({journal_error}).", journal_error)
        attempt_ids.append(attempt_id)
        done = _attempt(plan, chunk, client, intent, clock, monotonic)
        result_error = _write(journal, done.entry)
        call = CallResult(
            index,
            chunk,
            done.outcomes,
            done.error_code,
            done.error_message,
            attempt,
            done.request_id,
            result_error,
            tuple(attempt_ids),
        )
        if result_error and stop is not None:
            stop.set()
        if done.retry and attempt <= retries and not result_error:
            previous = call
            sleep(backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
            continue
        return call


def _attempt(
    plan: ActionPlan,
    chunk: tuple[str, ...],
    client: Any,
    intent: Mapping[str, Any],
    clock: Callable[[], float],
    monotonic: Callable[[], float],
) -> _Attempt:
    kind = plan.kind
    if plan.dry_run:
        outcomes = tuple(NodeOutcome(n, DRY_RUN, "", f"would call {kind.operation}") for n in chunk)
        return _Attempt(outcomes, _result_entry(intent, outcomes, clock(), 0.0))
    probe = send_fate.probe_for(client)
    if probe is not None:
        probe.arm()
    started = monotonic()
    try:
        index = int(intent["chunk"])
        member = plan.chunk_members[index]
        params = _jsonable(plan.requests[index].params) if plan.requests else {member: list(chunk)}
        response = getattr(client, kind.method)(ClusterName=plan.target, **params)
        outcomes = _outcomes_from_response(kind, chunk, response, member)
        request_id = str((response.get("ResponseMetadata") or {}).get("RequestId", ""))
    except Exception as error:  # noqa: BLE001 - every failure is judged: answered, not sent, or unknown
        return _failed_attempt(plan, chunk, intent, error, probe, clock(), monotonic() - started)
    entry = _result_entry(intent, outcomes, clock(), monotonic() - started, request_id)
    return _Attempt(outcomes, entry, request_id=request_id)


def _failed_attempt(
    plan: ActionPlan,
    chunk: tuple[str, ...],
    intent: Mapping[str, Any],
    error: Exception,
    probe: send_fate.SendProbe | None,
    when: float,
    duration: float,
) -> _Attempt:
    fate = send_fate.fate(error, probe.sent if probe is not None else None)
    problem = classify(error, operation=plan.kind.operation)
    response = error.response if isinstance(error, ClientError) and isinstance(error.response, dict) else {}
    raw = response.get("Error") or {}
    request_id = str((response.get("ResponseMetadata") or {}).get("RequestId", ""))
    if fate == send_fate.UNKNOWN:
        message = (
            f"No answer ({problem.code}) after the request was sent: it may have executed. It was not retried; "
            "refresh and check the node before acting on it again."
        )
        outcomes = tuple(NodeOutcome(n, UNKNOWN, problem.code, message) for n in chunk)
    else:
        message = problem.one_line()
        outcomes = tuple(NodeOutcome(n, FAILED, problem.code, message) for n in chunk)
    detail = {
        "code": problem.code,
        "message": str(raw.get("Message") or problem.message),
        "sent": fate != send_fate.NOT_SENT,
    }
    entry = _result_entry(intent, outcomes, when, duration, request_id, detail)
    retry = fate == send_fate.ANSWERED and send_fate.retryable(error)
    return _Attempt(outcomes, entry, problem.code, message, request_id, retry)


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
    """Run every chunk (at most `max_concurrent` at once); `on_call` hears each as it is journalled. Once a
    journal write fails, chunks that have not started are not sent."""
    if plan.refused:
        raise ValueError(f"refused plan cannot run: {'; '.join(plan.refusals)}")
    action_id = new_attempt_id()
    stop = threading.Event()

    def one(index: int) -> CallResult:
        result = run_chunk(plan, index, client, journal, context, action_id=action_id, stop=stop, **chunk_options)
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
