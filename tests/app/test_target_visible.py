"""The highlighted node is on screen before any key acts on it, at 80×24 (a normal tmux split).

The field failure: drill into a group, `G` to its last node, Esc (the group's scope is cleared, the cursor is kept
on that node, now row 16 of 24), Tab back to the nodes: the pane showed its first rows, no cursor, and `d`, `s`,
`D` acted on the unseen node.
"""

from __future__ import annotations

import pytest

from tests.harness import make_app, notices, settle, sim_client
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen
from tui.widgets.node_table import NodeTable

SIZE = (80, 24)
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def main_screen(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


def painted_ids(table: NodeTable) -> list[str]:
    """The instance ids on the table's painted lines (the header is line 0), as the terminal shows them."""
    lines = ["".join(segment.text for segment in table.render_line(y)) for y in range(1, table.size.height)]
    return [key for key in table.visible_keys if any(key in line for line in lines)]


def assert_cursor_painted(table: NodeTable) -> None:
    assert table.cursor_key is not None
    assert table.cursor_on_screen, (table.model.cursor, table.scroll_y, table.scrollable_content_region)
    assert table.cursor_key in painted_ids(table)


async def press_d_and_read_the_node(pilot) -> str:
    await pilot.press("d")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen), screen
    node_id = screen.title_text.split()[1]  # "Node <id> · <group> · <cluster>"
    await pilot.press("escape")
    await pilot.pause()
    return node_id


async def test_drill_into_a_group_end_escape_tab_keeps_the_cursor_on_screen_and_d_names_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        nodes = main.nodes_table
        await pilot.press("enter")  # clusters → the cluster's nodes
        await pilot.press("shift+tab")  # nodes → groups
        await pilot.press("enter")  # groups → the group's nodes
        await settle(pilot)
        assert app.focused is nodes and nodes.visible_count < nodes.row_count
        await pilot.press("G")
        last = nodes.cursor_key
        await pilot.press("escape")  # the scope is cleared: every node, the cursor kept on `last`
        await pilot.pause()
        assert nodes.cursor_key == last and nodes.model.cursor >= nodes.scrollable_content_region.height
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is nodes
        assert_cursor_painted(nodes)
        assert await press_d_and_read_the_node(pilot) == last
        assert not [text for text in notices(app) if "off screen" in text[0]]


async def test_a_cleared_filter_keeps_the_cursor_on_screen():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        nodes = main.nodes_table
        nodes.focus()
        chosen = nodes.visible_keys[-1]
        await pilot.press("slash", *chosen, "enter")  # one row: no scroll bar until the filter is cleared
        assert list(nodes.visible_keys) == [chosen] and nodes.cursor_key == chosen
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert nodes.query == "" and nodes.cursor_key == chosen
        assert nodes.visible_keys.index(chosen) >= nodes.scrollable_content_region.height
        assert_cursor_painted(nodes)
        assert await press_d_and_read_the_node(pilot) == chosen


async def test_a_sort_and_a_refresh_keep_the_cursor_on_screen():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        nodes = main.nodes_table
        nodes.focus()
        await pilot.press("G")
        await pilot.pause()
        for _ in range(3):
            await pilot.press("o")  # the next sort column: the cursor's node moves
            await pilot.pause()
            assert_cursor_painted(nodes)
        while nodes.sort_column is None or nodes.sort_column.key != "status":
            await pilot.press("o")
        # A Running node at the bottom: rebooted, it sorts near the top (Pending), and a refresh moves it there.
        chosen = [key for key in nodes.visible_keys if nodes.row(key).values[2] == "Running"][-1]
        nodes.move_cursor_to(chosen)
        await pilot.pause()
        sim_client(sim).batch_reboot_cluster_nodes(ClusterName=main.state.focus, NodeIds=[chosen])
        sim.clock.advance(5)
        await pilot.press("r")
        await settle(pilot)
        assert nodes.cursor_key == chosen and nodes.row(chosen).values[2] == "Pending"
        assert_cursor_painted(nodes)


@pytest.mark.parametrize("key", ["d", "s", "y", "l", "R", "P", "D", "space"])
async def test_a_node_key_scrolls_to_an_unseen_highlighted_node_instead_of_acting(key):
    """The wheel scrolls without moving the cursor: the highlighted node is then off screen. A key first shows
    it and says so; the second press acts."""
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        nodes = main.nodes_table
        nodes.focus()
        await pilot.pause()
        highlighted = nodes.cursor_key
        nodes.scroll_to(y=nodes.max_scroll_y, animate=False, immediate=True)  # what the wheel does
        await pilot.pause()
        assert not nodes.cursor_on_screen and highlighted not in painted_ids(nodes)
        calls = len(sim.calls)
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is main and not nodes.marks and not main.query("#shell-pane ShellTabs PtyPane")
        assert len(sim.calls) == calls  # no DescribeClusterNode, no StartSession, no log read
        texts = [text for text, _ in notices(app)]
        assert any("off screen" in text and highlighted in text for text in texts), texts
        assert nodes.cursor_key == highlighted
        assert_cursor_painted(nodes)
        if key in ("R", "P", "D"):
            await pilot.press(key)
            await pilot.pause()
            confirm = app.screen
            assert isinstance(confirm, ConfirmActionScreen)
            assert confirm.plan.node_ids == (highlighted,)


async def test_marked_targets_are_listed_by_the_confirmation_so_no_scroll_is_needed():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        nodes = main.nodes_table
        nodes.focus()
        await pilot.press("down", "space")
        marked = set(nodes.marks)
        nodes.scroll_to(y=nodes.max_scroll_y, animate=False, immediate=True)
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmActionScreen) and set(confirm.plan.node_ids) == marked
