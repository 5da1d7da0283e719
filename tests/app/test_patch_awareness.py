"""Patch state in the real app against the simulator: the confirmation's notice, the groups pane, node details."""

from __future__ import annotations

import pytest

from tests.harness import make_app, rendered_text, settle
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.detail import STICKY_MESSAGE, DetailScreen
from tui.screens.main import MainScreen

SIZE = (130, 42)


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def main_screen(app) -> MainScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, MainScreen)
    return screen


async def open_nodes(pilot, cluster: str, query: str) -> MainScreen:
    await settle(pilot)
    main = main_screen(pilot.app)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.nodes_table.focus()
    main.nodes_table.set_filter(query)
    await pilot.pause()
    return main


def cell(table, key: str, column: str):
    return table.row(key).values[[c.key for c in table.columns].index(column)]


@pytest.mark.parametrize("key", ["P", "D"])
async def test_replace_and_delete_say_which_groups_need_patching_before_the_name_box(key):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        failed = app.simulator.landmarks["failed_node"]  # in worker-group-2, SecurityUpdateRequired
        await open_nodes(pilot, "llm-pretrain-slurm", failed)
        await pilot.press(key)
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmActionScreen)
        notice = rendered_text(dialog.query_one("#confirm-patch").content)
        assert "Patch the cluster first" in notice and "UpdateClusterSoftware" in notice
        assert "worker-group-2 (1 target): SecurityUpdateRequired" in notice
        children = list(dialog.query_one("#confirm-dialog").children)
        ids = [child.id for child in children]
        assert ids.index("confirm-patch") < ids.index("confirm-name")  # read before anything is typed
        assert dialog.query_one("#confirm-patch").region.height > 0  # on screen, not scrolled away
        await pilot.press("escape")


async def test_no_notice_for_a_reboot_or_for_targets_on_a_current_image():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        failed = app.simulator.landmarks["failed_node"]
        await open_nodes(pilot, "llm-pretrain-slurm", failed)
        await pilot.press("R")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmActionScreen) and not app.screen.query("#confirm-patch")
        await pilot.press("escape")
        await settle(pilot)
        current = next(
            n.instance_id
            for n in app.simulator.cluster("llm-pretrain-slurm").nodes.values()
            if n.group.name == "worker-group-1" and n.status == "Running"
        )
        main_screen(app).nodes_table.set_filter(current)
        await pilot.pause()
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmActionScreen) and not app.screen.query("#confirm-patch")


async def test_the_groups_pane_shows_a_software_update_while_it_runs_and_the_next_patch():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster("zoo-systemupdating")
        await settle(pilot)
        groups = main.query_one("#groups")
        assert cell(groups, "gpu-workers", "patch") == (("update", "UpdateAvailable"), ("patching 1/3", "InProgress"))
        main.jump_to_cluster("zoo-moving")
        await settle(pilot)
        parts = cell(groups, "cpu-workers", "patch")
        assert parts[0] == ("current", "UpToDate") and parts[1][0].startswith("next ")
        nodes = main.nodes_table
        statuses = {cell(nodes, key, "status") for key in nodes.visible_keys}
        assert {"DetachInProgress", "AttachInProgress"} <= statuses


async def test_a_nodes_message_during_an_update_is_labelled_as_possibly_older():
    app = make_app("zoo")
    async with app.run_test(size=SIZE) as pilot:
        sticky = app.simulator.landmarks["sticky_message_node"]
        main = await open_nodes(pilot, "zoo-systemupdating", sticky)
        assert main.nodes_table.model.cursor_key == sticky
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        body = rendered_text(app.screen.query_one("#detail-body").content)
        assert STICKY_MESSAGE in body and "Lifecycle scripts did not run successfully" in body
        assert "2.3.0 → 2.4.1 (desired)" in body
