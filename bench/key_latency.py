"""Target 3: key → frame latency in the node table while scale-10k refreshes every 2 s.

The real app (HyperPodApp, real worker threads, the real AWS path through botocore) against the served simulator
(a separate process, 20 ms per answer), `--cluster scale-10k --refresh 2`, headless at 160×48. Once the 10,000
nodes are shown, keys go to the node table as a terminal would send them (the driver's `send_message`): down ×5,
pagedown, up ×5, pageup, one key every 50 ms for ~20 s. Each latency runs from sending the key to the first
frame, composed and turned into terminal output, in which the cursor has moved. Meanwhile the refreshes list
10,000 nodes (10 groups in parallel) and diff them in worker threads, competing with the UI for the GIL.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from textual import events

from bench.common import Context, Metric, median
from bench.frames import FrameWatch
from bench.proc import REGION

SIZE = (160, 48)
REFRESH = 2.0
KEY_INTERVAL = 0.05
KEYS = ["down"] * 5 + ["pagedown"] + ["up"] * 5 + ["pageup"]
NODES = 10_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not show the 10,000 nodes in time")
        await asyncio.sleep(0.05)


async def measure_latencies(url: str, seconds: float) -> tuple[list[float], int]:
    from tui.app import HyperPodApp
    from tui.backend import make_api_factory
    from tui.config import Settings

    settings = Settings(region=REGION, endpoint_url=url, refresh=REFRESH, cluster="scale-10k")
    factory, _ = make_api_factory(settings)
    app = HyperPodApp(settings, factory)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await _wait_until(
            lambda: (
                getattr(getattr(screen, "state", None), "focus_snapshot", None) is not None
                and screen.nodes_table.row_count == NODES
            ),
            timeout=120,
        )
        table = screen.nodes_table
        table.focus()
        await pilot.pause(0.2)
        watch = FrameWatch(app)
        driver = app._driver
        latencies: list[float] = []
        first_refresh = screen.state.focus_snapshot.fetched_at
        end = time.perf_counter() + seconds
        for key in itertools.cycle(KEYS):
            if time.perf_counter() >= end:
                break
            before = table.cursor_key
            watch.expect(lambda _text, before=before: table.cursor_key != before)
            sent = time.perf_counter()
            driver.send_message(events.Key(key, None))
            frame = await watch.wait(timeout=10)
            latencies.append(frame.wall - sent)
            await asyncio.sleep(max(0.0, KEY_INTERVAL - (time.perf_counter() - sent)))
        refreshed = screen.state.focus_snapshot.fetched_at > first_refresh
    return latencies, int(refreshed)


def run(ctx: Context) -> list[Metric]:
    seconds = 8.0 if ctx.quick else 20.0
    latencies, refreshed = asyncio.run(measure_latencies(ctx.url, seconds))
    ms = [value * 1000 for value in latencies]
    p99 = percentile(ms, 0.99)
    notes = (
        f"{len(ms)} keys over {seconds:g} s while refreshing every {REFRESH:g} s "
        f"({'refreshes seen' if refreshed else 'NO refresh completed'}); p50 {median(ms):.1f} ms, "
        f"p90 {percentile(ms, 0.9):.1f} ms, max {max(ms):.1f} ms; from the key to the frame showing the "
        "moved cursor, frames paced at 60 fps"
    )
    return [
        Metric(
            "3. key → frame latency p99 (10k nodes, refresh 2 s)",
            round(p99, 2),
            "ms",
            "≤ 50 ms",
            p99 <= 50.0,
            notes,
            samples={"ours": [round(v, 2) for v in ms]},
        )
    ]
