"""SageMaker's HyperPod read operations: clusters, nodes and cluster events.

Every handler takes the World (already advanced to now, its lock held) and the request parameters, and
returns the reply as AWS JSON 1.1 puts it on the wire. The Batch* actions live in sagemaker_actions.py.
"""

from __future__ import annotations

from tui.sim.dispatcher import OperationTable
from tui.sim.errors import SimError, validation_error
from tui.sim.model import Cluster, Node
from tui.sim.paging import next_token, page, resume_key
from tui.sim.protocol import JsonFragments, read_time, wire_time
from tui.sim.world import World

sagemaker = OperationTable("sagemaker")

# AWS does not document these defaults; 100 is the model's maximum and what the service is seen to use.
DEFAULT_MAX_RESULTS = 100

BAD_TOKEN = validation_error("Invalid pagination token: the NextToken is not valid for this request.")


def require_cluster(world: World, name_or_arn: str) -> Cluster:
    cluster = world.find_cluster(name_or_arn)
    if cluster is None:
        raise SimError("ResourceNotFound", f"Cluster {name_or_arn} not found.")
    return cluster


def _time_window(params: dict, after_key: str, before_key: str) -> tuple[float | None, float | None]:
    after = read_time(params[after_key], after_key) if params.get(after_key) is not None else None
    before = read_time(params[before_key], before_key) if params.get(before_key) is not None else None
    return after, before


def _within(value: float, after: float | None, before: float | None) -> bool:
    # Compared in whole milliseconds: the precision timestamps have on the wire, both ways.
    ms = round(value * 1000)
    return (after is None or ms > round(after * 1000)) and (before is None or ms < round(before * 1000))


@sagemaker("ListClusters")
def list_clusters(world: World, params: dict) -> dict:
    sort_by = params.get("SortBy", "CREATION_TIME")
    descending = params.get("SortOrder") == "Descending"
    contains = (params.get("NameContains") or "").lower()
    after, before = _time_window(params, "CreationTimeAfter", "CreationTimeBefore")
    pairs: list[tuple[tuple[str | float, ...], Cluster]]
    if sort_by == "NAME":
        pairs = sorted(((c.name,), c) for c in world.clusters.values())
    else:
        pairs = sorted(((wire_time(c.creation_time), c.name), c) for c in world.clusters.values())
    kind = f"clusters:{sort_by}"
    clusters, last = page(
        [k for k, _ in pairs],
        [c for _, c in pairs],
        after=resume_key(params.get("NextToken"), kind, BAD_TOKEN),
        limit=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        descending=descending,
        accept=lambda c: contains in c.name.lower() and _within(c.creation_time, after, before),
    )
    reply: dict = {"ClusterSummaries": [c.summary() for c in clusters]}
    if last is not None:
        reply["NextToken"] = next_token(kind, last)
    return reply


@sagemaker("DescribeCluster")
def describe_cluster(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    counts = cluster.current_counts()
    reply = {
        "ClusterArn": cluster.arn,
        "ClusterName": cluster.name,
        "ClusterStatus": cluster.status,
        "CreationTime": wire_time(cluster.creation_time),
        "InstanceGroups": [g.details(counts.get(g.name, 0), cluster.orchestrator) for g in cluster.groups.values()],
        "VpcConfig": cluster.vpc,
        "Orchestrator": cluster.orchestrator_details(),
        "NodeRecovery": cluster.node_recovery,
    }
    if cluster.failure_message:
        reply["FailureMessage"] = cluster.failure_message
    if cluster.continuous:
        reply["NodeProvisioningMode"] = "Continuous"
    return reply


@sagemaker("ListClusterNodes")
def list_cluster_nodes(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    sort_by = params.get("SortBy", "CREATION_TIME")
    keys, nodes = cluster.ordered_nodes(sort_by)
    accept = None
    contains = params.get("InstanceGroupNameContains")
    after, before = _time_window(params, "CreationTimeAfter", "CreationTimeBefore")
    everything = bool(params.get("IncludeNodeLogicalIds"))
    if contains is not None or after is not None or before is not None:
        needle = (contains or "").lower()
        groups = {name for name in cluster.groups if needle in name.lower()}
        accept = lambda n: (  # noqa: E731
            n.group.name in groups and _within(n.launch_time, after, before) and (everything or not n.instance_pending)
        )
    elif not everything and cluster.awaiting_instances:
        # "When set to False (default), only nodes with assigned InstanceIds are returned."
        accept = lambda n: not n.instance_pending  # noqa: E731
    kind = f"nodes:{sort_by}"
    found, last = page(
        keys,
        nodes,
        after=resume_key(params.get("NextToken"), kind, BAD_TOKEN),
        limit=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        descending=params.get("SortOrder") == "Descending",
        accept=accept,
    )
    summaries: list[dict] | JsonFragments
    if params.get("IncludeNodeLogicalIds"):
        summaries = [n.summary(include_logical_id=True) for n in found]
    else:
        summaries = JsonFragments([n.summary_json() for n in found])
    reply: dict = {"ClusterNodeSummaries": summaries}
    if last is not None:
        reply["NextToken"] = next_token(kind, last)
    return reply


def find_node(cluster: Cluster, params: dict) -> Node:
    node_id, logical_id = params.get("NodeId"), params.get("NodeLogicalId")
    if (node_id is None) == (logical_id is None):
        raise validation_error("Specify either NodeId or NodeLogicalId, but not both.")
    if node_id is not None:
        node = cluster.nodes.get(node_id)
        if node is not None and node.instance_pending is not None:
            node = None  # its internal key is no instance id
    else:
        node = next((n for n in cluster.nodes.values() if n.logical_id == logical_id), None)
    if node is None:
        raise SimError("ResourceNotFound", f"Node {node_id or logical_id} not found in cluster {cluster.name}.")
    return node


def node_details(cluster: Cluster, node: Node) -> dict:
    group = node.group
    details = {
        "InstanceGroupName": group.name,
        "InstanceId": node.visible_id,
        "InstanceStatus": node.status_details(),
        "InstanceType": group.instance_type,
        "LaunchTime": wire_time(node.launch_time),
        "LifeCycleConfig": {"SourceS3Uri": group.source_s3_uri, "OnCreate": group.on_create},
        "ThreadsPerCore": group.threads_per_core,
        "InstanceStorageConfigs": [{"EbsVolumeConfig": {"VolumeSizeInGB": group.volume_gb}}],
        "PrivatePrimaryIp": node.ip,
        "PrivateDnsHostname": node.hostname,
        "Placement": {"AvailabilityZone": node.az, "AvailabilityZoneId": node.az_id},
        "CurrentImageId": group.image_id,
        "DesiredImageId": group.image_id,
        "ImageVersionStatus": group.image_version_status,
        "CurrentImageReleaseVersion": node.release,
        "DesiredImageReleaseVersion": group.desired_image_release or node.release,
        "CapacityType": node.capacity_type,
    }
    if node.last_software_update is not None:
        details["LastSoftwareUpdateTime"] = wire_time(node.last_software_update)
    if node.logical_id:
        details["NodeLogicalId"] = node.logical_id
    if node.instance_pending is not None:  # no instance yet: no address, no Kubernetes node
        for key in ("PrivatePrimaryIp", "PrivateDnsHostname", "Placement"):
            details.pop(key)
        if node.visible_id is None:
            details.pop("InstanceId")
        return details
    if group.instance_type.startswith(("ml.p", "ml.trn")):
        details["NetworkInterface"] = {"InterfaceType": "efa"}
    if cluster.orchestrator == "Eks":
        labels = node.health_labels()
        health = labels["sagemaker.amazonaws.com/node-health-status"]
        taints = (
            []
            if health == "Schedulable"
            else [{"Key": "sagemaker.amazonaws.com/node-health-status", "Value": health, "Effect": "NoSchedule"}]
        )
        details["KubernetesConfig"] = {
            "CurrentLabels": labels,
            "DesiredLabels": labels,
            "CurrentTaints": taints,
            "DesiredTaints": taints,
        }
    return details


@sagemaker("DescribeClusterNode")
def describe_cluster_node(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    return {"NodeDetails": node_details(cluster, find_node(cluster, params))}


@sagemaker("ListClusterEvents")
def list_cluster_events(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    _require_continuous(cluster)
    group, node_id, resource = params.get("InstanceGroupName"), params.get("NodeId"), params.get("ResourceType")
    after, before = _time_window(params, "EventTimeAfter", "EventTimeBefore")
    operation = params.get("OperationId")

    def accept(event) -> bool:
        return (
            (group is None or event.group_name == group)
            and (node_id is None or event.instance_id == node_id)
            and (resource is None or event.resource_type == resource)
            and (operation is None or event.operation_id == operation)
            and _within(event.time, after, before)
        )

    kind = "events"
    events, last = page(
        [tuple(e.key) for e in cluster.events],
        cluster.events,
        after=resume_key(params.get("NextToken"), kind, BAD_TOKEN),
        limit=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        descending=params.get("SortOrder") == "Descending",
        accept=accept,
    )
    reply: dict = {"Events": [e.summary(cluster.name, cluster.arn) for e in events]}
    if last is not None:
        reply["NextToken"] = next_token(kind, last)
    return reply


def _require_continuous(cluster: Cluster) -> None:
    if not cluster.continuous:
        # AWS documents events for Continuous provisioning only; the exact refusal is unconfirmed.
        raise validation_error(
            f"Cluster {cluster.name} does not use NodeProvisioningMode Continuous; "
            "cluster events are only available for clusters in Continuous provisioning mode."
        )


@sagemaker("DescribeClusterEvent")
def describe_cluster_event(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    _require_continuous(cluster)
    event = next((e for e in cluster.events if e.event_id == params["EventId"]), None)
    if event is None:
        raise SimError("ResourceNotFound", f"Event {params['EventId']} not found in cluster {cluster.name}.")
    return {"EventDetails": event.detail(cluster.name, cluster.arn)}


@sagemaker("ListClusterOperations")
def list_cluster_operations(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    status, kind = params.get("Status"), params.get("Type")
    operations = sorted(cluster.operations, key=lambda o: (o.creation_time, o.operation_id))
    kinds = "operations"
    found, last = page(
        [(o.creation_time, o.operation_id) for o in operations],
        operations,
        after=resume_key(params.get("NextToken"), kinds, BAD_TOKEN),
        limit=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        descending=params.get("SortOrder", "Descending") == "Descending",
        accept=lambda o: (status is None or o.status == status) and (kind is None or o.type == kind),
    )
    reply: dict = {
        "ClusterOperationSummaries": [
            {
                "OperationId": o.operation_id,
                "ClusterArn": cluster.arn,
                "Type": o.type,
                "Status": o.status,
                "CreationTime": wire_time(o.creation_time),
            }
            for o in found
        ]
    }
    if last is not None:
        reply["NextToken"] = next_token(kinds, last)
    return reply


@sagemaker("DescribeClusterOperation")
def describe_cluster_operation(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    operation = next((o for o in cluster.operations if o.operation_id == params["OperationId"]), None)
    if operation is None:
        raise SimError("ResourceNotFound", f"Operation {params['OperationId']} not found in cluster {cluster.name}.")
    reply: dict = {
        "OperationId": operation.operation_id,
        "ClusterArn": cluster.arn,
        "Type": operation.type,
        "Status": operation.status,
        "CreationTime": wire_time(operation.creation_time),
    }
    if operation.scaling:
        reply["ScalingDetails"] = operation.scaling
    if operation.health_checks:
        reply["DeepHealthCheckDetails"] = operation.health_checks
    return reply
