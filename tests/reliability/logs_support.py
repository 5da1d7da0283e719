"""Opening a node's log in the real app against the in-process simulator, and counting its Logs calls."""

from __future__ import annotations

import asyncio
import time

from tests.harness import settle
from tui.screens.logs import LogScreen
from tui.screens.main import MainScreen

SIZE = (130, 42)
SLURM = "llm-pretrain-slurm"
LOGS_OPERATIONS = {"GetLogEvents", "FilterLogEvents", "DescribeLogStreams", "DescribeLogGroups"}


def logs_calls(app) -> int:
    """The log reader's calls (not the health sweep's FilterLogEvents over the HMA and deep-health-check results
    streams, bounded on its own:
    tests/sim/test_hma_sweep.py)."""
    return sum(
        1
        for call in list(app.simulator.calls)
        if call.operation in LOGS_OPERATIONS
        and not str(call.params.get("logStreamNamePrefix", "")).startswith(
            ("SagemakerHealthMonitoringAgent", "DeepHealthCheckResults")
        )
    )


async def open_failed_node_log(pilot) -> LogScreen:
    """`l` on the scenario's failing node (its failure message names the log); returns at once, loading."""
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.jump_to_node(app.simulator.landmarks["failed_node"])
    await settle(pilot)
    await pilot.press("l")
    await pilot.pause()
    assert isinstance(app.screen, LogScreen), app.screen
    return app.screen


async def run_for(pilot, seconds: float) -> None:
    """Let the app run (timers, workers, messages) for `seconds` of wall time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        await asyncio.sleep(0)


async def wait_loaded(pilot, screen: LogScreen, timeout: float = 10.0) -> None:
    """Until the load ends (bounded: a load that never ends fails the test instead of hanging it)."""
    deadline = time.monotonic() + timeout
    while screen.facts.loading or screen.follower is None and not screen.facts.problem:
        if time.monotonic() > deadline:
            raise AssertionError(f"the log was still loading after {timeout} s: {status_of(screen)}")
        await pilot.pause(0.05)


def status_of(screen: LogScreen) -> str:
    return str(screen.query_one("#log-status").render())
