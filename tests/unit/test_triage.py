"""core/triage.py: one row per not-healthy node, worst first then oldest, with what HyperPod is doing."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from tui.core.health import EVENTBRIDGE, FAULT, HMA, OK, PROGRESS, STATUS, Signal, judge
from tui.core.models import Node
from tui.core.triage import freshness, hyperpod_doing, split_key, triage_entries, triage_row

NOW = 1_000_000.0


def node(instance_id: str, status: str = "Running", hostname: str = "ip-10-0-0-1") -> Node:
    return Node(instance_id, "workers", "ml.p5.48xlarge", status, "", NOW - 86_400, hostname)


def snapshot(cluster: str, nodes: list[Node], verdicts: dict) -> SimpleNamespace:
    return SimpleNamespace(cluster=cluster, nodes={n.key: n for n in nodes}, verdicts=verdicts)


def verdict(key: str, *signals: Signal, status: str = "Running", recovery: str = "Automatic"):
    return replace(judge(key, signals, status=status, node_recovery=recovery), recovery=recovery)


XID = Signal(HMA, NOW - 240, FAULT, "GPU XID 79", "XID Error · ErrNum=79", fault="hardware")
OLD_XID = replace(XID, time=NOW - 3600)
DHC_RUNNING = Signal(STATUS, 0.0, PROGRESS, "DHC running")
HEALED = Signal(HMA, NOW - 60, OK, "healthy")


def test_worst_first_then_the_longest_standing_and_healthy_nodes_left_out() -> None:
    a, b, c, d = node("i-a"), node("i-b"), node("i-c", "DeepHealthCheckInProgress"), node("i-d")
    entries = triage_entries(
        [
            snapshot(
                "one",
                [a, b, c, d],
                {
                    "i-a": verdict("i-a", XID),
                    "i-b": verdict("i-b", OLD_XID),
                    "i-c": verdict("i-c", DHC_RUNNING, status="DeepHealthCheckInProgress"),
                    "i-d": verdict("i-d", replace(XID, time=NOW - 120), HEALED),  # cleared by a later ok
                },
            ),
            snapshot("two", [node("i-e")], {"i-gone": verdict("i-gone", XID)}),  # a verdict whose node left
        ],
        NOW,
    )
    assert [(e.cluster, e.node) for e in entries] == [("one", "i-b"), ("one", "i-a"), ("one", "i-c")]
    first = entries[0]
    assert first.step == "replace" and first.health == "GPU XID 79 · HMA 1h" and first.since == NOW - 3600
    assert first.hyperpod == "idle · auto recovery" and first.needs_action
    assert entries[2].step == "wait" and entries[2].since is None and not entries[2].needs_action
    assert entries[2].hyperpod == "deep health check · auto recovery"
    assert split_key(triage_row(first).key) == ("one", "i-b")


def test_what_hyperpod_is_doing_and_recovery_off() -> None:
    repairing = Signal(EVENTBRIDGE, NOW - 10, FAULT, "replace pending", action="replace", repairing=True)
    assert hyperpod_doing(verdict("i-a", repairing), "Running") == "replace in progress · auto recovery"
    assert hyperpod_doing(verdict("i-a", XID, recovery="None"), "Running") == "idle · recovery off"
    assert hyperpod_doing(verdict("i-a", XID, recovery=""), "Pending") == "Pending (recovering)"
    off = triage_entries([snapshot("c", [node("i-a")], {"i-a": verdict("i-a", XID, recovery="None")})], NOW)
    assert off[0].step == "replace (needs manual action)"


def test_hostile_names_are_clean() -> None:
    hostile = node("i-a", hostname="ip\x1b[2J[/]\u202e")
    (entry,) = triage_entries([snapshot("c\x1b]52;c;x\x07", [hostile], {"i-a": verdict("i-a", XID)})], NOW)
    assert "\x1b" not in entry.name + entry.cluster and "\u202e" not in entry.name


def test_freshness() -> None:
    assert freshness({}, 0, NOW) == "no clusters"
    assert freshness({}, 2, NOW) == "no cluster's nodes listed yet"
    assert freshness({"a": NOW - 5}, 1, NOW) == "1 cluster · listed 5s ago"
    assert freshness({"a": NOW - 5, "b": NOW - 130}, 3, NOW) == "2 clusters · listed 5s–2m ago · 1 not listed yet"
