"""Fault injection: the ways real AWS misbehaves, switchable at runtime from tests, the demo and benchmarks."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from tui.sim.errors import SimError

THROTTLE_MESSAGE = "Rate exceeded"
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"
INTERNAL_FAILURE_MESSAGE = "We encountered an internal error. Please try again."

# What a node-level failure says when the caller gave no message; the wording of each is unconfirmed.
_NODE_FAILURE_MESSAGES = {
    "InstanceIdNotFound": "The instance was not found in the cluster.",
    "InvalidInstanceStatus": "The instance is not in a state that allows this operation. Wait and retry.",
    "InstanceIdInUse": "Another operation is in progress on this instance. Wait for it to finish before retrying.",
    "InternalServerError": "An internal error occurred while processing the instance. Try again later.",
    "NodeIdNotFound": "The node was not found in the cluster.",
    "InvalidNodeStatus": "The node is not in a state that allows deletion. Wait and retry.",
    "NodeIdInUse": "Another operation is in progress on this node. Wait for it to finish before retrying.",
}


@dataclass
class _Rule:
    operation: str | None
    code: str
    message: str
    status: int
    remaining: int


@dataclass(frozen=True)
class NodeFailure:
    code: str
    message: str


class Faults:
    """Runtime-switchable faults, all safe to set from any thread.

    The order a request meets them: latency (it always sleeps), expired token, the queued throttle/fail rules
    (oldest first), then the random server-error rate.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._node_failures: dict[str, list] = {}
        self._rng = random.Random(f"{seed}:faults")
        self.latency_ms: float = 0.0
        self.expired_token: bool = False
        self.server_error_rate: float = 0.0
        self.responses = ResponseFaults()  # answers spoiled on the wire (see the block at the end)

    def throttle(self, operation: str | None = None, times: int = 1) -> None:
        """The next `times` calls of `operation` (any operation if None) answer 400 ThrottlingException."""
        self.fail(operation, "ThrottlingException", THROTTLE_MESSAGE, status=400, times=times)

    def fail(self, operation: str | None, code: str, message: str, status: int = 400, times: int = 1) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._rules.append(_Rule(operation, code, message, int(status), int(times)))

    def node_failure(self, instance_id: str, code: str, message: str | None = None, times: int = 1) -> None:
        """The next `times` Batch* calls that name `instance_id` report it in `Failed` with `code`."""
        text = message or _NODE_FAILURE_MESSAGES.get(code, f"Injected failure {code}.")
        with self._lock:
            self._node_failures[instance_id] = [NodeFailure(code, text), int(times)]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._node_failures.clear()
            self.latency_ms = 0.0
            self.expired_token = False
            self.server_error_rate = 0.0

    def sleep_latency(self) -> None:
        delay = self.latency_ms
        if delay and delay > 0:
            time.sleep(delay / 1000.0)

    def request_error(self, operation: str) -> SimError | None:
        """The error this request must answer with instead of being served, if any (consumes one use)."""
        if self.expired_token:
            return SimError("ExpiredTokenException", EXPIRED_TOKEN_MESSAGE, 400)
        with self._lock:
            for rule in self._rules:
                if rule.operation is None or rule.operation == operation:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return SimError(rule.code, rule.message, rule.status)
            rate = self.server_error_rate
            if rate > 0 and self._rng.random() < rate:
                return SimError("InternalFailure", INTERNAL_FAILURE_MESSAGE, 500)
        return None

    def take_node_failure(self, instance_id: str) -> NodeFailure | None:
        with self._lock:
            entry = self._node_failures.get(instance_id)
            if entry is None:
                return None
            failure, remaining = entry
            if remaining <= 1:
                del self._node_failures[instance_id]
            else:
                entry[1] = remaining - 1
            return failure

    # --- answers lost after the call was executed ---------------------------------------------------------
    # The request is served (the state changes, the call is recorded) but its answer never reaches the client
    # in time: the case a client cannot tell from "not executed", and which a retry would execute twice.

    def lose_answer(self, operation: str | None, *, how: str = "timeout", delay_s: float = 2.0, times: int = 1) -> None:
        """The next `times` calls of `operation` (any if None) are executed, then their answer is lost.

        how="timeout": over HTTP the server waits `delay_s` before answering (past a shorter read timeout, the
        client gives up first); in-process the client's send raises botocore's ReadTimeoutError.
        how="reset": the connection is closed without an answer (in-process: ConnectionClosedError).
        how="slow": the answer is only delayed by `delay_s` (HTTP and in-process), then sent whole."""
        if how not in LOST_ANSWER_KINDS:
            raise ValueError(f"how must be one of {', '.join(LOST_ANSWER_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self.__dict__.setdefault("_lost_answers", []).append(
                [LostAnswer(operation, how, float(delay_s)), int(times)]
            )

    def take_lost_answer(self, operation: str) -> LostAnswer | None:
        """The lost-answer fault this executed request meets, if any (consumes one use)."""
        with self._lock:
            rules = self.__dict__.get("_lost_answers") or []
            for rule in rules:
                lost, remaining = rule
                if lost.operation is None or lost.operation == operation:
                    if remaining <= 1:
                        rules.remove(rule)
                    else:
                        rule[1] = remaining - 1
                    return lost
        return None

    def clear_lost_answers(self) -> None:
        with self._lock:
            self.__dict__.pop("_lost_answers", None)

    # -- CloudWatch Logs answers --------------------------------------------------------------------------------
    # Class-level defaults, so this block needs nothing in __init__; `clear_log_faults()` switches them off.
    log_endless_operations: frozenset[str] = frozenset()  # these Logs operations always hand out a new token
    log_endless_events: int = 0  # events each endless GetLogEvents/FilterLogEvents answer carries (0: none)
    log_huge_message_chars: int = 0  # every event served carries a message this long (0: the real messages)
    log_huge_message_lines: int = 1  # ... split into this many lines
    _log_token_serial: int = 0

    def endless_log_tokens(
        self, operations: tuple[str, ...] = ("GetLogEvents", "FilterLogEvents"), *, events: int = 0
    ) -> None:
        """Every answer of `operations` carries a forward/next token never seen before, so a reader that follows
        tokens until they repeat never stops; GetLogEvents/FilterLogEvents answers carry `events` made-up events
        (0: none at all). DescribeLogGroups/DescribeLogStreams may be named too (their pages are then empty)."""
        with self._lock:
            self.log_endless_operations = frozenset(operations)
            self.log_endless_events = int(events)

    def huge_log_messages(self, chars: int, *, lines: int = 1) -> None:
        """Every log event served has a message of `chars` characters in `lines` lines."""
        with self._lock:
            self.log_huge_message_chars, self.log_huge_message_lines = int(chars), max(1, int(lines))

    def clear_log_faults(self) -> None:
        with self._lock:
            self.log_endless_operations = frozenset()
            self.log_endless_events = 0
            self.log_huge_message_chars, self.log_huge_message_lines = 0, 1

    def next_log_token_serial(self) -> int:
        with self._lock:
            self._log_token_serial += 1
            return self._log_token_serial

    def huge_log_message(self, serial: int) -> str:
        """The message a huge-message fault serves (distinct per event, so nothing can deduplicate it)."""
        chars, lines = self.log_huge_message_chars, self.log_huge_message_lines
        width = max(1, chars // lines)
        line = (f"huge {serial} " + "x" * width)[:width]
        return "\n".join([line] * lines)


LOST_ANSWER_KINDS = ("timeout", "reset", "slow")


@dataclass(frozen=True)
class LostAnswer:
    operation: str | None
    how: str  # timeout | reset | slow
    delay_s: float


class AnswerLost(Exception):
    """Raised by Simulator.respond after serving a request whose answer a `lose_answer` fault swallows; carries
    the answer the transport would have sent, so it can still send it late ("timeout", "slow")."""

    def __init__(self, lost: LostAnswer, answer: tuple[int, dict, bytes]) -> None:
        super().__init__(f"answer of {lost.operation or 'a call'} lost ({lost.how})")
        self.lost = lost
        self.answer = answer


# --- response faults: answers that are broken on the wire ------------------------------------------------------
# A hostile or broken endpoint: the request is served as usual, then its answer is spoiled. Used through the
# in-process hook and the HTTP server alike (`Simulator.respond`); `hang` and an undeclared length only mean
# something over HTTP, where the client's timeouts and stream limits apply.

RESPONSE_FAULTS = ("malformed_json", "empty_body", "html", "missing_members", "endless_token", "huge_body", "hang")


@dataclass
class ResponseFault:
    kind: str
    operation: str | None
    remaining: int | None  # None: until cleared
    size: int = 10 * 1024 * 1024  # huge_body: bytes of the answer
    seconds: float = 60.0  # hang: how long the answer is delayed
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes

    def request_params(self, params: dict) -> dict:
        """Before the request is served. hang: sleep (error answers hang too). endless_token: every page is served
        as the first one, whatever token the client sends back."""
        if self.kind == "hang":
            time.sleep(self.seconds)
        if self.kind == "endless_token":
            return {key: value for key, value in params.items() if key != "NextToken"}
        return params

    def spoil(self, status: int, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        """A success answer as the broken endpoint sends it."""
        import json
        import uuid

        headers = dict(headers)
        if self.kind == "malformed_json":
            body = body[: max(1, len(body) // 2)] + b"\x00}{"
        elif self.kind == "empty_body":
            body = b""
        elif self.kind == "html":
            headers["Content-Type"] = "text/html; charset=utf-8"
            body = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Captive portal</body></html>"
        elif self.kind == "missing_members":
            body = b"{}"
        elif self.kind == "endless_token":
            reply = json.loads(body or b"{}")
            reply["NextToken"] = uuid.uuid4().hex * 4
            body = json.dumps(reply).encode()
        elif self.kind == "huge_body":
            body = _grow(json.loads(body or b"{}"), self.size)
        headers["Content-Length"] = str(len(body))
        if not self.declare_length:
            headers.pop("Content-Length")
        return status, headers, body


def _numbered(item: object, index: int) -> object:
    """A copy of a listed item with its names, ids and ARNs made unique (a listing of distinct resources)."""
    if not isinstance(item, dict):
        return item
    return {
        key: f"{value}-{index}" if isinstance(value, str) and key.endswith(("Name", "Id", "Arn")) else value
        for key, value in item.items()
    }


def _grow(reply: dict, size: int) -> bytes:
    """A valid answer of about `size` bytes: the first non-empty list member's items repeated with unique names
    (a listing that really is that long), or padding in a member no shape has."""
    import json

    for key, value in reply.items():
        if isinstance(value, list) and value:
            first = value[0]
            count = max(1, size // (len(json.dumps(first)) + 8))
            head = json.dumps({k: v for k, v in reply.items() if k != key})[1:-1]
            items = ",".join(json.dumps(_numbered(first, i)) for i in range(count))
            return ("{" + (head + "," if head else "") + json.dumps(key) + ":[" + items + "]}").encode()
    reply = dict(reply, Padding="x" * size)
    return json.dumps(reply).encode()


class ResponseFaults:
    """The queued response faults of one simulator (`Faults.responses`); safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[ResponseFault] = []

    def add(self, kind: str, operation: str | None = None, times: int | None = None, **options: object) -> None:
        """The next `times` answers to `operation` (any if None; every one until cleared if `times` is None)
        are spoiled as `kind` (one of RESPONSE_FAULTS); options: size, seconds, declare_length."""
        if kind not in RESPONSE_FAULTS:
            raise ValueError(f"unknown response fault {kind!r} (valid: {', '.join(RESPONSE_FAULTS)})")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(ResponseFault(kind, operation, times, **options))  # type: ignore[arg-type]

    def take(self, operation: str) -> ResponseFault | None:
        """The fault this answer gets, if any (consumes one use)."""
        with self._lock:
            for fault in self._faults:
                if fault.operation is None or fault.operation == operation:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
