"""The explorer driven like a user would (Textual Pilot) against the in-process simulator."""

from __future__ import annotations

from tests.harness import make_app, notices, rendered_text, settle, sim_client
from tui.messages import RefreshFinished
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.widgets.banner import Banner

SIZE = (140, 45)


def main_screen(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


async def open_cluster_with_failure(pilot, main):
    """Move to the demo cluster that has a node in Failure (the Slurm one) and wait for its nodes."""
    name = next(
        name
        for name in main.state.cluster_names
        if (snap := main.state.snapshot_of(name)) and any(n.status == "Failure" for n in snap.nodes.values())
    )
    main.jump_to_cluster(name)
    await settle(pilot)
    return name


def status_of(table, key):
    return table.row(key).values[[c.key for c in table.columns].index("status")]


async def test_demo_opens_with_three_clusters_and_their_nodes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        clusters = main.clusters_table
        assert clusters.row_count == 3
        statuses = {status_of(clusters, key) for key in clusters.visible_keys}
        assert "InService" in statuses and "Creating" in statuses
        orchestrators = {clusters.row(key).values[2] for key in clusters.visible_keys}
        assert orchestrators == {"Slurm", "EKS"}
        assert main.nodes_table.row_count > 0
        assert main.groups_table.row_count > 0


async def test_drill_down_with_enter_and_back_out_with_escape():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        assert app.focused is main.clusters_table
        await pilot.press("enter")  # one Enter: the cluster's nodes, every group
        nodes = main.nodes_table
        assert app.focused is nodes and nodes.row_count > 0 and nodes.visible_count == nodes.row_count
        assert "all groups" in main.query_one("#nodes-pane").border_title
        await pilot.press("escape")  # back where Enter came from
        assert app.focused is main.clusters_table
        await pilot.press("tab")  # the groups, one Tab from the clusters
        assert app.focused is main.groups_table
        group = main.groups_table.cursor_key
        await pilot.press("enter")
        assert app.focused is main.nodes_table
        assert 0 < nodes.visible_count < nodes.row_count
        assert all(nodes.row(key).values[1] == group for key in nodes.visible_keys)
        assert group in main.query_one("#nodes-pane").border_title
        await pilot.press("escape")
        assert app.focused is main.groups_table
        assert nodes.visible_count == nodes.row_count
        await pilot.press("escape")
        assert app.focused is main.clusters_table


async def test_filter_narrows_the_focused_table_and_escape_clears_it():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        await open_cluster_with_failure(pilot, main)
        main.nodes_table.focus()
        await pilot.press("slash", *"status:fail")
        nodes = main.nodes_table
        assert nodes.visible_count >= 1
        assert all(status_of(nodes, key) == "Failure" for key in nodes.visible_keys)
        assert "filter: status:fail" in main.query_one("#nodes-pane").border_subtitle
        await pilot.press("enter")
        assert app.focused is nodes and nodes.query == "status:fail"
        await pilot.press("escape")
        assert nodes.query == "" and nodes.visible_count == nodes.row_count


async def test_a_status_change_appears_live_and_flashes():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        nodes = main.nodes_table
        running = next(key for key in nodes.visible_keys if status_of(nodes, key) == "Running")
        sim_client(sim).batch_reboot_cluster_nodes(ClusterName=main.state.focus, NodeIds=[running])
        sim.clock.advance(5)
        await pilot.press("r")
        await settle(pilot)
        assert status_of(nodes, running) == "Pending"
        assert running in nodes._flash_until


async def test_cursor_stays_on_its_node_when_rows_move():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        nodes = main.nodes_table
        nodes.focus()
        keys = list(nodes.visible_keys)
        chosen = keys[-3]
        nodes.move_cursor_to(chosen)
        before = keys.index(chosen)
        # Rebooting Running nodes sorted above the cursor moves them (status sort: Pending sorts first).
        movers = [k for k in keys[:before] if status_of(nodes, k) == "Running"][:3]
        assert movers
        sim_client(sim).batch_reboot_cluster_nodes(ClusterName=main.state.focus, NodeIds=movers)
        sim.clock.advance(5)
        await pilot.press("r")
        await settle(pilot)
        assert [status_of(nodes, k) for k in movers] == ["Pending"] * len(movers)
        assert nodes.cursor_key == chosen


async def test_no_refresh_paints_while_a_modal_is_open():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        nodes = main.nodes_table
        running = next(key for key in nodes.visible_keys if status_of(nodes, key) == "Running")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        sim_client(sim).batch_reboot_cluster_nodes(ClusterName=main.state.focus, NodeIds=[running])
        sim.clock.advance(5)
        main.action_refresh()
        await settle(pilot)
        assert status_of(nodes, running) == "Running"  # stored, not painted
        await pilot.press("escape")
        await settle(pilot)
        assert status_of(nodes, running) == "Pending"


async def test_expired_credentials_show_a_banner_keep_the_data_and_recover():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        shown = main.clusters_table.row_count
        sim.faults.expired_token = True
        await pilot.press("r")
        await settle(pilot)
        banner = main.query_one("#problem-banner", Banner)
        assert banner.shown and "expired" in banner.message.lower()
        assert main.header.stale_reason.startswith("ExpiredToken")
        assert main.clusters_table.row_count == shown
        sim.faults.expired_token = False
        await pilot.press("r")
        await settle(pilot)
        assert not banner.shown and main.header.stale_reason == ""


async def test_throttling_is_retried_and_backs_off():
    app = make_app(refresh=5.0)
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        delays: list[float] = []
        set_timer = main.set_timer

        def recording_set_timer(delay, callback, *args, **kwargs):
            delays.append(delay)
            return set_timer(delay, callback, *args, **kwargs)

        main.set_timer = recording_set_timer  # type: ignore[method-assign]
        sim.faults.throttle(operation="ListClusters", times=50)
        for _ in range(4):
            main.action_refresh()
            await settle(pilot)
        assert main.header.stale_reason.startswith("ThrottlingException")
        refresh_delays = [delay for delay in delays if delay >= 5.0]
        # Each throttled refresh doubles the interval (5 s base), up to the one-minute cap.
        assert refresh_delays == [10.0, 20.0, 40.0, 60.0]
        sim.faults.clear()
        main.action_refresh()
        await settle(pilot)
        assert main.header.stale_reason == ""
        assert [delay for delay in delays if delay >= 5.0][-1] == 5.0  # back to the base interval


async def test_opening_a_cluster_by_flag_and_an_unknown_one():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        name = sorted(main_screen(app).state.cluster_names)[-1]
    app = make_app(cluster=name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        assert main.state.focus == name and app.focused is main.nodes_table
        assert main.nodes_table.row_count > 0
    app = make_app(cluster="no-such-cluster")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("no-such-cluster" in text for text, _ in notices(app))


async def test_keymap_rebinds_by_id_and_unknown_ids_are_reported():
    app = make_app(keymap={"refresh": "ctrl+r", "no-such-binding": "x"})
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("no-such-binding" in text for text, _ in notices(app))
        before = sum(1 for call in sim.calls if call.operation == "ListClusters")
        await pilot.press("ctrl+r")
        await settle(pilot)
        after = sum(1 for call in sim.calls if call.operation == "ListClusters")
        assert after == before + 1


async def test_read_only_and_the_target_show_in_the_header():
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rendered = str(main_screen(app).header.render())
        assert "READ-ONLY" in rendered and "DEMO" in rendered


async def test_an_unknown_theme_falls_back_with_a_notice():
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "hyperpod-dark"
        assert any("no-such-theme" in text for text, _ in notices(app))


async def test_node_details_are_fetched_when_opened():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.nodes_table.focus()
        key = main.nodes_table.cursor_key
        await pilot.press("enter")
        await settle(pilot)
        assert any(call.operation == "DescribeClusterNode" and call.params.get("NodeId") == key for call in sim.calls)
        body = rendered_text(app.screen.query_one("#detail-body").content)
        assert key in body and "Availability zone" in body
        await pilot.press("escape")
        assert app.screen is main


async def test_command_palette_jumps_to_a_node_by_hostname():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        target = [node for node in main.state.focus_snapshot.nodes.values() if node.hostname][-1]
        assert main.nodes_table.cursor_key != target.instance_id
        await pilot.press("ctrl+p")
        await pilot.press(*target.hostname.split(".")[0])
        await pilot.pause(0.6)
        await pilot.press("enter")
        await settle(pilot)
        assert main.nodes_table.cursor_key == target.instance_id and app.focused is main.nodes_table


async def test_a_cluster_that_disappears_leaves_its_panes_cleanly():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        name = await open_cluster_with_failure(pilot, main)
        assert main.nodes_table.row_count > 0
        with sim.world.lock:
            sim.world.clusters.pop(name)
        await pilot.press("r")
        await settle(pilot)
        assert name not in main.clusters_table.visible_keys and main.clusters_table.row_count == 2
        assert main.state.focus != name
        assert all(main.nodes_table.row(key).values[1] != "worker-group-2" for key in main.nodes_table.visible_keys)
        assert any(name in text and "gone" in text for text, _ in notices(app))


async def test_nodes_that_go_to_failure_are_announced_the_fourth_onwards_as_a_count():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        nodes = main.nodes_table
        running = [key for key in nodes.visible_keys if status_of(nodes, key) == "Running"]
        assert len(running) >= 5
        before = len(notices(app))
        for key in running[:5]:
            sim.node(main.state.focus, key).set_status("Failure", "GPU fell off the bus")
        sim.clock.advance(5)
        await pilot.press("r")
        await settle(pilot)
        new = notices(app)[before:]
        named = [text for text, severity in new if "→ Failure" in text and severity == "error"]
        assert len(named) == 3 and all(any(key in text for key in running[:5]) for text in named)
        assert ("…and 2 more nodes went to Failure", "error") in new


async def test_refreshes_requested_during_a_refresh_run_once_after_it():
    finished: dict[int, RefreshFinished] = {}

    def record(message):
        if isinstance(message, RefreshFinished) and message.scheduled:
            finished[id(message)] = message  # the hook sees it again as it bubbles up to the app

    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE, message_hook=record) as pilot:
        await settle(pilot)
        main = main_screen(app)
        finished.clear()
        calls = len(sim.calls)
        sim.faults.latency_ms = 100  # every call: the refresh is still running when the next requests come
        main.action_refresh()
        main.action_refresh()
        main.action_refresh()
        await settle(pilot)
        listings = [call for call in sim.calls[calls:] if call.operation == "ListClusters"]
        assert len(finished) == 2 and len(listings) == 2  # the running one, then exactly one more
