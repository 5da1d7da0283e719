"""Processes for the benchmarks: the simulator served over HTTP, timed commands, and the app in a real pty."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_PAGER": "",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
REGION = "us-west-2"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a measured process: no user AWS profile or app config can change what it does."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "HYPERPOD_TUI_", "TEXTUAL"))}
    env.update(AWS_ENV)
    env["XDG_CONFIG_HOME"] = str(ROOT / "bench" / ".no-config")  # no such directory: defaults only
    env.update(extra)
    return env


@contextlib.contextmanager
def served_simulator(scenario: str = "scale-10k", latency_ms: float = 20.0) -> Iterator[str]:
    """`python -m tui.sim serve --port 0 …` in its own process; yields its URL."""
    argv = [PYTHON, "-m", "tui.sim", "serve", "--port", "0", "--latency-ms", f"{latency_ms:g}", "--scenario", scenario]
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("listening on "):
            raise RuntimeError(f"simulator did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
        yield line.split()[-1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed_run(argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120.0) -> tuple[float, int]:
    """Wall seconds from spawning `argv` to its exit (stdout to /dev/null, as a script would consume it)."""
    start = time.perf_counter()
    completed = subprocess.run(
        argv,
        cwd=ROOT,
        env=env or clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}… exited {completed.returncode}: {completed.stderr.decode()[-500:]}")
    return elapsed, completed.returncode


@dataclass
class PtyProcess:
    """A process on a real pseudo-terminal (the app needs one), its output drained by a thread (and handed to
    `on_output`, chunk by chunk, when given)."""

    process: subprocess.Popen
    master: int
    started: float  # time.monotonic() just before the spawn
    reader: threading.Thread

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str],
        env: dict[str, str],
        *,
        columns: int = 160,
        rows: int = 45,
        on_output: Callable[[bytes], None] | None = None,
    ) -> PtyProcess:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        started = time.monotonic()
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True
        )
        os.close(slave)
        reader = threading.Thread(target=cls._drain, args=(master, on_output), daemon=True)
        reader.start()
        return cls(process, master, started, reader)

    @staticmethod
    def _drain(master: int, on_output: Callable[[bytes], None] | None = None) -> None:
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            if on_output is not None:
                on_output(chunk)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)
        self.reader.join(timeout=2)


def wait_for_probe(path: Path, event: str, *, process: subprocess.Popen | None = None, timeout: float = 60.0) -> dict:
    """The first JSON line of `path` (written by tui/benchmark_probe.py) whose event is `event`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if record.get("event") == event:
                    return record
        if process is not None and process.poll() is not None and not path.exists():
            raise RuntimeError(f"the app exited ({process.returncode}) before the {event} frame")
        time.sleep(0.002)
    raise TimeoutError(f"no {event} frame within {timeout:g} s")


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc (Linux)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]
