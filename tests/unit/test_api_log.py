"""core.api_log (every AWS call, from botocore's events, in a ring buffer) and core.debug_log (--log-file,
credentials never written), against the simulator through real boto3 clients."""

from __future__ import annotations

import logging

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.harness import FROZEN_AT
from tui.cli import main
from tui.core import api_log, debug_log
from tui.core.api_log import ApiLog
from tui.core.aws import HyperPodApi
from tui.sim import SimClock, Simulator

FAKE_KEY_ID = "AKIAFAKEKEY0TEST1234"
FAKE_SECRET = "fake/secret+key/for-the-log-test-0123456789"
FAKE_TOKEN = "FAKESESSIONTOKEN//for+the+log+test=="


def simulated_api(sim: Simulator) -> HyperPodApi:
    session = boto3.Session(
        aws_access_key_id=FAKE_KEY_ID,
        aws_secret_access_key=FAKE_SECRET,
        aws_session_token=FAKE_TOKEN,
        region_name="us-west-2",
    )
    sim.install(session)
    return HyperPodApi(session)


@pytest.fixture
def sim():
    return Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)


def test_every_call_is_recorded_with_its_outcome_and_request_id(sim):
    log = ApiLog(capacity=5)
    api = simulated_api(sim)
    client = api.client("sagemaker")
    api_log.install(client, log)
    client.list_clusters()
    with pytest.raises(ClientError):
        client.describe_cluster(ClusterName="no-such-cluster")
    first, second = log.calls()
    assert (first.service, first.operation, first.region, first.outcome) == (
        "sagemaker",
        "ListClusters",
        "us-west-2",
        "ok",
    )
    assert second.operation == "DescribeCluster" and second.outcome == "ResourceNotFound" and not second.ok
    assert first.request_id and second.request_id and first.request_id != second.request_id
    assert first.retries == 0 and first.duration >= 0
    assert log.calls("error") == [second] and log.calls("listclus") == [first]


def test_the_buffer_keeps_only_the_last_calls(sim):
    log = ApiLog(capacity=3)
    client = simulated_api(sim).client("sagemaker")
    api_log.install(client, log)
    for _ in range(5):
        client.list_clusters()
    assert [call.seq for call in log.calls()] == [3, 4, 5] and len(log) == 3


def test_a_call_without_an_answer_is_recorded_by_its_exception():
    log = ApiLog()
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-west-2")
    api = HyperPodApi(session, endpoint_url="http://127.0.0.1:9")  # nothing listens on the discard port
    client = api.mutating_client("sagemaker")  # no retries: one attempt
    api_log.install(client, log)
    with pytest.raises(Exception):  # noqa: B017 - whichever connection error botocore raises
        client.list_clusters()
    (call,) = log.calls()
    assert call.operation == "ListClusters" and "Error" in call.outcome and call.request_id == ""


def test_the_debug_log_holds_calls_but_never_credentials(sim, tmp_path):
    path = tmp_path / "debug.log"
    handler = debug_log.configure(path)
    try:
        api = simulated_api(sim)
        api.list_clusters()
        api.describe_cluster("genai-eks-prod")
        logging.getLogger("tui").debug("a header %s", {"Authorization": f"Credential={FAKE_KEY_ID}/x"})
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = path.read_text()
    assert "ListClusters" in text and "DescribeCluster" in text
    assert "Authorization" in text  # botocore's request headers were logged, redacted
    for secret in (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN, FAKE_TOKEN[:16]):
        assert secret not in text, secret
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_redact_masks_headers_keys_and_tokens():
    line = (
        "headers={'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/20261203/us-west-2/"
        "sagemaker/aws4_request, SignedHeaders=host, Signature=0123abcd', 'X-Amz-Security-Token': b'tok+en/=='} "
        '{"TokenValue": "ssm-token-value"}'
    )
    masked = debug_log.redact(line)
    for secret in ("AKIAABCDEFGHIJKLMNOP", "0123abcd", "tok+en/==", "ssm-token-value"):
        assert secret not in masked, masked


def test_an_unwritable_log_file_is_a_clean_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["--demo", "--log-file", str(blocker / "sub" / "x.log")]) == 2
    assert "--log-file" in capsys.readouterr().err


def test_a_throttled_call_retried_by_botocore_counts_its_retries(sim, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)  # botocore's backoff
    log = ApiLog()
    client = simulated_api(sim).client("sagemaker")  # standard retry mode, 3 attempts
    api_log.install(client, log)
    sim.faults.throttle("ListClusters", times=2)
    client.list_clusters()
    (call,) = log.calls()
    assert call.ok and call.retries == 2
