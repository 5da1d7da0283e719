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
