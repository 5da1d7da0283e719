"""`python -m tui.sim serve`: the AWS CLI and boto3 talk to it over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import boto3
import pytest
from botocore.config import Config

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "PYTHONPATH": ROOT,
        }
    )
    env.pop("AWS_PROFILE", None)
    return env


class Served:
    def __init__(self, args: list[str], env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.sim", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        line = self.process.stdout.readline()
        match = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)\n", line)
        assert match, f"unexpected first line {line!r}; stderr: {self.process.stderr.read() if not line else ''}"
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env

    def aws(self, *args: str) -> dict:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "awscli",
                "--endpoint-url",
                self.url,
                "--region",
                "us-west-2",
                "--output",
                "json",
                *args,
            ],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(["--scenario", "demo"], _env(tmp_path_factory.mktemp("aws")))
    yield server
    assert server.stop() == 0
    assert server.process.stdout.read() == ""  # exactly one line was printed


def test_the_aws_cli_lists_clusters_and_nodes(served):
    clusters = served.aws("sagemaker", "list-clusters")["ClusterSummaries"]
    assert sorted(c["ClusterName"] for c in clusters) == ["genai-eks-prod", "llm-pretrain-slurm", "research-slurm-dev"]
    assert all(
        re.fullmatch(r"arn:aws:sagemaker:us-west-2:123456789012:cluster/[a-z0-9]{12}", c["ClusterArn"])
        for c in clusters
    )
    nodes = served.aws("sagemaker", "list-cluster-nodes", "--cluster-name", "llm-pretrain-slurm")
    summaries = nodes["ClusterNodeSummaries"]
    assert len(summaries) == 40 and len({n["InstanceId"] for n in summaries}) == 40
    assert {n["InstanceGroupName"] for n in summaries} == {
        "controller-machine",
        "login-group",
        "worker-group-1",
        "worker-group-2",
    }
    few = served.aws(
        "sagemaker",
        "list-cluster-nodes",
        "--cluster-name",
        "llm-pretrain-slurm",
        "--instance-group-name-contains",
        "login",
    )["ClusterNodeSummaries"]
    assert [n["InstanceGroupName"] for n in few] == ["login-group", "login-group"]


def test_the_aws_cli_reads_logs_and_reports_errors(served):
    groups = served.aws("logs", "describe-log-groups")["logGroups"]
    assert len(groups) == 3
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "--endpoint-url",
            served.url,
            "sagemaker",
            "describe-cluster",
            "--cluster-name",
            "no-such-cluster",
        ],
        capture_output=True,
        text=True,
        env=served.env,
        timeout=60,
    )
    assert done.returncode == 254 or done.returncode == 255
    assert "(ResourceNotFound)" in done.stderr


def test_boto3_with_endpoint_url_pages_through_a_real_connection(served):
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-west-2")
    sm = session.client("sagemaker", endpoint_url=served.url, config=Config(retries={"total_max_attempts": 1}))
    pages = list(
        sm.get_paginator("list_cluster_nodes").paginate(ClusterName="genai-eks-prod", PaginationConfig={"PageSize": 5})
    )
    ids = [n["InstanceId"] for page in pages for n in page["ClusterNodeSummaries"]]
    assert len(pages) == 5 and len(ids) == len(set(ids)) == 24
    logs = session.client("logs", endpoint_url=served.url)
    assert logs.describe_log_groups()["logGroups"]
    ssm = session.client("ssm", endpoint_url=served.url)
    with pytest.raises(ssm.exceptions.TargetNotConnected):
        ssm.start_session(Target="sagemaker-cluster:aaaaaaaaaaaa_g-i-0123456789abcdef0")


def test_keep_alive_any_path_any_host_and_bad_requests(served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    headers = {
        "X-Amz-Target": "SageMaker.ListClusters",
        "Content-Type": "application/x-amz-json-1.1",
        "Host": "api.sagemaker.us-west-2.amazonaws.com",
    }
    for path in ("/", "/some/where"):
        connection.request("POST", path, body=b"{}", headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and int(response.getheader("Content-Length")) == len(body)
        assert response.getheader("x-amzn-RequestId")
    connection.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "SageMaker.Nope"})
    response = connection.getresponse()
    assert response.status == 400 and json.loads(response.read())["__type"] == "UnknownOperationException"
    connection.request("POST", "/", body=b"{oops", headers=headers)
    response = connection.getresponse()
    assert response.status == 400 and response.getheader("x-amzn-ErrorType") == "SerializationException"
    response.read()
    connection.request("GET", "/health")
    response = connection.getresponse()
    assert response.status == 200 and json.loads(response.read())["status"] == "ok"
    connection.close()


def test_latency_option_delays_every_answer(tmp_path):
    server = Served(["--scenario", "zoo", "--latency-ms", "80"], _env(tmp_path))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        began = time.perf_counter()
        for _ in range(3):
            connection.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "SageMaker.ListClusters"})
            assert len(json.loads(connection.getresponse().read())["ClusterSummaries"]) == 8
        assert time.perf_counter() - began >= 0.24
    finally:
        assert server.stop() == 0


def test_sigint_stops_the_server_cleanly(tmp_path):
    server = Served(["--scenario", "zoo"], _env(tmp_path))
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0
    assert "Traceback" not in server.process.stderr.read()


def test_scenarios_command_lists_the_scenarios(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tui.sim", "scenarios"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.split() == ["demo", "scale-10k", "zoo"]


def test_pages_over_http_do_not_stall(served):
    """A listing is many small requests on one connection: each must take about the time of the work, not
    a TCP delayed-ACK timeout (40 ms)."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    body = json.dumps({"ClusterName": "genai-eks-prod", "MaxResults": 1}).encode()
    headers = {"X-Amz-Target": "SageMaker.ListClusterNodes"}
    connection.request("POST", "/", body=body, headers=headers)
    connection.getresponse().read()
    began = time.perf_counter()
    for _ in range(30):
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200 and response.read()
    per_request = (time.perf_counter() - began) / 30
    connection.close()
    assert per_request < 0.02, f"{per_request * 1000:.1f} ms per request"
