"""`q` asks before quitting while shells or a batch action run; closing a running shell asks; Esc stays.
Driven with Pilot against the simulator and the fake plugin of tests/app/shell_support.py."""

from __future__ import annotations

import threading

from tests.app.shell_support import ECHO, fake_plugin, main_screen, on_node, shell_text, wait_until
from tests.harness import make_app, settle
from tui.core import actions as core_actions
from tui.screens.action_results import ActionResultsScreen
from tui.screens.ask import AskScreen

SIZE = (120, 40)


def question_text(app) -> str:
    screen = app.screen
    assert isinstance(screen, AskScreen)
    return f"{screen.query_one('#ask-question').render()} {screen.query_one('#ask-keys').render()}"


async def test_q_with_nothing_running_quits_at_once():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_q_while_a_shell_runs_asks_esc_stays_and_q_again_quits(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
        await pilot.press("ctrl+right_square_bracket")  # back to the tables: q is the app's again
        await pilot.press("q")
        await pilot.pause()
        text = question_text(app)
        assert "Quit hyperpod-tui?" in text and "1 shell running (the session will end)" in text
        assert "q or y: quit · Esc: stay" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, AskScreen) and app.return_code is None
        assert main_screen(app).shells.tabs.active.running
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_closing_a_running_shell_asks_esc_keeps_it_y_closes_it(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        node = await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
        tabs = main_screen(app).shells.tabs
        await pilot.press("ctrl+right_square_bracket", "ctrl+x")
        await pilot.pause()
        text = question_text(app)
        assert f"Close the shell on {node.instance_id}" in text and "ctrl+x or y: close · Esc: stay" in text
        await pilot.press("escape")
        await settle(pilot)
        assert tabs.sessions and tabs.active.running
        (session,) = app.simulator.sessions
        assert session.terminated_at is None
        await pilot.press("ctrl+x", "y")
        await settle(pilot)
        assert not tabs.sessions and session.terminated_at is not None


async def test_q_during_a_batch_action_asks(monkeypatch):
    release = threading.Event()
    original = core_actions.run_plan

    def slow_run_plan(*args, **kwargs):
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr("tui.controllers.actions.run_plan", slow_run_plan)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        try:
            await settle(pilot)
            main = main_screen(app)
            main.jump_to_cluster("llm-pretrain-slurm")
            await settle(pilot)
            main.jump_to_node(app.simulator.landmarks["failed_node"])
            await pilot.pause()
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, ActionResultsScreen), app.screen
            assert main.actions.running is not None
            await pilot.press("escape")  # the results close; the batch goes on
            await pilot.pause()
            assert app.screen is main and main.actions.running is not None
            await pilot.press("q")
            await pilot.pause()
            assert "a batch action is in progress" in question_text(app)
            await pilot.press("n")
            await pilot.pause()
            assert app.return_code is None and app.screen is main
        finally:
            release.set()
        await settle(pilot)
        assert main.actions.running is None


async def test_the_tabs_close_button_asks_too_while_the_shell_runs(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
        tabs = main_screen(app).shells.tabs
        await pilot.click("#shell-close-button")
        await pilot.pause()
        assert "Close the shell on" in question_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert not tabs.sessions
