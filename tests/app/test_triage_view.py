"""Issue 15 item 4: the triage view (ctrl+z, `:triage`) lists every not-healthy node of the clusters whose nodes
are in hand, worst first, with what HyperPod is doing and the next step; Enter lands on the node in the nodes pane.
Driven against the demo, whose Slurm worker `health_event_node` logged a GPU XID 79 record (HMA)."""

from __future__ import annotations

from textual.widgets import Static

from tests.app.test_health_column import open_slurm
from tests.harness import make_app, rendered_text, settle
from tui.core.triage import TRIAGE_COLUMNS, row_key
from tui.screens.detail import DetailScreen
from tui.screens.main import MainScreen
from tui.screens.triage import TriageScreen

COLUMN = {column.key: index for index, column in enumerate(TRIAGE_COLUMNS)}


async def open_triage(pilot) -> TriageScreen:
    await pilot.press("ctrl+z")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TriageScreen)
    return screen


async def test_ctrl_z_lists_the_xid_node_with_its_step_and_enter_lands_on_it_in_the_nodes_pane() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = await open_slurm(pilot)
        slurm = app.simulator.landmarks["slurm_cluster"]
        faulty = app.simulator.landmarks["health_event_node"]
        main.set_focus(main.clusters_table)  # the view opens from any pane, not only the nodes pane
        await pilot.pause()
        triage = await open_triage(pilot)
        table = triage.table
        key = row_key(slurm, faulty)
        assert key in table.visible_keys
        row = table.row(key)
        assert row is not None
        assert row.values[COLUMN["health"]][0][0].startswith("GPU XID 79")
        assert row.values[COLUMN["step"]] == "replace"
        entry = triage.entries[key]
        assert "hardware fault" in entry.step_reason
        # every row is a node some signal says is not healthy; healthy nodes are not listed
        snapshot = main.state.snapshot_of(slurm)
        assert snapshot is not None
        listed = {k.partition("/")[2] for k in table.visible_keys if k.startswith(f"{slurm}/")}
        assert listed and listed <= set(snapshot.verdicts)
        assert len(listed) < len(snapshot.nodes)
        # worst first: no fault row after a row that is not a fault
        severities = [triage.entries[k].severity for k in table.visible_keys]
        assert severities == sorted(severities, key=lambda s: s != "fault")
        title = rendered_text(triage.query_one("#triage-title", Static).content, width=200)
        assert "not healthy" in title and "listed" in title
        table.move_cursor_to(key)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is main
        assert main.state.focus == slurm
        assert main.focused is main.nodes_table
        assert main.nodes_table.cursor_key == faulty


async def test_the_command_line_opens_it_and_the_filter_grammar_narrows_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_slurm(pilot)
        await pilot.press("colon", *"triage", "enter")
        await settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        table = triage.table
        before = table.visible_count
        assert before >= 2  # the XID node and the failed node
        table.set_filter("step:replace")
        assert 0 < table.visible_count <= before
        assert all(triage.entries[k].step.startswith("replace") for k in table.visible_keys)
        table.set_filter("!GPU")
        assert all("GPU" not in triage.entries[k].health for k in table.visible_keys)
        await pilot.press("escape")  # clears the filter first
        assert table.visible_count == before
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_d_opens_the_nodes_details_with_its_health() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_slurm(pilot)
        triage = await open_triage(pilot)
        slurm = app.simulator.landmarks["slurm_cluster"]
        triage.table.move_cursor_to(row_key(slurm, app.simulator.landmarks["health_event_node"]))
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        text = rendered_text(screen.query_one("#detail-body", Static).content, width=120)
        assert "GPU XID 79" in text and "Next step" in text


async def test_no_key_of_the_view_acts_at_once_and_delete_is_not_one_of_them() -> None:
    """R / P only open the confirmation (tests/app/test_triage_actions.py drives them through); D (delete gives
    capacity up) is the nodes pane's alone."""
    from tui.screens.confirm import ConfirmActionScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_slurm(pilot)
        triage = await open_triage(pilot)
        before = len(app.simulator.calls)
        await pilot.press("D")
        await settle(pilot)
        assert app.screen is triage
        for key in ("R", "P"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmActionScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is triage
        mutating = [c for c in app.simulator.calls[before:] if c.operation.startswith(("Batch", "Delete"))]
        assert mutating == []


async def test_help_lists_the_triage_keys() -> None:
    from tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sections = dict(app.help_sections())
        triage = next(bindings for title, bindings in sections.items() if title.startswith("Triage view"))
        assert {"triage", "triage-back", "triage-filter", "triage-details"} <= {b.id for b in triage}
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_opening_it_sweeps_the_clusters_never_swept_and_the_view_follows() -> None:
    """At start the focus is the EKS cluster: the Slurm cluster is listed but its HMA records were never swept, so
    only opening the view finds its GPU XID 79 node."""
    from tests.app.shell_support import wait_until

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        slurm = app.simulator.landmarks["slurm_cluster"]
        assert main.state.focus != slurm and main.state.snapshot_of(slurm) is not None
        key = row_key(slurm, app.simulator.landmarks["health_event_node"])
        triage = await open_triage(pilot)
        await wait_until(pilot, lambda: key in triage.table.visible_keys, "the swept XID node in the view")
        assert triage.table.row(key).values[COLUMN["step"]] == "replace"
        assert isinstance(app.screen, TriageScreen)
