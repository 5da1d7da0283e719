"""The simulated clusters' Slurm: what `sinfo` lists and what `scontrol update` changes. No import from the app.

Slurm's state is derived from the nodes the control plane holds, with overrides per Slurm node name (the short
hostname, which survives a replacement) in `World.slurm_states`:

- the controller group runs slurmctld, not slurmd: it is not in sinfo. Login nodes are in the default partition
  `dev` only; compute nodes in their group's partition and in `dev` (`Nodes=ALL`), so `sinfo -N` lists them twice.
- Running → `idle` (every third `allocated`); Pending (booting, running its lifecycle script) → `down*` with reason
  `Not responding`; Failure → `down*`; ShuttingDown → `down*`. An override wins.
- `scontrol update node=A,B state=drain reason=R` → `drained` (R kept); `state=resume` → `idle`, reason gone;
  `state=fail|down reason=Action:Replace` → `fail` and the simulator *replaces the node through its own machinery*
  (World.replace, as BatchReplaceClusterNodes would; same hostname), and the override is cleared once the new
  instance is Running; `Action:Reboot` likewise through World.reboot. Any other reason only marks the node, as
  HyperPod ignores it. The change happens when the session starts (the simulator has no data channel); the
  session's output is what scontrol would print.

The node's sandbox (tui/sim/node_sandbox.py, in the stand-in plugin's process) gets the rows and scontrol's answer
through the StreamUrl's facts (tui/sim/ssm.py), at most `MAX_ROWS` rows.
"""

from __future__ import annotations

import base64
import json
import shlex
import zlib
from typing import TYPE_CHECKING

from tui.sim.model import FAILURE, PENDING, RUNNING, SHUTTING_DOWN

if TYPE_CHECKING:
    from tui.sim.model import Cluster, Node
    from tui.sim.world import World

DEFAULT_PARTITION = "dev"
MAX_ROWS = 4000  # rows handed to the sandbox (the facts travel in an environment variable: ≤ 128 KiB)
NOT_RESPONDING = "Not responding"
HYPERPOD_REASONS = ("Action:Replace", "Action:Reboot")


def slurm_name(node: Node) -> str:
    return node.hostname.split(".", 1)[0]


def _partitions(node: Node) -> list[str]:
    kind = node.group.slurm_node_type
    if kind == "Controller":
        return []
    if kind == "Login" or not node.group.partition:
        return [DEFAULT_PARTITION]
    return [node.group.partition, DEFAULT_PARTITION]


def _default_state(node: Node, index: int) -> tuple[str, str, float | None]:
    if node.status == RUNNING:
        return ("allocated" if index % 3 == 2 and node.group.slurm_node_type == "Compute" else "idle"), "", None
    if node.status in (PENDING, FAILURE, SHUTTING_DOWN):
        return "down*", NOT_RESPONDING, node.launch_time
    return "idle", "", None


def rows(world: World, cluster: Cluster) -> list[list]:
    """[name, partition, state, reason, reason time (epoch or None)] per node and partition, sinfo's order (by
    partition, then name). A name two nodes share (a replacement under way) is listed once: the newer node's."""
    if cluster.orchestrator != "Slurm":
        return []
    overrides = world.slurm_states.get(cluster.name, {})
    by_name: dict[str, Node] = {}
    for node in cluster.nodes.values():
        name = slurm_name(node)
        if name and (name not in by_name or (node.launch_time or 0) > (by_name[name].launch_time or 0)):
            by_name[name] = node
    out: list[list] = []
    for index, name in enumerate(sorted(by_name)):
        node = by_name[name]
        state, reason, when = overrides.get(name) or _default_state(node, index)
        for partition in _partitions(node):
            out.append([name, partition, state, reason, when])
    out.sort(key=lambda row: (row[1] != DEFAULT_PARTITION, row[1], row[0]))
    return out[:MAX_ROWS]


def set_state(world: World, cluster: Cluster, name: str, state: str, reason: str, at: float) -> None:
    world.slurm_states.setdefault(cluster.name, {})[name] = (state, reason, at if reason else None)


def _clear_later(world: World, cluster: Cluster, name: str, at: float) -> None:
    def clear(_: float) -> None:
        states = world.slurm_states.get(cluster.name, {})
        if states.get(name, ("",))[0] == "fail":
            states.pop(name, None)

    world.schedule(at, clear)


def scontrol(world: World, cluster: Cluster, argv: list[str], at: float) -> tuple[str, int]:
    """`scontrol update node=… state=… [reason=…]` applied to the cluster; (output, exit status)."""
    if len(argv) < 2 or argv[1].casefold() != "update":
        return "scontrol: only `scontrol update` is simulated", 1
    fields: dict[str, str] = {}
    for word in argv[2:]:
        key, sep, value = word.partition("=")
        if not sep:
            return f"scontrol: error: Invalid input: {word}\nRequest aborted", 1
        fields[key.casefold()] = value
    names = [n for n in (fields.get("nodename") or fields.get("node") or "").split(",") if n]
    state = fields.get("state", "").casefold()
    reason = fields.get("reason", "")
    if not names:
        return "scontrol: error: No node name specified", 1
    nodes = {slurm_name(n): n for n in cluster.nodes.values() if n.group.slurm_node_type != "Controller"}
    unknown = [n for n in names if n not in nodes]
    if unknown:
        return f"scontrol: error: Invalid node name specified: {unknown[0]}", 1
    if state in ("drain", "down", "fail") and not reason:
        return "You must specify a reason when DOWNING or DRAINING a node. Request denied", 1
    for name in names:
        node = nodes[name]
        if state == "drain":
            set_state(world, cluster, name, "drained", reason, at)
        elif state in ("resume", "idle"):
            world.slurm_states.setdefault(cluster.name, {}).pop(name, None)
        elif state in ("fail", "down"):
            set_state(world, cluster, name, "fail" if state == "fail" else "down", reason, at)
            if reason == "Action:Replace" and node.status == RUNNING:
                world.replace(cluster, node, at)
                _clear_later(world, cluster, name, at + 60.0)
            elif reason == "Action:Reboot" and node.status == RUNNING:
                world.reboot(cluster, node, at)
                _clear_later(world, cluster, name, at + 30.0)
        else:
            return f"scontrol: error: Invalid node state specified: {fields.get('state', '')}", 1
    return "", 0


def command_argv(document: str | None, command: str) -> list[str]:
    """The argv a one-shot command document would run: the shell form's inner command, split."""
    text = command
    prefix, suffix = "bash -c ", "; echo __hyperpod_rc=$?"
    if text.startswith(prefix) and text.endswith(suffix):
        try:
            inner = shlex.split(text[len(prefix) : -len(suffix)])
        except ValueError:
            return []
        text = inner[0] if len(inner) == 1 else ""
    try:
        return shlex.split(text)
    except ValueError:
        return []


def facts(world: World, cluster: Cluster, document: str | None, command: str) -> dict:
    """What the node's sandbox needs for this command: sinfo's rows (zlib + the sandbox's own encoding), or the
    answer of an scontrol call made now."""
    argv = command_argv(document, command)
    program = argv[0].rsplit("/", 1)[-1] if argv else ""
    if cluster.orchestrator != "Slurm":
        return {}
    if program == "sinfo" or "sinfo" in command:
        packed = zlib.compress(json.dumps(rows(world, cluster), separators=(",", ":")).encode(), 9)
        return {"sinfo_z": base64.b64encode(packed).decode("ascii")}
    if program == "scontrol":
        output, status = scontrol(world, cluster, argv, world.now)
        return {"scontrol": [output, status]}
    return {}
