"""The named worlds a simulator can start from: `demo`, `scale-10k` and `zoo`.

Each scenario is a function of (world, rng); everything it creates is timed relative to `world.start`, so a
frozen clock gives the same world every time. Notable resources are named in `world.landmarks` so tests and
the demo can find them without searching.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from tui.sim import ids, recovery
from tui.sim import slurm as sim_slurm
from tui.sim.builder import DAY, ClusterBuilder, GroupSpec
from tui.sim.event_history import continuous_history
from tui.sim.health_checks import past_run
from tui.sim.lifecycle import EKS_RETRIED, HMA_DETECTION, HMA_EFA_DETECTION, SLURM_RETRIED, ScriptedLines, VerboseLines
from tui.sim.model import (
    ATTACH_IN_PROGRESS,
    DEEP_HEALTH_CHECK,
    DETACH_IN_PROGRESS,
    FAILURE,
    NEWEST_IMAGE_RELEASE,
    NOT_FOUND,
    PENDING,
    RUNNING,
    SHUTTING_DOWN,
    SYSTEM_UPDATING,
    Cluster,
    Node,
    node_failure_status_message,
)
from tui.sim.world import World

Scenario = Callable[[World, random.Random], None]

GPU_CHECKS = ("InstanceStress", "InstanceConnectivity")
BIG_LOG_LINES = 200_000


def demo(world: World, rng: random.Random) -> None:
    """Three clusters: a busy Slurm cluster with a failed and a pending worker, an EKS cluster in
    Continuous mode with a deep health check under way (and a node, `dhc_failing_node`, that failed one three days
    ago, passed it after a reboot, and fails InstanceStress the next time it is checked), and a Slurm cluster still
    being created."""
    start = world.start
    build = ClusterBuilder(world, rng)

    slurm = build.cluster(
        "llm-pretrain-slurm",
        "Slurm",
        "InService",
        start - 12 * DAY - rng.uniform(0, 6 * 3600),
        [
            GroupSpec.running("controller-machine", "ml.m5.12xlarge", 1, slurm_node_type="Controller"),
            GroupSpec.running("login-group", "ml.m5.4xlarge", 2, slurm_node_type="Login"),
            GroupSpec.running("worker-group-1", "ml.p5.48xlarge", 15, slurm_node_type="Compute", partition="p5"),
            GroupSpec.running(
                "worker-group-2",
                "ml.g5.8xlarge",
                20,
                slurm_node_type="Compute",
                partition="g5",
                image_version_status="SecurityUpdateRequired",
            ),
        ],
    )
    workers1, workers2 = slurm.groups["worker-group-1"], slurm.groups["worker-group-2"]
    # A scale-up two days ago whose lifecycle script failed on the FSx mount.
    workers2.target_count += 1
    failed = build.node(slurm, workers2, start - 2 * DAY - rng.uniform(0, 3600), FAILURE)
    # A worker that launched a minute ago and is still running its lifecycle script.
    workers1.target_count += 1
    pending = build.provisioning_node(slurm, workers1, start - 50, start - 25, start + 70)
    faulty = next(n for n in slurm.nodes.values() if n.group is workers1 and n.status == RUNNING)
    # Its GPU fell off the bus four minutes ago (HMA, XID 79); the node still says Running.
    build.health_agent_log(slurm, faulty, detection=True, fault_at=start - 240)
    world.gpu_faults[faulty.instance_id] = "Xid 79"  # its nvidia-smi says so too (tui/sim/node_sandbox.py)
    # NodeRecovery is Automatic here: 15 s in a Node Health Event says HyperPod repairs it, 30 s later it is replaced.
    recovery.after_fault(world, slurm, faulty, start + 15, "GPU XID 79")
    # Slurm has drained two workers (tui/sim/slurm.py): the faulty one for replacement (HMA's Action:Replace, the
    # replacement waiting on its jobs), and one whose job could not be killed three hours ago.
    stuck = next(n for n in slurm.nodes.values() if n.group is workers2 and n.status == RUNNING)
    sim_slurm.set_state(world, slurm, sim_slurm.slurm_name(faulty), "drained", "Action:Replace", start - 230)
    sim_slurm.set_state(world, slurm, sim_slurm.slurm_name(stuck), "drained", "Kill task failed", start - 3 * 3600)

    eks = build.cluster(
        "genai-eks-prod",
        "Eks",
        "InService",
        start - 30 * DAY - rng.uniform(0, 6 * 3600),
        [
            GroupSpec.running("general-purpose", "ml.m5.12xlarge", 4, image_version_status="UpdateAvailable"),
            GroupSpec.running(
                "gpu-workers", "ml.g5.8xlarge", 12, deep_health_checks=GPU_CHECKS, auto_patch=("WhenIdle", 2.5 * DAY)
            ),
            GroupSpec.running(
                "training-p5", "ml.p5.48xlarge", 8, deep_health_checks=GPU_CHECKS, auto_patch=("DrainFirst", 6 * DAY)
            ),
        ],
        continuous=True,
    )
    checking = next(n for n in eks.nodes.values() if n.group.name == "training-p5")
    gpu = eks.groups["gpu-workers"]
    flaky = next(n for n in eks.nodes.values() if n.group is gpu)
    build.event(
        eks,
        start - 3 * DAY,
        f"Instance {flaky.instance_id} failed deep health check InstanceConnectivity "
        f"(EFA loopback bandwidth below threshold); rebooting",
        node=flaky,
        level="Warn",
    )
    build.event(eks, start - 3 * DAY + 140, f"Instance {flaky.instance_id} rebooted successfully", node=flaky)
    gone = ids.instance_id(rng, world.instance_ids)
    build.event(
        eks,
        start - 6 * DAY,
        f"Instance lifecycle script execution for EC2InstanceId {gone} has Failed; the instance was replaced",
        group=gpu,
        level="Error",
    )
    # Node recovery is off on this cluster: an EFA fault ten minutes ago stays until the user acts (issue 15).
    eks.node_recovery = "None"
    efa = next(n for n in eks.nodes.values() if n.group is gpu and n is not flaky and n.status == RUNNING)
    build.health_agent_log(eks, efa, detection=True, fault_at=start - 600, records=HMA_EFA_DETECTION)
    recovery.after_fault(world, eks, efa, start + 5, "EFA device not responding")  # an event, no repair
    world.hold_status(eks, checking, DEEP_HEALTH_CHECK, start - 30, start + 150)
    continuous_history(world, eks, rng)
    _deep_health_checks(world, eks, flaky, start)

    created = start - 40
    fresh = build.cluster(
        "research-slurm-dev",
        "Slurm",
        "Creating",
        created,
        [
            GroupSpec(
                "controller-machine", "ml.m5.4xlarge", (PENDING,), slurm_node_type="Controller", status="Creating"
            ),
            GroupSpec(
                "worker-group-1",
                "ml.g5.12xlarge",
                (PENDING,) * 6,
                slurm_node_type="Compute",
                partition="dev",
                status="Creating",
            ),
        ],
        populate=False,
    )
    for k, group in enumerate([fresh.groups["controller-machine"]] + [fresh.groups["worker-group-1"]] * 6):
        script_start = start + 1 + 3 * k + rng.uniform(0, 2)
        build.provisioning_node(fresh, group, created + 20 + k, script_start, script_start + rng.uniform(30, 38))

    # A scale-up of gpu-workers twenty minutes ago that found no capacity: two nodes Pending with a message and no
    # instance, known only by NodeLogicalId (their own rng: the rest of the demo stays as it was).
    short = build.capacity_shortage(eks, gpu, 2, start - 20 * 60, random.Random(f"{world.seed}:capacity"))

    world.start_churn([slurm, eks], start + rng.uniform(20, 40))
    retried = next(n for n in slurm.nodes.values() if n.group is workers1 and n.status == RUNNING and n is not faulty)
    retried_eks = next(n for n in eks.nodes.values() if n.group.name == "general-purpose" and n.status == RUNNING)
    _several_attempts(world, slurm, retried, SLURM_RETRIED)
    _several_attempts(world, eks, retried_eks, EKS_RETRIED)
    world.landmarks.update(
        {
            "logical_only_node": short[0].logical_id or "",  # InstanceId omitted from answers
            "empty_instance_id_node": short[1].logical_id or "",  # InstanceId ""
            "retried_node": retried.instance_id,
            "retried_eks_node": retried_eks.instance_id,
            "slurm_cluster": slurm.name,
            "eks_cluster": eks.name,
            "creating_cluster": fresh.name,
            "failed_node": failed.instance_id,
            "pending_node": pending.instance_id,
            "deep_health_check_node": checking.instance_id,
            "health_event_node": faulty.instance_id,
            "dhc_failing_node": flaky.instance_id,
            "efa_fault_node": efa.instance_id,  # on eks_cluster, NodeRecovery None
        }
    )


DHC_STRESS_FAILURE = (
    "DCGM diagnostic failed: Memory test (level 3) on GPU 2: 14 uncorrectable (double-bit) ECC errors. "
    "replacementRequired: true rebootRequired: false"
)


def _deep_health_checks(world: World, eks: Cluster, flaky: Node, start: float) -> None:
    """The deep-health-check run three days ago (event_history's Done operation): its results stream, `flaky`
    failing InstanceConnectivity (as its events say), rebooted and passing it again; and the node that fails
    InstanceStress the next time a run includes it (sim/health_checks.py)."""
    gpu = flaky.group
    done = next(o for o in eks.operations if o.type == "DeepHealthCheck" and o.status == "Done")
    nodes = [n for n in eks.nodes.values() if n.group is gpu and n.instance_pending is None]
    reason = "EFA Loopback check failed for device: rdmap0s29. Bandwidth has less than threshold: Expected minimum threshold :80, Output summary is MaxBw: 21.310000"
    failures = {flaky.instance_id: ("InstanceConnectivity", reason, start - 3 * DAY + 300)}
    past_run(
        world,
        eks,
        done,
        nodes,
        ("InstanceStress", "InstanceConnectivity"),
        failures,
        random.Random(f"{world.seed}:dhc"),
    )
    world.dhc_failures[flaky.instance_id] = ("InstanceStress", DHC_STRESS_FAILURE)


def _several_attempts(world: World, cluster: Cluster, node: Node, template: tuple) -> None:
    """The node's lifecycle stream holds several attempts, the last one ending before the clock starts."""
    stream = world.logs.groups[cluster.log_group].streams[cluster.lifecycle_stream(node.group.name, node.instance_id)]
    begin = min(stream.creation_ms, int(world.start * 1000) - template[-1][0] - 3_600_000)
    stream.creation_ms = begin
    stream.source = ScriptedLines(template, begin, world.script_params(cluster, node))


_SCALE_TYPES = (
    "ml.p5.48xlarge",
    "ml.g5.8xlarge",
    "ml.g5.12xlarge",
    "ml.m5.12xlarge",
    "ml.trn1.32xlarge",
    "ml.p4d.24xlarge",
    "ml.g6.8xlarge",
    "ml.c5.18xlarge",
    "ml.g5.48xlarge",
    "ml.m5.4xlarge",
)


def scale_10k(world: World, rng: random.Random) -> None:
    """One EKS cluster, `scale-10k`: 10,000 nodes in 10 groups, a few unhealthy, one 200,000-line log."""
    specs = []
    for index, instance_type in enumerate(_SCALE_TYPES):
        statuses = [RUNNING] * 1000
        statuses[100 + index] = (FAILURE, PENDING, DEEP_HEALTH_CHECK, SYSTEM_UPDATING, RUNNING)[index % 5]
        specs.append(
            GroupSpec(
                f"worker-group-{index:02d}",
                instance_type,
                tuple(statuses),
                deep_health_checks=GPU_CHECKS if instance_type.startswith("ml.p") else (),
            )
        )
    cluster = ClusterBuilder(world, rng).cluster(
        "scale-10k", "Eks", "InService", world.start - 20 * DAY, specs, hma=False
    )
    node = min(
        (n for n in cluster.nodes.values() if n.group.name == "worker-group-00"),
        key=lambda n: (n.launch_time, n.instance_id),
    )
    stream = world.logs.groups[cluster.log_group].streams[cluster.lifecycle_stream(node.group.name, node.instance_id)]
    stream.source = VerboseLines(BIG_LOG_LINES, stream.creation_ms, world.script_params(cluster, node))
    # 50 unhealthy nodes, 5 per group (issue 15): HMA records, a GPU XID 79 or an EFA fault, in the last hour.
    build = ClusterBuilder(world, rng)
    sick: list[str] = []
    for index, group in enumerate(cluster.groups.values()):
        running = sorted(
            (n for n in cluster.nodes.values() if n.group is group and n.status == RUNNING and n is not node),
            key=lambda n: n.instance_id,
        )
        for k, patient in enumerate(running[200 : 200 + 5 * 37 : 37]):
            records = HMA_EFA_DETECTION if (index + k) % 2 else HMA_DETECTION
            at = world.start - 60 * (1 + 11 * k + index)
            build.health_agent_log(cluster, patient, detection=True, fault_at=at, records=records)
            sick.append(patient.instance_id)
    world.landmarks.update(
        {
            "scale_unhealthy_nodes": sick,
            "scale_cluster": cluster.name,
            "big_log_node": node.instance_id,
            "big_log_group": cluster.log_group,
            "big_log_stream": stream.name,
        }
    )


def zoo(world: World, rng: random.Random) -> None:
    """Every enum value somewhere: one cluster per ClusterStatus, groups in every InstanceGroupStatus,
    ClusterImageVersionStatus and SoftwareUpdateStatus, nodes in every ClusterInstanceStatus (two of them moving
    between clusters), and a failed cluster whose logs use the `/aws/sagemaker/hyperpod/<name>` naming."""
    start = world.start
    build = ClusterBuilder(world, rng)
    ctl = GroupSpec.running(
        "controller-machine", "ml.m5.12xlarge", 1, slurm_node_type="Controller", software_update_status="Succeeded"
    )
    build.cluster(
        "zoo-creating",
        "Slurm",
        "Creating",
        start - 600,
        [
            ctl,
            GroupSpec(
                "worker-group-1",
                "ml.g5.8xlarge",
                (PENDING, PENDING),
                slurm_node_type="Compute",
                partition="dev",
                status="Creating",
            ),
        ],
    )
    build.cluster(
        "zoo-deleting",
        "Eks",
        "Deleting",
        start - 9 * DAY,
        [GroupSpec("workers", "ml.g5.8xlarge", (SHUTTING_DOWN, SHUTTING_DOWN), status="Deleting")],
    )
    failed = build.cluster(
        "zoo-failed",
        "Slurm",
        "Failed",
        start - 2 * DAY,
        [
            GroupSpec("controller-machine", "ml.m5.12xlarge", (RUNNING,), slurm_node_type="Controller"),
            GroupSpec(
                "worker-group-1",
                "ml.p5.48xlarge",
                (FAILURE, RUNNING),
                slurm_node_type="Compute",
                partition="p5",
                status="Failed",
                image_version_status="EndOfLife",
            ),
        ],
        brief_log_naming=True,
    )
    build.cluster(
        "zoo-inservice",
        "Slurm",
        "InService",
        start - 40 * DAY,
        [
            ctl,
            GroupSpec.running(
                "login-group", "ml.m5.4xlarge", 1, slurm_node_type="Login", software_update_status="RollbackComplete"
            ),
            GroupSpec(
                "worker-group-1",
                "ml.p4d.24xlarge",
                (RUNNING, FAILURE, NOT_FOUND, RUNNING),
                slurm_node_type="Compute",
                partition="p4d",
                status="Degraded",
                image_version_status="SecurityUpdateRequired",
                software_update_status="Failed",
            ),
        ],
    )
    build.cluster(
        "zoo-rollingback",
        "Eks",
        "RollingBack",
        start - 5 * DAY,
        [
            GroupSpec(
                "gpu-workers",
                "ml.g5.12xlarge",
                (RUNNING, PENDING),
                status="Updating",
                desired_image_release=NEWEST_IMAGE_RELEASE,
                software_update_status="RollbackInProgress",
                target_state_count=1,
            )
        ],
    )
    updating = build.cluster(
        "zoo-systemupdating",
        "Eks",
        "SystemUpdating",
        start - 15 * DAY,
        [
            GroupSpec(
                "gpu-workers",
                "ml.g6.8xlarge",
                (SYSTEM_UPDATING, RUNNING, SYSTEM_UPDATING),
                status="SystemUpdating",
                image_version_status="UpdateAvailable",
                desired_image_release=NEWEST_IMAGE_RELEASE,
                software_update_status="InProgress",
                target_state_count=1,
            )
        ],
        continuous=True,
    )
    build.event(
        updating,
        start - 1800,
        "Software update of instance group gpu-workers started",
        group=updating.groups["gpu-workers"],
    )
    slow = next(n for n in updating.nodes.values() if n.status == SYSTEM_UPDATING)
    # An update that already failed once on this node: the message of that attempt stays while it updates again.
    slow.set_status(
        SYSTEM_UPDATING,
        node_failure_status_message(updating.log_group, updating.lifecycle_stream("gpu-workers", slow.instance_id)),
    )
    next(n for n in updating.nodes.values() if n.status == RUNNING).image_release = NEWEST_IMAGE_RELEASE
    build.event(
        updating,
        start - 300,
        f"Software update on instance {slow.instance_id} is taking longer than expected",
        node=slow,
        level="Warn",
    )
    build.cluster(
        "zoo-updating",
        "Slurm",
        "Updating",
        start - 20 * DAY,
        [
            ctl,
            GroupSpec(
                "worker-group-1",
                "ml.trn1.32xlarge",
                (RUNNING, DEEP_HEALTH_CHECK, PENDING),
                slurm_node_type="Compute",
                partition="trn1",
                status="Updating",
                deep_health_checks=GPU_CHECKS,
                software_update_status="Pending",
            ),
        ],
    )
    moving = build.cluster(
        "zoo-moving",
        "Eks",
        "InService",
        start - 7 * DAY,
        [
            GroupSpec(
                "cpu-workers",
                "ml.c5.18xlarge",
                (RUNNING, DETACH_IN_PROGRESS, ATTACH_IN_PROGRESS),
                auto_patch=("WhenAllIdle", 4 * DAY),
            )
        ],
        continuous=True,
    )
    world.landmarks.update(
        {
            "brief_naming_cluster": failed.name,
            "failed_node": failed.failed_instance_id,
            "moving_cluster": moving.name,
            "sticky_message_node": slow.instance_id,
        }
    )


SCENARIOS: dict[str, Scenario] = {"demo": demo, "scale-10k": scale_10k, "zoo": zoo}


def build_scenario(name: str, world: World) -> None:
    try:
        scenario = SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}") from None
    scenario(world, random.Random(f"{world.seed}:{name}"))
