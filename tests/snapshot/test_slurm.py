"""SVG snapshots of Slurm's view (under snapshots/test_slurm/): the nodes pane with the SLURM column after one
sinfo on the demo's controller, and the Slurm action dialog on marked nodes, at 80×24 and 120×40."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.app.shell_support import wait_until
from tests.harness import make_app, settle

STATE_HOME = Path("/tmp/hyperpod-tui-snapshots/slurm-state")
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def _fixed_state_home(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(STATE_HOME))
    yield
    shutil.rmtree(STATE_HOME, ignore_errors=True)


async def slurm_view(pilot):
    app = pilot.app
    await settle(pilot)
    main = app.screen
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.nodes_table.focus()
    app.simulator.clock.advance(1)  # a frozen clock: the refresh Slurm's health signals ask for must be newer
    main.action_slurm()
    await wait_until(pilot, lambda: SLURM in main.slurm.answers, "sinfo", timeout=30)
    await settle(pilot)

    def slurm_health_shown() -> bool:  # the refresh Slurm's health signals asked for has been painted
        verdicts = main.state.focus_snapshot.verdicts.values()
        return any(v.signal is not None and v.signal.source == "Slurm" for v in verdicts)

    await wait_until(pilot, slurm_health_shown, "Slurm's health signal", timeout=10)
    await settle(pilot)
    await wait_until(pilot, lambda: not main.nodes_table._flash_until, "the changed rows' flash to end", timeout=5)
    await pilot.pause()
    return main


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_nodes_pane_with_the_slurm_column(snap_compare, size):
    async def run_before(pilot):
        main = await slurm_view(pilot)
        await pilot.press("B")  # sorted by Slurm's state: down and drained first
        main.nodes_table.move_cursor_to(pilot.app.simulator.landmarks["health_event_node"])
        if size[0] == 80:  # the column is right of HEALTH: at 80 columns → scrolls to it
            await pilot.press(*["right"] * 40)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_slurm_action_dialog(snap_compare, size):
    async def run_before(pilot):
        main = await slurm_view(pilot)
        faulty = pilot.app.simulator.landmarks["health_event_node"]
        nodes = sorted(
            n.instance_id
            for n in main.state.focus_snapshot.nodes.values()
            if n.group == "worker-group-1" and n.status == "Running" and n.instance_id != faulty
        )[:2]
        main.nodes_table.mark_keys([*nodes, faulty])
        await pilot.press("K")
        await pilot.pause()
        reason = pilot.app.screen.query_one("#slurm-reason")
        reason.value = "GPU XID 79; replace after the job"
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
