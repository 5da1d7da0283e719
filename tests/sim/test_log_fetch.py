"""Reading a whole stream page by page, following it, and turning AWS failures into typed one-liners."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from tests.moto_logs import put_lines
from tui.core.log_stream import (
    LogAccessDeniedError,
    LogConnectionError,
    LogFollower,
    LogNotFoundError,
    LogsError,
    LogThrottledError,
    fetch_log,
    iter_log_pages,
    logs_error,
)

GROUP = "/aws/sagemaker/Clusters/c/aa11bbbbb222"
STREAM = "LifecycleConfig/workers/i-0abc1234567890def"


def count_calls(client, operation: str = "GetLogEvents") -> list[dict]:
    calls: list[dict] = []
    client.meta.events.register(
        f"provide-client-params.logs.{operation}", lambda params, **_: calls.append(dict(params))
    )
    return calls


def test_paging_25000_events_in_three_pages_until_the_token_repeats(moto_logs):
    lines = [f"line {n}" for n in range(25_000)]
    put_lines(moto_logs, GROUP, STREAM, lines)
    calls = count_calls(moto_logs)
    pages = list(iter_log_pages(moto_logs, GROUP, STREAM, limit=10_000))
    assert [len(page.events) for page in pages] == [10_000, 10_000, 5_000]
    assert [page.number for page in pages] == [1, 2, 3]
    assert [event.message for page in pages for event in page.events] == lines
    # three pages with data, then one call whose token comes back unchanged: that is the end
    assert len(calls) == 4
    assert all(call["startFromHead"] is True for call in calls)
    assert calls[-1]["nextToken"] == pages[-1].next_token


def test_first_page_is_available_before_the_rest(moto_logs):
    put_lines(moto_logs, GROUP, STREAM, [f"l{n}" for n in range(30)])
    calls = count_calls(moto_logs)
    pages = iter_log_pages(moto_logs, GROUP, STREAM, limit=10)
    first = next(pages)
    assert [e.message for e in first.events] == [f"l{n}" for n in range(10)]
    assert len(calls) == 1  # lazily: nothing more fetched yet


def test_empty_stream_yields_one_empty_page(moto_logs):
    put_lines(moto_logs, GROUP, STREAM, [])
    pages = list(iter_log_pages(moto_logs, GROUP, STREAM))
    assert len(pages) == 1 and pages[0].events == ()


def test_follow_picks_up_events_appended_later(moto_logs):
    next_ts = put_lines(moto_logs, GROUP, STREAM, ["[SCRIPT_DOWNLOAD_START] d", "working"])
    events, token = fetch_log(moto_logs, GROUP, STREAM)
    assert [e.message for e in events] == ["[SCRIPT_DOWNLOAD_START] d", "working"]
    follower = LogFollower(moto_logs, GROUP, STREAM, token)
    calls = count_calls(moto_logs)
    assert follower.poll().events == ()
    assert len(calls) == 1  # nothing new costs one call
    put_lines(
        moto_logs, GROUP, STREAM, ["more", "[SCRIPT_EXECUTION_FAILED] exit code 1"], start_ms=next_ts, create=False
    )
    result = follower.poll()
    assert result.error is None
    assert [e.message for e in result.events] == ["more", "[SCRIPT_EXECUTION_FAILED] exit code 1"]
    assert result.token == follower.token != token
    assert follower.poll().events == ()


def test_follow_from_nothing_starts_at_the_head(moto_logs):
    put_lines(moto_logs, GROUP, STREAM, ["a", "b"])
    assert [e.message for e in LogFollower(moto_logs, GROUP, STREAM).poll().events] == ["a", "b"]


def test_missing_stream_is_a_typed_error(moto_logs):
    moto_logs.create_log_group(logGroupName=GROUP)
    with pytest.raises(LogNotFoundError) as caught:
        list(iter_log_pages(moto_logs, GROUP, "nope"))
    assert "GetLogEvents" in str(caught.value) and "\n" not in str(caught.value)
    result = LogFollower(moto_logs, GROUP, "nope", "f/1").poll()
    assert isinstance(result.error, LogNotFoundError) and result.events == () and result.token == "f/1"


class ScriptedClient:
    """Answers GetLogEvents from a script of responses and exceptions."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = 0

    def get_log_events(self, **_):
        self.calls += 1
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def throttle() -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "GetLogEvents")


def test_an_empty_page_with_a_new_token_is_not_the_end():
    # CloudWatch may answer an empty page mid-stream (a gap in time); only a repeated token ends the read.
    client = ScriptedClient(
        {"events": [{"timestamp": 1, "message": "a"}], "nextForwardToken": "f/1"},
        {"events": [], "nextForwardToken": "f/2"},
        {"events": [{"timestamp": 9, "message": "b"}], "nextForwardToken": "f/3"},
        {"events": [], "nextForwardToken": "f/3"},
    )
    events, token = fetch_log(client, GROUP, STREAM)
    assert [e.message for e in events] == ["a", "b"] and token == "f/3" and client.calls == 4


def test_follow_keeps_what_arrived_before_a_throttle():
    client = ScriptedClient(
        {"events": [{"timestamp": 1, "message": "new"}], "nextForwardToken": "f/2"},
        throttle(),
        {"events": [{"timestamp": 2, "message": "newer"}], "nextForwardToken": "f/3"},
        {"events": [], "nextForwardToken": "f/3"},
    )
    follower = LogFollower(client, GROUP, STREAM, "f/1")
    first = follower.poll()
    assert [e.message for e in first.events] == ["new"]
    assert isinstance(first.error, LogThrottledError)
    assert follower.token == "f/2"  # resumes after what it kept
    second = follower.poll()
    assert [e.message for e in second.events] == ["newer"] and second.error is None and follower.token == "f/3"


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (
            ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "The specified log group does not exist."}},
                "X",
            ),
            LogNotFoundError,
            "not found",
        ),
        (
            ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "X"),
            LogAccessDeniedError,
            "logs:GetLogEvents",
        ),
        (
            ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "X"),
            LogAccessDeniedError,
            "expired",
        ),
        (throttle(), LogThrottledError, "throttled"),
        (NoCredentialsError(), LogAccessDeniedError, "no usable AWS credentials"),
        (
            EndpointConnectionError(endpoint_url="https://logs.us-west-2.amazonaws.com"),
            LogConnectionError,
            "cannot reach",
        ),
        (
            ClientError({"Error": {"Code": "InvalidParameterException", "Message": "bad\ntoken"}}, "X"),
            LogsError,
            "bad token",
        ),
    ],
)
def test_aws_failures_become_typed_one_line_errors(error, kind, words):
    mapped = logs_error(error, "GetLogEvents", f"{GROUP} {STREAM}")
    assert type(mapped) is kind
    assert words in str(mapped)
    assert "\n" not in str(mapped) and "Traceback" not in str(mapped)
    with pytest.raises(kind):
        list(iter_log_pages(ScriptedClient(error), GROUP, STREAM))
