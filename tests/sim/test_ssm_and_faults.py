"""SSM sessions, and injected faults as botocore experiences them."""

from __future__ import annotations

import re
import time

import pytest
from botocore.exceptions import ClientError
from botocore.retries import standard

from tests.sim.conftest import clients
from tui.sim import SimError

SLURM = "llm-pretrain-slurm"


def target_of(sim, cluster_name: str, node) -> str:
    cluster = sim.cluster(cluster_name)
    return f"sagemaker-cluster:{cluster.cluster_id}_{node.group.name}-{node.instance_id}"


def test_start_and_terminate_are_recorded(demo):
    _, _, ssm = clients(demo)
    node = next(n for n in demo.cluster(SLURM).nodes.values() if n.group.name == "controller-machine")
    target = target_of(demo, SLURM, node)
    started = ssm.start_session(
        Target=target, DocumentName="AWS-StartSSHSession", Parameters={"portNumber": ["22"]}, Reason="debug"
    )
    session_id = started["SessionId"]
    assert re.fullmatch(r"[\w.@-]+-[0-9a-f]{17}", session_id)
    assert started["StreamUrl"].startswith(
        f"wss://ssmmessages.us-west-2.amazonaws.com/v1/data-channel/{session_id}?role=publish_subscribe&cell-number="
    )
    assert 0 < len(started["TokenValue"]) <= 300
    [session] = demo.sessions
    assert (session.session_id, session.target, session.document_name, session.status) == (
        session_id,
        target,
        "AWS-StartSSHSession",
        "Connected",
    )
    assert session.parameters == {"portNumber": ["22"]}
    assert ssm.terminate_session(SessionId=session_id)["SessionId"] == session_id
    assert session.status == "Terminated" and session.terminated_at == demo.clock.now()
    second = ssm.start_session(Target=target)["SessionId"]
    assert second != session_id and demo.sessions[-1].document_name is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: (
            t.replace("sagemaker-cluster:", "sagemaker-cluster:zzzzzzzzzzzz").split("_", 1)[0]
            + "_x-i-0aaaaaaaaaaaaaaaa"
        ),
        lambda t: t.replace("controller-machine", "login-group"),  # right node, wrong group
        lambda t: t.rsplit("-", 1)[0] + "-i-0123456789abcdef0",  # unknown instance
        lambda t: t.split(":", 1)[1],  # no prefix
    ],
)
def test_a_target_that_is_not_a_running_node_is_not_connected(demo, mangle):
    _, _, ssm = clients(demo)
    node = next(n for n in demo.cluster(SLURM).nodes.values() if n.group.name == "controller-machine")
    bad = mangle(target_of(demo, SLURM, node))
    with pytest.raises(ssm.exceptions.TargetNotConnected) as excinfo:
        ssm.start_session(Target=bad)
    assert excinfo.value.response["Error"]["Message"] == f"{bad} is not connected."
    assert demo.sessions == []


def test_a_failed_or_rebooting_node_is_not_connected(quiet_demo):
    sm, _, ssm = clients(quiet_demo)
    failed = quiet_demo.node(SLURM, quiet_demo.landmarks["failed_node"])
    with pytest.raises(ssm.exceptions.TargetNotConnected):
        ssm.start_session(Target=target_of(quiet_demo, SLURM, failed))
    worker = next(
        n
        for n in quiet_demo.cluster(SLURM).nodes.values()
        if n.group.name == "worker-group-2" and n.status == "Running"
    )
    sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[worker.instance_id])
    quiet_demo.clock.advance(3)
    with pytest.raises(ssm.exceptions.TargetNotConnected):
        ssm.start_session(Target=target_of(quiet_demo, SLURM, worker))
    quiet_demo.clock.advance(30)
    assert ssm.start_session(Target=target_of(quiet_demo, SLURM, worker))["SessionId"]


def test_throttling_is_retried_by_standard_mode_then_succeeds(demo, monkeypatch):
    # Keep botocore's real retry decision, skip its real sleeping.
    delays = []
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: delays.append(1) or 0.0)
    sm = clients(demo, retries={"mode": "standard", "max_attempts": 5})[0]
    demo.faults.throttle(operation="ListClusterNodes", times=3)
    reply = sm.list_cluster_nodes(ClusterName=SLURM)
    assert reply["ClusterNodeSummaries"] and reply["ResponseMetadata"]["RetryAttempts"] == 3
    assert [c.error for c in demo.calls] == ["ThrottlingException"] * 3 + [None]
    assert len(delays) == 3
    sm.list_clusters()  # other operations were never throttled
    assert demo.calls[-1].error is None


def test_throttling_beyond_the_retry_budget_surfaces(demo, monkeypatch):
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.0)
    sm = clients(demo, retries={"mode": "standard", "max_attempts": 2})[0]
    demo.faults.throttle(times=5)
    with pytest.raises(ClientError) as excinfo:
        sm.list_clusters()
    assert excinfo.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_expired_token_surfaces_as_client_error(demo):
    sm, logs, _ = clients(demo)
    demo.faults.expired_token = True
    for call in (lambda: sm.list_clusters(), lambda: logs.describe_log_groups()):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert excinfo.value.response["Error"]["Code"] == "ExpiredTokenException"
        assert excinfo.value.response["Error"]["Message"] == "The security token included in the request is expired"
    demo.faults.expired_token = False
    assert sm.list_clusters()["ClusterSummaries"]


def test_latency_is_applied_to_every_request(demo):
    sm = clients(demo)[0]
    sm.list_clusters()
    demo.faults.latency_ms = 60
    began = time.perf_counter()
    sm.list_clusters()
    sm.describe_cluster(ClusterName=SLURM)
    assert time.perf_counter() - began >= 0.12
    began = time.perf_counter()
    demo.handle("sagemaker", "ListClusters")
    assert time.perf_counter() - began >= 0.06


@pytest.mark.parametrize(
    "code, status", [("AccessDeniedException", 400), ("InternalFailure", 500), ("ServiceUnavailable", 503)]
)
def test_generic_failures_answer_the_given_code_and_status(demo, code, status):
    sm = clients(demo, retries={"mode": "standard", "total_max_attempts": 1})[0]
    demo.faults.fail("DescribeCluster", code, "nope", status=status, times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            sm.describe_cluster(ClusterName=SLURM)
        assert excinfo.value.response["Error"]["Code"] == code
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert sm.describe_cluster(ClusterName=SLURM)["ClusterName"] == SLURM
    with pytest.raises(SimError):
        demo.faults.fail(None, code, "any operation", status=status)
        demo.handle("logs", "DescribeLogGroups")


def test_server_error_rate_is_seeded(clock):
    from tui.sim import Simulator

    def outcomes(seed):
        sim = Simulator("zoo", clock=clock, seed=seed)
        sim.faults.server_error_rate = 0.3
        result = []
        for _ in range(60):
            try:
                sim.handle("sagemaker", "ListClusters")
                result.append(None)
            except SimError as error:
                assert (error.code, error.status) == ("InternalFailure", 500)
                result.append(error.code)
        return result

    first = outcomes(3)
    assert first == outcomes(3)
    assert 5 < first.count("InternalFailure") < 35
