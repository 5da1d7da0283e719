"""A realistic event and operation history for a Continuous-mode demo cluster (the traps of real answers included).

Shapes follow botocore's ClusterEventDetail / DescribeClusterOperation; the wording follows the AWS events
reference and the real dump quoted in HYPERPOD-FACTS-2 §1.6: provisioning, lifecycle script Started/Succeeded/
Failed, a failed provisioning pair ~1 s apart, a scale-up with its "lost orchestration-ready status" Warns, an
Instance event whose id is only in its Description, and most events without an EventLevel.
"""

from __future__ import annotations

import random

from tui.sim import ids
from tui.sim.model import Cluster, ClusterOperation
from tui.sim.world import World

SCALING_GROUP = "gpu-workers"
SCALING_ADD = 4


def continuous_history(world: World, cluster: Cluster, rng: random.Random) -> None:
    start = world.start
    log_group = cluster.log_group
    groups = list(cluster.groups.values())
    first = groups[0]
    event = world.add_event
    created = start - 2 * 3600
    event(cluster, created, f"Cluster {cluster.name} update started", level=None)
    for k, node in enumerate(n for n in cluster.nodes.values() if n.group is first):
        at = created + 60 + 40 * k
        iid = node.instance_id
        event(
            cluster,
            at,
            f"EC2 Instance {iid} successfully provisioned in {node.az}",
            level=None,
            node=node,
            id_in_description_only=k == 0,
            metadata={"Instance": None, "Cluster": None},
        )
        event(
            cluster,
            at + 5,
            f"Instance lifecycle script execution for EC2 Instance {iid} has Started.",
            level=None,
            node=node,
            metadata={"Instance": {"LcsExecutionState": "Started", "NodeLogicalId": node.logical_id or None}},
        )
        event(
            cluster,
            at + 30,
            f"Instance lifecycle script execution for EC2 Instance {iid} has Succeeded.",
            level=None,
            node=node,
            metadata={"Instance": {"LcsExecutionState": "Succeeded"}},
        )
    # A failed provisioning: the pair of Errors about a second apart, and a lifecycle failure.
    gone = ids.instance_id(rng, world.instance_ids)
    gpu = cluster.groups.get(SCALING_GROUP, first)
    failure = "Insufficient capacity for ml.g5.8xlarge in the requested Availability Zone."
    at = start - 3600
    event(
        cluster,
        at,
        f"Failed to provision EC2 Instance {gone} for instance group {gpu.name}",
        level="Error",
        group=gpu,
        instance_id=gone,
        metadata={"Instance": {"FailureMessage": failure, "CapacityReservation": {}}},
    )
    event(
        cluster,
        at + 1.1,
        f"Instance creation for EC2 Instance {gone} failed",
        level="Error",
        group=gpu,
        instance_id=gone,
        metadata={"Instance": {"FailureMessage": failure}},
    )
    broken = ids.instance_id(rng, world.instance_ids)
    event(
        cluster,
        at + 300,
        f"Instance lifecycle script execution for EC2 Instance {broken} has Failed. To view "
        f"lifecycle script logs, visit log group {log_group}",
        level="Error",
        group=gpu,
        instance_id=broken,
        metadata={"Instance": {"LcsExecutionState": "Failed", "FailureMessage": "on_create.sh exited with code 1"}},
    )
    # The scale-up in progress: an operation, its events, and the Warns that are not an outage.
    op_time = start - 600
    op = ClusterOperation(ids.event_id(rng), "Scaling", "InProgress", op_time)
    original = gpu.target_count
    gpu.target_count += SCALING_ADD
    current = sum(1 for n in cluster.nodes.values() if n.group is gpu)
    op.scaling.append(
        {
            "InstanceGroupName": gpu.name,
            "Status": "InProgress",
            "Original": {"CurrentCount": current, "TargetCount": original},
            "Desired": {"CurrentCount": current, "TargetCount": gpu.target_count},
        }
    )
    cluster.operations.append(op)
    # The run whose InstanceConnectivity failure the demo's events tell of (tui/sim/scenarios.py writes its results).
    done = ClusterOperation(ids.event_id(rng), "DeepHealthCheck", "Done", start - 3 * 86400 - 900)
    done.health_checks.append(
        {"InstanceGroupName": gpu.name, "DeepHealthChecks": ["InstanceStress", "InstanceConnectivity"]}
    )
    cluster.operations.append(done)
    event(
        cluster,
        op_time,
        f"Instance group {gpu.name} scaling from {original} to {gpu.target_count} started",
        group=gpu,
        operation_id=op.operation_id,
        metadata={"InstanceGroupScaling": {"InstanceCount": current, "TargetCount": gpu.target_count, "MinCount": 0}},
    )
    event(
        cluster,
        op_time + 20,
        f"{SCALING_ADD} node(s) lost orchestration-ready status. Current: {current}/{gpu.target_count}",
        level="Warn",
        group=gpu,
        operation_id=op.operation_id,
        metadata={
            "InstanceGroupScaling": {
                "FailureMessage": "Request to service failed. Please retry.",
                "InstanceCount": current,
                "TargetCount": gpu.target_count,
            },
            "InstanceHealth": None,
        },
    )
    event(
        cluster,
        op_time + 21,
        f"{SCALING_ADD} node(s) lost orchestration-ready status. Current: {current}/{gpu.target_count}",
        level="Warn",
        group=gpu,
        operation_id=op.operation_id,
    )
    event(cluster, start - 30, "EC2 Instance  successfully terminated", level=None, group=gpu)
