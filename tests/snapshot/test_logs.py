"""SVG snapshots of the lifecycle-log screen (under snapshots/test_logs/): frozen simulator clock, fixed size.

Look at a changed SVG as a picture before accepting it (`rsvg-convert` to PNG).
"""

from __future__ import annotations

import pytest

from tests.harness import make_app, settle
from tui.screens.logs import LogScreen

SIZE = (130, 42)


@pytest.fixture(autouse=True)
def _still(monkeypatch):
    monkeypatch.setattr(LogScreen, "follow_interval", 3600.0)


async def _failing_node_log(pilot) -> None:
    await settle(pilot)
    main = pilot.app.screen
    main.jump_to_cluster("llm-pretrain-slurm")
    await settle(pilot)
    main.jump_to_node(pilot.app.simulator.landmarks["failed_node"])
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)


class TestLogViewer:
    def test_failing_node_log(self, snap_compare):
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_failing_node_log)

    def test_search_highlights_matches(self, snap_compare):
        async def run_before(pilot):
            await _failing_node_log(pilot)
            await pilot.press("slash", *"lustre", "enter")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_light_theme(self, snap_compare):
        assert snap_compare(make_app(theme="hyperpod-light"), terminal_size=SIZE, run_before=_failing_node_log)
