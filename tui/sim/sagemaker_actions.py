"""BatchRebootClusterNodes, BatchReplaceClusterNodes and BatchDeleteClusterNodes.

A request is accepted as a whole and judged per node: each node ends up in `Successful` or in `Failed`
with a code. Reboot and replace report `ErrorCode`; delete reports `Code` (the model's names differ).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.sim.errors import validation_error
from tui.sim.model import FAILURE, PENDING, RUNNING, Cluster, Node
from tui.sim.sagemaker import require_cluster, sagemaker
from tui.sim.validation import render_value
from tui.sim.world import World

DELETE_LIMIT = 99


@dataclass(frozen=True)
class _Codes:
    """The vocabulary of one action's per-node failures."""

    done: str
    code_field: str
    not_found: str
    bad_status: str
    in_use: str
    allowed: tuple[str, ...]
    refuses_controller: bool


REBOOT = _Codes(
    "rebooted", "ErrorCode", "InstanceIdNotFound", "InvalidInstanceStatus", "InstanceIdInUse", (RUNNING, FAILURE), False
)
REPLACE = _Codes(
    "replaced", "ErrorCode", "InstanceIdNotFound", "InvalidInstanceStatus", "InstanceIdInUse", (RUNNING, FAILURE), True
)
DELETE = _Codes(
    "deleted", "Code", "NodeIdNotFound", "InvalidNodeStatus", "NodeIdInUse", (RUNNING, FAILURE, PENDING), True
)

_IN_FLIGHT = {"reboot": "being rebooted", "replace": "being replaced", "delete": "being deleted"}


def _refusal(world: World, cluster: Cluster, node_ref: str, node: Node | None, codes: _Codes) -> tuple[str, str] | None:
    """(code, message) when this node cannot take the action now, else None."""
    injected = world.faults.take_node_failure(node_ref) if world.faults is not None else None
    if injected is not None:
        return injected.code, injected.message
    if node is None:
        return codes.not_found, f"Node {node_ref} was not found in cluster {cluster.name}."
    if codes.refuses_controller and cluster.orchestrator == "Slurm" and node.group.slurm_node_type == "Controller":
        return codes.bad_status, (
            f"Node {node_ref} belongs to instance group {node.group.name}, the Slurm controller "
            f"group. Slurm controller nodes cannot be {codes.done}."
        )
    if node.busy:
        return codes.in_use, (
            f"Node {node_ref} is already {_IN_FLIGHT.get(node.operation or '', 'busy')}. Wait for that operation "
            f"to finish before retrying."
        )
    if node.status not in codes.allowed:
        allowed = " or ".join(codes.allowed)
        return codes.bad_status, (
            f"Node {node_ref} is in status {node.status}; it must be {allowed} to be "
            f"{codes.done}. Wait for the node to settle before retrying."
        )
    return None


def _unique(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(values or ()))


def _judge(
    world: World, cluster: Cluster, refs: list[str] | None, lookup, codes: _Codes, act, id_field: str
) -> tuple[list[str], list[dict]]:
    """Act on every node `refs` names that can take the action; the rest go to the failures, with a reason."""
    done, failed = [], []
    for ref in _unique(refs):
        node = lookup(ref)
        refusal = _refusal(world, cluster, ref, node, codes)
        if refusal is None:
            act(cluster, node, world.now)
            done.append(ref)
        else:
            failed.append({id_field: ref, codes.code_field: refusal[0], "Message": refusal[1]})
    return done, failed


def _run(world: World, params: dict, codes: _Codes, act) -> dict:
    cluster = require_cluster(world, params["ClusterName"])
    node_ids, logical_ids = params.get("NodeIds"), params.get("NodeLogicalIds")
    if not node_ids and not logical_ids:
        raise validation_error("Either NodeIds or NodeLogicalIds must be provided.")
    if logical_ids and not cluster.continuous:
        raise validation_error(
            f"NodeLogicalIds can only be used with clusters whose NodeProvisioningMode is "
            f"Continuous; cluster {cluster.name} is not."
        )
    successful, failed = _judge(world, cluster, node_ids, cluster.nodes.get, codes, act, "NodeId")
    by_logical = {n.logical_id: n for n in cluster.nodes.values() if n.logical_id} if logical_ids else {}
    ok_logical, failed_logical = _judge(world, cluster, logical_ids, by_logical.get, codes, act, "NodeLogicalId")
    # Lists whose model minimum is 1 are left out when empty, as AWS does.
    reply: dict = {}
    if successful:
        reply["Successful"] = successful
    if failed or codes is not DELETE:
        reply["Failed"] = failed
    if ok_logical:
        reply["SuccessfulNodeLogicalIds"] = ok_logical
    if failed_logical:
        reply["FailedNodeLogicalIds"] = failed_logical
    return reply


@sagemaker("BatchRebootClusterNodes")
def batch_reboot_cluster_nodes(world: World, params: dict) -> dict:
    return _run(world, params, REBOOT, world.reboot)


@sagemaker("BatchReplaceClusterNodes")
def batch_replace_cluster_nodes(world: World, params: dict) -> dict:
    return _run(world, params, REPLACE, world.replace)


@sagemaker("BatchDeleteClusterNodes")
def batch_delete_cluster_nodes(world: World, params: dict) -> dict:
    node_ids = params.get("NodeIds") or []
    if len(node_ids) > DELETE_LIMIT:
        # The model allows 3000; the documentation sends anything over 99 to AWS Support.
        raise validation_error(
            f"1 validation error detected: Value '{render_value(node_ids)}' at 'nodeIds' failed to satisfy constraint: "
            f"Member must have length less than or equal to {DELETE_LIMIT}. To delete more than {DELETE_LIMIT} "
            f"nodes in a single request, contact AWS Support."
        )
    return _run(world, params, DELETE, world.delete)
