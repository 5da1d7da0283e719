"""TableModel without an App: the sort order, the cursor's row, filter, scope and marks through keyed updates."""

from __future__ import annotations

import random

import pytest

from tui.core.table_model import TableModel
from tui.core.tables import NODE_COLUMNS, TableRow, sort_key

STATUSES = ["Running", "Running", "Running", "Failure", "Pending", "DeepHealthCheckInProgress", "ShuttingDown"]


def row(key: str, rng: random.Random, group: str | None = None) -> TableRow:
    return TableRow(
        key,
        (
            key,
            group or f"g-{rng.randrange(3)}",
            rng.choice(STATUSES),
            (),  # health
            (),  # slurm
            (),  # k8s
            f"ip-{rng.randrange(99)}",
            "",
            1_000_000.0 + rng.randrange(1000),
            (),  # image
            rng.choice(["", "lifecycle failed"]),
            *("",) * 5,  # the wide columns: type, launched, image version, software update, logical id
        ),
    )


def expected(model: TableModel) -> list[str]:
    column = model.sort_column
    if column is None:
        keys = list(model.rows)
        return keys[::-1] if model.sort_reverse else keys
    index = model.column_index[column.key]
    return [r.key for r in sorted(model.rows.values(), key=sort_key(column, index), reverse=model.sort_reverse)]


@pytest.mark.parametrize("sort", ["status", "hostname", "age", None])
def test_updates_keep_the_exact_order_and_the_cursor_on_its_row(sort):
    rng = random.Random(3)
    model = TableModel(NODE_COLUMNS, markable=True, sort=sort)
    model.set_rows([row(f"i-{n:04d}", rng) for n in range(300)])
    model.move_cursor(37)
    cursor = model.cursor_key
    for step in range(12):
        keys = list(model.rows)
        changed = [row(key, rng) for key in rng.sample(keys, 15)]
        added = [row(f"new-{step}-{n}", rng) for n in range(rng.randrange(3))]
        removed = [key for key in rng.sample(keys, rng.randrange(3)) if key != cursor]
        update = model.update_rows([*changed, *added], removed)
        assert update is not None and sorted(update.removed) == sorted(removed)
        if step == 6:
            model.reverse_sort()
        assert model.order == expected(model), (sort, step)
        assert model.cursor_key == cursor and model.order[model.cursor] == cursor


def test_many_changed_rows_take_the_full_sort_and_stay_exact():
    rng = random.Random(11)
    model = TableModel(NODE_COLUMNS, sort="status")
    model.set_rows([row(f"i-{n:04d}", rng) for n in range(200)])
    model.update_rows([row(key, rng) for key in list(model.rows)[:120]])  # more than a quarter: a full sort
    assert model.order == expected(model)


def test_an_update_with_nothing_new_returns_none():
    rng = random.Random(5)
    model = TableModel(NODE_COLUMNS, sort="status")
    rows = [row(f"i-{n:03d}", rng) for n in range(50)]
    model.set_rows(rows)
    order = model.order
    assert model.update_rows([TableRow(r.key, tuple(r.values)) for r in rows], ["not-there"]) is None
    assert model.order is order


def test_the_cursor_falls_back_to_its_place_when_its_row_goes():
    rng = random.Random(1)
    model = TableModel(NODE_COLUMNS, sort="instance_id")
    model.set_rows([row(f"i-{n}", rng) for n in range(5)])
    model.move_cursor(2)
    model.update_rows((), ["i-2"])
    assert model.cursor == 2 and model.cursor_key == "i-3"
    model.move_cursor(99)
    assert model.cursor_key == "i-4"  # clamped
    model.set_rows(())
    assert model.cursor_key is None and model.order == []


def test_filter_and_scope_combine_and_the_cursor_follows_its_row():
    rng = random.Random(2)
    model = TableModel(NODE_COLUMNS, sort="instance_id")
    model.set_rows([row(f"i-{n}", rng, group="a" if n % 2 else "b") for n in range(10)])
    model.move_cursor(model.order.index("i-5"))
    model.set_scope(model.where("group", "a"))
    assert model.order == ["i-1", "i-3", "i-5", "i-7", "i-9"] and model.cursor_key == "i-5"
    model.set_filter("i-7")
    assert model.order == ["i-7"] and model.query == "i-7"
    model.set_filter("")
    model.set_scope(None)
    assert len(model.order) == 10


def test_rows_are_read_by_column_name():
    rng = random.Random(4)
    model = TableModel(NODE_COLUMNS)
    model.set_rows([row("i-1", rng, group="workers")])
    assert model.value(model.rows["i-1"], "group") == "workers"
    assert model.where("group", "workers")(model.rows["i-1"])
    with pytest.raises(KeyError):
        model.where("no-such-column", "x")


def test_marks_hidden_by_the_filter_are_counted_and_removed_rows_are_unmarked():
    rng = random.Random(6)
    model = TableModel(NODE_COLUMNS, markable=True, sort="instance_id")
    model.set_rows([row(f"i-{n}", rng) for n in range(6)])
    assert model.mark_keys(["i-1", "i-2", "not-a-row"])
    assert model.marks == {"i-1", "i-2"}
    assert model.hidden_marks() == 0
    model.set_filter("i-1")
    assert model.hidden_marks() == 1
    model.set_filter("")
    model.update_rows((), ["i-2"])
    assert model.marks == {"i-1"}
    model.move_cursor(0)
    assert model.toggle_mark() and model.marks == {"i-0", "i-1"}  # the cursor's row
    model.clear_marks()
    assert model.marks == set()


def test_toggle_mark_on_the_cursor_row_and_an_unmarkable_table_refuses():
    rng = random.Random(7)
    model = TableModel(NODE_COLUMNS, markable=True, sort="instance_id")
    model.set_rows([row(f"i-{n}", rng) for n in range(3)])
    model.move_cursor(1)
    assert model.toggle_mark() and model.marks == {"i-1"}
    assert model.toggle_mark("i-1") and model.marks == set()
    assert not model.toggle_mark("i-9")
    plain = TableModel(NODE_COLUMNS)
    plain.set_rows([row("i-1", rng)])
    assert not plain.toggle_mark("i-1") and not plain.mark_keys(["i-1"]) and plain.marks == set()


def test_set_rows_keeps_only_the_marks_whose_rows_remain():
    rng = random.Random(8)
    model = TableModel(NODE_COLUMNS, markable=True)
    model.set_rows([row(f"i-{n}", rng) for n in range(3)])
    model.mark_keys(["i-0", "i-2"])
    model.set_rows([row("i-2", rng)])
    assert model.marks == {"i-2"}


def test_sort_by_and_next_sort_key():
    rng = random.Random(9)
    model = TableModel(NODE_COLUMNS)
    model.set_rows([row(f"i-{n}", rng) for n in range(20)])
    assert model.sort_column is None and model.next_sort_key() == "instance_id"
    model.sort_by("status", reverse=True)
    assert model.sort_column is not None and model.sort_column.key == "status" and model.sort_reverse
    assert model.order == expected(model)
    assert model.next_sort_key() == "health"


def test_widths_grow_with_content_and_report_a_change():
    model = TableModel(NODE_COLUMNS)
    hostname = model.column_index["hostname"]
    base = ("i-1", "g", "Running", (), (), (), "h", "", 1.0, "", "", *("",) * 5)
    assert base[hostname] == "h"
    model.set_rows([TableRow("i-1", base)])
    before = model.widths[hostname]
    update = model.update_rows([TableRow("i-2", base[:hostname] + ("a-much-longer-hostname",) + base[hostname + 1 :])])
    assert update is not None and update.widths_changed
    assert model.widths[hostname] == len("a-much-longer-hostname") > before
    same = model.update_rows([TableRow("i-3", base)])
    assert same is not None and not same.widths_changed
    age = model.column_index["age"]
    assert model.widths[age] >= 5  # "400d" is formatted at paint time: never sized by its content


def test_column_widths_are_terminal_cells():
    """A CJK group name takes two cells a character; combining marks none: the column fits what the terminal shows."""
    rng = random.Random(5)
    model = TableModel(NODE_COLUMNS)
    model.set_rows([row("i-1", rng, group="日本語のグループ"), row("i-2", rng, group="e\u0301" * 9)])
    group = [column.key for column in NODE_COLUMNS].index("group")
    assert model.widths[group] == 16  # 8 wide characters; the 9 combining pairs take 9 cells
