"""Issue 13 item 5 in the model: numeric and IP-aware sort, range marks, the filter's words for an empty table, and
columns that shrink back once their widest value is gone."""

from __future__ import annotations

from tui.core.table_model import TableModel
from tui.core.tables import CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS, TableRow


def node(key: str, *, ip: str = "", hostname: str = "h", message: str = "") -> TableRow:
    return TableRow(key, (key, "workers", "Running", (), (), (), hostname, ip, 1_000_000.0, (), message, *("",) * 5))


def group(key: str, count: str) -> TableRow:
    return TableRow(key, (key, "ml.p5.48xlarge", count, "InService", (), "Compute", (), (), ""))


def test_ip_sort_orders_by_address_not_by_text() -> None:
    model = TableModel(NODE_COLUMNS, sort="ip")
    ips = {"a": "10.0.0.10", "b": "10.0.0.9", "c": "", "d": "9.1.1.1", "e": "fe80::1", "f": "10.0.1.2"}
    model.set_rows(node(key, ip=ip) for key, ip in ips.items())
    assert model.order == ["d", "b", "a", "f", "e", "c"]  # IPv4 by value, then IPv6, an empty cell last
    model.reverse_sort()
    assert model.order == ["c", "e", "f", "a", "b", "d"]


def test_count_text_sorts_numerically() -> None:
    model = TableModel(GROUP_COLUMNS, sort="count")
    model.set_rows([group("x", "10/10"), group("y", "2/16"), group("z", "112/112"), group("w", "")])
    assert model.order == ["y", "x", "z", "w"]


def test_cluster_node_counts_sort_numerically() -> None:
    model = TableModel(CLUSTER_COLUMNS, sort="nodes")
    model.set_rows(TableRow(k, (k, "InService", "Slurm", n, (), (), 1.0)) for k, n in [("a", 10), ("b", 9), ("c", 100)])
    assert model.order == ["b", "a", "c"]


def test_range_mark_from_the_last_mark_to_the_cursor() -> None:
    model = TableModel(NODE_COLUMNS, markable=True, sort="instance_id")
    model.set_rows(node(f"i-{n:02d}") for n in range(10))
    model.move_cursor(2)
    assert model.toggle_mark()
    model.move_cursor(6)
    assert model.mark_range() == 4  # rows 3..6 are new; row 2 was marked already
    assert model.marks == {f"i-{n:02d}" for n in range(2, 7)}
    model.move_cursor(8)  # the range continues from the end of the last one
    assert model.mark_range() == 2
    assert model.marks == {f"i-{n:02d}" for n in range(2, 9)}
    model.clear_marks()
    assert model.marks == set() and model.last_mark is None
    model.move_cursor(4)
    assert model.mark_range() == 1  # no last mark: just the cursor's row
    assert model.marks == {"i-04"}


def test_range_mark_upwards_and_only_rows_shown() -> None:
    model = TableModel(NODE_COLUMNS, markable=True, sort="instance_id")
    model.set_rows(node(f"i-{n:02d}", hostname="odd" if n % 2 else "even") for n in range(10))
    model.move_cursor(7)
    model.toggle_mark()
    model.set_filter("hostname:even")
    model.move_cursor(0)
    # the last mark (i-07) is hidden by the filter: the range is the cursor's row alone
    assert model.mark_range() == 1
    assert model.marks == {"i-07", "i-00"}
    model.move_cursor(3)  # i-06
    model.mark_range()
    assert model.marks == {"i-00", "i-02", "i-04", "i-06", "i-07"}  # odd rows, hidden, were not marked


def test_range_mark_needs_a_markable_table() -> None:
    model = TableModel(NODE_COLUMNS, markable=False)
    model.set_rows([node("i-1")])
    assert model.mark_range() == 0 and not model.marks


def test_empty_filter_says_no_matches_or_names_the_unknown_column() -> None:
    model = TableModel(NODE_COLUMNS)
    model.set_rows([node("i-1"), node("i-2")])
    assert model.empty_message() is None
    model.set_filter("zzz")
    assert model.empty_message() == "no matches"
    model.set_filter("foo:bar")
    message = model.empty_message()
    assert message is not None and message.startswith('no column "foo" (columns: instance_id, group, status')
    model.set_filter("status:run")
    assert model.empty_message() is None and model.filter_problem is None
    model.set_rows([])
    model.set_filter("zzz")
    assert model.empty_message() is None  # no rows at all: the table's own placeholder says why


def test_a_column_shrinks_back_when_its_widest_value_is_gone() -> None:
    model = TableModel(NODE_COLUMNS)
    model.set_rows([node("i-1", hostname="short"), node("i-2", hostname="h")])
    narrow = model.widths[model.column_index["hostname"]]
    update = model.update_rows([node("i-2", hostname="a-much-longer-hostname")])
    assert update is not None and update.widths_changed
    assert model.widths[model.column_index["hostname"]] == len("a-much-longer-hostname")
    update = model.update_rows([node("i-2", hostname="h")])
    assert update is not None and update.widths_changed
    assert model.widths[model.column_index["hostname"]] == narrow
    model.update_rows([node("i-3", hostname="another-long-one")])
    model.update_rows([], removed=["i-3"])
    assert model.widths[model.column_index["hostname"]] == narrow


def test_sort_letters_are_unique_per_table_and_free_of_other_keys() -> None:
    taken = set("RPDSGO")  # node actions, full-screen shell, bottom, reverse sort
    for columns in (CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS):
        letters = [c.sort_letter for c in columns]
        assert all(len(letter) == 1 and letter.isupper() for letter in letters)
        assert len(set(letters)) == len(letters)
        assert not taken & set(letters)
    for columns in (GROUP_COLUMNS, NODE_COLUMNS):  # C: the deep health check of those panes
        assert "C" not in {c.sort_letter for c in columns}
    assert "K" not in {c.sort_letter for c in NODE_COLUMNS}  # K: the nodes pane's scheduler actions


def test_wide_mode_and_the_chosen_columns_decide_what_is_shown() -> None:
    model = TableModel(NODE_COLUMNS)
    keys = [c.key for c in NODE_COLUMNS]
    normal = [keys[i] for i in model.shown]
    assert normal == [c.key for c in NODE_COLUMNS if not c.wide] and "instance_type" not in normal
    model.set_view(wide=True)
    wide = [keys[i] for i in model.shown]
    assert set(wide) == set(keys) and wide[-1] == "message"  # wide columns before the flex column
    model.set_view(wide=False, chosen=["ip", "instance_type", "instance_id"])
    assert [keys[i] for i in model.shown] == ["instance_id", "ip", "instance_type"]
    model.set_view(chosen=[])  # never an empty table
    assert [keys[i] for i in model.shown] == ["instance_id"]
    model.set_view(chosen=None)
    assert [keys[i] for i in model.shown] == normal
    clusters = TableModel(CLUSTER_COLUMNS)
    assert clusters.shown == list(range(len(CLUSTER_COLUMNS)))  # no wide columns: the defined order
