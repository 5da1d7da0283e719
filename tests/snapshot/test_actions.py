"""SVG snapshots of the batch-action modals and the results view (under snapshots/test_actions/).

The journal goes to a fixed directory so the path the results view prints is the same on every run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.harness import make_app, settle

SIZE = (130, 42)
STATE_HOME = Path("/tmp/hyperpod-tui-snapshots/state")


@pytest.fixture(autouse=True)
def _fixed_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(STATE_HOME))
    yield
    shutil.rmtree(STATE_HOME, ignore_errors=True)


async def _slurm_nodes(pilot, query: str) -> None:
    await settle(pilot)
    main = pilot.app.screen
    main.jump_to_cluster("llm-pretrain-slurm")
    await settle(pilot)
    main.nodes_table.focus()
    main.nodes_table.set_filter(query)
    await pilot.pause()


class TestBatchActions:
    def test_reboot_confirmation(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "group:worker-group-1")
            await pilot.press("space", "space", "space", "R")  # the Pending node brings a caution
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_replace_confirmation_with_the_name_typed(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "group:worker-group-2")
            await pilot.press("space", "space", "P", *"llm-pretrain-slurm")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_delete_confirmation(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "status:running group:worker-group-2")
            await pilot.press("space", "space", "D")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_refused_controller(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "group:controller")
            await pilot.press("space", "P")
            await pilot.pause()

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_dry_run_confirmation(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "status:running group:worker-group-1")
            await pilot.press("R")
            await pilot.pause()

        assert snap_compare(make_app(dry_run=True), terminal_size=SIZE, run_before=run_before)

    def test_results_with_a_partial_failure(self, snap_compare):
        async def run_before(pilot):
            await _slurm_nodes(pilot, "status:running group:worker-group-2")
            failing = pilot.app.screen.nodes_table.visible_keys[1]
            pilot.app.simulator.faults.node_failure(failing, "InstanceIdInUse")
            await pilot.press("space", "space", "space", "R", "y")
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
