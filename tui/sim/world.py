"""The simulated control plane's state and how it moves over time.

Everything that happens later is a step on a timeline (a heap of (time, seq, step)); `advance(now)` runs the
due steps in order, each at its own scheduled time, so the outcome depends only on the seed, the sequence of
requests and the clock. Callers hold `lock` around `advance` and any read or mutation.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from tui.sim import ids
from tui.sim.lifecycle import EKS_SUCCESS, FSX_FAILURE, SLURM_SUCCESS, ScriptedLines
from tui.sim.logstore import LogStore
from tui.sim.model import (
    DEEP_HEALTH_CHECK,
    FAILURE,
    PENDING,
    RUNNING,
    SHUTTING_DOWN,
    SYSTEM_UPDATING,
    Cluster,
    ClusterEvent,
    InstanceGroup,
    Node,
    lifecycle_failure_message,
    node_failure_status_message,
)
from tui.sim.stream import EventBus

if TYPE_CHECKING:
    from tui.sim.faults import Faults

# How long each action takes, in simulated seconds (documented in the package docstring).
REBOOT_PENDING_AFTER = 2.0
REBOOT_RUNNING_AFTER = 25.0
SHUTDOWN_AFTER = 1.0
TERMINATED_AFTER = 15.0
REPLACEMENT_RUNNING_AFTER = 40.0  # counted from the moment the new instance id appears
REPLACEMENT_SCRIPT_DELAY = 3.0
CHURN_EVERY = (20.0, 40.0)
CHURN_LASTS = (12.0, 30.0)

Step = Callable[[float], None]

_HELD_STATUSES = {DEEP_HEALTH_CHECK: ("Deep health check", "passed"), SYSTEM_UPDATING: ("Software update", "completed")}


class World:
    def __init__(self, region: str, account_id: str, seed: int, start: float) -> None:
        self.region = region
        self.account_id = account_id
        self.seed = seed
        self.start = start
        self.now = start
        self.lock = threading.RLock()
        self.rng = random.Random(f"{seed}:runtime")
        self.clusters: dict[str, Cluster] = {}
        self.logs = LogStore(region, account_id)
        self.instance_ids: set[str] = set()
        self.landmarks: dict[str, object] = {}
        self.sessions: list = []
        self.session_starts: list[float] = []  # StartSession times (session_clock) in the last second: 3/s
        self.session_clock: Callable[[], float] = time.monotonic  # real time: the limit is on request rate
        self.start_session_rate = 3  # per second per account (HYPERPOD-FACTS §2); 0: no limit
        # cluster name → Slurm node name → (state, reason, reason time): what scontrol changed (tui/sim/slurm.py)
        self.slurm_states: dict[str, dict[str, tuple[str, str, float | None]]] = {}
        self.gpu_faults: dict[str, str] = {}  # instance id → the XID line its nvidia-smi reports
        # instance id → (check type, reason): the deep health check it fails when run (sim/health_checks.py)
        self.dhc_failures: dict[str, tuple[str, str]] = {}
        self.faults: Faults | None = None  # the simulator's Faults, for per-node failures in Batch* calls
        self.churn_enabled = True
        self.event_bus = EventBus(region, account_id)  # SQS + EventBridge (stream.py): the demo's live stream
        self._timeline: list[tuple[float, int, Step]] = []
        self._seq = 0

    # -- time -------------------------------------------------------------------------------------------------

    def schedule(self, at: float, step: Step) -> None:
        self._seq += 1
        heapq.heappush(self._timeline, (at, self._seq, step))

    def advance(self, now: float) -> None:
        timeline = self._timeline
        while timeline and timeline[0][0] <= now:
            at, _, step = heapq.heappop(timeline)
            self.now = max(self.now, at)
            step(at)
        self.now = max(self.now, now)

    def warm_caches(self) -> None:
        """Serialise every node summary and sort every cluster once, so the first listing costs what later ones do."""
        for cluster in self.clusters.values():
            cluster.ordered_nodes("CREATION_TIME")
            for node in cluster.nodes.values():
                node.summary_json()

    # -- lookups ----------------------------------------------------------------------------------------------

    def find_cluster(self, name_or_arn: str) -> Cluster | None:
        cluster = self.clusters.get(name_or_arn)
        if cluster is None and name_or_arn.startswith("arn:"):
            cluster = next((c for c in self.clusters.values() if c.arn == name_or_arn), None)
        return cluster

    def cluster_by_id(self, cluster_id: str) -> Cluster | None:
        return next((c for c in self.clusters.values() if c.cluster_id == cluster_id), None)

    # -- building ---------------------------------------------------------------------------------------------

    def add_cluster(self, cluster: Cluster) -> Cluster:
        self.clusters[cluster.name] = cluster
        self.logs.ensure_group(cluster.log_group, int(cluster.creation_time * 1000))
        return cluster

    def new_node(
        self,
        cluster: Cluster,
        group: InstanceGroup,
        launch_time: float,
        status: str,
        rng: random.Random,
        ip: str | None = None,
    ) -> Node:
        instance_id = ids.instance_id(rng, self.instance_ids)
        if ip is None:
            ip = ids.private_ips(rng, cluster.ip_octet, 1, cluster.ips_taken)[0]
        az, az_id = ids.availability_zone(self.region, cluster.az_letter)
        node = Node(instance_id, group, launch_time, status, ip, ids.private_dns_hostname(ip, self.region), az, az_id)
        if cluster.continuous:
            node.logical_id = f"{group.name}-{instance_id[2:10]}"
        if group.slurm_node_type == "Controller" and cluster.controller_ip is None:
            cluster.controller_ip = ip
        cluster.add_node(node)
        return node

    def script_params(self, cluster: Cluster, node: Node) -> dict:
        is_controller = node.group.slurm_node_type == "Controller"
        return {
            "instance_id": node.instance_id,
            "hostname": node.hostname.split(".")[0],
            "group": node.group.name,
            "node_type": node.group.slurm_node_type or "Kubernetes worker",
            "s3_uri": node.group.source_s3_uri,
            "region": self.region,
            "fsx_dns": f"fs-0{cluster.cluster_id[:8].encode().hex()[:16]}.fsx.{self.region}.amazonaws.com",
            "fsx_mount": cluster.cluster_id[:8],
            "controller_ip": cluster.controller_ip or node.ip,
            "slurm_daemon": "slurmctld" if is_controller else "slurmd",
            "eks_name": (cluster.eks_cluster_arn or "").rsplit("/", 1)[-1],
        }

    @staticmethod
    def lifecycle_template(cluster: Cluster, failed: bool) -> tuple:
        if failed:
            return FSX_FAILURE
        return EKS_SUCCESS if cluster.orchestrator == "Eks" else SLURM_SUCCESS

    def add_lifecycle_log(
        self, cluster: Cluster, node: Node, start: float, *, failed: bool = False, pace: float = 1.0
    ) -> float:
        """The node's lifecycle-script run, written from `start` at `pace`, in the stream the cluster's naming uses.

        Returns when the run's last line is written.
        """
        template = self.lifecycle_template(cluster, failed)
        source = ScriptedLines(template, int(start * 1000), lambda: self.script_params(cluster, node), pace)
        stream = cluster.lifecycle_stream(node.group.name, node.instance_id)
        self.logs.add_stream(cluster.log_group, stream, int(start * 1000), source)
        return start + template[-1][0] * pace / 1000.0

    def mark_failed(self, cluster: Cluster, node: Node, *, set_cluster_message: bool = True) -> None:
        stream = cluster.lifecycle_stream(node.group.name, node.instance_id)
        node.set_status(FAILURE, node_failure_status_message(cluster.log_group, stream))
        if set_cluster_message:
            cluster.failure_message = lifecycle_failure_message(node.instance_id, cluster.log_group, stream)
            cluster.failed_instance_id = node.instance_id

    def add_event(
        self,
        cluster: Cluster,
        at: float,
        description: str,
        *,
        level: str | None = "Info",
        node: Node | None = None,
        group: InstanceGroup | None = None,
        instance_id: str | None = None,
        **extra,
    ) -> None:
        if not cluster.continuous:
            return
        if node is not None:
            resource, group = "Instance", node.group
        else:
            resource = "InstanceGroup" if group is not None else "Cluster"
        event = ClusterEvent(
            ids.event_id(self.rng),
            at,
            resource,
            description,
            level,
            group.name if group else None,
            node.instance_id if node else instance_id,
            **extra,
        )
        if instance_id is not None and node is None:
            event.resource_type = "Instance"
        self.event_bus.cluster_event(cluster, event)
        events = cluster.events
        if events and events[-1].key > event.key:
            events.append(event)
            events.sort(key=lambda e: e.key)
        else:
            events.append(event)

    # -- provisioning -----------------------------------------------------------------------------------------

    def provision(
        self, cluster: Cluster, node: Node, script_start: float, running_at: float, failed: bool = False
    ) -> None:
        """Node is Pending now; its lifecycle log is written from `script_start`; it is Running at `running_at`."""
        seq = node.begin("provision")
        node.set_status(PENDING)
        written_ms = self.lifecycle_template(cluster, failed)[-1][0]
        pace = max(0.05, (running_at - script_start - 1.0) / (written_ms / 1000.0))
        self.add_lifecycle_log(cluster, node, script_start, failed=failed, pace=pace)
        iid = node.instance_id
        self.schedule(
            script_start,
            lambda at: self.add_event(
                cluster, at, f"Instance lifecycle script execution for EC2InstanceId {iid} has Started", node=node
            ),
        )

        def finish(at: float) -> None:
            if node.operation_seq != seq or cluster.nodes.get(iid) is not node:
                return
            node.begin(None)
            if failed:
                self.mark_failed(cluster, node)
                self.add_event(
                    cluster,
                    at,
                    f"Instance lifecycle script execution for EC2InstanceId {iid} has Failed",
                    level="Error",
                    node=node,
                )
            else:
                node.set_status(RUNNING)
                self.add_event(
                    cluster, at, f"Instance lifecycle script execution for EC2InstanceId {iid} has Succeeded", node=node
                )
                self.add_event(cluster, at, f"Instance {iid} is now Running", node=node)
            self._settle_cluster(cluster, at)

        self.schedule(running_at, finish)

    def _settle_cluster(self, cluster: Cluster, at: float) -> None:
        if cluster.status != "Creating" or any(n.status == PENDING for n in cluster.nodes.values()):
            return
        cluster.status = "InService"
        for group in cluster.groups.values():
            group.status = "InService"
        self.event_bus.state_change(cluster, at)
        self.add_event(cluster, at, f"Cluster {cluster.name} is InService")

    # -- node actions (the Batch* APIs) -----------------------------------------------------------------------

    def reboot(self, cluster: Cluster, node: Node, at: float) -> None:
        seq = node.begin("reboot")
        self.add_event(cluster, at, f"Reboot requested for instance {node.instance_id}", node=node)

        def pending(_: float) -> None:
            if node.operation_seq == seq:
                node.set_status(PENDING, "Instance is rebooting")

        def running(when: float) -> None:
            if node.operation_seq == seq:
                node.begin(None)
                node.set_status(RUNNING)
                self.add_event(cluster, when, f"Instance {node.instance_id} rebooted successfully", node=node)

        self.schedule(at + REBOOT_PENDING_AFTER, pending)
        self.schedule(at + REBOOT_RUNNING_AFTER, running)

    def replace(self, cluster: Cluster, node: Node, at: float) -> None:
        seq = node.begin("replace")
        self.add_event(cluster, at, f"Replacement requested for instance {node.instance_id}", node=node)
        self._shut_down(cluster, node, seq, at)

        def launch(when: float) -> None:
            if node.operation_seq != seq:
                return
            # Slurm keeps the replaced node's hostname (docs/aws-facts.md, Node health); EKS nodes get a new address.
            keep_ip = node.ip if cluster.orchestrator == "Slurm" else None
            fresh = self.new_node(cluster, node.group, when, PENDING, self.rng, ip=keep_ip)
            self.add_event(
                cluster, when, f"Instance {fresh.instance_id} launched to replace {node.instance_id}", node=fresh
            )
            self.provision(cluster, fresh, when + REPLACEMENT_SCRIPT_DELAY, when + REPLACEMENT_RUNNING_AFTER)
            replacements = cast("dict[str, str]", self.landmarks.setdefault("replacements", {}))
            replacements[node.instance_id] = fresh.instance_id

        self.schedule(at + TERMINATED_AFTER, launch)

    def delete(self, cluster: Cluster, node: Node, at: float) -> None:
        seq = node.begin("delete")
        node.group.target_count = max(0, node.group.target_count - 1)
        self.add_event(cluster, at, f"Deletion requested for instance {node.instance_id}", node=node)
        self._shut_down(cluster, node, seq, at)

    def _shut_down(self, cluster: Cluster, node: Node, seq: int, at: float) -> None:
        def shutting_down(_: float) -> None:
            if node.operation_seq == seq:
                node.set_status(SHUTTING_DOWN)

        def gone(when: float) -> None:
            if node.operation_seq == seq and cluster.nodes.get(node.instance_id) is node:
                cluster.remove_node(node.instance_id)
                self.add_event(cluster, when, f"Instance {node.instance_id} terminated", node=node)

        self.schedule(at + SHUTDOWN_AFTER, shutting_down)
        # Scheduled before replace() schedules "launch" at the same instant, so it runs first.
        self.schedule(at + TERMINATED_AFTER, gone)

    # -- background liveliness --------------------------------------------------------------------------------

    def hold_status(self, cluster: Cluster, node: Node, status: str, at: float, until: float) -> None:
        """`node` shows `status` (a deep health check or a software update) from `at`, and Running from `until`."""
        seq = node.begin("hold")
        node.set_status(status)
        what, done = _HELD_STATUSES[status]
        self.add_event(cluster, at, f"{what} started on instance {node.instance_id}", node=node)

        def back(when: float) -> None:
            if node.operation_seq != seq:
                return
            node.begin(None)
            if status == SYSTEM_UPDATING:
                node.last_software_update = when
            node.set_status(RUNNING)
            self.add_event(cluster, when, f"{what} {done} on instance {node.instance_id}", node=node)

        self.schedule(until, back)

    def start_churn(self, clusters: list[Cluster], first_at: float) -> None:
        """Every 20-40 s a Running, idle compute node goes SystemUpdating or into a deep health check and back."""
        if not self.churn_enabled:
            return

        def churn(at: float) -> None:
            candidates = [
                (cluster, node)
                for cluster in clusters
                for node in cluster.nodes.values()
                if node.status == RUNNING
                and node.operation is None
                and node.group.slurm_node_type not in ("Controller", "Login")
            ]
            if candidates:
                cluster, node = candidates[self.rng.randrange(len(candidates))]
                status = DEEP_HEALTH_CHECK if self.rng.random() < 0.5 else SYSTEM_UPDATING
                self.hold_status(cluster, node, status, at, at + self.rng.uniform(*CHURN_LASTS))
            self.schedule(at + self.rng.uniform(*CHURN_EVERY), churn)

        self.schedule(first_at, churn)
