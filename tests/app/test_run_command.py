"""Run a command on marked nodes (`x`, `:run`), driven like a user against the simulator: the stand-in plugin on a
real pty per node, StartSession at the simulator's 3 per second, the grouped results, marks, save, cancel, the
journal, read-only."""

from __future__ import annotations

import pytest

from tests.app.shell_support import main_screen, wait_until
from tests.harness import make_app, notices, settle, type_text
from tui.core import run
from tui.core.journal import default_journal_path, read_journal
from tui.screens.run import ConfirmRunScreen, RunPromptScreen, RunResultsScreen

SLURM = "llm-pretrain-slurm"
SIZE = (80, 24)


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


def p5_workers(app, count: int) -> list[str]:
    """`count` running p5 workers, the demo's XID node last."""
    faulty = app.simulator.landmarks["health_event_node"]
    nodes = main_screen(app).state.focus_snapshot.nodes.values()
    healthy = sorted(
        n.instance_id
        for n in nodes
        if n.group == "worker-group-1" and n.status == "Running" and n.instance_id != faulty
    )
    return [*healthy[: count - 1], faulty]


async def run_on(pilot, app, node_ids, command: str, *, shell: bool = False) -> RunResultsScreen:
    main = main_screen(app)
    main.nodes_table.mark_keys(node_ids)
    await pilot.press("x")
    await pilot.pause()
    assert isinstance(app.screen, RunPromptScreen)
    await type_text(pilot, command)
    if shell:
        app.screen.query_one("#run-shell").value = True
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmRunScreen)
    await pilot.press("y")
    await pilot.pause()
    assert isinstance(app.screen, RunResultsScreen)
    return app.screen


async def test_nvidia_smi_on_marked_nodes_the_xid_node_is_its_own_group_and_enter_marks_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        nodes = p5_workers(app, 5)
        results = await run_on(pilot, app, nodes, "nvidia-smi")
        await wait_until(pilot, lambda: results.finished, "the run to finish", timeout=30)
        groups = results.groups()
        assert [len(g.node_ids) for g in groups] == [4, 1]
        faulty = nodes[-1]
        assert groups[1].node_ids == (faulty,) and "Xid" in groups[1].body
        assert {s.status for s in app.simulator.sessions} == {"Terminated"}
        starts = [c for c in app.simulator.calls if c.operation == "StartSession"]
        assert len(starts) >= 5
        # Enter on the outlier group lists it and marks exactly its node in the nodes pane
        table = results.query_one("#run-groups")
        table.move_cursor_to(run_group_key(groups[1]))
        await pilot.press("enter")
        await pilot.pause()
        assert main.nodes_table.marks == {faulty}
        body = str(results.query_one("#run-body").render())
        assert "1 node:" in body and faulty in body
        # the journal: the command, the document, the nodes and their outcomes; no output
        path = default_journal_path(demo=True)
        (attempt,) = read_journal(path).attempts
        assert attempt.intent["command"] == "nvidia-smi"
        assert attempt.intent["document"] == "AWS-StartNonInteractiveCommand"
        assert sorted(attempt.intent["node_ids"]) == sorted(nodes)
        assert {n["outcome"] for n in attempt.result["nodes"]} == {"done"}
        assert "H100" not in path.read_text()


def run_group_key(group: run.OutputGroup) -> str:
    from tui.screens.run import group_key

    return group_key(group)


async def test_hostname_each_node_answers_its_own_name_and_s_saves_every_output(tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.runs.save_root = tmp_path / "saved"
        nodes = p5_workers(app, 3)
        results = await run_on(pilot, app, nodes, "hostname")
        await wait_until(pilot, lambda: results.finished, "the run to finish", timeout=30)
        snapshot = main.state.focus_snapshot
        outputs = {node_id: results.nodes[node_id].output for node_id in nodes}
        assert outputs == {node_id: snapshot.nodes[node_id].hostname.split(".")[0] for node_id in nodes}
        await pilot.press("s")
        await pilot.pause()
        (saved,) = (tmp_path / "saved").iterdir()
        assert sorted(p.name for p in saved.iterdir()) == sorted([*(f"{n}.txt" for n in nodes), "summary.txt"])
        assert (saved / f"{nodes[0]}.txt").read_text().strip() == outputs[nodes[0]]
        assert "Saved 3 outputs" in results.note


async def test_escape_while_running_stops_queued_nodes_and_ends_every_session():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        nodes = sorted(n.key for n in main.state.focus_snapshot.nodes.values() if n.status == "Running")[:12]
        results = await run_on(pilot, app, nodes, "hostname")
        await wait_until(pilot, lambda: any(n.state == run.DONE for n in results.nodes.values()), "a first node")
        await pilot.press("escape")
        await wait_until(pilot, lambda: results.finished, "the run to stop", timeout=30)
        states = [n.state for n in results.nodes.values()]
        assert run.CANCELLED in states  # 12 nodes at 3/s: most never started
        started = [c for c in app.simulator.calls if c.operation == "StartSession" and c.error is None]
        assert len(started) < len(nodes)
        assert {s.status for s in app.simulator.sessions} == {"Terminated"}
        assert isinstance(app.screen, RunResultsScreen)  # the first Esc stops, it does not close
        await pilot.press("escape")
        assert not isinstance(app.screen, RunResultsScreen)


async def test_read_only_refuses_the_key_and_the_command_line():
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        await pilot.press("x")
        await pilot.pause()
        main.action_run_command()
        await pilot.pause()
        assert not isinstance(app.screen, RunPromptScreen)
        assert any("Read-only" in text for text, _ in notices(app))
        assert not [c for c in app.simulator.calls if c.operation == "StartSession"]


async def test_cancel_at_the_confirmation_sends_nothing():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.nodes_table.mark_keys(p5_workers(app, 2))
        await pilot.press("x")
        await type_text(pilot, "hostname")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRunScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not [c for c in app.simulator.calls if c.operation == "StartSession"]
        assert not read_journal(default_journal_path(demo=True)).attempts


async def test_markup_in_the_command_and_the_output_stays_text():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_slurm(pilot, app)
        results = await run_on(pilot, app, p5_workers(app, 1), "echo [/] [bold]x[@click=app.quit]")
        await wait_until(pilot, lambda: results.finished, "the run to finish", timeout=30)
        (node,) = results.nodes.values()
        assert node.output == "[/] [bold]x[@click=app.quit]"
        assert "[/] [bold]x[@click=app.quit]" in str(results.query_one("#run-body").render())
        assert app.is_running


async def test_colon_run_opens_the_prompt_for_the_marked_nodes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.nodes_table.mark_keys(p5_workers(app, 3))
        await pilot.press("colon")
        await type_text(pilot, "run")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunPromptScreen) and app.screen.count == 3


async def test_q_asks_first_while_a_command_runs():
    from tui.screens.ask import AskScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        nodes = sorted(n.key for n in main.state.focus_snapshot.nodes.values() if n.status == "Running")[:9]
        results = await run_on(pilot, app, nodes, "hostname")
        await app.action_quit()  # ctrl+q from the results, or q once they are closed
        await pilot.pause()
        assert isinstance(app.screen, AskScreen) and "command is running" in str(app.screen.question)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # stop it
        await wait_until(pilot, lambda: results.finished, "the run to stop", timeout=30)


async def test_shell_form_by_keys_enter_on_the_box_continues():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.nodes_table.mark_keys(p5_workers(app, 1))
        await pilot.press("x")
        await type_text(pilot, "nvidia-smi -q | grep -i xid")
        await pilot.press("tab")
        await pilot.press("space")
        await pilot.pause()
        assert app.screen.query_one("#run-shell").value is True
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRunScreen)
        assert app.screen.spec.shell and app.screen.spec.document == "AWS-StartInteractiveCommand"
        await pilot.press("y")
        results = app.screen
        await wait_until(pilot, lambda: results.finished, "the run to finish", timeout=30)
        (node,) = results.nodes.values()
        assert "Xid" in node.output and node.exit_hint == "exit 0"
