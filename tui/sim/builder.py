"""Turning a short cluster description into a populated cluster: ids, groups, nodes, logs and history.

Scenarios (scenarios.py) say what exists; this module fills in everything realistic around it, drawing every
random choice from the scenario's seeded Random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tui.sim import ids
from tui.sim.lifecycle import HMA_DETECTION, HMA_HEALTHY, ScriptedLines
from tui.sim.model import FAILURE, IMAGE_RELEASE, NOT_FOUND, PENDING, RUNNING, Cluster, InstanceGroup, Node
from tui.sim.protocol import wire_time
from tui.sim.world import World

DAY = 86_400.0
NOT_FOUND_MESSAGE = "The instance could not be found in Amazon EC2; it may have been terminated outside HyperPod."


@dataclass(frozen=True)
class GroupSpec:
    name: str
    instance_type: str
    statuses: tuple[str, ...]
    slurm_node_type: str | None = None
    partition: str | None = None
    status: str = "InService"
    deep_health_checks: tuple[str, ...] = ()
    image_version_status: str = "UpToDate"
    image_release: str = IMAGE_RELEASE
    desired_image_release: str | None = None
    software_update_status: str | None = None
    target_state_count: int | None = None
    auto_patch: tuple[str, float] | None = None  # (PatchingStrategy, seconds from the world's start to the next patch)

    @classmethod
    def running(cls, name: str, instance_type: str, count: int, **kwargs) -> GroupSpec:
        return cls(name, instance_type, (RUNNING,) * count, **kwargs)


def auto_patch_config(strategy: str, next_in: float, start: float) -> dict:
    """An AutoPatchConfig as DescribeCluster sends it; a DrainFirst strategy comes with its drain policy."""
    schedule = {"NextPatchDate": wire_time(start + next_in)}
    config: dict = {
        "PatchingStrategy": strategy,
        "CurrentPatchSchedule": schedule,
        "DesiredPatchSchedule": dict(schedule),
        "IdleWaitWindowInSeconds": 4 * 3600,
    }
    if strategy == "DrainFirst":
        config["DrainPolicy"] = {"DrainTimeoutInSeconds": 3600, "OnDrainTimeout": "Skip"}
    return config


def _threads(instance_type: str) -> int:
    return 1 if instance_type.startswith(("ml.p", "ml.g", "ml.trn")) else 2


class ClusterBuilder:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self._octet = 0

    def cluster(
        self,
        name: str,
        orchestrator: str,
        status: str,
        created: float,
        groups: list[GroupSpec],
        *,
        continuous: bool = False,
        brief_log_naming: bool = False,
        hma: bool = True,
        populate: bool = True,
    ) -> Cluster:
        """A cluster whose nodes launched shortly after `created` and ran their lifecycle scripts then.

        With `populate=False` the groups are created empty (their TargetCount still counts the specs), for
        a caller that adds nodes itself, e.g. ones still provisioning.
        """
        world, rng = self.world, self.rng
        self._octet += 1
        cid = ids.cluster_id(rng)
        account = world.account_id
        cluster = Cluster(
            name=name,
            cluster_id=cid,
            arn=ids.cluster_arn(world.region, account, cid),
            status=status,
            creation_time=created,
            orchestrator=orchestrator,
            ip_octet=self._octet,
            az_letter=rng.choice("abc"),
            continuous=continuous,
            brief_log_naming=brief_log_naming,
            vpc={"SecurityGroupIds": [ids.hex_id(rng, "sg")], "Subnets": [ids.hex_id(rng, "subnet")]},
        )
        if orchestrator == "Eks":
            cluster.eks_cluster_arn = f"arn:aws:eks:{world.region}:{account}:cluster/{name}-eks"
        bucket = f"s3://sagemaker-{name}-lifecycle-{account}"
        role = f"arn:aws:iam::{account}:role/AmazonSagemakerClusterExecutionRole-{name}"
        world.add_cluster(cluster)
        self.event(cluster, created, f"Cluster {name} creation started")
        for spec in groups:
            cluster.groups[spec.name] = InstanceGroup(
                name=spec.name,
                instance_type=spec.instance_type,
                target_count=len(spec.statuses),
                execution_role=role,
                source_s3_uri=f"{bucket}/{spec.name}/",
                threads_per_core=_threads(spec.instance_type),
                status=spec.status,
                slurm_node_type=spec.slurm_node_type,
                partition=spec.partition,
                deep_health_checks=spec.deep_health_checks,
                image_version_status=spec.image_version_status,
                volume_gb=500 if spec.slurm_node_type != "Controller" else 200,
                image_release=spec.image_release,
                desired_image_release=spec.desired_image_release,
                software_update_status=spec.software_update_status,
                target_state_count=spec.target_state_count,
                auto_patch=auto_patch_config(*spec.auto_patch, world.start) if spec.auto_patch else None,
            )
        for spec in groups if populate else ():
            group = cluster.groups[spec.name]
            for index, node_status in enumerate(spec.statuses):
                launch = min(created + rng.uniform(240, 900), world.start - 60)
                self.node(cluster, group, launch, node_status, hma=hma and index % 4 == 1)
        if status == "InService":
            self.event(cluster, created + 1500, f"Cluster {name} is InService")
        return cluster

    def node(self, cluster: Cluster, group: InstanceGroup, launch: float, status: str, *, hma: bool = False) -> Node:
        world, rng = self.world, self.rng
        node = world.new_node(cluster, group, launch, status, rng)
        if rng.random() < 0.3:
            node.last_software_update = launch + rng.uniform(1, 6) * DAY
            if node.last_software_update > world.start:
                node.last_software_update = None
        script_start = min(launch + rng.uniform(45, 110), world.start - 30)
        self.event(cluster, launch, f"Instance {node.instance_id} launched", node=node)
        if status == FAILURE:
            ended = world.add_lifecycle_log(cluster, node, script_start, failed=True, pace=rng.uniform(1.0, 1.5))
            world.mark_failed(cluster, node, set_cluster_message=cluster.failure_message is None)
            self.event(
                cluster,
                ended,
                f"Instance lifecycle script execution for EC2InstanceId {node.instance_id} has Failed",
                node=node,
                level="Error",
            )
        elif status == PENDING:
            # Stuck provisioning: the script crawls, so its log keeps growing while the node stays Pending.
            world.add_lifecycle_log(cluster, node, min(script_start, world.start - 5), pace=120.0)
        elif status != NOT_FOUND:
            ended = world.add_lifecycle_log(cluster, node, script_start, pace=rng.uniform(3.0, 8.0))
            self.event(
                cluster,
                script_start,
                f"Instance lifecycle script execution for EC2InstanceId {node.instance_id} has Started",
                node=node,
            )
            self.event(
                cluster,
                ended,
                f"Instance lifecycle script execution for EC2InstanceId {node.instance_id} has Succeeded",
                node=node,
            )
        else:
            node.set_status(NOT_FOUND, NOT_FOUND_MESSAGE)
        if hma:
            self.health_agent_log(cluster, node, detection=False)
        return node

    def provisioning_node(
        self, cluster: Cluster, group: InstanceGroup, launch: float, script_start: float, running_at: float
    ) -> Node:
        """A node still coming up: Pending, its lifecycle log written from `script_start`, Running at `running_at`."""
        node = self.world.new_node(cluster, group, launch, PENDING, self.rng)
        self.event(cluster, launch, f"Instance {node.instance_id} launched", node=node)
        self.world.provision(cluster, node, script_start, running_at)
        return node

    def capacity_shortage(
        self, cluster: Cluster, group: InstanceGroup, count: int, requested: float, rng: random.Random
    ) -> list[Node]:
        """`count` nodes of a scale-up that found no capacity (Continuous mode): Pending, with a message, known by
        NodeLogicalId only. The first omits InstanceId from answers, the others send "" (which AWS does is
        UNCONFIRMED). `rng` is the caller's own, so the rest of the scenario stays as it was. A Scaling operation in
        progress on the group wants these nodes too: its Desired TargetCount follows, as the service's would."""
        group.target_count += count
        for operation in cluster.operations:
            if operation.type == "Scaling" and operation.status == "InProgress":
                for item in operation.scaling:
                    if item.get("InstanceGroupName") == group.name:
                        item["Desired"]["TargetCount"] = group.target_count
        nodes = []
        for index in range(count):
            node = self.world.new_node(cluster, group, requested, PENDING, rng)
            node.instance_pending = "missing" if index == 0 else "empty"
            node.set_status(
                PENDING,
                f"Insufficient capacity for {group.instance_type} in the requested Availability Zones; HyperPod "
                "keeps retrying (Continuous provisioning).",
            )
            nodes.append(node)
        return nodes

    def health_agent_log(
        self,
        cluster: Cluster,
        node: Node,
        *,
        detection: bool,
        fault_at: float | None = None,
        records: tuple[tuple[int, str], ...] = HMA_DETECTION,
    ) -> None:
        """The node's agent stream: started, healthy; with `detection`, the detection `records` (a GPU XID 79 by
        default) at `fault_at` (a day after the agent started when not given)."""
        stream = f"SagemakerHealthMonitoringAgent/{node.group.name}/{node.instance_id}"
        start = node.launch_time + 600
        template: tuple[tuple[int, str], ...] = HMA_HEALTHY
        if detection:
            at_ms = int(((fault_at if fault_at is not None else start + 86_400) - start) * 1000)
            template = HMA_HEALTHY + tuple((at_ms + offset, line) for offset, line in records)
        source = ScriptedLines(template, int(start * 1000), {"instance_id": node.instance_id})
        self.world.logs.add_stream(cluster.log_group, stream, int(start * 1000), source)

    def event(self, cluster: Cluster, at: float, description: str, **kwargs) -> None:
        if at <= self.world.start:
            self.world.add_event(cluster, at, description, **kwargs)
