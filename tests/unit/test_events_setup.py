"""`events-setup --print`: the CloudFormation template for the stream (core/events_setup.py)."""

from __future__ import annotations

import json

import pytest

from tui.cli import main
from tui.core import events_setup


def test_print_is_the_template_and_names_the_queue(capsys):
    assert main(["events-setup", "--print", "--name", "team-a"]) == 0
    out, err = capsys.readouterr()
    resources = json.loads(out)["Resources"]
    rule, queue, policy = resources["Rule"]["Properties"], resources["Queue"]["Properties"], resources["QueuePolicy"]
    assert rule["EventPattern"] == {"source": ["aws.sagemaker"], "detail-type": [{"prefix": "SageMaker HyperPod"}]}
    assert rule["Targets"] == [{"Id": "hyperpod-tui", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}]
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] <= 3600
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}
    assert "--events-queue team-a-queue" in err


@pytest.mark.parametrize("name", ["", "a b", "x" * 61, "ünï", "a/b", "\x1b[2J"])
def test_bad_names_are_refused(name, capsys):
    assert main(["events-setup", "--print", "--name", name]) == 2
    assert "--name" in capsys.readouterr().err
    with pytest.raises(ValueError):
        events_setup.check_name(name)


def test_a_mode_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["events-setup"])
    assert exited.value.code == 2


def test_events_follow_is_also_events_dash_dash_follow(monkeypatch):
    """The issue's spelling, `events --follow --events-queue Q --json`, runs the follow mode, not the listing."""
    from tui import cli, headless, headless_events

    followed = []
    monkeypatch.setattr(headless_events, "run_follow", lambda args, settings: followed.append(args.format) or 0)
    monkeypatch.setattr(headless, "run", lambda args, settings: pytest.fail("the listing ran"))
    assert cli.main(["events", "--follow", "--events-queue", "q", "--json", "--demo"]) == 0
    assert followed == ["json"]
