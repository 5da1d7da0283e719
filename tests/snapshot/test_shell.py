"""Snapshots of the shell pane (under snapshots/test_shell/): a fake plugin prints fixed text and waits."""

from __future__ import annotations

from tests.app.shell_support import STILL, fake_plugin, on_node, shell_text, wait_until
from tests.harness import make_app, settle

SIZE = (130, 42)


class TestShell:
    def test_running_session_under_the_tables(self, snap_compare, tmp_path):
        async def run_before(pilot):
            await settle(pilot)
            await on_node(pilot, pilot.app)
            await pilot.press("s")
            await wait_until(pilot, lambda: "root@ip-10-1-0-16:~#" in shell_text(pilot.app), "the fake prompt")
            await settle(pilot)

        app = make_app(ssm_plugin=str(fake_plugin(tmp_path, STILL)))
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_zoomed_session(self, snap_compare, tmp_path):
        async def run_before(pilot):
            await settle(pilot)
            await on_node(pilot, pilot.app)
            await pilot.press("s")
            await wait_until(pilot, lambda: "root@ip-10-1-0-16:~#" in shell_text(pilot.app), "the fake prompt")
            await pilot.press("f11")
            await settle(pilot)

        app = make_app(ssm_plugin=str(fake_plugin(tmp_path, STILL)))
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

    def test_plugin_missing(self, snap_compare):
        async def run_before(pilot):
            await settle(pilot)
            await on_node(pilot, pilot.app)
            await pilot.press("s")
            await wait_until(pilot, lambda: "was not found" in shell_text(pilot.app), "the install message")
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        app = make_app(ssm_plugin="/nonexistent/session-manager-plugin")
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
