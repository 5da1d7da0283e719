"""Issue 13.6: Esc on a real pseudo-terminal, the app against a stock Textual app.

A lone ESC byte is only known to be the Esc key once no more bytes follow within a delay (Textual's `ESCDELAY`,
100 ms by default, checked when its input thread's 100-ms `select()` returns); tui/escape_key.py shortens both.
Measured: `/` opens a prompt, then, once the screen is quiet, one ESC byte is written to the pty, and the time
runs until the app has written the repaint that closes the prompt (the footer's `Sort` hint coming back).

- ours: `hyperpod-tui --demo`, the nodes filter (`/`) closed by Esc;
- peer: a stock Textual app (bench/_escape_peer.py: an Input opened by `/` and closed by Esc, a label that
  says `Sort` once it is closed), Textual's own driver and ESCDELAY.
Both run with the environment of a local terminal (no SSH variables): 25 ms delay for ours.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

from bench.common import Context, Metric, alternate, ratio_metric
from bench.proc import BIN, ROOT, PtyProcess, clean_env

PRESSES = 12
SETTLE = 0.25  # quiet time before each key: the screen has finished painting


class _Output:
    def __init__(self) -> None:
        self.data = bytearray()
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def __call__(self, chunk: bytes) -> None:
        with self.lock:
            self.data += chunk
            self.last = time.monotonic()

    def mark(self) -> int:
        with self.lock:
            return len(self.data)

    def wait_for(self, needle: bytes, since: int, timeout: float = 10.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if needle in self.data[since:]:
                    return self.last
            time.sleep(0.0005)
        raise TimeoutError(f"no {needle!r} within {timeout:g} s")

    def wait_quiet(self, seconds: float, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if time.monotonic() - self.last >= seconds:
                    return
            time.sleep(0.01)


def _latencies(argv: Sequence[str], ready: bytes, env: dict[str, str]) -> list[float]:
    output = _Output()
    app = PtyProcess.spawn(argv, env, columns=120, rows=40, on_output=output)
    values = []
    try:
        output.wait_for(ready, 0, timeout=60)
        for _ in range(PRESSES):
            output.wait_quiet(SETTLE)
            os.write(app.master, b"/")
            output.wait_quiet(SETTLE)
            since = output.mark()
            sent = time.monotonic()
            os.write(app.master, b"\x1b")
            painted = output.wait_for(b"Sort", since)
            values.append(painted - sent)
    finally:
        app.stop()
    return values


def _ours() -> list[float]:
    env = {key: value for key, value in clean_env().items() if not key.startswith("SSH_") and key != "ESCDELAY"}
    return _latencies([str(BIN / "hyperpod-tui"), "--demo"], b"Nodes", env)


def _peer() -> list[float]:
    env = {key: value for key, value in clean_env().items() if not key.startswith("SSH_") and key != "ESCDELAY"}
    return _latencies([str(BIN / "python"), str(ROOT / "bench" / "_escape_peer.py")], b"Sort", env)


def run(ctx: Context) -> list[Metric]:
    mine: list[float] = []
    theirs: list[float] = []

    def ours() -> float:
        values = _ours()
        mine.extend(values)
        return sorted(values)[len(values) // 2]

    def peer() -> float:
        values = _peer()
        theirs.extend(values)
        return sorted(values)[len(values) // 2]

    reps = 1 if ctx.quick else 2
    per_ours, per_peer = alternate(reps, ours, peer)
    ms = 1000.0
    return [
        ratio_metric(
            "13. Esc → prompt closed on a pty (median)",
            [v * ms for v in per_ours],
            [v * ms for v in per_peer],
            unit="ms",
            max_ratio=0.6,
            max_ours=50.0,
            notes=f"{PRESSES} presses × {reps} apps each; ours worst {max(mine) * ms:.0f} ms, "
            f"stock Textual worst {max(theirs) * ms:.0f} ms (ESCDELAY 100 ms and a 100-ms select)",
        )
    ]
