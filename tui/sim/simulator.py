"""The Simulator: one independent simulated HyperPod control plane (state, clock, faults, call record)."""

from __future__ import annotations

import logging

from tui.sim import health_checks, sagemaker_actions  # noqa: F401  (register StartClusterHealthCheck, Batch*)
from tui.sim.clock import SimClock
from tui.sim.dispatcher import Call, Dispatcher, Registry
from tui.sim.errors import SimError
from tui.sim.faults import AnswerLost, Faults
from tui.sim.inprocess import InProcessHook, event_emitter
from tui.sim.logs import logs
from tui.sim.logstore import LogStream
from tui.sim.model import Cluster, Node
from tui.sim.protocol import (
    SERVICE_BY_PREFIX,
    decode_params,
    error_response,
    materialize,
    new_request_id,
    read_target,
    success_response,
)
from tui.sim.sagemaker import sagemaker
from tui.sim.scenarios import SCENARIOS, build_scenario
from tui.sim.ssm import SsmSession, ssm
from tui.sim.stream import events, sqs
from tui.sim.world import World

log = logging.getLogger(__name__)


class Simulator:
    """A simulated HyperPod control plane answering SageMaker, CloudWatch Logs and SSM.

    `install(session)` answers every client created from that session afterwards; a client created before
    install() is not covered (botocore copies the session's event hooks into a client when it is created):
    `attach(client)` covers one explicitly. `handle()` calls the dispatcher directly, for tests.
    """

    def __init__(
        self,
        scenario: str = "demo",
        clock: SimClock | None = None,
        seed: int = 7,
        region: str = "us-west-2",
        account_id: str = "123456789012",
        *,
        churn: bool = True,
    ) -> None:
        self.scenario = scenario
        self.clock = clock if clock is not None else SimClock()
        self.seed = seed
        self.region = region
        self.account_id = account_id
        self.faults = Faults(seed)
        self.world = World(region, account_id, seed, self.clock.now())
        self.world.faults = self.faults
        self.world.churn_enabled = churn
        build_scenario(scenario, self.world)
        self.world.warm_caches()
        self.registry = Registry([sagemaker, logs, ssm, sqs, events])
        self.dispatcher = Dispatcher(self.registry, self.faults, self.clock.now, self._run_handler)
        self._hook = InProcessHook(self)

    @staticmethod
    def scenarios() -> list[str]:
        return list(SCENARIOS)

    # -- answering requests -----------------------------------------------------------------------------------

    def _run_handler(self, handler, params: dict) -> dict:
        with self.world.lock:
            self.world.advance(self.clock.now())
            return handler(self.world, params)

    def handle(self, service: str, operation: str, params: dict | None = None) -> dict:
        """Dispatch one operation; returns the reply as JSON data (timestamps are epoch seconds) or raises SimError."""
        service = SERVICE_BY_PREFIX.get(service, service.lower())
        reply = self.dispatcher.dispatch(service, operation, dict(params or {}), new_request_id())
        return materialize(reply)

    def respond(self, headers, body) -> tuple[int, dict, bytes]:
        """Answer one AWS JSON 1.1 request (headers with X-Amz-Target, raw body): (status, headers, body).

        Raises AnswerLost, after serving the request, when a `faults.lose_answer` fault applies to it."""
        request_id = new_request_id()
        service, operation, prefix = read_target(headers)
        try:
            params = decode_params(body) if service is not None else {}
            spoiled = self.faults.responses.take(operation)
            if spoiled is not None:
                params = spoiled.request_params(params)
            reply = self.dispatcher.dispatch(service or prefix or "unknown", operation, params, request_id)
            if spoiled is not None:
                answer = spoiled.spoil(*success_response(materialize(reply), request_id))
            else:
                answer = success_response(reply, request_id)
        except SimError as error:
            answer = error_response(error, request_id)
        except Exception:  # the wire layer must always answer, never drop the connection
            log.exception("simulator failed to answer %s.%s", prefix, operation)
            answer = error_response(SimError("InternalFailure", "We encountered an internal error.", 500), request_id)
        lost = self.faults.take_lost_answer(operation)
        if lost is not None:
            raise AnswerLost(lost, answer)  # the transport loses it (faults.lose_answer)
        return answer

    # -- wiring boto3 -----------------------------------------------------------------------------------------

    def _hook_id(self) -> str:
        return f"tui-sim-{id(self)}"

    def install(self, session) -> None:
        """Answer every client created from `session` (boto3 or botocore) from now on, in-process."""
        event_emitter(session).register("before-send", self._hook, unique_id=self._hook_id())

    def uninstall(self, session) -> None:
        event_emitter(session).unregister("before-send", self._hook, unique_id=self._hook_id())

    def attach(self, client) -> None:
        """Answer one already-created client in-process."""
        client.meta.events.register("before-send", self._hook, unique_id=self._hook_id())

    # -- inspection -------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self.dispatcher.log.calls

    @property
    def sessions(self) -> list[SsmSession]:
        return self.world.sessions

    @property
    def landmarks(self) -> dict:
        return self.world.landmarks

    def cluster(self, name: str) -> Cluster | None:
        with self.world.lock:
            self.world.advance(self.clock.now())
            return self.world.find_cluster(name)

    def node(self, cluster_name: str, instance_id: str) -> Node | None:
        cluster = self.cluster(cluster_name)
        return cluster.nodes.get(instance_id) if cluster is not None else None

    def put_log_events(self, group: str, stream: str, messages: list[str], start: float | None = None) -> LogStream:
        """Append `messages` (1 ms apart from `start`, default now) to a stream, creating group and stream."""
        with self.world.lock:
            now = self.clock.now()
            self.world.advance(now)
            first_ms = int((now if start is None else start) * 1000)
            created_ms = min(first_ms, int(now * 1000))
            log_group = self.world.logs.ensure_group(group, created_ms)
            log_stream = log_group.streams.get(stream) or self.world.logs.add_stream(group, stream, created_ms)
            log_stream.append([(first_ms + i, message) for i, message in enumerate(messages)])
            return log_stream
