"""SVG snapshot of the results of a command run on marked nodes (under snapshots/test_run/), at 80×24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.app.shell_support import wait_until
from tests.harness import make_app, settle, type_text

STATE_HOME = Path("/tmp/hyperpod-tui-snapshots/run-state")


@pytest.fixture(autouse=True)
def _fixed_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(STATE_HOME))
    yield
    shutil.rmtree(STATE_HOME, ignore_errors=True)


def test_nvidia_smi_results_at_80x24(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster("llm-pretrain-slurm")
        await settle(pilot)
        main.nodes_table.focus()
        faulty = app.simulator.landmarks["health_event_node"]
        nodes = sorted(
            n.instance_id
            for n in main.state.focus_snapshot.nodes.values()
            if n.group == "worker-group-1" and n.status == "Running" and n.instance_id != faulty
        )[:4]
        main.nodes_table.mark_keys([*nodes, faulty])
        await pilot.press("x")
        await type_text(pilot, "nvidia-smi")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        results = app.screen
        await wait_until(pilot, lambda: results.finished, "the run to finish", timeout=30)
        results.started, results.finished_at = 0.0, 2.0  # the elapsed time a frame shows, fixed
        results._repaint()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
