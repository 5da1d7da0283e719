"""moto's CloudWatch Logs as the AWS for the log-resolution and paging tests: the `moto_logs` fixture (registered in
tests/sim/conftest.py) and helpers that upload lines."""

from __future__ import annotations

import time
from datetime import UTC

import boto3
import pytest
from moto import mock_aws

REGION = "us-west-2"


@pytest.fixture
def moto_logs(monkeypatch):
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.client("logs", region_name=REGION)


def now_ms() -> int:
    return int(time.time() * 1000)


def put_lines(client, group: str, stream: str, lines, *, start_ms: int | None = None, create: bool = True) -> int:
    """Create group/stream if needed and upload `lines` in PutLogEvents batches; returns the next timestamp."""
    if create:
        for call, kwargs in (
            (client.create_log_group, {"logGroupName": group}),
            (client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            try:
                call(**kwargs)
            except client.exceptions.ResourceAlreadyExistsException:
                pass
    ts = start_ms if start_ms is not None else now_ms() - 3_600_000
    batch = []
    for line in lines:
        batch.append({"timestamp": ts, "message": line})
        ts += 1
        if len(batch) == 10_000:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            batch = []
    if batch:
        client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
    return ts


def set_creation_time(group: str, epoch_ms: int) -> None:
    """moto stamps groups with the wall clock; tests of "newest first" need distinct times."""
    from datetime import datetime

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.logs.models import logs_backends

    backend = logs_backends[DEFAULT_ACCOUNT_ID][REGION]
    backend.groups[group].creation_time = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).replace(tzinfo=None)
