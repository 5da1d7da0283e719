"""`i` on a node and `:ssh-config`: the cluster's ssh entries through SSM, shown, and written into the ssh config
only after a question that names the file; the demo's entries point at the simulator's stand-in for `aws`."""

from __future__ import annotations

from tests.app.shell_support import wait_until
from tests.app.test_port_forward import node_of, on_slurm
from tests.app.test_quit_and_close import question_text
from tests.harness import make_app, type_text
from tui.core import ssh_config
from tui.screens.ask import AskScreen
from tui.screens.ssh_entries import SshEntriesScreen

SIZE = (120, 40)


async def test_i_shows_the_entries_and_w_writes_them_after_a_question(tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await on_slurm(pilot, app)
        main.ssh_entries.config_path = tmp_path / ".ssh" / "config"
        controller = node_of(main, "controller-machine")
        main.nodes_table.move_cursor_to(controller.instance_id)
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, SshEntriesScreen), "the entries")
        screen = app.screen
        entries = screen.entries
        assert entries.hosts[0][0] == "llm-pretrain-slurm" and controller.instance_id in entries.hosts[0]
        assert "-m tui.sim aws ssm start-session" in entries.text and "portNumber=%p" in entries.text
        assert "ssh llm-pretrain-slurm-ip-10-1-192-133" in screen.note
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen) and str(tmp_path / ".ssh" / "config") in question_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not (tmp_path / ".ssh" / "config").exists()  # Esc: nothing written
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("w")
        await wait_until(pilot, lambda: (tmp_path / ".ssh" / "config").exists(), "the config to be written")
        written = (tmp_path / ".ssh" / "config").read_text()
        assert written == entries.text and written.startswith(ssh_config.begin_marker("llm-pretrain-slurm"))


async def test_ssh_config_on_the_command_line_opens_the_same_entries():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_slurm(pilot, app)
        await pilot.press("colon")
        await type_text(pilot, "ssh-config")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SshEntriesScreen), "the entries")
        assert len(app.screen.entries.hosts) == sum(
            1 for n in main_screen_of(app).state.focus_snapshot.nodes.values() if n.status == "Running"
        )


def main_screen_of(app):
    return next(s for s in app.screen_stack if s.__class__.__name__ == "MainScreen")
