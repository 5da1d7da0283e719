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
        def slurm_signal_judged() -> bool:
            verdict = main.state.focus_snapshot.verdicts.get(faulty)
            return verdict is not None and "Slurm" in [s.source for s in verdict.current]

        await wait_until(pilot, slurm_signal_judged, "the HEALTH verdict with Slurm's signal", timeout=10)
        await settle(pilot)
        snapshot = main.state.focus_snapshot
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
        assert app.screen.focused is reason  # drain needs a reason: typing goes there at once
        await type_text(pilot, "bad gpu")
        assert reason.value == "bad gpu"
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


async def test_polls_never_overlap_a_request_during_one_runs_once_after_and_the_pace_holds():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.action_slurm()
        main.action_slurm()  # during the first: remembered
        main.action_slurm()  # remembered once, not twice
        assert main.slurm.polls == 1
        await wait_until(pilot, lambda: main.slurm.polls == 2, "the second poll", timeout=20)
        await settle(pilot)
        assert main.slurm.polls == 2
        sinfo = [
            c
            for c in app.simulator.calls
            if c.operation == "StartSession" and "sinfo" in str(c.params.get("Parameters"))
        ]
        assert len(sinfo) == 2
        main.slurm.tick()  # the 30 s pace: nothing is due right after a poll
        await settle(pilot)
        assert main.slurm.polls == 2


async def test_a_failing_sinfo_says_why_once_and_nothing_else_breaks():
    app = make_app(ssm_plugin="/nonexistent/session-manager-plugin")
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        rows = main.nodes_table.row_count
        for _ in range(3):
            main.action_slurm()
            await settle(pilot)
        said = [text for text, _severity in notices(app) if text.startswith("Slurm view of")]
        assert len(said) == 1, said
        assert main.slurm.problems[SLURM]
        title = str(main.query_one("#nodes-pane").border_title)
        assert "Slurm:" in title
        assert main.nodes_table.row_count == rows  # the nodes pane as it was
        cell = main.nodes_table.row(main.nodes_table.cursor_key).values[slurm.SLURM_INDEX]
        assert cell == ()


async def test_no_controller_running_is_said_and_no_session_is_started():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster("research-slurm-dev")  # still being created: its controller is Pending
        await settle(pilot)
        main.action_slurm()
        await settle(pilot)
        assert "controller" in main.slurm.problems["research-slurm-dev"]
        assert not [c for c in app.simulator.calls if c.operation == "StartSession"]


async def test_a_journal_that_cannot_be_written_sends_no_scontrol(tmp_path):
    from tui.core.journal import Journal

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        (tmp_path / "file").write_text("x")
        main.runs.journal = Journal(tmp_path / "file" / "journal.jsonl")  # a file where its directory should be
        target = main.nodes_table.cursor_key
        main.nodes_table.mark_keys([target])
        main.action_slurm("resume")
        await pilot.pause()
        assert isinstance(app.screen, SlurmActionScreen)
        app.screen.query_one("#confirm").press()
        await pilot.pause()
        results = app.screen
        assert isinstance(results, RunResultsScreen)
        await wait_until(pilot, lambda: results.finished, "the refusal", timeout=20)
        assert not [c for c in app.simulator.calls if "scontrol" in str(c.params.get("Parameters"))]
        assert any("Journal not written" in text for text, _severity in notices(app))


async def test_r_reads_the_slurm_view_again_once_there_is_one_and_k_on_eks_is_kubernetes_not_slurm():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        await pilot.press("r")
        await settle(pilot)
        assert main.slurm.polls == 0  # no view asked for yet: `r` lists nodes only
        await poll(pilot, main)
        await pilot.press("r")
        await settle(pilot)
        assert main.slurm.polls == 2
        main.jump_to_cluster("genai-eks-prod")
        await settle(pilot)
        assert "slurm" in main.nodes_table.model.absent  # no SLURM column for EKS
        main.nodes_table.focus()
        await pilot.press("K")
        await pilot.pause()
        assert not isinstance(app.screen, SlurmActionScreen)
        # K on an EKS cluster is Kubernetes' (tui/controllers/kube.py), here with the view off (the harness's --no-kube)
        assert any("Kubernetes view is off" in text for text, _severity in notices(app))
