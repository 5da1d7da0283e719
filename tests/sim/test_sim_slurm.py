"""The simulator's Slurm (tui/sim/slurm.py): sinfo rows from the nodes (two drained in the demo, one for
Action:Replace), the sandbox's sinfo formats, scontrol update changing state, Action:Replace replacing the node
through the simulator's own machinery, and the headless `slurm` command against it through the stand-in plugin."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

from tui.config import Settings
from tui.core import slurm as core_slurm
from tui.core.slurm_actions import scontrol_command
from tui.sim import node_sandbox
from tui.sim import slurm as sim_slurm
from tui.sim.model import RUNNING

SLURM = "llm-pretrain-slurm"
FORMAT = core_slurm.SINFO_COMMAND


def answer(demo, command: str) -> str:
    cluster = demo.cluster(SLURM)
    facts = sim_slurm.facts(demo.world, cluster, node_sandbox.NON_INTERACTIVE, command)
    return node_sandbox.answer(facts, node_sandbox.NON_INTERACTIVE, command)


def test_sinfo_lists_every_slurmd_node_two_drained_one_for_replace(demo):
    parsed = core_slurm.parse_sinfo(answer(demo, FORMAT))
    cluster = demo.cluster(SLURM)
    slurmd = {
        n.hostname.split(".")[0] for n in cluster.nodes.values() if n.group.slurm_node_type in ("Login", "Compute")
    }
    assert set(parsed.nodes) == slurmd and parsed.garbage == 0  # login nodes in, the controller out
    drained = {n.reason for n in parsed.nodes.values() if n.state == "drained"}
    assert drained == {"Action:Replace", "Kill task failed"}
    faulty = cluster.nodes[demo.landmarks["health_event_node"]]
    assert parsed.nodes[faulty.hostname.split(".")[0]].reason == "Action:Replace"


def test_plain_sinfo_is_a_partition_summary(demo):
    text = answer(demo, "sinfo")
    lines = text.strip().split("\n")
    assert lines[0].split() == ["PARTITION", "AVAIL", "TIMELIMIT", "NODES", "STATE", "NODELIST"]
    assert any(line.startswith("dev*") and " drain " in line for line in lines)
    assert any(line.startswith("p5 ") for line in lines)


def test_scontrol_drain_resume_and_replace_change_the_state(demo):
    cluster = demo.cluster(SLURM)
    node = next(n for n in cluster.nodes.values() if n.group.name == "worker-group-1" and n.status == RUNNING)
    name = node.hostname.split(".")[0]
    state = lambda: core_slurm.parse_sinfo(answer(demo, FORMAT)).nodes[name]  # noqa: E731
    assert answer(demo, scontrol_command("drain", [name], "bad; gpu")) == ""
    assert (state().state, state().reason) == ("drained", "bad; gpu")
    answer(demo, scontrol_command("resume", [name]))
    assert (state().state, state().reason) == ("idle", "") or state().state == "allocated"
    assert "Invalid node name" in answer(demo, "scontrol update node=ip-9-9-9-9 state=resume")
    assert "specify a reason" in answer(demo, f"scontrol update node={name} state=drain")
    # Action:Replace: Slurm says fail, and the simulator replaces the node (same hostname, a new instance)
    answer(demo, scontrol_command("replace", [name]))
    assert state().state == "fail" and state().reason == "Action:Replace"
    assert node.operation == "replace"
    demo.clock.advance(20)
    demo.world.advance(demo.clock.now())
    fresh = [n for n in cluster.nodes.values() if n.hostname.split(".")[0] == name and n is not node]
    assert fresh and fresh[0].instance_id != node.instance_id
    assert state().state == "fail"  # while the API says Pending: both views, not reconciled
    demo.clock.advance(90)
    demo.world.advance(demo.clock.now())
    assert state().state in ("idle", "allocated")


def test_headless_slurm_json_through_the_plugin(demo, monkeypatch, tmp_path):
    from tui import headless_slurm
    from tui.backend import demo_api
    from tui.core.journal import default_journal_path

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    settings = Settings(demo=True)  # the stand-in plugin, on a pty, answering from the node's sandbox
    out, err = io.StringIO(), io.StringIO()
    code = headless_slurm.execute(
        SimpleNamespace(cluster=SLURM, format="json"), settings, out=out, err=err, api_factory=lambda: demo_api(demo)
    )
    assert code == 0, err.getvalue()
    view = json.loads(out.getvalue())
    by_reason = {row["reason"]: row for row in view["nodes"] if row["reason"]}
    replace = by_reason["Action:Replace"]
    assert replace["node_id"] == demo.landmarks["health_event_node"]
    assert replace["slurm_state"] == "drained" and replace["api_status"] == "Running"
    assert replace["reason_time"].endswith("Z")
    controller = [row for row in view["nodes"] if row["group"] == "controller-machine"]
    assert controller and controller[0]["slurm_state"] is None  # slurmctld's node is not a slurmd node
    assert not default_journal_path(demo=True).exists()  # a read: nothing journaled


def test_headless_slurm_refuses_an_eks_cluster(demo):
    from tui import headless_slurm
    from tui.backend import demo_api

    out, err = io.StringIO(), io.StringIO()
    code = headless_slurm.execute(
        SimpleNamespace(cluster="genai-eks-prod", format="table"),
        Settings(demo=True),
        out=out,
        err=err,
        api_factory=lambda: demo_api(demo),
    )
    assert code == 2 and "not a Slurm cluster" in err.getvalue()
