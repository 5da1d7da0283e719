"""StartClusterHealthCheck: deep health checks as a state machine, with results in CloudWatch Logs.

The request is validated against botocore's model first (the dispatcher: 1–99 configurations, ≤ 500 instance
ids each, 1–3 check types of the enum), then here: the group must exist, every id must be a node of that group,
a check type appears once, and every targeted node must be Running (UNCONFIRMED: what AWS answers for a node in
another state; this answers ValidationException, naming it). An accepted request answers {ClusterArn}, and:
- a `DeepHealthCheck` operation is InProgress (ListClusterOperations / DescribeClusterOperation), its
  DeepHealthCheckDetails the configurations as sent;
- each targeted node (a whole group: each of its Running nodes) goes DeepHealthCheckInProgress;
- after DHC_DURATION simulated seconds each node writes one result line per check to the stream
  `DeepHealthCheckResults/<operation id>` of the cluster's log group, goes back to Running, or, when
  `world.dhc_failures` names it with one of the checks run, to Failure with the reason as its message; the
  operation is Done. The record shape is the AWS documentation's (`level`, `ts`, `msg`) plus `instanceId` and
  `healthCheck` (UNCONFIRMED: the documented example names neither).
"""

from __future__ import annotations

import datetime
import json
import random

from tui.sim import ids
from tui.sim.errors import validation_error
from tui.sim.model import DEEP_HEALTH_CHECK, FAILURE, RUNNING, Cluster, ClusterOperation, Node
from tui.sim.sagemaker import require_cluster, sagemaker
from tui.sim.world import World

DHC_DURATION = 45.0  # simulated seconds a run takes (real ones: tens of minutes)
RESULT_STEP = 3.0  # seconds between one node's result lines
RESULTS_PREFIX = "DeepHealthCheckResults/"

PASSED_LINES = {
    "InstanceStress": (
        "DCGM diagnostic health summary: dcgmCheckLevel: 2 dcgmVersion: 3.3.7 gpuDriverVersion: 535.183.01 "
        "replacementRequired: false rebootRequired: false; stress-ng success; GpuPci Count check success"
    ),
    "InstanceConnectivity": (
        "EFA Loopback check passed for device: rdmap0s29 . Output summary is MaxBw: 58.590000, AvgBw: 32.420000"
    ),
    "MultiNodeTrainingValidation": (
        "Nccl test successful. Summary: NcclMaxAlgoBw: 1.190000, NcclAvgAlgoBw: 0.488398, NcclThresholdAlgoBw: "
        "1.180000, NcclOutOfBoundError: OK, NcclOperations: all_reduce_perf"
    ),
}


def failed_line(region: str, instance_type: str, reason: str) -> str:
    """The documentation's failure form: `Encountered FaultyInstance. Replace the Instance. … ERROR:<reason>`."""
    return (
        f"Encountered FaultyInstance. Replace the Instance. Region: {region}, InstanceType: "
        f"{instance_type.removeprefix('ml.')}. ERROR:{reason}"
    )


def result_record(when: float, level: str, msg: str, instance_id: str, check: str) -> str:
    iso = datetime.datetime.fromtimestamp(when, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(
        {"level": level, "ts": iso, "msg": msg, "instanceId": instance_id, "healthCheck": check},
        separators=(",", ":"),
    )


def write_results(
    world: World,
    cluster: Cluster,
    stream_id: str,
    lines: list[tuple[float, str]],
) -> None:
    """Append result records to `DeepHealthCheckResults/<stream_id>` (created when first written)."""
    group = world.logs.ensure_group(cluster.log_group, int(cluster.creation_time * 1000))
    name = RESULTS_PREFIX + stream_id
    stream = group.streams.get(name)
    if stream is None:
        stream = world.logs.add_stream(cluster.log_group, name, int(min(t for t, _ in lines) * 1000))
    stream.append([(int(t * 1000), line) for t, line in lines])


def _targets(cluster: Cluster, configurations: list[dict]) -> list[tuple[Node, tuple[str, ...]]]:
    chosen: dict[str, tuple[Node, tuple[str, ...]]] = {}
    for configuration in configurations:
        name = configuration["InstanceGroupName"]
        group = cluster.groups.get(name)
        if group is None:
            raise validation_error(f"Instance group {name} does not exist in cluster {cluster.name}.")
        checks = list(configuration["DeepHealthChecks"])
        if len(set(checks)) != len(checks):
            raise validation_error(f"DeepHealthChecks for instance group {name} contains duplicate values.")
        given = configuration.get("InstanceIds")
        if given is None:
            nodes = [n for n in cluster.nodes.values() if n.group is group and n.status == RUNNING]
            nodes = [n for n in nodes if n.instance_pending is None and n.operation is None]
        else:
            nodes = []
            for instance_id in given:
                node = cluster.nodes.get(instance_id)
                if node is None or node.group is not group or node.instance_pending is not None:
                    raise validation_error(f"Instance {instance_id} is not part of instance group {name}.")
                if node.status != RUNNING or node.busy:
                    raise validation_error(
                        f"Instance {instance_id} is in status {node.status}; deep health checks run only on "
                        f"instances in status {RUNNING}."
                    )
                nodes.append(node)
        for node in nodes:
            previous = chosen.get(node.instance_id)
            merged = tuple(dict.fromkeys([*(previous[1] if previous else ()), *checks]))
            chosen[node.instance_id] = (node, merged)
    return list(chosen.values())


@sagemaker("StartClusterHealthCheck")
def start_cluster_health_check(world: World, params: dict) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    if cluster.status != "InService":
        raise validation_error(f"Cluster {cluster.name} is in status {cluster.status}; it must be InService.")
    configurations = params["DeepHealthCheckConfigurations"]
    targets = _targets(cluster, configurations)
    start_health_check(world, cluster, configurations, targets, world.now)
    return {"ClusterArn": cluster.arn}


def start_health_check(
    world: World,
    cluster: Cluster,
    configurations: list[dict],
    targets: list[tuple[Node, tuple[str, ...]]],
    at: float,
    duration: float = DHC_DURATION,
) -> ClusterOperation:
    operation = ClusterOperation(ids.event_id(world.rng), "DeepHealthCheck", "InProgress", at)
    operation.health_checks = [dict(c) for c in configurations]
    cluster.operations.append(operation)
    seqs: dict[str, int] = {}
    for node, checks in targets:
        seqs[node.instance_id] = node.begin("health_check")
        node.set_status(DEEP_HEALTH_CHECK)
        world.add_event(
            cluster,
            at,
            f"Deep health check started on instance {node.instance_id} ({', '.join(checks)})",
            node=node,
            operation_id=operation.operation_id,
        )

    def finish(when: float) -> None:
        lines: list[tuple[float, str]] = []
        for node, checks in targets:
            if node.operation_seq != seqs[node.instance_id] or cluster.nodes.get(node.instance_id) is not node:
                continue  # rebooted, replaced or gone meanwhile
            failing = world.dhc_failures.get(node.instance_id)
            failed = failed_check = ""
            for k, check in enumerate(checks):
                stamp = when - duration / 2 + k * RESULT_STEP
                if failing is not None and failing[0] == check:
                    reason = failed_line(world.region, node.instance_type, failing[1])
                    lines.append((stamp, result_record(stamp, "error", reason, node.instance_id, check)))
                    failed, failed_check = f"Deep health check {check} failed: {failing[1]}", check
                else:
                    lines.append((stamp, result_record(stamp, "info", PASSED_LINES[check], node.instance_id, check)))
            node.begin(None)
            if failed:
                node.set_status(FAILURE, failed)
                world.add_event(
                    cluster,
                    when,
                    f"Instance {node.instance_id} failed deep health check {failed_check}",
                    node=node,
                    level="Error",
                    operation_id=operation.operation_id,
                )
            else:
                node.set_status(RUNNING)
                world.add_event(
                    cluster,
                    when,
                    f"Deep health check passed on instance {node.instance_id}",
                    node=node,
                    operation_id=operation.operation_id,
                )
        if lines:
            write_results(world, cluster, operation.operation_id, lines)
        operation.status = "Done"

    world.schedule(at + duration, finish)
    return operation


def past_run(
    world: World,
    cluster: Cluster,
    operation: ClusterOperation,
    nodes: list[Node],
    checks: tuple[str, ...],
    failures: dict[str, tuple[str, str, float]],
    rng: random.Random,
) -> None:
    """A run that ended before the clock starts: its results stream, every node passing each check but those in
    `failures` (instance id → (check, reason, when a re-check passed, 0 for never)); a re-check (HyperPod's, after
    the node's reboot) is a run of its own, in a stream of its own."""
    lines: list[tuple[float, str]] = []
    rechecks: list[tuple[float, str]] = []
    for node in nodes:
        for k, check in enumerate(checks):
            stamp = operation.creation_time + 600 + rng.uniform(0, 300) + k * RESULT_STEP
            failing = failures.get(node.instance_id)
            if failing is not None and failing[0] == check:
                reason = failed_line(world.region, node.instance_type, failing[1])
                lines.append((stamp, result_record(stamp, "error", reason, node.instance_id, check)))
                if failing[2]:
                    again = failing[2]
                    rechecks.append((again, result_record(again, "info", PASSED_LINES[check], node.instance_id, check)))
            else:
                lines.append((stamp, result_record(stamp, "info", PASSED_LINES[check], node.instance_id, check)))
    write_results(world, cluster, operation.operation_id, lines)
    if rechecks:
        write_results(world, cluster, ids.event_id(rng), rechecks)


__all__ = ["DHC_DURATION", "past_run", "start_cluster_health_check", "start_health_check"]
