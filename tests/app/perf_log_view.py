"""Timings for the numbers the log viewer promises (not a test; run `python -m tests.app.perf_log_view`).

- classification of 200,000 lines (target: well under 1 s),
- lines in hand → first screen of a 200,000-line log (target: ≤ 300 ms, headless),
- `n` (next marker) including the redraw of the visible rows (target: ≤ 16 ms).
Each figure is the best of several runs, so a busy machine inflates it less.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from tests.app.log_app import T0, LogApp, wait_for
from tui.core.log_document import LogDocument
from tui.core.markers import default_matcher
from tui.widgets.log_view import LogView

POOL = [
    "Reading package lists...",
    "Setting up libnccl2 (2.21.5-1+cuda12.4) ...",
    "+ sudo systemctl restart slurmd",
    "Collecting torch==2.3.0",
    "  Downloading torch-2.3.0-cp310-cp310-manylinux1_x86_64.whl (779.1 MB)",
    "mount.lustre: mounting fs-0123",
    "Get:12 http://archive.ubuntu.com/ubuntu jammy/main amd64 libc6 [3,235 kB]",
    "WARNING: apt does not have a stable CLI interface.",
    "exit code 0",
    "Successfully installed pip-24.0",
]


def lifecycle_log(count: int = 200_000, seed: int = 1) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    head = [
        "[LIFECYCLE_SCRIPT_START] Starting",
        "[SCRIPT_DOWNLOAD_START] s3://b/on_create.sh",
        "[SCRIPT_DOWNLOAD_COMPLETE] ok",
    ]
    tail = ["Traceback (most recent call last):", "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1"]
    body = [f"{rng.choice(POOL)} #{i}" for i in range(count - len(head) - len(tail))]
    return [(T0 + i * 10, line) for i, line in enumerate(head + body + tail)]


def best(runs: int, action) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


async def measure_view(log: list[tuple[int, str]]) -> dict[str, float]:
    results: dict[str, float] = {}
    app = LogApp(None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.view
        height = view.size.height
        firsts = []
        for _ in range(3):
            start = time.perf_counter()
            view.load(log)
            for y in range(height):
                view.render_line(y)
            firsts.append(time.perf_counter() - start)
            await wait_for(pilot, lambda: view.complete and len(view.document) == len(log), timeout=120)
        results["first screen via load() (head now, rest in a thread)"] = min(firsts)
        # When the compositor hands a frame to the (headless) display, the rows have been rendered.
        frames: list[float] = []
        display = app._display

        def record(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None:
                frames.append(time.perf_counter())
            return display(screen, renderable)

        app._display = record  # type: ignore[method-assign]
        painted = []
        for _ in range(3):
            frames.clear()
            start = time.perf_counter()
            view.load(log)
            await wait_for(pilot, lambda: bool(frames), timeout=60)
            painted.append(frames[0] - start)
            await wait_for(pilot, lambda: view.complete and len(view.document) == len(log), timeout=120)
        results["load() → first frame composed"] = min(painted)
        document = LogDocument.from_events(log)
        start = time.perf_counter()
        view.set_document(document)
        for y in range(height):
            view.render_line(y)
        results["first screen from a prebuilt document"] = time.perf_counter() - start
        await pilot.pause()
        jumps = []
        view.go_top()
        await pilot.pause()
        for _ in range(60):
            start = time.perf_counter()
            view.next_marker()
            for y in range(height):
                view.render_line(y)
            jumps.append(time.perf_counter() - start)
            await pilot.pause()
        results["n: next marker + redraw, median"] = statistics.median(jumps)
        results["n: next marker + redraw, max"] = max(jumps)
        presses = []
        for _ in range(20):
            start = time.perf_counter()
            await pilot.press("n")
            presses.append(time.perf_counter() - start)
        results["n via pilot.press (includes the test driver), median"] = statistics.median(presses)
    return results


def main() -> None:
    log = lifecycle_log()
    lines = [line for _, line in log]
    matcher = default_matcher()
    print(f"classify 200k lines:            {best(5, lambda: matcher.classify(lines)) * 1000:7.1f} ms")
    print(f"LogDocument.from_events 200k:   {best(3, lambda: LogDocument.from_events(log)) * 1000:7.1f} ms")
    for name, seconds in asyncio.run(measure_view(log)).items():
        print(f"{name}: {seconds * 1000:.1f} ms")
    assert LogView  # the widget under measurement


if __name__ == "__main__":
    main()
