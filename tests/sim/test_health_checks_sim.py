"""StartClusterHealthCheck in the simulator: the real limits, the state machine, the operation, the results streams."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.sim.conftest import T0, clients
from tests.sim.shapes import assert_valid_output
from tui.core.health_results import parse_results_record
from tui.sim.health_checks import DHC_DURATION

EKS = "genai-eks-prod"


def at(sim, seconds: float) -> None:
    sim.clock.advance(T0 + seconds - sim.clock.now())


def running(sim, group: str) -> list[str]:
    return sorted(
        n.instance_id
        for n in sim.cluster(EKS).nodes.values()
        if n.group.name == group and n.status == "Running" and n.operation is None
    )


def config(group: str, ids: list[str] | None = None, checks: list[str] | None = None) -> dict:
    out: dict = {"InstanceGroupName": group, "DeepHealthChecks": checks or ["InstanceStress"]}
    if ids is not None:
        out["InstanceIds"] = ids
    return out


@pytest.mark.parametrize(
    ("configurations", "member"),
    [
        ([config("gpu-workers")] * 100, "deepHealthCheckConfigurations"),
        ([config("gpu-workers", [f"i-0{n:016x}" for n in range(501)])], "instanceIds"),
        (
            [config("gpu-workers", checks=["InstanceStress", "InstanceConnectivity", "InstanceStress", "X"])],
            "deepHealthChecks",
        ),
    ],
)
def test_requests_past_the_limits_are_validation_exceptions(quiet_demo, configurations, member):
    sm = clients(quiet_demo)[0]
    with pytest.raises(ClientError) as excinfo:
        sm.start_cluster_health_check(ClusterName=EKS, DeepHealthCheckConfigurations=configurations)
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert member in excinfo.value.response["Error"]["Message"]


def test_an_unknown_group_or_a_node_of_another_group_is_refused(quiet_demo):
    sm = clients(quiet_demo)[0]
    other = running(quiet_demo, "general-purpose")[0]
    for bad in (config("no-such-group"), config("gpu-workers", [other])):
        with pytest.raises(ClientError) as excinfo:
            sm.start_cluster_health_check(ClusterName=EKS, DeepHealthCheckConfigurations=[bad])
        assert excinfo.value.response["Error"]["Code"] == "ValidationException"


def test_a_run_goes_in_progress_then_one_node_fails_instance_stress_with_its_reason(quiet_demo):
    sm, logs, _ = clients(quiet_demo)
    failing = quiet_demo.landmarks["dhc_failing_node"]
    before = {o["OperationId"] for o in sm.list_cluster_operations(ClusterName=EKS)["ClusterOperationSummaries"]}
    answer = sm.start_cluster_health_check(
        ClusterName=EKS, DeepHealthCheckConfigurations=[config("gpu-workers", checks=["InstanceStress"])]
    )
    assert answer["ClusterArn"].endswith(quiet_demo.cluster(EKS).cluster_id)
    assert_valid_output(sm, "StartClusterHealthCheck", answer)
    gpu = [n for n in quiet_demo.cluster(EKS).nodes.values() if n.group.name == "gpu-workers"]
    checking = [n.instance_id for n in gpu if n.status == "DeepHealthCheckInProgress"]
    assert failing in checking and len(checking) >= 10
    operations = sm.list_cluster_operations(ClusterName=EKS, Type="DeepHealthCheck", Status="InProgress")
    new = [o for o in operations["ClusterOperationSummaries"] if o["OperationId"] not in before]
    assert len(new) == 1
    detail = sm.describe_cluster_operation(ClusterName=EKS, OperationId=new[0]["OperationId"])
    assert detail["DeepHealthCheckDetails"][0]["InstanceGroupName"] == "gpu-workers"
    assert "InstanceIds" not in detail["DeepHealthCheckDetails"][0]

    at(quiet_demo, DHC_DURATION + 1)
    nodes = {n.instance_id: n for n in quiet_demo.cluster(EKS).nodes.values()}
    assert nodes[failing].status == "Failure" and "InstanceStress" in (nodes[failing].message or "")
    assert all(nodes[i].status == "Running" for i in checking if i != failing)
    done = sm.describe_cluster_operation(ClusterName=EKS, OperationId=new[0]["OperationId"])
    assert done["Status"] == "Done"

    group = quiet_demo.cluster(EKS).log_group
    stream = f"DeepHealthCheckResults/{new[0]['OperationId']}"
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    parsed = [parse_results_record(e["message"], e["timestamp"], stream) for e in events]
    verdicts = {found[0]: found[1] for found in parsed if found is not None}
    assert set(verdicts) == set(checking)
    assert verdicts[failing].short == "DHC failed: InstanceStress" and "ECC" in verdicts[failing].text
    assert all(s.healthy for i, s in verdicts.items() if i != failing)


def test_the_demo_past_run_matches_its_events(quiet_demo):
    """The Done run three days ago lists both checks; its results say the flaky node failed InstanceConnectivity
    (as the cluster's events do) and passed it again after its reboot."""
    sm, logs, _ = clients(quiet_demo)
    flaky = quiet_demo.landmarks["dhc_failing_node"]
    done = sm.list_cluster_operations(ClusterName=EKS, Type="DeepHealthCheck", Status="Done")
    operation_id = done["ClusterOperationSummaries"][0]["OperationId"]
    detail = sm.describe_cluster_operation(ClusterName=EKS, OperationId=operation_id)
    assert detail["DeepHealthCheckDetails"][0]["DeepHealthChecks"] == ["InstanceStress", "InstanceConnectivity"]
    group = quiet_demo.cluster(EKS).log_group
    events = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="DeepHealthCheckResults/")["events"]
    about = [parse_results_record(e["message"], e["timestamp"]) for e in events]
    mine = [s for found in about if found is not None and found[0] == flaky for s in [found[1]]]
    assert [s.short for s in sorted(mine, key=lambda s: s.time) if s.topic == "InstanceConnectivity"] == [
        "DHC failed: InstanceConnectivity",
        "DHC passed: InstanceConnectivity",
    ]


def test_the_results_sweep_against_moto_reads_results_streams_only(moto_logs):
    """moto ignores the stream prefix: an HMA or lifecycle line that looks like a result must not count."""
    import json

    from tests.moto_logs import now_ms, put_lines
    from tui.core import hma

    group = "/aws/sagemaker/Clusters/c/aa11bbbbb222"
    start = now_ms()
    failed = {"level": "error", "ts": "2026-11-20T11:00:00Z", "instanceId": "i-0aaaaaaaaaaaaaaaa"}
    failed["msg"] = "Encountered FaultyInstance. Replace the Instance. ERROR:DCGM diagnostic failed: ECC"
    passed = {"level": "info", "msg": "EFA Loopback check passed", "instanceId": "i-0bbbbbbbbbbbbbbbb"}
    put_lines(moto_logs, group, "DeepHealthCheckResults/op-1", [json.dumps(failed), json.dumps(passed)], start_ms=start)
    foreign = {**failed, "instanceId": "i-0cccccccccccccccc"}
    put_lines(
        moto_logs, group, "LifecycleConfig/workers/i-0cccccccccccccccc", [json.dumps(foreign)], start_ms=start + 5
    )
    book = hma.HmaBook()
    result = hma.sweep(moto_logs, group, book, now=start / 1000 + 60, kind=hma.DHC_RECORDS)
    assert result is not None and result.kept == 2 and not result.problem
    signals = book.signals()
    assert set(signals) == {"i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"}
    assert signals["i-0aaaaaaaaaaaaaaaa"][0].short == "DHC failed: InstanceStress"
    assert signals["i-0bbbbbbbbbbbbbbbb"][0].short == "DHC passed: InstanceConnectivity"
    again = hma.sweep(moto_logs, group, book, now=start / 1000 + 120, kind=hma.DHC_RECORDS)
    assert again is not None and again.kept == 0  # incremental: nothing twice
