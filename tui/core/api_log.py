"""Every AWS call the app makes, as lazygit's command log: a bounded ring buffer fed by botocore's events.

`install(client)` registers on a client's event system: `before-call` (registered first, so a handler that
answers the call itself, as the simulator's does, still comes after) stamps the start; `needs-retry` counts the
attempts; `after-call` (an answer, error or not) and `after-call-error` (no answer: a timeout, a refused
connection) record one `ApiCall`. Nothing from the request is kept but its operation: never parameters,
headers or credentials. No Textual here; the screen is tui/screens/api_log.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

CAPACITY = 2000
_logger = logging.getLogger("tui.api")
_STARTED = "hyperpod_api_log_started"
_ATTEMPTS = "hyperpod_api_log_attempts"
_OPERATION = "hyperpod_api_log_operation"


@dataclass(frozen=True, slots=True)
class ApiCall:
    seq: int  # 1-based, in the order calls finished
    time: float  # when the call started (wall clock)
    service: str
    operation: str
    region: str
    duration: float  # seconds, every attempt included
    outcome: str  # "ok", or the error code (HTTP answers) or exception class (no answer)
    retries: int
    request_id: str

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def haystack(self) -> str:
        return f"{self.service} {self.operation} {self.region} {self.outcome} {self.request_id}".casefold()


class ApiLog:
    """Thread-safe ring buffer of the last `capacity` calls; `version` grows with every call recorded."""

    def __init__(self, capacity: int = CAPACITY, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self._calls: deque[ApiCall] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._clock = clock
        self.version = 0

    def __len__(self) -> int:
        return len(self._calls)

    def record(self, **fields: Any) -> ApiCall:
        with self._lock:
            self.version += 1
            call = ApiCall(seq=self.version, **fields)
            self._calls.append(call)
        _logger.debug(
            "%s %s %s %.0f ms %s retries=%d request_id=%s",
            call.service,
            call.operation,
            call.region,
            call.duration * 1000,
            call.outcome,
            call.retries,
            call.request_id,
        )
        return call

    def calls(self, query: str = "") -> list[ApiCall]:
        """The calls kept, oldest first; with `query`, those whose service, operation, region, outcome or request
        id contain it (case-insensitive), or whose outcome is an error when the query is `error`/`!ok`."""
        with self._lock:
            calls = list(self._calls)
        needle = query.strip().casefold()
        if not needle:
            return calls
        if needle in ("error", "errors", "!ok"):
            return [call for call in calls if not call.ok]
        return [call for call in calls if needle in call.haystack()]

    def clock(self) -> float:
        return self._clock()

    def __iter__(self) -> Iterator[ApiCall]:
        return iter(self.calls())


_DEFAULT = ApiLog()


def default_log() -> ApiLog:
    """The process's log: every facade's clients record here, and the screen reads it."""
    return _DEFAULT


def install(client: Any, log: ApiLog | None = None) -> None:
    """Record every call `client` makes into `log` (the process's log by default)."""
    log = _DEFAULT if log is None else log  # an empty ApiLog is falsy (it has a length)
    events = client.meta.events
    service = str(client.meta.service_model.service_name)
    region = str(client.meta.region_name or "")

    def started(model: Any = None, context: dict[str, Any] | None = None, **_: Any) -> None:
        if isinstance(context, dict):
            context[_STARTED] = (log.clock(), time.monotonic())
            context[_ATTEMPTS] = 1
            context[_OPERATION] = str(getattr(model, "name", "") or "")

    def retrying(attempts: int = 1, request_dict: dict[str, Any] | None = None, **_: Any) -> None:
        context = (request_dict or {}).get("context")
        if isinstance(context, dict) and isinstance(attempts, int):
            context[_ATTEMPTS] = max(context.get(_ATTEMPTS, 1), attempts)

    def finished(outcome: str, request_id: str, retries: int | None, context: dict[str, Any]) -> None:
        when, monotonic = context.get(_STARTED) or (log.clock(), time.monotonic())
        if retries is None:
            retries = max(0, int(context.get(_ATTEMPTS, 1)) - 1)
        log.record(
            time=when,
            service=service,
            operation=str(context.get(_OPERATION) or ""),
            region=region,
            duration=max(0.0, time.monotonic() - monotonic),
            outcome=outcome,
            retries=retries,
            request_id=request_id,
        )

    def answered(
        http_response: Any = None, parsed: Any = None, model: Any = None, context: Any = None, **_: Any
    ) -> None:
        parsed = parsed if isinstance(parsed, dict) else {}
        meta = parsed.get("ResponseMetadata") or {}
        status = getattr(http_response, "status_code", 200) or 200
        error = parsed.get("Error") or {}
        outcome = "ok" if status < 300 else str(error.get("Code") or f"HTTP {status}")
        retries = meta.get("RetryAttempts")
        finished(
            outcome,
            str(meta.get("RequestId") or ""),
            retries if isinstance(retries, int) else None,
            context if isinstance(context, dict) else {},
        )

    def failed(exception: BaseException | None = None, context: Any = None, **_: Any) -> None:
        outcome = type(exception).__name__ if exception is not None else "Error"
        finished(outcome, "", None, context if isinstance(context, dict) else {})

    events.register_first("before-call", started, unique_id=f"hyperpod-api-log-start-{id(log)}")
    events.register("needs-retry", retrying, unique_id=f"hyperpod-api-log-retry-{id(log)}")
    events.register_last("after-call", answered, unique_id=f"hyperpod-api-log-done-{id(log)}")
    events.register_last("after-call-error", failed, unique_id=f"hyperpod-api-log-error-{id(log)}")
