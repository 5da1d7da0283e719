"""`make soak`: the real app for 10 minutes against a simulator that misbehaves, driven by keys like a user.

The app (`hyperpod-tui --endpoint-url …`) runs on a real pty against the simulator served over HTTP from this
process, which switches faults every few seconds (throttling bursts, server errors, hangs, expired tokens,
malformed answers where the simulator offers them) and every so often turns the journal's directory into a file
so that the journal cannot be written. Hostile strings (escape sequences, markup, wide characters) sit in node
messages, a cluster's FailureMessage and a lifecycle log. Keys move between panes, filter with hostile text, open
details, logs and the palette, and reboot a marked node. At the end quit (rebound to F10) is timed while every call hangs.

Reported, each with its limit: crashes (the app exited or printed a traceback), escapes (a hostile payload's escape
sequence found in the bytes the app wrote to its terminal), journal lines missing (reboot calls the simulator
received without an intent line in the journal written before them), RSS growth (median VmRSS of the last minute
against the minute before the run's middle, or after the first minute in a run of under four) and the exit time of
`q`. Exit status 0 only when every limit holds.

The growth is measured from the middle because the heap fills for minutes before it is steady, and a leak shows as
growth that goes on: the API log's ring (2,000 calls) fills at a few calls a second, pool threads start as hung
calls hold others, each client and render cache is made when first needed. In ten minutes with the leaks fixed
(issue 11) RSS rose 75 → 97 MB in the first five minutes and 97 → 99 MB in the last five; with them, 79 → 393 MB.
The growth after the first minute is printed too.

    python -m tests.reliability.soak [--seconds 600] [--seed 7]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.proc import BIN, REGION, PtyProcess, clean_env, rss_kib
from tui.sim import SimClock, Simulator
from tui.sim.server import SimServer

# Hostile text: each escape sequence carries the marker SOAK, so finding `ESC ] 52 ; c ; U09BSw` (base64 "SOAK")
# in the app's output means a payload reached the terminal; the app's own sequences never carry it.
HOSTILE = [
    "osc52 \x1b]52;c;U09BSw==\x07 clip",
    "title \x1b]0;SOAK-TITLE\x07 \x1b]2;SOAK-TITLE\x1b\\ set",
    "link \x1b]8;;http://soak.invalid/\x1b\\SOAK\x1b]8;;\x1b\\ here",
    "csi \x1b[31mSOAKRED\x1b[0m \x9b31mSOAKC1 \x1bP+qSOAK\x1b\\ dcs",
    "markup [/] [link=http://soak.invalid]SOAK[/link] [@click=app.quit]quit[/] [b]bold",
    "wide 日本語のノード名 ‮reversed‬ e\u0301 zero\u200bwidth \u2066iso\u2069",
]
# What must never appear in the output: the payloads' own escape sequences.
FORBIDDEN = [
    b"\x1b]52;c;U09BSw",
    b"\x1b]0;SOAK",
    b"\x1b]2;SOAK",
    b"\x1b]8;;http://soak",
    b"\x1b[31mSOAKRED",
    b"\x9b31mSOAK",
    b"\xc2\x9b31mSOAK",
    b"\x1bP+qSOAK",
]
FILTERS = ["[/]", "\\", "[link=x]x", "日本", "status:fail", "[@click=app.quit]"]
MUTATING = {"BatchRebootClusterNodes", "BatchReplaceClusterNodes", "BatchDeleteClusterNodes"}

KEYS = {"tab": b"\t", "esc": b"\x1b", "down": b"\x1b[B", "up": b"\x1b[A", "enter": b"\r", "space": b" "}
# The soak types hostile text ("[@click=app.quit]") that lands on the screen as keys whenever the filter or the
# palette has not opened yet, so `q` would end the run early. Quit is rebound (the user's keymap, as a user would)
# to a key no typed text can produce, and the timed exit at the end presses that key.
QUIT_KEY, QUIT_BYTES = "f10", b"\x1b[21~"

SAMPLE_EVERY = 10.0
WARMUP = 60.0
GROWTH_LIMIT = 0.05
EXIT_LIMIT = 2.0


@dataclass
class Report:
    crashes: list[str] = field(default_factory=list)
    escapes: dict[str, int] = field(default_factory=dict)
    mutating_calls: int = 0
    intents: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)
    exit_seconds: float | None = None
    faults: dict[str, int] = field(default_factory=dict)
    actions: int = 0

    @property
    def journal_missing(self) -> int:
        return max(0, self.mutating_calls - self.intents)

    @property
    def growth(self) -> float | None:
        """RSS growth from the minute before the middle of the run (the heap is steady by then) to its last."""
        if len(self.samples) < 4:
            return None
        start, end = self.samples[0][0], self.samples[-1][0]
        return self._growth_since(max(start + 2 * WARMUP, (start + end) / 2))

    @property
    def growth_after_warmup(self) -> float | None:
        """RSS growth from the minute after the first one to the last (what the heap's filling adds)."""
        if len(self.samples) < 4:
            return None
        return self._growth_since(self.samples[0][0] + 2 * WARMUP)

    def _growth_since(self, early_end: float) -> float:
        end = self.samples[-1][0]
        early = [rss for at, rss in self.samples if early_end - WARMUP <= at <= early_end]
        late = [rss for at, rss in self.samples if at >= end - WARMUP]
        if not early or not late:
            early, late = [self.samples[len(self.samples) // 4][1]], [self.samples[-1][1]]
        return statistics.median(late) / statistics.median(early) - 1.0

    def passed(self) -> bool:
        growth = self.growth
        return (
            not self.crashes
            and not self.escapes
            and self.journal_missing == 0
            and (growth is None or growth <= GROWTH_LIMIT)
            and self.exit_seconds is not None
            and self.exit_seconds <= EXIT_LIMIT
        )


class Terminal:
    """The app on a pty (bench.proc.PtyProcess); every byte it writes is scanned for the forbidden sequences."""

    def __init__(self, argv: list[str], env: dict[str, str], report: Report, columns: int = 120, rows: int = 40):
        self.report = report
        self.tail = b""
        self.recent = bytearray()  # the last 64 KiB written, for the report when the app dies
        self.pty = PtyProcess.spawn(argv, env, columns=columns, rows=rows, on_output=self._scan)
        self.process, self.master = self.pty.process, self.pty.master

    def _scan(self, chunk: bytes) -> None:
        keep = max(map(len, FORBIDDEN)) + len(b"Traceback (most recent call last)")
        self.recent += chunk
        del self.recent[: max(0, len(self.recent) - 65_536)]
        window = self.tail + chunk
        for needle in FORBIDDEN:
            if needle in window:
                name = needle.decode("latin-1").encode("unicode_escape").decode()
                self.report.escapes[name] = self.report.escapes.get(name, 0) + window.count(needle)
        if b"Traceback (most recent call last)" in window:
            self.report.crashes.append("a traceback on the terminal")
        self.tail = window[-keep:]

    def keys(self, *names: str, gap: float = 0.15) -> None:
        for name in names:
            os.write(self.master, KEYS.get(name, name.encode()))
            time.sleep(gap)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)


def plant_hostile_text(sim: Simulator, rng: random.Random) -> None:
    """Hostile strings in node messages, one cluster's FailureMessage and the nodes' lifecycle logs."""
    with sim.world.lock:
        clusters = list(sim.world.clusters.values())
    for index, cluster in enumerate(clusters):
        if index == 0:
            cluster.failure_message = " ".join(HOSTILE)
        for node in list(cluster.nodes.values())[:6]:
            node.set_status(node.status, rng.choice(HOSTILE))
            sim.put_log_events(cluster.log_group, cluster.lifecycle_stream(node.group_name, node.instance_id), HOSTILE)


class FaultCycle:
    """Switches one fault on at a time, for a few seconds each; `journal_flip` makes the journal unwritable."""

    def __init__(self, sim: Simulator, state_dir: Path, rng: random.Random, report: Report) -> None:
        self.sim, self.state_dir, self.rng, self.report = sim, state_dir, rng, report
        self.choices: list[tuple[str, Callable[[], None]]] = [
            ("none", lambda: None),
            ("throttle burst", lambda: sim.faults.throttle(times=40)),
            ("server errors", lambda: setattr(sim.faults, "server_error_rate", 0.5)),
            ("slow answers", lambda: setattr(sim.faults, "latency_ms", 3_000.0)),
            ("hang", lambda: setattr(sim.faults, "latency_ms", 60_000.0)),
            ("expired token", lambda: setattr(sim.faults, "expired_token", True)),
            ("journal unwritable", self.break_journal),
        ]
        for name in ("malformed_json", "html_body", "empty_body", "endless_pages"):
            switch = getattr(sim.faults, name, None)  # response faults, where this simulator has them
            if callable(switch):
                self.choices.append((name.replace("_", " "), switch))
        self.active = "none"

    def break_journal(self) -> None:
        if self.state_dir.exists():
            shutil.rmtree(self.state_dir / "broken", ignore_errors=True)
            self.state_dir.rename(self.state_dir.with_name("state-saved"))
        self.state_dir.write_text("not a directory: the journal cannot be written\n")

    def mend_journal(self) -> None:
        saved = self.state_dir.with_name("state-saved")
        if self.state_dir.is_file():
            self.state_dir.unlink()
            if saved.exists():
                saved.rename(self.state_dir)

    def next(self) -> str:
        self.sim.faults.clear()
        self.mend_journal()
        name, switch = self.rng.choice(self.choices)
        switch()
        self.active = name
        self.report.faults[name] = self.report.faults.get(name, 0) + 1
        return name


def count_intents(state_dir: Path) -> int:
    """Intent lines of the journal (older journals wrote one line per call, after it: those count as one)."""
    count = 0
    for path in {state_dir / "actions.jsonl", state_dir.with_name("state-saved") / "actions.jsonl"}:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("dry_run"):
                continue
            kind = entry.get("phase") or entry.get("kind") or entry.get("type") or entry.get("record")
            if kind in (None, "intent"):
                count += 1
    return count


STEPS = ("panes", "filter", "details", "logs", "palette", "reboot", "reboot")


def user_step(term: Terminal, rng: random.Random, report: Report, steps: Sequence[str] = STEPS) -> None:
    """One thing a user does; every step ends back on the main screen."""
    step = rng.choice(steps)
    if step == "idle":
        time.sleep(2.0)
    elif step == "panes":
        term.keys(*rng.choices(["tab", "down", "up", "enter", "esc"], k=6))
    elif step == "filter":
        term.keys("esc", "esc", "esc", "tab")  # a table has the focus, so `/` opens the filter and text goes there
        term.keys("/")
        time.sleep(0.3)
        term.keys(*rng.choice(FILTERS), gap=0.05)
        term.keys(rng.choice(["enter", "esc"]), "esc")
    elif step == "details":
        term.keys("tab", "down", "d")
        time.sleep(1.0)
        term.keys("esc")
    elif step == "logs":
        term.keys("esc", "esc", "tab", "tab", "down", "l")
        time.sleep(2.0)
        term.keys("esc", "esc")
    elif step == "palette":
        term.keys("esc", "esc", "esc")
        term.keys("\x10")  # ctrl+p
        time.sleep(0.3)
        term.keys(*rng.choice(FILTERS + ["SOAK", "node i-"]), gap=0.05)
        time.sleep(0.5)
        term.keys("esc")
    else:
        report.actions += 1
        term.keys("esc", "esc", "esc", "tab", "tab", *["down"] * rng.randrange(1, 6), "space", "R")
        time.sleep(1.0)
        term.keys("y")
        time.sleep(3.0)
        term.keys("esc", "esc")


def soak(seconds: float, seed: int, steps: Sequence[str] = STEPS, with_faults: bool = True) -> Report:
    report = Report()
    rng = random.Random(seed)
    sim = Simulator("demo", clock=SimClock(speed=1.0), seed=seed, region=REGION)
    plant_hostile_text(sim, rng)
    lock = threading.Lock()
    add = sim.dispatcher.log.add

    def counting_add(call) -> None:  # the simulator trims its record; count the mutating calls as they come
        if call.operation in MUTATING:
            with lock:
                report.mutating_calls += 1
        add(call)

    sim.dispatcher.log.add = counting_add  # type: ignore[method-assign]
    server = SimServer(sim)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    scratch = Path(tempfile.mkdtemp(prefix="hyperpod-soak-"))
    state_dir = scratch / "state" / "hyperpod-tui"
    state_dir.mkdir(parents=True)
    config_dir = scratch / "config" / "hyperpod-tui"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(f'[keymap]\nquit = "{QUIT_KEY}"\n')
    env = clean_env(XDG_STATE_HOME=str(scratch / "state"), XDG_CONFIG_HOME=str(scratch / "config"))
    argv = [str(BIN / "hyperpod-tui"), "--region", REGION, "--endpoint-url", server.url, "--refresh", "2"]
    term = Terminal(argv, env, report)
    faults = FaultCycle(sim, state_dir, rng, report)
    start = time.monotonic()
    next_sample = start + SAMPLE_EVERY
    next_fault = start + 20.0  # the first refreshes run clean
    try:
        time.sleep(5.0)
        while time.monotonic() - start < seconds:
            if not term.alive():
                said = bytes(term.recent[-2_000:]).decode("utf-8", "replace")
                report.crashes.append(
                    f"the app exited ({term.process.returncode}) after {time.monotonic() - start:.0f} s: {said!r}"
                )
                break
            now = time.monotonic()
            if with_faults and now >= next_fault:
                faults.next()
                next_fault = now + rng.uniform(4.0, 12.0)
            if now >= next_sample:
                report.samples.append((now, rss_kib(term.process.pid)[0]))
                next_sample = now + SAMPLE_EVERY
            user_step(term, rng, report, steps)
        if term.alive():
            sim.faults.clear()
            faults.mend_journal()
            term.keys("esc", "esc", "esc")
            sim.faults.latency_ms = 600_000.0  # every call hangs
            time.sleep(3.0)
            pressed = time.monotonic()
            term.keys(QUIT_BYTES.decode(), gap=0.3)  # a second press answers the quit question if a shell is open
            if term.alive():
                term.keys(QUIT_BYTES.decode(), gap=0.0)
            try:
                term.process.wait(timeout=30)
                report.exit_seconds = time.monotonic() - pressed
            except subprocess.TimeoutExpired:
                report.exit_seconds = None
                report.crashes.append("q did not exit within 30 s")
    finally:
        term.stop()
        sim.faults.clear()
        faults.mend_journal()
        report.intents = count_intents(state_dir)
        server.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", help=f"what the user does, from {','.join(dict.fromkeys(STEPS))},idle")
    parser.add_argument("--no-faults", action="store_true", help="a well-behaved simulator (to bisect a finding)")
    args = parser.parse_args(argv)
    report = soak(
        args.seconds, args.seed, args.steps.split(",") if args.steps else STEPS, with_faults=not args.no_faults
    )
    growth, warm = report.growth, report.growth_after_warmup
    first = report.samples[0][1] / 1024 if report.samples else 0.0
    last = report.samples[-1][1] / 1024 if report.samples else 0.0
    lines = [
        f"soak: {args.seconds:.0f} s, seed {args.seed}, {report.actions} reboots tried, faults {report.faults}",
        f"  crashes               {len(report.crashes)}  {'; '.join(report.crashes)}",
        f"  escapes               {sum(report.escapes.values())}  {report.escapes or ''}",
        f"  journal lines missing {report.journal_missing}  ({report.mutating_calls} reboot calls received, "
        f"{report.intents} intents journaled)",
        f"  RSS growth            {'n/a' if growth is None else f'{growth:+.1%}'}  "
        f"(the second half; {first:.1f} -> {last:.1f} MB in all, "
        f"{'n/a' if warm is None else f'{warm:+.1%}'} after the first minute; limit {GROWTH_LIMIT:.0%})",
        f"  exit after q          {'none' if report.exit_seconds is None else f'{report.exit_seconds:.2f} s'}"
        f"  (every call hanging, limit {EXIT_LIMIT:g} s)",
        "PASS" if report.passed() else "FAIL",
    ]
    print("\n".join(lines))
    return 0 if report.passed() else 1


if __name__ == "__main__":
    sys.exit(main())
