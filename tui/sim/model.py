"""The simulated HyperPod resources and how each one reads on the wire.

Plain classes with slots: the world mutates them under its lock, and each knows its own JSON shape.
A node caches its ListClusterNodes summary as JSON text until its status changes, which is what keeps a
10,000-node listing cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tui.sim.protocol import wire_time

RUNNING = "Running"
FAILURE = "Failure"
PENDING = "Pending"
SHUTTING_DOWN = "ShuttingDown"
SYSTEM_UPDATING = "SystemUpdating"
DEEP_HEALTH_CHECK = "DeepHealthCheckInProgress"
NOT_FOUND = "NotFound"
# MoveClusterNodes: a node detaches from its cluster, then attaches to the target cluster's group.
DETACH_IN_PROGRESS = "DetachInProgress"
ATTACH_IN_PROGRESS = "AttachInProgress"

# ClusterImageVersionStatus, least to most urgent (a cluster's summary reports its most urgent group's).
IMAGE_VERSION_ORDER = ("UpToDate", "UpdateAvailable", "SecurityUpdateRequired", "EndOfLife")
# ImageReleaseVersion values (the model's pattern is [0-9]+.[0-9]+.[0-9]+): the one most groups run, the newest.
IMAGE_RELEASE = "2.3.0"
NEWEST_IMAGE_RELEASE = "2.4.1"

# What a node's `sagemaker.amazonaws.com/node-health-status` label says (docs/aws-facts.md, Node health).
_HEALTH_BY_STATUS = {
    RUNNING: "Schedulable",
    FAILURE: "UnschedulablePendingReplacement",
    DEEP_HEALTH_CHECK: "Unschedulable",
}
_HEALTH_BY_OPERATION = {"reboot": "UnschedulablePendingReboot", "replace": "UnschedulablePendingReplacement"}

FAQ_URL = "https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-hyperpod-faq-slurm.html#hyperpod-faqs-q1"


def lifecycle_failure_message(instance_id: str, log_group: str, log_stream: str) -> str:
    """DescribeCluster's FailureMessage for a lifecycle-script failure, quotes mixed exactly as AWS mixes them."""
    return (
        f'Instance {instance_id} failed to provision with the following error: "Lifecycle scripts did not run '
        f"successfully. To view lifecycle script logs, visit log group \u2018{log_group}' and log stream "
        f"\u2018{log_stream}\u2019. If you cannot find corresponding lifecycle script logs in CloudWatch, please "
        f"make sure you follow one of the options here: {FAQ_URL}.\u201d Note that multiple instances may be impacted."
    )


def node_failure_status_message(log_group: str, log_stream: str) -> str:
    # The real InstanceStatus.Message is unconfirmed; this names the same log location as the FailureMessage.
    return (
        f"Lifecycle scripts did not run successfully. To view lifecycle script logs, visit log group "
        f"\u2018{log_group}' and log stream \u2018{log_stream}\u2019."
    )


@dataclass
class InstanceGroup:
    name: str
    instance_type: str
    target_count: int
    execution_role: str
    source_s3_uri: str
    threads_per_core: int = 1
    status: str = "InService"
    on_create: str = "on_create.sh"
    slurm_node_type: str | None = None
    partition: str | None = None
    deep_health_checks: tuple[str, ...] = ()
    volume_gb: int = 500
    image_id: str = "default"
    image_version_status: str = "UpToDate"
    image_release: str = IMAGE_RELEASE
    desired_image_release: str | None = None  # another release while an update (or its rollback) runs
    software_update_status: str | None = None  # the last UpdateClusterSoftware request's, absent if none
    target_state_count: int | None = None  # nodes on the desired image, sent with a software update status
    auto_patch: dict | None = None  # AutoPatchConfig as on the wire

    def details(self, current_count: int, orchestrator: str) -> dict:
        out = {
            "CurrentCount": current_count,
            "TargetCount": self.target_count,
            "InstanceGroupName": self.name,
            "InstanceType": self.instance_type,
            "LifeCycleConfig": {"SourceS3Uri": self.source_s3_uri, "OnCreate": self.on_create},
            "ExecutionRole": self.execution_role,
            "ThreadsPerCore": self.threads_per_core,
            "InstanceStorageConfigs": [{"EbsVolumeConfig": {"VolumeSizeInGB": self.volume_gb}}],
            "Status": self.status,
            "CurrentImageId": self.image_id,
            "DesiredImageId": self.image_id,
            "ImageVersionStatus": self.image_version_status,
            "CurrentImageReleaseVersion": self.image_release,
            "DesiredImageReleaseVersion": self.desired_image_release or self.image_release,
        }
        if self.software_update_status:
            out["SoftwareUpdateStatus"] = self.software_update_status
            if self.target_state_count is not None:
                out["TargetStateCount"] = self.target_state_count
        if self.auto_patch:
            out["AutoPatchConfig"] = self.auto_patch
        if self.deep_health_checks:
            out["OnStartDeepHealthChecks"] = list(self.deep_health_checks)
        if orchestrator == "Slurm" and self.slurm_node_type:
            slurm: dict[str, object] = {"NodeType": self.slurm_node_type}
            if self.partition:
                slurm["PartitionNames"] = [self.partition]
            out["SlurmConfig"] = slurm
        return out


class Node:
    __slots__ = (
        "instance_id",
        "group",
        "launch_time",
        "status",
        "message",
        "ip",
        "hostname",
        "az",
        "az_id",
        "last_software_update",
        "logical_id",
        "capacity_type",
        "operation",
        "operation_seq",
        "image_release",
        "instance_pending",
        "_summary_json",
    )

    def __init__(
        self,
        instance_id: str,
        group: InstanceGroup,
        launch_time: float,
        status: str,
        ip: str,
        hostname: str,
        az: str,
        az_id: str,
        message: str | None = None,
    ) -> None:
        self.instance_id = instance_id
        self.group = group
        self.launch_time = launch_time
        self.status = status
        self.message = message
        self.ip = ip
        self.hostname = hostname
        self.az = az
        self.az_id = az_id
        self.last_software_update: float | None = None
        self.logical_id: str | None = None
        self.capacity_type = "OnDemand"
        # The action in flight (reboot, replace, delete, provision, hold) and a counter that lets a
        # scheduled step notice that a newer action superseded it.
        self.operation: str | None = None
        self.operation_seq = 0
        self.image_release: str | None = None  # None: the group's current release
        # Waiting for an instance (Continuous mode, capacity shortage): listed only with IncludeNodeLogicalIds,
        # known by its logical id; `instance_id` is then an internal key no answer shows. "missing": the answer
        # omits InstanceId (what the docs describe), "empty": it sends "" (the model keeps it required).
        self.instance_pending: str | None = None
        self._summary_json: str | None = None

    @property
    def group_name(self) -> str:
        return self.group.name

    @property
    def instance_type(self) -> str:
        return self.group.instance_type

    @property
    def busy(self) -> bool:
        return self.operation in ("reboot", "replace", "delete")

    @property
    def release(self) -> str:
        return self.image_release or self.group.image_release

    def begin(self, operation: str | None) -> int:
        self.operation = operation
        self.operation_seq += 1
        return self.operation_seq

    def set_status(self, status: str, message: str | None = None) -> None:
        self.status = status
        self.message = message
        self._summary_json = None

    def status_details(self) -> dict:
        details = {"Status": self.status}
        if self.message:
            details["Message"] = self.message
        return details

    @property
    def visible_id(self) -> str | None:
        """The InstanceId answers show: None (the key omitted) or "" for a node still waiting for an instance."""
        if self.instance_pending is None:
            return self.instance_id
        return "" if self.instance_pending == "empty" else None

    def summary(self, include_logical_id: bool = False) -> dict:
        out = {
            "InstanceGroupName": self.group.name,
            "InstanceId": self.instance_id,
            "InstanceType": self.group.instance_type,
            "LaunchTime": wire_time(self.launch_time),
            "InstanceStatus": self.status_details(),
            "PrivateDnsHostname": self.hostname,
            "ImageVersionStatus": self.group.image_version_status,
            "CurrentImageReleaseVersion": self.release,
        }
        if self.instance_pending is not None:
            del out["PrivateDnsHostname"]
            if self.instance_pending == "empty":
                out["InstanceId"] = ""
            else:
                del out["InstanceId"]
        if self.last_software_update is not None:
            out["LastSoftwareUpdateTime"] = wire_time(self.last_software_update)
        if include_logical_id and self.logical_id:
            out["NodeLogicalId"] = self.logical_id
        return out

    def summary_json(self) -> str:
        if self._summary_json is None:
            self._summary_json = json.dumps(self.summary(), separators=(",", ":"))
        return self._summary_json

    def health_labels(self) -> dict[str, str]:
        health = (_HEALTH_BY_OPERATION.get(self.operation) if self.operation else None) or _HEALTH_BY_STATUS.get(
            self.status, "Unschedulable"
        )
        labels = {
            "sagemaker.amazonaws.com/node-health-status": health,
            "sagemaker.amazonaws.com/instance-group-name": self.group.name,
            "node.kubernetes.io/instance-type": self.group.instance_type,
            "topology.kubernetes.io/zone": self.az,
        }
        if self.status == DEEP_HEALTH_CHECK:
            labels["sagemaker.amazonaws.com/deep-health-check-status"] = "InProgress"
        elif self.group.deep_health_checks and self.status == RUNNING:
            labels["sagemaker.amazonaws.com/deep-health-check-status"] = "Passed"
        return labels


@dataclass
class ClusterEvent:
    event_id: str
    time: float
    resource_type: str
    description: str
    level: str | None = "Info"  # None: no EventLevel on the wire (most real events have none)
    group_name: str | None = None
    instance_id: str | None = None
    metadata: dict | None = None  # DescribeClusterEvent's EventMetadata subtrees
    id_in_description_only: bool = False  # the real trap: an Instance event whose id is only in the Description
    operation_id: str | None = None

    @property
    def key(self) -> tuple:
        return (self.time, self.event_id)

    def detail(self, cluster_name: str, cluster_arn: str) -> dict:
        out = self.summary(cluster_name, cluster_arn)
        # EventMetadata is a union: botocore refuses an answer with no member set (nulls do not count).
        metadata = self.metadata or {}
        out["EventDetails"] = {"EventMetadata": metadata} if any(v is not None for v in metadata.values()) else {}
        return out

    def summary(self, cluster_name: str, cluster_arn: str) -> dict:
        out = {
            "EventId": self.event_id,
            "ClusterArn": cluster_arn,
            "ClusterName": cluster_name,
            "ResourceType": self.resource_type,
            "EventTime": wire_time(self.time),
            "Description": self.description,
        }
        if self.level:
            out["EventLevel"] = self.level
        if self.group_name:
            out["InstanceGroupName"] = self.group_name
        if self.instance_id and not self.id_in_description_only:
            out["InstanceId"] = self.instance_id
        if self.operation_id:
            out["OperationId"] = self.operation_id
        return out


@dataclass
class ClusterOperation:
    """A Scaling or DeepHealthCheck operation (ListClusterOperations / DescribeClusterOperation)."""

    operation_id: str
    type: str
    status: str
    creation_time: float
    scaling: list[dict] = field(default_factory=list)
    health_checks: list[dict] = field(default_factory=list)


@dataclass
class Cluster:
    name: str
    cluster_id: str
    arn: str
    status: str
    creation_time: float
    orchestrator: str  # "Slurm" or "Eks"
    vpc: dict
    ip_octet: int
    az_letter: str = "a"
    groups: dict[str, InstanceGroup] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    failure_message: str | None = None
    failed_instance_id: str | None = None
    controller_ip: str | None = None
    eks_cluster_arn: str | None = None
    continuous: bool = False
    brief_log_naming: bool = False
    node_recovery: str = "Automatic"  # DescribeCluster's NodeRecovery: Automatic | None
    events: list[ClusterEvent] = field(default_factory=list)
    operations: list[ClusterOperation] = field(default_factory=list)
    ips_taken: set[str] = field(default_factory=set)
    _order: dict = field(default_factory=dict, repr=False)

    @property
    def log_group(self) -> str:
        if self.brief_log_naming:
            return f"/aws/sagemaker/hyperpod/{self.name}"
        return f"/aws/sagemaker/Clusters/{self.name}/{self.cluster_id}"

    def lifecycle_stream(self, group_name: str, instance_id: str) -> str:
        if self.brief_log_naming:
            return f"{instance_id}/on_create.sh"
        return f"LifecycleConfig/{group_name}/{instance_id}"

    @property
    def awaiting_instances(self) -> bool:
        """Some node waits for an instance (listed only with IncludeNodeLogicalIds)."""
        return any(node.instance_pending is not None for node in self.nodes.values())

    def add_node(self, node: Node) -> None:
        self.nodes[node.instance_id] = node
        self._order.clear()

    def remove_node(self, instance_id: str) -> Node | None:
        node = self.nodes.pop(instance_id, None)
        self._order.clear()
        if node is not None and instance_id == self.failed_instance_id:
            self.failure_message = None
            self.failed_instance_id = None
        return node

    def ordered_nodes(self, sort_by: str) -> tuple[list[tuple], list[Node]]:
        """(keys, nodes) in ascending order for CREATION_TIME or NAME; rebuilt only when nodes come or go."""
        cached = self._order.get(sort_by)
        if cached is None:
            pairs: list[tuple[tuple[str | float, str], Node]]
            if sort_by == "NAME":
                pairs = sorted(((n.group.name, n.instance_id), n) for n in self.nodes.values())
            else:
                pairs = sorted(((wire_time(n.launch_time), n.instance_id), n) for n in self.nodes.values())
            cached = ([k for k, _ in pairs], [n for _, n in pairs])
            self._order[sort_by] = cached
        return cached

    def current_counts(self) -> dict[str, int]:
        counts = {name: 0 for name in self.groups}
        for node in self.nodes.values():
            if node.status in (RUNNING, SYSTEM_UPDATING, DEEP_HEALTH_CHECK):
                counts[node.group.name] = counts.get(node.group.name, 0) + 1
        return counts

    def summary(self) -> dict:
        out = {
            "ClusterArn": self.arn,
            "ClusterName": self.name,
            "CreationTime": wire_time(self.creation_time),
            "ClusterStatus": self.status,
        }
        known = [g.image_version_status for g in self.groups.values() if g.image_version_status in IMAGE_VERSION_ORDER]
        if known:
            out["ImageVersionStatus"] = max(known, key=IMAGE_VERSION_ORDER.index)
        return out

    def orchestrator_details(self) -> dict:
        if self.orchestrator == "Eks":
            return {"Eks": {"ClusterArn": self.eks_cluster_arn}}
        return {"Slurm": {"SlurmConfigStrategy": "Managed"}}
