"""SQS and the EventBridge rule/target calls, so the demo's live stream is real: when the world records a change
(a cluster event on a Continuous cluster, a cluster's status), `EventBus.publish` builds the envelope the service
would send and delivers it to every queue that a matching rule targets.

What is simulated: standard queues (no FIFO), visibility timeout, ApproximateReceiveCount, SSE/retention
attributes kept as given, the policy stored (not enforced); rules on the default bus with `source` lists and
`detail-type` lists of exact strings or `{"prefix": …}`; SQS targets only. Long polls do not block (the world's
lock is held while a handler runs): an empty receive answers at once and the reader waits (core/event_stream.py).
Faults (`sim.faults`) apply as to any operation, which is how the tests make AccessDenied and throttling.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.sim.dispatcher import OperationTable
from tui.sim.errors import SimError

if TYPE_CHECKING:
    from tui.sim.model import Cluster, ClusterEvent
    from tui.sim.world import World

sqs = OperationTable("sqs")
events = OperationTable("events")

NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
DEFAULT_VISIBILITY = 30


@dataclass
class Message:
    message_id: str
    body: str
    receive_count: int = 0
    visible_at: float = 0.0
    handle: str = ""


@dataclass
class Queue:
    name: str
    url: str
    arn: str
    attributes: dict[str, str] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)


@dataclass
class Rule:
    name: str
    arn: str
    pattern: dict[str, Any]
    state: str = "ENABLED"
    description: str = ""
    targets: dict[str, str] = field(default_factory=dict)  # target id -> queue ARN


class EventBus:
    """The account's SQS queues and default-bus rules, inside one World."""

    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account_id = account_id
        self.queues: dict[str, Queue] = {}
        self.rules: dict[str, Rule] = {}
        self.published = 0

    def queue_by_url(self, url: object) -> Queue:
        name = str(url).rstrip("/").rsplit("/", 1)[-1]
        queue = self.queues.get(name)
        if queue is None or queue.url != url:
            raise SimError(NO_QUEUE, "The specified queue does not exist.")
        return queue

    def publish(self, detail_type: str, detail: dict[str, Any], resources: list[str], at: float) -> int:
        """Deliver one event to every queue a matching, enabled rule targets; returns how many got it."""
        envelope = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": "aws.sagemaker",
            "account": self.account_id,
            "time": datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": resources,
            "detail": detail,
        }
        body = json.dumps(envelope, separators=(",", ":"))
        delivered = 0
        by_arn = {queue.arn: queue for queue in self.queues.values()}
        for rule in self.rules.values():
            if rule.state != "ENABLED" or not matches(rule.pattern, envelope):
                continue
            for arn in rule.targets.values():
                queue = by_arn.get(arn)
                if queue is not None:
                    queue.messages.append(Message(str(uuid.uuid4()), body, visible_at=at))
                    delivered += 1
        self.published += 1
        return delivered

    def cluster_event(self, cluster: Cluster, event: ClusterEvent) -> None:
        """The `SageMaker HyperPod Cluster Event` envelope: metadata subtrees all null, as the service sends today."""
        detail = event.summary(cluster.name, cluster.arn)
        detail["EventDetails"] = {
            "EventMetadata": dict.fromkeys(
                ("Cluster", "Instance", "InstanceGroup", "InstanceGroupScaling", "InstanceMonitor", "InstanceHealth")
            )
        }
        detail["EventTime"] = int(event.time * 1000)
        self.publish("SageMaker HyperPod Cluster Event", {"EventDetails": detail}, [cluster.arn], event.time)

    def node_health(
        self,
        cluster: Cluster,
        instance_id: str,
        at: float,
        *,
        status: str,
        repair_action: str | None,
        recommendation: str | None,
        reason: str | None = None,
    ) -> None:
        """The `SageMaker HyperPod Cluster Node Health Event` envelope (HYPERPOD-FACTS-2 §6.2's sample: the reason
        and EventTime may be null; EventTime is left null here, as the sample has it)."""
        detail = {
            "ClusterName": cluster.name,
            "ClusterArn": cluster.arn,
            "InstanceId": instance_id,
            "HealthSummary": {
                "HealthStatus": status,
                "HealthStatusReason": reason,
                "RepairAction": repair_action,
                "Recommendation": recommendation,
            },
            "EventTime": None,
            "Tags": {},
        }
        self.publish("SageMaker HyperPod Cluster Node Health Event", detail, [cluster.arn], at)

    def state_change(self, cluster: Cluster, at: float) -> None:
        """The `SageMaker HyperPod Cluster State Change` envelope: the DescribeCluster shape, in brief."""
        counts = cluster.current_counts()
        detail = {
            "ClusterArn": cluster.arn,
            "ClusterName": cluster.name,
            "ClusterStatus": cluster.status,
            "CreationTime": int(cluster.creation_time * 1000),
            "InstanceGroups": [
                {"InstanceGroupName": name, "CurrentCount": counts.get(name, 0), "TargetCount": group.target_count}
                for name, group in cluster.groups.items()
            ],
        }
        self.publish("SageMaker HyperPod Cluster State Change", detail, [cluster.arn], at)


def _value_matches(wanted: list[Any], value: object) -> bool:
    for item in wanted:
        if isinstance(item, dict) and "prefix" in item:
            if isinstance(value, str) and value.startswith(str(item["prefix"])):
                return True
        elif item == value:
            return True
    return False


def matches(pattern: dict[str, Any], envelope: dict[str, Any]) -> bool:
    for key in ("source", "detail-type", "account", "region"):
        if key in pattern and not _value_matches(list(pattern[key]), envelope.get(key)):
            return False
    return True


def _bus(world: World) -> EventBus:
    return world.event_bus


def _queue_arn(bus: EventBus, name: str) -> str:
    return f"arn:aws:sqs:{bus.region}:{bus.account_id}:{name}"


# --- SQS ------------------------------------------------------------------------------------------------------


@sqs("CreateQueue")
def create_queue(world: World, params: dict) -> dict:
    bus = _bus(world)
    name = params["QueueName"]
    queue = bus.queues.get(name)
    if queue is None:
        url = f"https://sqs.{bus.region}.amazonaws.com/{bus.account_id}/{name}"
        queue = bus.queues[name] = Queue(name, url, _queue_arn(bus, name))
        queue.attributes.update(params.get("Attributes") or {})
    return {"QueueUrl": queue.url}


@sqs("GetQueueUrl")
def get_queue_url(world: World, params: dict) -> dict:
    queue = _bus(world).queues.get(params["QueueName"])
    if queue is None:
        raise SimError(NO_QUEUE, "The specified queue does not exist.")
    return {"QueueUrl": queue.url}


@sqs("GetQueueAttributes")
def get_queue_attributes(world: World, params: dict) -> dict:
    queue = _bus(world).queue_by_url(params["QueueUrl"])
    attributes = {**queue.attributes, "QueueArn": queue.arn, "ApproximateNumberOfMessages": str(len(queue.messages))}
    names = params.get("AttributeNames") or ["All"]
    if "All" not in names:
        attributes = {k: v for k, v in attributes.items() if k in names}
    return {"Attributes": attributes}


@sqs("SetQueueAttributes")
def set_queue_attributes(world: World, params: dict) -> dict:
    _bus(world).queue_by_url(params["QueueUrl"]).attributes.update(params.get("Attributes") or {})
    return {}


@sqs("DeleteQueue")
def delete_queue(world: World, params: dict) -> dict:
    bus = _bus(world)
    del bus.queues[bus.queue_by_url(params["QueueUrl"]).name]
    return {}


@sqs("SendMessage")
def send_message(world: World, params: dict) -> dict:
    queue = _bus(world).queue_by_url(params["QueueUrl"])
    message = Message(str(uuid.uuid4()), params["MessageBody"], visible_at=world.now)
    queue.messages.append(message)
    return {"MessageId": message.message_id}


@sqs("ReceiveMessage")
def receive_message(world: World, params: dict) -> dict:
    queue = _bus(world).queue_by_url(params["QueueUrl"])
    wanted = int(params.get("MaxNumberOfMessages") or 1)
    hide = int(params.get("VisibilityTimeout", queue.attributes.get("VisibilityTimeout", DEFAULT_VISIBILITY)))
    out: list[dict] = []
    for message in queue.messages:
        if len(out) >= wanted:
            break
        if message.visible_at > world.now:
            continue
        message.receive_count += 1
        message.visible_at = world.now + hide
        message.handle = str(uuid.uuid4())
        out.append(
            {
                "MessageId": message.message_id,
                "ReceiptHandle": message.handle,
                "Body": message.body,
                "Attributes": {"ApproximateReceiveCount": str(message.receive_count)},
            }
        )
    return {"Messages": out} if out else {}


def _delete(queue: Queue, handle: str) -> bool:
    for index, message in enumerate(queue.messages):
        if message.handle and message.handle == handle:
            del queue.messages[index]
            return True
    return False


@sqs("DeleteMessage")
def delete_message(world: World, params: dict) -> dict:
    queue = _bus(world).queue_by_url(params["QueueUrl"])
    if not _delete(queue, params["ReceiptHandle"]):
        raise SimError("ReceiptHandleIsInvalid", "The input receipt handle is invalid.")
    return {}


@sqs("DeleteMessageBatch")
def delete_message_batch(world: World, params: dict) -> dict:
    queue = _bus(world).queue_by_url(params["QueueUrl"])
    ok, failed = [], []
    for entry in params["Entries"]:
        if _delete(queue, entry["ReceiptHandle"]):
            ok.append({"Id": entry["Id"]})
        else:
            failed.append({"Id": entry["Id"], "SenderFault": True, "Code": "ReceiptHandleIsInvalid"})
    return {"Successful": ok, "Failed": failed}


# --- EventBridge ----------------------------------------------------------------------------------------------


@events("PutRule")
def put_rule(world: World, params: dict) -> dict:
    bus = _bus(world)
    name = params["Name"]
    try:
        pattern = json.loads(params.get("EventPattern") or "{}")
    except ValueError:
        raise SimError("InvalidEventPatternException", "Event pattern is not valid.") from None
    rule = bus.rules.get(name)
    if rule is None:
        rule = bus.rules[name] = Rule(name, f"arn:aws:events:{bus.region}:{bus.account_id}:rule/{name}", pattern)
    rule.pattern = pattern
    rule.state = params.get("State") or "ENABLED"
    rule.description = params.get("Description") or ""
    return {"RuleArn": rule.arn}


def _rule(world: World, name: str) -> Rule:
    rule = _bus(world).rules.get(name)
    if rule is None:
        raise SimError("ResourceNotFoundException", f"Rule {name} does not exist on EventBus default.")
    return rule


@events("DescribeRule")
def describe_rule(world: World, params: dict) -> dict:
    rule = _rule(world, params["Name"])
    return {
        "Name": rule.name,
        "Arn": rule.arn,
        "EventPattern": json.dumps(rule.pattern),
        "State": rule.state,
        "EventBusName": "default",
    }


@events("PutTargets")
def put_targets(world: World, params: dict) -> dict:
    rule = _rule(world, params["Rule"])
    for target in params["Targets"]:
        rule.targets[target["Id"]] = target["Arn"]
    return {"FailedEntryCount": 0, "FailedEntries": []}


@events("ListTargetsByRule")
def list_targets_by_rule(world: World, params: dict) -> dict:
    rule = _rule(world, params["Rule"])
    return {"Targets": [{"Id": key, "Arn": arn} for key, arn in rule.targets.items()]}


@events("RemoveTargets")
def remove_targets(world: World, params: dict) -> dict:
    rule = _rule(world, params["Rule"])
    for key in params["Ids"]:
        rule.targets.pop(key, None)
    return {"FailedEntryCount": 0, "FailedEntries": []}


@events("DeleteRule")
def delete_rule(world: World, params: dict) -> dict:
    _bus(world).rules.pop(params["Name"], None)
    return {}
