"""Routing a (service, operation, params) request to its handler, with faults, validation and a call record.

Handlers live in per-service OperationTables (sagemaker.py, logs.py, ssm.py); a Dispatcher holds its own
Registry, so a test can add an operation to one simulator without touching any other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.sim.errors import SimError
from tui.sim.faults import Faults
from tui.sim.validation import validate_input

log = logging.getLogger(__name__)

Handler = Callable[[Any, dict], dict]

# A long-running server would otherwise keep every call it ever answered.
MAX_RECORDED_CALLS = 100_000


class OperationTable:
    """The handlers of one service, filled by the `@table("Operation")` decorator at import time."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.handlers: dict[str, Handler] = {}

    def __call__(self, operation: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[operation] = handler
            return handler

        return register


class Registry:
    def __init__(self, tables: Iterable[OperationTable] = ()) -> None:
        self._handlers: dict[tuple[str, str], Handler] = {}
        for table in tables:
            for operation, handler in table.handlers.items():
                self.register(table.service, operation, handler)

    def register(self, service: str, operation: str, handler: Handler) -> None:
        self._handlers[(service, operation)] = handler

    def get(self, service: str, operation: str) -> Handler | None:
        return self._handlers.get((service, operation))

    def operations(self, service: str | None = None) -> list[tuple[str, str]]:
        return sorted(key for key in self._handlers if service is None or key[0] == service)


@dataclass
class Call:
    service: str
    operation: str
    params: dict
    time: float
    error: str | None = None
    request_id: str = ""


@dataclass
class CallLog:
    """Every request answered, in order; `calls` is a plain list so tests can index and slice it."""

    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            if len(self.calls) > MAX_RECORDED_CALLS:
                del self.calls[: MAX_RECORDED_CALLS // 10]


class Dispatcher:
    """Answers one request: latency, then injected faults, then validation, then the handler.

    `run_handler(handler, params)` is supplied by the simulator: it takes the state lock, advances the
    world to the clock's now and calls the handler with the world.
    """

    def __init__(
        self, registry: Registry, faults: Faults, now: Callable[[], float], run_handler: Callable[[Handler, dict], dict]
    ) -> None:
        self.registry = registry
        self.faults = faults
        self.now = now
        self.run_handler = run_handler
        self.log = CallLog()

    def dispatch(self, service: str, operation: str, params: dict, request_id: str = "") -> dict:
        self.faults.sleep_latency()
        call = Call(service, operation, params, self.now(), None, request_id)
        try:
            injected = self.faults.request_error(operation)
            if injected is not None:
                raise injected
            handler = self.registry.get(service, operation)
            if handler is None:
                raise SimError("UnknownOperationException", f"Unknown operation {operation or '(none)'} for {service}.")
            validate_input(service, operation, params)
            return self.run_handler(handler, params)
        except SimError as error:
            call.error = error.code
            raise
        except Exception:
            log.exception("simulator handler %s.%s failed", service, operation)
            call.error = "InternalFailure"
            raise SimError("InternalFailure", "We encountered an internal error. Please try again.", 500) from None
        finally:
            self.log.add(call)
