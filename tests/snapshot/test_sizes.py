"""SVG snapshots at the sizes operators use in tmux splits (under snapshots/test_sizes/): the main screen with the
Slurm cluster's failure band and its nodes focused, and a confirmation, at 80×24 and 60×20."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness import make_app, settle

SIZES = [(80, 24), (60, 20)]
STATE_HOME = Path("/tmp/hyperpod-tui-snapshots/sizes-state")


@pytest.fixture(autouse=True)
def _fixed_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(STATE_HOME))
    yield
    shutil.rmtree(STATE_HOME, ignore_errors=True)


async def _slurm_nodes(pilot, query: str = "") -> None:
    await settle(pilot)
    main = pilot.app.screen
    main.jump_to_cluster("llm-pretrain-slurm")
    await settle(pilot)
    main.nodes_table.focus()
    main.nodes_table.set_filter(query)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
class TestSmallTerminals:
    def test_main_screen_nodes_focused(self, snap_compare, size):
        assert snap_compare(make_app(), terminal_size=size, run_before=_slurm_nodes)

    def test_clusters_focused_with_the_nodes_preview(self, snap_compare, size):
        assert snap_compare(make_app(), terminal_size=size, run_before=lambda pilot: settle(pilot))

    def test_reboot_confirmation_of_a_large_batch(self, snap_compare, size):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "group:worker-group-2")
            await pilot.press("ctrl+a", "R")
            await pilot.pause()
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
