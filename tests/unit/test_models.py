from datetime import UTC, datetime

import pytest

from tui.core.models import ClusterDetail, Node, NodeDetail, cluster_id_from_arn, ip_from_hostname, status_kind

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222"


def test_cluster_id_is_the_last_arn_segment():
    assert cluster_id_from_arn(ARN) == "aa11bbbbb222"
    with pytest.raises(ValueError):
        cluster_id_from_arn("arn:aws:sagemaker:us-west-2:123456789012:cluster/Not-An-Id")


def test_ip_from_hostname():
    assert ip_from_hostname("ip-10-1-117-36.us-west-2.compute.internal") == "10.1.117.36"
    assert ip_from_hostname("ip-10-1-117-36") == "10.1.117.36"
    assert ip_from_hostname("ip-10-1-300-36") == ""
    assert ip_from_hostname("node-7") == ""


def test_unknown_statuses_are_kept_and_coloured_unknown():
    assert status_kind("Failure") == "failed" and status_kind("BrandNewState") == "unknown"


def test_orchestrator_and_groups_from_describe_cluster():
    eks = ClusterDetail.from_api(
        {
            "ClusterArn": ARN,
            "ClusterName": "e",
            "ClusterStatus": "InService",
            "Orchestrator": {"Eks": {"ClusterArn": "arn:aws:eks:us-west-2:1:cluster/x"}},
            "InstanceGroups": [],
        }
    )
    assert eks.orchestrator == "EKS" and eks.eks_cluster_arn.endswith("cluster/x")
    slurm = ClusterDetail.from_api(
        {
            "ClusterArn": ARN,
            "ClusterName": "s",
            "ClusterStatus": "Failed",
            "FailureMessage": "boom",
            "InstanceGroups": [
                {
                    "InstanceGroupName": "controller-machine",
                    "InstanceType": "ml.m5.12xlarge",
                    "CurrentCount": 1,
                    "TargetCount": 1,
                    "Status": "InService",
                    "SlurmConfig": {"NodeType": "Controller"},
                    "ActiveOperations": {"Scaling": 1},
                    "LifeCycleConfig": {"SourceS3Uri": "s3://x/", "OnCreate": "on_create.sh"},
                }
            ],
        }
    )
    assert slurm.orchestrator == "Slurm" and slurm.failure_message == "boom" and slurm.cluster_id == "aa11bbbbb222"
    group = slurm.group("controller-machine")
    assert group.slurm_node_type == "Controller" and group.active_operations == (("Scaling", 1),)
    assert group.lifecycle.on_create == "on_create.sh"


def test_node_and_node_detail_parse_times_and_labels():
    launched = datetime(2026, 1, 2, tzinfo=UTC)
    summary = {
        "InstanceId": "i-0123456789abcdef0",
        "InstanceGroupName": "g",
        "InstanceType": "ml.p5.48xlarge",
        "LaunchTime": launched,
        "InstanceStatus": {"Status": "Failure", "Message": "m"},
        "PrivateDnsHostname": "ip-10-0-0-1.ec2.internal",
    }
    node = Node.from_api(summary)
    assert node.launch_time == launched.timestamp() and node.ip == "10.0.0.1" and node.message == "m"
    detail = NodeDetail.from_api(
        {
            **summary,
            "PrivatePrimaryIp": "10.0.0.1",
            "KubernetesConfig": {
                "CurrentLabels": {"b": "2", "a": "1"},
                "CurrentTaints": [{"Key": "k", "Value": "v", "Effect": "NoSchedule"}],
            },
        }
    )
    assert detail.kubernetes_labels == (("a", "1"), ("b", "2")) and detail.kubernetes_taints == ("k=v:NoSchedule",)
