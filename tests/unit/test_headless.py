"""Headless subcommands: clusters, groups, nodes; table, CSV and JSON; errors; hostile values; no Textual."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import FROZEN_AT
from tui.backend import demo_api
from tui.cli import build_parser, main, settings_from_args
from tui.headless import run
from tui.sim import SimClock, Simulator

HOSTILE = "ok\x1b]52;c;ZXZpbA==\x07\x1b[2Jgone\u202eesrever\x00end"
FORMULA = '=HYPERLINK("http://evil","x")'


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("AWS_PROFILE", "HYPERPOD_TUI_REFRESH"):
        monkeypatch.delenv(name, raising=False)


def test_clusters_table_json_and_csv(capsys):
    code, out, err = cli(["--demo", "clusters"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "CURRENT", "TARGET", "CREATED", "ARN"]
    assert [line.split()[0] for line in lines[1:]] == ["genai-eks-prod", "llm-pretrain-slurm", "research-slurm-dev"]
    assert lines[1].index("InService") == lines[0].index("STATUS")  # aligned columns

    code, out, _ = cli(["clusters", "--demo", "--json"], capsys)  # global flags after the subcommand too
    records = json.loads(out)
    assert code == 0 and [r["name"] for r in records] == ["genai-eks-prod", "llm-pretrain-slurm", "research-slurm-dev"]
    assert set(records[0]) == {"name", "status", "current_count", "target_count", "created", "arn"}
    assert isinstance(records[0]["created"], float)

    code, out, _ = cli(["--demo", "clusters", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[1]["name"] == "llm-pretrain-slurm" and rows[1]["created"].endswith("Z")


def test_groups_of_a_cluster(capsys):
    code, out, _ = cli(["--demo", "groups", "llm-pretrain-slurm"], capsys)
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["GROUP", "INSTANCE", "TYPE"]
    assert "controller-machine" in out and "Controller" in out
    code, out, _ = cli(["--demo", "groups", "llm-pretrain-slurm", "--json"], capsys)
    groups = {g["name"]: g for g in json.loads(out)}
    assert groups["worker-group-1"]["slurm_node_type"] == "Compute"
    assert isinstance(groups["worker-group-1"]["current_count"], int)


def test_nodes_with_group_and_status_filters(capsys):
    code, out, _ = cli(["--demo", "nodes", "llm-pretrain-slurm", "--json"], capsys)
    everything = json.loads(out)
    assert code == 0 and len(everything) == 40
    assert [n["group"] for n in everything] == sorted(
        (n["group"] for n in everything),
        key=["controller-machine", "login-group", "worker-group-1", "worker-group-2"].index,
    )
    code, out, _ = cli(["--demo", "nodes", "llm-pretrain-slurm", "--group", "login-group", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 2 and {r["group"] for r in rows} == {"login-group"}
    code, out, _ = cli(["--demo", "nodes", "llm-pretrain-slurm", "--status", "failure"], capsys)  # any case
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 and "Failure" in lines[1] and "Lifecycle" in lines[1]


def test_bad_status_names_the_valid_ones(capsys):
    code, _, err = cli(["--demo", "nodes", "llm-pretrain-slurm", "--status", "Broken"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("hyperpod-tui nodes: error:") and "Running" in err and "DeepHealthCheckInProgress" in err


def test_unknown_cluster_and_group_fail_with_one_line(capsys):
    code, out, err = cli(["--demo", "nodes", "no-such-cluster"], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and err.startswith("hyperpod-tui: error:")
    assert "no-such-cluster" in err
    code, out, err = cli(["--demo", "nodes", "llm-pretrain-slurm", "--group", "nope"], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and "controller-machine" in err


def test_unreachable_endpoint_is_one_classified_line(capsys, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    code, out, err = cli(["clusters", "--region", "us-west-2", "--endpoint-url", "http://127.0.0.1:9"], capsys)
    assert code == 1 and out == "" and err.count("\n") == 1 and "Cannot reach http://127.0.0.1:9" in err


def test_missing_cluster_argument_is_a_usage_error(capsys):
    code, _, err = cli(["nodes"], capsys)
    assert code == 2 and "CLUSTER" in err


def hostile_sim() -> Simulator:
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    node = sim.node("llm-pretrain-slurm", sim.landmarks["failed_node"])
    node.set_status("Failure", HOSTILE)
    node.hostname = FORMULA
    node._summary_json = None
    return sim


def run_hostile(argv: list[str]) -> tuple[int, str]:
    args = build_parser().parse_args(["--demo", *argv])
    sim = hostile_sim()
    out, err = io.StringIO(), io.StringIO()
    code = run(args, settings_from_args(args), out=out, err=err, api_factory=lambda: demo_api(sim))
    assert err.getvalue() == ""
    return code, out.getvalue()


@pytest.mark.parametrize("fmt", [[], ["--csv"]])
def test_table_and_csv_are_sanitised(fmt):
    code, out = run_hostile(["nodes", "llm-pretrain-slurm", "--status", "Failure", *fmt])
    assert code == 0
    for bad in ("\x1b", "\x07", "\x00", "\u202e"):
        assert bad not in out
    assert "okgone" in out.replace("␀", "")  # the escape sequences are gone, the text around them stays
    if fmt:
        row = next(csv.DictReader(io.StringIO(out)))
        assert row["hostname"] == "'" + FORMULA  # a spreadsheet shows it as text instead of running it
    else:
        assert FORMULA in out  # a terminal table has no formulas: only control characters matter


def test_json_keeps_hostile_values_exact_but_escaped():
    code, out = run_hostile(["nodes", "llm-pretrain-slurm", "--status", "Failure", "--json"])
    assert code == 0 and out.isascii() and "\x1b" not in out and "\x07" not in out
    (node,) = json.loads(out)
    assert node["message"] == HOSTILE and node["hostname"] == FORMULA


def test_headless_commands_never_import_textual():
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "assert main(['--demo', 'nodes', 'llm-pretrain-slurm', '--json']) == 0\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "sys.exit('textual loaded: ' + ', '.join(bad) if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"XDG_CONFIG_HOME": "/nonexistent", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(json.loads(result.stdout)) == 40


def test_big_clusters_are_split_in_two_halves_of_about_as_many_nodes():
    from tui.headless import _split

    counts = {"a": 1000, "b": 1000, "c": 600, "d": 400, "e": 0}
    mine, theirs = _split(list(counts), counts)
    assert sorted(mine + theirs) == sorted(counts) and not set(mine) & set(theirs)
    assert abs(sum(counts[g] for g in mine) - sum(counts[g] for g in theirs)) <= 400
    assert _split(["a", "b"], {"a": 10, "b": 10}) == (["a", "b"], [])  # small: one process
    assert _split(["a"], {"a": 10_000}) == (["a"], [])


def test_forked_work_hands_back_its_result_or_none(monkeypatch):
    from tui.headless import ForkedWork

    monkeypatch.setattr("threading.active_count", lambda: 1)  # pytest's own threads do not matter here
    helper = ForkedWork.start(lambda: [(1, "chunk"), (0, [["a", "b"]])])
    if helper is None:
        pytest.skip("fork needs Linux and two CPUs")
    assert helper.collect() == [(1, "chunk"), (0, [["a", "b"]])]
    failing = ForkedWork.start(lambda: 1 / 0)
    assert failing.collect() is None
    monkeypatch.setattr("sys.platform", "darwin")
    assert ForkedWork.start(lambda: 1) is None


@pytest.mark.slow
def test_a_split_listing_prints_exactly_what_one_process_prints():
    # In a fresh process (fork needs one without other threads), on one frozen simulator, both ways.
    code = """
import io, json, sys
import tui.headless as h
from tests.harness import FROZEN_AT
from tui.backend import demo_api
from tui.cli import build_parser, settings_from_args
from tui.sim import SimClock, Simulator
sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
forks = []
start = h.ForkedWork.start
h.ForkedWork.start = classmethod(lambda cls, work: forks.append(1) or start.__func__(cls, work))
outputs = {}
for fmt in ([], ["--csv"], ["--json"]):
    for split in (1, 10**9):
        h.SPLIT_NODES = split
        args = build_parser().parse_args(["--demo", "nodes", "llm-pretrain-slurm", *fmt])
        out = io.StringIO()
        assert h.run(args, settings_from_args(args), out=out, api_factory=lambda: demo_api(sim)) == 0
        outputs.setdefault(str(fmt), []).append(out.getvalue())
print(json.dumps({"outputs": outputs, "forks": len(forks)}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"XDG_CONFIG_HOME": "/nonexistent", "PATH": "/usr/bin:/bin"},
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["forks"] == 3  # the split runs did fork (on Linux with two CPUs)
    for split, whole in report["outputs"].values():
        assert split == whole and len(whole) > 1000


def test_table_columns_line_up_with_wide_characters():
    """Widths are terminal cells: a CJK hostname takes two a character, and the next columns still line up."""
    from rich.cells import cell_len

    args = build_parser().parse_args(["--demo", "nodes", "llm-pretrain-slurm", "--group", "login-group"])
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    node = next(n for n in sim.world.clusters["llm-pretrain-slurm"].nodes.values() if n.group.name == "login-group")
    node.hostname, node._summary_json = "日本語のホスト名", None
    out = io.StringIO()
    assert run(args, settings_from_args(args), out=out, err=io.StringIO(), api_factory=lambda: demo_api(sim)) == 0
    header, *rows = out.getvalue().splitlines()
    column = cell_len(header[: header.index("LAUNCHED")])
    assert len(rows) == 2 and any("日本語" in row for row in rows)
    for row in rows:
        assert cell_len(row[: row.index("2026-")]) == column, row  # the launch time starts under its heading


def test_clusters_counts_come_from_one_describe_per_cluster_never_from_listing_nodes():
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    args = build_parser().parse_args(["--demo", "clusters", "--json"])
    out, err = io.StringIO(), io.StringIO()
    assert run(args, settings_from_args(args), out=out, err=err, api_factory=lambda: demo_api(sim)) == 0
    records = {r["name"]: r for r in json.loads(out.getvalue())}
    slurm = sim.handle("sagemaker", "DescribeCluster", {"ClusterName": "llm-pretrain-slurm"})["InstanceGroups"]
    assert records["llm-pretrain-slurm"]["current_count"] == sum(g["CurrentCount"] for g in slurm)
    assert records["llm-pretrain-slurm"]["target_count"] == sum(g["TargetCount"] for g in slurm) == 40
    operations = [call.operation for call in sim.calls]
    assert operations.count("ListClusters") == 1
    assert operations.count("DescribeCluster") == 3 + 1  # one per cluster, and the one this test made
    assert "ListClusterNodes" not in operations


def test_clusters_with_a_describe_that_fails_shows_no_counts_for_it():
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    sim.faults.fail("DescribeCluster", "AccessDeniedException", "not allowed", times=1)
    args = build_parser().parse_args(["--demo", "clusters", "--json"])
    out, err = io.StringIO(), io.StringIO()
    assert run(args, settings_from_args(args), out=out, err=err, api_factory=lambda: demo_api(sim)) == 0
    records = json.loads(out.getvalue())
    assert len(records) == 3
    assert sum(1 for r in records if r["current_count"] is None and r["target_count"] is None) == 1


def test_events_of_a_continuous_cluster_and_the_refusal_of_the_others(capsys):
    code, out, err = cli(["--demo", "events", "genai-eks-prod"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["TIME", "LEVEL", "RESOURCE"]
    assert any(" – " in line for line in lines[1:])  # no EventLevel: a dash
    code, out, _ = cli(["events", "genai-eks-prod", "--demo", "--json", "--group", "gpu-workers"], capsys)
    records = json.loads(out)
    assert code == 0 and records and {r["group"] for r in records} == {"gpu-workers"}
    assert any(r["count"] == 2 and r["level"] == "Error" for r in records)  # the provisioning pair, folded
    assert any(r["level"] is None for r in records)
    code, out, _ = cli(["--demo", "events", "genai-eks-prod", "--since", "15m", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and len(rows) < len(records)
    code, out, err = cli(["--demo", "events", "llm-pretrain-slurm"], capsys)
    assert code == 1 and out == "" and "Continuous" in err
