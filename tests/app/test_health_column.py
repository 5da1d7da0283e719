"""Issue 15: the nodes pane's HEALTH column and the node's health in its details, driven against the demo, whose
Slurm worker `health_event_node` logged a GPU XID 79 record (HMA) four minutes before the frozen start."""

from __future__ import annotations

from textual.widgets import Static

from tests.harness import make_app, rendered_text, settle
from tui.core.tables import NODE_COLUMNS
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen

SIZE = (140, 45)
HEALTH = [column.key for column in NODE_COLUMNS].index("health")


def health_of(table, key):
    return table.row(key).values[HEALTH]


async def open_slurm(pilot) -> MainScreen:
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    app.simulator.clock.advance(1)  # the frozen clock: the focus fetch's listing must be newer than the first
    main.jump_to_cluster(app.simulator.landmarks["slurm_cluster"])
    await settle(pilot)
    return main


def filter_calls(app) -> int:
    return sum(1 for call in app.simulator.calls if call.operation == "FilterLogEvents")


async def test_the_xid_node_shows_its_health_cell_and_healthy_nodes_none() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_slurm(pilot)
        nodes = main.nodes_table
        faulty = app.simulator.landmarks["health_event_node"]
        assert health_of(nodes, faulty) == (("GPU XID 79 · HMA 4m", "Failure"),)
        assert nodes.row(faulty).values[2] == "Running"  # the status alone would say nothing is wrong
        verdict = main.state.focus_snapshot.verdicts[faulty]
        assert verdict.step.action == "replace" and "hardware" in verdict.step.reason
        healthy = [key for key in nodes.visible_keys if key not in main.state.focus_snapshot.verdicts]
        assert healthy and all(health_of(nodes, key) == () for key in healthy)
        # the failed node's status is a signal too: the column says why without the MESSAGE column
        failed = app.simulator.landmarks["failed_node"]
        assert health_of(nodes, failed) and health_of(nodes, failed)[0][1] == "Failure"


async def test_sorting_by_health_puts_the_sick_nodes_first() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_slurm(pilot)
        nodes = main.nodes_table
        main.set_focus(nodes)
        await pilot.press("F")
        await pilot.pause()
        first = list(nodes.visible_keys)[:2]
        assert app.simulator.landmarks["health_event_node"] in first


async def test_one_sweep_per_interval_however_many_refreshes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_slurm(pilot)
        swept = filter_calls(app)
        assert swept >= 1
        for _ in range(3):  # the clock is frozen: the sweep is never due again
            main.refreshes.request()
            await settle(pilot)
        assert filter_calls(app) == swept
        assert health_of(main.nodes_table, app.simulator.landmarks["health_event_node"])


async def test_node_details_list_every_signal_with_its_time_and_the_next_step() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_slurm(pilot)
        nodes = main.nodes_table
        faulty = app.simulator.landmarks["health_event_node"]
        main.set_focus(nodes)
        nodes.move_cursor_to(faulty)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        text = rendered_text(screen.query_one("#detail-body", Static).content, width=140)
        assert "Health" in text and "GPU XID 79" in text
        assert "Next step" in text and "replace" in text and "hardware fault" in text
        assert "HMA fault" in text and "4m ago" in text  # the signal, with its time
        assert "XID Error" in text  # the record's own words


async def test_an_eventbridge_node_health_event_reaches_the_health_cell_and_a_healthy_one_clears_it() -> None:
    from tests.app.shell_support import wait_until

    app = make_app(events_queue="hyperpod-tui-events-queue", refresh=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_until(pilot, lambda: main.header.events == "events: live", "the stream to go live")
        world = app.simulator.world
        cluster = world.clusters[main.state.focus]
        node = next(n for n in sorted(cluster.nodes.values(), key=lambda n: n.instance_id) if n.status == "Running")

        def publish(summary: dict) -> None:
            app.simulator.clock.advance(1)  # a newer listing than the one shown (the clock is frozen otherwise)
            detail = {
                "ClusterName": cluster.name,
                "ClusterArn": cluster.arn,
                "InstanceId": node.instance_id,
                "HealthSummary": summary,
                "EventTime": None,
                "Tags": {},
            }
            with world.lock:
                world.event_bus.publish(
                    "SageMaker HyperPod Cluster Node Health Event", detail, [cluster.arn], world.now
                )

        publish({"HealthStatus": "Unhealthy", "HealthStatusReason": None, "RepairAction": "Replace"})
        nodes = main.nodes_table
        await wait_until(pilot, lambda: health_of(nodes, node.instance_id) != (), "the HEALTH cell")
        ((text, colour),) = health_of(nodes, node.instance_id)
        assert text.startswith("replace pending · HyperPod") and colour == "Failure"
        assert main.state.focus_snapshot.verdicts[node.instance_id].step.action == "wait"
        publish({"HealthStatus": "Healthy", "RepairAction": "None"})
        await wait_until(pilot, lambda: health_of(nodes, node.instance_id) == (), "the cell to clear")


async def test_an_error_level_instance_event_is_a_signal_on_a_continuous_cluster() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        world = app.simulator.world
        cluster = world.clusters[main.state.focus]
        assert cluster.continuous
        node = next(n for n in sorted(cluster.nodes.values(), key=lambda n: n.instance_id) if n.status == "Running")
        app.simulator.clock.advance(20)  # past the sweep interval
        with world.lock:
            world.add_event(
                cluster, world.now - 5, f"Instance {node.instance_id} is unresponsive", node=node, level="Error"
            )
        main.refreshes.request()
        await settle(pilot)
        verdict = main.state.focus_snapshot.verdicts[node.instance_id]
        assert verdict.signal is not None and verdict.signal.source == "event"
        assert verdict.step.action == "reboot"  # unresponsive, no sign of a hardware fault
        ((text, _),) = health_of(main.nodes_table, node.instance_id)
        assert text.startswith("is unresponsive · event ")
