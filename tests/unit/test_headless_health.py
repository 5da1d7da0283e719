"""Issue 15 item 5: `hyperpod-tui health CLUSTER --node ID [--json]` prints one node's signals (source, time,
text), the verdict and the next step; exit 3 when the node is not healthy, 0 when it is. In-process, `--demo`."""

from __future__ import annotations

import json

import pytest

from tests.unit.test_headless import cli
from tui.sim import Simulator


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("AWS_PROFILE", "HYPERPOD_TUI_REFRESH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def landmarks() -> dict:
    return Simulator("demo", seed=7).landmarks


def test_the_xid_node_json_has_its_hma_signal_verdict_and_step(capsys, landmarks):
    node = landmarks["health_event_node"]
    code, out, err = cli(["--demo", "health", "llm-pretrain-slurm", "--node", node, "--json"], capsys)
    assert code == 3, err
    found = json.loads(out)
    assert found["node"] == node and found["status"] == "Running" and found["node_recovery"] == "Automatic"
    assert found["verdict"]["severity"] == "fault" and found["verdict"]["signal"].startswith("GPU XID 79 · HMA")
    assert found["step"]["action"] == "replace" and "hardware fault" in found["step"]["reason"]
    hma = [s for s in found["signals"] if s["source"] == "HMA" and s["severity"] == "fault"]
    assert hma and hma[0]["current"] and hma[0]["time"].endswith("Z") and "XID" in hma[0]["text"]


def test_deep_health_check_results_are_listed_per_check_and_a_cleared_failure_says_so(capsys, landmarks):
    """The demo's run three days ago: InstanceConnectivity failed, then passed after the reboot."""
    node = landmarks["dhc_failing_node"]
    code, out, err = cli(["--demo", "health", "genai-eks-prod", "--node", node, "--json"], capsys)
    assert code == 0, err
    found = json.loads(out)
    dhc = [(s["check"], s["severity"], s["current"]) for s in found["signals"] if s["source"] == "DHC"]
    assert ("InstanceConnectivity", "fault", False) in dhc
    assert ("InstanceConnectivity", "ok", True) in dhc and ("InstanceStress", "ok", True) in dhc
    failed = next(s for s in found["signals"] if s["severity"] == "fault")
    assert "Bandwidth has less than threshold" in failed["text"]


def test_the_table_form_and_an_unknown_node(capsys, landmarks):
    code, out, _ = cli(["--demo", "health", "llm-pretrain-slurm", "--node", landmarks["failed_node"]], capsys)
    assert code == 3 and "Next step:" in out and "SOURCE" in out
    code, out, err = cli(["--demo", "health", "llm-pretrain-slurm", "--node", "i-0nope\x1b[2J"], capsys)
    assert code == 1 and out == "" and "no node" in err and "\x1b" not in err
