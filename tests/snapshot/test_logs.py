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


async def _node_log(pilot, cluster: str, landmark: str, *keys: str) -> None:
    await settle(pilot)
    main = pilot.app.screen
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.jump_to_node(pilot.app.simulator.landmarks[landmark])
    await settle(pilot)
    await pilot.press("l")
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def _failing_node_log(pilot) -> None:
    await _node_log(pilot, "llm-pretrain-slurm", "failed_node")


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


class TestSmallTerminals:
    """The log view at the sizes operators' tmux splits have: the log keeps its rows, texts end with `…`."""

    @pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
    def test_failing_node_log(self, snap_compare, size):
        assert snap_compare(make_app(), terminal_size=size, run_before=_failing_node_log)

    @pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
    def test_three_attempts_collapsed(self, snap_compare, size):
        async def run_before(pilot):
            await _node_log(pilot, "genai-eks-prod", "retried_eks_node", "right_square_bracket")

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)

    def test_three_attempts_expanded_at_60x20(self, snap_compare):
        async def run_before(pilot):
            await _node_log(pilot, "genai-eks-prod", "retried_eks_node", "a", "right_square_bracket")

        assert snap_compare(make_app(), terminal_size=(60, 20), run_before=run_before)


class TestAttempts:
    def test_three_attempts_a_row_each_at_120x40(self, snap_compare):
        async def run_before(pilot):
            await _node_log(pilot, "llm-pretrain-slurm", "retried_node", "right_square_bracket", "w")

        assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)
