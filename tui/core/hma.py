"""The health-monitoring agent's detection records, read cluster-wide from CloudWatch Logs, kept per node.

One FilterLogEvents sweep covers every node of a cluster: the cluster's log group
(`/aws/sagemaker/Clusters/<name>/<id>`), `logStreamNamePrefix="SagemakerHealthMonitoringAgent"` and the filter
pattern `{ $.HealthMonitoringAgentDetectionEvent = "HealthEvent" }` (HYPERPOD-FACTS-2 §6.3: the one the DevOps-agent
stack uses, since Slurm clusters emit no EventBridge event for HMA faults). Sweeps are incremental: the first looks
back `FIRST_LOOKBACK`, each next one starts at the newest timestamp already read (FilterLogEvents answers in time
order) and skips the events already kept at that millisecond. A sweep is bounded (`SweepLimits`: pages, message
bytes, seconds; a token handed back unchanged ends it too); a cut sweep keeps what it read and the next resumes.
The server's filter is not trusted: each record is checked again (`health.parse_hma_record`), so an endpoint that
ignores the pattern or the prefix (moto does both) still yields only detection records, from agent streams.

`HmaBook` holds one cluster's signals (at most `PER_NODE` per node, `MAX_NODES` nodes, `MAX_SIGNALS` in all:
bounded memory) and its
cursor; it is shared by the refresh worker and the UI thread (the detail view), so its data sits behind a lock held
only for copies, and a second sweep of the same cluster while one runs is skipped, never waited for.
A failure (no log group yet, access denied, throttling) never raises out of `sweep`: the book keeps its signals
and says why in `problem`. No Textual here; call `sweep` from a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tui.core.health import (
    HealthContext,
    Signal,
    event_signal,
    eventbridge_signal,
    hma_instance,
    parse_hma_record,
)
from tui.core.health_results import RESULTS_PREFIX, parse_results_record

# One kind of record a sweep reads: (event message, timestamp ms, stream name) → (instance id, signal) or None.
Reader = Callable[[object, int, object], "tuple[str, Signal] | None"]

HEALTH_AGENT = "SagemakerHealthMonitoringAgent"  # as core/log_locator.py (which loads botocore: not at start-up)

HMA_FILTER = '{ $.HealthMonitoringAgentDetectionEvent = "HealthEvent" }'
FIRST_LOOKBACK = 7 * 86_400.0  # seconds the first sweep looks back
PER_NODE = 20  # signals kept per node (the newest)
MAX_NODES = 20_000  # nodes a book keeps signals for; records about others are counted, not kept
MAX_SIGNALS = 50_000  # signals a book keeps in all (each text ≤ 500 characters: tens of MB at worst)


@dataclass(frozen=True)
class SweepLimits:
    max_pages: int = 20
    max_bytes: int = 4 * 1024 * 1024  # message characters summed over a sweep
    max_seconds: float = 10.0


SWEEP_LIMITS = SweepLimits()


@dataclass(frozen=True)
class SweepResult:
    pages: int = 0
    events: int = 0  # events the server answered with
    kept: int = 0  # new detection records kept
    stopped: str = ""  # why the sweep was cut short ("" when it reached the end)
    problem: str = ""  # why it failed ("" when it did not)
    events_kept: int = 0  # new signals from cluster events (a Continuous cluster's Instance events)


class HmaBook:
    """One cluster's HMA signals per instance id, and where the next sweep starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sweeping = threading.Lock()
        self._signals: dict[str, deque[Signal]] = {}
        self.cursor_ms: int | None = None  # the newest event timestamp read
        self._seen_at_cursor: set[str] = set()  # event ids read at cursor_ms (the next sweep starts there again)
        self.swept_at: float | None = None  # when the last sweep started (the caller's clock)
        self.last: SweepResult | None = None
        self.dropped = 0  # records about nodes past MAX_NODES, or past MAX_SIGNALS
        self._count = 0

    def due(self, now: float, interval: float) -> bool:
        return self.swept_at is None or now - self.swept_at >= interval

    def signals(self) -> dict[str, tuple[Signal, ...]]:
        with self._lock:
            return {instance: tuple(kept) for instance, kept in self._signals.items()}

    def signals_for(self, instance_id: str) -> tuple[Signal, ...]:
        with self._lock:
            return tuple(self._signals.get(instance_id, ()))

    @property
    def problem(self) -> str:
        last = self.last
        return last.problem if last is not None else ""

    def keep(self, instance: str, signal: Signal) -> bool:
        """Add one signal about `instance` (a cluster event, say); False when it was known or the book is full."""
        return self._keep(instance, signal)

    def _keep(self, instance: str, signal: Signal) -> bool:
        with self._lock:
            kept = self._signals.get(instance)
            if kept is not None and signal in kept:
                return False
            full = kept is not None and len(kept) == PER_NODE  # appending evicts the node's oldest
            if (kept is None and len(self._signals) >= MAX_NODES) or (not full and self._count >= MAX_SIGNALS):
                self.dropped += 1
                return False
            if kept is None:
                kept = self._signals[instance] = deque(maxlen=PER_NODE)
            kept.append(signal)
            self._count += 0 if full else 1
            return True


def _event_id(event: Mapping[str, Any]) -> str:
    value = event.get("eventId")
    if isinstance(value, str) and value:
        return value[:128]
    return f"{event.get('logStreamName')}\0{event.get('timestamp')}\0{hash(str(event.get('message'))[:512])}"


def read_hma(message: object, stamp: int, stream: object) -> tuple[str, Signal] | None:
    instance = hma_instance(stream)
    signal = parse_hma_record(message, stamp) if instance else None
    return (instance, signal) if signal is not None else None


@dataclass(frozen=True)
class RecordKind:
    """What one sweep reads: the stream-name prefix, the filter pattern ("" for none) and the record reader."""

    prefix: str
    pattern: str
    read: Reader


def read_results(message: object, stamp: int, stream: object) -> tuple[str, Signal] | None:
    # The server's prefix is not trusted either (moto ignores it): only results streams' lines are results.
    if not isinstance(stream, str) or not stream.startswith(RESULTS_PREFIX):
        return None
    return parse_results_record(message, stamp, stream)


HMA_RECORDS = RecordKind(HEALTH_AGENT, HMA_FILTER, read_hma)
# Deep-health-check results (core/health_results.py): every line of those streams, no filter pattern.
DHC_RECORDS = RecordKind(RESULTS_PREFIX, "", read_results)


def sweep(
    client: Any,
    group: str,
    book: HmaBook,
    *,
    now: float,
    limits: SweepLimits = SWEEP_LIMITS,
    should_stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
    kind: RecordKind = HMA_RECORDS,
) -> SweepResult | None:
    """Read the records (`kind`: HMA detections by default) added since the book's cursor into the book. None when
    another sweep of this book is running (this one is skipped). `now` (epoch seconds) places the first sweep's
    look-back."""
    if not book._sweeping.acquire(blocking=False):
        return None
    try:
        book.swept_at = now
        result = _sweep(client, group, book, now=now, limits=limits, should_stop=should_stop, clock=clock, kind=kind)
        book.last = result
        return result
    finally:
        book._sweeping.release()


def _sweep(
    client: Any,
    group: str,
    book: HmaBook,
    *,
    now: float,
    limits: SweepLimits,
    should_stop: Callable[[], bool] | None,
    clock: Callable[[], float],
    kind: RecordKind = HMA_RECORDS,
) -> SweepResult:
    from tui.core.log_stream import logs_error

    start_ms = book.cursor_ms if book.cursor_ms is not None else max(0, int((now - FIRST_LOOKBACK) * 1000))
    request: dict[str, Any] = {
        "logGroupName": group,
        "logStreamNamePrefix": kind.prefix,
        "startTime": start_ms,
    }
    if kind.pattern:
        request["filterPattern"] = kind.pattern
    started = clock()
    pages = events = kept = size = 0
    token: str | None = None
    cursor = book.cursor_ms
    seen = set(book._seen_at_cursor)
    stopped = problem = ""
    while True:
        if should_stop is not None and should_stop():
            stopped = "stopped"
            break
        try:
            answer = client.filter_log_events(**({**request, "nextToken": token} if token else request))
        except Exception as error:  # noqa: BLE001 - every failure is the book's problem, never the refresh's
            problem = logs_error(error, "FilterLogEvents", group).message
            break
        pages += 1
        page = answer.get("events") if isinstance(answer, dict) else None
        for event in page if isinstance(page, list) else ():
            if not isinstance(event, dict):
                continue
            events += 1
            message = event.get("message")
            stamp = event.get("timestamp")
            if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp < 0:
                continue
            size += len(message) if isinstance(message, str) else 0
            identity = _event_id(event)
            if cursor is not None and stamp < cursor:
                continue  # before the cursor: read in an earlier sweep
            if stamp == cursor and identity in seen:
                continue
            if cursor is None or stamp > cursor:
                cursor, seen = stamp, set()
            seen.add(identity)
            found = kind.read(message, stamp, event.get("logStreamName"))
            if found is not None and book._keep(*found):
                kept += 1
        next_token = answer.get("nextToken") if isinstance(answer, dict) else None
        if not isinstance(next_token, str) or not next_token or next_token == token:
            break
        token = next_token
        if pages >= limits.max_pages:
            stopped = f"stopped after {pages} pages"
        elif size >= limits.max_bytes:
            stopped = f"stopped after {limits.max_bytes // (1024 * 1024)} MB"
        elif clock() - started >= limits.max_seconds:
            stopped = f"stopped after {limits.max_seconds:g} s"
        if stopped:
            break
    book.cursor_ms = cursor
    book._seen_at_cursor = seen
    return SweepResult(pages, events, kept, stopped, problem)


class HmaBooks:
    """Every cluster's book, by the key the app lists the cluster by. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._books: dict[str, HmaBook] = {}
        self._results: dict[str, HmaBook] = {}  # deep-health-check results, their own cursor

    def book(self, cluster: str) -> HmaBook:
        with self._lock:
            found = self._books.get(cluster)
            if found is None:
                found = self._books[cluster] = HmaBook()
            return found

    def get(self, cluster: str) -> HmaBook | None:
        with self._lock:
            return self._books.get(cluster)

    def results(self, cluster: str) -> HmaBook:
        """The cluster's deep-health-check results (DHC_RECORDS), swept with its HMA records."""
        with self._lock:
            found = self._results.get(cluster)
            if found is None:
                found = self._results[cluster] = HmaBook()
            return found

    def get_results(self, cluster: str) -> HmaBook | None:
        with self._lock:
            return self._results.get(cluster)


def _read_instance_events(member: Any, name: str, book: HmaBook) -> int:
    """One page of the cluster's newest Instance events (ListClusterEvents) into the book; how many were new."""
    from tui.core.events import list_events

    try:
        events = list_events(member.client("sagemaker"), name, resource_type="Instance", page_cap=1, newest_only=True)
    except Exception:  # noqa: BLE001 - auxiliary, as the sweep: the verdicts use what is known
        return 0
    kept = 0
    for event in events:
        signal = event_signal(event)
        if signal is not None and event.instance_id and book.keep(event.instance_id, signal):
            kept += 1
    return kept


@dataclass(frozen=True)
class HealthSources:
    """What a refresh reads node health from besides the listing: the HMA books (swept here, for the focused
    cluster, at most once per `interval`) and the live stream's node health events (core/event_stream.py
    NodeHealthStore, or None without a stream). Both are thread-safe: the refresh worker reads them while the UI
    thread adds to them; a RefreshInput carries this object, not copies."""

    books: HmaBooks
    eventbridge: Any = None  # NodeHealthStore: .for_cluster(name) -> {instance id: NodeHealth}
    slurm: Any = None  # core/slurm.SlurmSignals: .for_cluster(name) -> {instance id: Signal}
    interval: float = 30.0
    kube: Any = None  # core/kube_book.py KubeBooks: EKS clusters' Kubernetes views (signals and K8S cells)

    def sweep_if_due(self, api: Any, detail: Any, now: float) -> SweepResult | None:
        """Sweep the cluster's HMA records when its last sweep is `interval` old, and (a Continuous cluster) read
        one page of its newest Instance events into the book (`health.event_signal`: Error-level ones are faults,
        a reboot or replacement that succeeded is an ok signal). Never raises: a cluster whose log group cannot be
        named, or an API without a logs client, is skipped."""
        book = self.books.book(detail.name)
        if not book.due(now, self.interval):
            return None
        from tui.core.models import arn_last_segment

        try:
            resolve = getattr(api, "resolve", None)
            member, name = resolve(detail.name) if resolve is not None else (api, detail.name)
            cluster_id = arn_last_segment(detail.arn)
            if not cluster_id:
                return None
            client = member.client("logs")
        except Exception:  # noqa: BLE001 - health is auxiliary: the listing goes on without it
            return None
        log_group = f"/aws/sagemaker/Clusters/{name}/{cluster_id}"
        result = sweep(client, log_group, book, now=now)
        results = sweep(client, log_group, self.books.results(detail.name), now=now, kind=DHC_RECORDS)
        if result is not None and results is not None and results.kept:
            result = replace(result, kept=result.kept + results.kept)
            book.last = result
        if result is not None and getattr(detail, "node_provisioning_mode", "") == "Continuous":
            result = replace(result, events_kept=_read_instance_events(member, name, book))
            book.last = result
        return result

    def context(self, detail: Any, now: float) -> HealthContext:
        """The cluster's signals per instance id (HMA records, EventBridge events) for `health.node_verdict`."""
        signals: dict[str, list[Signal]] = {}
        for book in (self.books.get(detail.name), self.books.get_results(detail.name)):
            for instance, kept in book.signals().items() if book is not None else ():
                signals.setdefault(instance, []).extend(kept)
        if self.eventbridge is not None:
            from tui.core.fleet import real_name

            for instance, event in self.eventbridge.for_cluster(real_name(detail.name)).items():
                signal = eventbridge_signal(event)
                if signal is not None:
                    signals.setdefault(instance, []).append(signal)
        if self.slurm is not None:
            for instance, signal in self.slurm.for_cluster(detail.name).items():
                signals.setdefault(instance, []).append(signal)
        kube = self.kube
        kube_cells = kube.merge_into(detail.name, signals, detail.node_recovery) if kube is not None else {}
        return HealthContext(node_recovery=detail.node_recovery, now=now, signals=signals, kube_cells=kube_cells)


__all__ = [
    "DHC_RECORDS",
    "FIRST_LOOKBACK",
    "HMA_FILTER",
    "HMA_RECORDS",
    "RecordKind",
    "HealthSources",
    "HmaBook",
    "HmaBooks",
    "SweepLimits",
    "SweepResult",
    "sweep",
]
