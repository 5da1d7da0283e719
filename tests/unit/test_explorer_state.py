"""ExplorerState without an App: what a refresh result is kept for, and what forgetting a cluster drops."""

from __future__ import annotations

from tui.core.explorer import ExplorerState
from tui.core.models import ClusterSummary, Node
from tui.core.snapshot import build_snapshot


def summary(name: str) -> ClusterSummary:
    return ClusterSummary(name, f"arn:aws:sagemaker:us-west-2:123456789012:cluster/{name}", "InService", 1.0)


def node(instance_id: str, status: str = "Running") -> Node:
    return Node(instance_id, "g", "ml.m5.large", status, "", 1.0, "")


def test_an_older_listing_never_replaces_a_newer_one_and_an_unlisted_cluster_keeps_nothing():
    state = ExplorerState()
    state.take_clusters([summary("a")])
    newer = build_snapshot("a", [node("i-1", "Failure")], None, 20.0)
    assert state.take_snapshot(newer)
    assert not state.take_snapshot(build_snapshot("a", [node("i-1")], None, 10.0))  # finished late
    assert state.node_status("a", "i-1") == "Failure"
    assert state.node_status("a", "i-2") == ""  # listed, not in the listing
    assert state.node_status("b", "i-1") is None  # never listed
    assert not state.take_snapshot(build_snapshot("b", [node("i-9")], None, 30.0))
    assert state.snapshot_of("b") is None


def test_a_cluster_no_longer_listed_is_forgotten_with_its_details_and_the_focus_moves_off_it():
    state = ExplorerState()
    state.take_clusters([summary("a"), summary("b")])
    state.take_snapshot(build_snapshot("a", [node("i-1")], None, 1.0))
    state.focus = "a"
    assert state.focus_snapshot is not None
    assert state.take_clusters([summary("b")]) == ["a"]
    assert state.focus is None and state.focus_snapshot is None
    assert state.snapshot_of("a") is None and state.cluster_names == ["b"]
    copy = state.snapshots_copy()
    state.take_snapshot(build_snapshot("b", [node("i-2")], None, 2.0))
    assert copy == {}  # a frozen copy, not a view
