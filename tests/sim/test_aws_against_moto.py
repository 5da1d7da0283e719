"""The AWS layer against moto's server: an implementation of the API that is not ours.

The simulator is tested against botocore's shapes; this checks `core.aws` against a second, independent peer so
our code and our simulator cannot drift into agreeing only with each other.
"""

from __future__ import annotations

import boto3
import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from tui.core.aws import HyperPodApi

ROLE = "arn:aws:iam::123456789012:role/hyperpod"


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def group(name, count, instance_type="ml.p5.48xlarge"):
    return {
        "InstanceGroupName": name,
        "InstanceCount": count,
        "InstanceType": instance_type,
        "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/scripts/", "OnCreate": "on_create.sh"},
        "ExecutionRole": ROLE,
        "ThreadsPerCore": 1,
    }


@pytest.fixture(scope="module")
def api(endpoint):
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-west-2")
    hyperpod = HyperPodApi(session, endpoint_url=endpoint)
    client = hyperpod.client("sagemaker")
    vpc = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
    # "worker-1" is a substring of "worker-10". moto 5.2's ListClusterNodes cannot page (it keys pages on a node
    # "arn" that nodes lack and repeats its NextToken), so node listings here stay within one page of 100;
    # many-page node listing is tested against the simulator.
    client.create_cluster(
        ClusterName="big", InstanceGroups=[group("worker-1", 60), group("worker-10", 30)], VpcConfig=vpc
    )
    for n in range(104):
        client.create_cluster(
            ClusterName=f"small-{n:03d}", InstanceGroups=[group("g", 1, "ml.m5.large")], VpcConfig=vpc
        )
    yield hyperpod
    hyperpod.close()


def test_list_clusters_follows_every_page(api):
    clusters = api.list_clusters()
    names = [cluster.name for cluster in clusters]
    assert len(names) == 105 == len(set(names))
    assert "big" in names and all(cluster.arn.startswith("arn:aws:sagemaker:") for cluster in clusters)


def test_describe_cluster(api):
    detail = api.describe_cluster("big")
    assert [g.name for g in detail.instance_groups] == ["worker-1", "worker-10"]
    assert detail.group("worker-1").current_count == 60
    assert detail.group("worker-1").lifecycle.on_create == "on_create.sh"


def test_list_nodes_per_group_keeps_exact_groups_and_every_page(api):
    nodes = api.list_nodes("big", ["worker-1", "worker-10"])
    by_group = {}
    for node in nodes:
        by_group.setdefault(node.group, set()).add(node.instance_id)
    assert {g: len(ids) for g, ids in by_group.items()} == {"worker-1": 60, "worker-10": 30}
    assert len(nodes) == len({node.instance_id for node in nodes}) == 90


def test_list_nodes_without_groups_lists_everything(api):
    assert len(api.list_nodes("big")) == 90


def test_describe_node(api):
    some = api.list_nodes("big", ["worker-10"])[0]
    detail = api.describe_node("big", some.instance_id)
    assert detail.node.instance_id == some.instance_id and detail.node.group == "worker-10"


def test_listing_with_logical_ids_tolerates_a_peer_without_the_flag(api):
    """moto 5 knows no IncludeNodeLogicalIds: it ignores it and sends no NodeLogicalId. The listing then is the
    plain one, every node keyed by its instance id, and describing still goes by NodeId."""
    nodes = api.list_nodes("big", ["worker-1", "worker-10"], logical_ids=True)
    assert len(nodes) == len({node.key for node in nodes}) == 90
    assert all(node.key == node.instance_id and not node.logical_only for node in nodes)
    detail = api.describe_node("big", nodes[0].instance_id, logical_id=nodes[0].node_logical_id)
    assert detail.node.instance_id == nodes[0].instance_id
