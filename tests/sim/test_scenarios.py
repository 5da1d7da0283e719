"""What each scenario contains, that it is deterministic, and that listing 10,000 nodes stays cheap."""

from __future__ import annotations

import re
import time

import botocore.session
import pytest

from tests.sim.conftest import T0, clients
from tui.sim import SimClock, Simulator
from tui.sim.model import FAQ_URL
from tui.sim.sagemaker import list_cluster_nodes


def all_nodes(sm, cluster: str, **params) -> list[dict]:
    pages = sm.get_paginator("list_cluster_nodes").paginate(ClusterName=cluster, **params)
    return [n for page in pages for n in page["ClusterNodeSummaries"]]


def enum(service: str, shape: str) -> set[str]:
    return set(botocore.session.get_session().get_service_model(service).shape_for(shape).enum)


def test_same_seed_and_clock_give_identical_listings():
    def snapshot(seed):
        sim = Simulator("demo", clock=SimClock.frozen(at=T0), seed=seed)
        sm, logs, _ = clients(sim)
        sim.clock.advance(45)
        listing = {c: all_nodes(sm, c) for c in sim.world.clusters}
        described = {c: sm.describe_cluster(ClusterName=c) for c in sim.world.clusters}
        for value in described.values():
            value.pop("ResponseMetadata")
        group = sim.cluster("research-slurm-dev").log_group
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        return listing, described, streams

    first = snapshot(7)
    assert first == snapshot(7)
    assert first[0] != snapshot(8)[0]


def test_same_seed_and_actions_give_identical_replacements():
    def replaced(seed):
        sim = Simulator("demo", clock=SimClock.frozen(at=T0), seed=seed)
        sm = clients(sim)[0]
        victims = sorted(n.instance_id for n in sim.cluster("genai-eks-prod").nodes.values() if n.status == "Running")[
            :3
        ]
        sm.batch_replace_cluster_nodes(ClusterName="genai-eks-prod", NodeIds=victims)
        sim.clock.advance(70)
        listing = all_nodes(sm, "genai-eks-prod")
        events = [e["EventId"] for e in sm.list_cluster_events(ClusterName="genai-eks-prod", MaxResults=100)["Events"]]
        return victims, listing, events

    victims, listing, events = replaced(5)
    # The replacement happened: the victims are gone from the listing and as many new instances took their places.
    listed = {node["InstanceId"] for node in listing}
    assert len(victims) == 3
    assert listed.isdisjoint(victims)
    before = {n for n in Simulator("demo", clock=SimClock.frozen(at=T0), seed=5).cluster("genai-eks-prod").nodes}
    assert len(listed - before) == len(victims)
    # …and it is deterministic: the same seed and actions give the same instances and events.
    assert (victims, listing, events) == replaced(5)


def test_demo_has_the_promised_clusters(demo):
    sm = clients(demo)[0]
    slurm = sm.describe_cluster(ClusterName="llm-pretrain-slurm")
    groups = {g["InstanceGroupName"]: g for g in slurm["InstanceGroups"]}
    assert list(groups) == ["controller-machine", "login-group", "worker-group-1", "worker-group-2"]
    assert [g["SlurmConfig"]["NodeType"] for g in groups.values()] == ["Controller", "Login", "Compute", "Compute"]
    assert groups["controller-machine"]["TargetCount"] == 1 and groups["login-group"]["TargetCount"] == 2
    assert slurm["Orchestrator"] == {"Slurm": {"SlurmConfigStrategy": "Managed"}}
    nodes = all_nodes(sm, "llm-pretrain-slurm")
    assert len(nodes) == 40
    statuses = [n["InstanceStatus"]["Status"] for n in nodes]
    assert statuses.count("Failure") == 1 and statuses.count("Pending") == 1
    failed = next(n for n in nodes if n["InstanceStatus"]["Status"] == "Failure")
    log_group = demo.cluster("llm-pretrain-slurm").log_group
    stream = f"LifecycleConfig/{failed['InstanceGroupName']}/{failed['InstanceId']}"
    assert slurm["FailureMessage"] == (
        f'Instance {failed["InstanceId"]} failed to provision with the following error: "Lifecycle scripts did not '
        f"run successfully. To view lifecycle script logs, visit log group \u2018{log_group}' and log stream "
        f"\u2018{stream}\u2019. If you cannot find corresponding lifecycle script logs in CloudWatch, please make sure "
        f"you follow one of the options here: {FAQ_URL}.\u201d Note that multiple instances may be impacted."
    )
    assert log_group in failed["InstanceStatus"]["Message"] and stream in failed["InstanceStatus"]["Message"]

    eks = sm.describe_cluster(ClusterName="genai-eks-prod")
    assert eks["NodeProvisioningMode"] == "Continuous"
    assert re.fullmatch(r"arn:aws:eks:us-west-2:123456789012:cluster/[\w-]+", eks["Orchestrator"]["Eks"]["ClusterArn"])
    eks_nodes = all_nodes(sm, "genai-eks-prod")
    assert len(eks_nodes) == 24
    assert [n["InstanceStatus"]["Status"] for n in eks_nodes].count("DeepHealthCheckInProgress") == 1
    checking = demo.landmarks["deep_health_check_node"]
    labels = sm.describe_cluster_node(ClusterName="genai-eks-prod", NodeId=checking)["NodeDetails"]["KubernetesConfig"][
        "CurrentLabels"
    ]
    assert labels["sagemaker.amazonaws.com/node-health-status"] == "Unschedulable"
    assert labels["sagemaker.amazonaws.com/deep-health-check-status"] == "InProgress"
    assert sm.describe_cluster(ClusterName="research-slurm-dev")["ClusterStatus"] == "Creating"
    pages = list(
        sm.get_paginator("list_cluster_events").paginate(
            ClusterName="genai-eks-prod", PaginationConfig={"PageSize": 20}
        )
    )
    events = [e for page in pages for e in page["Events"]]
    assert len(pages) > 2 and len({e["EventId"] for e in events}) == len(events)
    times = [e["EventTime"] for e in events]
    assert times == sorted(times)
    # Most real events carry no EventLevel; the demo keeps some of each kind.
    assert {e.get("EventLevel") for e in events} == {None, *enum("sagemaker", "ClusterEventLevel")}
    assert {e["ResourceType"] for e in events} == enum("sagemaker", "ClusterEventResourceType")


def test_values_look_like_aws(demo):
    sm = clients(demo)[0]
    for summary in sm.list_clusters()["ClusterSummaries"]:
        assert re.fullmatch(r"arn:aws:sagemaker:us-west-2:123456789012:cluster/[a-z0-9]{12}", summary["ClusterArn"])
        assert summary["CreationTime"].timestamp() < T0
        described = sm.describe_cluster(ClusterName=summary["ClusterName"])
        for group in described["InstanceGroups"]:
            assert group["InstanceType"].startswith("ml.")
            assert group["LifeCycleConfig"]["SourceS3Uri"].startswith("s3://")
            assert re.fullmatch(r"arn:aws:iam::123456789012:role/[\w+=,.@-]+", group["ExecutionRole"])
        for node in all_nodes(sm, summary["ClusterName"]):
            assert re.fullmatch(r"i-0[0-9a-f]{16}", node["InstanceId"])
            details = sm.describe_cluster_node(ClusterName=summary["ClusterName"], NodeId=node["InstanceId"])[
                "NodeDetails"
            ]
            ip = details["PrivatePrimaryIp"]
            assert re.fullmatch(r"10\.\d+\.\d+\.\d+", ip)
            assert details["PrivateDnsHostname"] == f"ip-{ip.replace('.', '-')}.us-west-2.compute.internal"
            assert details["Placement"]["AvailabilityZone"].startswith("us-west-2")
    days_old = (T0 - sm.describe_cluster(ClusterName="llm-pretrain-slurm")["CreationTime"].timestamp()) / 86_400
    assert 5 < days_old < 60


def test_zoo_covers_every_enum_value(zoo):
    sm = clients(zoo)[0]
    cluster_statuses, group_statuses, node_statuses = set(), set(), set()
    images, updates, strategies = set(), set(), set()
    for summary in sm.list_clusters()["ClusterSummaries"]:
        cluster_statuses.add(summary["ClusterStatus"])
        described = sm.describe_cluster(ClusterName=summary["ClusterName"])
        group_statuses |= {g["Status"] for g in described["InstanceGroups"]}
        images |= {g["ImageVersionStatus"] for g in described["InstanceGroups"]}
        updates |= {g["SoftwareUpdateStatus"] for g in described["InstanceGroups"] if "SoftwareUpdateStatus" in g}
        strategies |= {
            g["AutoPatchConfig"]["PatchingStrategy"] for g in described["InstanceGroups"] if "AutoPatchConfig" in g
        }
        node_statuses |= {n["InstanceStatus"]["Status"] for n in all_nodes(sm, summary["ClusterName"])}
    assert cluster_statuses == enum("sagemaker", "ClusterStatus")
    assert group_statuses == enum("sagemaker", "InstanceGroupStatus")
    assert node_statuses == enum("sagemaker", "ClusterInstanceStatus")
    assert images == enum("sagemaker", "ClusterImageVersionStatus")
    assert updates == enum("sagemaker", "SoftwareUpdateStatus")
    assert strategies <= enum("sagemaker", "ClusterPatchingStrategy") and strategies


def test_scale_10k_shape(scale):
    sm = clients(scale)[0]
    described = sm.describe_cluster(ClusterName="scale-10k")
    assert [g["TargetCount"] for g in described["InstanceGroups"]] == [1000] * 10
    nodes = all_nodes(sm, "scale-10k")
    assert len(nodes) == 10_000 and len({n["InstanceId"] for n in nodes}) == 10_000
    assert len({n["PrivateDnsHostname"] for n in nodes}) == 10_000


def test_list_cluster_nodes_paginator_returns_the_full_set_once(scale):
    sm = clients(scale)[0]
    expected = set(scale.cluster("scale-10k").nodes)
    for params, key in (
        ({}, lambda n: (n["LaunchTime"], n["InstanceId"])),
        ({"SortBy": "NAME", "SortOrder": "Descending"}, lambda n: (n["InstanceGroupName"], n["InstanceId"])),
    ):
        pages = list(
            sm.get_paginator("list_cluster_nodes").paginate(
                ClusterName="scale-10k", PaginationConfig={"PageSize": 100}, **params
            )
        )
        nodes = [n for page in pages for n in page["ClusterNodeSummaries"]]
        ids = [n["InstanceId"] for n in nodes]
        assert len(pages) == 100 and len(ids) == 10_000 and set(ids) == expected, params
        keys = [key(n) for n in nodes]
        assert keys == sorted(keys, reverse=params.get("SortOrder") == "Descending"), params
    first = sm.list_cluster_nodes(ClusterName="scale-10k")
    assert len(first["ClusterNodeSummaries"]) == 100  # the default page size


def test_instance_group_name_contains_is_a_substring_match(scale):
    sm = clients(scale)[0]
    one = all_nodes(sm, "scale-10k", InstanceGroupNameContains="group-03")
    assert len(one) == 1000 and {n["InstanceGroupName"] for n in one} == {"worker-group-03"}
    several = all_nodes(sm, "scale-10k", InstanceGroupNameContains="GROUP-0")  # case does not matter
    assert len(several) == 10_000
    middle = all_nodes(sm, "scale-10k", InstanceGroupNameContains="rker")
    assert len(middle) == 10_000
    assert all_nodes(sm, "scale-10k", InstanceGroupNameContains="group-1") == []


def test_creation_time_filters(demo):
    sm = clients(demo)[0]
    nodes = all_nodes(sm, "llm-pretrain-slurm")
    cut = sorted(n["LaunchTime"] for n in nodes)[20]
    after = all_nodes(sm, "llm-pretrain-slurm", CreationTimeAfter=cut)
    before = all_nodes(sm, "llm-pretrain-slurm", CreationTimeBefore=cut)
    assert len(after) == 19 and len(before) == 20
    assert all(n["LaunchTime"] > cut for n in after) and all(n["LaunchTime"] < cut for n in before)
    clusters = sm.list_clusters(CreationTimeAfter=T0 - 86_400)["ClusterSummaries"]
    assert [c["ClusterName"] for c in clusters] == ["research-slurm-dev"]


def test_pagination_survives_nodes_disappearing_between_pages(quiet_demo):
    sm = clients(quiet_demo)[0]
    first = sm.list_cluster_nodes(ClusterName="llm-pretrain-slurm", MaxResults=10)
    seen = [n["InstanceId"] for n in first["ClusterNodeSummaries"]]
    later = [
        n.instance_id
        for n in quiet_demo.cluster("llm-pretrain-slurm").nodes.values()
        if n.instance_id not in seen and n.status == "Running" and n.group.slurm_node_type == "Compute"
    ][:3]
    sm.batch_delete_cluster_nodes(ClusterName="llm-pretrain-slurm", NodeIds=[seen[-1]] + later)
    quiet_demo.clock.advance(20)
    rest = all_nodes(sm, "llm-pretrain-slurm", PaginationConfig={"StartingToken": first["NextToken"]})
    ids = seen + [n["InstanceId"] for n in rest]
    assert len(ids) == len(set(ids)) == 40 - len(later)


def test_a_list_cluster_nodes_page_is_cheap(scale):
    params = {"ClusterName": "scale-10k", "MaxResults": 100}
    token_params = dict(params, NextToken=scale.handle("sagemaker", "ListClusterNodes", params)["NextToken"])
    world = scale.world
    for page_params in (params, token_params, dict(params, InstanceGroupNameContains="group-07")):
        list_cluster_nodes(world, page_params)  # warm the caches
        best = min(_timed(lambda p=page_params: list_cluster_nodes(world, p), 20) for _ in range(5))
        assert best < 0.0008, f"{best * 1e6:.0f} us per page for {page_params}"


def _timed(fn, repeat: int) -> float:
    began = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - began) / repeat


@pytest.mark.parametrize("scenario", ["demo", "zoo"])
def test_scenarios_build_quickly(scenario):
    began = time.perf_counter()
    Simulator(scenario, clock=SimClock.frozen(at=T0))
    assert time.perf_counter() - began < 0.5


def test_list_clusters_pages_sorts_and_filters(zoo):
    sm = clients(zoo)[0]
    pages = list(sm.get_paginator("list_clusters").paginate(SortBy="NAME", PaginationConfig={"PageSize": 2}))
    names = [c["ClusterName"] for page in pages for c in page["ClusterSummaries"]]
    assert len(pages) == 4 and names == sorted(zoo.world.clusters)
    newest_first = sm.list_clusters(SortOrder="Descending")["ClusterSummaries"]
    times = [c["CreationTime"] for c in newest_first]
    assert times == sorted(times, reverse=True) and len(times) == 8
    assert [c["ClusterName"] for c in sm.list_clusters(NameContains="UPDATING", SortBy="NAME")["ClusterSummaries"]] == [
        "zoo-systemupdating",
        "zoo-updating",
    ]
