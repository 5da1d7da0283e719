"""HyperPod's automatic node recovery, simulated: what follows a health fault, by the cluster's NodeRecovery.

With `Automatic`, HyperPod acts on a hardware fault the agent reported: a Node Health Event says the node is
Unhealthy with RepairAction Replace ("HyperPod is working on repairing…"); REPLACE_AFTER later a cluster event
says a replacement started, and the node goes through the simulator's own replacement (ShuttingDown, a new instance Pending, its
lifecycle script, Running with a new launch time and no fault: healthy), after which a Healthy event names the new
instance. With `None`, nothing acts: one Node Health Event says the node is Unhealthy, RepairAction null and a
recommendation to act, and the fault stays until the user reboots or replaces the node. The recommendation's wording
with recovery off is the simulator's own (UNCONFIRMED what the service sends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tui.sim.model import RUNNING

if TYPE_CHECKING:
    from tui.sim.model import Cluster, Node
    from tui.sim.world import World

REPAIRING = "HyperPod is working on repairing the unhealthy node. Please wait for the RepairAction to complete."
MANUAL = "Node recovery is off for this cluster: reboot or replace the node (BatchRebootClusterNodes / BatchReplace…)."
RECOVERED_CHECK_EVERY = 5.0
REPLACE_AFTER = 30.0  # seconds between the Node Health Event (RepairAction Replace) and the replacement starting  # seconds between looks for the replacement being Running


def after_fault(world: World, cluster: Cluster, node: Node, at: float, reason: str) -> None:
    """At `at`, HyperPod reacts to `node`'s fault as the cluster's NodeRecovery says."""

    def react(when: float) -> None:
        if cluster.nodes.get(node.instance_id) is not node:
            return  # gone already (the user replaced or deleted it)
        bus = world.event_bus
        if cluster.node_recovery.casefold() != "automatic":
            bus.node_health(
                cluster,
                node.instance_id,
                when,
                status="Unhealthy",
                repair_action=None,
                recommendation=MANUAL,
                reason=reason,
            )
            return
        if node.operation is not None:
            return  # the user is already rebooting or replacing it
        bus.node_health(
            cluster,
            node.instance_id,
            when,
            status="Unhealthy",
            repair_action="Replace",
            recommendation=REPAIRING,
            reason=reason,
        )
        world.schedule(when + REPLACE_AFTER, lambda t: _replace(world, cluster, node, t, reason))

    world.schedule(at, react)


def _replace(world: World, cluster: Cluster, node: Node, at: float, reason: str) -> None:
    if cluster.nodes.get(node.instance_id) is not node or node.operation is not None:
        return  # the user acted in the meantime
    world.add_event(
        cluster,
        at,
        f"Instance {node.instance_id} is unhealthy ({reason}); automatic node recovery replaces it",
        node=node,
        level="Warn",
    )
    world.replace(cluster, node, at)
    world.schedule(at + RECOVERED_CHECK_EVERY, lambda t: _when_running(world, cluster, node.instance_id, t))


def _when_running(world: World, cluster: Cluster, old_id: str, at: float, tries: int = 0) -> None:
    """The replacement is Running: a Healthy event names it (checked every few seconds, up to ten minutes)."""
    replacements = cast("dict[str, str]", world.landmarks.get("replacements") or {})
    fresh = cluster.nodes.get(replacements.get(old_id, ""))
    if fresh is not None and fresh.status == RUNNING:
        world.event_bus.node_health(
            cluster, fresh.instance_id, at, status="Healthy", repair_action=None, recommendation=None
        )
        recovered = cast("dict[str, str]", world.landmarks.setdefault("recovered", {}))
        recovered[old_id] = fresh.instance_id
        return
    if tries < 120:
        world.schedule(at + RECOVERED_CHECK_EVERY, lambda t: _when_running(world, cluster, old_id, t, tries + 1))
