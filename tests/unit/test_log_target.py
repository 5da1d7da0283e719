"""Whose log `l` opens: a node (its own message first), or the log a cluster's FailureMessage names."""

from __future__ import annotations

from tui.core.log_target import LogTarget, instance_in_stream
from tui.core.models import ClusterDetail, Node
from tui.sim.model import lifecycle_failure_message

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222"
IID = "i-0abc1234567890def"
GROUP = "/aws/sagemaker/Clusters/ml/aa11bbbbb222"


def detail(message: str = "") -> ClusterDetail:
    return ClusterDetail.from_api(
        {
            "ClusterName": "ml",
            "ClusterArn": ARN,
            "ClusterStatus": "InService",
            "FailureMessage": message,
            "Orchestrator": {},
            "InstanceGroups": [],
        }
    )


def node(instance_id: str = IID, status: str = "Failure", message: str = "") -> Node:
    return Node.from_api(
        {
            "InstanceId": instance_id,
            "InstanceGroupName": "workers",
            "InstanceType": "ml.g5.8xlarge",
            "InstanceStatus": {"Status": status, "Message": message},
        }
    )


def test_a_nodes_target_carries_its_own_message_before_the_clusters():
    target = LogTarget.for_node("ml", detail("cluster says"), node(message="node says"))
    assert (target.cluster_arn, target.instance_id, target.instance_group) == (ARN, IID, "workers")
    assert target.failure_messages == ("node says", "cluster says")
    assert not target.provisioning and LogTarget.for_node("ml", None, node(status="Pending")).provisioning


def test_the_guide_failure_message_names_instance_and_group():
    message = lifecycle_failure_message(IID, GROUP, f"LifecycleConfig/worker-group-2/{IID}")
    target = LogTarget.for_cluster_failure(detail(message))
    assert target is not None
    assert (target.instance_id, target.instance_group, target.failure_messages) == (IID, "worker-group-2", (message,))


def test_the_briefs_stream_naming_names_the_instance_and_the_listing_knows_its_group():
    message = f'{{"LogGroup": "/aws/sagemaker/hyperpod/ml", "LogStream": "{IID}/on_create.sh"}}'
    target = LogTarget.for_cluster_failure(detail(message), {IID: node(status="Failure")})
    assert target is not None and (target.instance_id, target.instance_group, target.node_status) == (
        IID,
        "workers",
        "Failure",
    )


def test_an_old_message_without_a_location_still_names_the_instance():
    message = (
        f'Instance {IID} failed to provision with the following error: "Lifecycle scripts did not run '
        'successfully. Please see CloudWatch logs for lifecycle script execution details."'
    )
    target = LogTarget.for_cluster_failure(detail(message))
    assert target is not None and target.instance_id == IID and target.instance_group is None


def test_no_message_or_one_naming_nothing_is_no_target():
    assert LogTarget.for_cluster_failure(detail("")) is None
    assert LogTarget.for_cluster_failure(detail("The VPC subnet has no free addresses.")) is None


def test_instance_in_stream():
    assert instance_in_stream(f"LifecycleConfig/workers/{IID}") == (IID, "workers")
    assert instance_in_stream(f"{IID}/on_create.sh") == (IID, None)
    assert instance_in_stream("SagemakerHealthMonitoringAgent") == (None, None)
