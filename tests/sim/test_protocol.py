"""The wire protocol, the in-process wiring, and the dispatcher's contract."""

from __future__ import annotations

import json

import boto3
import botocore.exceptions
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.sim.conftest import clients, wired_session
from tui.sim import SimClock, SimError, Simulator
from tui.sim.protocol import JSON_VERSIONS, TARGET_PREFIXES, JsonFragments, encode_body, materialize

ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


def test_target_prefixes_and_protocol_match_botocore_models():
    session = botocore.session.get_session()
    for service, prefix in TARGET_PREFIXES.items():
        model = session.get_service_model(service)
        assert model.metadata["targetPrefix"] == prefix
        assert model.protocol == "json" and model.metadata["jsonVersion"] == JSON_VERSIONS.get(service, "1.1")


def test_install_answers_clients_created_afterwards(demo):
    session = wired_session(demo)
    assert session.client("sagemaker").list_clusters()["ClusterSummaries"]
    assert session.client("logs").describe_log_groups()["logGroups"]
    assert [c.operation for c in demo.calls] == ["ListClusters", "DescribeLogGroups"]


def test_install_accepts_a_botocore_session(demo):
    session = botocore.session.get_session()
    session.set_credentials("x", "y")
    demo.install(session)
    client = session.create_client("sagemaker", region_name="us-west-2")
    assert len(client.list_clusters()["ClusterSummaries"]) == 3


def test_clients_created_before_install_are_not_covered_but_attach_covers_them(demo):
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-west-2")
    early = session.client("sagemaker", endpoint_url="http://127.0.0.1:9", config=ONE_ATTEMPT)  # port 9: nobody
    demo.install(session)
    with pytest.raises(Exception) as excinfo:
        early.list_clusters()
    assert not isinstance(excinfo.value, ClientError)  # a connection error: the simulator never saw it
    assert demo.calls == []
    demo.attach(early)
    assert len(early.list_clusters()["ClusterSummaries"]) == 3


def test_install_twice_registers_one_hook(demo):
    session = wired_session(demo)
    demo.install(session)
    session.client("sagemaker").list_clusters()
    assert len(demo.calls) == 1


def test_uninstall_stops_answering_new_clients(demo):
    session = wired_session(demo)
    demo.uninstall(session)
    client = session.client("sagemaker", endpoint_url="http://127.0.0.1:9", config=ONE_ATTEMPT)
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        client.list_clusters()
    assert demo.calls == []


def test_two_simulators_on_two_sessions_are_independent(clock):
    one, two = Simulator("demo", clock=clock), Simulator("zoo", clock=clock)
    a, b = clients(one)[0], clients(two)[0]
    assert len(a.list_clusters()["ClusterSummaries"]) == 3
    assert len(b.list_clusters()["ClusterSummaries"]) == 8
    assert len(one.calls) == 1 and len(two.calls) == 1


def test_other_services_pass_through(demo):
    session = wired_session(demo)
    sts = session.client("sts", endpoint_url="http://127.0.0.1:9", config=ONE_ATTEMPT)
    with pytest.raises(Exception) as excinfo:
        sts.get_caller_identity()
    assert not isinstance(excinfo.value, ClientError)
    assert demo.calls == []


def test_wire_format_of_success_and_error(demo):
    status, headers, body = demo.respond({"X-Amz-Target": b"SageMaker.ListClusters"}, b"{}")
    assert status == 200 and headers["Content-Type"] == "application/x-amz-json-1.1"
    assert int(headers["Content-Length"]) == len(body) and headers["x-amzn-RequestId"]
    reply = json.loads(body)
    assert isinstance(reply["ClusterSummaries"][0]["CreationTime"], float)  # epoch seconds, not a string
    status, headers, body = demo.respond({"X-Amz-Target": "SageMaker.DescribeCluster"}, b'{"ClusterName": "nope"}')
    assert status == 400 and headers["x-amzn-ErrorType"] == "ResourceNotFound"
    assert json.loads(body) == {"__type": "ResourceNotFound", "message": "Cluster nope not found."}


@pytest.mark.parametrize(
    "headers, body, code",
    [
        ({"X-Amz-Target": "SageMaker.NoSuchThing"}, b"{}", "UnknownOperationException"),
        ({"X-Amz-Target": "Kinesis_20131202.ListStreams"}, b"{}", "UnknownOperationException"),
        ({}, b"{}", "UnknownOperationException"),
        ({"X-Amz-Target": "SageMaker.ListClusters"}, b"{not json", "SerializationException"),
        ({"X-Amz-Target": "SageMaker.ListClusters"}, b"[1, 2]", "SerializationException"),
        ({"X-Amz-Target": "SageMaker.ListClusters"}, b'{"MaxResults": "ten"}', "SerializationException"),
    ],
)
def test_bad_requests_get_a_400_not_a_crash(demo, headers, body, code):
    status, response_headers, payload = demo.respond(headers, body)
    assert (status, json.loads(payload)["__type"], response_headers["x-amzn-ErrorType"]) == (400, code, code)


def test_an_internal_exception_is_a_500_internal_failure_and_is_recorded(demo, caplog):
    def broken(world, params):
        raise RuntimeError("boom")

    demo.registry.register("sagemaker", "ListClusters", broken)
    status, _, body = demo.respond({"X-Amz-Target": "SageMaker.ListClusters"}, b"{}")
    assert status == 500 and json.loads(body)["__type"] == "InternalFailure"
    assert demo.calls[-1].error == "InternalFailure"
    assert "boom" in caplog.text
    with pytest.raises(SimError) as excinfo:
        demo.handle("sagemaker", "ListClusters", {})
    assert (excinfo.value.code, excinfo.value.status) == ("InternalFailure", 500)


def test_handle_returns_plain_json_data_and_records_the_call(demo):
    reply = demo.handle("sagemaker", "ListClusterNodes", {"ClusterName": "genai-eks-prod", "MaxResults": 5})
    assert len(reply["ClusterNodeSummaries"]) == 5 and "NextToken" in reply
    assert isinstance(reply["ClusterNodeSummaries"][0], dict)
    json.dumps(reply)  # nothing that JSON cannot carry
    call = demo.calls[-1]
    assert (call.service, call.operation, call.params["MaxResults"], call.error) == (
        "sagemaker",
        "ListClusterNodes",
        5,
        None,
    )
    assert call.time == demo.clock.now()
    # the target prefix is accepted as the service name too
    assert demo.handle("SageMaker", "ListClusters")["ClusterSummaries"]


def test_handle_raises_simerror_with_code_message_status(demo):
    with pytest.raises(SimError) as excinfo:
        demo.handle(
            "sagemaker",
            "BatchRebootClusterNodes",
            {"ClusterName": "llm-pretrain-slurm", "NodeIds": [f"i-0{n:016x}" for n in range(26)]},
        )
    error = excinfo.value
    assert (error.code, error.status) == ("ValidationException", 400)
    assert error.message.startswith("1 validation error detected: Value '[i-00000000000000000, i-0000000000000000")
    assert error.message.endswith(
        "at 'nodeIds' failed to satisfy constraint: Member must have length less than or equal to 25"
    )
    assert demo.calls[-1].error == "ValidationException"


def test_validation_reports_every_problem_like_aws(demo):
    with pytest.raises(SimError) as excinfo:
        demo.handle("sagemaker", "ListClusterNodes", {"MaxResults": 0, "SortOrder": "Sideways"})
    message = excinfo.value.message
    assert message.startswith("3 validation errors detected: ")
    assert "Value null at 'clusterName' failed to satisfy constraint: Member must not be null" in message
    assert (
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or "
        "equal to 1" in message
    )
    assert (
        "Value 'Sideways' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: "
        "[Ascending, Descending]" in message
    )


def test_json_fragments_are_spliced_verbatim():
    reply = {"Items": JsonFragments(['{"a":1}', '{"b":[2]}']), "NextToken": "t"}
    assert json.loads(encode_body(reply)) == {"Items": [{"a": 1}, {"b": [2]}], "NextToken": "t"}
    assert materialize(reply) == {"Items": [{"a": 1}, {"b": [2]}], "NextToken": "t"}


def test_clock_speeds_and_freezes():
    frozen = SimClock.frozen(at=100.0)
    assert frozen.now() == 100.0 and frozen.advance(2.5) == 102.5 and frozen.now() == 102.5
    fast = SimClock(speed=1000.0)
    first = fast.now()
    for _ in range(10_000):
        if fast.now() - first > 1.0:
            break
    assert fast.now() - first > 1.0  # a real second has not passed, a simulated one has
    with pytest.raises(ValueError):
        frozen.advance(-1)
    with pytest.raises(ValueError):
        SimClock(speed=0)


def test_scenarios_are_listed():
    assert Simulator.scenarios() == ["demo", "scale-10k", "zoo"]
    with pytest.raises(ValueError, match="unknown scenario"):
        Simulator("nope")


def test_concurrent_callers_and_a_moving_clock_are_safe(clock):
    import threading

    sim = Simulator("demo", clock=clock, seed=3)
    errors: list[BaseException] = []
    stop = threading.Event()

    def guarded(work):
        def run():
            try:
                while not stop.is_set():
                    work()
            except BaseException as error:
                errors.append(error)

        return threading.Thread(target=run)

    def list_nodes():
        reply = sim.handle("sagemaker", "ListClusterNodes", {"ClusterName": "genai-eks-prod", "MaxResults": 7})
        while "NextToken" in reply:
            reply = sim.handle(
                "sagemaker",
                "ListClusterNodes",
                {"ClusterName": "genai-eks-prod", "MaxResults": 7, "NextToken": reply["NextToken"]},
            )

    def act():
        ids = sorted(sim.cluster("genai-eks-prod").nodes)[:5]
        sim.handle("sagemaker", "BatchReplaceClusterNodes", {"ClusterName": "genai-eks-prod", "NodeIds": ids})
        sim.handle(
            "logs",
            "DescribeLogStreams",
            {"logGroupName": sim.cluster("genai-eks-prod").log_group, "orderBy": "LastEventTime"},
        )

    def tick():
        clock.advance(0.5)
        stop.wait(0.002)

    threads = [guarded(list_nodes), guarded(list_nodes), guarded(act), guarded(tick)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.6)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(sim.cluster("genai-eks-prod").nodes) == 26  # 24 with instances, 2 waiting for capacity
    assert {c.operation for c in sim.calls} == {"ListClusterNodes", "BatchReplaceClusterNodes", "DescribeLogStreams"}
    assert all(c.error is None for c in sim.calls)


def test_the_simulator_never_imports_textual():
    import subprocess
    import sys

    code = (
        "import sys, tui.sim, tui.sim.__main__, tui.sim.server; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
