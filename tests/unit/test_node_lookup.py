"""Finding a node by any of its names, and DescribeClusterNode of every cluster for an id no listing holds:
bounded in clusters, parallel calls and time (tui/core/node_lookup.py)."""

from __future__ import annotations

import threading

from tui.core.models import Node, NodeDetail
from tui.core.node_lookup import NodeIndex, describe_everywhere, instance_id_in, matches, search_text

ID = "i-0123456789abcdef0"


def node(instance_id: str = ID, hostname: str = "ip-10-1-2-3.us-west-2.compute.internal") -> Node:
    return Node(instance_id, "workers", "ml.g5.8xlarge", "Running", "", None, hostname)


class NotFound(Exception):
    response = {"Error": {"Code": "ResourceNotFound"}}


def test_every_name_of_a_node_finds_it():
    entries = [(search_text(node()), "c1", node())]
    for query in (ID, ID[:8], "hyperpod-" + ID, "ip-10-1-2-3", "10.1.2.3", "IP-10-1-2"):
        assert [m.cluster for m in matches(entries, query)] == ["c1"], query
    assert list(matches(entries, "10.1.2.4")) == []


def test_a_whole_instance_id_is_recognised_and_nothing_else():
    assert instance_id_in(f"  {ID.upper()} ") == ID
    assert instance_id_in("hyperpod-" + ID) == ID
    assert instance_id_in("i-01234567") == "i-01234567"
    assert instance_id_in(ID[:-1]) is None and instance_id_in("ip-10-1-2-3") is None


def test_each_cluster_is_asked_and_the_one_that_has_it_answers():
    detail = NodeDetail.from_api({"InstanceId": ID, "InstanceGroupName": "workers"})

    def describe(cluster: str, instance_id: str) -> NodeDetail:
        if cluster == "b":
            return detail
        raise NotFound

    result = describe_everywhere(describe, ["a", "b", "c"], ID)
    assert result.found == (("b", detail),) and result.asked == 3 and result.unanswered == () and result.skipped == 0


def test_the_lookup_is_bounded_in_clusters_parallel_calls_and_time():
    release = threading.Event()
    lock = threading.Lock()
    running, most, asked = [0], [0], []

    def describe(cluster: str, instance_id: str) -> NodeDetail:
        with lock:
            asked.append(cluster)
            running[0] += 1
            most[0] = max(most[0], running[0])
        if cluster != "c0":
            release.wait(30)  # hangs past the deadline
        with lock:
            running[0] -= 1
        raise NotFound

    clusters = [f"c{i}" for i in range(30)]
    try:
        result = describe_everywhere(describe, clusters, ID, max_clusters=10, concurrency=3, deadline=0.5)
    finally:
        release.set()
    assert result.skipped == 20 and most[0] <= 3
    assert set(asked) <= set(clusters[:10]) and result.asked == 1
    assert set(result.unanswered) == set(clusters[1:10])


class Listing:
    """What NodeIndex reads of a NodeSnapshot."""

    def __init__(self, cluster: str, fetched_at: float, *nodes: Node) -> None:
        self.cluster, self.fetched_at, self.nodes = cluster, fetched_at, {n.instance_id: n for n in nodes}


def test_the_index_puts_the_open_cluster_first_and_follows_newer_listings_only():
    a, b = node("i-000000000000000aa"), node("i-000000000000000bb", "ip-10-9-9-9")
    index = NodeIndex()
    listings = {"a": Listing("a", 1.0, a), "b": Listing("b", 1.0, b)}
    assert [cluster for _, cluster, _ in index.entries(listings, first="b")] == ["b", "a"]
    first = index.entries(listings)
    assert index.entries(listings)[0] is first[0]  # kept, not rebuilt
    moved = node("i-000000000000000aa", "ip-10-7-7-7")
    listings["a"] = Listing("a", 2.0, moved)
    assert [m.node for m in matches(index.entries(listings), "10.7.7.7")] == [moved]
    del listings["b"]
    assert [cluster for _, cluster, _ in index.entries(listings)] == ["a"]
