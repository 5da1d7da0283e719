"""core/events.py: the traps of real ListClusterEvents / DescribeClusterEvent answers, and operations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from tests.sim.conftest import T0, clients
from tui.core import bounds
from tui.core.events import (
    NO_LEVEL,
    ClusterEvent,
    EventDetail,
    EventQuery,
    EventsUnavailable,
    extract_instance_id,
    fold,
    list_events,
)
from tui.core.models import InstanceGroup
from tui.core.operations import GroupActivity, Operation, group_activity, list_operations
from tui.sim import SimClock, Simulator

EKS = "genai-eks-prod"


def summary(event_id="e1", at=T0, description="x", level=None, **extra) -> dict:
    item = {
        "EventId": event_id,
        "ClusterArn": "arn:aws:sagemaker:us-west-2:1:cluster/abc",
        "ClusterName": EKS,
        "ResourceType": extra.pop("ResourceType", "Instance"),
        "EventTime": datetime.fromtimestamp(at, UTC),
        "Description": description,
        **extra,
    }
    if level is not None:
        item["EventLevel"] = level
    return item


@pytest.fixture
def sim() -> Simulator:
    return Simulator("demo", clock=SimClock.frozen(at=T0), seed=7)


def test_the_instance_id_is_read_from_the_description_only_when_the_answer_has_none():
    assert extract_instance_id("EC2 Instance i-0123456789abcdef0 successfully provisioned") == "i-0123456789abcdef0"
    assert extract_instance_id("EC2 Instance  successfully terminated") is None
    assert extract_instance_id("wi-0123456789abcdef0x") is None
    event = ClusterEvent.from_api(summary(description="EC2 Instance i-0123456789abcdef0 provisioned"))
    assert event is not None and event.instance_id == "i-0123456789abcdef0" and event.instance_id_from_description
    given = ClusterEvent.from_api(summary(description="about i-0123456789abcdef0", InstanceId="i-0aaaaaaaaaaaaaaaa"))
    assert given is not None and given.instance_id == "i-0aaaaaaaaaaaaaaaa" and not given.instance_id_from_description
    cluster = ClusterEvent.from_api(summary(description="i-0123456789abcdef0", ResourceType="Cluster"))
    assert cluster is not None and cluster.instance_id is None


def test_no_level_is_shown_as_a_dash_never_guessed_and_bad_items_are_dropped():
    event = ClusterEvent.from_api(summary())
    assert event is not None and event.level is None and event.level_text == NO_LEVEL
    assert ClusterEvent.from_api({"EventId": "x"}) is None  # no time
    assert ClusterEvent.from_api(summary(event_id="")) is None
    assert ClusterEvent.from_api("nope") is None  # type: ignore[arg-type]
    # the envelope's EventTime is epoch milliseconds
    ms = ClusterEvent.from_api({**summary(), "EventTime": int(T0 * 1000)})
    assert ms is not None and ms.epoch == T0


def test_hostile_text_is_cleaned():
    event = ClusterEvent.from_api(summary(description="\x1b[2Jboom [/] [@click=app.quit]", InstanceGroupName="g\x07"))
    assert event is not None and "\x1b" not in event.description and "\x07" not in (event.group or "")


def test_fold_merges_the_provisioning_pair_and_repeats_but_not_neighbours():
    pair = [
        ClusterEvent.from_api(summary("a", T0, "Failed to provision EC2 Instance i-0123456789abcdef0", "Error")),
        ClusterEvent.from_api(summary("b", T0 + 1.1, "Instance creation for i-0123456789abcdef0 failed", "Error")),
        ClusterEvent.from_api(summary("c", T0 + 1.5, "Instance i-0123456789abcdef0 is Running", "Info")),
        ClusterEvent.from_api(summary("d", T0 + 10, "Failed to provision EC2 Instance i-0123456789abcdef0", "Error")),
        ClusterEvent.from_api(summary("e", T0 + 11, "same", None, InstanceId="i-0bbbbbbbbbbbbbbbb")),
        ClusterEvent.from_api(summary("f", T0 + 11.5, "same", None, InstanceId="i-0bbbbbbbbbbbbbbbb")),
        ClusterEvent.from_api(summary("g", T0 + 12, "other", None, InstanceId="i-0bbbbbbbbbbbbbbbb")),
    ]
    folded = fold([e for e in pair if e is not None])
    assert [(e.event_id, e.count) for e in folded] == [("a", 2), ("c", 1), ("d", 1), ("e", 2), ("g", 1)]
    assert folded[0].folded_ids == ("b",)
    # newest first folds the same way
    assert [(e.event_id, e.count) for e in fold(reversed([e for e in pair if e is not None]))][-2:] == [
        ("c", 1),
        ("b", 2),
    ]


def test_every_event_is_read_newest_first(sim):
    sm = clients(sim)[0]
    events = list_events(sm, EKS)
    assert len(events) == len(sim.cluster(EKS).events) > 20
    assert len({e.event_id for e in events}) == len(events)
    times = [e.epoch for e in events]
    assert times == sorted(times, reverse=True)


def test_paging_follows_next_token_and_stops_at_the_cap(sim, monkeypatch):
    from tui.core import events as module

    monkeypatch.setattr(module, "PAGE_SIZE", 5)
    sm = clients(sim)[0]
    events = list_events(sm, EKS, page_cap=100)
    assert len(events) == len(sim.cluster(EKS).events)
    with pytest.raises(bounds.ListingStopped):
        list_events(sm, EKS, page_cap=2)
    assert len(list_events(sm, EKS, page_cap=2, newest_only=True)) == 10  # the two newest pages


def test_filters_reach_the_service(sim):
    sm = clients(sim)[0]
    gpu = list_events(sm, EKS, group="gpu-workers")
    assert gpu and all(e.group == "gpu-workers" for e in gpu)
    node = next(e.instance_id for e in gpu if e.instance_id and not e.instance_id_from_description)
    mine = list_events(sm, EKS, node=node)
    assert mine and all(e.instance_id == node for e in mine)


def test_a_cluster_not_in_continuous_mode_raises_events_unavailable(sim):
    sm = clients(sim)[0]
    with pytest.raises(EventsUnavailable) as refused:
        list_events(sm, "llm-pretrain-slurm")
    assert "Continuous" in refused.value.message
    with pytest.raises(ClientError):  # any other error is not hidden as "no events"
        list_events(sm, "no-such-cluster")


def test_describe_walks_the_double_nesting_and_skips_null_subtrees():
    response = {
        "EventDetails": {
            **summary(description="EC2 Instance failed", level="Error"),
            "EventDetails": {
                "EventMetadata": {
                    "Instance": {
                        "FailureMessage": "boom \x1b[31mred",
                        "LcsExecutionState": "Failed",
                        "NodeLogicalId": "node-1",
                        "CustomerEni": "eni-1",
                        "AdditionalEnis": {"EfaEnis": ["eni-2", "eni-3"]},
                    },
                    "Cluster": None,
                    "InstanceGroup": {},
                    "InstanceMonitor": {"State": "Degraded"},
                    "InstanceHealth": None,
                }
            },
        }
    }
    detail = EventDetail.from_api(response)
    assert detail is not None
    assert [s.name for s in detail.sections] == ["Instance", "InstanceMonitor"]
    assert [s.known for s in detail.sections] == [True, False]
    assert set(detail.null_subtrees) == {"Cluster", "InstanceGroup", "InstanceHealth"}
    assert detail.failure_messages == (("Instance", "boom red"),)
    assert detail.lcs_execution_state == "Failed" and detail.node_logical_id == "node-1"
    assert ("AdditionalEnis.EfaEnis[1]", "eni-3") in detail.sections[0].fields
    # the first level only (no inner EventDetails) still gives the event, with no sections
    flat = EventDetail.from_api({"EventDetails": summary()})
    assert flat is not None and flat.sections == () and flat.null_subtrees == ()
    assert EventDetail.from_api({}) is None and EventDetail.from_api({"EventDetails": None}) is None


def test_describe_against_the_simulator(sim):
    import boto3

    from tui.core.aws import HyperPodApi
    from tui.core.events import describe_event

    session = boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2")
    sim.install(session)
    api = HyperPodApi(session)
    try:
        events = EventQuery(EKS).fetch(api)
        failed = next(e for e in events if "has Failed." in e.description)
        assert failed.cluster == EKS
        detail = describe_event(api, EKS, failed.event_id)
    finally:
        api.close()
    assert detail is not None and detail.lcs_execution_state == "Failed" and detail.failure_messages


def test_operations_and_scaling_activity(sim):
    sm = clients(sim)[0]
    operations = list_operations(sm, EKS)
    assert [o.type for o in operations] == ["Scaling"]
    scaling = operations[0]
    # 12→16 scale-up, and the two capacity-short nodes (sim builder.capacity_shortage) join it: 18 wanted
    assert scaling.text_for("gpu-workers") == "scaling 12→18" and scaling.text_for("training-p5") is None
    assert len(list_operations(sm, EKS, in_progress_only=False)) == 2
    assert list_operations(sm, "llm-pretrain-slurm") == []
    assert Operation.from_api({"nope": 1}) is None


def group(current: int, target: int, active: dict | None = None) -> InstanceGroup:
    return InstanceGroup.from_api(
        {"InstanceGroupName": "workers", "CurrentCount": current, "TargetCount": target, "ActiveOperations": active}
    )


def test_continuous_scaling_is_seen_in_the_counts_and_zero_of_forty_is_not_healthy():
    assert group_activity(group(3, 3)) is None
    assert group_activity(group(0, 40)) == GroupActivity("scaling 0→40", healthy=False)
    assert group_activity(group(40, 40, {"Scaling": 1})) == GroupActivity("scaling 40→40", healthy=True)
    assert group_activity(group(12, 10)) == GroupActivity("scaling 12→10", healthy=True)
    op = Operation.from_api(
        {
            "OperationId": "o",
            "Type": "Scaling",
            "Status": "InProgress",
            "ScalingDetails": [
                {
                    "InstanceGroupName": "workers",
                    "Status": "InProgress",
                    "Original": {"TargetCount": 12},
                    "Desired": {"TargetCount": 40},
                }
            ],
        }
    )
    assert op is not None
    assert group_activity(group(12, 40), [op]) == GroupActivity("scaling 12→40", healthy=False)


def test_the_group_row_says_scaling_in_the_warn_colour_while_nodes_are_missing():
    from tui.core.models import status_kind
    from tui.core.tables import GROUP_COLUMNS, group_row

    index = [c.key for c in GROUP_COLUMNS].index("activity")
    [(text, status)] = group_row(group(0, 40), None, slurm=False).values[index]
    assert text == "scaling 0→40" and status_kind(status) == "warn"
    assert group_row(group(4, 4), None, slurm=False).values[index] == ()
