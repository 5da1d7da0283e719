"""k9s table habits on the nodes pane, against the simulator at 80×24: shift+<letter> sort keys with ↑ for
ascending, ctrl+space range marks and ctrl+\\ to clear them, the words of an empty filtered table, and a column
that shrinks back once its widest value is gone."""

from __future__ import annotations

import dataclasses

import pytest

from tests.harness import make_app, notices, settle
from tui.config import read_config_file
from tui.screens.columns import ColumnChooser
from tui.screens.main import MainScreen
from tui.widgets.node_table import NodeTable

SIZE = (80, 24)
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def painted(table: NodeTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def ticked(table: NodeTable) -> set[str]:
    """The keys of the painted lines that show a mark."""
    lines = [painted(table, y) for y in range(1, table.size.height)]
    return {key for key in table.visible_keys for line in lines if key in line and line.startswith("✓")}


async def open_nodes(pilot) -> NodeTable:
    await settle(pilot)
    main = pilot.app.screen
    assert isinstance(main, MainScreen), main
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    nodes = main.nodes_table
    nodes.focus()
    await pilot.pause()
    assert nodes.visible_count >= 6
    return nodes


async def test_shift_letter_sorts_by_that_column_and_the_arrow_reads_as_k9s():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        nodes = await open_nodes(pilot)
        await pilot.press("U")  # shift+u: GROUP
        await pilot.pause()
        assert nodes.sort_column is not None and nodes.sort_column.key == "group" and not nodes.sort_reverse
        assert "GROUP↑" in painted(nodes, 0)  # ↑: ascending
        groups = [nodes.row(key).values[1] for key in nodes.visible_keys]
        assert groups == sorted(groups, key=str.casefold)
        await pilot.press("U")  # again: reversed
        await pilot.pause()
        assert nodes.sort_reverse and "GROUP↓" in painted(nodes, 0)
        groups = [nodes.row(key).values[1] for key in nodes.visible_keys]
        assert groups == sorted(groups, key=str.casefold, reverse=True)


async def test_ctrl_space_marks_a_range_and_ctrl_backslash_clears_it():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:  # room for every row of the range
        nodes = await open_nodes(pilot)
        first = nodes.visible_keys[0]
        await pilot.press("space")  # marks row 0, moves to row 1
        await pilot.press("down", "down", "down")
        await pilot.press("ctrl+space")
        await pilot.pause()
        assert nodes.marks == set(nodes.visible_keys[0:5]) and first in nodes.marks
        assert ticked(nodes) == nodes.marks
        await pilot.press("ctrl+backslash")
        await pilot.pause()
        assert nodes.marks == set()
        assert ticked(nodes) == set()


async def test_an_empty_filtered_table_says_why():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        nodes = await open_nodes(pilot)
        await pilot.press("slash", *"foo:bar")
        await pilot.pause()
        assert nodes.visible_count == 0
        line = painted(nodes, 1)
        assert 'no column "foo" (columns: instance_id' in line
        assert line.rstrip().endswith("…")  # the list of columns is longer than 80 cells: cut, and says so
        await pilot.press(*["backspace"] * 7, *"zzzzqq")  # a word no node has
        await pilot.pause()
        assert nodes.visible_count == 0 and nodes.query == "zzzzqq"
        assert painted(nodes, 1).strip() == "no matches"


async def test_a_column_shrinks_back_when_the_wide_value_is_gone():
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        nodes = await open_nodes(pilot)
        header = painted(nodes, 0)
        key = nodes.visible_keys[0]
        before = nodes.row(key)
        assert before is not None
        index = nodes.model.column_index["hostname"]
        long = "w" * 36
        values = list(before.values)
        values[index] = long
        nodes.update_rows([dataclasses.replace(before, values=tuple(values))])
        await pilot.pause()
        wide = painted(nodes, 0)
        assert wide.index("IP") - wide.index("HOSTNAME") > header.index("IP") - header.index("HOSTNAME")
        nodes.update_rows([before])  # the wide value is gone again
        await pilot.pause()
        assert painted(nodes, 0) == header


async def test_ctrl_w_shows_the_wide_columns_and_hides_them_again():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        nodes = await open_nodes(pilot)
        assert "TYPE" not in painted(nodes, 0) and "LAUNCHED" not in painted(nodes, 0)
        normal_width = nodes.virtual_size.width
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert nodes.wide
        assert nodes.virtual_size.width > normal_width  # scrolls sideways to the wide columns
        nodes.scroll_to(x=nodes.virtual_size.width, animate=False, immediate=True, force=True)
        await pilot.pause()
        header = painted(nodes, 0)
        assert "LOGICAL ID" in header and "SW UPDATE" in header
        key = nodes.cursor_key
        assert key is not None
        node_type = nodes.row(key).values[nodes.model.column_index["instance_type"]]
        assert node_type and node_type in "".join(painted(nodes, y) for y in range(1, nodes.size.height))
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert not nodes.wide and nodes.virtual_size.width == normal_width


async def test_the_column_chooser_hides_a_column_and_saves_it_in_the_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "hyperpod-light"\n\n[keymap]\nquit = "f10"\n')
    app = make_app(config_file=config)
    async with app.run_test(size=(120, 40)) as pilot:
        nodes = await open_nodes(pilot)
        assert "HOSTNAME" in painted(nodes, 0)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ColumnChooser)
        await pilot.press(
            "down", "down", "down", "down", "down", "down", "space"
        )  # the 7th column (after SLURM, K8S): HOSTNAME, off
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not None and not isinstance(app.screen, ColumnChooser)
        assert "HOSTNAME" not in painted(nodes, 0) and "INSTANCE ID" in painted(nodes, 0)
    saved = read_config_file(config)
    assert saved["theme"] == "hyperpod-light" and saved["keymap"] == {"quit": "f10"}  # the rest is kept
    assert "hostname" not in saved["columns"]["nodes"] and "instance_id" in saved["columns"]["nodes"]
    # The next start shows the saved choice.
    app = make_app(config_file=config, columns=saved["columns"])
    async with app.run_test(size=(120, 40)) as pilot:
        nodes = await open_nodes(pilot)
        assert "HOSTNAME" not in painted(nodes, 0) and "STATUS" in painted(nodes, 0)


async def test_a_config_that_cannot_be_written_keeps_the_choice_for_the_session(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("not = [valid toml\n")  # never overwritten: it is the user's file
    app = make_app(config_file=config)
    async with app.run_test(size=(120, 40)) as pilot:
        nodes = await open_nodes(pilot)
        await pilot.press("c", "down", "down", "down", "down", "down", "down", "space", "enter")  # HOSTNAME
        await settle(pilot)
        assert "HOSTNAME" not in painted(nodes, 0)
        assert any("for this session only" in text for text, _ in notices(app))
    assert config.read_text() == "not = [valid toml\n"
