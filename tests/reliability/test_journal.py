"""The write-ahead action journal under faults: an unwritable journal, a crash mid-action, a lost answer.

Every test drives the real client code (botocore, HyperPodApi's clients, core.actions) against the simulator,
in-process or over HTTP (tui/sim/server.py), and counts what the simulator received against what the journal
holds: one intent line for every request that reached the server, before it did.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from random import Random

import pytest
from botocore.config import Config

from tests.harness import make_app, notices, settle
from tui import cli
from tui.core.actions import REBOOT, UNKNOWN, CallContext, plan_action, run_plan
from tui.core.aws import RETRY_CONFIG, HyperPodApi
from tui.core.journal import NO_RESULT, OUTCOME_UNKNOWN, Journal, JournalError, read_journal
from tui.screens.action_results import ActionResultsScreen
from tui.sim import SimClock, Simulator
from tui.sim.builder import DAY, ClusterBuilder, GroupSpec
from tui.sim.server import SimServer
from tui.widgets.resource_table import ResourceTable

ROOT = Path(__file__).resolve().parents[2]
SIZE = (140, 45)
SLURM = "llm-pretrain-slurm"
BATCH_OPS = ("BatchRebootClusterNodes", "BatchReplaceClusterNodes", "BatchDeleteClusterNodes")
FROZEN_AT = 1_795_176_000.0


def batch_calls(sim: Simulator) -> list:
    return [call for call in sim.calls if call.operation in BATCH_OPS]


def entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def intents(path: Path) -> list[dict]:
    return [e for e in entries(path) if e.get("kind") == "intent"]


@pytest.fixture
def served():
    """A simulator over real HTTP on 127.0.0.1, in this process (so the test can read its call record)."""
    sim = Simulator("demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7, churn=False)
    server = SimServer(sim, port=0)
    thread = threading.Thread(target=server.serve_forever, name="sim-http", daemon=True)
    thread.start()
    yield sim, server
    server.shutdown()
    server.server_close()


@pytest.fixture
def aws_env(tmp_path, monkeypatch):
    values = {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


def http_api(server: SimServer, config: Config = RETRY_CONFIG) -> HyperPodApi:
    import botocore.session

    core = botocore.session.Session()
    core.set_config_variable("region", "us-west-2")
    return HyperPodApi(core, endpoint_url=server.url, config=config)


def running_workers(api: HyperPodApi, count: int):
    detail = api.describe_cluster(SLURM)
    nodes = [n for n in api.list_nodes(SLURM) if n.status == "Running" and n.group.startswith("worker")]
    assert len(nodes) >= count
    return detail, nodes[:count]


# --- 1. no intent, no call ---------------------------------------------------------------------------------


def _unwritable_state_home(tmp_path: Path, how: str) -> Path:
    if how == "not a directory":
        home = tmp_path / "state-file"
        home.write_text("XDG_STATE_HOME points at a file")
        return home
    home = tmp_path / "state"
    (home / "hyperpod-tui").mkdir(parents=True)
    (home / "hyperpod-tui").chmod(0o500)
    return home


@pytest.mark.parametrize("how", ["not a directory", "read-only directory"])
async def test_an_unwritable_journal_sends_no_call_and_says_why(tmp_path, monkeypatch, how):
    if how == "read-only directory" and os.geteuid() == 0:
        pytest.skip("root writes into a 0500 directory")
    home = _unwritable_state_home(tmp_path, how)
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    app = make_app()
    sim = app.simulator
    add_big_cluster(sim)  # 60 nodes: three calls of 25, none of which may go out
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            main = app.screen_stack[1]
            main.jump_to_cluster("big-eks")
            await settle(pilot)
            main.nodes_table.focus()
            await pilot.pause()
            await pilot.press("ctrl+a", "R", *"big-eks", "enter")  # 60 nodes, all of them: the name is typed
            await settle(pilot)
            assert batch_calls(sim) == []
            screen = app.screen
            assert isinstance(screen, ActionResultsScreen)
            journal_line = str(screen.query_one("#results-journal").render())
            assert "JOURNAL NOT WRITTEN" in journal_line and "60 nodes NOT SENT" in journal_line
            table = screen.query_one("#results-nodes", ResourceTable)
            assert {table.row(key).values[2][0][0] for key in table.visible_keys} == {"Not sent"}
            assert "NOT SENT" in str(screen.query_one("#results-calls").render())
            toasts = [text for text, severity in notices(app) if severity == "error"]
            assert any("Journal not written" in t and "60 of 60 nodes were NOT sent" in t for t in toasts), toasts
            await pilot.press("escape")
            assert len(main.nodes_table.marks) == 60  # nothing happened to them: still marked
    finally:
        if how == "read-only directory":
            (home / "hyperpod-tui").chmod(0o700)


# --- 2. a crash after sending, before the result ---------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from tui.core.actions import REBOOT, CallContext, plan_action, run_plan
    from tui.core.aws import HyperPodApi
    from tui.core.journal import Journal

    url, journal_path, cluster, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    api = HyperPodApi.connect(region="us-west-2", endpoint_url=url)
    detail = api.describe_cluster(cluster)
    nodes = [n for n in api.list_nodes(cluster) if n.status == "Running"][:count]
    plan = plan_action(REBOOT, detail, nodes)
    print("planned", plan.call_count, flush=True)
    run_plan(plan, api.mutating_client("sagemaker"), Journal(journal_path), CallContext(endpoint=url))
    print("finished", flush=True)
    """
)


def add_big_cluster(sim: Simulator, name: str = "big-eks", count: int = 60) -> None:
    with sim.world.lock:
        ClusterBuilder(sim.world, Random(3)).cluster(
            name, "Eks", "InService", sim.world.start - 3 * DAY, [GroupSpec.running("gpu", "ml.g5.8xlarge", count)]
        )


def test_sigkill_during_a_three_call_reboot_leaves_an_intent_for_every_call_the_server_executed(
    served, aws_env, tmp_path
):
    sim, server = served
    add_big_cluster(sim)
    journal_path = tmp_path / "journal" / "actions.jsonl"
    # Every Batch call is executed at once but answered only after 5 s: the child is killed in between.
    sim.faults.lose_answer("BatchRebootClusterNodes", how="slow", delay_s=5.0, times=3)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.url, str(journal_path), "big-eks", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **aws_env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "planned 3"
        deadline = time.monotonic() + 30
        while len(batch_calls(sim)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(batch_calls(sim)) == 3, "the three calls never reached the simulator"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    executed = batch_calls(sim)
    written = intents(journal_path)
    # Every call the server executed has its intent on disk, with exactly its nodes; none has a result.
    assert sorted(tuple(c.params["NodeIds"]) for c in executed) == sorted(tuple(e["node_ids"]) for e in written)
    assert [e for e in entries(journal_path) if e.get("kind") == "result"] == []
    report = read_journal(journal_path)
    assert len(report.unpaired) == 3 and {a.outcome for a in report.attempts} == {NO_RESULT}


# --- 3. an answer lost after the call executed -----------------------------------------------------------


def test_a_read_timeout_after_execution_is_unknown_journalled_once_and_never_retried(served, aws_env, tmp_path):
    sim, server = served
    # A read timeout well under the delay; botocore's retries would resend on ReadTimeoutError.
    api = http_api(server, RETRY_CONFIG.merge(Config(read_timeout=0.5, connect_timeout=2)))
    detail, nodes = running_workers(api, 3)
    sim.faults.lose_answer("BatchRebootClusterNodes", how="timeout", delay_s=2.0, times=5)
    journal = Journal(tmp_path / "actions.jsonl")
    try:
        result = run_plan(plan_action(REBOOT, detail, nodes), api.mutating_client("sagemaker"), journal, CallContext())
    finally:
        api.close()
    executed = batch_calls(sim)
    assert len(executed) == 1  # one request: no botocore retry, no retry of ours
    assert len(intents(journal.path)) == len(executed)
    [intent, result_line] = entries(journal.path)
    assert result_line["id"] == intent["id"] and result_line["outcome"] == OUTCOME_UNKNOWN
    assert result_line["error"]["code"] == "ReadTimeoutError" and result_line["error"]["sent"] is True
    assert {n["outcome"] for n in result_line["nodes"]} == {UNKNOWN}
    assert result.unknown == [n.instance_id for n in nodes] and result.failed == []
    sim.clock.advance(3)
    assert {sim.node(SLURM, n.instance_id).status for n in nodes} == {"Pending"}  # it did execute


def test_the_plain_client_would_have_sent_it_twice(served, aws_env):
    """Why the mutating client exists: botocore's standard retries resend a call whose answer timed out."""
    sim, server = served
    api = http_api(server, RETRY_CONFIG.merge(Config(read_timeout=0.5, connect_timeout=2)))
    _detail, nodes = running_workers(api, 1)
    sim.faults.lose_answer("BatchRebootClusterNodes", how="timeout", delay_s=1.0, times=1)
    try:
        api.client("sagemaker").batch_reboot_cluster_nodes(ClusterName=SLURM, NodeIds=[nodes[0].instance_id])
    finally:
        api.close()
    assert len(batch_calls(sim)) == 2


async def test_the_results_view_says_unknown_may_have_executed_for_nodes_without_an_answer(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen_stack[1]
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        main.nodes_table.focus()
        main.nodes_table.set_filter("group:worker-group-1 status:running")
        await pilot.pause()
        marked = list(main.nodes_table.visible_keys[:2])
        sim.faults.lose_answer("BatchRebootClusterNodes", how="reset", times=3)
        await pilot.press("space", "space", "R", "y")
        await settle(pilot)
        assert len(batch_calls(sim)) == 1  # the app's client does not retry a call that may have executed
        screen = app.screen
        assert isinstance(screen, ActionResultsScreen)
        table = screen.query_one("#results-nodes", ResourceTable)
        rows = {key: table.row(key).values for key in table.visible_keys}
        assert {key: values[2][0][0] for key, values in rows.items()} == {key: "Unknown" for key in marked}
        assert all("may have executed" in values[4] for values in rows.values())
        assert "2 Unknown (may have executed)" in str(screen.query_one("#results-summary").render())
        assert "MAY HAVE EXECUTED" in str(screen.query_one("#results-calls").render())
        assert any("may have executed" in text for text, _ in notices(app))
        [result_line] = [e for e in entries(home / "hyperpod-tui" / "demo-actions.jsonl") if e["kind"] == "result"]
        assert result_line["outcome"] == OUTCOME_UNKNOWN and result_line["error"]["code"] == "ConnectionClosedError"
        await pilot.press("escape")
        assert main.nodes_table.marks == set(marked)  # not known to be done: still marked


# --- 4. reading it back --------------------------------------------------------------------------------------


def test_the_journal_command_pairs_lists_unpaired_and_tolerates_old_and_torn_lines(tmp_path, monkeypatch, capsys):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    path = home / "hyperpod-tui" / "actions.jsonl"
    path.parent.mkdir(parents=True)
    old_line = {
        "time": "2026-11-19T12:00:00.000Z",
        "cluster": SLURM,
        "operation": "BatchDeleteClusterNodes",
        "node_ids": ["i-0123456789abcdef0"],
        "dry_run": False,
        "call": "1/1",
        "attempts": 1,
        "request_id": "old-req",
        "response": {"Successful": ["i-0123456789abcdef0"], "Failed": []},
    }
    path.write_text(json.dumps(old_line) + "\n")
    # Real runs against the in-process simulator: a 30-node reboot (2 calls, the first answer lost) ...
    sim = Simulator("demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7, churn=False)
    from tui.backend import demo_api

    api = demo_api(sim)
    detail, nodes = running_workers(api, 30)
    sim.faults.lose_answer("BatchRebootClusterNodes", how="timeout", times=1)
    journal = Journal(path)
    client = api.mutating_client("sagemaker")
    run_plan(plan_action(REBOOT, detail, nodes), client, journal, CallContext(), max_concurrent=1, clock=sim.clock.now)
    # ... and one whose process died after its intent: the intent is written, the result never is.
    crash = Journal(path)
    plan = plan_action(REBOOT, detail, nodes[:1])

    class Killed(BaseException):
        pass

    def killed(**_params):
        raise Killed

    monkeypatch.setattr(client, "batch_reboot_cluster_nodes", killed)
    with pytest.raises(Killed):
        run_plan(plan, client, crash, CallContext(), clock=sim.clock.now)
    with path.open("a") as handle:
        handle.write('{"time": "2026-11-20T12:00:09.000Z", "kind": "intent", "id": "torn')  # no newline: torn
    api.close()

    assert cli.main(["journal", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    outcomes = [a["outcome"] for a in data["attempts"]]
    assert outcomes == ["Successful", OUTCOME_UNKNOWN, "Successful", NO_RESULT]
    assert [a["legacy"] for a in data["attempts"]] == [True, False, False, False]
    assert all(a["paired"] for a in data["attempts"][1:3]) and not data["attempts"][3]["paired"]
    assert data["unpaired"] == [data["attempts"][3]["id"]] and data["unreadable_lines"] == [7]
    for attempt in data["attempts"][1:3]:
        assert attempt["intent"]["id"] == attempt["result"]["id"]

    assert cli.main(["journal"]) == 0
    table = capsys.readouterr().out
    assert "unknown, may have executed: ReadTimeoutError" in table and "[old format]" in table
    assert f"1 attempt with {NO_RESULT}:" in table and nodes[0].instance_id in table.split(NO_RESULT)[-1]
    assert "1 unreadable line (torn or not JSON), skipped: line " in table

    # --since counts from now; the simulator's clock is frozen in 2026-11, the old line is a day older.
    now = 1_795_176_000.0 + 3600
    from tui import headless_journal

    args = cli.build_parser().parse_args(["journal", "--since", "2h", "--json"])
    out = _Capture()
    assert headless_journal.run(args, out=out, err=_Capture(), now=now) == 0
    recent = json.loads(out.text)
    assert [a["outcome"] for a in recent["attempts"]] == [OUTCOME_UNKNOWN, "Successful", NO_RESULT]

    # The next append after a torn line starts a line of its own.
    journal.append({"kind": "result", "id": "late"})
    assert json.loads(path.read_text().splitlines()[-1]) == {"kind": "result", "id": "late"}


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_the_journal_command_never_loads_textual(tmp_path):
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "assert main(['journal', '--since', '1d']) == 0\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "sys.exit('textual loaded: ' + ', '.join(bad) if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"XDG_CONFIG_HOME": "/nonexistent", "XDG_STATE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No journal entries" in result.stdout


# --- the rules' edges --------------------------------------------------------------------------------------


class FlakyJournal(Journal):
    """Fails its first append only, as a disk that was full for a moment would."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.failures = 1

    def append(self, entry) -> None:
        if self.failures:
            self.failures -= 1
            raise JournalError(f"cannot write the action journal {self.path}: No space left on device")
        super().append(entry)


def test_after_one_failed_intent_no_later_chunk_is_sent_even_if_the_journal_recovers(tmp_path):
    sim = Simulator("demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7, churn=False)
    add_big_cluster(sim)
    from tui.backend import demo_api

    api = demo_api(sim)
    detail = api.describe_cluster("big-eks")
    plan = plan_action(REBOOT, detail, api.list_nodes("big-eks"))
    journal = FlakyJournal(tmp_path / "actions.jsonl")
    result = run_plan(plan, api.mutating_client("sagemaker"), journal, CallContext(), max_concurrent=1)
    api.close()
    assert plan.call_count == 3 and batch_calls(sim) == []
    assert result.not_sent == list(plan.node_ids) and entries(journal.path) == []


def test_an_error_raised_before_the_request_left_is_a_failure_not_unknown(tmp_path):
    """A credential refresh that fails while signing: botocore never sent anything (the send probe knows)."""
    sim = Simulator("demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7, churn=False)
    from tui.backend import demo_api

    api = demo_api(sim)
    detail, nodes = running_workers(api, 2)
    client = api.mutating_client("sagemaker")

    def refresh_failed(**_kwargs):
        raise RuntimeError("credential refresh failed")

    client.meta.events.register("before-sign.sagemaker", refresh_failed)
    journal = Journal(tmp_path / "actions.jsonl")
    result = run_plan(plan_action(REBOOT, detail, nodes), client, journal, CallContext())
    api.close()
    assert batch_calls(sim) == []
    assert result.failed == [n.instance_id for n in nodes] and result.unknown == []
    assert entries(journal.path)[-1]["error"]["sent"] is False


def test_a_connection_closed_after_execution_over_http_is_unknown_and_sent_once(served, aws_env, tmp_path):
    sim, server = served
    api = http_api(server, RETRY_CONFIG.merge(Config(read_timeout=5, connect_timeout=2)))
    detail, nodes = running_workers(api, 2)
    sim.faults.lose_answer("BatchRebootClusterNodes", how="reset", times=5)
    journal = Journal(tmp_path / "actions.jsonl")
    try:
        result = run_plan(plan_action(REBOOT, detail, nodes), api.mutating_client("sagemaker"), journal, CallContext())
    finally:
        api.close()
    assert len(batch_calls(sim)) == 1 == len(intents(journal.path))
    assert result.unknown == [n.instance_id for n in nodes]
    assert entries(journal.path)[-1]["error"]["code"] == "ConnectionClosedError"
