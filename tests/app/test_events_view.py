"""The Events view (screens/events.py) driven by Pilot against the simulator: scope, filter, follow, details."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.harness import make_app, rendered_text, settle
from tui.core.events import ClusterEvent
from tui.screens.events import EventDetailScreen, EventsScreen
from tui.screens.main import MainScreen

SIZE = (120, 40)
EKS = "genai-eks-prod"


async def open_events(pilot, cluster: str = EKS, pane: str = "clusters") -> EventsScreen:
    app = pilot.app
    await settle(pilot)
    main = app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    if pane == "groups":
        main.groups_table.focus()
        main.groups_table.move_cursor_to("gpu-workers")
    elif pane == "nodes":
        main.nodes_table.focus()
    else:
        main.clusters_table.focus()
        main.clusters_table.move_cursor_to(cluster)
    await pilot.press("e")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, EventsScreen), screen
    return screen


def column(screen: EventsScreen, key: str, row_key: str):
    table = screen.table
    return table.row(row_key).text([c.key for c in table.columns].index(key))


def new_event(screen: EventsScreen, n: int, **extra) -> ClusterEvent:
    newest = screen.newest
    assert newest is not None
    values = {
        "event_id": f"new-{n}",
        "cluster": EKS,
        "resource_type": "InstanceGroup",
        "time": newest.time + timedelta(seconds=60),
        "description": f"fresh event {n}",
        "group": "gpu-workers",
        **extra,
    }
    return ClusterEvent(**values)


async def test_e_on_each_pane_opens_events_scoped_to_what_is_highlighted():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot)
        assert screen.query_scope.cluster == EKS and screen.query_scope.group is None
        groups = {column(screen, "group", key) for key in screen.table.visible_keys}
        assert {"gpu-workers", "general-purpose", ""} <= groups
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        main = app.screen
        main.groups_table.focus()
        main.groups_table.move_cursor_to("gpu-workers")
        await pilot.press("e")
        await settle(pilot)
        scoped = app.screen
        assert isinstance(scoped, EventsScreen) and scoped.query_scope.group == "gpu-workers"
        assert scoped.table.row_count and {column(scoped, "group", k) for k in scoped.table.visible_keys} == {
            "gpu-workers"
        }
        await pilot.press("escape")
        main.nodes_table.focus()
        node = main.nodes_table.cursor_key
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen) and app.screen.query_scope.node == node


async def test_the_filter_uses_the_tables_grammar_and_no_level_reads_as_a_dash():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot)
        table = screen.table
        total = table.visible_count
        levels = {column(screen, "level", k) for k in table.visible_keys}
        assert "–" in levels and "Error" in levels
        await pilot.press("slash", *"level:error")
        await settle(pilot)
        assert 0 < table.visible_count < total
        assert {column(screen, "level", k) for k in table.visible_keys} == {"Error"}
        await pilot.press("enter")  # keep the filter, back to the table
        await pilot.press("escape")  # clears it
        assert table.visible_count == total and isinstance(app.screen, EventsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_new_events_flash_and_are_followed_only_from_the_top():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot)
        table = screen.table
        assert table.model.cursor == 0
        assert screen.add_event(new_event(screen, 1))
        await pilot.pause()
        assert table.visible_keys[0] == "new-1" and table.cursor_key == "new-1"  # followed
        assert "new-1" in table._flash_until
        assert not screen.add_event(new_event(screen, 1))  # the same event twice: once
        assert not screen.add_event(new_event(screen, 2, group="other-group", cluster="x"))  # another cluster
        await pilot.press("j", "j")
        here = table.cursor_key
        screen.post_message(EventsScreen.NewEvent(new_event(screen, 3)))
        await settle(pilot)
        assert table.visible_keys[0] == "new-3" and table.cursor_key == here  # not followed: the user scrolled
        # a near-duplicate of the newest one folds into it
        assert screen.add_event(replace(screen.events["new-3"], event_id="dup", time=screen.newest.time))
        assert table.visible_keys[0] == "new-3" and "(×2)" in column(screen, "description", "new-3")


async def test_enter_opens_the_details_with_the_failure_first_and_links_to_the_node():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot)
        failed = next(k for k in screen.table.visible_keys if "has Failed." in column(screen, "description", k))
        screen.table.move_cursor_to(failed)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, EventDetailScreen)
        text = rendered_text(detail.query_one("#detail-body").content)
        assert text.index("Failure") < text.index("Event") and "on_create.sh exited with code 1" in text
        assert "Lifecycle script" in text and "Failed" in text
        await pilot.press("n")  # this node is gone: said so, nothing opens
        await settle(pilot)
        assert app.screen is detail


async def test_a_cluster_not_in_continuous_mode_says_so_and_lists_what_the_app_observed():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot, "llm-pretrain-slurm")
        assert screen.unavailable is not None and screen.table.row_count == 0  # nothing observed yet
        notice = rendered_text(screen.query_one("#events-notice").content, width=200)
        assert notice.count("\n") == 1  # one line
        assert "not in Continuous provisioning mode" in notice and "observed by hyperpod-tui" in notice
        await pilot.press("escape")
        pending = sim.world.landmarks["pending_node"]
        sim.clock.advance(120)  # the pending worker finishes its lifecycle script
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        rows = [screen.table.row(k) for k in screen.table.visible_keys]
        assert any(pending in row.text(5) and "Pending → Running" in row.text(5) for row in rows)


async def test_a_nodes_details_list_its_last_events():
    from tui.screens.detail import DetailScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster(EKS)
        await settle(pilot)
        node = next(e.instance_id for e in main.state.snapshot_of(EKS).nodes.values() if e.group == "general-purpose")
        main.nodes_table.focus()
        main.nodes_table.move_cursor_to(node)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        text = rendered_text(app.screen.query_one("#detail-body").content, width=200)
        section = text[text.index("Last events") :]
        assert "lifecycle script execution" in section and node in section


async def test_a_scaling_operation_names_its_counts_on_the_group_row_and_a_quiet_cluster_asks_nothing():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        sim = app.simulator
        main.jump_to_cluster("llm-pretrain-slurm")  # not Continuous: no operations to ask for
        await settle(pilot)
        main.jump_to_cluster(EKS)
        await settle(pilot)
        asked = {c.params["ClusterName"] for c in sim.calls if c.operation == "ListClusterOperations"}
        assert asked == {EKS}
        snapshot = main.state.focus_snapshot
        [operation] = [op for op in snapshot.operations if op.type == "Scaling"]
        gpu = sim.world.clusters[EKS].groups["gpu-workers"]
        # change the operation behind the app's back: the row follows the operation, not only the counts
        with sim.world.lock:
            item = sim.world.clusters[EKS].operations[0].scaling[0]
            item["Original"]["TargetCount"] = 3
        sim.clock.advance(60)
        await pilot.press("r")
        await settle(pilot)
        activity = main.groups_table.row("gpu-workers").values[4]
        assert activity == ((f"scaling 3→{gpu.target_count}", "Degraded"),), activity
        assert operation.operation_id


async def test_e_on_a_scaling_group_opens_its_operations_events_and_w_widens_to_the_group():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_events(pilot, pane="groups")
        sim = app.simulator
        [operation] = [o for o in sim.world.clusters[EKS].operations if o.status == "InProgress"]
        assert screen.query_scope.operation == operation.operation_id
        assert "operation Scaling: scaling" in rendered_text(screen.query_one("#events-title").content)
        calls = [c for c in sim.calls if c.operation == "ListClusterEvents"]
        assert calls[-1].params.get("OperationId") == operation.operation_id
        of_operation = set(screen.events)
        assert of_operation and all(e.operation_id == operation.operation_id for e in screen.events.values())
        await pilot.press("w")
        await settle(pilot)
        assert screen.query_scope.operation is None and screen.query_scope.group == "gpu-workers"
        assert "OperationId" not in [c for c in sim.calls if c.operation == "ListClusterEvents"][-1].params
        assert of_operation < set(screen.events)  # the group's other events too
        await pilot.press("w")
        await settle(pilot)
        assert set(screen.events) == of_operation
