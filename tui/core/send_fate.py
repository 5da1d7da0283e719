"""What a failed mutating call says about whether AWS executed it: answered, never sent, or unknown.

A ClientError is an answer (AWS refused or failed the call). botocore raises EndpointConnectionError and
ConnectTimeoutError only when it could not connect, and parameter, credential and region errors before it builds
the request: those were never sent. Anything else after the request was handed to the HTTP layer (read timeout,
connection closed, …) leaves the outcome unknown. `SendProbe`, a `before-send` handler, tells the last two apart
for errors botocore raises on the way (e.g. while signing). docs/aws-facts.md has the sources.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from botocore import exceptions as bx
from botocore.exceptions import ClientError

from tui.core.errors import THROTTLE_CODES

ANSWERED, NOT_SENT, UNKNOWN = "answered", "not sent", "unknown"


# botocore raises these only when it could not connect (NewConnectionError, a failed name lookup, a connect
# timeout) or before it built the request: nothing reached AWS.
_NEVER_SENT_ERRORS: tuple[type[BaseException], ...] = (
    bx.EndpointConnectionError,
    bx.ConnectTimeoutError,
    bx.ParamValidationError,
    bx.NoCredentialsError,
    bx.PartialCredentialsError,
    bx.NoRegionError,
)
_SERVER_ERROR_CODES = frozenset({"InternalFailure", "InternalServerError", "ServiceUnavailable"})


class SendProbe:
    """A botocore `before-send` handler: whether this thread's request was handed to the HTTP layer."""

    def __init__(self) -> None:
        self._local = threading.local()

    def arm(self) -> None:
        self._local.sent = False

    @property
    def sent(self) -> bool:
        return bool(getattr(self._local, "sent", False))

    def __call__(self, **_kwargs: Any) -> None:
        self._local.sent = True


_probes: weakref.WeakKeyDictionary[Any, SendProbe] = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def probe_for(client: Any) -> SendProbe | None:
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return None  # not a botocore client (a test double): judged by the exception alone
    with _probes_lock:
        probe = _probes.get(client)
        if probe is None:
            probe = SendProbe()
            # First, so that it runs before any handler that answers or fails the request in its place.
            events.register_first("before-send", probe, unique_id="hyperpod-tui-send-probe")
            _probes[client] = probe
        return probe


def fate(error: BaseException, sent: bool | None) -> str:
    """ANSWERED | NOT_SENT | UNKNOWN; `sent` is the probe's word (None: no probe on that client)."""
    if isinstance(error, ClientError):
        return ANSWERED
    if isinstance(error, _NEVER_SENT_ERRORS) or sent is False:
        return NOT_SENT
    return UNKNOWN  # read timeout, connection closed or reset after sending, anything else


def retryable(error: BaseException) -> bool:
    """Throttling or a 5xx answer: AWS did not do it, and may if asked again later."""
    if not isinstance(error, ClientError):
        return False
    response = error.response if isinstance(error.response, dict) else {}
    code = str((response.get("Error") or {}).get("Code", ""))
    status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
    return code in THROTTLE_CODES or code in _SERVER_ERROR_CODES or status >= 500
