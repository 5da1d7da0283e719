"""Issue 14: event → frame. From a state-change message landing on the queue to the changed node row painted, at
10,000 nodes, with the 5-s polls off (only the stream can bring the change).

The real app (HyperPodApp, its stream worker and refresh path) against an in-process simulator on the wall clock,
scenario scale-10k, headless at 160×48. Each sample changes one Running node (a deep health check), which makes the
simulator put the service's envelope on the queue; the time runs until the node's new status is in the shown
snapshot and the next frame has been composed. The simulator answers an empty receive at once, so the worker
waits MIN_ROUND (0.5 s) between empty polls: that wait is part of every sample (real SQS long polls answer as soon
as a message lands, so this is an upper bound).
"""

from __future__ import annotations

import asyncio
import time

from bench.common import Context, Metric, limit_metric
from bench.key_latency import percentile

SAMPLES = 20
QUEUE = "hyperpod-tui-events-queue"


async def measure(samples: int) -> list[float]:
    from tui.app import HyperPodApp
    from tui.backend import demo_api
    from tui.config import Settings
    from tui.screens.main import MainScreen
    from tui.sim import SimClock, Simulator
    from tui.sim.model import DEEP_HEALTH_CHECK, RUNNING

    sim = Simulator("scale-10k", clock=SimClock(), seed=7, churn=False)
    settings = Settings(demo=True, demo_scenario="scale-10k", refresh=0.0, events_queue=QUEUE)
    app = HyperPodApp(settings, lambda: demo_api(sim), clock=sim.clock.now, simulator=sim)
    out: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        deadline = time.monotonic() + 120
        while main.header.events != "events: live" or main.state.focus_snapshot is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the stream did not go live")
            await pilot.pause(0.05)
        world = sim.world
        cluster = world.clusters[main.state.focus]
        cluster.continuous = True  # scale-10k is not Continuous: let its node changes be Cluster Events
        nodes = [n for n in cluster.nodes.values() if n.status == RUNNING][:samples]
        for node in nodes:
            await pilot.pause(0.3)
            started = time.monotonic()
            with world.lock:
                world.hold_status(cluster, node, DEEP_HEALTH_CHECK, world.now, world.now + 3600)
            while True:
                snapshot = main.state.focus_snapshot
                if snapshot is not None and snapshot.nodes[node.instance_id].status == DEEP_HEALTH_CHECK:
                    break
                await pilot.pause(0.005)
            await pilot.pause()  # the frame with the row
            out.append(time.monotonic() - started)
        main.stream.stop()
    return out


def run(ctx: Context) -> list[Metric]:
    values = asyncio.run(measure(8 if ctx.quick else SAMPLES))
    p99 = percentile(values, 0.99)
    return [
        limit_metric(
            "event → frame p99 (scale-10k, stream only)",
            p99,
            unit="s",
            limit=1.0,
            notes=f"{len(values)} samples; includes the worker's 0.5-s wait between empty simulator polls",
            samples=values,
        )
    ]
