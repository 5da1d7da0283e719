"""Large or whole-cluster batches, and any batch with the Slurm controller, need the cluster's name typed.

Driven with keys against the in-process simulator; XDG_STATE_HOME points at a temporary directory.
"""

from __future__ import annotations

import random

import pytest

from tests.harness import make_app, settle
from tui.screens.action_results import ActionResultsScreen
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.main import MainScreen
from tui.sim.builder import DAY, ClusterBuilder, GroupSpec
from tui.widgets.resource_table import ResourceTable

SIZE = (140, 45)
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def reboots(sim) -> list:
    return [call for call in sim.calls if call.operation == "BatchRebootClusterNodes"]


async def open_nodes(pilot, cluster: str) -> MainScreen:
    await settle(pilot)
    main = pilot.app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.nodes_table.focus()
    await pilot.pause()
    return main


async def mark(pilot, main: MainScreen, keys) -> None:
    for key in keys:
        assert main.nodes_table.move_cursor_to(key)
        await pilot.press("space")


def confirm_texts(confirm: ConfirmActionScreen) -> str:
    return "\n".join(str(static.render()) for static in confirm.query(".caution"))


async def assert_name_needed_then_confirm(pilot, cluster: str) -> ConfirmActionScreen:
    """y and Enter do nothing until the name is typed; then Enter confirms."""
    app = pilot.app
    confirm = app.screen
    assert isinstance(confirm, ConfirmActionScreen) and confirm.plan.needs_typed_name
    button = confirm.query_one("#confirm")
    assert button.disabled and app.focused is confirm.query_one("#cancel")
    await pilot.press("y")  # typed into the box, not a confirmation
    assert app.screen is confirm and confirm.query_one("#confirm-name").value == "y"
    await pilot.press("enter")  # a wrong name
    assert app.screen is confirm and reboots(app.simulator) == []
    await pilot.press("backspace", *cluster)
    assert not button.disabled
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ActionResultsScreen)
    return confirm


async def test_a_reboot_with_the_slurm_controller_lists_it_first_names_it_and_needs_the_name():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        nodes = main.nodes_table
        snapshot = main.state.focus_snapshot
        controller = next(n.instance_id for n in snapshot.nodes.values() if n.group == "controller-machine")
        workers = [n.instance_id for n in snapshot.nodes.values() if n.group == "login-group"]
        await mark(pilot, main, [*workers, controller])  # the controller marked last
        await pilot.press("R")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        assert confirm.plan.node_ids[0] == controller
        targets = confirm.query_one("#confirm-targets", ResourceTable)
        assert targets.visible_keys[0] == controller
        warning = confirm_texts(confirm)
        assert "Slurm controller" in warning and controller in warning
        await assert_name_needed_then_confirm(pilot, SLURM)
        [call] = reboots(sim)
        assert set(call.params["NodeIds"]) == {controller, *workers}
        assert nodes.marks == set()


async def test_a_reboot_of_a_few_nodes_confirms_with_y():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        snapshot = main.state.focus_snapshot
        await mark(pilot, main, [n.instance_id for n in snapshot.nodes.values() if n.group == "login-group"])
        await pilot.press("R")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen) and not confirm.plan.needs_typed_name
        assert not confirm.query("#confirm-name")
        await pilot.press("y")
        await settle(pilot)
        assert len(reboots(app.simulator)) == 1


async def test_a_reboot_of_more_than_25_nodes_needs_the_name():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        nodes = main.nodes_table
        nodes.set_filter("group:worker")  # 37 workers of 40 nodes: not every node, no controller
        await pilot.pause()
        await pilot.press("ctrl+a", "R")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        count = len(confirm.plan.nodes)
        assert 25 < count < len(main.state.focus_snapshot.nodes)
        assert f"{count} nodes: more than 25 at once." in confirm_texts(confirm)
        await assert_name_needed_then_confirm(pilot, SLURM)
        assert len(reboots(app.simulator)) == 2  # 25 + the rest


async def test_a_reboot_of_every_node_of_a_small_cluster_needs_the_name():
    app = make_app()
    sim = app.simulator
    with sim.world.lock:
        ClusterBuilder(sim.world, random.Random(3)).cluster(
            "tiny-eks", "Eks", "InService", sim.world.start - 3 * DAY, [GroupSpec.running("gpu", "ml.g5.8xlarge", 3)]
        )
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, "tiny-eks")
        await pilot.press("ctrl+a", "R")
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen)
        assert "Every node of the cluster (3 of 3)." in confirm_texts(confirm)
        await assert_name_needed_then_confirm(pilot, "tiny-eks")
        assert len(reboots(sim)) == 1
        assert main.nodes_table.marks == set()


async def test_every_confirmation_lists_the_nodes_in_an_abnormal_state_first():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, SLURM)
        nodes = main.nodes_table
        nodes.sort_by("instance_id")  # the status sort would put them first anyway
        await pilot.pause()
        snapshot = main.state.focus_snapshot
        abnormal = [n.instance_id for n in snapshot.nodes.values() if n.status != "Running"]
        running = [n.instance_id for n in snapshot.nodes.values() if n.status == "Running" and "worker" in n.group]
        assert abnormal
        await mark(pilot, main, [*running[:3], *abnormal])
        for key in ("R", "P", "D"):
            await pilot.press(key)
            confirm = app.screen
            assert isinstance(confirm, ConfirmActionScreen)
            shown = list(confirm.query_one("#confirm-targets", ResourceTable).visible_keys)
            assert set(shown[: len(abnormal)]) == set(abnormal), (key, shown)
            await pilot.press("escape")
            await pilot.pause()
