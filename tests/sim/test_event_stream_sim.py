"""The stream worker against the simulator's SQS and EventBridge (tui/sim/stream.py): a simulated node change
arrives as the envelope the service sends; queue errors give `polling (reason)` and a retry, never a crash;
malformed or foreign bodies stay out of what the worker hands on, are counted and deleted."""

from __future__ import annotations

import json

import pytest

from tests.sim.conftest import wired_session
from tui.core import event_stream, events_setup


@pytest.fixture
def stream(quiet_demo):
    session = wired_session(quiet_demo)
    sqs, events = session.client("sqs"), session.client("events")
    setup = events_setup.apply(sqs, events, "demo")
    got: list = []
    statuses: list = []
    worker = event_stream.StreamWorker(
        sqs, setup.queue_url, on_event=got.append, on_status=lambda s: statuses.append(s.state)
    )
    return quiet_demo, sqs, setup.queue_url, worker, got, statuses


def continuous(sim):
    cluster = next(c for c in sim.world.clusters.values() if c.continuous)
    return cluster, next(iter(cluster.nodes.values()))


def test_a_node_change_arrives_as_a_cluster_event_and_is_deleted(stream):
    sim, sqs, url, worker, got, statuses = stream
    cluster, node = continuous(sim)
    with sim.world.lock:
        sim.world.reboot(cluster, node, sim.world.now)
    assert worker.poll_once() == 1
    (item,) = got
    assert isinstance(item, event_stream.StreamedClusterEvent)
    assert item.envelope.cluster_name == cluster.name
    assert item.instance_id == node.instance_id
    # the id for DescribeClusterEvent is the inner EventId, which the simulator knows; the envelope id is not it
    assert item.event_id == cluster.events[-1].event_id != item.envelope.envelope_id
    assert event_stream.describe_args(item)["EventId"] == item.event_id
    assert item.metadata is not None and all(v is None for v in item.metadata.values())
    assert statuses == ["live"]
    assert worker.poll_once() == 0  # deleted: not delivered again
    assert not sim.world.event_bus.queues["demo-queue"].messages


def test_a_missing_queue_is_polling_with_a_banner_then_live_when_it_exists(quiet_demo):
    session = wired_session(quiet_demo)
    sqs = session.client("sqs")
    worker = event_stream.StreamWorker(sqs, "not-there", on_event=lambda item: None)
    assert worker.poll_once() == 0
    assert worker.status.state == "polling (queue not found)"
    assert "not-there" in worker.status.banner and worker.backoff == event_stream.BACKOFF_FIRST
    worker.poll_once()
    assert worker.backoff == 2 * event_stream.BACKOFF_FIRST  # backs off
    sqs.create_queue(QueueName="not-there")
    worker.poll_once()
    assert worker.status.live and worker.backoff == 0


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [("AccessDenied", 403, "access denied"), ("ThrottlingException", 400, "throttled")],
)
def test_access_denied_and_throttling_fall_back_to_polling(stream, code, status, reason):
    sim, sqs, url, worker, got, statuses = stream
    sim.faults.fail("ReceiveMessage", code, "no", status=status, times=20)
    worker.poll_once()
    assert worker.status.state == f"polling ({reason})"
    assert worker.status.header() == f"events: polling ({reason})"
    sim.faults.clear()
    worker.poll_once()
    assert worker.status.live
    assert statuses[-2:] == [f"polling ({reason})", "live"]


def test_malformed_and_foreign_bodies_are_counted_deleted_and_kept_out(stream):
    sim, sqs, url, worker, got, statuses = stream
    foreign = {"source": "aws.ec2", "detail-type": "EC2 Instance State-change", "time": "2026-01-01T00:00:00Z"}
    for body in ("{not json", json.dumps(foreign), json.dumps([1, 2]), "\x1b]0;pwn\x07", "null"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    cluster, node = continuous(sim)
    with sim.world.lock:
        sim.world.reboot(cluster, node, sim.world.now)
    assert worker.poll_once() == 1
    assert [type(i) for i in got] == [event_stream.StreamedClusterEvent]
    assert worker.stats.malformed == 5
    assert "5 malformed or foreign" in worker.stats.diagnostics()
    assert not sim.world.event_bus.queues["demo-queue"].messages  # deleted, so they cannot come back forever


def test_a_redelivered_message_is_counted_and_warned(stream):
    sim, sqs, url, worker, got, statuses = stream
    cluster, node = continuous(sim)
    with sim.world.lock:
        sim.world.reboot(cluster, node, sim.world.now)
    other = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)  # another reader saw it first
    assert other["Messages"]
    worker.poll_once()
    assert worker.stats.redelivered == 1
    assert "another reader may share this queue" in worker.stats.diagnostics()


def test_a_consumer_that_fails_leaves_the_message_for_redelivery(stream):
    sim, sqs, url, worker, got, statuses = stream

    def broken(item):
        raise RuntimeError("boom")

    worker.on_event = broken
    cluster, node = continuous(sim)
    with sim.world.lock:
        sim.world.reboot(cluster, node, sim.world.now)
    assert worker.poll_once() == 0
    assert len(sim.world.event_bus.queues["demo-queue"].messages) == 1
