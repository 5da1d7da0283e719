"""Slurm's view and actions driven like a user against the simulator: sinfo on the controller through the stand-in
plugin on a pty, the SLURM column, K → drain with a reason → the column says drained, read-only, the journal."""

from __future__ import annotations

import pytest

from tests.app.shell_support import main_screen, wait_until
from tests.harness import make_app, notices, settle, type_text
from tui.core import slurm
from tui.core.journal import default_journal_path, read_journal
from tui.screens.run import RunResultsScreen
from tui.screens.slurm import SlurmActionScreen

SLURM = "llm-pretrain-slurm"
SIZE = (120, 40)


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def on_slurm(pilot, app):
    await settle(pilot)
    main = main_screen(app)
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.nodes_table.focus()
    await pilot.pause()
    return main


def slurm_cell(main, key):
    return main.nodes_table.row(key).values[slurm.SLURM_INDEX]


async def poll(pilot, main):
    main.app.simulator.clock.advance(1)  # a frozen clock: the refresh the answer asks for must be newer
    before = main.slurm.polls
    main.action_slurm()
    await wait_until(pilot, lambda: main.slurm.polls > before and SLURM in main.slurm.answers, "sinfo", timeout=20)
    await settle(pilot)


async def test_slurm_column_shows_sinfo_and_k_drain_changes_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        assert "slurm" in main.nodes_table.model.absent  # nothing asked yet: no column
        await poll(pilot, main)
        assert "slurm" not in main.nodes_table.model.absent
        faulty = app.simulator.landmarks["health_event_node"]
        cell = slurm_cell(main, faulty)
        assert cell[0][0] == "drained" and cell[1][0].startswith("Action:Replace")
        # the health signal (source e) reaches HEALTH through the next refresh
        await settle(pilot)
        snapshot = main.state.focus_snapshot
        signals = [s.source for s in snapshot.verdicts[faulty].current] if faulty in snapshot.verdicts else []
        assert "Slurm" in signals
        snap_nodes = snapshot.nodes.values()
        target = sorted(
            n.key for n in snap_nodes if n.group == "worker-group-1" and n.status == "Running" and n.key != faulty
        )[0]
        assert slurm_cell(main, target)[0][0] in ("idle", "allocated")
        main.nodes_table.mark_keys([target])
        await pilot.press("K")
        await pilot.pause()
        assert isinstance(app.screen, SlurmActionScreen)
        reason = app.screen.query_one("#slurm-reason")
        reason.focus()
        await type_text(pilot, "bad gpu")
        reason.value = 'bad "GPU"; $(reboot)'  # what a shell would act on, sent as one argument
        await pilot.pause()
        await pilot.press("enter")  # to the confirm button
        await pilot.pause()
        assert app.screen.focused.id == "confirm"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunResultsScreen)
        results = app.screen
        await wait_until(pilot, lambda: results.finished, "scontrol to finish", timeout=20)
        await pilot.press("escape")
        await wait_until(pilot, lambda: main.slurm.schedule(SLURM).running is False, "the poll", timeout=20)
        await settle(pilot)
        cell = slurm_cell(main, target)
        assert cell[0][0] == "drained"
        assert cell[1][0].startswith('bad "GPU"; $(reboot)')
        # journaled write-ahead: one attempt (the polls are reads and are not journaled), intent then result
        (attempt,) = read_journal(default_journal_path(demo=True)).attempts
        assert attempt.intent["slurm_action"] == "drain"
        assert attempt.intent["command"] == (
            f"scontrol update node={slurm.slurm_name(main.state.focus_snapshot.nodes[target].hostname)} "
            """state=drain reason='bad "GPU"; $(reboot)'"""
        )
        assert attempt.intent["target_node_ids"] == [target]
        assert not attempt.unpaired


async def test_read_only_refuses_k():
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        key = main.nodes_table.cursor_key
        main.nodes_table.mark_keys([key])
        await pilot.press("K")
        await pilot.pause()
        assert not isinstance(app.screen, SlurmActionScreen)
        assert any("Read-only" in text for text, _severity in notices(app))
        main.action_slurm("drain")
        await pilot.pause()
        assert not isinstance(app.screen, SlurmActionScreen)
        assert not [c for c in app.simulator.calls if c.operation == "StartSession"]
