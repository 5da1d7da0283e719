"""The whole path, with real processes: SessionLauncher (botocore-stubbed SSM) → the demo stand-in plugin in a
PtyPane → the user closes it → TerminateSession. This is the wiring a screen will do; here it is a tiny app."""

from __future__ import annotations

import sys

import boto3
from botocore.stub import Stubber
from textual.app import App, ComposeResult

from tests.app.pane_app import wait_for
from tui.core import ssm
from tui.widgets.pty_pane import PtyPane

TARGET = "sagemaker-cluster:aa11bbbbb222_controller-machine-i-0123456789abcdef0"
SESSION_ID = "hp-demo-0a1b2c"
STAND_IN = [sys.executable, "-m", "tui.sim.plugin"]


def open_session(stream_url="wss://ssmmessages.us-west-2.amazonaws.com/v1/data-channel/x", plugin=STAND_IN):
    client = boto3.client("ssm", region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(client)
    stubber.activate()
    response = {"SessionId": SESSION_ID, "TokenValue": "TOKEN", "StreamUrl": stream_url}
    stubber.add_response("start_session", response, {"Target": TARGET, "Reason": "hyperpod-tui"})
    stubber.add_response("terminate_session", {"SessionId": SESSION_ID}, {"SessionId": SESSION_ID})
    session = ssm.SessionLauncher(client, plugin=plugin).open(TARGET)
    return session, stubber


class SessionApp(App[None]):
    def __init__(self, session: ssm.SsmSession) -> None:
        super().__init__()
        self.session = session
        self.scanner = ssm.StartFailureScanner()
        self.exited: list[int] = []
        self.errors: list[ssm.SsmError] = []

    def compose(self) -> ComposeResult:
        yield PtyPane(self.session.launch.argv, env=self.session.launch.env, report_output=True, title=TARGET)

    def on_mount(self) -> None:
        self.query_one(PtyPane).focus()

    @property
    def text(self) -> str:
        return "\n".join(self.query_one(PtyPane).screen_lines)

    def on_pty_pane_output(self, message: PtyPane.Output) -> None:
        self.scanner.feed(message.data)

    def on_pty_pane_exited(self, message: PtyPane.Exited) -> None:
        self.scanner.finish()
        self.session.close()
        self.exited.append(message.exit_code)

    def on_pty_pane_spawn_failed(self, message: PtyPane.SpawnFailed) -> None:
        self.errors.append(self.session.spawn_failed(message.error))


async def test_demo_shell_then_user_closes_it():
    session, stubber = open_session()
    assert not session.launch.token_in_argv
    app = SessionApp(session)
    async with app.run_test(size=(110, 16)) as pilot:
        await wait_for(pilot, lambda: f"[demo {TARGET}]" in app.text, "the demo prompt")
        assert f"Starting session with SessionId: {SESSION_ID}" in app.text
        assert "DEMO SHELL" in app.text and "nothing here runs on AWS" in app.text
        await pilot.press(*"echo hi-$((6*7))", "enter")
        await wait_for(pilot, lambda: "hi-42" in app.text, "the command's output")
        assert not session.closed
        await pilot.press("ctrl+d")  # the user ends the shell
        await wait_for(pilot, lambda: app.exited, "the plugin to exit")
    assert session.closed and session.close_error is None
    stubber.assert_no_pending_responses()  # TerminateSession was called
    assert app.scanner.failure is None


async def test_failed_start_is_read_from_output_since_the_exit_code_is_zero():
    session, stubber = open_session(stream_url="https://not-a-websocket")
    app = SessionApp(session)
    async with app.run_test(size=(110, 16)) as pilot:
        await wait_for(pilot, lambda: app.exited, "the plugin to exit")
    assert app.exited == [0]
    assert app.scanner.failure is not None and "wss://" in app.scanner.failure
    assert session.closed
    stubber.assert_no_pending_responses()


async def test_plugin_gone_after_preflight_still_terminates(tmp_path):
    plugin = tmp_path / "session-manager-plugin"
    plugin.write_text(f'#!/bin/sh\nexec {sys.executable} -m tui.sim.plugin "$@"\n')
    plugin.chmod(0o755)
    session, stubber = open_session(plugin=str(plugin))
    plugin.unlink()  # uninstalled between the version check and the launch
    app = SessionApp(session)
    async with app.run_test(size=(110, 16)) as pilot:
        await wait_for(pilot, lambda: app.errors, "SpawnFailed")
    assert isinstance(app.errors[0], ssm.PluginMissing)
    assert ssm.PLUGIN_INSTALL_URL in str(app.errors[0])
    assert session.closed
    stubber.assert_no_pending_responses()
