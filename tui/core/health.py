"""One health verdict per node, joined from every signal about it, and the next step it recommends.

A `Signal` is one thing some source said about a node, at a time: the health-monitoring agent's detection records
in CloudWatch Logs (`HMA`, read by core/hma.py), EventBridge node health events (`EventBridge`, the live stream's
core/event_stream.py `NodeHealth`), the node's own status (`status`: Failure, DeepHealthCheckInProgress), a failed
deep health check named in the status message (`DHC`), Error-level Instance cluster events (`event`), and on EKS
clusters Kubernetes' view of the node (`K8S`: a pending reboot/replacement label, a failed deep health check
label, NotReady; core/kube.py).
Every text in a signal went through `sanitize.clean`; parsers never raise (a malformed record gives None).

The join (`judge`), in three rules:
1. a fault is *cleared* by a later healthy signal from the same source (and topic: a deep health check's type;
   for a check, from a later run, not its own), and a signal from before the instance launched is about an instance that is gone (a replacement launches anew);
2. the *worst* current signal wins (fault > warn > progress > ok); among equals a specific source beats a
   general one (DHC, HMA, EventBridge, event, status), then the newest; the verdict names the signal it rests on;
3. a fault that follows a cleared fault on the same node is a *repeat* (it came back after a reboot or recovery).

The next step (`recommend`), following the brief's resiliency article (seeds/001: リブートと交換の判断基準):
a deep health check running, or HyperPod repairing the node (RepairAction, the node Pending/ShuttingDown) → wait;
a failed deep health check, a hardware fault (XID, NVLink, ECC, EFA …) or a repeat → replace; an unresponsive
node or a software fault (device count mismatch, a hang) → reboot; what a source asks for (the EKS agent's
`Action`, EventBridge's RepairAction or Recommendation) otherwise; else investigate. With the cluster's
NodeRecovery `None` nobody else will act: the step says "needs manual action".
No Textual here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tui.core.sanitize import clean
from tui.core.tables import format_age

HMA, EVENTBRIDGE, STATUS, EVENT, DHC = "HMA", "EventBridge", "status", "event", "DHC"
SLURM = "Slurm"  # (e) Slurm says down/drained/fail while the API says Running (core/slurm.py, `slurm_signal`)
KUBE = "K8S"  # (e) the EKS node's HyperPod label or Ready condition, as Kubernetes says (core/kube.py)
SOURCES = (HMA, EVENTBRIDGE, STATUS, EVENT, DHC, SLURM, KUBE)
# How a source is named in the HEALTH cell: EventBridge's events are HyperPod speaking; a status needs no name.
SOURCE_LABELS = {
    HMA: "HMA",
    EVENTBRIDGE: "HyperPod",
    STATUS: "",
    EVENT: "event",
    DHC: "DHC",
    SLURM: "Slurm",
    KUBE: "K8S",
}
# Which source wins a tie of severity: the more specific one (Slurm's state says less than a detection record). K8S
# is last: its NotReady or Unschedulable says less than the node's own Failure message or DeepHealthCheckInProgress.
_SOURCE_RANK = {DHC: 4, HMA: 3, EVENTBRIDGE: 2, EVENT: 1, SLURM: 1, STATUS: 0, KUBE: -1}

OK, PROGRESS, WARN, FAULT = "ok", "progress", "warn", "fault"
SEVERITIES = (OK, PROGRESS, WARN, FAULT)
_SEVERITY_RANK = {OK: 0, PROGRESS: 1, WARN: 2, FAULT: 3}
# The node status each severity borrows its colour from (core/models status kinds) in the HEALTH cell.
SEVERITY_STATUS = {FAULT: "Failure", WARN: "Degraded", PROGRESS: "Pending", OK: "Running"}

# Fault classes, which decide the step.
HARDWARE, SOFTWARE, UNRESPONSIVE, DHC_FAILED, FAILED = "hardware", "software", "unresponsive", "dhc", "failed"
LIFECYCLE = "lifecycle"  # the node's lifecycle script failed (status Failure, its message says so)

SHORT_LIMIT = 28  # characters of a signal's short text (the HEALTH cell adds ` · HMA 4m`)
TEXT_LIMIT = 500
RECORD_LIMIT = 64 * 1024  # an HMA record longer than this is not one
LAUNCH_SLACK = 60.0  # seconds: a signal this close before the launch time may be about the new instance's boot

# Keywords that classify a fault, checked in this order against the signal's type and text (lowercased).
_HARDWARE_WORDS = (
    "xid",
    "nvlink",
    "ecc",
    "hardware",
    "efa",
    "pcie",
    "row remap",
    "remapping",
    "thermal",
    "fallen off",
    "off the bus",
    "nvidiaerrorterminate",
    "gpuunhealthy",
    "neuron",
    "faultyinstance",
    "bandwidth",
)
_REBOOT_WORDS = ("count mismatch", "device count", "devicecount", "mismatch")
_UNRESPONSIVE_WORDS = ("unresponsive", "not responding", "hung", "hang", "heartbeat", "unreachable", "timed out")
_SOFTWARE_WORDS = ("software", "kernel", "driver", "process", "disk full", "filesystem", "out of memory", "oom")
_HEALTHY_WORDS = ("healthy", "nofault", "no fault", "recovered", "passed", "ok", "schedulable")
_XID = re.compile(r"\bxid\b(?:\s*\([^)]{0,40}\))?\D{0,10}?(\d{1,3})\b", re.IGNORECASE)  # `Xid (PCI:…): 79`
_FAULT_TYPE = re.compile(r"fault type (\w{1,64})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Signal:
    """One statement about a node's health. Display-safe: every text went through `clean`."""

    source: str  # one of SOURCES
    time: float  # epoch seconds; 0.0 when the source gave none (a status seen now)
    severity: str  # one of SEVERITIES
    short: str  # a few words for the HEALTH cell: `GPU XID 79`, `replace pending`, `DHC failed`
    text: str = ""  # the long text, for the detail view
    action: str = ""  # what the source asks for or HyperPod does: "reboot" | "replace" | ""
    recommendation: str = ""  # the source's own advice (EventBridge Recommendation)
    fault: str = ""  # the fault class: HARDWARE, SOFTWARE, UNRESPONSIVE, DHC_FAILED, FAILED or "" (unknown)
    repairing: bool = False  # HyperPod says it is repairing the node (RepairAction Replace/Reboot)
    # What within its source the signal is about (a deep health check's type): a healthy signal clears only faults
    # of its own source and topic, so InstanceConnectivity passing does not clear InstanceStress failing.
    topic: str = ""
    # Which run said it (a deep health check's results stream): a healthy line of the same run never clears its
    # failure (a run logs a pass per sub-check), a later run's does. "": any later healthy signal clears.
    run: str = ""

    @property
    def healthy(self) -> bool:
        return self.severity == OK


@dataclass(frozen=True, slots=True)
class Step:
    """What to do next about a node: `action` is "" (nothing), "wait", "reboot", "replace" or "investigate"."""

    action: str
    reason: str = ""
    manual: bool = False  # node recovery is off (None): nobody but the operator will act

    @property
    def text(self) -> str:
        if not self.action:
            return ""
        return f"{self.action} (needs manual action)" if self.manual and self.action != "wait" else self.action


NO_STEP = Step("")


@dataclass(frozen=True, slots=True)
class Verdict:
    """A node's health: the signal it rests on, every signal (newest first), those still current, the next step."""

    key: str
    severity: str
    signal: Signal | None
    signals: tuple[Signal, ...] = ()
    current: tuple[Signal, ...] = ()
    step: Step = NO_STEP
    repeat: bool = False
    # What `node_verdict` judged besides the node: the external signals and the cluster's NodeRecovery. An
    # unchanged node with the same inputs keeps its verdict across refreshes (core/snapshot.py).
    inputs: tuple[Signal, ...] = ()
    recovery: str = ""

    @property
    def healthy(self) -> bool:
        return self.severity == OK

    def cell(self, now: float) -> tuple[tuple[str, str], ...]:
        """The HEALTH cell: `GPU XID 79 · HMA 4m`, coloured by severity; empty when healthy."""
        signal = self.signal
        if signal is None or self.healthy:
            return ()
        return ((signal_label(signal, now), SEVERITY_STATUS[self.severity]),)

    def same_as(self, other: Verdict | None) -> bool:
        """The same signal, severity and step (the cell may differ only by the signal's age)."""
        return (
            other is not None
            and other.signal == self.signal
            and other.severity == self.severity
            and other.step == self.step
        )


def signal_label(signal: Signal, now: float) -> str:
    """`GPU XID 79 · HMA 4m`: the short text, the source, how long ago (no age for a time the source did not give)."""
    label = SOURCE_LABELS.get(signal.source, signal.source)
    if label and signal.short.startswith(label):
        label = ""  # `DHC failed: InstanceStress`, not `… · DHC`
    age = format_age(now - signal.time) if signal.time > 0 and now >= signal.time else ""
    where = " ".join(part for part in (label, age) if part)
    return f"{signal.short} · {where}" if where else signal.short


# --- the join --------------------------------------------------------------------------------------------


def _rank(signal: Signal) -> tuple[int, int, float]:
    return (_SEVERITY_RANK.get(signal.severity, 0), _SOURCE_RANK.get(signal.source, 0), signal.time)


def judge(
    key: str,
    signals: Iterable[Signal],
    *,
    launched: float | None = None,
    status: str = "",
    node_recovery: str = "",
) -> Verdict:
    """Every signal about one node → its verdict (the rules are in the module docstring)."""
    every = sorted(signals, key=lambda s: s.time, reverse=True)
    healthy: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for signal in every:
        if signal.healthy:
            healthy.setdefault((signal.source, signal.topic), []).append((signal.time, signal.run))

    def is_cleared(fault: Signal) -> bool:
        later = healthy.get((fault.source, fault.topic), ())
        return any(when > fault.time and (not fault.run or run != fault.run) for when, run in later)

    current: list[Signal] = []
    cleared: list[Signal] = []
    for signal in every:
        if launched is not None and 0 < signal.time < launched - LAUNCH_SLACK and signal.source != STATUS:
            continue  # about an instance that was replaced: not this one
        if not signal.healthy and is_cleared(signal):
            cleared.append(signal)
            continue
        current.append(signal)
    faults = [s for s in current if not s.healthy]
    if not faults:
        ok = next((s for s in current if s.healthy), None)
        return Verdict(key, OK, ok, tuple(every), tuple(current))
    worst = max(faults, key=_rank)
    repeat = worst.severity == FAULT and any(s.severity == FAULT and s.time < worst.time for s in cleared)
    step = recommend(worst, current, status=status, node_recovery=node_recovery, repeat=repeat)
    return Verdict(key, worst.severity, worst, tuple(every), tuple(current), step, repeat)


# --- the next step ---------------------------------------------------------------------------------------

IN_PROGRESS_STATUSES = ("Pending", "ShuttingDown", "SystemUpdating")


def recommend(
    worst: Signal, current: Sequence[Signal], *, status: str = "", node_recovery: str = "", repeat: bool = False
) -> Step:
    """The next step for a node whose worst current signal is `worst` (see the module docstring)."""
    if worst.healthy:
        return NO_STEP
    if status == "DeepHealthCheckInProgress":
        return Step("wait", "a deep health check is running; HyperPod reboots or replaces the node if it fails")
    repairing = next((s for s in current if s.repairing and not s.healthy), None)
    if repairing is not None:
        return Step("wait", f"HyperPod is repairing it ({repairing.action or 'repair'} in progress)")
    if status in IN_PROGRESS_STATUSES:
        return Step("wait", f"the node is {status}: a reboot or replacement is already under way")
    manual = node_recovery.casefold() == "none"
    off = "; node recovery is off: nobody else will act" if manual else ""
    if node_recovery.casefold() == "automatic" and worst.fault in (HARDWARE, DHC_FAILED):
        off = "; node recovery is Automatic: HyperPod should start this, act if it does not"
    if worst.fault == DHC_FAILED:
        return Step("replace", f"it failed a deep health check{off}", manual)
    if worst.fault == HARDWARE:
        return Step("replace", f"hardware fault ({worst.short}){off}", manual)
    if repeat:
        return Step("replace", f"the fault came back after an earlier recovery{off}", manual)
    asked = worst.action or _asked(worst.recommendation)
    if asked in ("replace", "reboot"):
        return Step(
            asked, f"{SOURCE_LABELS.get(worst.source) or worst.source} asks for it ({worst.short}){off}", manual
        )
    if worst.fault in (UNRESPONSIVE, SOFTWARE):
        what = "unresponsive, no sign of a hardware fault" if worst.fault == UNRESPONSIVE else "a software fault"
        return Step("reboot", f"{what}{off}", manual)
    if worst.fault == LIFECYCLE:
        return Step(
            "replace", f"its lifecycle script failed: read its log (l) first, a replacement runs it again{off}", manual
        )
    if worst.fault == FAILED:
        return Step("replace", f"the instance failed{off}", manual)
    return Step("investigate", f"no rule for this fault: read its logs (l, h){off}", manual)


def _asked(recommendation: str) -> str:
    lowered = recommendation.casefold()
    if "replace" in lowered:
        return "replace"
    if "reboot" in lowered:
        return "reboot"
    return ""


def classify_fault(*texts: str) -> str:
    """The fault class named by a fault's type and text (keywords, lowercased), or ""."""
    lowered = " ".join(texts).casefold()
    if any(word in lowered for word in _HARDWARE_WORDS):
        return HARDWARE
    if any(word in lowered for word in _REBOOT_WORDS):
        return SOFTWARE  # a device count mismatch: the brief's first reason to reboot
    if any(word in lowered for word in _UNRESPONSIVE_WORDS):
        return UNRESPONSIVE
    if any(word in lowered for word in _SOFTWARE_WORDS):
        return SOFTWARE
    return ""


def _short(value: object) -> str:
    text = " ".join(clean(value).split())
    return text if len(text) <= SHORT_LIMIT else text[: SHORT_LIMIT - 1] + "…"


def _long(value: object) -> str:
    return clean(value, max_len=TEXT_LIMIT)


def _is_healthy_word(value: str) -> bool:
    return value.casefold().replace("-", "").replace("_", "").strip() in _HEALTHY_WORDS


def _action(value: object) -> str:
    lowered = value.casefold() if isinstance(value, str) else ""
    if "replace" in lowered:
        return "replace"
    if "reboot" in lowered:
        return "reboot"
    return ""


# --- HMA detection records -------------------------------------------------------------------------------

HMA_MARK_KEY = "HealthMonitoringAgentDetectionEvent"
HMA_MARK_VALUE = "HealthEvent"


def _iso(value: object) -> float | None:
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo is not None else None


def _get(record: Mapping[str, Any], *names: str) -> Any:
    """The first present key of `names`; the Slurm agent writes keys with a trailing `: ` (`"condition: "`)."""
    for name in names:
        for variant in (name, f"{name}: ", f"{name}:"):
            if variant in record:
                return record[variant]
    return None


def _xid(*values: object) -> int | None:
    for value in values:
        if isinstance(value, Mapping):
            number = _get(value, "ErrNum", "Xid", "xid")
            if isinstance(number, int) and not isinstance(number, bool) and 0 <= number < 1000:
                return number
            value = " ".join(str(v) for v in value.values() if isinstance(v, str | int))
        if isinstance(value, str):
            match = _XID.search(value[:2048])
            if match:
                return int(match.group(1))
    return None


def parse_hma_record(message: object, timestamp_ms: object = 0) -> Signal | None:
    """One HMA detection record (a CloudWatch event's message) → a Signal, or None when it is not one.

    Three shapes are read: the Slurm agent's (`"condition: ": "XID Error", "data: ": {"ErrNum": 79}`), the EKS
    agent's (`"Event detail": {"Action": "replace", "Type": "NvidiaGPUUnhealthy", …}`) and the node-problem-
    detector form (`"details": {"severity", "reason", "message"}`); each must carry
    `"HealthMonitoringAgentDetectionEvent": "HealthEvent"`. A record whose type says healthy (`Healthy`,
    `NoFault`, `Recovered`; UNCONFIRMED that the agent writes one) is an ok signal that clears older HMA faults."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if not isinstance(message, str) or len(message) > RECORD_LIMIT:
        return None
    try:
        record = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get(HMA_MARK_KEY) != HMA_MARK_VALUE:
        return None
    when = _iso(record.get("ts"))
    if when is None:
        stamp = timestamp_ms if isinstance(timestamp_ms, int | float) and not isinstance(timestamp_ms, bool) else 0
        when = float(stamp) / 1000.0 if stamp > 0 else 0.0
    level = str(record.get("level") or "").casefold()
    raw_msg = record.get("msg")
    msg = raw_msg if isinstance(raw_msg, str) else ""
    detail = _get(record, "Event detail", "EventDetail", "event detail")
    details = _get(record, "details", "Details")
    condition = _get(record, "condition", "Condition")
    data = _get(record, "data", "Data")
    action = ""
    kind = ""
    texts: list[str] = [msg]
    if isinstance(detail, Mapping):  # EKS
        kind = str(detail.get("Type") or detail.get("type") or "")
        action = _action(detail.get("Action") or detail.get("action"))
        texts += [str(v) for k, v in detail.items() if isinstance(v, str) and k not in ("Type", "Action")]
    elif isinstance(details, Mapping):  # node-problem-detector
        kind = str(details.get("reason") or "")
        texts.append(str(details.get("message") or ""))
        level = str(details.get("severity") or level).casefold()
    elif isinstance(condition, str):  # Slurm
        kind = condition
    if isinstance(data, Mapping):
        texts += [f"{k}={v}" for k, v in data.items() if isinstance(v, str | int | float)]
    elif isinstance(data, str):
        texts.append(data)
    xid = _xid(data, detail, *texts)
    if (kind and _is_healthy_word(kind)) or (not kind and _is_healthy_word(msg.strip(" .!"))):
        return Signal(HMA, when, OK, "healthy", _long(" ".join(t for t in (kind, *texts) if t)))
    if not kind and xid is None and not msg:
        return None  # a marked record that says nothing
    short = f"GPU XID {xid}" if xid is not None else _short(kind or msg)
    fault = HARDWARE if xid is not None else classify_fault(kind, *texts)
    severity = FAULT if action or fault or level in ("error", "fatal", "critical", "warn", "warning") else WARN
    long_text = " · ".join(t.strip() for t in (kind, *texts) if t.strip())
    return Signal(HMA, when, severity, short, _long(long_text), action=action, fault=fault)


def hma_instance(stream_name: object) -> str:
    """`SagemakerHealthMonitoringAgent/<group>/<instance id>` → the instance id; '' for any other stream."""
    if not isinstance(stream_name, str) or not stream_name.startswith("SagemakerHealthMonitoringAgent/"):
        return ""
    parts = stream_name.split("/")
    return parts[-1][:64] if len(parts) >= 3 and parts[-1] else ""


# --- EventBridge node health events ----------------------------------------------------------------------


def eventbridge_signal(event: Any) -> Signal | None:
    """An EventBridge node health event (core/event_stream.py NodeHealth; any field may be empty) → a Signal."""
    status = getattr(event, "health_status", "")
    when = getattr(event, "time", 0.0)
    if not isinstance(status, str) or not isinstance(when, int | float):
        return None
    reason = getattr(event, "reason", "") or ""
    repair = getattr(event, "repair_action", "") or ""
    advice = getattr(event, "recommendation", "") or ""
    if _is_healthy_word(status):
        return Signal(EVENTBRIDGE, float(when), OK, "healthy", _long(reason or status))
    action = _action(repair)
    named = _FAULT_TYPE.search(reason) if isinstance(reason, str) else None
    short = f"{action} pending" if action else _short(named.group(1) if named else (status or "unhealthy"))
    severity = FAULT if status.casefold() == "unhealthy" or action else WARN
    text = " · ".join(clean(part) for part in (status, reason, f"RepairAction {repair}" if repair else "") if part)
    return Signal(
        EVENTBRIDGE,
        float(when),
        severity,
        short,
        _long(text),
        action=action,
        recommendation=_long(advice),
        fault=classify_fault(str(reason)),
        repairing=bool(action),
    )


# --- the node's status and cluster events -----------------------------------------------------------------

_DHC_WORDS = re.compile(r"deep health check", re.IGNORECASE)
_CHECK_NAMES = ("InstanceStress", "InstanceConnectivity", "MultiNodeTrainingValidation")


def status_signals(status: str, message: str, *, seen: float = 0.0) -> list[Signal]:
    """What the node's own status says: Failure (a failed deep health check when the message names one), or a deep
    health check running. `seen`: when the listing saw it (the API gives no time for a status)."""
    if status == "DeepHealthCheckInProgress":
        return [Signal(STATUS, seen, PROGRESS, "DHC running", _long(message or status))]
    if status != "Failure":
        return []
    if _DHC_WORDS.search(message or ""):
        check = next((name for name in _CHECK_NAMES if name in message), "")
        short = f"DHC failed: {check}" if check else "DHC failed"
        return [Signal(DHC, seen, FAULT, short[: SHORT_LIMIT + 8], _long(message), fault=DHC_FAILED)]
    if re.search(r"lifecycle script", message or "", re.IGNORECASE):
        return [Signal(STATUS, seen, FAULT, "lifecycle script failed", _long(message), fault=LIFECYCLE)]
    fault = classify_fault(message or "") or FAILED
    short = _short(message.split(".")[0]) if message else "Failure"
    return [Signal(STATUS, seen, FAULT, short or "Failure", _long(message or status), fault=fault)]


def event_signal(event: Any) -> Signal | None:
    """An Error-level Instance cluster event (core/events.py ClusterEvent) → a fault signal; an Info-level one about
    an instance that rebooted, was replaced or passed its checks → an ok signal; anything else None."""
    if getattr(event, "resource_type", "") != "Instance" or not getattr(event, "instance_id", None):
        return None
    when = getattr(event, "time", None)
    if not isinstance(when, datetime):
        return None
    description = str(getattr(event, "description", "") or "")
    level = str(getattr(event, "level", "") or "")
    lowered = description.casefold()
    if level == "Error":
        fault = classify_fault(description)
        # `Instance i-0abc… is unresponsive` → `is unresponsive`: the row already names the node
        instance = str(getattr(event, "instance_id", ""))
        said = re.sub(rf"(?:\b(?:EC2InstanceId|Instance)\s+)?{re.escape(instance)}\s*", "", description).strip(" :,-")
        return Signal(EVENT, when.timestamp(), FAULT, _short(said or description), _long(description), fault=fault)
    if level == "Info" and any(
        word in lowered for word in ("rebooted successfully", "replaced successfully", "passed")
    ):
        return Signal(EVENT, when.timestamp(), OK, "recovered", _long(description))
    return None


def slurm_signal(state: str, reason: str, reason_time: float | None, *, seen: float, kind: str) -> Signal:
    """What Slurm's state says (core/slurm.SlurmNode, display-safe): `kind` fault or warn. A reason of exactly
    `Action:Replace` / `Action:Reboot` is HyperPod's own, acted on once the node's jobs end: it is repairing."""
    action = {"Action:Replace": "replace", "Action:Reboot": "reboot"}.get(reason, "")
    fault = classify_fault(reason) or (UNRESPONSIVE if "*" in state or state.startswith("down") else "")
    short = f"{state} {reason}".strip() if reason else state
    return Signal(
        SLURM,
        reason_time if reason_time is not None else seen,
        FAULT if kind == "fault" else WARN,
        _short(short),
        _long(f"Slurm says {state}" + (f": {reason}" if reason else "") + " while the API says Running"),
        action=action,
        fault=fault,
        repairing=bool(action),
    )


# --- per node ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthContext:
    """What a refresh knows about one cluster's health besides its listing: signals per instance id (HMA records,
    EventBridge events, cluster events), the cluster's NodeRecovery, and the time ages are measured at."""

    node_recovery: str = ""
    now: float = 0.0
    signals: Mapping[str, Sequence[Signal]] = field(default_factory=dict)
    # The K8S cell per instance id (core/kube.py KubeNode.cell) of an EKS cluster with a Kubernetes view.
    kube_cells: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


SIGNAL_STATUSES = frozenset(("Failure", "DeepHealthCheckInProgress"))  # the statuses that are a signal themselves


def node_verdict(node: Any, context: HealthContext) -> Verdict | None:
    """The verdict for one listed node (core/models.py Node), or None for a node nothing is said about (the common
    case, kept cheap: one dict lookup and a status compare)."""
    external = context.signals.get(node.instance_id, ()) if node.instance_id else ()
    if not external and node.status not in SIGNAL_STATUSES:
        return None
    signals = [*external, *status_signals(node.status, node.message)]
    verdict = judge(
        node.key, signals, launched=node.launch_time, status=node.status, node_recovery=context.node_recovery
    )
    return replace(verdict, inputs=tuple(external), recovery=context.node_recovery)


__all__ = [
    "DHC",
    "EVENT",
    "EVENTBRIDGE",
    "HMA",
    "STATUS",
    "HealthContext",
    "Signal",
    "Step",
    "Verdict",
    "classify_fault",
    "event_signal",
    "eventbridge_signal",
    "hma_instance",
    "judge",
    "node_verdict",
    "parse_hma_record",
    "recommend",
    "signal_label",
    "slurm_signal",
    "status_signals",
]
