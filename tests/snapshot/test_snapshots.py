"""SVG snapshots (under snapshots/test_snapshots/): frozen simulator clock, fixed size, refresh off, no blink.

Look at a changed SVG as a picture before accepting it (`make snapshots`, then `rsvg-convert` to PNG).
"""

from __future__ import annotations

import pytest

from tests.harness import make_app, settle

SIZE = (130, 42)


async def _settled(pilot) -> None:
    await settle(pilot)


class TestExplorer:
    def test_clusters_pane(self, snap_compare):
        assert snap_compare(make_app(), terminal_size=SIZE, run_before=_settled)

    def test_slurm_cluster_with_failure_banner(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_groups_pane(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down", "tab")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_nodes_pane_of_one_group(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down", "tab", "down", "down", "enter")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_filter(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down", "tab", "tab", "slash", *"status:fail")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


class TestDetails:
    def test_failing_node_detail(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down", "tab", "tab", "enter")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_cluster_detail(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("down", "d")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


class TestHelp:
    def test_help_screen(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


async def _slurm(pilot) -> None:
    await settle(pilot)
    await pilot.press("down")
    await settle(pilot)


class TestThemes:
    @pytest.mark.parametrize("theme", ["hyperpod-light", "hyperpod-high-contrast"])
    def test_theme(self, snap_compare, theme):
        assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=_slurm)

    def test_every_status_colour(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await pilot.press("tab", "tab")

        assert snap_compare(make_app("zoo"), terminal_size=SIZE, run_before=run_before)
