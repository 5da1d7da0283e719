"""The whole live-stream loop against moto (an implementation no one here wrote): `events-setup --apply` makes the
rule, queue and policy; a HyperPod-shaped event put on moto's default bus is routed by moto to the queue; the
headless follow mode receives it, prints the envelope and deletes the message."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from tui.core import events_setup
from tui.core.journal import Journal, read_journal
from tui.headless_events import run_follow, run_setup

REGION = "us-west-2"
ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/abc123"


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION), boto3.client("events", region_name=REGION)


def settings(**kw):
    base = {"read_only": False, "demo": False, "events_queue": None, "profile": None, "region": REGION}
    return SimpleNamespace(endpoint_url=None, **{**base, **kw})


def setup_args(mode, name="hp-test"):
    return SimpleNamespace(mode=mode, name=name, yes=True)


def health_event(instance="i-0abc"):
    return {
        "Source": "aws.sagemaker",
        "DetailType": "SageMaker HyperPod Cluster Node Health Event",
        "Resources": [ARN],
        "Detail": json.dumps(
            {
                "ClusterName": "ml-cluster",
                "ClusterArn": ARN,
                "InstanceId": instance,
                "HealthSummary": {"HealthStatus": "Unhealthy", "HealthStatusReason": None, "RepairAction": "Replace"},
                "EventTime": None,
                "Tags": {},
            }
        ),
    }


def test_apply_creates_rule_queue_policy_and_routes_a_put_event_to_follow(aws, tmp_path):
    sqs, events = aws
    journal = Journal(tmp_path / "j.jsonl")
    out, err = io.StringIO(), io.StringIO()
    code = run_setup(setup_args("apply"), settings(), out=out, err=err, clients=lambda: [sqs, events], journal=journal)
    assert code == 0, err.getvalue()
    url = out.getvalue().strip()
    assert url.endswith("/hp-test-queue")
    rule = events.describe_rule(Name="hp-test-rule")
    assert json.loads(rule["EventPattern"]) == events_setup.PATTERN
    targets = events.list_targets_by_rule(Rule="hp-test-rule")["Targets"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert [t["Arn"] for t in targets] == [attrs["QueueArn"]]
    statement = json.loads(attrs["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule["Arn"]
    assert attrs["MessageRetentionPeriod"] == "3600"
    # journaled write-ahead: every changing call is an intent paired with an ok result
    report = read_journal(journal.path)
    assert [a.intent["operation"] for a in report.attempts] == [
        "CreateQueue",
        "PutRule",
        "SetQueueAttributes",
        "PutTargets",
    ]
    assert all(a.outcome == "ok" for a in report.attempts)
    # idempotent: a second apply succeeds and changes nothing visible
    again = io.StringIO()
    assert run_setup(setup_args("apply"), settings(), out=again, err=err, clients=lambda: [sqs, events]) == 0
    assert again.getvalue().strip() == url
    assert len(events.list_targets_by_rule(Rule="hp-test-rule")["Targets"]) == 1

    # a foreign event does not match the rule; a HyperPod one is routed by moto to the queue
    events.put_events(Entries=[{"Source": "aws.ec2", "DetailType": "EC2 Instance State-change", "Detail": "{}"}])
    assert events.put_events(Entries=[health_event()])["FailedEntryCount"] == 0
    printed = io.StringIO()
    follow = SimpleNamespace(events_queue="hp-test-queue", format="json")
    code = run_follow(follow, settings(), out=printed, err=err, sqs=sqs, until=lambda n: n >= 1, wait_seconds=1)
    assert code == 0
    lines = printed.getvalue().splitlines()
    assert len(lines) == 1
    envelope = json.loads(lines[0])
    assert envelope["detail-type"] == "SageMaker HyperPod Cluster Node Health Event"
    assert envelope["detail"]["InstanceId"] == "i-0abc"
    # handled means deleted: the queue is empty afterwards
    left = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, VisibilityTimeout=0)
    assert not left.get("Messages")

    # --delete removes them all; a second delete finds nothing and still succeeds
    gone = io.StringIO()
    assert run_setup(setup_args("delete"), settings(), out=gone, err=err, clients=lambda: [sqs, events]) == 0
    assert "DeleteQueue hp-test-queue: done" in gone.getvalue()
    assert not events.list_rules(NamePrefix="hp-test")["Rules"]
    again = io.StringIO()
    assert run_setup(setup_args("delete"), settings(), out=again, err=err, clients=lambda: [sqs, events]) == 0
    assert "was not there" in again.getvalue()


def test_read_only_refuses_apply_and_delete(aws):
    sqs, events = aws
    for mode in ("apply", "delete"):
        err = io.StringIO()
        code = run_setup(
            setup_args(mode), settings(read_only=True), out=io.StringIO(), err=err, clients=lambda: [sqs, events]
        )
        assert code == 1 and "read-only" in err.getvalue()
    assert not sqs.list_queues().get("QueueUrls")
    assert not events.list_rules()["Rules"]


def test_no_terminal_and_no_yes_changes_nothing(aws):
    sqs, events = aws
    err = io.StringIO()
    args = SimpleNamespace(mode="apply", name="hp-test", yes=False)
    code = run_setup(
        args, settings(), out=io.StringIO(), err=err, stdin=io.StringIO("y\n"), clients=lambda: [sqs, events]
    )
    assert code == 1 and "--yes" in err.getvalue()
    assert "create or update SQS queue hp-test-queue" in err.getvalue()
    assert not sqs.list_queues().get("QueueUrls")
