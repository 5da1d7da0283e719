"""Issue 15 item 5: `hyperpod-tui triage` prints every not-healthy node with its next step, and its exit status
gates a cron job: 3 when a node needs attention, 0 when none does. In-process against `--demo`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.unit.test_headless import cli


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("AWS_PROFILE", "HYPERPOD_TUI_REFRESH"):
        monkeypatch.delenv(name, raising=False)


def test_the_demo_has_sick_nodes_exit_3_with_the_xid_node_and_its_step(capsys):
    code, out, err = cli(["--demo", "triage", "--json"], capsys)
    assert code == 3, err
    rows = json.loads(out)
    xid = [row for row in rows if row["health"].startswith("GPU XID 79")]
    assert len(xid) == 1
    row = xid[0]
    assert row["cluster"] == "llm-pretrain-slurm" and row["status"] == "Running"
    assert row["step"] == "replace" and "hardware fault" in row["step_reason"]
    assert row["hyperpod"].endswith("auto recovery") and isinstance(row["since"], float)
    # every cluster is read: the EKS cluster's node in a deep health check waits
    assert any(r["cluster"] == "genai-eks-prod" and r["step"] == "wait" for r in rows)
    # worst first
    severities = [r["severity"] for r in rows]
    assert severities == sorted(severities, key=lambda s: s != "fault")


def test_a_cluster_with_nothing_wrong_exits_0_and_prints_only_the_header(capsys):
    code, out, err = cli(["--demo", "triage", "--cluster", "research-slurm-dev"], capsys)
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["CLUSTER", "GROUP", "NODE"] and len(out.splitlines()) == 1


def test_cluster_filter_csv_and_an_unknown_cluster(capsys):
    code, out, _ = cli(["--demo", "triage", "--cluster", "llm-pretrain-slurm", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 3 and rows and {r["cluster"] for r in rows} == {"llm-pretrain-slurm"}
    code, out, err = cli(["--demo", "triage", "--cluster", "nope\x1b[2J"], capsys)
    assert code == 1 and out == "" and "no cluster" in err and "\x1b" not in err
