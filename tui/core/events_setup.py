"""The EventBridge → SQS wiring the live stream reads (core/event_stream.py), as a template and as boto3 calls.

Three resources, named from one base name (default `hyperpod-tui-events`):
- an EventBridge rule on the default bus: `{"source": ["aws.sagemaker"], "detail-type": [{"prefix": "SageMaker
  HyperPod"}]}` with the queue as its one target (no RoleArn: SQS targets use the queue policy);
- an SQS queue, SSE on (SqsManagedSseEnabled) and a short retention (1 hour: a stream nobody reads is stale);
- the queue's policy: `events.amazonaws.com` may SendMessage, only for this rule (`aws:SourceArn`).

`template(name)` is the CloudFormation document (`events-setup --print`). `apply` makes the same with boto3
(CreateQueue, GetQueueAttributes, PutRule, SetQueueAttributes, PutTargets): each call is idempotent (CreateQueue
with the same attributes returns the existing queue; PutRule and PutTargets overwrite), so a second run repairs
a half-made setup. `delete` removes them (RemoveTargets, DeleteRule, DeleteQueue), a missing one counted as gone.
Every changing call is journaled write-ahead like node actions (core/journal.py): an intent line before, a
result line after; an intent that cannot be written stops the run before the call. No Textual here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.journal import INTENT, OUTCOME_UNKNOWN, RESULT, Journal, iso_utc, new_attempt_id

DEFAULT_NAME = "hyperpod-tui-events"
RETENTION_SECONDS = 3600
TARGET_ID = "hyperpod-tui"
PATTERN = {"source": ["aws.sagemaker"], "detail-type": [{"prefix": "SageMaker HyperPod"}]}


def check_name(name: str) -> str:
    """A base name usable for both a rule (64) and a queue (80): letters, digits, - and _."""
    if not name or len(name) > 60 or not all(c.isalnum() or c in "-_" for c in name) or not name.isascii():
        raise ValueError("--name: 1 to 60 characters, letters, digits, - and _")
    return name


def rule_name(name: str) -> str:
    return f"{name}-rule"


def queue_name(name: str) -> str:
    return f"{name}-queue"


def queue_policy(queue_arn: str, rule_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeSendsHyperPodEvents",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }


def template(name: str = DEFAULT_NAME) -> dict[str, Any]:
    """The CloudFormation template (JSON, which CloudFormation also reads as YAML)."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "HyperPod EventBridge events to an SQS queue for hyperpod-tui --events-queue (one queue "
        "serves one hyperpod-tui instance)",
        "Resources": {
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": queue_name(name),
                    "MessageRetentionPeriod": RETENTION_SECONDS,
                    "SqsManagedSseEnabled": True,
                },
            },
            "QueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": "Queue"}],
                    "PolicyDocument": queue_policy({"Fn::GetAtt": ["Queue", "Arn"]}, {"Fn::GetAtt": ["Rule", "Arn"]}),  # type: ignore[arg-type]
                },
            },
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": rule_name(name),
                    "Description": "SageMaker HyperPod events for hyperpod-tui",
                    "EventPattern": PATTERN,
                    "State": "ENABLED",
                    "Targets": [{"Id": TARGET_ID, "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}],
                },
            },
        },
        "Outputs": {
            "EventsQueue": {
                "Description": "the value for hyperpod-tui --events-queue",
                "Value": {"Ref": "Queue"},
            }
        },
    }


def template_text(name: str = DEFAULT_NAME) -> str:
    return json.dumps(template(name), indent=2) + "\n"


def plan(name: str, *, delete: bool = False) -> list[str]:
    """The lines the confirmation lists, one per resource."""
    verb = "delete" if delete else "create or update"
    return [
        f"{verb} SQS queue {queue_name(name)} (SSE on, retention {RETENTION_SECONDS // 60} min)",
        f"{verb} its queue policy (events.amazonaws.com may send, only for rule {rule_name(name)})"
        if not delete
        else f"{verb} EventBridge target {TARGET_ID} of rule {rule_name(name)}",
        f"{verb} EventBridge rule {rule_name(name)} (source aws.sagemaker, detail-type 'SageMaker HyperPod*')",
    ]


class SetupError(RuntimeError):
    """A step failed; the text names it. Steps before it stay done (a second run picks up from there)."""


@dataclass
class SetupResult:
    queue_url: str
    queue_arn: str
    rule_arn: str


class _Journaled:
    def __init__(self, journal: Journal | None, name: str) -> None:
        self.journal = journal
        self.name = name

    def call(self, operation: str, target: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        attempt = new_attempt_id()
        started = time.monotonic()
        if self.journal is not None:
            self.journal.append(
                {"kind": INTENT, "id": attempt, "time": iso_utc(time.time()), "action": "events-setup",
                 "operation": operation, "target": target, "setup": self.name}
            )  # fmt: skip
        outcome = OUTCOME_UNKNOWN
        try:
            answer = fn(**kwargs)
            outcome = "ok"
            return answer
        except Exception as exc:
            code = ""
            response = getattr(exc, "response", None)
            if isinstance(response, dict):
                code = str(response.get("Error", {}).get("Code", ""))
            outcome = f"failed: {code or type(exc).__name__}"
            raise
        finally:
            if self.journal is not None:
                self.journal.append(
                    {"kind": RESULT, "id": attempt, "time": iso_utc(time.time()), "outcome": outcome,
                     "duration_ms": round((time.monotonic() - started) * 1000)}
                )  # fmt: skip


def apply(sqs: Any, events: Any, name: str = DEFAULT_NAME, *, journal: Journal | None = None) -> SetupResult:
    """Create (or repair) queue, rule, policy and target; returns what `--events-queue` needs."""
    run = _Journaled(journal, name)
    try:
        queue = run.call(
            "CreateQueue",
            queue_name(name),
            sqs.create_queue,
            QueueName=queue_name(name),
            Attributes={"MessageRetentionPeriod": str(RETENTION_SECONDS), "SqsManagedSseEnabled": "true"},
        )
        url = queue["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule = run.call(
            "PutRule",
            rule_name(name),
            events.put_rule,
            Name=rule_name(name),
            EventPattern=json.dumps(PATTERN),
            State="ENABLED",
            Description="SageMaker HyperPod events for hyperpod-tui",
        )
        rule_arn = rule["RuleArn"]
        run.call(
            "SetQueueAttributes",
            queue_name(name),
            sqs.set_queue_attributes,
            QueueUrl=url,
            Attributes={"Policy": json.dumps(queue_policy(queue_arn, rule_arn))},
        )
        answer = run.call(
            "PutTargets",
            rule_name(name),
            events.put_targets,
            Rule=rule_name(name),
            Targets=[{"Id": TARGET_ID, "Arn": queue_arn}],
        )
    except SetupError:
        raise
    except Exception as exc:
        raise SetupError(f"events-setup: {_step_error(exc)}") from exc
    if answer.get("FailedEntryCount"):
        raise SetupError(f"events-setup: PutTargets failed: {answer.get('FailedEntries')}")
    return SetupResult(queue_url=url, queue_arn=queue_arn, rule_arn=rule_arn)


def delete(sqs: Any, events: Any, name: str = DEFAULT_NAME, *, journal: Journal | None = None) -> list[str]:
    """Remove target, rule and queue; returns one line per resource (deleted / was not there)."""
    run = _Journaled(journal, name)
    done: list[str] = []
    steps: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = [
        ("RemoveTargets", rule_name(name), events.remove_targets, {"Rule": rule_name(name), "Ids": [TARGET_ID]}),
        ("DeleteRule", rule_name(name), events.delete_rule, {"Name": rule_name(name)}),
    ]
    for operation, target, fn, kwargs in steps:
        try:
            run.call(operation, target, fn, **kwargs)
            done.append(f"{operation} {target}: done")
        except Exception as exc:
            if _missing(exc):
                done.append(f"{operation} {target}: was not there")
                continue
            raise SetupError(f"events-setup --delete: {_step_error(exc)}") from exc
    try:
        url = sqs.get_queue_url(QueueName=queue_name(name))["QueueUrl"]
        run.call("DeleteQueue", queue_name(name), sqs.delete_queue, QueueUrl=url)
        done.append(f"DeleteQueue {queue_name(name)}: done")
    except Exception as exc:
        if not _missing(exc):
            raise SetupError(f"events-setup --delete: {_step_error(exc)}") from exc
        done.append(f"DeleteQueue {queue_name(name)}: was not there")
    return done


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _missing(exc: BaseException) -> bool:
    code = _code(exc)
    return "NonExistentQueue" in code or "QueueDoesNotExist" in code or code == "ResourceNotFoundException"


def _step_error(exc: BaseException) -> str:
    operation = getattr(exc, "operation_name", "")
    return f"{operation or 'call'} failed: {_code(exc) or type(exc).__name__}: {str(exc)[:200]}"
