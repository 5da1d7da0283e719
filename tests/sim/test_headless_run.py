"""`hyperpod-tui run` against the demo simulator: grouped text, --json, and the exit code."""

from __future__ import annotations

import json

import pytest

from tui import cli


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def hyperpod(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_grouped_output_and_success(capsys):
    code, out, err = hyperpod(
        capsys, "run", "llm-pretrain-slurm", "--demo", "--group", "login-group", "--", "cat", "/etc/hostname"
    )
    assert code == 0, err
    assert out.count("---- 1 node: ") == 2  # two login nodes, each its own hostname
    assert out.endswith("2 of 2 succeeded (2 done)\n")


def test_json_and_a_failing_node_gives_exit_1(capsys):
    code, out, _err = hyperpod(
        capsys,
        "run",
        "llm-pretrain-slurm",
        "--demo",
        "--group",
        "controller-machine",
        "--shell",
        "--json",
        "--",
        "nvidia-smi | grep -i xid",
    )
    assert code == 1
    data = json.loads(out)
    assert data["document"] == "AWS-StartInteractiveCommand" and not data["all_succeeded"]
    (node,) = data["nodes"]
    assert node["exit"] == "exit 1"  # grep's status: it found nothing (no GPU on the controller)


def test_refusals(capsys):
    code, _out, err = hyperpod(capsys, "run", "llm-pretrain-slurm", "--demo", "--read-only", "--group", "x", "--", "id")
    assert code == 2 and "read-only" in err
    code, _out, err = hyperpod(capsys, "run", "llm-pretrain-slurm", "--demo", "--", "hostname")
    assert code == 2 and "choose the nodes" in err
    code, _out, err = hyperpod(capsys, "run", "llm-pretrain-slurm", "--demo", "--nodes", "i-0nope", "--", "hostname")
    assert code == 2 and "no such node" in err
