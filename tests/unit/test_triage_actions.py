"""core.triage_actions: triage row keys of several clusters → one plan per cluster, each with its own rules."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tests.unit.test_actions import detail, nodes
from tui.core.actions import REBOOT, REPLACE
from tui.core.models import Node
from tui.core.triage import row_key
from tui.core.triage_actions import action_builder, group_by_cluster, plan_across, plans_title


@dataclass
class Listing:
    nodes: dict[str, Node]


def world():
    train, infer = detail(), replace(detail(), name="infer", arn="arn:aws:sagemaker:us-east-1:1:cluster/x")
    listings = {
        "train": Listing({n.key: n for n in nodes(3)}),
        "infer": Listing({n.key: n for n in nodes(2, group="spare")}),
    }
    return {"train": train, "infer": infer}, listings


def test_rows_of_two_clusters_make_one_plan_each_in_the_order_first_seen() -> None:
    details, listings = world()
    a, b = list(listings["train"].nodes)[:2]
    c = next(iter(listings["infer"].nodes))
    keys = [row_key("infer", c), row_key("train", a), row_key("train", b), row_key("train", a)]
    across = plan_across(keys, details, listings, action_builder(REBOOT), hidden=[row_key("train", b)])
    assert [(plan.cluster, plan.node_ids) for plan in across.plans] == [("infer", (c,)), ("train", (a, b))]
    assert [plan.hidden_by_filter for plan in across.plans] == [0, 1]
    assert across.missing == ()
    assert plans_title(across.plans) == "Reboot 3 nodes in 2 clusters · BatchRebootClusterNodes"


def test_each_plan_keeps_its_own_clusters_rules_and_typed_name() -> None:
    details, listings = world()
    keys = [row_key("train", k) for k in listings["train"].nodes] + [
        row_key("infer", k) for k in listings["infer"].nodes
    ]
    across = plan_across(keys, details, listings, action_builder(REPLACE))
    assert all(plan.needs_typed_name for plan in across.plans)  # replace: the name of each cluster
    # every node of "infer" (2 of 2): that plan says so; "train" has 3 of its 3 listed too
    assert all(any("Every node" in reason for reason in plan.typed_name_reasons) for plan in across.plans)


def test_rows_whose_cluster_or_node_is_not_in_hand_are_missing_not_planned() -> None:
    details, listings = world()
    known = next(iter(listings["train"].nodes))
    keys = [row_key("train", known), row_key("train", "i-gone"), row_key("elsewhere", "i-1")]
    across = plan_across(keys, details, listings, action_builder(REBOOT))
    assert [plan.node_ids for plan in across.plans] == [(known,)]
    assert across.missing == (row_key("train", "i-gone"), row_key("elsewhere", "i-1"))


def test_grouping_keeps_fleet_keys_whole() -> None:
    [targets] = group_by_cluster(["train@us-east-1/i-1", "train@us-east-1/i-2"])
    assert targets.cluster == "train@us-east-1" and targets.node_keys == ("i-1", "i-2")


def test_a_builder_is_any_per_cluster_plan_maker() -> None:
    details, listings = world()
    keys = [row_key("train", k) for k in listings["train"].nodes]
    across = plan_across(keys, details, listings, lambda d, ns, hidden, total: (d.name, len(ns), total))
    assert across.plans == (("train", 3, 3),)
