"""The live stream in the app, against the simulator's SQS/EventBridge: with the 5-s polls off, a simulated node
change reaches the nodes table through the queue alone; a missing queue says `events: polling (…)`; `q` quits
while a long poll hangs."""

from __future__ import annotations

import threading

from tests.app.shell_support import main_screen, wait_until
from tests.harness import make_app, settle
from tui.sim.model import DEEP_HEALTH_CHECK, RUNNING

SIZE = (80, 24)
QUEUE = "hyperpod-tui-events-queue"  # the demo's: the simulator gets rule and queue at start


def running_node(app):
    main = main_screen(app)
    cluster = app.simulator.world.clusters[main.state.focus]
    assert cluster.continuous
    node = next(n for n in sorted(cluster.nodes.values(), key=lambda n: n.instance_id) if n.status == RUNNING)
    return cluster, node


async def test_a_node_change_reaches_the_table_through_the_queue_with_polls_off():
    app = make_app(events_queue=QUEUE, refresh=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        await wait_until(pilot, lambda: main.header.events == "events: live", "the stream to go live")
        cluster, node = running_node(app)
        assert main.state.focus_snapshot.nodes[node.instance_id].status == RUNNING
        world = app.simulator.world
        app.simulator.clock.advance(1)  # a newer listing than the one shown (the clock is frozen otherwise)
        with world.lock:
            world.hold_status(cluster, node, DEEP_HEALTH_CHECK, world.now, world.now + 3600)
        await wait_until(
            pilot,
            lambda: main.state.focus_snapshot.nodes[node.instance_id].status == DEEP_HEALTH_CHECK,
            "the node row to change",
        )
        assert not world.event_bus.queues[QUEUE].messages  # handled, so deleted
        assert "events: live" in str(main.header.render())


async def test_a_missing_queue_reads_polling_and_the_app_goes_on():
    app = make_app(events_queue="no-such-queue", refresh=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        await wait_until(pilot, lambda: main.header.events.startswith("events: polling"), "the polling state")
        assert main.header.events == "events: polling (queue not found)"
        assert main.state.clusters  # the polls still fill the tables
        main.stream.stop()


async def test_q_quits_while_a_long_poll_hangs():
    app = make_app(events_queue=QUEUE, refresh=0.0)
    app.simulator.faults.lose_answer("ReceiveMessage", how="slow", delay_s=30.0, times=100)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        stuck = [t for t in threading.enumerate() if t.name == "hyperpod-event-stream"]
        assert stuck and all(t.daemon for t in stuck)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    assert main.stream.worker is None or main.stream.worker.stopped
    assert any(t.is_alive() for t in stuck)  # the poll is still hanging: the exit did not wait for it


async def test_a_streamed_cluster_event_appears_at_the_top_of_the_open_events_view():
    app = make_app(events_queue=QUEUE, refresh=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster("genai-eks-prod")  # Continuous mode: it has cluster events
        await settle(pilot)
        main.clusters_table.focus()
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "EventsScreen"
        await wait_until(pilot, lambda: main.header.events == "events: live", "the stream to go live")
        world = app.simulator.world
        cluster = world.clusters[screen.query_scope.cluster]
        shown = len(screen.events)
        app.simulator.clock.advance(5)
        with world.lock:
            world.add_event(cluster, world.now, "Streamed [/] \x1b]52;c;eA==\x07 event", level="Error")
        await wait_until(pilot, lambda: len(screen.events) > shown, "the streamed event in the view")
        top = screen.table.visible_keys[0]
        event = screen.events[top]
        assert event.cluster == cluster.name and event.level == "Error"
        assert event.description.startswith("Streamed [/]") and "\x1b" not in event.description
        assert "Streamed [/]" in screen.table.row(top).values[-1]
