"""One command on many nodes against the simulator: StartSession's 3-per-second limit, and the stand-in plugin
answering the command documents from each node's sandbox, driven through tui.core.run with the real launcher."""

from __future__ import annotations

import asyncio
import sys

import pytest
from botocore.exceptions import ClientError

from tests.sim.conftest import clients
from tui.core import run
from tui.core.journal import Journal
from tui.core.ssm import SessionLauncher
from tui.sim import node_sandbox

SLURM = "llm-pretrain-slurm"
PLUGIN = [sys.executable, "-m", "tui.sim.plugin"]


def target_of(sim, node) -> str:
    cluster = sim.cluster(SLURM)
    return f"sagemaker-cluster:{cluster.cluster_id}_{node.group.name}-{node.instance_id}"


def workers(sim, count: int) -> list:
    faulty = sim.landmarks["health_event_node"]
    nodes = [n for n in sim.cluster(SLURM).nodes.values() if n.group.name == "worker-group-1" and n.status == "Running"]
    healthy = [n for n in nodes if n.instance_id != faulty][: count - 1]
    return [*healthy, sim.cluster(SLURM).nodes[faulty]]


def test_start_session_allows_three_per_second_then_throttles(demo):
    now = [10.0]
    demo.world.session_clock = lambda: now[0]
    _, _, ssm = clients(demo, retries={"max_attempts": 1})
    target = target_of(demo, workers(demo, 1)[0])
    for _ in range(3):
        ssm.start_session(Target=target)
    with pytest.raises(ClientError) as caught:
        ssm.start_session(Target=target)
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    now[0] += 1.0
    ssm.start_session(Target=target)  # a second later there is room again


def test_command_documents_carry_the_node_facts_and_shells_do_not(demo):
    _, _, ssm = clients(demo)
    node = workers(demo, 1)[0]
    plain = ssm.start_session(Target=target_of(demo, node))["StreamUrl"]
    assert node_sandbox.PARAM not in plain  # a shell's StreamUrl is as before
    demo.world.session_starts.clear()
    url = ssm.start_session(
        Target=target_of(demo, node),
        DocumentName="AWS-StartNonInteractiveCommand",
        Parameters={"command": ["hostname"]},
    )["StreamUrl"]
    facts = node_sandbox.facts_from_stream_url(url)
    assert facts["hostname"] == node.hostname.split(".")[0]
    assert facts["gpu_fault"]  # the demo's faulty worker


def test_sandbox_answers():
    facts = {"hostname": "ip-10-1-2-3", "instance_type": "ml.p5.48xlarge", "gpu_fault": ""}
    assert node_sandbox.answer(facts, node_sandbox.NON_INTERACTIVE, "hostname") == "ip-10-1-2-3\n"
    assert "H100" in node_sandbox.answer(facts, node_sandbox.NON_INTERACTIVE, "nvidia-smi")
    missing = node_sandbox.answer(facts, node_sandbox.NON_INTERACTIVE, "nvidia-smi | grep x")
    assert "H100" in missing  # no shell: `|` and `grep` are arguments nvidia-smi ignores here
    assert 'exec: "frobnicate"' in node_sandbox.answer(facts, node_sandbox.NON_INTERACTIVE, "frobnicate")
    shell = node_sandbox.answer(
        {**facts, "gpu_fault": "Xid 79"}, node_sandbox.INTERACTIVE, run.shell_wrap("nvidia-smi -q | grep -i xid")
    )
    assert shell == f"    Xid Errors                            : 79 ({node_sandbox.XID_79})\n__hyperpod_rc=0\n"
    assert node_sandbox.answer(facts, node_sandbox.INTERACTIVE, run.shell_wrap("nope")).endswith("__hyperpod_rc=127\n")
    cpu = {**facts, "instance_type": "ml.m5.12xlarge"}
    assert "not found" in node_sandbox.answer(cpu, node_sandbox.NON_INTERACTIVE, "nvidia-smi")


def _run(demo, nodes, command: str, tmp_path, *, shell: bool = False) -> run.RunResult:
    _, _, ssm = clients(demo, retries={"max_attempts": 1})
    launcher = SessionLauncher(ssm, plugin=PLUGIN)
    spec = run.RunSpec(
        command,
        tuple(run.RunTarget(n.instance_id, target_of(demo, n), n.group.name, n.hostname) for n in nodes),
        cluster=SLURM,
        shell=shell,
    )
    return asyncio.run(run.Runner(spec, launcher, journal=Journal(tmp_path / "j.jsonl")).run())


def test_nvidia_smi_on_five_nodes_the_xid_node_is_its_own_group(demo, tmp_path):
    nodes = workers(demo, 5)
    result = _run(demo, nodes, "nvidia-smi", tmp_path)
    assert {n.state for n in result.nodes.values()} == {run.DONE}
    groups = result.groups()
    assert [len(g.node_ids) for g in groups] == [4, 1]
    assert groups[1].node_ids == (demo.landmarks["health_event_node"],)
    assert "Xid" in groups[1].body and "Xid" not in groups[0].body
    assert "Starting session" not in groups[0].body and "Exiting session" not in groups[0].body
    assert all(s.status == "Terminated" for s in demo.sessions)  # TerminateSession for each


def test_hostname_gives_each_node_its_own_name_and_shell_form_carries_the_status(demo, tmp_path):
    nodes = workers(demo, 3)
    result = _run(demo, nodes, "hostname", tmp_path)
    assert [result.nodes[n.instance_id].output for n in nodes] == [n.hostname.split(".")[0] for n in nodes]
    demo.world.session_starts.clear()
    failed = _run(demo, nodes[:2], "nvidia-smi | grep -q nothing-here", tmp_path, shell=True)
    assert {n.exit_hint for n in failed.nodes.values()} == {"exit 1"}
    assert not failed.all_succeeded
