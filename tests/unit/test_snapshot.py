from tui.core.models import Node
from tui.core.refresh import next_interval, plan_refresh
from tui.core.snapshot import build_snapshot


def node(instance_id, status="Running", group="g"):
    return Node(instance_id, group, "ml.m5.large", status, "", 1.0, "")


def test_snapshot_reuses_rows_of_unchanged_nodes_and_diffs():
    first = build_snapshot("c", [node("i-1"), node("i-2")], None, 10.0)
    assert first.diff.added == ("i-1", "i-2") and first.base_fetched_at is None
    second = build_snapshot("c", [node("i-1", "Failure"), node("i-2"), node("i-3", group="h")], first, 20.0)
    assert second.diff.changed == ("i-1",) and second.diff.added == ("i-3",)
    assert second.rows["i-2"] is first.rows["i-2"]
    assert second.rows["i-1"] is not first.rows["i-1"]
    assert second.base_fetched_at == 10.0
    assert [(t.key, t.after) for t in second.transitions] == [("i-1", "Failure")]
    # the Failure node is unhealthy too: its count comes first (issue 15), then the statuses
    assert second.group_health["g"] == (("1 unhealthy", "Failure"), ("1 Failure", "Failure"), ("1 Running", "Running"))
    assert second.group_health["h"] == (("1 Running", "Running"),)


def test_plan_describes_everything_first_then_focus_and_stalest():
    names = ["a", "b", "c", "d"]
    first = plan_refresh(names, "c", {}, first=True)
    assert first.describe == ("a", "b", "c", "d") and first.list_nodes[0] == "c"
    later = plan_refresh(names, "c", {"a": 5.0, "b": 1.0, "c": 9.0, "d": 3.0}, first=False, others_per_tick=2)
    assert later.list_nodes == ("c", "b", "d") and later.describe == ("c", "b", "d")
    assert plan_refresh(names, "gone", {}, first=False, others_per_tick=0).list_nodes == ("a",)
    assert plan_refresh([], None, {}, first=True).list_nodes == ()


def test_backoff_doubles_on_throttling_up_to_a_minute():
    assert [next_interval(5, n) for n in (0, 1, 2, 5)] == [5, 10, 20, 60]
    assert next_interval(0, 3) == 0


def test_snapshot_keeps_the_previous_objects_of_unchanged_nodes():
    first = build_snapshot("c", [node("i-1"), node("i-2")], None, 10.0)
    second = build_snapshot("c", [node("i-1", "Failure"), node("i-2")], first, 20.0)
    assert second.nodes["i-2"] is first.nodes["i-2"]
    assert second.nodes["i-1"] is not first.nodes["i-1"] and second.nodes["i-1"].status == "Failure"
