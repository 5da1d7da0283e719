"""The deep-health-check planner (core/health_check.py) and its results records (core/health_results.py)."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_actions import detail, nodes
from tui.core import actions
from tui.core.actions import SUCCESSFUL, CallContext, run_plan
from tui.core.health import DHC, FAULT, OK, judge
from tui.core.health_check import (
    MAX_CONFIGURATIONS,
    MAX_INSTANCE_IDS,
    GroupTargets,
    check_problems,
    health_check_requests,
    plan_health_check,
)
from tui.core.health_results import parse_results_record
from tui.core.journal import Journal
from tui.core.models import Node

STRESS = ["InstanceStress"]


def ids(count: int, prefix: str = "a") -> tuple[str, ...]:
    return tuple(f"i-0{prefix}{n:015x}" for n in range(count))


def test_one_group_is_chunked_at_500_instance_ids_per_configuration() -> None:
    [request] = health_check_requests([GroupTargets("workers", ids(1201))], STRESS)
    assert [len(c["InstanceIds"]) for c in request] == [MAX_INSTANCE_IDS, MAX_INSTANCE_IDS, 201]
    assert {c["InstanceGroupName"] for c in request} == {"workers"}
    assert [i for c in request for i in c["InstanceIds"]] == list(ids(1201))  # every id once, in order


def test_each_group_has_its_own_configurations_and_a_whole_group_omits_instance_ids() -> None:
    [request] = health_check_requests(
        [GroupTargets("a", ids(3, "a")), GroupTargets("b", (), whole=True), GroupTargets("c", ids(501, "c"))],
        ["InstanceStress", "InstanceConnectivity"],
    )
    assert [(c["InstanceGroupName"], len(c.get("InstanceIds", ()))) for c in request] == [
        ("a", 3),
        ("b", 0),
        ("c", 500),
        ("c", 1),
    ]
    assert "InstanceIds" not in request[1]
    assert all(c["DeepHealthChecks"] == ["InstanceStress", "InstanceConnectivity"] for c in request)


def test_more_than_99_configurations_split_into_several_requests() -> None:
    requests = health_check_requests([GroupTargets(f"g{k}", ids(1, f"{k:x}")) for k in range(200)], STRESS)
    assert [len(r) for r in requests] == [MAX_CONFIGURATIONS, MAX_CONFIGURATIONS, 2]
    exactly = health_check_requests([GroupTargets(f"g{k}", (), whole=True) for k in range(99)], STRESS)
    assert [len(r) for r in exactly] == [99]


@pytest.mark.parametrize(
    ("checks", "ok"),
    [
        ([], False),
        (["InstanceStress"], True),
        (["InstanceStress", "InstanceConnectivity", "MultiNodeTrainingValidation"], True),
        (["InstanceStress", "InstanceStress"], False),
        (["InstanceStress", "InstanceConnectivity", "MultiNodeTrainingValidation", "InstanceStress"], False),
        (["GpuBurn"], False),
    ],
)
def test_one_to_three_known_checks(checks, ok) -> None:
    assert (check_problems(checks) == []) is ok
    if not ok:
        with pytest.raises(ValueError):
            health_check_requests([GroupTargets("a", ids(1))], checks)


def test_the_plan_is_one_call_per_request_covering_every_node() -> None:
    targets = nodes(1100)
    plan = plan_health_check(detail(workers=1100), targets, STRESS)
    assert not plan.refused and plan.call_count == 1  # 3 configurations fit one request
    [request] = plan.requests
    assert len(request.params["DeepHealthCheckConfigurations"]) == 3
    assert sorted(request.node_ids) == sorted(n.instance_id for n in targets)
    assert plan.needs_typed_name  # more than 25 nodes, as every action
    assert any("DeepHealthCheckInProgress" in line for line in actions.consequences(plan))
    assert "99 group configurations" in actions.call_summary(plan)


def test_a_whole_group_names_its_listed_nodes_and_sends_no_ids() -> None:
    listed = nodes(4, group="spare")
    plan = plan_health_check(detail(), listed, STRESS, whole_groups=["spare"])
    assert plan.node_ids == tuple(n.instance_id for n in listed)
    assert plan.requests[0].params == {
        "DeepHealthCheckConfigurations": [{"InstanceGroupName": "spare", "DeepHealthChecks": ["InstanceStress"]}]
    }


def test_refusals_no_checks_and_nodes_without_an_instance_id() -> None:
    assert plan_health_check(detail(), nodes(2), []).refused
    logical = Node("", "workers", "ml.g5.8xlarge", "Pending", "", 0.0, "", node_logical_id="lid-1")
    plan = plan_health_check(detail(), [logical, *nodes(1)], STRESS)
    assert plan.refused and any("InstanceIds only" in r for r in plan.refusals)


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def start_cluster_health_check(self, **params):
        self.calls.append(params)
        return {"ClusterArn": params["ClusterName"]}


def test_running_it_journals_the_request_before_sending_and_every_node_is_started(tmp_path) -> None:
    plan = plan_health_check(detail(workers=600), nodes(600), STRESS)
    client = FakeClient()
    journal = Journal(tmp_path / "j.jsonl")
    result = run_plan(plan, client, journal, CallContext(region="us-west-2"))
    assert len(client.calls) == 1
    sent = client.calls[0]["DeepHealthCheckConfigurations"]
    assert [len(c["InstanceIds"]) for c in sent] == [500, 100]
    lines = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["intent", "result"]
    assert lines[0]["request"]["DeepHealthCheckConfigurations"] == sent
    assert set(o.outcome for o in result.outcomes.values()) == {SUCCESSFUL} and len(result.outcomes) == 600


RECORD_FAIL = json.dumps(
    {
        "level": "error",
        "ts": "2026-11-20T11:00:00Z",
        "msg": "Encountered FaultyInstance. Replace the Instance. Region: us-west-2, InstanceType: p4d.24xlarge. "
        "ERROR:Bandwidth has less than threshold: Expected minimum threshold :80,NCCL Test output Bw: 30",
        "instanceId": "i-0123456789abcdef0",
    }
)


def test_the_documented_failure_record_is_a_dhc_fault() -> None:
    instance, signal = parse_results_record(RECORD_FAIL, 0, "DeepHealthCheckResults/abc") or ("", None)
    assert instance == "i-0123456789abcdef0" and signal is not None
    assert signal.source == DHC and signal.severity == FAULT
    assert signal.short == "DHC failed: InstanceConnectivity" and "threshold" in signal.text


def test_a_pass_of_one_check_does_not_clear_the_failure_of_another() -> None:
    def record(level: str, check: str, msg: str, ts: str) -> str:
        return json.dumps(
            {"level": level, "ts": ts, "msg": msg, "instanceId": "i-0123456789abcdef0", "healthCheck": check}
        )

    failed = parse_results_record(record("error", "InstanceStress", "DCGM diagnostic failed", "2026-11-20T11:00:00Z"))
    passed = parse_results_record(
        record("info", "InstanceConnectivity", "EFA Loopback check passed", "2026-11-20T11:01:00Z")
    )
    again = parse_results_record(record("info", "InstanceStress", "stress-ng success", "2026-11-20T11:30:00Z"))
    assert failed and passed and again and passed[1].severity == OK
    assert judge("n", [failed[1], passed[1]]).severity == FAULT
    assert judge("n", [failed[1], passed[1], again[1]]).severity == OK


@pytest.mark.parametrize("junk", ["", "not json and no id", '{"level": "info"}', "[1,2]", "x" * 70_000, b"\xff"])
def test_junk_is_not_a_result(junk) -> None:
    assert parse_results_record(junk) is None


def test_a_pass_later_in_the_same_run_does_not_clear_its_failure_a_later_run_does() -> None:
    def record(level: str, msg: str, ts: str) -> str:
        return json.dumps({"level": level, "ts": ts, "msg": msg, "instanceId": "i-0123456789abcdef0"})

    run1, run2 = "DeepHealthCheckResults/run-1", "DeepHealthCheckResults/run-2"
    failed = parse_results_record(record("error", "DCGM diagnostic failed: ECC", "2026-11-20T11:00:00Z"), 0, run1)
    same = parse_results_record(record("info", "GpuPci Count check success", "2026-11-20T11:01:00Z"), 0, run1)
    later = parse_results_record(record("info", "stress-ng success", "2026-11-21T11:00:00Z"), 0, run2)
    assert failed and same and later and failed[1].topic == same[1].topic == "InstanceStress"
    assert judge("n", [failed[1], same[1]]).severity == FAULT
    assert judge("n", [failed[1], same[1], later[1]]).severity == OK
