"""Marks and batch reboot / replace / delete, driven with keys against the in-process simulator.

Every test that could run an action points XDG_STATE_HOME at a temporary directory (the `state_home` fixture),
so no test writes to the real journal.
"""

from __future__ import annotations

import json
import os
import random
import stat

import pytest

from tests import harness
from tests.harness import make_app, settle, sim_client
from tui.screens.action_results import ActionResultsScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.main import MainScreen
from tui.sim.builder import DAY, ClusterBuilder, GroupSpec
from tui.widgets.node_table import NodeTable
from tui.widgets.resource_table import ResourceTable

SIZE = (140, 45)
SLURM, EKS = "llm-pretrain-slurm", "genai-eks-prod"
BATCH_OPS = ("BatchRebootClusterNodes", "BatchReplaceClusterNodes", "BatchDeleteClusterNodes")


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def journal_lines(state_home) -> list[dict]:
    path = state_home / "hyperpod-tui" / "demo-actions.jsonl"  # make_app runs --demo
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def journal_calls(state_home) -> list[tuple[dict, dict | None]]:
    """(intent, its result or None) per attempt, in the order the intents were written."""
    lines = journal_lines(state_home)
    results = {line["id"]: line for line in lines if line["kind"] == "result"}
    return [(line, results.get(line["id"])) for line in lines if line["kind"] == "intent"]


def batch_calls(sim) -> list:
    return [call for call in sim.calls if call.operation in BATCH_OPS]


def notices(app) -> list[str]:
    return [text for text, _ in harness.notices(app)]


def main_screen(app) -> MainScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, MainScreen)
    return screen


async def open_nodes(pilot, cluster: str, query: str = "") -> MainScreen:
    """Open `cluster`, focus its nodes pane, and filter it with `query`."""
    await settle(pilot)
    main = main_screen(pilot.app)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.nodes_table.focus()
    if query:  # typing a filter is the explorer tests' job; here it only chooses the nodes
        main.nodes_table.set_filter(query)
    await pilot.pause()
    return main


def result_rows(app) -> dict[str, tuple]:
    screen = app.screen
    assert isinstance(screen, ActionResultsScreen), screen
    table = screen.query_one("#results-nodes", ResourceTable)
    return {key: table.row(key).values for key in table.visible_keys}


def outcome(values: tuple) -> str:
    return values[2][0][0]


async def test_mark_three_reboot_confirm_three_successful_and_one_journalled_attempt(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-1 status:running")
        nodes = main.nodes_table
        marked = list(nodes.visible_keys[:3])
        await pilot.press("space", "space", "space")
        assert nodes.marks == set(marked)
        assert "3 marked" in main.query_one("#nodes-pane").border_title
        await pilot.press("R", "n")  # n says no
        assert isinstance(app.screen, MainScreen) and nodes.marks == set(marked)
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmActionScreen)
        assert batch_calls(sim) == []  # nothing before the confirmation
        await pilot.press("y")
        await settle(pilot)
        rows = result_rows(app)
        assert {key: outcome(values) for key, values in rows.items()} == {key: "Successful" for key in marked}
        [(line, result)] = journal_calls(state_home)
        assert line["operation"] == "BatchRebootClusterNodes" and sorted(line["node_ids"]) == sorted(marked)
        assert line["cluster"] == SLURM and line["dry_run"] is False
        assert result is not None and result["outcome"] == "Successful"
        assert sorted(node["node_id"] for node in result["nodes"]) == sorted(marked)
        [call] = batch_calls(sim)
        assert sorted(call.params["NodeIds"]) == sorted(marked)
        await pilot.press("escape")
        assert nodes.marks == set()  # successful nodes are unmarked
        sim.clock.advance(3)
        await pilot.press("r")
        await settle(pilot)
        assert {main.state.focus_snapshot.nodes[key].status for key in marked} == {"Pending"}
        sim.clock.advance(30)
        await pilot.press("r")
        await settle(pilot)
        assert {main.state.focus_snapshot.nodes[key].status for key in marked} == {"Running"}


async def test_failed_node_and_two_others_reboot_from_the_top_of_the_list(state_home):
    """The newcomer's path: the failed node sorts first; space marks and moves down."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        nodes = main.nodes_table
        failed = app.simulator.landmarks["failed_node"]
        assert nodes.cursor_key == failed
        await pilot.press("space", "down", "space", "space", "R", "y")  # skips the Pending node
        await settle(pilot)
        rows = result_rows(app)
        assert failed in rows and all(outcome(values) == "Successful" for values in rows.values())
        assert len(journal_calls(state_home)) == 1


async def test_replace_sixty_takes_three_calls_and_nodes_move(state_home):
    app = make_app()
    sim = app.simulator
    with sim.world.lock:
        ClusterBuilder(sim.world, random.Random(3)).cluster(
            "big-eks", "Eks", "InService", sim.world.start - 3 * DAY, [GroupSpec.running("gpu", "ml.g5.8xlarge", 60)]
        )
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, "big-eks")
        old_ids = set(main.nodes_table.visible_keys)
        assert len(old_ids) == 60
        await pilot.press("ctrl+a", "P")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        button = confirm.query_one("#confirm")
        assert button.disabled and app.focused is confirm.query_one("#cancel")
        await pilot.press(*"big-ek")
        assert button.disabled
        await pilot.press("s")
        assert not button.disabled
        await pilot.press("enter")
        await settle(pilot)
        lines = [intent for intent, _ in journal_calls(state_home)]
        assert len(lines) == 3 and sorted(len(line["node_ids"]) for line in lines) == [10, 25, 25]
        assert {n for line in lines for n in line["node_ids"]} == old_ids
        assert len(batch_calls(sim)) == 3
        assert all(outcome(values) == "Successful" for values in result_rows(app).values())
        await pilot.press("escape")
        assert main.nodes_table.marks == set()
        sim.clock.advance(2)
        await pilot.press("r")
        await settle(pilot)
        assert {node.status for node in main.state.focus_snapshot.nodes.values()} == {"ShuttingDown"}
        sim.clock.advance(20)
        await pilot.press("r")
        await settle(pilot)
        now = set(main.state.focus_snapshot.nodes)
        assert len(now) == 60 and not (now & old_ids)


async def test_delete_without_typing_the_name_changes_nothing(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "status:running group:worker")
        await pilot.press("space", "D")
        assert isinstance(app.screen, ConfirmActionScreen)
        confirm = app.screen
        await pilot.press("y")  # only a reboot confirms with y; here it is typed into the name box
        assert confirm.query_one("#confirm-name").value == "y" and confirm.query_one("#confirm").disabled
        await pilot.press("enter")  # submits a name that does not match
        await pilot.click("#confirm")  # the disabled Delete button
        await pilot.pause()
        assert app.screen is confirm
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmActionScreen)
        await pilot.press("D", "enter")  # Enter on the initial focus cancels too
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert batch_calls(sim) == [] and journal_lines(state_home) == []
        assert len(main.nodes_table.marks) == 1
        assert any("cancelled" in text for text in notices(app))


async def test_read_only_hides_the_actions_and_says_why(state_home):
    app = make_app(read_only=True)
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        active = {binding.binding.id for binding in main.active_bindings.values()}
        assert "mark" in active and not active & {"reboot", "replace", "delete"}
        await pilot.press("space", "R", "P", "D")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert batch_calls(sim) == [] and journal_lines(state_home) == []
        assert sum("Read-only" in text for text in notices(app)) == 3


async def test_actions_live_only_in_the_nodes_pane(state_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        assert app.focused is main.clusters_table
        active = {binding.binding.id for binding in main.active_bindings.values()}
        assert not active & {"mark", "mark-all", "unmark-all", "reboot", "replace", "delete"}
        await pilot.press("R")
        assert isinstance(app.screen, MainScreen)
        assert any("nodes pane" in text for text in notices(app))
        main.nodes_table.focus()
        await pilot.pause()
        active = {binding.binding.id for binding in main.active_bindings.values()}
        assert {"mark", "mark-all", "unmark-all", "reboot", "replace", "delete"} <= active


def posted_of(posted: list, kinds) -> list:
    """The messages of `kinds` in a message_hook's list, once each (the hook sees a message at every hop)."""
    return list({id(message): message for message in posted if isinstance(message, kinds)}.values())


async def test_a_node_key_in_the_clusters_pane_sends_nothing_and_says_why(state_home):
    posted: list = []
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        main = main_screen(app)
        assert app.focused is main.clusters_table
        await pilot.press("R", "space", "s", "y")
        await settle(pilot)
        requests = (NodeTable.ActionRequested, NodeTable.ShellRequested, NodeTable.CopyCommandRequested)
        assert posted_of(posted, requests) == []
        assert isinstance(app.screen, MainScreen) and main.nodes_table.marks == set()
        assert batch_calls(sim) == [] and journal_lines(state_home) == []
        assert any("Reboot acts on nodes: go to the nodes pane (tab)" in text for text in notices(app))


async def test_a_node_action_rebound_by_id_runs_from_the_nodes_pane(state_home):
    posted: list = []
    app = make_app(keymap={"reboot": "ctrl+r", "mark": "m"})
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        main = await open_nodes(pilot, SLURM, "status:running group:worker")
        await pilot.press("space", "R")  # the old keys: neither marks nor reboots
        await settle(pilot)
        assert main.nodes_table.marks == set() and isinstance(app.screen, MainScreen)
        assert posted_of(posted, NodeTable.ActionRequested) == []
        await pilot.press("m", "ctrl+r")
        await settle(pilot)
        [request] = posted_of(posted, NodeTable.ActionRequested)
        assert request.action == "reboot" and request.node_ids == tuple(main.nodes_table.marks)
        assert len(request.node_ids) == 1
        assert isinstance(app.screen, ConfirmActionScreen) and app.screen.plan.node_ids == request.node_ids


async def test_partial_failure_shows_each_nodes_error_and_keeps_it_marked(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-2 status:running")
        marked = list(main.nodes_table.visible_keys[:3])
        sim.faults.node_failure(marked[1], "InstanceIdInUse", "Another operation is in progress on this instance.")
        await pilot.press("space", "space", "space", "R", "y")
        await settle(pilot)
        rows = result_rows(app)
        assert outcome(rows[marked[1]]) == "Failed"
        assert rows[marked[1]][3] == "InstanceIdInUse" and "in progress" in rows[marked[1]][4]
        assert [outcome(rows[key]) for key in (marked[0], marked[2])] == ["Successful", "Successful"]
        assert next(iter(rows)) == marked[1]  # failures sort first
        assert "2 Successful, 1 Failed" in str(app.screen.query_one("#results-summary").render())
        await pilot.press("escape")
        assert main.nodes_table.marks == {marked[1]}
        # Retrying the failed node is one more action.
        await pilot.press("R", "y")
        await settle(pilot)
        assert list(result_rows(app)) == [marked[1]] and outcome(result_rows(app)[marked[1]]) == "Successful"
        assert len(journal_calls(state_home)) == 2


async def test_a_whole_call_failure_is_every_nodes_error(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-2 status:running")
        sim.faults.fail("BatchRebootClusterNodes", "AccessDeniedException", "User is not authorized to reboot")
        await pilot.press("space", "space", "R", "y")
        await settle(pilot)
        rows = result_rows(app)
        assert [values[3] for values in rows.values()] == ["AccessDeniedException"] * 2
        assert "failed as a whole" in str(app.screen.query_one("#results-calls").render())
        [(_, line)] = journal_calls(state_home)
        assert line is not None and line["outcome"] == "Failed"
        assert line["error"]["code"] == "AccessDeniedException" and line["error"]["sent"] is True
        await pilot.press("escape")
        assert len(main.nodes_table.marks) == 2


async def test_a_slurm_controller_is_refused_before_any_call(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:controller")
        await pilot.press("space", "P")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen) and confirm.plan.refused
        assert not confirm.query("#confirm") and not confirm.query("#confirm-name")
        assert "controller" in str(confirm.query_one(".refusal").render())
        await pilot.press("y", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("D", "enter")
        await settle(pilot)
        assert batch_calls(sim) == [] and journal_lines(state_home) == []
        assert len(main.nodes_table.marks) == 1


async def test_dry_run_calls_nothing_and_journals_dry_run(state_home):
    app = make_app(dry_run=True)
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-1 status:running")
        await pilot.press("space", "space", "R")
        assert "DRY RUN" in app.screen.query_one("#confirm-dialog").border_title
        await pilot.press("y")
        await settle(pilot)
        assert {outcome(values) for values in result_rows(app).values()} == {"Dry run"}
        assert "would call BatchRebootClusterNodes" in str(app.screen.query_one("#results-calls").render())
        assert batch_calls(sim) == []
        [(line, result)] = journal_calls(state_home)
        assert line["dry_run"] is True and len(line["node_ids"]) == 2
        assert result is not None and result["outcome"] == "Dry run"
        await pilot.press("escape")
        assert len(main.nodes_table.marks) == 2  # nothing happened, so nothing is unmarked


async def test_the_journal_file_is_0600(state_home):
    app = make_app()
    old = os.umask(0o000)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_nodes(pilot, SLURM, "status:running group:worker")
            await pilot.press("R", "y")
            await settle(pilot)
    finally:
        os.umask(old)
    path = state_home / "hyperpod-tui" / "demo-actions.jsonl"  # make_app runs --demo
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(journal_calls(state_home)) == 1


async def test_a_journal_write_failure_is_reported_and_nothing_is_sent(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("XDG_STATE_HOME points at a file")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_nodes(pilot, SLURM, "status:running group:worker")
        await pilot.press("R", "y")
        await settle(pilot)
        journal = app.screen.query_one("#results-journal")
        assert "JOURNAL NOT WRITTEN" in str(journal.render()) and journal.has_class("-failed")
        assert any("Journal not written" in text and str(blocker) in text for text in notices(app))
        assert batch_calls(app.simulator) == []  # write-ahead: no intent on disk, no call sent
        assert {outcome(values) for values in result_rows(app).values()} == {"Not sent"}


async def test_marks_are_kept_per_cluster_and_survive_refresh_sort_and_filter(state_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        nodes = main.nodes_table
        await pilot.press("down", "down", "space", "space")
        slurm_marks = set(nodes.marks)
        assert len(slurm_marks) == 2
        await pilot.press("r", "o", "O")
        await settle(pilot)
        await pilot.press("slash", *"nomatch", "enter")
        assert nodes.visible_count == 0 and nodes.marks == slurm_marks
        assert "(2 hidden by filter)" in main.query_one("#nodes-pane").border_title
        await pilot.press("escape")
        main.clusters_table.focus()
        await pilot.press("up")  # genai-eks-prod
        await settle(pilot)
        assert main.state.focus == EKS and nodes.marks == set()
        await pilot.press("down")
        await settle(pilot)
        assert main.state.focus == SLURM and nodes.marks == slurm_marks


async def test_mark_all_marks_only_what_the_filter_shows_and_unmark_all_clears(state_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-1")
        nodes = main.nodes_table
        await pilot.press("ctrl+a")
        assert nodes.marks == set(nodes.visible_keys) and len(nodes.marks) < nodes.row_count
        await pilot.press("escape")  # clear the filter: the marks stay
        assert len(nodes.marks) == 16 and nodes.visible_count == nodes.row_count
        await pilot.press("ctrl+u")
        assert nodes.marks == set()


async def test_a_marked_node_that_disappears_is_unmarked_with_a_notice(state_home):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "group:worker-group-2 status:running")
        victim = main.nodes_table.cursor_key
        await pilot.press("space")
        sim_client(sim).batch_delete_cluster_nodes(ClusterName=SLURM, NodeIds=[victim])
        sim.clock.advance(20)
        await pilot.press("r")
        await settle(pilot)
        assert victim not in main.state.focus_snapshot.nodes
        assert main.nodes_table.marks == set()
        assert any("1 marked node disappeared and was unmarked" in text and victim in text for text in notices(app))


async def test_help_lists_the_node_actions(state_home):
    app = make_app()
    async with app.run_test(size=SIZE):
        sections = dict(app.help_sections())
        ids = [binding.id for binding in sections["Nodes pane: marks and actions"]]
        assert ids == [
            "mark",
            "mark-all",
            "mark-range",
            "unmark-all",
            "clear-marks",
            "reboot",
            "replace",
            "delete",
            "deep-health-check",
        ]
        assert not {b.id for b in sections["Panes"]} & set(ids)
        assert {"confirm-yes", "confirm-cancel", "results-close", *ids} <= {b.id for b in app.all_bindings()}


async def test_a_rebound_action_key_is_explained_in_read_only_mode(state_home):
    app = make_app(read_only=True, keymap={"reboot": "ctrl+r"})
    async with app.run_test(size=SIZE) as pilot:
        await open_nodes(pilot, SLURM)
        await pilot.press("R")  # no longer the reboot key: nothing to explain
        assert not any("Read-only" in text for text in notices(app))
        await pilot.press("ctrl+r")
        assert any("Read-only" in text and "reboot" in text for text in notices(app))


async def test_a_batch_that_breaks_says_so(state_home, monkeypatch):
    import tui.controllers.actions as actions

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "run_plan", broken)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM, "status:running group:worker")
        await pilot.press("R", "y")
        await settle(pilot)
        assert "The batch stopped: RuntimeError: boom" in str(app.screen.query_one("#results-hint").render())
        assert any("boom" in text for text in notices(app))
        await pilot.press("escape", "R")  # a new batch may start: the broken one is over
        assert isinstance(app.screen, ConfirmActionScreen)
        assert main.nodes_table.cursor_key in app.screen.plan.node_ids
