"""Issue 15 item 4: marking and acting from the triage view, across clusters, through the nodes pane's own path
(plan → confirm → run → results → write-ahead journal). Driven against the demo: `genai-eks-prod` has NodeRecovery
None and an EFA fault on `efa_fault_node` (HMA), `llm-pretrain-slurm` a GPU XID 79 on `health_event_node`."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Static

from tests.app.test_batch_actions import batch_calls, journal_calls
from tests.harness import make_app, notices, rendered_text, settle, type_text
from tui.core.triage import row_key
from tui.screens.action_results import ActionResultsScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.confirm_plans import ConfirmPlansScreen
from tui.screens.main import MainScreen
from tui.screens.triage import TriageScreen

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


async def open_both_then_triage(pilot) -> TriageScreen:
    """List both demo clusters' nodes (the triage view shows the listings in hand), then ctrl+z."""
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    for cluster in ("eks_cluster", "slurm_cluster"):
        app.simulator.clock.advance(1)
        main.jump_to_cluster(app.simulator.landmarks[cluster])
        await settle(pilot)
    main.set_focus(main.clusters_table)
    await pilot.press("ctrl+z")
    await settle(pilot)
    triage = app.screen
    assert isinstance(triage, TriageScreen)
    return triage


def mark(triage: TriageScreen, *keys: str) -> None:
    for key in keys:
        assert key in triage.table.visible_keys, key
        triage.table.move_cursor_to(key)
        triage.table.toggle_mark()


async def test_done_when_mark_the_recovery_off_node_press_p_type_its_cluster_and_it_is_replaced(state_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, efa = sim.landmarks["eks_cluster"], sim.landmarks["efa_fault_node"]
        key = row_key(eks, efa)
        entry = triage.entries[key]
        assert entry.recovery == "None" and "recovery off" in entry.hyperpod
        assert "needs manual action" in entry.step
        triage.table.move_cursor_to(key)
        await pilot.press("space")  # the nodes pane's mark key
        assert triage.table.marks == {key}
        await pilot.pause()
        title = rendered_text(triage.query_one("#triage-title", Static).content, width=200)
        assert "· 1 marked ·" in title
        await pilot.press("P")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)  # one cluster: the nodes pane's own dialog
        assert confirm.plan.cluster == eks and confirm.plan.node_ids == (efa,)
        assert not batch_calls(sim)
        await type_text(pilot, eks)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionResultsScreen)
        [call] = batch_calls(sim)
        assert call.operation == "BatchReplaceClusterNodes" and call.params["NodeIds"] == [efa]
        assert sim.world.find_cluster(eks).nodes[efa].operation == "replace"  # the simulator is replacing it
        [(intent, result)] = journal_calls(state_home)
        assert intent["node_ids"] == [efa] and result is not None and result["outcome"] == "Successful"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is triage
        assert key not in triage.table.marks  # it succeeded: unmarked, as in the nodes pane


async def test_marks_in_two_clusters_make_one_plan_each_in_one_dialog_that_names_every_node(state_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, slurm = sim.landmarks["eks_cluster"], sim.landmarks["slurm_cluster"]
        efa, xid = sim.landmarks["efa_fault_node"], sim.landmarks["health_event_node"]
        mark(triage, row_key(eks, efa), row_key(slurm, xid))
        await pilot.press("P")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmPlansScreen)
        assert [(plan.cluster, plan.node_ids) for plan in confirm.plans] in (
            [(eks, (efa,)), (slurm, (xid,))],
            [(slurm, (xid,)), (eks, (efa,))],
        )
        targets = confirm.query_one("#confirm-targets")
        assert set(targets.visible_keys) == {row_key(eks, efa), row_key(slurm, xid)}
        # a box per cluster: one name typed is not enough
        first, second = (plan.cluster for plan in confirm.plans)
        await type_text(pilot, first)
        await pilot.press("enter")  # on to the next box
        assert confirm.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        assert app.screen is confirm and not batch_calls(sim)
        await type_text(pilot, second)
        assert not confirm.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await settle(pilot)
        calls = batch_calls(sim)
        assert sorted(c.params["ClusterName"] for c in calls) == sorted(
            sim.world.find_cluster(name).arn for name in (eks, slurm)
        )  # one call per cluster, each to its own cluster
        journal = journal_calls(state_home)
        assert len(journal) == 2 and all(result is not None for _intent, result in journal)
        assert {intent["action"] for intent, _ in journal}.__len__() == 2  # one plan (action id) per cluster
        assert sum(isinstance(screen, ActionResultsScreen) for screen in app.screen_stack) == 2


async def test_read_only_refuses_p_in_the_triage_view(state_home) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        key = row_key(sim.landmarks["eks_cluster"], sim.landmarks["efa_fault_node"])
        triage.table.move_cursor_to(key)
        await pilot.press("space", "P")
        await settle(pilot)
        assert app.screen is triage
        assert not batch_calls(sim) and not journal_calls(state_home)
        assert any("Read-only" in text for text, _ in notices(app))


async def test_a_journal_that_cannot_be_written_sends_nothing(state_home) -> None:
    state_home.mkdir(parents=True, exist_ok=True)
    (state_home / "hyperpod-tui").write_text("not a directory")  # the journal's directory cannot be made
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, efa = sim.landmarks["eks_cluster"], sim.landmarks["efa_fault_node"]
        mark(triage, row_key(eks, efa))
        await pilot.press("P")
        await settle(pilot)
        await type_text(pilot, eks)
        await pilot.press("enter")
        await settle(pilot)
        assert not batch_calls(sim)  # no intent on disk, no call
        assert any("Journal not written" in text for text, _ in notices(app))


async def test_in_a_fleet_each_clusters_calls_go_to_its_own_region(state_home) -> None:
    from tests.harness import make_fleet_app

    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        slurm = "llm-pretrain-slurm"
        for region in sims:
            main.jump_to_cluster(f"{slurm}@{region}")
            await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        xids = {region: sim.landmarks["health_event_node"] for region, sim in sims.items()}
        mark(triage, *(row_key(f"{slurm}@{region}", node) for region, node in xids.items()))
        await pilot.press("R")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmPlansScreen) and len(confirm.plans) == 2
        assert not confirm.typed  # two small reboots: no name typed, as in the nodes pane
        await pilot.press("y")
        await settle(pilot)
        for region, sim in sims.items():
            [call] = [c for c in sim.calls if c.operation == "BatchRebootClusterNodes"]
            assert call.params["NodeIds"] == [xids[region]]
        intents = [intent for intent, _result in journal_calls(state_home)]
        assert sorted((line["cluster"], line["region"]) for line in intents) == sorted(
            (slurm, region) for region in sims
        )


@pytest.mark.parametrize("key", ["P", "space"])
async def test_a_key_on_an_unseen_highlighted_row_shows_it_first_and_acts_on_the_second_press(key, state_home):
    app = make_app()
    async with app.run_test(size=(80, 10)) as pilot:  # room for two or three rows: the demo has four
        triage = await open_both_then_triage(pilot)
        table = triage.table
        highlighted = table.cursor_key
        table.scroll_to(y=table.max_scroll_y, animate=False, immediate=True)  # what the wheel does
        await pilot.pause()
        assert highlighted is not None and not table.cursor_on_screen
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is triage and not table.marks and not batch_calls(app.simulator)
        assert any("off screen" in text and highlighted.partition("/")[2] in text for text, _ in notices(app))
        await pilot.press(key)
        await settle(pilot)
        if key == "P":
            assert isinstance(app.screen, ConfirmActionScreen)
        else:
            assert table.marks == {highlighted}


async def test_a_marked_row_that_leaves_the_view_is_unmarked_and_the_user_told(state_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, efa = sim.landmarks["eks_cluster"], sim.landmarks["efa_fault_node"]
        mark(triage, row_key(eks, efa))
        with sim.world.lock:  # someone else deletes it (the console, another engineer)
            cluster = sim.world.clusters[eks]
            sim.world.delete(cluster, cluster.nodes[efa], sim.world.now)
        sim.clock.advance(120)
        main = app.screen_stack[1]
        assert isinstance(main, MainScreen)
        main.jump_to_cluster(eks)
        main.action_refresh()
        await settle(pilot)
        triage.action_reload()
        await settle(pilot)
        assert row_key(eks, efa) not in triage.table.visible_keys and not triage.table.marks
        assert any("left the view" in text and efa in text for text, _ in notices(app))


def dhc_calls(sim) -> list:
    return [call for call in sim.calls if call.operation == "StartClusterHealthCheck"]


async def test_c_checks_marked_rows_of_two_clusters_with_the_checks_picked_one_request_each(state_home) -> None:
    """Issue 15 item 4: the deep health check acts from triage too, through the picker and one dialog."""
    from tui.screens.health_check import HealthCheckPicker

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, slurm = sim.landmarks["eks_cluster"], sim.landmarks["slurm_cluster"]
        efa, xid = sim.landmarks["efa_fault_node"], sim.landmarks["health_event_node"]
        mark(triage, row_key(eks, efa), row_key(slurm, xid))
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, HealthCheckPicker)
        assert "2 nodes in 2 clusters" in app.screen.scope
        await pilot.press("1", "enter")  # InstanceStress off: InstanceConnectivity only
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmPlansScreen)
        assert {(plan.cluster, plan.node_ids) for plan in confirm.plans} == {(eks, (efa,)), (slurm, (xid,))}
        assert not dhc_calls(sim)  # nothing before the confirmation
        await pilot.press("y")
        await settle(pilot)
        calls = dhc_calls(sim)
        by_cluster = {call.params["ClusterName"]: call.params["DeepHealthCheckConfigurations"] for call in calls}
        assert set(by_cluster) == {sim.world.find_cluster(name).arn for name in (eks, slurm)}
        for name, node in ((eks, efa), (slurm, xid)):
            [configuration] = by_cluster[sim.world.find_cluster(name).arn]
            assert configuration["InstanceIds"] == [node]
            assert configuration["DeepHealthChecks"] == ["InstanceConnectivity"]
        journal = journal_calls(state_home)
        assert {intent["operation"] for intent, _ in journal} == {"StartClusterHealthCheck"} and len(journal) == 2


async def test_read_only_refuses_c_in_the_triage_view(state_home) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        mark(triage, row_key(sim.landmarks["eks_cluster"], sim.landmarks["efa_fault_node"]))
        await pilot.press("C")
        await settle(pilot)
        assert app.screen is triage and not dhc_calls(sim)
        assert any("read-only" in text.lower() for text, _ in notices(app))


async def test_a_cluster_name_typed_in_one_burst_all_lands_in_its_box(state_home) -> None:
    """The confirmation focuses Cancel; the first typed character moves focus to the name box. Typed in one burst
    (a paste, tmux send-keys, a fast typist over SSH), the characters behind it must land in the box too."""
    from tests.harness import burst

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        triage = await open_both_then_triage(pilot)
        sim = app.simulator
        eks, slurm = sim.landmarks["eks_cluster"], sim.landmarks["slurm_cluster"]
        mark(triage, row_key(eks, sim.landmarks["efa_fault_node"]), row_key(slurm, sim.landmarks["health_event_node"]))
        await pilot.press("P")
        await settle(pilot)
        many = app.screen
        assert isinstance(many, ConfirmPlansScreen)
        first = many.plans[0].cluster
        await burst(pilot, first)
        assert many.waiting_box() is not None and many._box(0).value == first
        await pilot.press("escape")
        await settle(pilot)
        triage.table.clear_marks()
        mark(triage, row_key(eks, sim.landmarks["efa_fault_node"]))
        await pilot.press("P")
        await settle(pilot)
        one = app.screen
        assert isinstance(one, ConfirmActionScreen)
        await burst(pilot, eks)
        assert one.query_one("#confirm-name").value == eks
        assert not one.query_one("#confirm", Button).disabled and not batch_calls(sim)
