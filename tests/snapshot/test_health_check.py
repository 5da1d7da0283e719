"""SVG snapshots of the deep health check: the check picker and the confirmation (under snapshots/test_health_check/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness import make_app, settle

STATE_HOME = Path("/tmp/hyperpod-tui-snapshots/state-dhc")


@pytest.fixture(autouse=True)
def _fixed_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(STATE_HOME))
    yield
    shutil.rmtree(STATE_HOME, ignore_errors=True)


async def _gpu_workers(pilot) -> None:
    await settle(pilot)
    main = pilot.app.screen
    main.jump_to_cluster("genai-eks-prod")
    await settle(pilot)
    main.nodes_table.focus()
    main.nodes_table.set_filter("group:gpu-workers status:running")
    await pilot.pause()


async def _three_marked(pilot, *keys: str) -> None:
    await _gpu_workers(pilot)
    await pilot.press("space", "space", "space", "C", *keys)
    await pilot.pause()


class TestDeepHealthCheck:
    def test_confirmation(self, snap_compare):
        async def run_before(pilot):
            await _three_marked(pilot, "enter")

        assert snap_compare(make_app(), terminal_size=(130, 42), run_before=run_before)

    def test_confirmation_80x24(self, snap_compare):
        async def run_before(pilot):
            await _three_marked(pilot, "enter")

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)

    def test_picker_80x24(self, snap_compare):
        async def run_before(pilot):
            await _three_marked(pilot, "3")

        assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)

    def test_whole_group_confirmation(self, snap_compare):
        async def run_before(pilot):
            await _gpu_workers(pilot)
            groups = pilot.app.screen.groups_table
            groups.focus()
            groups.move_cursor_to("training-p5")
            await pilot.press("C", "enter")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=(130, 42), run_before=run_before)
