"""k9s table habits on the nodes pane, against the simulator at 80×24: shift+<letter> sort keys with ↑ for
ascending, ctrl+space range marks and ctrl+\\ to clear them, the words of an empty filtered table, and a column
that shrinks back once its widest value is gone."""

from __future__ import annotations

import dataclasses

import pytest

from tests.harness import make_app, settle
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
