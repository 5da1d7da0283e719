"""tui.core.ssm: targets, the copyable command, plugin versions, and the launch compared with the AWS CLI's own.

The comparison runs awscli's `StartSessionCaller` and our `SessionLauncher` against the same fake
`session-manager-plugin` (first on PATH, it records its argv and environment) and the same botocore-stubbed
SSM client, and asserts the two launches are identical.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from awscli.customizations.sessionmanager import StartSessionCaller, VersionRequirement
from botocore.stub import Stubber

from tui.core import ssm

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222"
IID = "i-0123456789abcdef0"
TARGET = f"sagemaker-cluster:aa11bbbbb222_controller-machine-{IID}"
RESPONSE = {
    "SessionId": "hp-user-0a1b2c3d4e5f",
    "TokenValue": "SECRET-TOKEN-abc123",
    "StreamUrl": "wss://ssmmessages.example/s",
}


# ── targets and ARNs ──────────────────────────────────────────────────────────────────────────────


def test_cluster_id_from_arn():
    assert ssm.cluster_id_from_arn(ARN) == "aa11bbbbb222"
    cn = "arn:aws-cn:sagemaker:cn-north-1:123456789012:cluster/0123456789ab"
    assert ssm.cluster_id_from_arn(cn) == "0123456789ab"


@pytest.mark.parametrize(
    "bad",
    [
        "aa11bbbbb222",  # no ARN at all
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/AA11BBBBB222",  # upper case
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb22",  # 11
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb2223",  # 13
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/my-cluster",  # a name (moto's ARNs look like this)
        "arn:aws:sagemaker:us-west-2:123456789012:cluster/",
        "",
    ],
)
def test_cluster_id_from_arn_rejects(bad):
    with pytest.raises(ValueError, match="cluster"):
        ssm.cluster_id_from_arn(bad)


def test_ssm_target():
    assert ssm.ssm_target(ARN, "controller-machine", IID) == TARGET
    assert ssm.ssm_target(ARN, "w", "i-0123abcd") == "sagemaker-cluster:aa11bbbbb222_w-i-0123abcd"


@pytest.mark.parametrize(
    "group, instance",
    [("", IID), ("-lead", IID), ("a" * 64, IID), ("g;rm", IID), ("g", "i-XYZ"), ("g", "0123456789abcdef0"), ("g", "")],
)
def test_ssm_target_rejects(group, instance):
    with pytest.raises(ValueError):
        ssm.ssm_target(ARN, group, instance)


# ── the copyable command ──────────────────────────────────────────────────────────────────────────


def test_start_session_command_plain():
    assert ssm.start_session_command(TARGET, "us-west-2") == (
        f"aws ssm start-session --target {TARGET} --region us-west-2"
    )


def test_start_session_command_profile_and_document():
    line = ssm.start_session_command(
        TARGET, "us-west-2", profile="prod admin", document="SSM-SessionManagerRunShellAsUbuntu"
    )
    assert line == (
        f"aws ssm start-session --target {TARGET} --region us-west-2 "
        "--profile 'prod admin' --document-name SSM-SessionManagerRunShellAsUbuntu"
    )


def test_start_session_command_quotes_hostile_input():
    import shlex

    line = ssm.start_session_command("t$(reboot)", "us-west-2", profile="a'b")
    assert shlex.split(line)[4] == "t$(reboot)"
    assert shlex.split(line)[-1] == "a'b"


def test_session_user_note():
    assert "root" in ssm.session_user_note(None)
    assert "SSM-SessionManagerRunShellAsUbuntu" in ssm.session_user_note("SSM-SessionManagerRunShellAsUbuntu")
    assert "root" not in ssm.session_user_note("SSM-SessionManagerRunShellAsUbuntu")


def test_start_session_request_order_and_validation():
    req = ssm.start_session_request(TARGET, "AWS-StartInteractiveCommand", {"command": ("bash",)})
    assert list(req) == ["Target", "DocumentName", "Reason", "Parameters"]
    assert req["Reason"] == "hyperpod-tui" and req["Parameters"] == {"command": ["bash"]}
    assert ssm.start_session_request(TARGET) == {"Target": TARGET, "Reason": "hyperpod-tui"}
    with pytest.raises(ValueError):
        ssm.start_session_request(TARGET, "bad doc name")
    with pytest.raises(ValueError):
        ssm.start_session_request("")


# ── plugin versions ───────────────────────────────────────────────────────────────────────────────

VERSIONS = [
    ("1.2.497.0", False),  # the gate itself: strict >
    ("1.2.497.1", True),
    ("1.2.536.0", True),
    ("1.2.814.0\n", True),
    (" 1.2.814.0 ", True),
    ("1.3", True),
    ("2", True),
    ("1.2.497", False),  # zero-padded: equal
    ("1.2.496.999", False),
    ("1.2.0.0", False),
    ("garbage", False),
    ("", False),
    ("1.2.3.4.5", False),
    ("v1.2.814.0", False),
    ("1.2.814.0-beta", False),
]


@pytest.mark.parametrize("version, reads_env", VERSIONS)
def test_version_gate(version, reads_env):
    assert ssm.plugin_reads_response_from_env(version) is reads_env
    # the same answer as the AWS CLI's own VersionRequirement
    assert VersionRequirement(min_version="1.2.497.0").meets_requirement(version) is reads_env


@pytest.mark.parametrize(
    "version, warned",
    [
        ("1.2.814.0", False),
        ("1.2.814", False),
        ("1.3.0.0", False),
        ("1.2.813.9", True),
        ("1.2.536.0", True),
        ("garbage", False),
    ],
)
def test_recommended_minimum_warns_only(version, warned):
    warning = ssm.plugin_version_warning(version)
    assert (warning is not None) is warned
    if warned:
        assert "1.2.814.0" in warning and ssm.PLUGIN_INSTALL_URL in warning


# ── the launch plan (pure) ────────────────────────────────────────────────────────────────────────


def _plan(version, profile=None):
    request = ssm.start_session_request(TARGET)
    return ssm.plan_plugin_launch(
        {**RESPONSE, "ResponseMetadata": {"RequestId": "x"}},
        request,
        region="us-west-2",
        endpoint_url="https://ssm.us-west-2.amazonaws.com",
        profile=profile,
        plugin_path="/opt/smp/session-manager-plugin",
        plugin_version=version,
        base_env={"PATH": "/bin", "AWS_PROFILE": "x"},
    )


def test_plan_legacy_puts_json_in_argv():
    launch = _plan("1.2.497.0")
    assert launch.argv == [
        "/opt/smp/session-manager-plugin",
        json.dumps(RESPONSE),
        "us-west-2",
        "StartSession",
        "",
        json.dumps({"Target": TARGET, "Reason": "hyperpod-tui"}),
        "https://ssm.us-west-2.amazonaws.com",
    ]
    assert launch.env == {"PATH": "/bin", "AWS_PROFILE": "x"}
    assert launch.token_in_argv


def test_plan_new_plugin_keeps_token_out_of_argv():
    launch = _plan("1.2.814.0", profile="dev")
    assert launch.argv[1] == "AWS_SSM_START_SESSION_RESPONSE"
    assert launch.argv[4] == "dev"
    assert launch.env["AWS_SSM_START_SESSION_RESPONSE"] == json.dumps(RESPONSE)
    assert not any("SECRET-TOKEN" in part for part in launch.argv)
    assert "SECRET-TOKEN" not in repr(launch)
    assert not launch.token_in_argv


def test_plan_multi_element_plugin_command():
    launch = ssm.plan_plugin_launch(
        RESPONSE,
        {"Target": TARGET},
        region="r",
        endpoint_url="e",
        profile=None,
        plugin_path=[sys.executable, "-m", "tui.sim.plugin"],
        plugin_version="1.2.814.0",
        base_env={},
    )
    assert launch.argv[:3] == [sys.executable, "-m", "tui.sim.plugin"]
    request_json = json.dumps({"Target": TARGET})
    assert launch.argv[3:] == ["AWS_SSM_START_SESSION_RESPONSE", "r", "StartSession", "", request_json, "e"]


# ── failure detection ─────────────────────────────────────────────────────────────────────────────


def test_find_start_failure():
    assert ssm.find_start_failure("\r\nStarting session with SessionId: s\r\n") is None
    assert ssm.find_start_failure("x\r\nCannot perform start session: EOF\r\n") == "EOF"
    assert ssm.find_start_failure("Cannot perform start session:") == "no reason given"
    hostile = ssm.find_start_failure("Cannot perform start session: \x1b]52;c;cm0gLXJm\x07bad\x1b[31m!")
    assert hostile == "bad!"  # plugin output is untrusted: no escape sequence survives


def test_scanner_handles_arbitrary_chunking():
    stream = "Starting…\r\nCannot perform start session: websocket: bad handshake\r\nmore".encode()
    for cut in range(1, len(stream)):
        scanner = ssm.StartFailureScanner()
        first = scanner.feed(stream[:cut])
        second = scanner.feed(stream[cut:])
        assert first is None or first == "websocket: bad handshake"
        assert second == "websocket: bad handshake", cut


def test_scanner_last_line_without_newline():
    scanner = ssm.StartFailureScanner()
    assert scanner.feed("Cannot perform start session: EOF") is None
    assert scanner.finish() == "EOF"
    assert ssm.StartFailureScanner().finish() is None


# ── the launch compared with the AWS CLI's ────────────────────────────────────────────────────────

FAKE_PLUGIN = """#!{python}
import json, os, sys
if sys.argv[1:] == ["--version"]:
    print({version!r})
    sys.exit(0)
with open({record!r}, "a") as out:
    out.write(json.dumps({{"argv": sys.argv, "env": dict(os.environ)}}) + "\\n")
"""


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    """Factory: installs a recording `session-manager-plugin` first on PATH; returns the record file."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "record.jsonl"

    def install(version: str) -> Path:
        script = bindir / "session-manager-plugin"
        script.write_text(FAKE_PLUGIN.format(python=sys.executable, version=version, record=str(record)))
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
        return record

    return install


def stubbed_ssm(region="us-west-2"):
    client = boto3.client("ssm", region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
    stubber = Stubber(client)
    stubber.activate()
    return client, stubber


TERMINATED = ({"SessionId": RESPONSE["SessionId"]}, {"SessionId": RESPONSE["SessionId"]})


class CliSession:
    """What StartSessionCaller needs from a botocore session: create_client."""

    def __init__(self, client):
        self.client = client
        self.calls = []

    def create_client(self, service_name, **kwargs):
        self.calls.append((service_name, kwargs))
        return self.client


def run_awscli(client, parameters, profile):
    parsed_globals = argparse.Namespace(region="us-west-2", endpoint_url=None, verify_ssl=None, profile=profile)
    return StartSessionCaller(CliSession(client)).invoke("ssm", "StartSession", dict(parameters), parsed_globals)


@pytest.mark.parametrize("version", ["1.2.497.0", "1.2.497.1", "1.2.814.0", "not-a-version"])
@pytest.mark.parametrize("profile, document", [(None, None), ("dev", "SSM-SessionManagerRunShellAsUbuntu")])
def test_launch_identical_to_awscli(fake_plugin, version, profile, document):
    record = fake_plugin(version)
    client, stubber = stubbed_ssm()
    request = {"Target": TARGET, **({"DocumentName": document} if document else {}), "Reason": "hyperpod-tui"}
    stubber.add_response("start_session", dict(RESPONSE), request)  # awscli's
    stubber.add_response("start_session", dict(RESPONSE), request)  # ours
    stubber.add_response("terminate_session", *TERMINATED)

    assert run_awscli(client, request, profile) == 0
    launcher = ssm.SessionLauncher(client, profile=profile)
    session = launcher.open(TARGET, document=document)
    assert launcher.run_foreground(session) == 0
    stubber.assert_no_pending_responses()  # ours terminated the session it opened, once
    assert session.closed and session.close_error is None

    theirs, ours = (json.loads(line) for line in record.read_text().splitlines())
    assert ours["argv"] == theirs["argv"]
    assert ours["env"] == theirs["env"]
    assert ours["argv"] == session.launch.argv  # the plan is what actually ran
    reads_env = ssm.plugin_reads_response_from_env(version)
    assert (ours["argv"][1] == "AWS_SSM_START_SESSION_RESPONSE") is reads_env
    assert ours["argv"][2:5] == ["us-west-2", "StartSession", profile or ""]
    assert ours["argv"][6] == "https://ssm.us-west-2.amazonaws.com"
    if reads_env:
        assert json.loads(ours["env"]["AWS_SSM_START_SESSION_RESPONSE"]) == RESPONSE
        assert not any(RESPONSE["TokenValue"] in part for part in ours["argv"])
    else:
        assert json.loads(ours["argv"][1]) == RESPONSE
        assert "AWS_SSM_START_SESSION_RESPONSE" not in ours["env"]


def test_missing_plugin_opens_no_session_unlike_awscli(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    client, stubber = stubbed_ssm()
    request = {"Target": TARGET, "Reason": "hyperpod-tui"}
    # The AWS CLI starts the session, then finds no plugin and terminates it.
    stubber.add_response("start_session", dict(RESPONSE), request)
    stubber.add_response("terminate_session", *TERMINATED)
    with pytest.raises(ValueError, match="SessionManagerPlugin is not found"):
        run_awscli(client, request, None)
    stubber.assert_no_pending_responses()
    # We look first: no StartSession at all (an unexpected call would raise UnStubbedResponseError).
    launcher = ssm.SessionLauncher(client, profile="dev")
    with pytest.raises(ssm.PluginMissing) as caught:
        launcher.open(TARGET, document="SSM-SessionManagerRunShellAsUbuntu")
    message = str(caught.value)
    assert ssm.PLUGIN_INSTALL_URL in message
    assert ssm.start_session_command(TARGET, "us-west-2", "dev", "SSM-SessionManagerRunShellAsUbuntu") in message


class ScriptedRunner:
    """The ProcessRunner seam, scripted: a version answer (or exception) and a run outcome (or exception)."""

    def __init__(self, version="1.2.814.0", run=0):
        self._version, self._run = version, run
        self.ran = []

    def version(self, command, timeout):
        if isinstance(self._version, BaseException):
            raise self._version
        return self._version + "\n"

    def run(self, argv, env):
        self.ran.append((list(argv), dict(env)))
        if isinstance(self._run, BaseException):
            raise self._run
        return self._run


def _launcher(client, runner):
    # sys.executable always resolves on PATH lookups, so preflight reaches the scripted runner.
    return ssm.SessionLauncher(client, plugin=[sys.executable], runner=runner, base_env={"PATH": "/bin"})


def _stub_open_and_terminate(stubber):
    stubber.add_response("start_session", dict(RESPONSE), {"Target": TARGET, "Reason": "hyperpod-tui"})
    stubber.add_response("terminate_session", *TERMINATED)


@pytest.mark.parametrize(
    "error, raised",
    [
        (FileNotFoundError(errno.ENOENT, "No such file"), ssm.PluginMissing),
        (PermissionError(errno.EACCES, "Permission denied"), ssm.PluginFailed),
        (OSError(errno.E2BIG, "Argument list too long"), ssm.PluginFailed),
    ],
)
def test_spawn_failure_terminates_the_session(error, raised):
    client, stubber = stubbed_ssm()
    _stub_open_and_terminate(stubber)
    runner = ScriptedRunner(run=error)
    launcher = _launcher(client, runner)
    session = launcher.open(TARGET)
    with pytest.raises(raised):
        launcher.run_foreground(session)
    stubber.assert_no_pending_responses()
    assert session.closed


def test_run_foreground_can_leave_terminating_to_the_caller():
    client, stubber = stubbed_ssm()
    _stub_open_and_terminate(stubber)
    runner = ScriptedRunner(run=3)
    launcher = _launcher(client, runner)
    session = launcher.open(TARGET)
    assert launcher.run_foreground(session, terminate=False) == 3
    assert runner.ran == [(session.launch.argv, session.launch.env)]
    assert not session.closed  # the caller closes it (in a worker, after the UI is back)
    assert session.close() is True
    stubber.assert_no_pending_responses()


def test_run_foreground_without_terminate_hands_back_the_raw_spawn_error():
    client, stubber = stubbed_ssm()
    _stub_open_and_terminate(stubber)
    gone = FileNotFoundError(errno.ENOENT, "No such file")
    launcher = _launcher(client, ScriptedRunner(run=gone))
    session = launcher.open(TARGET)
    with pytest.raises(FileNotFoundError) as raised:
        launcher.run_foreground(session, terminate=False)
    assert raised.value is gone and not session.closed
    assert isinstance(session.spawn_failed(raised.value), ssm.PluginMissing)  # what the caller does next
    assert session.closed
    stubber.assert_no_pending_responses()


def test_user_close_terminates_once():
    client, stubber = stubbed_ssm()
    _stub_open_and_terminate(stubber)
    session = _launcher(client, ScriptedRunner()).open(TARGET)
    with session:
        assert not session.closed
    assert session.closed
    assert session.close() is True  # idempotent: no second TerminateSession (it would be unstubbed)
    stubber.assert_no_pending_responses()


def test_close_failure_is_kept_not_raised():
    client, stubber = stubbed_ssm()
    stubber.add_response("start_session", dict(RESPONSE), {"Target": TARGET, "Reason": "hyperpod-tui"})
    stubber.add_client_error("terminate_session", service_error_code="InternalServerError", http_status_code=500)
    session = _launcher(client, ScriptedRunner()).open(TARGET)
    assert session.close() is False
    assert "InternalServerError" in str(session.close_error)


def test_spawn_failed_from_a_pane_message():
    client, stubber = stubbed_ssm()
    _stub_open_and_terminate(stubber)
    session = _launcher(client, ScriptedRunner()).open(TARGET)
    error = session.spawn_failed(FileNotFoundError(errno.ENOENT, "gone"))
    assert isinstance(error, ssm.PluginMissing) and ssm.PLUGIN_INSTALL_URL in str(error)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    "version_error, raised",
    [
        (FileNotFoundError(errno.ENOENT, "x"), ssm.PluginMissing),
        (PermissionError(errno.EACCES, "x"), ssm.PluginFailed),
        (subprocess.TimeoutExpired(["p"], 10), ssm.PluginFailed),
        (subprocess.CalledProcessError(2, ["p"], stderr="boom"), ssm.PluginFailed),
    ],
)
def test_preflight_failures_open_nothing(version_error, raised):
    client, stubber = stubbed_ssm()  # no responses: any API call would raise
    with pytest.raises(raised):
        _launcher(client, ScriptedRunner(version=version_error)).open(TARGET)
    stubber.assert_no_pending_responses()


def test_launcher_command_for_uses_its_region_and_profile():
    client, _ = stubbed_ssm("eu-west-1")
    launcher = ssm.SessionLauncher(client, profile="ops")
    assert launcher.command_for(TARGET) == f"aws ssm start-session --target {TARGET} --region eu-west-1 --profile ops"


def test_launcher_command_for_names_the_users_endpoint():
    """With --endpoint-url the pasted command must reach the same endpoint, not AWS's."""
    client, _ = stubbed_ssm("eu-west-1")
    launcher = ssm.SessionLauncher(client, endpoint_url="http://127.0.0.1:4566")
    line = launcher.command_for(TARGET)
    assert line.endswith(" --endpoint-url http://127.0.0.1:4566")
    assert "--endpoint-url" in launcher._missing(TARGET, None)


def test_preflight_reports_old_plugin_without_refusing():
    client, stubber = stubbed_ssm()
    check = _launcher(client, ScriptedRunner(version="1.2.536.0")).preflight()
    assert check.reads_env and check.warning and "1.2.814.0" in check.warning
    assert check.command[0] == sys.executable


def test_preflight_with_real_version_timeout(tmp_path):
    slow = tmp_path / "slow-plugin"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    client, _ = stubbed_ssm()
    launcher = ssm.SessionLauncher(client, plugin=str(slow), version_timeout=0.3)
    with pytest.raises(ssm.PluginFailed, match="no answer"):
        launcher.preflight()


def test_core_ssm_does_not_import_textual():
    code = "import sys, tui.core.ssm; sys.exit(1 if 'textual' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
