"""Shells on nodes (`s`, `S`, `y`), driven like a user would, against the simulator and fake plugins.

The fakes are real executables passed as `ssm_plugin` (tests/app/shell_support.py): the whole production path
runs — preflight, StartSession through boto3 against the simulator, the plugin's argv/env contract, a real pty,
TerminateSession — only the plugin at the end is ours.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.app.shell_support import (
    ECHO,
    FAILS,
    RECORDS,
    fake_plugin,
    main_screen,
    notifications,
    on_node,
    shell_text,
    target_of,
    wait_until,
)
from tests.harness import make_app, settle
from tui.controllers import shells as shell_module
from tui.core import clipboard, ssm
from tui.screens.ask import AskScreen
from tui.widgets.node_table import SHELL_BINDINGS
from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS

SIZE = (120, 40)
SLURM = "llm-pretrain-slurm"


def start_sessions(app) -> list:
    return [call for call in app.simulator.calls if call.operation == "StartSession"]


async def open_echo_shell(pilot, app):
    await settle(pilot)
    node = await on_node(pilot, app)
    await pilot.press("s")
    await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
    return node


async def test_s_opens_a_terminal_tab_keys_and_resizes_reach_the_plugin_and_its_exit_ends_the_session(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        node = await open_echo_shell(pilot, app)
        main = main_screen(app)
        (session,) = app.simulator.sessions
        assert session.target == target_of(app, node)
        assert (session.reason, session.document_name) == ("hyperpod-tui", None)
        # The argv/env contract: the response travels in the environment, region and operation in argv.
        expected = (
            f"FAKE-PLUGIN {session.session_id} via=AWS_SSM_START_SESSION_RESPONSE region=us-west-2 op=StartSession"
        )
        assert expected in shell_text(app)
        tabs = main.shells.tabs
        tab = tabs.active
        pane = tab.pane
        assert app.focused is pane
        assert node.instance_id in str(tabs.tabs.active_tab.label) and main.state.focus in str(
            tabs.tabs.active_tab.label
        )
        assert "starts the session as root" in shell_text(app)
        # The tables stay on screen, above the pane.
        nodes_pane = main.query_one("#nodes-pane")
        assert nodes_pane.display and nodes_pane.region.height >= 6
        assert tabs.region.y >= nodes_pane.region.bottom
        await wait_until(pilot, lambda: f"SIZE {pane.size.height}x{pane.size.width}" in shell_text(app), "stty size")

        await pilot.press(*"hello there", "enter")
        await wait_until(pilot, lambda: "GOT:hello there" in shell_text(app), "the typed line echoed")

        await pilot.resize_terminal(100, 34)
        await wait_until(pilot, lambda: pane.size.width == 98, "the pane to shrink")
        await wait_until(pilot, lambda: f"SIZE {pane.size.height}x98" in shell_text(app), "the new size (SIGWINCH)")

        await pilot.press(*"bye", "enter")
        await wait_until(pilot, lambda: tab.state == "ended", "the plugin to exit")
        await settle(pilot)
        assert "session ended (exit 5)" in shell_text(app)
        assert session.terminated_at is not None  # TerminateSession, without closing the tab
        assert tabs.sessions == [tab] and "ended" in str(tabs.tabs.active_tab.label)  # the tab stays
        await pilot.press("ctrl+x")  # keys belong to the app again in a finished terminal
        await settle(pilot)
        assert not tabs.sessions and not tabs.display
        assert app.focused is main.nodes_table
        assert len([c for c in app.simulator.calls if c.operation == "TerminateSession"]) == 1


async def test_leave_come_back_zoom_and_close_a_running_shell(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        main = main_screen(app)
        tabs = main.shells.tabs
        pane = tabs.active.pane
        process = pane._process
        (session,) = app.simulator.sessions

        await pilot.press("ctrl+right_square_bracket")
        assert app.focused is main.nodes_table
        await pilot.press("ctrl+t")
        assert app.focused is pane

        await pilot.press("f11")  # a priority key: works from inside the terminal
        await pilot.pause()
        assert main.has_class("-shell-zoomed")
        assert not main.query_one("#nodes-pane").display and not main.query_one("#clusters-pane").display
        assert tabs.region.height >= SIZE[1] - 4
        assert app.focused is pane
        await pilot.press("f11")
        await pilot.pause()
        assert not main.has_class("-shell-zoomed") and main.query_one("#nodes-pane").display

        await pilot.press("ctrl+x")  # inside a running shell ctrl+x is readline's, not ours
        assert tabs.sessions and pane.running
        await pilot.press("ctrl+right_square_bracket", "ctrl+x")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen) and tabs.sessions  # a running shell asks first
        await pilot.press("ctrl+x")  # the same key again closes it
        await settle(pilot)
        assert not tabs.sessions
        assert process.returncode is not None  # hung up and reaped
        assert session.terminated_at is not None
        assert app.focused is main.nodes_table


async def test_several_shells_are_tabs_titled_by_node_and_cluster(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        first = await open_echo_shell(pilot, app)
        second = await on_node(pilot, app, cluster=SLURM)
        await pilot.press("s")
        tabs = main_screen(app).shells.tabs
        await wait_until(pilot, lambda: len(app.simulator.sessions) == 2 and "FAKE-PLUGIN" in shell_text(app), "2nd")
        labels = [str(tab.label) for tab in tabs.tabs.query("Tab")]
        assert labels[0].startswith(first.instance_id) and "genai-eks-prod" in labels[0]
        assert labels[1].startswith(second.instance_id) and SLURM in labels[1]
        assert tabs.active is tabs.sessions[1]
        assert "2 open · 2 running" in str(tabs.border_title)
        await pilot.press("ctrl+right_square_bracket", "left_square_bracket")  # [ and ] switch from the tables
        assert tabs.active is tabs.sessions[0] and app.focused is main_screen(app).nodes_table
        await pilot.press("right_square_bracket")
        assert tabs.active is tabs.sessions[1]
        await pilot.press("ctrl+x", "y")  # closes the active (second) one, after asking
        await settle(pilot)
        assert tabs.sessions and tabs.active.shell.instance_id == first.instance_id
        assert [s.terminated_at is not None for s in app.simulator.sessions] == [False, True]


async def test_start_failure_printed_by_a_plugin_that_exits_0_is_an_error(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, FAILS)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        tab = main_screen(app).shells.tabs.active
        await wait_until(pilot, lambda: tab.state == "ended", "the plugin to exit")
        await settle(pilot)
        assert tab.exit_code == 0 and tab.failure == "EOF"
        text = shell_text(app)
        assert "Cannot perform start session: EOF" in text and "session failed: EOF" in text
        assert any("cannot perform start session: EOF" in m and sev == "error" for m, sev in notifications(app))
        assert "failed" in str(main_screen(app).shells.tabs.tabs.active_tab.label)
        assert app.simulator.sessions[0].terminated_at is not None


async def test_missing_plugin_says_how_to_install_it_and_starts_no_session(tmp_path):
    app = make_app(ssm_plugin=str(tmp_path / "not-installed" / "session-manager-plugin"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("s")
        tab = main_screen(app).shells.tabs.active
        await wait_until(pilot, lambda: tab.state == "failed", "the preflight to fail")
        text = shell_text(app)
        assert "session-manager-plugin was not found" in text and ssm.PLUGIN_INSTALL_URL in text
        assert f"aws ssm start-session --target {target_of(app, node)} --region us-west-2" in text
        assert "y on the node copies" in text
        assert any(sev == "error" and "was not found" in m for m, sev in notifications(app))
        await settle(pilot)
        assert start_sessions(app) == [] and app.simulator.sessions == []


async def test_plugin_gone_between_preflight_and_launch_terminates_the_session(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO, vanish=True)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "Could not start the plugin" in shell_text(app), "the spawn failure")
        await settle(pilot)
        assert ssm.PLUGIN_INSTALL_URL in shell_text(app)
        assert app.simulator.sessions[0].terminated_at is not None


async def test_old_plugin_warns_but_works(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO, version="1.2.700.0")))
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        assert any(sev == "warning" and ssm.RECOMMENDED_MIN_PLUGIN_VERSION in m for m, sev in notifications(app))
        assert "Old plugin" in shell_text(app)


async def test_node_that_is_not_running_gets_aws_s_answer(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app, cluster=SLURM, status="Failure")
        await pilot.press("s")
        tab = main_screen(app).shells.tabs.active
        await wait_until(pilot, lambda: tab.state == "failed", "StartSession to be refused")
        assert "is not connected" in shell_text(app) and "The node is Failure" in shell_text(app)
        assert app.simulator.sessions == [] and len(start_sessions(app)) == 1


async def test_document_is_passed_and_the_pane_says_who_the_shell_runs_as(tmp_path):
    document = "SSM-SessionManagerRunShellAsUbuntu"
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)), ssm_document=document)
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        assert app.simulator.sessions[0].document_name == document
        assert f"doc={document}" in shell_text(app)
        assert f"The SSM document {document} decides the session's user" in shell_text(app)


async def test_read_only_mode_still_allows_shells(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        assert len(app.simulator.sessions) == 1


async def test_tab_closed_while_starting_still_terminates_the_session(tmp_path, monkeypatch):
    release = threading.Event()
    original = ssm.SessionLauncher.open

    def slow_open(self, *args, **kwargs):
        release.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ssm.SessionLauncher, "open", slow_open)
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await pilot.pause()
        tabs = main_screen(app).shells.tabs
        assert tabs.active.state == "starting"
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert not tabs.sessions
        release.set()
        await settle(pilot)
        (session,) = app.simulator.sessions
        assert session.terminated_at is not None


async def test_quitting_the_app_terminates_open_sessions(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        process = main_screen(app).shells.tabs.active.pane._process
    deadline = time.monotonic() + 10
    while app.simulator.sessions[0].terminated_at is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.simulator.sessions[0].terminated_at is not None
    assert process.returncode is not None


# ── y ─────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def no_system_clipboard(monkeypatch):
    calls = []

    def copy_native(text):
        calls.append((text, threading.current_thread() is threading.main_thread()))
        return None

    monkeypatch.setattr(clipboard, "copy_native", copy_native)
    return calls


async def test_y_copies_the_exact_command_through_osc52_when_no_clipboard_is_reachable(no_system_clipboard):
    app = make_app(ssm_document="SSM-SessionManagerRunShellAsUbuntu")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("y")
        await settle(pilot)
        expected = (
            f"aws ssm start-session --target {target_of(app, node)} --region us-west-2 "
            "--document-name SSM-SessionManagerRunShellAsUbuntu"
        )
        assert app.clipboard == expected
        assert no_system_clipboard == [(expected, False)]  # tried pyperclip first, off the event loop
        (message, severity), *_ = [n for n in notifications(app) if expected in n[0]]
        assert "OSC 52" in message and "set-clipboard on" in message and severity == "information"
        assert start_sessions(app) == []  # copying opens nothing


async def test_y_uses_the_system_clipboard_when_reachable(monkeypatch):
    copied = []
    monkeypatch.setattr(clipboard, "copy_native", lambda text: copied.append(text) or "xclip")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("y")
        await settle(pilot)
        assert copied == [f"aws ssm start-session --target {target_of(app, node)} --region us-west-2"]
        assert app.clipboard == ""  # no OSC 52 needed
        assert any("system clipboard (xclip)" in m and copied[0] in m for m, _ in notifications(app))


async def test_node_keys_act_only_on_the_nodes_pane(no_system_clipboard):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is main_screen(app).clusters_table
        await pilot.press("s", "y", "S")
        await settle(pilot)
        assert main_screen(app).shells.tabs is None and no_system_clipboard == [] and start_sessions(app) == []


# ── S ─────────────────────────────────────────────────────────────────────────────────────────────


async def test_S_runs_the_plugin_in_the_foreground_with_a_banner_then_terminates(tmp_path, monkeypatch):  # noqa: N802
    seen = {}

    def fake_suspended(app, banner, run_plugin):
        seen["banner"] = banner
        seen["main thread"] = threading.current_thread() is threading.main_thread()
        return run_plugin()

    monkeypatch.setattr(shell_module, "run_suspended", fake_suspended)
    plugin = fake_plugin(tmp_path, RECORDS)
    app = make_app(ssm_plugin=str(plugin))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("S")
        await settle(pilot)
        (session,) = app.simulator.sessions
        ran = json.loads((tmp_path / "ran.json").read_text())
        request = {"Target": target_of(app, node), "Reason": "hyperpod-tui"}
        assert ran["argv"] == [
            str(plugin),
            "AWS_SSM_START_SESSION_RESPONSE",
            "us-west-2",
            "StartSession",
            "",
            json.dumps(request),
            "https://ssm.us-west-2.amazonaws.com",
        ]
        assert json.loads(ran["response"])["SessionId"] == session.session_id
        assert seen["main thread"]
        banner = seen["banner"]
        assert banner.startswith("<<hyperpod-tui shell>>")
        assert node.instance_id in banner and "genai-eks-prod" in banner and session.session_id in banner
        assert session.terminated_at is not None
        assert any("ended (exit 3)" in m for m, _ in notifications(app))
        assert main_screen(app).shells.tabs is None  # nothing embedded


async def test_S_where_the_terminal_cannot_be_suspended_says_so_and_closes_the_session(tmp_path):  # noqa: N802
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, RECORDS)))
    async with app.run_test(size=SIZE) as pilot:  # the headless driver cannot suspend
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("S")
        await settle(pilot)
        assert any("suspend is not supported" in m and sev == "error" for m, sev in notifications(app))
        assert not (tmp_path / "ran.json").exists()
        assert app.simulator.sessions[0].terminated_at is not None


async def test_S_with_a_missing_plugin_explains_and_starts_nothing(tmp_path):  # noqa: N802
    app = make_app(ssm_plugin=str(tmp_path / "nope"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("S")
        await settle(pilot)
        assert any(ssm.PLUGIN_INSTALL_URL in m and sev == "error" for m, sev in notifications(app))
        assert start_sessions(app) == []


# ── keys ──────────────────────────────────────────────────────────────────────────────────────────


def test_help_has_a_shell_section_with_every_shell_binding():
    app = make_app()
    sections = dict(app.help_sections())
    title = next(name for name in sections if name.startswith("Shells"))
    ids = {binding.id for binding in sections[title]}
    assert ids == {
        "shell",
        "shell-fullscreen",
        "copy-ssm-command",
        "shell-leave",
        "shell-focus",
        "shell-zoom",
        "shell-close",
        "shell-next-tab",
        "shell-previous-tab",
    }
    assert not ids & {binding.id for binding in sections["Panes"]}
    assert ids <= {binding.id for binding in app.all_bindings()}
    assert {binding.id for binding in [*SHELL_BINDINGS, *SHELL_PANE_BINDINGS]} == ids
    everything = [binding for _, bindings in sections.items() for binding in bindings]
    assert not any(binding.action in ("app.focus_next", "screen.copy_text") for binding in everything)  # Textual's


async def test_shell_keys_are_real_bindings_and_can_be_rebound(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)), keymap={"shell-zoom": "ctrl+o", "shell": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("x")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the shell opened with the rebound key")
        await pilot.press("ctrl+o")
        assert main_screen(app).has_class("-shell-zoomed")
        assert "ctrl+o zoom" in str(main_screen(app).shells.tabs.border_subtitle)


# ── the demo ──────────────────────────────────────────────────────────────────────────────────────


def test_plugin_choice():
    from tui.config import Settings

    assert shell_module.plugin_for(Settings(demo=True)) == list(ssm.STAND_IN_PLUGIN)
    assert shell_module.plugin_for(Settings()) == ssm.PLUGIN_NAME
    assert shell_module.plugin_for(Settings(demo=True, ssm_plugin="/opt/smp")) == "/opt/smp"
    assert shell_module.plugin_for(Settings(ssm_plugin="~/bin/smp")).endswith("/bin/smp")
    assert "~" not in shell_module.plugin_for(Settings(ssm_plugin="~/bin/smp"))


async def test_demo_shell_is_the_labelled_stand_in_behind_the_production_path():
    app = make_app()  # --demo without --ssm-plugin
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: f"[demo {target_of(app, node)}]" in shell_text(app), "the demo prompt")
        (session,) = app.simulator.sessions
        assert f"Starting session with SessionId: {session.session_id}" in shell_text(app)
        assert "DEMO SHELL" in shell_text(app) and "It runs on this machine, as you." in shell_text(app)
        await pilot.press(*"echo hi-$((6*7))", "enter")
        await wait_until(pilot, lambda: "hi-42" in shell_text(app), "the command's output")
        await pilot.press(*"exit", "enter")
        await wait_until(pilot, lambda: "session ended (exit 0)" in shell_text(app), "the end")
        await settle(pilot)
        assert session.terminated_at is not None
        main_screen(app).shells.tabs.active.pane.focus()  # ended: its keys are the app's again, and offered
        await pilot.pause()
        shown = {key for key, active in main_screen(app).active_bindings.items() if active.binding.show}
        assert {"q", "question_mark"} <= shown


async def test_inside_a_terminal_the_footer_offers_only_what_works_there_and_leave_is_rebindable(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)), keymap={"shell-leave": "ctrl+g"})
    async with app.run_test(size=SIZE) as pilot:
        await open_echo_shell(pilot, app)
        main = main_screen(app)
        pane = main.shells.tabs.active.pane
        assert app.focused is pane
        screen_keys = {key for key, active in main.active_bindings.items() if active.node is main}
        assert screen_keys == {"ctrl+g", "f11"}
        shown = {key for key, active in main.active_bindings.items() if active.binding.show}
        assert not shown & {"q", "question_mark"}, "q and ? are typed into the shell: the footer must not offer them"
        assert "ctrl+g leave" in str(main.shells.tabs.border_subtitle)
        await pilot.press("ctrl+g")
        assert app.focused is main.nodes_table
        assert "shell" in {active.binding.id for active in main.active_bindings.values()}
        await pilot.press("ctrl+t")
        await pilot.press("ctrl+right_square_bracket")  # PtyPane's own escape hatch still works
        assert app.focused is main.nodes_table
