"""The demo stand-in for session-manager-plugin (`python -m tui.sim.plugin`), run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest

from tui.core import ssm

PLUGIN = [sys.executable, "-m", "tui.sim.plugin"]
TARGET = "sagemaker-cluster:aa11bbbbb222_controller-machine-i-0123456789abcdef0"
RESPONSE = {"SessionId": "hp-demo-0123", "TokenValue": "TOKEN-xyz", "StreamUrl": "wss://demo.invalid/s"}
REQUEST = json.dumps({"Target": TARGET, "Reason": "hyperpod-tui"})
ENV_NAME = "AWS_SSM_START_SESSION_RESPONSE"


def run(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items() if key != "HYPERPOD_TUI_SIM_PLUGIN_VERSION"}
    full_env.update(env or {})
    return subprocess.run([*PLUGIN, *args], input=stdin, capture_output=True, text=True, env=full_env, timeout=30)


def test_version():
    done = run("--version")
    assert (done.returncode, done.stdout) == (0, "1.2.814.0\n")
    done = run("--version", env={"HYPERPOD_TUI_SIM_PLUGIN_VERSION": "1.2.497.0"})
    assert done.stdout == "1.2.497.0\n"


def test_no_arguments_says_installed():
    done = run()
    assert done.returncode == 0
    assert "The Session Manager plugin was installed successfully" in done.stdout


@pytest.mark.parametrize("args", [["foo"], ["foo", "us-west-2"]])
def test_too_few_arguments(args):
    done = run(*args)
    assert done.returncode == 0
    assert "Unknown operation foo." in done.stdout


@pytest.mark.parametrize(
    "response, reason",
    [
        ("{not json", "invalid StartSession response JSON"),
        ('{"SessionId": "s"}', "no TokenValue"),
        (json.dumps({**RESPONSE, "StreamUrl": "https://x"}), "not a wss:// URL"),
        ("[]", "not a JSON object"),
    ],
)
def test_bad_response_fails_like_the_real_plugin(response, reason):
    done = run(response, "us-west-2", "StartSession", "", REQUEST, "https://ssm.us-west-2.amazonaws.com")
    assert done.returncode == 0  # the real plugin never exits non-zero
    assert ssm.find_start_failure(done.stdout) is not None
    assert reason in done.stdout
    assert "DEMO SHELL" not in done.stdout


def test_env_var_named_but_empty():
    done = run(ENV_NAME, "us-west-2", "StartSession", "", REQUEST, "e", env={ENV_NAME: ""})
    assert "Cannot perform start session: unexpected end of JSON input" in done.stdout


def test_bad_request_and_operation():
    done = run(json.dumps(RESPONSE), "us-west-2", "StartSession", "", "{oops", "e")
    assert "Cannot perform start session: invalid StartSession request JSON" in done.stdout
    done = run(json.dumps(RESPONSE), "us-west-2", "StopSession", "", REQUEST, "e")
    assert done.stdout == "Invalid Operation"


SHELL_PROBE = 'echo "RESPONSE=${AWS_SSM_START_SESSION_RESPONSE-unset}"; echo "PROMPT=$PS1"; exit 0\n'


def test_env_var_contract_then_labelled_demo_shell():
    done = run(
        ENV_NAME, "us-west-2", "StartSession", "", REQUEST, "e", env={ENV_NAME: json.dumps(RESPONSE)}, stdin=SHELL_PROBE
    )
    assert done.returncode == 0
    out = done.stdout
    assert "Starting session with SessionId: hp-demo-0123" in out
    assert f"DEMO SHELL — a local shell standing in for the node {TARGET}; nothing here runs on AWS." in out
    assert out.index("Starting session") < out.index("DEMO SHELL")
    assert "RESPONSE=unset" in out  # read, then removed before the shell starts (the token does not leak on)
    assert f"PROMPT=[demo {TARGET}]" in out


def test_legacy_argv_json_and_document_note():
    request = json.dumps({"Target": TARGET, "DocumentName": "SSM-SessionManagerRunShellAsUbuntu"})
    done = run(json.dumps(RESPONSE), "us-west-2", "StartSession", "dev", request, "e", stdin="exit 0\n")
    assert "Starting session with SessionId: hp-demo-0123" in done.stdout
    assert "SSM-SessionManagerRunShellAsUbuntu" in done.stdout


def test_hostile_target_never_reaches_the_prompt_as_code(tmp_path):
    marker = tmp_path / "pwned"
    request = json.dumps({"Target": f"x$(touch {marker})`touch {marker}`"})
    done = run(json.dumps(RESPONSE), "us-west-2", "StartSession", "", request, "e", stdin=SHELL_PROBE)
    assert "DEMO SHELL" in done.stdout
    assert "$(" not in done.stdout.split("PROMPT=")[1]
    assert not marker.exists()


def test_launcher_preflight_accepts_the_stand_in():
    client = boto3.client("ssm", region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
    check = ssm.SessionLauncher(client, plugin=PLUGIN).preflight()
    assert check.version == "1.2.814.0" and check.reads_env and check.warning is None
    assert list(check.command) == PLUGIN


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_the_demo_shell_takes_back_the_signals_it_was_started_without():
    # Started as `S` starts it (SIGINT/SIGQUIT/SIGTSTP ignored in the parent, inherited by the child), the
    # commands typed into the demo shell must still be interruptible by ctrl+c.
    probe = "grep SigIgn /proc/self/status\nexit 0\n"

    def ignoring():  # runs in the child before exec, as if inherited from an ignoring parent
        import signal

        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
            signal.signal(sig, signal.SIG_IGN)

    done = subprocess.run(
        [*PLUGIN, json.dumps(RESPONSE), "us-west-2", "StartSession", "", REQUEST, "e"],
        input=probe,
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=ignoring,
    )
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("SigIgn:")]
    ignored = int(line.split()[1], 16)
    assert not ignored & (1 << (2 - 1)), line  # SIGINT (2) is not ignored by what the shell runs
    assert not ignored & (1 << (3 - 1)), line  # nor SIGQUIT (3)
