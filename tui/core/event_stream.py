"""The live stream: HyperPod's EventBridge events, delivered to an SQS queue, read by a long-polling worker.

EventBridge cannot call a terminal program, so a rule (`source: aws.sagemaker`, detail-type prefix
`SageMaker HyperPod`) sends every event to a queue (see core/events_setup.py) and `StreamWorker` reads it:
`ReceiveMessage(WaitTimeSeconds=20, MaxNumberOfMessages=10)`, each body parsed as an EventBridge envelope, handed
to the caller's `on_event`, then deleted. Facts (HYPERPOD-FACTS.md §5, HYPERPOD-FACTS-2.md §6):
- three detail-types matter: `SageMaker HyperPod Cluster State Change` (detail = the DescribeCluster shape),
  `… Cluster Node Health Event` (detail.HealthSummary; HealthStatusReason and EventTime may be null) and
  `… Cluster Event` (Continuous clusters; detail.EventDetails = ClusterEventDetail);
- DescribeClusterEvent takes `detail.EventDetails.EventId`, never the envelope `id` (that answers ResourceNotFound);
- the envelope carries every EventMetadata subtree as null today: the details come from DescribeClusterEvent;
- a time that is null falls back to the envelope's `time`.

A message that is not such an envelope (malformed JSON, a foreign source, an unknown detail-type, a missing
cluster) never enters the state: it is counted (`StreamStats.malformed`, with the last reason, for the
diagnostics line) and deleted, so it cannot come back forever. Queue errors (AccessDenied, no such queue,
throttling, the network) put the worker in `polling (reason)`: the app keeps its polls, the worker retries with
a growing backoff (1 s doubling to 60 s) and reports `live` again after the next good receive.

A queue serves one reader: SQS hands each message to one receiver, so two instances on one queue each see part of
the stream. A message whose ApproximateReceiveCount is above 1 was received before (by another reader, or by us
before a crash); it is counted in `StreamStats.redelivered` and the status line warns.

Exit: the worker's thread is a daemon and `stop()` never joins it; a 20-s long poll in flight is abandoned with
the process (as core/daemon_pool.py does for hung reads), so `q` is not held up. No Textual here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.core.wording import plural

SOURCE = "aws.sagemaker"
DETAIL_PREFIX = "SageMaker HyperPod"
STATE_CHANGE = "SageMaker HyperPod Cluster State Change"
NODE_HEALTH = "SageMaker HyperPod Cluster Node Health Event"
CLUSTER_EVENT = "SageMaker HyperPod Cluster Event"

WAIT_SECONDS = 20  # SQS's longest long poll
MAX_MESSAGES = 10  # SQS's most per receive
MAX_BODY = 256 * 1024  # SQS's largest message; anything longer is not from SQS
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
MIN_ROUND = 0.5  # seconds: the shortest receive round when nothing arrives

LIVE = "live"


class MalformedEvent(ValueError):
    """The message is not a HyperPod EventBridge envelope; the text says why (for the diagnostics line)."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every kind shares: the envelope's own fields and the cluster it is about."""

    kind: str  # the detail-type
    envelope_id: str  # EventBridge's id: for de-duplication only, never for DescribeClusterEvent
    time: float  # epoch seconds: the envelope's `time`
    region: str
    cluster_name: str
    cluster_arn: str
    detail: Mapping[str, Any]  # the parsed detail, as sent
    raw: Mapping[str, Any]  # the whole envelope, as sent (for --follow)


@dataclass(frozen=True, slots=True)
class StateChange:
    envelope: Envelope
    status: str  # ClusterStatus, "" when absent


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """A node health event, kept per node (`NodeHealthStore`) for the health column; every field may be empty."""

    envelope: Envelope
    instance_id: str
    health_status: str
    reason: str
    repair_action: str
    recommendation: str
    time: float  # detail.EventTime when given, else the envelope's time
    source: str = "eventbridge"


@dataclass(frozen=True, slots=True)
class StreamedClusterEvent:
    """A `Cluster Event` as the envelope gives it. `event_id` is detail.EventDetails.EventId: the one to pass to
    DescribeClusterEvent (the metadata here is usually all null; fetch the details)."""

    envelope: Envelope
    event_id: str
    instance_group: str
    instance_id: str
    resource_type: str
    level: str  # "" when the event has no EventLevel: shown as "–", never guessed
    description: str
    time: float  # EventDetails.EventTime when given, else the envelope's time
    metadata: Mapping[str, Any] | None  # EventDetails.EventDetails.EventMetadata, subtrees possibly all null


StreamItem = StateChange | NodeHealth | StreamedClusterEvent


def as_cluster_event(item: StreamedClusterEvent, cluster: str) -> Any:
    """The streamed event as the Events view's `core.events.ClusterEvent` (cleaned, the instance id read from the
    Description when the envelope has none, no level when it has none), under `cluster`: the key the app lists the
    cluster by (`name@region` in a fleet). None when it has no event id or time."""
    from datetime import UTC

    from tui.core.events import ClusterEvent

    return ClusterEvent.from_api(
        {
            "EventId": item.event_id,
            "EventTime": datetime.fromtimestamp(item.time, UTC) if item.time > 0 else None,
            "ClusterName": cluster,
            "ResourceType": item.resource_type,
            "EventLevel": item.level or None,
            "Description": item.description,
            "InstanceGroupName": item.instance_group or None,
            "InstanceId": item.instance_id or None,
        }
    )


def _text(value: object, limit: int = 2048) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _epoch_ms(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value) / 1000.0


def _iso(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo is not None else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_envelope(body: str | bytes) -> StreamItem:
    """One SQS body → a stream item; raises MalformedEvent for anything else."""
    if len(body) > MAX_BODY:
        raise MalformedEvent("body longer than an SQS message")
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEvent(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(envelope, dict):
        raise MalformedEvent("not a JSON object")
    if envelope.get("source") != SOURCE:
        raise MalformedEvent("not from aws.sagemaker")
    kind = envelope.get("detail-type")
    if kind not in (STATE_CHANGE, NODE_HEALTH, CLUSTER_EVENT):
        raise MalformedEvent("not a HyperPod detail-type")
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        raise MalformedEvent("no detail object")
    sent = _iso(envelope.get("time"))
    if sent is None:
        raise MalformedEvent("no envelope time")
    inner = _mapping(detail.get("EventDetails")) if kind == CLUSTER_EVENT else detail
    name = _text(inner.get("ClusterName"), 63)
    arn = _text(inner.get("ClusterArn"), 256)
    if not name and arn:
        name = arn.rsplit("/", 1)[-1]
    if not name:
        resources = envelope.get("resources")
        if isinstance(resources, list) and resources and isinstance(resources[0], str):
            arn = resources[0][:256]
            name = arn.rsplit("/", 1)[-1]
    if not name:
        raise MalformedEvent("no cluster named")
    base = Envelope(
        kind=kind,
        envelope_id=_text(envelope.get("id"), 128),
        time=sent,
        region=_text(envelope.get("region"), 32),
        cluster_name=name,
        cluster_arn=arn,
        detail=detail,
        raw=envelope,
    )
    if kind == STATE_CHANGE:
        return StateChange(envelope=base, status=_text(detail.get("ClusterStatus"), 64))
    if kind == NODE_HEALTH:
        summary = _mapping(detail.get("HealthSummary"))
        instance = _text(detail.get("InstanceId"), 64)
        if not instance:
            raise MalformedEvent("node health event without InstanceId")
        return NodeHealth(
            envelope=base,
            instance_id=instance,
            health_status=_text(summary.get("HealthStatus"), 64),
            reason=_text(summary.get("HealthStatusReason")),
            repair_action=_text(summary.get("RepairAction"), 64),
            recommendation=_text(summary.get("Recommendation")),
            time=_epoch_ms(detail.get("EventTime")) or sent,
        )
    event_id = _text(inner.get("EventId"), 256)
    if not event_id:
        raise MalformedEvent("cluster event without EventDetails.EventId")
    nested = _mapping(inner.get("EventDetails"))
    metadata = nested.get("EventMetadata")
    return StreamedClusterEvent(
        envelope=base,
        event_id=event_id,
        instance_group=_text(inner.get("InstanceGroupName"), 63),
        instance_id=_text(inner.get("InstanceId"), 64),
        resource_type=_text(inner.get("ResourceType"), 64),
        level=_text(inner.get("EventLevel"), 32),
        description=_text(inner.get("Description"), 4096),
        time=_epoch_ms(inner.get("EventTime")) or sent,
        metadata=metadata if isinstance(metadata, Mapping) else None,
    )


class NodeHealthStore:
    """The last node health event per (cluster, instance id), with where and when it came from. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_node: dict[tuple[str, str], NodeHealth] = {}

    def put(self, event: NodeHealth) -> None:
        key = (event.envelope.cluster_name, event.instance_id)
        with self._lock:
            known = self._by_node.get(key)
            if known is None or known.time <= event.time:  # SQS does not keep order: an older event never wins
                self._by_node[key] = event

    def get(self, cluster: str, instance_id: str) -> NodeHealth | None:
        with self._lock:
            return self._by_node.get((cluster, instance_id))

    def for_cluster(self, cluster: str) -> dict[str, NodeHealth]:
        """The last event per instance id of one cluster (by the name the envelope gave)."""
        with self._lock:
            return {instance: event for (name, instance), event in self._by_node.items() if name == cluster}

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_node)


@dataclass
class StreamStats:
    received: int = 0
    handled: int = 0
    malformed: int = 0
    redelivered: int = 0
    last_malformed: str = ""

    def diagnostics(self) -> str:
        """The one diagnostics line: empty while everything received was a good, first delivery."""
        parts = []
        if self.malformed:
            parts.append(
                f"{plural(self.malformed, 'malformed or foreign message')} ignored (last: {self.last_malformed})"
            )
        if self.redelivered:
            parts.append(
                f"{plural(self.redelivered, 'message')} received before: another reader may share this queue "
                "(a queue serves one instance)"
            )
        return "; ".join(parts)


def queue_error_reason(exc: BaseException) -> str:
    """A short reason for the header's `events: polling (reason)`."""
    code = ""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(_mapping(response.get("Error")).get("Code", ""))
    lowered = code.lower()
    if "nonexistentqueue" in lowered or "queuedoesnotexist" in lowered:
        return "queue not found"
    if "accessdenied" in lowered or "unauthorized" in lowered or lowered == "invalidclienttokenid":
        return "access denied"
    if "throttl" in lowered or lowered in ("requestthrottled", "toomanyrequests", "overlimit"):
        return "throttled"
    if code:
        return code[:40]
    name = type(exc).__name__
    if "Endpoint" in name or "Connect" in name or "Timeout" in name or isinstance(exc, OSError):
        return "network"
    return name[:40]


def resolve_queue_url(sqs: Any, value: str) -> str:
    """A queue URL as given, or the URL of a queue name (GetQueueUrl)."""
    if value.startswith(("https://", "http://")):
        return value
    return str(sqs.get_queue_url(QueueName=value)["QueueUrl"])


@dataclass
class StreamStatus:
    state: str = "polling (starting)"
    banner: str = ""  # the last queue error, for a banner; "" when live

    @property
    def live(self) -> bool:
        return self.state == LIVE

    def header(self) -> str:
        return f"events: {self.state}"


class StreamWorker:
    """Reads the queue until stopped. `on_event(item)` is called for each good message, in the worker's thread,
    before the message is deleted (an item the caller raised on is not deleted: SQS delivers it again).
    `on_status(status)` is called when the status changes. `sleep` and `clock` are for tests."""

    def __init__(
        self,
        sqs: Any,
        queue: str,
        *,
        on_event: Callable[[StreamItem], object],
        on_status: Callable[[StreamStatus], object] | None = None,
        wait_seconds: int = WAIT_SECONDS,
    ) -> None:
        self.sqs = sqs
        self.queue = queue
        self.queue_url = ""
        self.on_event = on_event
        self.on_status = on_status
        self.wait_seconds = wait_seconds
        self.stats = StreamStats()
        self.status = StreamStatus()
        self._stop = threading.Event()
        self.backoff = 0.0
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="hyperpod-event-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Never waits: a long poll in flight ends with the process (the thread is a daemon)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            handled = self.poll_once()
            if self.backoff:
                self._stop.wait(self.backoff)
            elif not handled and time.monotonic() - started < MIN_ROUND:
                # An empty answer that came back at once (a simulator, a proxy) must not become a busy loop.
                self._stop.wait(MIN_ROUND)

    # --- one round -----------------------------------------------------------------------------------------

    def _set_status(self, state: str, banner: str = "") -> None:
        if state == self.status.state and banner == self.status.banner:
            return
        self.status = StreamStatus(state=state, banner=banner)
        if self.on_status is not None:
            self.on_status(self.status)

    def _failed(self, exc: BaseException) -> None:
        reason = queue_error_reason(exc)
        self.backoff = min(BACKOFF_MAX, self.backoff * 2) if self.backoff else BACKOFF_FIRST
        if reason == "queue not found":
            self.queue_url = ""  # it may be created (events-setup --apply) while we wait
        self._set_status(
            f"polling ({reason})",
            f"event queue {self.queue}: {reason}; polling instead, retrying in {self.backoff:.0f} s",
        )

    def poll_once(self) -> int:
        """One receive and its deletes; returns the number of messages handled. Never raises for queue errors."""
        try:
            if not self.queue_url:
                self.queue_url = resolve_queue_url(self.sqs, self.queue)
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                WaitTimeSeconds=self.wait_seconds,
                MaxNumberOfMessages=MAX_MESSAGES,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        except Exception as exc:  # noqa: BLE001 - every queue failure: a banner and a retry, never a crash
            self._failed(exc)
            return 0
        if self._stop.is_set():
            return 0  # stopped during the poll: leave the messages for the next reader
        self.backoff = 0.0
        self._set_status(LIVE)
        messages = answer.get("Messages") if isinstance(answer, dict) else None
        handled = 0
        done: list[dict[str, str]] = []
        for index, message in enumerate(messages if isinstance(messages, list) else []):
            if not isinstance(message, dict):
                continue
            self.stats.received += 1
            handle = message.get("ReceiptHandle")
            count = _mapping(message.get("Attributes")).get("ApproximateReceiveCount", "1")
            if str(count).isdigit() and int(str(count)) > 1:
                self.stats.redelivered += 1
            try:
                item = parse_envelope(message.get("Body") or "")
            except MalformedEvent as exc:
                self.stats.malformed += 1
                self.stats.last_malformed = str(exc)
            else:
                try:
                    self.on_event(item)
                except Exception:  # noqa: BLE001 - the consumer failed: keep the message, SQS delivers it again
                    continue
                handled += 1
                self.stats.handled += 1
            if isinstance(handle, str):
                done.append({"Id": str(index), "ReceiptHandle": handle})
        if done:
            try:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
            except Exception as exc:  # noqa: BLE001 - redelivered later, and counted then
                self._failed(exc)
        return handled


def describe_args(item: StreamedClusterEvent) -> dict[str, str]:
    """The DescribeClusterEvent arguments for a streamed event: detail.EventDetails.EventId, never the envelope id."""
    return {"ClusterName": item.envelope.cluster_arn or item.envelope.cluster_name, "EventId": item.event_id}


__all__ = [
    "CLUSTER_EVENT",
    "NODE_HEALTH",
    "STATE_CHANGE",
    "Envelope",
    "MalformedEvent",
    "NodeHealth",
    "NodeHealthStore",
    "StateChange",
    "StreamItem",
    "StreamStats",
    "StreamStatus",
    "StreamWorker",
    "StreamedClusterEvent",
    "describe_args",
    "parse_envelope",
    "queue_error_reason",
    "resolve_queue_url",
]
