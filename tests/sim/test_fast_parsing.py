"""core.aws parses responses with FastJSONParser and fast_timestamp: the same results as botocore's own parser."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import botocore.session
import pytest
from botocore.utils import parse_timestamp

from tests.harness import FROZEN_AT
from tui.core import botocore_speedups
from tui.core.aws import HyperPodApi
from tui.core.botocore_speedups import FastJSONParser, fast_timestamp
from tui.sim import SimClock, Simulator


def without_metadata(response: dict) -> dict:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def simulated_pair(scenario: str) -> tuple[Simulator, HyperPodApi, boto3.Session]:
    """One simulator answering two sessions: the facade's (fast parser) and a stock boto3 one."""
    sim = Simulator(scenario=scenario, clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    sessions = [boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2") for _ in "ab"]
    for session in sessions:
        sim.install(session)
    return sim, HyperPodApi(sessions[0]), sessions[1]


@pytest.fixture(scope="module")
def clients():
    sim, api, stock_session = simulated_pair("zoo")
    fast = api.client("sagemaker")
    stock = stock_session.client("sagemaker")
    return sim, fast, stock


def test_clients_of_the_facade_use_the_fast_parser():
    api = HyperPodApi(boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2"))
    factory = api._core.get_component("response_parser_factory")
    assert isinstance(factory.create_parser("json"), FastJSONParser)
    assert not isinstance(factory.create_parser("rest-json"), FastJSONParser)  # other protocols: botocore's own


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("list_clusters", {}),
        ("describe_cluster", {"ClusterName": "zoo-inservice"}),
        ("list_cluster_nodes", {"ClusterName": "zoo-inservice"}),
        ("list_cluster_nodes", {"ClusterName": "zoo-updating", "MaxResults": 2}),
        ("describe_cluster", {"ClusterName": "zoo-failed"}),
    ],
)
def test_same_results_as_botocore(clients, operation, params):
    _, fast, stock = clients
    ours = without_metadata(getattr(fast, operation)(**params))
    theirs = without_metadata(getattr(stock, operation)(**params))
    assert ours == theirs  # aware datetimes compare by instant: UTC (ours) equals tzlocal (botocore's)
    assert ours  # not two empty answers


def test_node_detail_same_as_botocore(clients):
    sim, fast, stock = clients
    node_id = next(iter(sim.cluster("zoo-inservice").nodes))
    ours = fast.describe_cluster_node(ClusterName="zoo-inservice", NodeId=node_id)
    theirs = stock.describe_cluster_node(ClusterName="zoo-inservice", NodeId=node_id)
    assert without_metadata(ours) == without_metadata(theirs)


def test_errors_are_parsed_as_before(clients):
    _, fast, stock = clients
    errors = []
    for client in (fast, stock):
        with pytest.raises(client.exceptions.ResourceNotFound) as caught:
            client.describe_cluster(ClusterName="no-such-cluster")
        errors.append(caught.value.response["Error"])
    assert errors[0] == errors[1]


@pytest.mark.parametrize("value", [1_795_176_000, 1_795_176_000.125, "2026-11-20T12:00:00Z", "1795176000.5"])
def test_fast_timestamp_is_the_same_instant(value):
    ours, theirs = fast_timestamp(value), parse_timestamp(value)
    assert ours == theirs and ours.tzinfo is not None


def test_fast_timestamp_of_a_number_is_utc():
    assert fast_timestamp(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert fast_timestamp(0).tzinfo is UTC


@pytest.fixture(scope="module")
def other_services():
    return simulated_pair("demo")


def test_logs_and_ssm_answers_are_the_same_as_botocores(other_services):
    sim, api, stock_session = other_services
    fast_logs, stock_logs = api.client("logs"), stock_session.client("logs")
    groups = without_metadata(fast_logs.describe_log_groups())
    assert groups == without_metadata(stock_logs.describe_log_groups()) and groups["logGroups"]
    group = groups["logGroups"][0]["logGroupName"]
    streams = without_metadata(fast_logs.describe_log_streams(logGroupName=group))
    assert streams == without_metadata(stock_logs.describe_log_streams(logGroupName=group))
    stream = streams["logStreams"][0]["logStreamName"]
    params = {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": 50}
    events = without_metadata(fast_logs.get_log_events(**params))
    assert events == without_metadata(stock_logs.get_log_events(**params)) and events["events"]
    cluster = sim.cluster("llm-pretrain-slurm")
    node = next(n for n in cluster.nodes.values() if n.status == "Running")
    target = f"sagemaker-cluster:{cluster.cluster_id}_{node.group.name}-{node.instance_id}"
    fast_ssm, stock_ssm = api.client("ssm"), stock_session.client("ssm")
    ours, theirs = (without_metadata(c.start_session(Target=target)) for c in (fast_ssm, stock_ssm))
    assert set(ours) == set(theirs) == {"SessionId", "TokenValue", "StreamUrl"}


# --- every operation the app calls: the fast parser and botocore's own on the very same simulator answer ----------


def _cluster_and_nodes(sim: Simulator) -> tuple[str, list[str]]:
    cluster = sim.cluster("llm-pretrain-slurm")
    running = [node.instance_id for node in cluster.nodes.values() if node.status == "Running"]
    return cluster.name, running


def _ssm_target(sim: Simulator) -> str:
    cluster = sim.cluster("llm-pretrain-slurm")
    node = next(n for n in cluster.nodes.values() if n.status == "Running")
    return f"sagemaker-cluster:{cluster.cluster_id}_{node.group.name}-{node.instance_id}"


def _log_stream(stock) -> dict:
    group = stock("logs").describe_log_groups()["logGroups"][0]["logGroupName"]
    stream = stock("logs").describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    return {"logGroupName": group, "logStreamName": stream}


def _nodes_params(sim: Simulator, _stock) -> dict:
    name, running = _cluster_and_nodes(sim)
    return {"ClusterName": name, "NodeIds": [running[0], "i-0123456789abcdef0"]}  # one done, one failed


EKS = "genai-eks-prod"  # Continuous mode: it has events and operations
TARGET = {"Id": "q", "Arn": "arn:aws:sqs:us-west-2:123456789012:q"}


def _rule(stock, *, target: bool = False) -> str:
    stock("events").put_rule(Name="r", EventPattern='{"source": ["aws.sagemaker"]}')
    if target:
        stock("events").put_targets(Rule="r", Targets=[TARGET])
    return "r"


def _queue(stock, *, message: bool = False) -> str:
    url = stock("sqs").create_queue(QueueName="q")["QueueUrl"]
    if message:
        stock("sqs").send_message(QueueUrl=url, MessageBody='{"detail-type": "x"}')
    return url


def _receipt(stock) -> str:
    url = _queue(stock, message=True)
    return stock("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"][0]["ReceiptHandle"]


# (service, operation) → the request's parameters, from the simulator and a stock client factory.
APP_OPERATIONS = {
    ("sagemaker", "ListClusters"): lambda sim, stock: {},
    ("sagemaker", "DescribeCluster"): lambda sim, stock: {"ClusterName": "llm-pretrain-slurm"},
    ("sagemaker", "ListClusterNodes"): lambda sim, stock: {"ClusterName": "llm-pretrain-slurm"},
    ("sagemaker", "DescribeClusterNode"): lambda sim, stock: {
        "ClusterName": "llm-pretrain-slurm",
        "NodeId": _cluster_and_nodes(sim)[1][0],
    },
    ("sagemaker", "ListClusterEvents"): lambda sim, stock: {"ClusterName": "llm-pretrain-slurm"},
    ("sagemaker", "BatchRebootClusterNodes"): _nodes_params,
    ("sagemaker", "BatchReplaceClusterNodes"): _nodes_params,
    ("sagemaker", "BatchDeleteClusterNodes"): _nodes_params,
    ("sagemaker", "StartClusterHealthCheck"): lambda sim, stock: {
        "ClusterName": EKS,
        "DeepHealthCheckConfigurations": [
            {"InstanceGroupName": "general-purpose", "DeepHealthChecks": ["InstanceStress"]}
        ],
    },
    ("logs", "DescribeLogGroups"): lambda sim, stock: {},
    ("logs", "DescribeLogStreams"): lambda sim, stock: {"logGroupName": _log_stream(stock)["logGroupName"]},
    ("logs", "GetLogEvents"): lambda sim, stock: {**_log_stream(stock), "startFromHead": True, "limit": 50},
    ("logs", "FilterLogEvents"): lambda sim, stock: {"logGroupName": _log_stream(stock)["logGroupName"], "limit": 50},
    ("sagemaker", "DescribeClusterEvent"): lambda sim, stock: {
        "ClusterName": EKS,
        "EventId": stock("sagemaker").list_cluster_events(ClusterName=EKS)["Events"][0]["EventId"],
    },
    ("sagemaker", "ListClusterOperations"): lambda sim, stock: {"ClusterName": EKS},
    ("sagemaker", "DescribeClusterOperation"): lambda sim, stock: {
        "ClusterName": EKS,
        "OperationId": stock("sagemaker").list_cluster_operations(ClusterName=EKS)["ClusterOperationSummaries"][0][
            "OperationId"
        ],
    },
    # events-setup and the live stream (EventBridge → SQS)
    ("events", "PutRule"): lambda sim, stock: {"Name": "r", "EventPattern": '{"source": ["aws.sagemaker"]}'},
    ("events", "DescribeRule"): lambda sim, stock: {"Name": _rule(stock)},
    ("events", "ListTargetsByRule"): lambda sim, stock: {"Rule": _rule(stock, target=True)},
    ("events", "PutTargets"): lambda sim, stock: {"Rule": _rule(stock), "Targets": [TARGET]},
    ("events", "RemoveTargets"): lambda sim, stock: {"Rule": _rule(stock, target=True), "Ids": [TARGET["Id"]]},
    ("events", "DeleteRule"): lambda sim, stock: {"Name": _rule(stock)},
    ("sqs", "CreateQueue"): lambda sim, stock: {"QueueName": "q"},
    ("sqs", "GetQueueUrl"): lambda sim, stock: {"QueueName": _queue(stock) and "q"},
    ("sqs", "GetQueueAttributes"): lambda sim, stock: {"QueueUrl": _queue(stock), "AttributeNames": ["All"]},
    ("sqs", "SetQueueAttributes"): lambda sim, stock: {"QueueUrl": _queue(stock), "Attributes": {"Policy": "{}"}},
    ("sqs", "SendMessage"): lambda sim, stock: {"QueueUrl": _queue(stock), "MessageBody": "{}"},
    ("sqs", "ReceiveMessage"): lambda sim, stock: {"QueueUrl": _queue(stock, message=True), "WaitTimeSeconds": 0},
    ("sqs", "DeleteMessage"): lambda sim, stock: {"QueueUrl": _queue(stock), "ReceiptHandle": _receipt(stock)},
    ("sqs", "DeleteMessageBatch"): lambda sim, stock: {
        "QueueUrl": _queue(stock),
        "Entries": [{"Id": "m", "ReceiptHandle": _receipt(stock)}],
    },
    ("sqs", "DeleteQueue"): lambda sim, stock: {"QueueUrl": _queue(stock)},
    ("ssm", "StartSession"): lambda sim, stock: {"Target": _ssm_target(sim)},
    ("ssm", "TerminateSession"): lambda sim, stock: {
        "SessionId": stock("ssm").start_session(Target=_ssm_target(sim))["SessionId"]
    },
}


def test_the_equivalence_list_covers_every_operation_the_simulator_answers():
    """The simulator answers what the app calls; an operation added to both must be added here too."""
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    assert set(sim.registry.operations()) <= set(APP_OPERATIONS)


@pytest.mark.parametrize(("service", "operation"), sorted(APP_OPERATIONS))
def test_every_app_operation_parses_as_botocore_parses_it(service, operation):
    import botocore
    from botocore.exceptions import ClientError
    from botocore.parsers import create_parser

    sim, api, stock_session = simulated_pair("demo")
    clients: dict = {}

    def stock(name: str):
        return clients.setdefault(name, stock_session.client(name))

    params = APP_OPERATIONS[(service, operation)](sim, stock)
    fast = api.client(service)
    answers: list[dict] = []
    fast.meta.events.register("before-parse", lambda response_dict, **_: answers.append(dict(response_dict)))
    try:
        ours = getattr(fast, botocore.xform_name(operation))(**params)
    except ClientError as error:
        ours = error.response
    (answer,) = answers
    output_shape = fast.meta.service_model.operation_model(operation).output_shape
    theirs = create_parser("json").parse(answer, output_shape)  # botocore's own parser, the same bytes
    assert without_metadata(ours) == without_metadata(theirs)
    assert without_metadata(ours) or output_shape is None  # not two empty answers (unless nothing is sent)


@pytest.mark.parametrize(
    ("env", "version", "enabled"),
    [
        ({}, "1.44.5", True),
        ({"HYPERPOD_TUI_STOCK_BOTOCORE": "1"}, "1.44.5", False),
        ({"HYPERPOD_TUI_STOCK_BOTOCORE": "0"}, "1.44.5", True),
        ({}, "1.45.0", False),
        ({}, "1.43.9", False),
        ({}, "2.0.0", False),
    ],
)
def test_the_speedups_apply_only_to_tested_botocore_and_can_be_switched_off(env, version, enabled):
    assert botocore_speedups.speedups_enabled(env, version) is enabled


def test_switched_off_the_facade_uses_stock_botocore(monkeypatch):
    monkeypatch.setenv("HYPERPOD_TUI_STOCK_BOTOCORE", "1")
    api = HyperPodApi(boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2"))
    factory = api._core.get_component("response_parser_factory")
    assert not isinstance(factory.create_parser("json"), FastJSONParser)
    core = botocore.session.Session()
    botocore_speedups.use_model_cache(core)
    assert not isinstance(core.get_component("data_loader"), botocore_speedups.CachedLoader)
