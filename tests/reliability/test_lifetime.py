"""Children and SSM sessions end with the app: the real app in its own process on a pty, against the simulator
served over HTTP from this process, with an embedded shell open (the simulator's stand-in plugin, started by a
wrapper that ignores SIGHUP and leaves a background job in the plugin's session). On SIGHUP, SIGTERM, a hang-up
of its terminal and `q`, within 2 s: the app and every process it started are gone and the simulator recorded
TerminateSession for the session."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tui.core.lifetime import alive, session_members
from tui.core.pty_proc import set_window_size
from tui.sim import Simulator
from tui.sim.clock import SimClock
from tui.sim.server import SimServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 2.0

WRAPPER = """#!/bin/sh
# session-manager-plugin for the test: ignores SIGHUP (as a stuck plugin would) and leaves a job in its session
case "$1" in
  --version) exec "{python}" -m tui.sim.plugin "$@" ;;
esac
trap '' HUP
sleep 600 &
exec "{python}" -m tui.sim.plugin "$@"
"""
PLAIN = """#!/bin/sh
exec "{python}" -m tui.sim.plugin "$@"
"""


@pytest.fixture
def served():
    simulator = Simulator(clock=SimClock(), seed=7)
    server = SimServer(simulator)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield simulator, server.url
    server.shutdown()
    server.server_close()


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    parents[int(name)] = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found |= frontier
    return found


def _describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return str(pid)
    return f"{pid} {command}"


class RunningApp:
    def __init__(self, tmp_path: Path, url: str, wrapper: str = WRAPPER) -> None:
        plugin = tmp_path / "session-manager-plugin"
        plugin.write_text(wrapper.format(python=sys.executable))
        plugin.chmod(0o755)
        self.ready = tmp_path / "ready.json"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "HOME": str(tmp_path),
            "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT),
        }
        self.master, slave = pty.openpty()
        set_window_size(self.master, 40, 120)

        def controlling_tty() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.lifetime_app", url, str(plugin), str(self.ready)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=controlling_tty,
        )
        os.close(slave)
        self.output = bytearray()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        # select() with a timeout, not a blocking read: a read in progress would keep the master open after
        # close_terminal() closed it, and the terminal would never hang up.
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data[-4096:])

    def wait_ready(self, timeout: float = 40.0) -> dict:
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = bytes(self.output[-1500:]).decode(errors="replace")
                raise AssertionError(f"the app never opened its shell (exit {self.process.returncode}): {tail}")
            time.sleep(0.1)
        return json.loads(self.ready.read_text())

    def close_terminal(self) -> None:
        """What an SSH drop does: the terminal's master side goes away (the kernel sends SIGHUP)."""
        self._stop.set()
        self._reader.join()
        os.close(self.master)

    def kill(self) -> None:
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.process.wait(5)


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM", "hang-up", "q"])
def test_the_app_its_children_and_its_sessions_end_together_within_2_s(tmp_path, served, how):
    simulator, url = served
    app = RunningApp(tmp_path, url)
    try:
        record = app.wait_ready()
        time.sleep(0.3)
        plugin = record["plugin"]
        family = _descendants(app.process.pid) | set(session_members(plugin))
        assert plugin in family and len(family) >= 2  # the plugin and its background job at least
        (session,) = [s for s in simulator.sessions if s.session_id == record["session"]]
        assert session.terminated_at is None
        started = time.monotonic()
        if how == "hang-up":
            app.close_terminal()
        elif how == "q":
            os.write(app.master, b"\x1d")  # ctrl+]: the keyboard leaves the shell for the tables
            time.sleep(0.3)
            os.write(app.master, b"q")  # a shell runs: the app asks first, and q again means yes
            time.sleep(0.5)
            started = time.monotonic()
            os.write(app.master, b"q")
        else:
            os.kill(app.process.pid, getattr(signal, how))
        while time.monotonic() - started < DEADLINE and (
            app.process.poll() is None or any(map(alive, family)) or session.terminated_at is None
        ):
            time.sleep(0.02)
        took = time.monotonic() - started
        left = sorted(pid for pid in family if alive(pid))
        print(f"{how}: everything ended {took:.2f} s after")
        assert app.process.poll() is not None, f"the app still runs {took:.2f} s after {how}"
        assert not left, f"still alive {took:.2f} s after {how}: {[_describe(pid) for pid in left]}"
        assert session.terminated_at is not None, f"no TerminateSession {took:.2f} s after {how}"
        calls = [c.operation for c in simulator.calls if c.params.get("SessionId") == record["session"]]
        assert calls == ["TerminateSession"]
    finally:
        app.kill()


def test_sighup_terminates_the_session_of_a_plugin_that_dies_with_its_terminal(tmp_path, served):
    """A plugin that does die of SIGHUP still leaves its SSM session open unless the app terminates it."""
    simulator, url = served
    app = RunningApp(tmp_path, url, PLAIN)
    try:
        record = app.wait_ready()
        (session,) = [s for s in simulator.sessions if s.session_id == record["session"]]
        started = time.monotonic()
        os.kill(app.process.pid, signal.SIGHUP)
        while time.monotonic() - started < DEADLINE and (app.process.poll() is None or session.terminated_at is None):
            time.sleep(0.02)
        assert app.process.poll() is not None
        assert session.terminated_at is not None, "the app exited without TerminateSession"
    finally:
        app.kill()


def test_sighup_while_every_call_hangs_ends_the_app_and_its_prefetch_child_within_2_s(tmp_path, served):
    simulator, url = served
    simulator.faults.latency_ms = 60_000  # ListClusters (the prefetch child's and the app's) never answers
    app = RunningApp(tmp_path, url)
    try:
        deadline = time.monotonic() + 20
        family: set[int] = set()
        while not any("tui.core.prefetch" in _describe(pid) for pid in family):
            assert time.monotonic() < deadline and app.process.poll() is None, "no prefetch child started"
            time.sleep(0.1)
            family = _descendants(app.process.pid)
        time.sleep(1.0)  # the UI is up and waiting for the clusters
        started = time.monotonic()
        os.kill(app.process.pid, signal.SIGHUP)
        while time.monotonic() - started < DEADLINE and (app.process.poll() is None or any(map(alive, family))):
            time.sleep(0.02)
        took = time.monotonic() - started
        assert app.process.poll() is not None, f"the app still runs {took:.2f} s after SIGHUP"
        assert not [pid for pid in family if alive(pid)], [_describe(pid) for pid in family if alive(pid)]
    finally:
        simulator.faults.latency_ms = 0
        app.kill()


def test_end_all_ends_a_prefetch_child_still_waiting_on_the_endpoint(served, monkeypatch):
    """The prefetch child shares the app's process group: a SIGHUP sent to the app alone (not a terminal hang-up,
    which reaches the whole foreground group) leaves it running unless the app ends it."""
    from tui.core import lifetime
    from tui.core.prefetch import ClusterPrefetch

    simulator, url = served
    simulator.faults.latency_ms = 60_000
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    prefetch = ClusterPrefetch.start(profile=None, region="us-west-2", endpoint_url=url)
    assert prefetch is not None
    process = prefetch._process
    assert process is not None
    try:
        time.sleep(1.0)
        assert process.poll() is None
        started = time.monotonic()
        lifetime.end_all()
        process.wait(DEADLINE)
        assert time.monotonic() - started < DEADLINE
    finally:
        simulator.faults.latency_ms = 0
        if process.poll() is None:
            process.kill()
            process.wait()
