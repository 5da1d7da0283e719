"""Parsing EventBridge envelopes from the queue (core/event_stream.py): the three HyperPod kinds, the null fields
real events carry, and everything else refused with a reason."""

from __future__ import annotations

import json

import pytest

from tui.core import event_stream as es

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/abc123"
TIME = "2025-05-02T10:00:00Z"
EPOCH = 1746180000.0


def envelope(kind, detail, **extra):
    return json.dumps(
        {"version": "0", "id": "envelope-id", "detail-type": kind, "source": "aws.sagemaker", "time": TIME,
         "region": "us-west-2", "resources": [ARN], "detail": detail, **extra}
    )  # fmt: skip


def test_node_health_with_null_reason_and_event_time_uses_the_envelope_time():
    # the real sample (HYPERPOD-FACTS-2 §6.2): HealthStatusReason and EventTime null
    body = envelope(
        es.NODE_HEALTH,
        {"ClusterName": "ml", "ClusterArn": ARN, "InstanceId": "i-0abc", "EventTime": None, "Tags": {},
         "HealthSummary": {"HealthStatus": "Unhealthy", "HealthStatusReason": None, "RepairAction": "Replace",
                           "Recommendation": "HyperPod is working on repairing the unhealthy node."}},
    )  # fmt: skip
    item = es.parse_envelope(body)
    assert isinstance(item, es.NodeHealth)
    assert (item.instance_id, item.health_status, item.reason, item.repair_action) == (
        "i-0abc", "Unhealthy", "", "Replace",
    )  # fmt: skip
    assert item.time == EPOCH and item.source == "eventbridge"


def test_cluster_event_takes_the_inner_event_id_and_null_metadata():
    detail = {
        "EventDetails": {
            "EventId": "inner-id", "ClusterArn": ARN, "ClusterName": "ml", "ResourceType": "Instance",
            "InstanceGroupName": "workers", "InstanceId": "i-1", "EventTime": 1746180005000,
            "Description": "LCS started",
            "EventDetails": {"EventMetadata": {"Cluster": None, "Instance": None, "InstanceGroup": None}},
        }
    }  # fmt: skip
    item = es.parse_envelope(envelope(es.CLUSTER_EVENT, detail))
    assert isinstance(item, es.StreamedClusterEvent)
    assert item.event_id == "inner-id" and item.envelope.envelope_id == "envelope-id"
    assert es.describe_args(item) == {"ClusterName": ARN, "EventId": "inner-id"}
    assert item.level == ""  # no EventLevel: shown as "–", never guessed
    assert item.time == EPOCH + 5
    assert item.metadata == {"Cluster": None, "Instance": None, "InstanceGroup": None}


def test_cluster_event_without_event_time_or_nested_details():
    detail = {"EventDetails": {"EventId": "x", "ClusterName": "ml", "EventTime": None, "EventDetails": None}}
    item = es.parse_envelope(envelope(es.CLUSTER_EVENT, detail))
    assert isinstance(item, es.StreamedClusterEvent)
    assert item.time == EPOCH and item.metadata is None


def test_state_change_and_a_cluster_named_only_by_resources():
    item = es.parse_envelope(envelope(es.STATE_CHANGE, {"ClusterStatus": "Updating"}))
    assert isinstance(item, es.StateChange)
    assert item.envelope.cluster_name == "abc123" and item.status == "Updating"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{nope", "not JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({"source": "aws.ec2"}), "not from aws.sagemaker"),
        (json.dumps({"source": "aws.sagemaker", "detail-type": "SageMaker Training Job State Change"}), "detail-type"),
        (envelope(es.STATE_CHANGE, "text"), "no detail"),
        (envelope(es.STATE_CHANGE, {"ClusterName": "ml"}, time="yesterday"), "no envelope time"),
        (envelope(es.STATE_CHANGE, {}, resources=[]), "no cluster"),
        (envelope(es.NODE_HEALTH, {"ClusterName": "ml"}), "without InstanceId"),
        (envelope(es.CLUSTER_EVENT, {"EventDetails": {"ClusterName": "ml"}}), "without EventDetails.EventId"),
        ("x" * (es.MAX_BODY + 1), "longer"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_anything_else_is_refused_with_a_reason(body, reason):
    with pytest.raises(es.MalformedEvent, match=reason):
        es.parse_envelope(body)


def test_hostile_strings_are_kept_as_data_not_interpreted():
    hostile = "\x1b[2J[bold]x[/] 表" * 3
    item = es.parse_envelope(envelope(es.STATE_CHANGE, {"ClusterName": "ml", "ClusterStatus": hostile}))
    assert isinstance(item, es.StateChange) and item.status == hostile  # cleaned where it is shown, not here


def test_node_health_store_keeps_the_newest_per_node():
    store = es.NodeHealthStore()

    def health(status, when):
        body = envelope(
            es.NODE_HEALTH,
            {"ClusterName": "ml", "InstanceId": "i-1", "EventTime": when, "HealthSummary": {"HealthStatus": status}},
        )
        item = es.parse_envelope(body)
        assert isinstance(item, es.NodeHealth)
        return item

    store.put(health("Unhealthy", 2_000_000))
    store.put(health("Healthy", 1_000_000))  # older, arrived later (SQS does not keep order)
    got = store.get("ml", "i-1")
    assert got is not None and got.health_status == "Unhealthy"
    store.put(health("Healthy", 3_000_000))
    got = store.get("ml", "i-1")
    assert got is not None and got.health_status == "Healthy" and len(store) == 1


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("AWS.SimpleQueueService.NonExistentQueue", "queue not found"),
        ("QueueDoesNotExist", "queue not found"),
        ("AccessDenied", "access denied"),
        ("ThrottlingException", "throttled"),
    ],
)
def test_queue_error_reasons(code, reason):
    class Boom(Exception):
        response = {"Error": {"Code": code}}

    assert es.queue_error_reason(Boom()) == reason


def test_a_network_error_reads_network():
    assert es.queue_error_reason(ConnectionResetError()) == "network"
