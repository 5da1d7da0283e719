"""tui.core.run: quoting, output cleaning and grouping, the rate limiter on a fake clock, the output cap, and the
journal's write-ahead rule, with a scripted opener whose "plugin" is a tiny Python child on a real pty."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from tui.core import run
from tui.core.journal import Journal, JournalError, read_journal
from tui.core.ssm import PluginCheck

CHECK = PluginCheck(("plugin",), "1.2.814.0", True, None)


# ── quoting and documents ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "command",
    ["nvidia-smi -q | grep -i xid", "echo 'it''s' \"$HOME\" $(id -u) && true", "printf '%s\\n' a\\ b", "ls *"],
)
def test_shell_form_wraps_the_command_as_one_bash_argument(command):
    wrapped = run.RunSpec(command, (), shell=True).parameters["command"][0]
    bash_part, marker = wrapped.rsplit("; ", 1)
    assert marker == f"echo {run.RC_MARKER}$?"
    assert shlex.split(bash_part) == ["bash", "-c", command]  # exactly the command, whatever it holds


def test_documents_and_parameters():
    plain = run.RunSpec("hostname", ())
    assert plain.document == "AWS-StartNonInteractiveCommand"
    assert plain.parameters == {"command": ["hostname"]}
    assert run.RunSpec("hostname", (), shell=True).document == "AWS-StartInteractiveCommand"


def test_command_problems():
    assert run.command_problem("", shell=False)
    assert run.command_problem("echo 'unbalanced", shell=False)
    assert run.command_problem("echo 'unbalanced", shell=True) is None  # bash will say so itself
    assert run.command_problem("a\nb", shell=True)
    assert run.command_problem("x" * 5000, shell=True)
    assert run.command_problem("nvidia-smi -L", shell=False) is None
    assert run.shell_syntax_hint("nvidia-smi | grep x")
    assert run.shell_syntax_hint("nvidia-smi -L") is None


# ── output ────────────────────────────────────────────────────────────────────────────────────────


def test_plugin_lines_marker_and_escapes_are_stripped():
    raw = (
        b"\r\nStarting session with SessionId: sim-user-0abc\r\n\r\n"
        b"ip-10-1-2-3\r\n\x1b[31mred\x1b[0m [b]x[/b]\r\n__hyperpod_rc=3\r\n"
        b"\r\n\r\nExiting session with sessionId: sim-user-0abc.\r\n\r\n"
    )
    text, status = run.clean_output(raw)
    assert text == "ip-10-1-2-3\nred [b]x[/b]"
    assert status == 3


def test_output_buffer_caps_bytes():
    buffer = run.OutputBuffer(10)
    assert not buffer.feed(b"12345")
    assert buffer.feed(b"6789012345")
    assert buffer.data == b"1234567890"
    assert buffer.full
    assert buffer.feed(b"more") and buffer.data == b"1234567890"


def _done(node_id: str, output: str, state: str = run.DONE, **kw: Any) -> run.NodeRun:
    return run.NodeRun(run.RunTarget(node_id, f"t-{node_id}"), state=state, output=output, **kw)


def test_grouping_puts_identical_outputs_together_biggest_first():
    nodes = [_done(f"i-{n}", "GPU 0: H100\nGPU 1: H100") for n in range(5)]
    nodes.insert(2, _done("i-odd", "GPU 0: H100\nXid 79"))
    nodes.append(_done("i-dead", "", state=run.FAILED, error="TargetNotConnected"))
    nodes.append(run.NodeRun(run.RunTarget("i-busy", "t")))  # still queued: not in any group
    groups = run.group_outputs(nodes)
    assert [g.node_ids for g in groups] == [tuple(f"i-{n}" for n in range(5)), ("i-odd",), ("i-dead",)]
    assert groups[0].heading == "5 nodes" and groups[2].heading == "1 node"
    assert "TargetNotConnected" in groups[2].body
    text = run.grouped_text(groups, {"i-odd": "ip-10-0-0-9"})
    assert "---- 1 node: ip-10-0-0-9\n  GPU 0: H100\n  Xid 79" in text


def test_exit_status_separates_groups_and_success():
    ok = _done("a", "x", exit_status=0)
    bad = _done("b", "x", exit_status=1)
    assert ok.succeeded and not bad.succeeded
    assert len(run.group_outputs([ok, bad])) == 2


# ── rate ──────────────────────────────────────────────────────────────────────────────────────────


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_grants_at_the_rate():
    clock = FakeClock()
    limiter = run.RateLimiter(3.0, clock=clock, sleep=clock.sleep)

    async def grants() -> list[float]:
        return [await limiter.acquire() for _ in range(7)]

    times = asyncio.run(grants())
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(gap >= 1 / 3 - 1e-9 for gap in gaps)
    assert times[-1] - times[0] == pytest.approx(2.0)  # 7 grants at 3/s: 6 intervals


def test_rate_limiter_backoff_doubles():
    clock = FakeClock()
    limiter = run.RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    assert [limiter.backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert limiter.backoff(10) == run.BACKOFF_MAX_S


# ── the runner, with a scripted opener ────────────────────────────────────────────────────────────


class Throttled(Exception):
    response = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}


@dataclass
class FakeSession:
    session_id: str
    script: str
    closed: bool = False

    @property
    def launch(self) -> Any:
        return type("L", (), {"argv": [sys.executable, "-c", self.script], "env": {}})()

    def close(self) -> bool:
        self.closed = True
        return True

    def spawn_failed(self, error: BaseException) -> Exception:
        self.close()
        return RuntimeError(f"could not start: {error}")


@dataclass
class FakeOpener:
    outputs: dict[str, str]
    throttle_first: int = 0
    calls: list[str] = field(default_factory=list)
    sessions: list[FakeSession] = field(default_factory=list)
    events: list[str] | None = None

    def preflight(self, target: str | None = None, document: str | None = None) -> PluginCheck:
        return CHECK

    def open(self, target: str, *, document=None, parameters=None, check=None) -> FakeSession:
        self.calls.append(target)
        if self.events is not None:
            self.events.append(f"open {target}")
        if self.throttle_first > 0:
            self.throttle_first -= 1
            raise Throttled("Rate exceeded")
        text = self.outputs[target]
        script = (
            "import sys;"
            "sys.stdout.write('\\nStarting session with SessionId: s-1\\n\\n');"
            f"sys.stdout.write({text!r});"
            "sys.stdout.write('\\n\\nExiting session with sessionId: s-1.\\n\\n');sys.stdout.flush()"
        )
        session = FakeSession(f"s-{len(self.calls)}", script)
        self.sessions.append(session)
        return session


def _spec(outputs: dict[str, str]) -> run.RunSpec:
    return run.RunSpec("hostname", tuple(run.RunTarget(t.removeprefix("t-"), t) for t in outputs), cluster="c1")


def _runner(opener: FakeOpener, journal: Any, clock: FakeClock | None = None, **limits: Any) -> run.Runner:
    clock = clock or FakeClock()
    return run.Runner(
        _spec(opener.outputs),
        opener,
        journal=journal,
        limits=run.RunLimits(**limits),
        limiter=run.RateLimiter(3.0, clock=clock, sleep=clock.sleep),
        wall_clock=lambda: 1_790_000_000.0,
    )


def test_run_groups_outputs_and_journals_without_output(tmp_path):
    outputs = {f"t-i-{n}": "ip-10-0-0-1" for n in range(3)} | {"t-i-odd": "Cannot perform start session: EOF"}
    opener = FakeOpener(outputs)
    journal = Journal(tmp_path / "j.jsonl")
    result = asyncio.run(_runner(opener, journal).run())
    assert {n: r.state for n, r in result.nodes.items()} == {
        "i-0": "done",
        "i-1": "done",
        "i-2": "done",
        "i-odd": "failed",
    }
    assert result.nodes["i-odd"].error == "EOF"
    assert result.nodes["i-0"].output == "ip-10-0-0-1"  # the plugin's own lines are gone
    assert [g.node_ids for g in result.groups()] == [("i-0", "i-1", "i-2"), ("i-odd",)]
    assert all(session.closed for session in opener.sessions)  # TerminateSession for every one
    report = read_journal(tmp_path / "j.jsonl")
    (attempt,) = report.attempts
    assert attempt.intent["command"] == "hostname"
    assert attempt.intent["document"] == "AWS-StartNonInteractiveCommand"
    assert attempt.intent["node_ids"] == ["i-0", "i-1", "i-2", "i-odd"]
    assert [n["outcome"] for n in attempt.result["nodes"]] == ["done", "done", "done", "failed"]
    assert "ip-10-0-0-1" not in (tmp_path / "j.jsonl").read_text()  # never the output
    assert not result.all_succeeded


class BrokenJournal:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    def append(self, entry: Any) -> None:
        self.events.append(f"journal {entry['kind']}")
        raise JournalError("cannot write the action journal /x: disk full")


def test_no_intent_line_no_session():
    events: list[str] = []
    opener = FakeOpener({"t-i-1": "x", "t-i-2": "y"}, events=events)
    result = asyncio.run(_runner(opener, BrokenJournal(events)).run())
    assert opener.calls == []  # not one StartSession
    assert events == ["journal intent"]
    assert {r.state for r in result.nodes.values()} == {run.NOT_SENT}
    assert "disk full" in result.journal_error


def test_intent_is_written_before_the_first_session(tmp_path):
    events: list[str] = []

    class Recording(Journal):
        def append(self, entry: Any) -> None:
            events.append(f"journal {entry['kind']}")
            super().append(entry)

    opener = FakeOpener({"t-i-1": "x"}, events=events)
    asyncio.run(_runner(opener, Recording(tmp_path / "j.jsonl")).run())
    assert events == ["journal intent", "open t-i-1", "journal result"]


def test_throttling_backs_off_then_succeeds(tmp_path):
    clock = FakeClock()
    opener = FakeOpener({"t-i-1": "ok"}, throttle_first=2)
    result = asyncio.run(_runner(opener, Journal(tmp_path / "j.jsonl"), clock).run())
    assert result.nodes["i-1"].state == run.DONE and result.nodes["i-1"].attempts == 3
    assert len(opener.calls) == 3
    assert sum(clock.slept) >= 0.5 + 1.0  # the two backoffs were waited out


def test_output_cap_cuts_and_says_so(tmp_path):
    opener = FakeOpener({"t-i-1": "y" * 5000})
    result = asyncio.run(_runner(opener, Journal(tmp_path / "j.jsonl"), output_cap=1000).run())
    node = result.nodes["i-1"]
    assert node.truncated and len(node.output) <= 1000
    assert "[output cut at the size limit]" in node.body()


def test_at_most_n_sessions_at_once(tmp_path):
    outputs = {f"t-i-{n}": "ok" for n in range(6)}
    opener = FakeOpener(outputs)
    runner = _runner(opener, Journal(tmp_path / "j.jsonl"), max_concurrent=2)
    peak = 0

    def watch(_node: run.NodeRun) -> None:
        nonlocal peak
        peak = max(peak, sum(1 for n in runner.nodes.values() if n.state == run.RUNNING))

    runner.on_change = watch
    result = asyncio.run(runner.run())
    assert {r.state for r in result.nodes.values()} == {run.DONE}
    assert peak == 2


def test_cancel_stops_queued_and_ends_running(tmp_path):
    outputs = {f"t-i-{n}": "ok" for n in range(4)}
    opener = FakeOpener(outputs)
    # the first session never ends by itself: cancel has to end it
    original = opener.open

    def slow_open(target: str, **kw: Any) -> FakeSession:
        session = original(target, **kw)
        session.script = "import time; print('started', flush=True); time.sleep(600)"
        return session

    opener.open = slow_open  # type: ignore[method-assign]
    runner = _runner(opener, Journal(tmp_path / "j.jsonl"), max_concurrent=1, timeout_s=5)

    async def go() -> run.RunResult:
        task = asyncio.ensure_future(runner.run())
        while not runner._live:
            await asyncio.sleep(0.01)
        runner.cancel()
        return await task

    result = asyncio.run(go())
    states = [r.state for r in result.nodes.values()]
    assert states == [run.CANCELLED] * 4
    assert len(opener.sessions) == 1 and opener.sessions[0].closed


def test_save_outputs(tmp_path):
    nodes = {"i-1": _done("i-1", "a"), "i-2": _done("i-2", "b")}
    result = run.RunResult(run.RunSpec("cmd", tuple(n.target for n in nodes.values())), nodes)
    out = run.save_outputs(result, tmp_path / "out")
    assert (out / "i-1.txt").read_text() == "a\n"
    summary = (out / "summary.txt").read_text()
    assert "command: cmd" in summary and "---- 1 node: i-2" in summary
    json.dumps(summary)  # plain text


def test_summary_line_names_what_sets_a_group_apart():
    big = run.OutputGroup("+----+\n| GPU 0 H100 |\n+----+", ("a", "b"))
    odd = run.OutputGroup("+----+\n| GPU 0 H100 |\n+----+\nXid 79", ("c",))
    assert run.summary_line(big, big) == "| GPU 0 H100 |"
    assert run.summary_line(odd, big) == "Xid 79"
    assert run.summary_line(run.OutputGroup("", ("d",)), big) == ""
