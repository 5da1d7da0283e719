"""Reading CloudWatch Logs streams: typed errors, paging from the head, and follow mode.

The boto3 `logs` client is injected. Every AWS failure becomes a `LogsError` whose message is one line.
Where a node's log is, is `tui.core.log_locator`'s job.
"""

from __future__ import annotations

from collections.abc import Iterator
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


class LogEvent(NamedTuple):
    timestamp: int
    message: str
    ingestion_time: int | None = None


@dataclass(frozen=True)
class LogPage:
    events: tuple[LogEvent, ...]
    next_token: str | None
    number: int  # 1-based page number among the pages yielded


def _events(response: dict[str, Any]) -> tuple[LogEvent, ...]:
    return tuple(
        LogEvent(int(event.get("timestamp", 0)), str(event.get("message", "")), event.get("ingestionTime"))
        for event in response.get("events", ())
    )


def iter_log_pages(
    client: Any, group: str, stream: str, *, token: str | None = None, limit: int | None = None
) -> Iterator[LogPage]:
    """Every event of a stream, oldest first, page by page (GetLogEvents with startFromHead).

    Follows `nextForwardToken` until it comes back unchanged, which is how CloudWatch says "the end". The first
    page is always yielded (possibly empty) so a UI can show something at once; later empty pages are not.
    Raises `LogsError` (typed) on any AWS failure.
    """
    request: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
    if limit:
        request["limit"] = limit
    number = 0
    while True:
        params = {**request, "nextToken": token} if token else request
        try:
            response = client.get_log_events(**params)
        except Exception as error:
            raise logs_error(error, "GetLogEvents", f"{group} {stream}") from error
        events = _events(response)
        new_token = response.get("nextForwardToken")
        if events or number == 0:
            number += 1
            yield LogPage(events, new_token or token, number)
        if not new_token or new_token == token:
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


class LogFollower:
    """Fetches what was appended since the last forward token. Call `poll()` from a worker thread.

    `poll` never raises for AWS failures: it returns them in `FollowResult.error` and keeps the token, so
    the next poll resumes where the last good one ended (a throttle does not lose events).
    """

    def __init__(
        self, client: Any, group: str, stream: str, token: str | None = None, *, limit: int | None = None
    ) -> None:
        self.client, self.group, self.stream = client, group, stream
        self.token = token
        self.limit = limit

    def poll(self) -> FollowResult:
        collected: list[LogEvent] = []
        token = self.token
        try:
            for page in iter_log_pages(self.client, self.group, self.stream, token=token, limit=self.limit):
                collected.extend(page.events)
                token = page.next_token
        except LogsError as error:
            if collected:  # keep what arrived; resume after it
                self.token = token
            return FollowResult(tuple(collected), self.token, error)
        self.token = token
        return FollowResult(tuple(collected), token)


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
