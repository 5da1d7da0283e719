"""Keys typed faster than the screen updates (a paste, tmux send-keys, a fast typist over SSH) reach the prompt
they follow: `/fail` filters by "fail", `:nodes` reaches the command line. Textual's `focus()` takes effect only
after the keys already queued, so without a synchronous focus the letters after `/` went to the table (a space
marked a node, `b` opened the console)."""

from __future__ import annotations

from tests.harness import burst, make_app, settle
from tui.screens.main import MainScreen
from tui.widgets.command_line import CommandLine
from tui.widgets.filter_box import FilterBox

SIZE = (120, 40)


async def test_the_letters_after_slash_go_to_the_filter_not_to_the_table():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        main.jump_to_cluster("llm-pretrain-slurm")
        await settle(pilot)
        main.nodes_table.focus()
        await pilot.pause()
        await burst(pilot, "/fail b")
        box = main.query_one(FilterBox)
        assert box.value == "fail b"
        assert not main.nodes_table.model.marks  # the space did not mark a node
        assert main.nodes_table.query == "fail b"
        await burst(pilot, "/:x")  # inside the filter, `/` and `:` are text, not the keys that open prompts
        assert box.value == "fail b/:x" and main.focused is box


async def test_a_command_typed_after_colon_reaches_the_command_line():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        await burst(pilot, ":nodes")
        assert main.query_one(CommandLine).value == "nodes"
