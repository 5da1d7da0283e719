"""The `:` command line (k9s-style), driven with Pilot against the simulator: completion, history, the commands,
errors in one line with the typed text shown safely, `:q` asking like `q`, and ctrl+p from inside a shell."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.app.shell_support import ECHO, fake_plugin, on_node, shell_text, wait_until
from tests.harness import make_app, notices, settle, type_text
from tui.screens.ask import AskScreen
from tui.screens.main import MainScreen
from tui.widgets.command_line import CommandLine
from tui.widgets.pty_pane import PtyPane

SIZE = (120, 40)


def main_screen(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


def command_line(app) -> CommandLine:
    return app.screen.query_one(CommandLine)


async def run_command(pilot, text: str) -> None:
    await pilot.press("colon")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


def errors(app) -> list[str]:
    return [text for text, severity in notices(app) if severity in ("error", "warning")]


async def test_colon_opens_the_line_tab_completes_the_command_and_the_cluster_and_enter_opens_its_nodes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        other = next(name for name in sorted(main.state.cluster_names) if name != main.state.focus)
        await pilot.press("colon")
        line = command_line(app)
        assert line.display and app.focused is line
        await type_text(pilot, "nod")
        await pilot.press("tab")
        assert line.value == "nodes "
        await type_text(pilot, other[:3])
        await pilot.press("tab")
        assert line.value == f"nodes {other}"
        await pilot.press("enter")
        await settle(pilot)
        assert not line.display
        assert main.state.focus == other and main.clusters_table.cursor_key == other
        assert app.focused is main.nodes_table and main.nodes_table.shown_cluster == other
        assert not errors(app)


async def test_clusters_and_groups_move_the_focus_and_history_recalls_them():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        await run_command(pilot, "groups")
        assert app.focused is main.groups_table
        await run_command(pilot, "clusters")
        assert app.focused is main.clusters_table
        await pilot.press("colon", "up")
        assert command_line(app).value == "clusters"
        await pilot.press("up")
        assert command_line(app).value == "groups"
        await pilot.press("down", "down")
        assert command_line(app).value == ""
        await pilot.press("escape")
        assert not command_line(app).display and app.focused is main.clusters_table


async def test_unknown_commands_clusters_and_themes_say_so_in_one_line_with_the_text_shown_safely():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        focus = main.state.focus
        said = []
        await run_command(pilot, "frob[/]nicate")
        said.append(errors(app)[-1])  # read at once: a toast leaves Textual's list when it times out
        await pilot.press("colon")
        command_line(app).insert_text_at_cursor("nodes \x1b[31m[bold]x[/]\x07")  # pasted
        await pilot.press("enter")
        await settle(pilot)
        said.append(errors(app)[-1])
        await run_command(pilot, "theme no-such-theme")
        said.append(errors(app)[-1])
        assert said[0].startswith('unknown command "frob[/]nicate" (commands: clusters, groups, nodes')
        assert said[1].startswith('no cluster "[bold]x[/]') and "(clusters: " in said[1]
        assert said[2].startswith('no theme "no-such-theme" (themes: ') and "hyperpod-dark" in said[2]
        assert all("\n" not in text and "\x1b" not in text and "\x07" not in text for text in said)
        assert main.state.focus == focus and app.is_running


async def test_pf_opens_the_port_forwards_and_esc_comes_back():
    from tui.screens.forwards import ForwardListScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        focused = app.focused
        await run_command(pilot, "pf")
        assert isinstance(app.screen, ForwardListScreen) and "No port forwards yet" in app.screen.shown_text()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is focused and isinstance(app.screen, MainScreen) and main.state.focus is not None


async def test_events_opens_the_events_view_and_region_switches_the_region():
    from tui.screens.events import EventsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "events")
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)
        await pilot.press("escape")
        await settle(pilot)
        await run_command(pilot, "region us-east-1")  # not in the fleet: an open argument, taken as typed
        await settle(pilot)
        assert app.settings.region == "us-east-1" and not errors(app)


async def test_theme_switches_the_theme():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        wanted = next(name for name in sorted(app.available_themes) if name != app.theme)
        await run_command(pilot, f"theme {wanted}")
        assert app.theme == wanted and not errors(app)


async def test_q_quits_at_once_with_nothing_running():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "q")
        assert app.return_code == 0


async def test_q_asks_while_a_shell_runs_and_ctrl_p_reaches_the_palette_from_inside_the_shell(tmp_path):
    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
        pane = app.screen.query_one(PtyPane)
        assert app.focused is pane
        sent: list[bytes] = []
        write = pane.write
        pane.write = lambda data: (sent.append(data), write(data))[1]  # type: ignore[method-assign]
        await pilot.press("colon")  # in the shell, `:` is the shell's
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert sent == [b":"]  # ctrl+p never reached the shell
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is pane
        await pilot.press("ctrl+right_square_bracket")  # back to the tables
        await run_command(pilot, "q")
        assert isinstance(app.screen, AskScreen) and app.return_code is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code is None
