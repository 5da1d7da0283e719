from tui.core.diff import KeyedDiff, diff_keyed, transitions
from tui.core.models import Node


def node(instance_id, status="Running", group="workers"):
    return Node(instance_id, group, "ml.p5.48xlarge", status, "", 1.0, f"ip-10-1-0-{instance_id[-1]}")


def test_added_removed_changed_in_order():
    old = {"a": 1, "b": 2, "c": 3}
    new = {"b": 2, "c": 30, "d": 4, "e": 5}
    assert diff_keyed(old, new) == KeyedDiff(added=("d", "e"), removed=("a",), changed=("c",))


def test_identical_snapshots_have_an_empty_diff():
    snapshot = {f"i-{n}": node(f"i-{n}") for n in range(50)}
    diff = diff_keyed(snapshot, dict(snapshot))
    assert not diff and diff.count == 0


def test_removal_is_found_even_when_a_key_is_replaced():
    # Same size, different keys: the size shortcut must not hide the removal.
    assert diff_keyed({"a": 1, "b": 2}, {"a": 1, "c": 3}) == KeyedDiff(added=("c",), removed=("b",))


def test_status_transitions_name_both_sides():
    old = {"i-1": node("i-1"), "i-2": node("i-2")}
    new = {"i-1": node("i-1", "Failure"), "i-2": node("i-2"), "i-3": node("i-3", "Pending")}
    found = transitions(old, new, lambda n: n.status)
    assert [(t.key, t.before, t.after) for t in found] == [("i-1", "Running", "Failure")]
