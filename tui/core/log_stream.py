"""Reading CloudWatch Logs streams: typed errors, paging from the head, and follow mode.

The boto3 `logs` client is injected. Every AWS failure becomes a `LogsError` whose message is one line.
Where a node's log is, is `tui.core.log_locator`'s job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

# ---------------------------------------------------------------------------------------------------------
# Errors


class LogsError(Exception):
    """A CloudWatch Logs failure as one readable line. `code` is the AWS error code (or the botocore class)."""

    def __init__(self, message: str, code: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.operation = operation

    def __str__(self) -> str:
        return self.message


class LogNotFoundError(LogsError):
    pass


class LogAccessDeniedError(LogsError):
    pass


class LogThrottledError(LogsError):
    pass


class LogConnectionError(LogsError):
    pass


_DENIED = {
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
}
_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def logs_error(error: Exception, operation: str, target: str = "") -> LogsError:
    """Map a botocore exception to a typed `LogsError` whose message is one line."""
    where = f"{operation} {target}".strip()
    if isinstance(error, LogsError):
        return error
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "")) or "ClientError"
        text = _one_line(details.get("Message") or "")
        if code == "ResourceNotFoundException":
            return LogNotFoundError(f"{where}: not found ({text or 'no such log group or stream'})", code, operation)
        if code in _DENIED:
            hint = (
                "credentials expired or invalid"
                if "Token" in code or "Signature" in code or "Client" in code
                else (f"your credentials lack permission for logs:{operation}")
            )
            return LogAccessDeniedError(f"{where}: access denied, {hint} ({code})", code, operation)
        if code in _THROTTLED:
            return LogThrottledError(
                f"{where}: throttled by CloudWatch Logs even after retries; try again shortly ({code})", code, operation
            )
        return LogsError(f"{where}: {text or 'request failed'} ({code})", code, operation)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return LogAccessDeniedError(
            f"{where}: no usable AWS credentials ({type(error).__name__})", type(error).__name__, operation
        )
    if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return LogConnectionError(
            f"{where}: cannot reach CloudWatch Logs ({_one_line(error)})", type(error).__name__, operation
        )
    if isinstance(error, BotoCoreError):
        return LogsError(f"{where}: {_one_line(error)}", type(error).__name__, operation)
    return LogsError(f"{where}: {type(error).__name__}: {_one_line(error)}", type(error).__name__, operation)


# ---------------------------------------------------------------------------------------------------------
# Reading and following a stream


@dataclass(frozen=True)
class ReadLimits:
    """Where one read (a load, or one follow poll) stops, whatever the server keeps answering.

    GetLogEvents answers at most 10,000 events and 1 MB a page, and at the end of a stream gives back the forward
    token it was passed. A server that hands out a new token on every page, with or without events, would keep
    a reader going forever: the caps end the read and say why, keeping what arrived. A page that brings no events
    is no progress even when its token is new.
    """

    max_pages: int
    max_seconds: float
    max_bytes: int  # message characters, summed over the read
    max_empty_pages: int  # consecutive pages without events; 1: the first empty page ends the read quietly


# A load reads the stream from its head: 100 full pages is a million events, far beyond a lifecycle log.
LOAD_LIMITS = ReadLimits(max_pages=100, max_seconds=45.0, max_bytes=32 * 1024 * 1024, max_empty_pages=20)
# A follow poll fetches what was appended since the last one (a few pages at most); the next poll resumes.
FOLLOW_LIMITS = ReadLimits(max_pages=10, max_seconds=10.0, max_bytes=8 * 1024 * 1024, max_empty_pages=1)
FOLLOW_BACKOFF_MAX = 60.0  # seconds between follow polls at most while CloudWatch throttles


def follow_delay(interval: float, throttles: int) -> float:
    """Seconds until the next follow poll after `throttles` throttled polls in a row (doubling, capped)."""
    if throttles <= 0:
        return interval
    return min(FOLLOW_BACKOFF_MAX, interval * float(2 ** min(throttles, 16)))


def _stop_reason(limits: ReadLimits, pages: int, empty: int, size: int, elapsed: float) -> str | None:
    """None: read on. "": the read is over with nothing to report. Otherwise why the read was cut short."""
    if empty >= limits.max_empty_pages:
        return "" if empty == 1 else f"stopped after {pages:,} pages: the last {empty} brought no events"
    if pages >= limits.max_pages:
        return f"stopped after {pages:,} pages (at most {limits.max_pages:,} per read)"
    if size >= limits.max_bytes:
        return f"stopped after {pages:,} pages ({limits.max_bytes // (1024 * 1024)} MB read)"
    if elapsed >= limits.max_seconds:
        return f"stopped after {pages:,} pages ({limits.max_seconds:g} s)"
    return None


class LogEvent(NamedTuple):
    timestamp: int
    message: str
    ingestion_time: int | None = None


@dataclass(frozen=True)
class LogPage:
    events: tuple[LogEvent, ...]
    next_token: str | None
    number: int  # 1-based page number among the pages yielded
    stopped: str = ""  # set on the last page when a cap (ReadLimits) ended the read: "stopped after N pages …"


def _events(response: dict[str, Any]) -> tuple[LogEvent, ...]:
    return tuple(
        LogEvent(int(event.get("timestamp", 0)), str(event.get("message", "")), event.get("ingestionTime"))
        for event in response.get("events", ())
    )


def iter_log_pages(
    client: Any,
    group: str,
    stream: str,
    *,
    token: str | None = None,
    limit: int | None = None,
    limits: ReadLimits = LOAD_LIMITS,
    should_stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[LogPage]:
    """Every event of a stream, oldest first, page by page (GetLogEvents with startFromHead), within `limits`.

    Follows `nextForwardToken` until it comes back unchanged, which is how CloudWatch says "the end", or until a
    cap of `limits` ends the read: the last page then carries the reason in `stopped`. The first page is always
    yielded (possibly empty) so a UI can show something at once; later empty pages are not, unless they carry
    the reason. `should_stop` is asked before every request (a closed screen, a cancelled worker): True ends the
    read at once. Raises `LogsError` (typed) on any AWS failure.
    """
    request: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
    if limit:
        request["limit"] = limit
    started = clock()
    number = requests = empty = size = 0
    while True:
        if should_stop is not None and should_stop():
            return
        params = {**request, "nextToken": token} if token else request
        try:
            response = client.get_log_events(**params)
        except Exception as error:
            raise logs_error(error, "GetLogEvents", f"{group} {stream}") from error
        requests += 1
        events = _events(response)
        new_token = response.get("nextForwardToken")
        size += sum(len(event.message) for event in events)
        empty = 0 if events else empty + 1
        end = not new_token or new_token == token
        reason = None if end else _stop_reason(limits, requests, empty, size, clock() - started)
        if events or number == 0 or reason:
            number += 1
            yield LogPage(events, new_token or token, number, reason or "")
        if end or reason is not None:
            return
        token = new_token


def fetch_log(client: Any, group: str, stream: str, *, limit: int | None = None) -> tuple[list[LogEvent], str | None]:
    """All events of a stream and the final forward token (hand it to `LogFollower`)."""
    events: list[LogEvent] = []
    token: str | None = None
    for page in iter_log_pages(client, group, stream, limit=limit):
        events.extend(page.events)
        token = page.next_token
    return events, token


@dataclass(frozen=True)
class FollowResult:
    events: tuple[LogEvent, ...]
    token: str | None
    error: LogsError | None = None
    stopped: str = ""  # the poll was cut short by a cap (the next poll resumes after what arrived)


class LogFollower:
    """Fetches what was appended since the last forward token. Call `poll()` from a worker thread.

    `poll` never raises for AWS failures: it returns them in `FollowResult.error` and keeps the token, so
    the next poll resumes where the last good one ended (a throttle does not lose events).
    """

    def __init__(
        self,
        client: Any,
        group: str,
        stream: str,
        token: str | None = None,
        *,
        limit: int | None = None,
        limits: ReadLimits = FOLLOW_LIMITS,
    ) -> None:
        self.client, self.group, self.stream = client, group, stream
        self.token = token
        self.limit = limit
        self.limits = limits
        self.throttles = 0  # throttled polls in a row: `follow_delay` spaces the next ones out

    def poll(self, should_stop: Callable[[], bool] | None = None) -> FollowResult:
        collected: list[LogEvent] = []
        token = self.token
        stopped = ""
        try:
            for page in iter_log_pages(
                self.client,
                self.group,
                self.stream,
                token=token,
                limit=self.limit,
                limits=self.limits,
                should_stop=should_stop,
            ):
                collected.extend(page.events)
                token = page.next_token
                stopped = page.stopped
        except LogsError as error:
            self.throttles = self.throttles + 1 if isinstance(error, LogThrottledError) else 0
            if collected:  # keep what arrived; resume after it
                self.token = token
            return FollowResult(tuple(collected), self.token, error)
        self.throttles = 0
        self.token = token
        return FollowResult(tuple(collected), token, stopped=stopped)

    def next_delay(self, interval: float) -> float:
        return follow_delay(interval, self.throttles)


def stream_exists(client: Any, group: str, stream: str) -> bool:
    """True if the stream can be read (GetLogEvents, limit 1: needs no Describe* permission)."""
    try:
        client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=1)
    except Exception as error:
        mapped = logs_error(error, "GetLogEvents", f"{group} {stream}")
        if isinstance(mapped, LogNotFoundError):
            return False
        raise mapped from error
    return True
