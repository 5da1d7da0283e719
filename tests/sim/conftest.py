"""Fixtures for the simulator's tests: a frozen clock, simulators per scenario, boto3 clients wired in-process."""

from __future__ import annotations

import functools

import boto3
import pytest
from botocore.config import Config

from tests.moto_logs import moto_logs
from tui.sim import SimClock, Simulator

__all__ = ["moto_logs"]  # moto's CloudWatch Logs, for the log locator and stream tests

T0 = 1_790_000_000.0


def wired_session(sim: Simulator) -> boto3.Session:
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name=sim.region)
    sim.install(session)
    return session


@functools.cache
def _shared_session() -> boto3.Session:
    # One session per test process keeps botocore's parsed service models; each client gets attached.
    return boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-west-2")


def clients(sim: Simulator, **config) -> tuple:
    """(sagemaker, logs, ssm) clients answered by `sim` (attached one by one, see test_protocol for install())."""
    cfg = Config(**config) if config else None
    made = []
    for service in ("sagemaker", "logs", "ssm"):
        client = _shared_session().client(service, region_name=sim.region, config=cfg)
        sim.attach(client)
        made.append(client)
    return tuple(made)


@pytest.fixture
def clock() -> SimClock:
    return SimClock.frozen(at=T0)


@pytest.fixture
def demo(clock) -> Simulator:
    return Simulator("demo", clock=clock, seed=7)


@pytest.fixture
def quiet_demo(clock) -> Simulator:
    """The demo without background churn, for tests that walk one node's state machine."""
    return Simulator("demo", clock=clock, seed=7, churn=False)


@pytest.fixture
def zoo(clock) -> Simulator:
    return Simulator("zoo", clock=clock, seed=7)


@pytest.fixture(scope="session")
def scale() -> Simulator:
    # Built once per worker: read-only tests share it.
    return Simulator("scale-10k", clock=SimClock.frozen(at=T0), seed=7)


@pytest.fixture
def sm(demo):
    return clients(demo)[0]


@pytest.fixture
def logs_client(demo):
    return clients(demo)[1]
