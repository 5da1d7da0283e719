"""The command palette (ctrl+p) against the simulator: a node of any listed cluster by Slurm name, an instance id
no listing holds found by DescribeClusterNode (and shown once its cluster is listed), an id nobody has, and the
system commands made useful (Keys opens our help, Screenshot says where the file went)."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from tests.harness import make_app, notices, settle, type_text
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen

SIZE = (120, 40)


def main_screen(app) -> MainScreen:
    screen = next(screen for screen in app.screen_stack if isinstance(screen, MainScreen))
    return screen


def hits(app) -> list[str]:
    assert isinstance(app.screen, CommandPalette)
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def search(pilot, text: str, *, paste: bool = False) -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause()
    if paste:
        app = pilot.app
        app.screen.query_one("CommandInput").insert_text_at_cursor(text)
    else:
        await type_text(pilot, text)
    await pilot.pause(0.6)
    await settle(pilot)
    await pilot.pause(0.3)
    return hits(pilot.app)


def describe_calls(sim, instance_id: str) -> list[str]:
    return [
        call.params["ClusterName"]
        for call in sim.calls
        if call.operation == "DescribeClusterNode" and call.params.get("NodeId") == instance_id
    ]


async def test_a_node_of_another_listed_cluster_is_found_by_its_slurm_name_and_shown_in_its_group():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        other = next(name for name in main.state.snapshots if name != main.state.focus)
        node = sorted(main.state.snapshot_of(other).nodes.values(), key=lambda n: n.instance_id)[-1]
        slurm_name = node.hostname.split(".")[0]
        found = await search(pilot, slurm_name)
        assert any(node.instance_id in hit and "Show this node in " + other in hit for hit in found), found
        await pilot.press("enter")
        await settle(pilot)
        assert main.state.focus == other and main.state.group_scope == node.group
        assert main.nodes_table.cursor_key == node.instance_id and app.focused is main.nodes_table
        assert main.nodes_table.cursor_on_screen
        assert not describe_calls(app.simulator, node.instance_id)  # listed: no call needed


async def test_an_id_from_an_alert_in_a_cluster_never_listed_is_found_by_describe_cluster_node():
    app = make_app("zoo")
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        unlisted = next(
            name
            for name in sorted(main.state.cluster_names)
            if name not in main.state.snapshots and sim.world.clusters[name].nodes
        )
        node = sorted(sim.world.clusters[unlisted].nodes.values(), key=lambda n: n.instance_id)[0]
        instance_id = node.instance_id
        found = await search(pilot, instance_id, paste=True)
        assert any(instance_id in hit and f"in {unlisted} (not in its listing yet" in hit for hit in found), found
        assert unlisted in describe_calls(sim, instance_id)
        await pilot.press("enter")
        await settle(pilot)
        assert main.state.focus == unlisted and unlisted in main.state.snapshots
        assert main.nodes_table.cursor_key == instance_id and app.focused is main.nodes_table
        assert main.state.group_scope == main.state.snapshot_of(unlisted).nodes[instance_id].group


async def test_an_id_no_cluster_has_says_so_and_the_answer_is_remembered():
    app = make_app("zoo")
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        missing = "i-0123456789abcdef0"
        found = await search(pilot, missing, paste=True)
        assert found and found[0].startswith(f"{missing}: no cluster has this node (asked {len(main.state.clusters)})")
        asked = len(describe_calls(sim, missing))
        assert asked == len(main.state.clusters)
        await pilot.press("escape")
        await settle(pilot)
        await search(pilot, missing, paste=True)
        assert len(describe_calls(sim, missing)) == asked  # remembered: not asked again
        await pilot.press("enter")
        await settle(pilot)
        assert any("no cluster has this node" in text for text, _ in notices(app))


async def test_keys_opens_our_help_and_screenshot_says_where_it_went(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        found = await search(pilot, "keys")
        assert found and found[0].startswith("Keys")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        found = await search(pilot, "screenshot")
        assert found[0].startswith("Screenshot") and "hyperpod-tui/screenshots" in found[0]
        await pilot.press("enter")
        await pilot.pause(0.3)
        await settle(pilot)
        saved = list((tmp_path / "hyperpod-tui" / "screenshots").glob("*.svg"))
        assert len(saved) == 1 and saved[0].stat().st_mode & 0o077 == 0
        assert any(text == f"Screenshot saved: {saved[0]}" for text, _ in notices(app))
