"""Issue 15 item 3: a deep health check from the nodes pane (C on marked nodes) and the groups pane (C: the whole
group), driven with keys against the in-process simulator: the check picker, the confirmation naming every node,
the write-ahead journal, the nodes going DeepHealthCheckInProgress, one failing InstanceStress with its reason in
its HEALTH cell and its details; read-only mode refusing it. XDG_STATE_HOME is a temporary directory."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Static

from tests.harness import make_app, notices, rendered_text, settle
from tui.core import actions
from tui.core.tables import GROUP_COLUMNS, NODE_COLUMNS
from tui.screens.action_results import ActionResultsScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.detail import DetailScreen
from tui.screens.health_check import HealthCheckPicker
from tui.screens.main import MainScreen
from tui.sim.health_checks import DHC_DURATION
from tui.widgets.resource_table import ResourceTable

SIZE = (140, 45)
EKS = "genai-eks-prod"
HEALTH = [column.key for column in NODE_COLUMNS].index("health")
STATUS = [column.key for column in NODE_COLUMNS].index("status")


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def journal(state_home) -> list[dict]:
    path = state_home / "hyperpod-tui" / "demo-actions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def dhc_calls(sim) -> list:
    return [call for call in sim.calls if call.operation == "StartClusterHealthCheck"]


async def open_gpu_workers(pilot) -> MainScreen:
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    app.simulator.clock.advance(1)
    main.jump_to_cluster(EKS)
    await settle(pilot)
    main.nodes_table.focus()
    main.nodes_table.set_filter("group:gpu-workers status:running")
    await pilot.pause()
    return main


def targets_of(screen) -> list[str]:
    return list(screen.query_one("#confirm-targets", ResourceTable).visible_keys)


async def test_c_on_marked_nodes_checks_them_and_one_fails_instance_stress_with_its_reason(state_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_gpu_workers(pilot)
        sim = app.simulator
        nodes = main.nodes_table
        failing = sim.landmarks["dhc_failing_node"]
        healthy = [key for key in nodes.visible_keys if key != failing and nodes.row(key).values[HEALTH] == ()]
        marked = [failing, *healthy[:2]]  # not the EFA-fault node (NodeRecovery None): its fault stays
        nodes.mark_keys(marked)
        await pilot.press("C")
        assert isinstance(app.screen, HealthCheckPicker)
        assert app.screen.picked == ("InstanceStress", "InstanceConnectivity")  # the default
        await pilot.press("3", "3", "enter")  # toggled on and off again; Enter on Continue
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        assert sorted(targets_of(confirm)) == sorted(marked)  # names every node
        effects = rendered_text(confirm.query_one("#confirm-effects", Static).content, width=140)
        assert "DeepHealthCheckInProgress" in effects and "leaves scheduling" in effects
        assert "reboot or replace" in effects
        assert dhc_calls(sim) == []  # nothing before the confirmation
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ActionResultsScreen)
        [call] = dhc_calls(sim)
        [configuration] = call.params["DeepHealthCheckConfigurations"]
        assert configuration["InstanceGroupName"] == "gpu-workers"
        assert sorted(configuration["InstanceIds"]) == sorted(marked)
        assert configuration["DeepHealthChecks"] == ["InstanceStress", "InstanceConnectivity"]
        intent, result = journal(state_home)
        assert intent["kind"] == "intent" and intent["operation"] == "StartClusterHealthCheck"
        assert intent["request"]["DeepHealthCheckConfigurations"] == call.params["DeepHealthCheckConfigurations"]
        assert result["kind"] == "result" and result["outcome"] == "Successful"
        await pilot.press("escape")
        assert nodes.marks == set()  # started: unmarked
        await pilot.press("r")
        await settle(pilot)
        snapshot = main.state.focus_snapshot
        assert {snapshot.nodes[key].status for key in marked} == {"DeepHealthCheckInProgress"}

        sim.clock.advance(DHC_DURATION + 1)
        await pilot.press("r")
        await settle(pilot)
        snapshot = main.state.focus_snapshot
        assert snapshot.nodes[failing].status == "Failure"
        assert {snapshot.nodes[key].status for key in marked if key != failing} == {"Running"}
        nodes.set_filter("group:gpu-workers")
        await pilot.pause()
        assert nodes.row(failing).values[HEALTH][0][0].startswith("DHC failed: InstanceStress")
        assert all(nodes.row(key).values[HEALTH] == () for key in marked if key != failing)
        verdict = snapshot.verdicts[failing]
        assert verdict.step.action == "replace"
        nodes.move_cursor_to(failing)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        text = rendered_text(app.screen.query_one("#detail-body", Static).content, width=140)
        assert "DHC failed: InstanceStress" in text and "ECC errors" in text  # the line that says why
        assert "DHC passed: InstanceConnectivity" in text  # the other check, passed


async def test_c_in_the_groups_pane_checks_the_whole_group_without_instance_ids(state_home) -> None:
    app = make_app()
    # no group scaling: only the nodes in a deep health check make the app ask for the cluster's operations
    for group in app.simulator.cluster(EKS).groups.values():
        group.target_count = app.simulator.cluster(EKS).current_counts()[group.name]
    async with app.run_test(size=SIZE) as pilot:
        main = await open_gpu_workers(pilot)
        groups = main.groups_table
        groups.focus()
        groups.move_cursor_to("training-p5")
        await pilot.press("C", "enter")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        listed = [n.key for n in main.state.focus_snapshot.nodes.values() if n.group == "training-p5"]
        assert sorted(targets_of(confirm)) == sorted(listed)
        await pilot.press("y")
        await settle(pilot)
        [call] = dhc_calls(app.simulator)
        assert call.params["DeepHealthCheckConfigurations"] == [
            {"InstanceGroupName": "training-p5", "DeepHealthChecks": ["InstanceStress", "InstanceConnectivity"]}
        ]
        await pilot.press("escape", "r")
        await settle(pilot)
        # progress: the DeepHealthCheck operation names the group (ActiveOperations would name only Scaling)
        activity = groups.row("training-p5").values[[c.key for c in GROUP_COLUMNS].index("activity")]
        assert activity and activity[0][0] == "deep health check"


async def test_the_picker_needs_one_check_and_esc_sends_nothing(state_home) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_gpu_workers(pilot)
        await pilot.press("C", "1", "2")
        picker = app.screen
        assert isinstance(picker, HealthCheckPicker) and picker.picked == ()
        await pilot.press("enter")  # Continue is disabled: focus went to Cancel, which cancels
        assert not isinstance(app.screen, ConfirmActionScreen)
        assert dhc_calls(app.simulator) == [] and journal(state_home) == []


async def test_read_only_mode_refuses_it_from_every_door(state_home) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await open_gpu_workers(pilot)
        await pilot.press("C")
        assert isinstance(app.screen, MainScreen)
        main.groups_table.focus()
        await pilot.press("C")
        assert isinstance(app.screen, MainScreen)
        await pilot.press(":", *"dhc", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        # the controller itself refuses, whoever asks (the triage view, a binding the keymap moved)
        main.actions.request_health_check(list(main.nodes_table.visible_keys)[:1])
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert dhc_calls(app.simulator) == [] and journal(state_home) == []
        assert any("Read-only mode" in text and "health check" in text for text, _ in notices(app))


async def test_no_intent_written_means_no_request(state_home, monkeypatch) -> None:
    """Write-ahead: with the intent line not written, StartClusterHealthCheck is never sent."""
    real = actions._write

    def no_intents(journal, entry):
        return "disk full" if entry.get("kind") == "intent" else real(journal, entry)

    monkeypatch.setattr(actions, "_write", no_intents)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_gpu_workers(pilot)
        await pilot.press("C", "enter", "y")
        await settle(pilot)
        assert dhc_calls(app.simulator) == []
        assert any("Journal not written" in text for text, _ in notices(app))
