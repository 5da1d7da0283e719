"""Answering genuine boto3 clients in-process, through botocore's `before-send` event.

botocore emits `before-send` with the fully prepared (serialised, signed) request just before it would open
a connection; a handler that returns a response short-circuits the network. The response then goes through
botocore's real parser, error handling and retry logic, exactly as one from AWS would.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from tui.sim.faults import AnswerLost
from tui.sim.protocol import read_target

if TYPE_CHECKING:
    from tui.sim.simulator import Simulator


class _Body:
    """The raw body botocore reads from: it only ever calls `stream()` (or `read()` for streaming shapes)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        if self._data:
            yield self._data

    def read(self, *_args) -> bytes:
        data, self._data = self._data, b""
        return data


class InProcessHook:
    """A `before-send` handler that answers SageMaker, CloudWatch Logs and SSM requests from a Simulator.

    Requests for any other service return None, so botocore sends them on as usual.
    """

    def __init__(self, simulator: Simulator) -> None:
        self._simulator = simulator

    def __call__(self, request, **_kwargs):
        service, _, _ = read_target(request.headers)
        if service is None:
            return None
        try:
            status, headers, body = self._simulator.respond(request.headers, request.body)
        except AnswerLost as lost:
            # What botocore's HTTP layer raises when the answer never comes; botocore may retry it as usual.
            if lost.lost.how == "slow":
                time.sleep(lost.lost.delay_s)
                status, headers, body = lost.answer
            elif lost.lost.how == "reset":
                raise ConnectionClosedError(endpoint_url=request.url) from None
            else:
                raise ReadTimeoutError(
                    endpoint_url=request.url, error="simulated: answer lost after execution"
                ) from None
        return AWSResponse(request.url, status, headers, _Body(body))


def event_emitter(session):
    """The event emitter of a boto3 Session or a botocore Session."""
    events = getattr(session, "events", None)
    if events is not None:
        return events
    return session.get_component("event_emitter")
