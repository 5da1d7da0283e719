"""The AWS JSON 1.1 wire protocol, both directions, shared by the in-process hook and the HTTP server.

A request is `POST` with `X-Amz-Target: <TargetPrefix>.<Operation>` and a JSON body; a reply is JSON with
timestamps as epoch-second numbers; an error is a 4xx/5xx whose body is `{"__type": code, "message": ...}`
with the same code in `x-amzn-ErrorType`.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass

from tui.sim.errors import SimError

CONTENT_TYPE = "application/x-amz-json-1.1"

# botocore's service name -> the targetPrefix in its service model (checked by a test against botocore).
TARGET_PREFIXES = {
    "sagemaker": "SageMaker",
    "logs": "Logs_20140328",
    "ssm": "AmazonSSM",
    "sqs": "AmazonSQS",
    "events": "AWSEvents",
}
SERVICE_BY_PREFIX = {prefix: service for service, prefix in TARGET_PREFIXES.items()}
# The JSON protocol version of each service's model, where it is not 1.1 (SQS speaks AWS JSON 1.0).
JSON_VERSIONS = {"sqs": "1.0"}


class JsonFragments:
    """A list member whose items are already JSON text: large listings skip re-encoding unchanged items."""

    __slots__ = ("items",)

    def __init__(self, items: list[str]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def to_list(self) -> list:
        return json.loads("[" + ",".join(self.items) + "]")


_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def encode_body(reply: dict) -> bytes:
    """Encode a handler's reply; top-level JsonFragments members are spliced in as they are."""
    parts = []
    for key, value in reply.items():
        if isinstance(value, JsonFragments):
            parts.append(f"{_compact(key)}:[{','.join(value.items)}]")
        else:
            parts.append(f"{_compact(key)}:{_compact(value)}")
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def materialize(reply: dict) -> dict:
    """The reply as plain JSON-compatible data (what a client would decode)."""
    return {k: (v.to_list() if isinstance(v, JsonFragments) else v) for k, v in reply.items()}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


def read_target(headers) -> tuple[str | None, str, str]:
    """(service, operation, prefix) from X-Amz-Target; service is None for a prefix we do not serve."""
    target = _text(headers.get("X-Amz-Target") or headers.get("x-amz-target"))
    prefix, _, operation = target.partition(".")
    return SERVICE_BY_PREFIX.get(prefix), operation, prefix


def decode_params(body) -> dict:
    if body is None:
        return {}
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    if not body.strip():
        return {}
    try:
        params = json.loads(body)
    except ValueError as exc:
        raise SimError("SerializationException", f"Could not parse the request body as JSON: {exc}") from None
    if not isinstance(params, dict):
        raise SimError("SerializationException", "The request body must be a JSON object.")
    return params


def new_request_id() -> str:
    return str(uuid.uuid4())


def success_response(reply: dict, request_id: str) -> tuple[int, dict, bytes]:
    body = encode_body(reply)
    return 200, _headers(request_id, len(body)), body


def error_response(error: SimError, request_id: str) -> tuple[int, dict, bytes]:
    body = json.dumps({"__type": error.code, "message": error.message}).encode("utf-8")
    headers = _headers(request_id, len(body))
    headers["x-amzn-ErrorType"] = error.code
    return error.status, headers, body


def _headers(request_id: str, length: int) -> dict:
    return {
        "x-amzn-RequestId": request_id,
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(length),
    }


def wire_time(epoch: float) -> float:
    """A timestamp as AWS JSON sends it: epoch seconds, millisecond precision."""
    return round(epoch, 3)


def read_time(value, member: str) -> float:
    """An input timestamp: botocore sends epoch seconds; be lenient about numeric strings."""
    if isinstance(value, bool):
        raise SimError("SerializationException", f"Expected a timestamp for {member}")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SimError("SerializationException", f"Expected a timestamp for {member}") from None


@dataclass(frozen=True)
class PageToken:
    """An opaque pagination token: which listing it belongs to, and the key after which the next page starts."""

    kind: str
    key: tuple

    def encode(self) -> str:
        raw = json.dumps([self.kind, list(self.key)], separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str, kind: str, error: SimError) -> PageToken:
        try:
            padded = token + "=" * (-len(token) % 4)
            found_kind, key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (ValueError, TypeError, binascii.Error, UnicodeError):
            raise error from None
        if found_kind != kind or not isinstance(key, list):
            raise error
        return cls(kind, tuple(key))
