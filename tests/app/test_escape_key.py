"""Esc is reported within 50 ms in a real terminal (a pty): the escape delay and the driver's poll of it."""

from __future__ import annotations

import os
import pty
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.escape_key import IDLE_POLL, LOCAL_DELAY_MS, SSH_DELAY_MS, escape_delay_ms, lower_escape_delay, poll_timeout

PROBE = Path(__file__).with_name("escape_probe.py")
ROOT = Path(__file__).resolve().parents[2]


def test_escape_delay_is_short_locally_a_little_longer_over_ssh_and_the_users_value_wins() -> None:
    assert escape_delay_ms({}) == LOCAL_DELAY_MS
    assert escape_delay_ms({"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}) == SSH_DELAY_MS
    assert escape_delay_ms({"ESCDELAY": "80", "SSH_TTY": "/dev/pts/1"}) == 80
    assert escape_delay_ms({"ESCDELAY": "nonsense"}) == LOCAL_DELAY_MS
    environ: dict[str, str] = {}
    lower_escape_delay(environ)
    assert environ == {"ESCDELAY": str(LOCAL_DELAY_MS)}


def test_the_input_thread_waits_only_until_a_pending_escape_is_due() -> None:
    assert poll_timeout(None, 10.0) == IDLE_POLL
    assert poll_timeout(10.025, 10.0) == pytest.approx(0.025)
    assert poll_timeout(9.0, 10.0) == 0.0


def escape_latencies(kind: str, tmp_path: Path, presses: int = 5) -> list[float]:
    out = tmp_path / f"{kind}.log"
    out.write_text("")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the probe app on the pty
        os.chdir(ROOT)
        env = {k: v for k, v in os.environ.items() if k not in ("ESCDELAY", "SSH_CONNECTION", "SSH_TTY")}
        env.update(TERM="xterm-256color", TEXTUAL_DISABLE_KITTY_KEY="1", PYTHONPATH=str(ROOT))
        os.execve(sys.executable, [sys.executable, str(PROBE), str(out), kind], env)
    try:
        deadline = time.monotonic() + 20
        while "ready" not in out.read_text():
            _drain(fd)
            assert time.monotonic() < deadline, "the probe app did not start"
        latencies = []
        for index in range(presses):
            sent = time.monotonic()
            os.write(fd, b"\x1b")
            while out.read_text().count("escape ") <= index:
                _drain(fd)
                assert time.monotonic() < sent + 5, "Esc never arrived"
            arrived = float(out.read_text().strip().splitlines()[-1].split()[1])
            latencies.append(arrived - sent)
            time.sleep(0.15)
        os.write(fd, b"q")
        return latencies
    finally:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0):
            _drain(fd)
        else:
            subprocess.run(["kill", "-9", str(pid)], check=False, capture_output=True)
        os.close(fd)


def _drain(fd: int) -> None:
    import select

    ready, _, _ = select.select([fd], [], [], 0.005)
    if ready:
        try:
            os.read(fd, 65536)
        except OSError:
            pass


def test_esc_arrives_within_50_ms_and_textuals_own_driver_takes_the_100_ms_poll(tmp_path: Path) -> None:
    prompt = statistics.median(escape_latencies("prompt", tmp_path))
    stock = statistics.median(escape_latencies("stock", tmp_path))
    assert prompt < 0.050, f"Esc took {prompt * 1000:.0f} ms (median of 5)"
    assert stock >= 0.090, f"Textual's driver took {stock * 1000:.0f} ms: has its poll changed?"
