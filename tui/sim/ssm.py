"""SSM StartSession / TerminateSession for HyperPod node targets.

Only the control-plane half is simulated: the session is recorded and a realistic response returned; the
data channel (the StreamUrl) does not exist, which is why the demo swaps in a stand-in plugin.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from tui.sim import ids, node_sandbox, slurm
from tui.sim.dispatcher import OperationTable
from tui.sim.errors import SimError
from tui.sim.model import RUNNING, Node
from tui.sim.node_ports import NodePorts, PortNode
from tui.sim.world import World

ssm = OperationTable("ssm")

# Real session ids start with the caller's IAM user or role-session name, which a simulator does not know.
SESSION_USER = "sim-user"
_TARGET = re.compile(r"sagemaker-cluster:([a-z0-9]{12})_(.+)-(i-[0-9a-f]{8}(?:[0-9a-f]{9})?)")


@dataclass
class SsmSession:
    session_id: str
    target: str
    document_name: str | None
    parameters: dict
    reason: str | None
    started_at: float
    terminated_at: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "Terminated" if self.terminated_at is not None else "Connected"


def _connected(world: World, target: str) -> bool:
    match = _TARGET.fullmatch(target)
    if match is None:
        return False
    cluster_id, group_name, instance_id = match.groups()
    cluster = world.cluster_by_id(cluster_id)
    node = cluster.nodes.get(instance_id) if cluster is not None else None
    return node is not None and node.group.name == group_name and node.status == RUNNING


def _node(world: World, target: str) -> Node | None:
    match = _TARGET.fullmatch(target)
    if match is None:
        return None
    cluster = world.cluster_by_id(match.group(1))
    return cluster.nodes.get(match.group(3)) if cluster is not None else None


def _throttle(world: World) -> None:
    """At most `world.start_session_rate` StartSession calls in any second (real time), as SSM enforces."""
    if world.start_session_rate <= 0:
        return
    now = world.session_clock()
    world.session_starts[:] = [t for t in world.session_starts if now - t < 1.0]
    if len(world.session_starts) >= world.start_session_rate:
        raise SimError("ThrottlingException", "Rate exceeded")
    world.session_starts.append(now)


def _stream_facts(world: World, target: str, document: str | None, parameters: dict | None = None) -> str:
    """For a one-shot command document: the node's facts for the stand-in plugin's sandbox (tui/sim/node_sandbox)."""
    node = _node(world, target)
    if node is None or document not in node_sandbox.COMMAND_DOCUMENTS:
        return ""
    facts: dict[str, object] = {
        "hostname": node.hostname.split(".")[0],
        "instance_type": node.group.instance_type,
        "gpu_fault": world.gpu_faults.get(node.instance_id, ""),
    }
    commands = (parameters or {}).get("command")
    match = _TARGET.fullmatch(target)
    cluster = world.cluster_by_id(match.group(1)) if match else None
    if cluster is not None and isinstance(commands, list) and commands and isinstance(commands[0], str):
        facts.update(slurm.facts(world, cluster, document, commands[0]))  # sinfo's rows; scontrol applied now
    return f"&{node_sandbox.PARAM}={node_sandbox.encode_facts(facts)}"


def node_ports(world: World) -> NodePorts:
    """The world's listeners for node ports (tui/sim/node_ports.py), made on first use."""
    ports = getattr(world, "node_ports", None)
    if ports is None:
        ports = NodePorts()
        world.node_ports = ports  # type: ignore[attr-defined]
    return ports


def _port_node(node: Node, first: Node | None) -> PortNode:
    """The Slurm controller runs the dashboards; on a cluster without one (EKS), its first node does."""
    kind = node.group.slurm_node_type
    return PortNode(node.instance_id, node.hostname, kind == "Controller" or (not kind and node is first))


def _port_param(world: World, target: str, document: str | None, parameters: dict) -> str:
    """For the SSH and port-forwarding documents: where the node's port listens (tui/sim/node_ports.py)."""
    match = _TARGET.fullmatch(target)
    cluster = world.cluster_by_id(match.group(1)) if match else None
    node = cluster.nodes.get(match.group(3)) if cluster is not None and match else None
    if cluster is None or node is None or not isinstance(parameters, dict):
        return ""
    first = next(iter(cluster.nodes.values()), None)
    peers = [_port_node(n, first) for n in cluster.nodes.values()]
    return node_ports(world).stream_param(document, parameters, _port_node(node, first), peers)


@ssm("StartSession")
def start_session(world: World, params: dict) -> dict:
    target = params["Target"]
    _throttle(world)
    if not _connected(world, target):
        raise SimError("TargetNotConnected", f"{target} is not connected.")
    session_id = f"{SESSION_USER}-{world.rng.getrandbits(68) & ((1 << 68) - 1):017x}"
    cell = base64.b64encode(world.rng.getrandbits(256).to_bytes(32, "big")).decode("ascii")
    world.sessions.append(
        SsmSession(
            session_id,
            target,
            params.get("DocumentName"),
            params.get("Parameters") or {},
            params.get("Reason"),
            world.now,
        )
    )
    facts = _stream_facts(world, target, params.get("DocumentName"), params.get("Parameters"))
    return {
        "SessionId": session_id,
        "TokenValue": ids.session_token(world.rng),
        "StreamUrl": (
            f"wss://ssmmessages.{world.region}.amazonaws.com/v1/data-channel/{session_id}"
            f"?role=publish_subscribe&cell-number={cell}{facts}"
            f"{_port_param(world, target, params.get('DocumentName'), params.get('Parameters') or {})}"
        ),
    }


@ssm("TerminateSession")
def terminate_session(world: World, params: dict) -> dict:
    session_id = params["SessionId"]
    session = next((s for s in world.sessions if s.session_id == session_id), None)
    if session is None:
        # AWS answers success for a session it no longer knows; keep a record that the call was made.
        session = SsmSession(session_id, "", None, {}, None, world.now, extra={"unknown": True})
        world.sessions.append(session)
    if session.terminated_at is None:
        session.terminated_at = world.now
    return {"SessionId": session_id}
