"""Nodes without instance ids: keying (a missing InstanceId and "" alike), plans that send NodeLogicalIds in
calls of their own and their limits, the refusal outside Continuous mode, and reading FailedNodeLogicalIds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.test_actions import ARN, CONTEXT, ScriptedClient, detail, lines, nodes
from tui.core.actions import DELETE, FAILED, REBOOT, REPLACE, SUCCESSFUL, plan_action, run_plan
from tui.core.journal import Journal
from tui.core.models import Node, is_continuous, no_instance_reason
from tui.core.snapshot import build_snapshot

SUMMARY = {
    "InstanceGroupName": "workers",
    "InstanceType": "ml.g5.8xlarge",
    "InstanceStatus": {"Status": "Pending", "Message": "Insufficient capacity"},
    "NodeLogicalId": "workers-0a1b2c3d",
}


def continuous(workers: int = 200):
    return replace(detail("EKS", workers), node_provisioning_mode="Continuous")


def waiting(count: int, group: str = "workers") -> list[Node]:
    return [
        Node("", group, "ml.g5.8xlarge", "Pending", "", None, "", node_logical_id=f"{group}-{n:08x}")
        for n in range(count)
    ]


@pytest.mark.parametrize("summary", [SUMMARY, {**SUMMARY, "InstanceId": ""}, {**SUMMARY, "InstanceId": None}])
def test_a_node_without_an_instance_id_is_keyed_by_its_logical_id(summary):
    node = Node.from_api(summary)
    assert node.instance_id == "" and node.key == "workers-0a1b2c3d" and node.logical_only
    assert "has no instance yet" in no_instance_reason(node, "an SSM session")


def test_a_node_with_an_instance_id_keeps_it_as_its_key():
    node = Node.from_api({**SUMMARY, "InstanceId": "i-0123456789abcdef0"})
    assert node.key == "i-0123456789abcdef0" and not node.logical_only
    assert no_instance_reason(node, "an SSM session") == ""


def test_snapshot_keys_both_kinds_and_drops_a_node_with_neither():
    given = [*nodes(2), *waiting(2), Node("", "workers", "", "Pending", "", None, "")]
    snapshot = build_snapshot("train", given, None, 0.0)
    assert set(snapshot.nodes) == {n.key for n in given[:4]}
    assert set(snapshot.rows) == set(snapshot.nodes)
    assert str(snapshot.rows["workers-00000001"].values[0]) == "workers-00000001"


@pytest.mark.parametrize(
    "kind, count, sizes", [(REBOOT, 30, [25, 5]), (REPLACE, 25, [25]), (DELETE, 60, [50, 10]), (DELETE, 50, [50])]
)
def test_logical_ids_are_chunked_by_their_own_limit_after_the_instance_ids(kind, count, sizes):
    plan = plan_action(kind, continuous(), [*waiting(count), *nodes(3)])
    assert not plan.refused, plan.refusals
    members = plan.chunk_members
    assert members == ("NodeIds", *["NodeLogicalIds"] * len(sizes))
    assert [len(c) for c in plan.chunks] == [3, *sizes]
    assert all(key.startswith("i-") for key in plan.chunks[0])
    assert not any(key.startswith("i-") for chunk in plan.chunks[1:] for key in chunk)


def test_logical_ids_are_refused_on_a_cluster_not_in_continuous_mode():
    assert not is_continuous(detail("EKS"))
    plan = plan_action(REBOOT, detail("EKS"), [*nodes(1), *waiting(1)])
    assert plan.refused and any("Continuous" in reason for reason in plan.refusals)
    with pytest.raises(ValueError):
        run_plan(plan, ScriptedClient(), None, CONTEXT)


def test_run_sends_each_member_and_reads_outcomes_from_the_logical_lists(tmp_path):
    logical = waiting(2)
    instance = nodes(1)
    calls_seen = []

    def answer(name, **params):
        calls_seen.append(params)
        if "NodeLogicalIds" in params:
            first, second = params["NodeLogicalIds"]
            return {
                "Successful": [],
                "Failed": [],
                "SuccessfulNodeLogicalIds": [first],
                "FailedNodeLogicalIds": [{"NodeLogicalId": second, "ErrorCode": "InvalidNodeStatus", "Message": "m"}],
            }
        return {"Successful": params["NodeIds"], "Failed": []}

    class Client:
        def batch_reboot_cluster_nodes(self, **params):
            return answer("reboot", **params)

    journal = Journal(tmp_path / "actions.jsonl")
    result = run_plan(plan_action(REBOOT, continuous(), [*instance, *logical]), Client(), journal, CONTEXT)
    assert sorted(tuple(sorted(p)) for p in calls_seen) == [
        ("ClusterName", "NodeIds"),
        ("ClusterName", "NodeLogicalIds"),
    ]
    assert all(p["ClusterName"] == ARN for p in calls_seen)
    outcomes = {key: o.outcome for key, o in result.outcomes.items()}
    assert outcomes == {instance[0].key: SUCCESSFUL, logical[0].key: SUCCESSFUL, logical[1].key: FAILED}
    assert result.outcomes[logical[1].key].code == "InvalidNodeStatus"
    intents = [line for line in lines(journal.path) if line["kind"] == "intent"]
    assert sorted(i.get("node_logical_ids", []) for i in intents) == [[], [n.key for n in logical]]
    assert all(("node_ids" in i) != ("node_logical_ids" in i) for i in intents)
