"""Frozen domain objects built from the SageMaker API's response dicts.

Values are kept as AWS sent them (raw, unsanitised): they are also used to build API calls and SSM targets.
Sanitising happens where text becomes display text (`core.tables`, widgets). Status strings stay strings rather
than enums so a value AWS adds tomorrow is shown, not dropped; `status_kind` maps them to a colour class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CLUSTER_STATUSES = ("Creating", "Deleting", "Failed", "InService", "RollingBack", "SystemUpdating", "Updating")
GROUP_STATUSES = ("InService", "Creating", "Updating", "Failed", "Degraded", "SystemUpdating", "Deleting")
NODE_STATUSES = (
    "Running",
    "Failure",
    "Pending",
    "ShuttingDown",
    "SystemUpdating",
    "DeepHealthCheckInProgress",
    "NotFound",
    "DetachInProgress",
    "AttachInProgress",
)
# ClusterImageVersionStatus: on ListClusters' summaries, instance groups and nodes.
IMAGE_VERSION_STATUSES = ("UpToDate", "UpdateAvailable", "SecurityUpdateRequired", "EndOfLife")
# SoftwareUpdateStatus of an instance group: the last UpdateClusterSoftware request.
SOFTWARE_UPDATE_STATUSES = ("Pending", "InProgress", "Succeeded", "Failed", "RollbackInProgress", "RollbackComplete")
# An image a replace or delete may need patched first (UpdateClusterSoftware) before AWS accepts the call.
PATCH_NEEDED_STATUSES = ("SecurityUpdateRequired", "EndOfLife")
# What each ClusterPatchingStrategy does, for the details page.
PATCHING_STRATEGIES = {
    "WhenIdle": "patches each node when it is idle",
    "WhenAllIdle": "patches when every node of the group is idle",
    "DrainFirst": "drains each node (drain policy below), then patches it",
}

# One colour class per kind: ok (healthy), progress (moving, expected), warn (degraded, needs a look),
# failed, gone (leaving or absent), unknown (a value this version does not know).
_STATUS_KINDS: dict[str, str] = {
    # clusters
    "InService": "ok",
    "Creating": "progress",
    "Updating": "progress",
    "SystemUpdating": "progress",
    "RollingBack": "warn",
    "Deleting": "gone",
    "Failed": "failed",
    # instance groups (shared names above)
    "Degraded": "warn",
    # nodes
    "Running": "ok",
    "Pending": "progress",
    "DeepHealthCheckInProgress": "progress",
    "Failure": "failed",
    "ShuttingDown": "gone",
    "NotFound": "gone",
    # a node moving between clusters (MoveClusterNodes): detached from one, then attached to the other
    "DetachInProgress": "progress",
    "AttachInProgress": "progress",
    # image versions: only the two the service says need action are highlighted
    "UpToDate": "ok",
    "UpdateAvailable": "progress",
    "SecurityUpdateRequired": "warn",
    "EndOfLife": "failed",
    # software updates (Pending and Failed share the names above)
    "InProgress": "progress",
    "Succeeded": "ok",
    "RollbackInProgress": "warn",
    "RollbackComplete": "warn",
}
STATUS_KINDS = ("ok", "progress", "warn", "failed", "gone", "unknown")

# How bad a status is, for sorting "worst first" and for summaries.
_KIND_SEVERITY = {"failed": 0, "warn": 1, "unknown": 2, "progress": 3, "gone": 4, "ok": 5}

_CLUSTER_ID = re.compile(r"^[a-z0-9]{12}$")
_IP_FROM_HOSTNAME = re.compile(r"^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:\.|$)")


def is_continuous(detail: ClusterDetail | None) -> bool:
    """NodeProvisioningMode Continuous: nodes may be known by NodeLogicalId before they have an instance."""
    return detail is not None and detail.node_provisioning_mode == "Continuous"


def status_kind(status: str | None) -> str:
    return _STATUS_KINDS.get(status or "", "unknown")


def status_severity(status: str | None) -> int:
    return _KIND_SEVERITY[status_kind(status)]


def arn_last_segment(arn: str | None) -> str | None:
    """`arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222` → `aa11bbbbb222`; None without a `/`.
    Lenient on purpose: log-group names use whatever the ARN holds."""
    if not isinstance(arn, str) or "/" not in arn:
        return None
    return arn.rstrip("/").rsplit("/", 1)[-1] or None


def cluster_id_from_arn(arn: str) -> str:
    """The cluster id: the last `/` segment of a ClusterArn, 12 lowercase letters or digits (strict)."""
    cluster_id = arn_last_segment(arn)
    if cluster_id is None:
        raise ValueError(f"not a HyperPod cluster ARN (expected arn:…:cluster/<12-char id>): {arn!r}")
    if not _CLUSTER_ID.match(cluster_id):
        raise ValueError(
            f"cluster id {cluster_id!r} in {arn!r} is not 12 lowercase letters/digits (as in arn:…:cluster/aa11bbbbb222)"
        )
    return cluster_id


def ip_from_hostname(hostname: str | None) -> str:
    """EC2 private DNS names encode the IPv4 address (`ip-10-1-2-3…` → 10.1.2.3); '' when they don't."""
    match = _IP_FROM_HOSTNAME.match(hostname or "")
    if not match or any(int(octet) > 255 for octet in match.groups()):
        return ""
    return ".".join(match.groups())


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return None


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    name: str
    arn: str
    status: str
    created: float | None
    image_version_status: str = ""  # the cluster's aggregate ClusterImageVersionStatus
    # In a fleet (tui/core/fleet.py): the member that listed it, and why its listing is stale ("" when fresh).
    profile: str = ""
    region: str = ""
    stale: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ClusterSummary:
        return cls(
            name=str(data.get("ClusterName", "")),
            arn=str(data.get("ClusterArn", "")),
            status=str(data.get("ClusterStatus", "")),
            created=_epoch(data.get("CreationTime")),
            image_version_status=str(data.get("ImageVersionStatus") or ""),
        )


@dataclass(frozen=True, slots=True)
class LifecycleConfig:
    source_s3_uri: str = ""
    on_create: str = ""
    on_init_complete: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> LifecycleConfig:
        data = data or {}
        return cls(
            source_s3_uri=str(data.get("SourceS3Uri", "")),
            on_create=str(data.get("OnCreate", "")),
            on_init_complete=str(data.get("OnInitComplete", "")),
        )


@dataclass(frozen=True, slots=True)
class AutoPatchConfig:
    """An instance group's AutoPatchConfig (ClusterAutoPatchConfigDetails); dates are epochs."""

    strategy: str = ""  # ClusterPatchingStrategy
    next_patch: float | None = None  # CurrentPatchSchedule.NextPatchDate
    desired_next_patch: float | None = None  # DesiredPatchSchedule.NextPatchDate (a change not yet applied)
    idle_wait_seconds: int | None = None
    drain_timeout_seconds: int | None = None
    on_drain_timeout: str = ""  # Force | Skip

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> AutoPatchConfig | None:
        if not data:
            return None
        drain = data.get("DrainPolicy") or {}
        return cls(
            strategy=str(data.get("PatchingStrategy") or ""),
            next_patch=_epoch((data.get("CurrentPatchSchedule") or {}).get("NextPatchDate")),
            desired_next_patch=_epoch((data.get("DesiredPatchSchedule") or {}).get("NextPatchDate")),
            idle_wait_seconds=_int_or_none(data.get("IdleWaitWindowInSeconds")),
            drain_timeout_seconds=_int_or_none(drain.get("DrainTimeoutInSeconds")),
            on_drain_timeout=str(drain.get("OnDrainTimeout") or ""),
        )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class InstanceGroup:
    name: str
    instance_type: str
    current_count: int
    target_count: int
    status: str
    slurm_node_type: str = ""
    partitions: tuple[str, ...] = ()
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    execution_role: str = ""
    threads_per_core: int | None = None
    min_count: int | None = None
    image_version_status: str = ""
    software_update_status: str = ""
    active_operations: tuple[tuple[str, int], ...] = ()
    deep_health_checks: tuple[str, ...] = ()
    target_state_count: int | None = None  # nodes on the desired image (during an update or its rollback)
    current_image_release: str = ""
    desired_image_release: str = ""
    auto_patch: AutoPatchConfig | None = None

    @property
    def updating_software(self) -> bool:
        """An UpdateClusterSoftware request is still moving (not Succeeded, Failed or RollbackComplete)."""
        return self.software_update_status in ("Pending", "InProgress", "RollbackInProgress")

    @property
    def needs_patch(self) -> bool:
        return self.image_version_status in PATCH_NEEDED_STATUSES

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> InstanceGroup:
        slurm = data.get("SlurmConfig") or {}
        return cls(
            name=str(data.get("InstanceGroupName", "")),
            instance_type=str(data.get("InstanceType", "")),
            current_count=int(data.get("CurrentCount") or 0),
            target_count=int(data.get("TargetCount") or 0),
            status=str(data.get("Status", "")),
            slurm_node_type=str(slurm.get("NodeType", "")),
            partitions=tuple(str(p) for p in slurm.get("PartitionNames") or ()),
            lifecycle=LifecycleConfig.from_api(data.get("LifeCycleConfig")),
            execution_role=str(data.get("ExecutionRole", "")),
            threads_per_core=data.get("ThreadsPerCore"),
            min_count=data.get("MinCount"),
            image_version_status=str(data.get("ImageVersionStatus", "")),
            software_update_status=str(data.get("SoftwareUpdateStatus", "")),
            active_operations=tuple(sorted((str(k), int(v)) for k, v in (data.get("ActiveOperations") or {}).items())),
            deep_health_checks=tuple(str(c) for c in data.get("OnStartDeepHealthChecks") or ()),
            target_state_count=_int_or_none(data.get("TargetStateCount")),
            current_image_release=str(data.get("CurrentImageReleaseVersion") or ""),
            desired_image_release=str(data.get("DesiredImageReleaseVersion") or ""),
            auto_patch=AutoPatchConfig.from_api(data.get("AutoPatchConfig")),
        )


@dataclass(frozen=True, slots=True)
class ClusterDetail:
    name: str
    arn: str
    status: str
    created: float | None
    failure_message: str
    orchestrator: str  # "Slurm" or "EKS"
    eks_cluster_arn: str
    node_recovery: str
    node_provisioning_mode: str
    instance_groups: tuple[InstanceGroup, ...]
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()

    @property
    def cluster_id(self) -> str:
        return cluster_id_from_arn(self.arn)

    @property
    def is_slurm(self) -> bool:
        return self.orchestrator == "Slurm"

    def group(self, name: str) -> InstanceGroup | None:
        return next((g for g in self.instance_groups if g.name == name), None)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ClusterDetail:
        orchestrator_data = data.get("Orchestrator") or {}
        # EKS clusters always carry Orchestrator.Eks; Slurm clusters created before the field existed omit it.
        orchestrator = "EKS" if "Eks" in orchestrator_data else "Slurm"
        vpc = data.get("VpcConfig") or {}
        return cls(
            name=str(data.get("ClusterName", "")),
            arn=str(data.get("ClusterArn", "")),
            status=str(data.get("ClusterStatus", "")),
            created=_epoch(data.get("CreationTime")),
            failure_message=str(data.get("FailureMessage") or ""),
            orchestrator=orchestrator,
            eks_cluster_arn=str((orchestrator_data.get("Eks") or {}).get("ClusterArn", "")),
            node_recovery=str(data.get("NodeRecovery") or ""),
            node_provisioning_mode=str(data.get("NodeProvisioningMode") or ""),
            instance_groups=tuple(InstanceGroup.from_api(g) for g in data.get("InstanceGroups") or ()),
            subnets=tuple(str(s) for s in vpc.get("Subnets") or ()),
            security_groups=tuple(str(s) for s in vpc.get("SecurityGroupIds") or ()),
        )


@dataclass(frozen=True, slots=True)
class Node:
    instance_id: str
    group: str
    instance_type: str
    status: str
    message: str
    launch_time: float | None
    hostname: str
    last_software_update: float | None = None
    image_version_status: str = ""
    node_logical_id: str = ""
    image_release: str = ""  # CurrentImageReleaseVersion

    @property
    def ip(self) -> str:
        return ip_from_hostname(self.hostname)

    @property
    def key(self) -> str:
        """What identifies the node: its instance id, or (a node still being provisioned in Continuous mode,
        listed with IncludeNodeLogicalIds) its NodeLogicalId; '' when it has neither."""
        return self.instance_id or self.node_logical_id

    @property
    def logical_only(self) -> bool:
        """Known only by its NodeLogicalId: no instance yet, so nothing that needs one (SSM, its logs) applies."""
        return not self.instance_id and bool(self.node_logical_id)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Node:
        status = data.get("InstanceStatus") or {}
        return cls(
            # A node listed with IncludeNodeLogicalIds before it has an instance may lack the key or send "" (the
            # model says required, the docs say absent; UNCONFIRMED which): both become "".
            instance_id=str(data.get("InstanceId") or ""),
            group=str(data.get("InstanceGroupName", "")),
            instance_type=str(data.get("InstanceType", "")),
            status=str(status.get("Status", "")),
            message=str(status.get("Message") or ""),
            launch_time=_epoch(data.get("LaunchTime")),
            hostname=str(data.get("PrivateDnsHostname") or ""),
            last_software_update=_epoch(data.get("LastSoftwareUpdateTime")),
            image_version_status=str(data.get("ImageVersionStatus") or ""),
            node_logical_id=str(data.get("NodeLogicalId") or ""),
            image_release=str(data.get("CurrentImageReleaseVersion") or ""),
        )


def no_instance_reason(node: Node, what: str) -> str:
    """One line on why `what` (an SSM shell, its logs, …) cannot be done on a node that has no instance id yet;
    '' when it has one."""
    if node.instance_id:
        return ""
    return (
        f"{node.key or 'This node'} has no instance yet ({node.status or 'being provisioned'}): {what} needs an "
        "EC2 instance id."
    )


@dataclass(frozen=True, slots=True)
class NodeDetail:
    """DescribeClusterNode's NodeDetails, fetched lazily for one node."""

    node: Node
    private_ip: str
    private_ipv6: str
    availability_zone: str
    availability_zone_id: str
    lifecycle: LifecycleConfig
    threads_per_core: int | None
    capacity_type: str
    current_image_id: str
    desired_image_id: str
    kubernetes_labels: tuple[tuple[str, str], ...]
    kubernetes_taints: tuple[str, ...]
    desired_image_release: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> NodeDetail:
        placement = data.get("Placement") or {}
        kubernetes = data.get("KubernetesConfig") or {}
        labels = kubernetes.get("CurrentLabels") or {}
        taints = kubernetes.get("CurrentTaints") or ()
        return cls(
            node=Node.from_api(data),
            private_ip=str(data.get("PrivatePrimaryIp") or ""),
            private_ipv6=str(data.get("PrivatePrimaryIpv6") or ""),
            availability_zone=str(placement.get("AvailabilityZone") or ""),
            availability_zone_id=str(placement.get("AvailabilityZoneId") or ""),
            lifecycle=LifecycleConfig.from_api(data.get("LifeCycleConfig")),
            threads_per_core=data.get("ThreadsPerCore"),
            capacity_type=str(data.get("CapacityType") or ""),
            current_image_id=str(data.get("CurrentImageId") or ""),
            desired_image_id=str(data.get("DesiredImageId") or ""),
            kubernetes_labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
            kubernetes_taints=tuple(
                f"{t.get('Key', '')}={t.get('Value', '')}:{t.get('Effect', '')}" for t in taints if isinstance(t, dict)
            ),
            desired_image_release=str(data.get("DesiredImageReleaseVersion") or ""),
        )
