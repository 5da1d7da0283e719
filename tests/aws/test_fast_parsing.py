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


@pytest.fixture(scope="module")
def demo_clients():
    sim, api, stock_session = simulated_pair("demo")
    return sim, {name: (api.client(name), stock_session.client(name)) for name in ("logs", "ssm")}


def test_every_logs_operation_the_app_calls_parses_as_botocore_does(demo_clients):
    sim, pair = demo_clients
    fast, stock = pair["logs"]
    cluster = sim.cluster("llm-pretrain-slurm")
    group = cluster.log_group
    stream = next(s["logStreamName"] for s in stock.describe_log_streams(logGroupName=group)["logStreams"])
    calls = [
        ("describe_log_groups", {"logGroupNamePrefix": "/aws/sagemaker/"}),
        ("describe_log_streams", {"logGroupName": group}),
        ("get_log_events", {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": 50}),
        ("filter_log_events", {"logGroupName": group, "limit": 50}),
    ]
    for operation, params in calls:
        ours = without_metadata(getattr(fast, operation)(**params))
        theirs = without_metadata(getattr(stock, operation)(**params))
        assert ours == theirs, operation
        assert any(ours.values()), operation  # not two empty answers


def test_the_ssm_operations_parse_as_botocore_does(demo_clients):
    sim, pair = demo_clients
    fast, stock = pair["ssm"]
    cluster = sim.cluster("llm-pretrain-slurm")
    node = next(n for n in cluster.nodes.values() if n.status == "Running")
    target = f"sagemaker-cluster:{cluster.cluster_id}_{node.group.name}-{node.instance_id}"
    started = [without_metadata(client.start_session(Target=target)) for client in (fast, stock)]
    assert started[0].keys() == started[1].keys() == {"SessionId", "TokenValue", "StreamUrl"}
    ended = [
        without_metadata(c.terminate_session(SessionId=s["SessionId"]))
        for c, s in zip((fast, stock), started, strict=True)
    ]
    assert ended[0].keys() == ended[1].keys() == {"SessionId"}


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
