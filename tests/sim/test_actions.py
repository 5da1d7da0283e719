"""Batch reboot / replace / delete: limits, per-node failures, and the state machines over a frozen clock."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from tests.sim.conftest import T0, clients
from tui.sim import world as timings

SLURM = "llm-pretrain-slurm"
EKS = "genai-eks-prod"
NODE_ID = re.compile(r"i-0[0-9a-f]{16}")


def at(sim, seconds: float) -> None:
    """Move the frozen clock to T0 + seconds."""
    sim.clock.advance(T0 + seconds - sim.clock.now())


def running_workers(sim, cluster: str, group: str) -> list[str]:
    return sorted(
        n.instance_id
        for n in sim.cluster(cluster).nodes.values()
        if n.group.name == group and n.status == "Running" and n.operation is None
    )


def status(sm, cluster: str, node_id: str) -> str:
    return sm.describe_cluster_node(ClusterName=cluster, NodeId=node_id)["NodeDetails"]["InstanceStatus"]["Status"]


def listed(sm, cluster: str) -> dict[str, dict]:
    pages = sm.get_paginator("list_cluster_nodes").paginate(ClusterName=cluster)
    return {n["InstanceId"]: n for page in pages for n in page["ClusterNodeSummaries"]}


def group_counts(sm, cluster: str, group: str) -> tuple[int, int]:
    groups = sm.describe_cluster(ClusterName=cluster)["InstanceGroups"]
    found = next(g for g in groups if g["InstanceGroupName"] == group)
    return found["TargetCount"], found["CurrentCount"]


@pytest.mark.parametrize("method", ["batch_reboot_cluster_nodes", "batch_replace_cluster_nodes"])
def test_26_node_ids_are_a_validation_exception(sm, method):
    ids = [f"i-0{n:016x}" for n in range(26)]
    with pytest.raises(ClientError) as excinfo:
        getattr(sm, method)(ClusterName=SLURM, NodeIds=ids)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"1 validation error detected: Value '[{', '.join(ids)}]' at 'nodeIds' failed to "
        f"satisfy constraint: Member must have length less than or equal to 25"
    )
    reply = getattr(sm, method)(ClusterName=SLURM, NodeIds=ids[:25])  # 25 is accepted (all unknown here)
    assert len(reply["Failed"]) == 25


def test_delete_takes_99_and_sends_more_to_support(sm):
    ids = [f"i-0{n:016x}" for n in range(100)]
    with pytest.raises(ClientError) as excinfo:
        sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=ids)
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert "contact AWS Support" in excinfo.value.response["Error"]["Message"]
    reply = sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=ids[:99])
    assert {f["Code"] for f in reply["Failed"]} == {"NodeIdNotFound"} and len(reply["Failed"]) == 99


def test_reboot_walks_running_pending_running(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    node = running_workers(sim, SLURM, "worker-group-1")[0]
    assert sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[node])["Successful"] == [node]
    assert status(sm, SLURM, node) == "Running"  # asynchronous: nothing visible yet
    again = sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[node])
    assert again["Failed"][0]["ErrorCode"] == "InstanceIdInUse" and "Successful" not in again
    replace = sm.batch_replace_cluster_nodes(ClusterName=SLURM, NodeIds=[node])
    assert replace["Failed"][0]["ErrorCode"] == "InstanceIdInUse"
    at(sim, timings.REBOOT_PENDING_AFTER)
    assert status(sm, SLURM, node) == "Pending"
    at(sim, timings.REBOOT_RUNNING_AFTER - 0.5)
    assert status(sm, SLURM, node) == "Pending"
    at(sim, timings.REBOOT_RUNNING_AFTER)
    assert status(sm, SLURM, node) == "Running"
    assert sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[node])["Successful"] == [node]


def test_replace_retires_the_old_id_and_provisions_a_new_one(quiet_demo):
    sim = quiet_demo
    sm, logs, _ = clients(sim)
    old = running_workers(sim, SLURM, "worker-group-1")[0]
    hostname = listed(sm, SLURM)[old]["PrivateDnsHostname"]
    before = len(listed(sm, SLURM))
    assert sm.batch_replace_cluster_nodes(ClusterName=SLURM, NodeIds=[old])["Successful"] == [old]
    at(sim, timings.SHUTDOWN_AFTER)
    assert status(sm, SLURM, old) == "ShuttingDown"
    at(sim, timings.TERMINATED_AFTER)
    nodes = listed(sm, SLURM)
    assert old not in nodes and len(nodes) == before
    new = sim.landmarks["replacements"][old]
    assert NODE_ID.fullmatch(new) and new != old
    assert nodes[new]["InstanceGroupName"] == "worker-group-1"
    assert nodes[new]["InstanceStatus"]["Status"] == "Pending"
    assert nodes[new]["PrivateDnsHostname"] == hostname  # Slurm keeps the hostname of the node it replaces
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_cluster_node(ClusterName=SLURM, NodeId=old)

    group = sim.cluster(SLURM).log_group
    stream = f"LifecycleConfig/worker-group-1/{new}"
    seen = []
    for second in range(16, 56, 4):
        at(sim, second)
        try:
            events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = None
        seen.append(None if events is None else len(events))
    assert seen[0] is None, "the new node's stream should not exist before its script starts"
    counts = [c for c in seen if c is not None]
    assert counts == sorted(counts) and counts[0] < counts[-1], f"the log should grow over time: {seen}"
    at(sim, timings.TERMINATED_AFTER + timings.REPLACEMENT_RUNNING_AFTER)
    assert status(sm, SLURM, new) == "Running"
    messages = [
        e["message"]
        for e in logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    ]
    assert messages[0] == "[SageMaker] Downloading lifecycle scripts"
    assert messages[-1] == "[SageMaker] The lifecycle scripts succeeded."


def test_eks_replacement_gets_a_new_address_and_labels_follow_the_action(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    rebooted, replaced = running_workers(sim, EKS, "gpu-workers")[:2]

    def health(node_id):
        details = sm.describe_cluster_node(ClusterName=EKS, NodeId=node_id)["NodeDetails"]
        return details["KubernetesConfig"]["CurrentLabels"]["sagemaker.amazonaws.com/node-health-status"]

    assert health(rebooted) == "Schedulable"
    old_ip = sm.describe_cluster_node(ClusterName=EKS, NodeId=replaced)["NodeDetails"]["PrivatePrimaryIp"]
    sm.batch_reboot_cluster_nodes(ClusterName=EKS, NodeIds=[rebooted])
    sm.batch_replace_cluster_nodes(ClusterName=EKS, NodeIds=[replaced])
    assert health(rebooted) == "UnschedulablePendingReboot"
    assert health(replaced) == "UnschedulablePendingReplacement"
    at(sim, 60)
    assert health(rebooted) == "Schedulable"
    new = sim.landmarks["replacements"][replaced]
    details = sm.describe_cluster_node(ClusterName=EKS, NodeId=new)["NodeDetails"]
    assert details["PrivatePrimaryIp"] != old_ip
    assert details["PrivateDnsHostname"].startswith("ip-" + details["PrivatePrimaryIp"].replace(".", "-") + ".")
    descriptions = [e["Description"] for e in sm.list_cluster_events(ClusterName=EKS, NodeId=new)["Events"]]
    assert any(f"launched to replace {replaced}" in d for d in descriptions)
    assert any("has Started" in d for d in descriptions) and any("has Succeeded" in d for d in descriptions)
    reboot_events = [e["Description"] for e in sm.list_cluster_events(ClusterName=EKS, NodeId=rebooted)["Events"]]
    assert any("Reboot requested" in d for d in reboot_events) and any(
        "rebooted successfully" in d for d in reboot_events
    )


def test_delete_drops_target_then_current_count(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    victim = running_workers(sim, SLURM, "worker-group-2")[0]
    target, current = group_counts(sm, SLURM, "worker-group-2")
    assert sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[victim])["Successful"] == [victim]
    assert group_counts(sm, SLURM, "worker-group-2") == (target - 1, current)
    at(sim, timings.SHUTDOWN_AFTER)
    assert status(sm, SLURM, victim) == "ShuttingDown"
    assert group_counts(sm, SLURM, "worker-group-2") == (target - 1, current - 1)
    at(sim, timings.TERMINATED_AFTER + 1)
    assert victim not in listed(sm, SLURM)
    assert sim.node(SLURM, victim) is None
    again = sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[victim])
    assert again["Failed"][0]["Code"] == "NodeIdNotFound"


def test_slurm_controller_cannot_be_replaced_or_deleted_but_can_be_rebooted(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    controller = next(n.instance_id for n in sim.cluster(SLURM).nodes.values() if n.group.name == "controller-machine")
    replace = sm.batch_replace_cluster_nodes(ClusterName=SLURM, NodeIds=[controller])
    assert replace["Failed"][0]["ErrorCode"] == "InvalidInstanceStatus"
    assert "controller-machine" in replace["Failed"][0]["Message"]
    delete = sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[controller])
    assert delete["Failed"][0]["Code"] == "InvalidNodeStatus" and "controller" in delete["Failed"][0]["Message"]
    assert sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[controller])["Successful"] == [controller]


def test_a_pending_node_is_refused_and_a_failed_node_can_be_replaced(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    pending, failed = sim.landmarks["pending_node"], sim.landmarks["failed_node"]
    for method in (sm.batch_reboot_cluster_nodes, sm.batch_replace_cluster_nodes):
        failure = method(ClusterName=SLURM, NodeIds=[pending])["Failed"][0]
        assert failure["ErrorCode"] == "InvalidInstanceStatus" and "Pending" in failure["Message"]
    assert "FailureMessage" in sm.describe_cluster(ClusterName=SLURM)
    assert sm.batch_replace_cluster_nodes(ClusterName=SLURM, NodeIds=[failed])["Successful"] == [failed]
    at(sim, timings.TERMINATED_AFTER + 1)
    assert "FailureMessage" not in sm.describe_cluster(ClusterName=SLURM)


def test_injected_node_failure_comes_back_in_failed(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    first, second = running_workers(sim, SLURM, "worker-group-2")[:2]
    sim.faults.node_failure(first, "InternalServerError", times=2)
    reply = sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[first, second])
    assert reply["Successful"] == [second]
    assert [(f["NodeId"], f["ErrorCode"]) for f in reply["Failed"]] == [(first, "InternalServerError")]
    assert reply["Failed"][0]["Message"]
    reply = sm.batch_replace_cluster_nodes(ClusterName=SLURM, NodeIds=[first])
    assert [(f["NodeId"], f["ErrorCode"]) for f in reply["Failed"]] == [(first, "InternalServerError")]
    assert sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[first])["Successful"] == [first]
    third = running_workers(sim, SLURM, "worker-group-2")[0]
    sim.faults.node_failure(third, "NodeIdInUse", message="busy elsewhere")
    delete = sm.batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[third])
    assert delete["Failed"] == [{"NodeId": third, "Code": "NodeIdInUse", "Message": "busy elsewhere"}]


def test_repeated_ids_in_one_call_are_acted_on_once(quiet_demo):
    sim = quiet_demo
    sm = clients(sim)[0]
    node = running_workers(sim, SLURM, "worker-group-2")[0]
    reply = sm.batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[node, node])
    assert reply == {"Successful": [node], "Failed": [], "ResponseMetadata": reply["ResponseMetadata"]}


def test_the_creating_cluster_comes_up_within_a_minute(quiet_demo):
    sim = quiet_demo
    sm, logs, _ = clients(sim)
    name = sim.landmarks["creating_cluster"]
    assert sm.describe_cluster(ClusterName=name)["ClusterStatus"] == "Creating"
    running = []
    for second in range(0, 75, 5):
        at(sim, second)
        running.append(sum(n["InstanceStatus"]["Status"] == "Running" for n in listed(sm, name).values()))
    assert running[0] == 0 and running[-1] == 7 and running == sorted(running)
    assert len(set(running)) > 2, f"nodes should come up one after another: {running}"
    described = sm.describe_cluster(ClusterName=name)
    assert described["ClusterStatus"] == "InService"
    assert {g["Status"] for g in described["InstanceGroups"]} == {"InService"}
    assert [g["CurrentCount"] for g in described["InstanceGroups"]] == [1, 6]


def test_background_churn_changes_a_node_now_and_then(demo):
    sm = clients(demo)[0]
    changes = 0
    previous = {k: v["InstanceStatus"]["Status"] for k, v in listed(sm, SLURM).items()}
    for second in range(10, 250, 10):
        at(demo, second)
        current = {k: v["InstanceStatus"]["Status"] for k, v in listed(sm, SLURM).items()}
        changes += sum(current.get(k) != v for k, v in previous.items())
        previous = current
    assert changes >= 2
