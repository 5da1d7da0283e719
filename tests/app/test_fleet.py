"""A --demo fleet of two regions driven with keys: one clusters pane, a reboot that goes to its own region,
a failing region marked stale alone, and switching to one region (what `:region R` calls)."""

from __future__ import annotations

import json

import pytest

from tests.harness import make_fleet_app, settle
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.main import MainScreen

SIZE = (140, 45)
SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def main_screen(app) -> MainScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, MainScreen)
    return screen


def column(table, key: str, name: str):
    return table.row(key).values[[c.key for c in table.columns].index(name)]


async def test_two_regions_show_in_one_pane_with_a_region_column_and_the_header_names_both():
    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        table = main.clusters_table
        keys = set(table.visible_keys)
        assert keys == {f"{name}@{region}" for region, sim in sims.items() for name in sim.world.clusters}
        assert column(table, f"{SLURM}@us-east-1", "region") == "us-east-1"
        assert column(table, f"{SLURM}@us-east-1", "name") == SLURM
        assert "profile" not in [c.key for c in table.columns]  # one profile: no PROFILE column
        assert "regions us-west-2, us-east-1" in main.header.target


async def test_a_reboot_in_the_fleet_goes_to_the_clusters_own_region_and_is_journalled_with_it(state_home):
    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        main.jump_to_cluster(f"{SLURM}@us-east-1")
        await settle(pilot)
        main.nodes_table.focus()
        main.nodes_table.set_filter("status:running")
        await pilot.pause()
        node = main.nodes_table.visible_keys[0]
        assert node in sims["us-east-1"].world.clusters[SLURM].nodes
        await pilot.press("space", "R")
        assert isinstance(app.screen, ConfirmActionScreen)
        await pilot.press("y")
        await settle(pilot)
        reboots = {r: [c for c in s.calls if c.operation == "BatchRebootClusterNodes"] for r, s in sims.items()}
        assert reboots["us-west-2"] == []
        [call] = reboots["us-east-1"]
        assert call.params["NodeIds"] == [node]
        assert call.params["ClusterName"].split(":")[3] == "us-east-1" or call.params["ClusterName"] == SLURM
        path = state_home / "hyperpod-tui" / "demo-actions.jsonl"
        intents = [json.loads(line) for line in path.read_text().splitlines() if '"intent"' in line]
        assert [(line["cluster"], line["region"]) for line in intents] == [(SLURM, "us-east-1")]


async def test_a_failing_region_marks_only_its_rows_stale_and_says_so_in_the_header():
    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        sims["us-east-1"].faults.fail("ListClusters", "AccessDeniedException", "no")
        sims["us-west-2"].world.clusters[SLURM].status = "Updating"  # west keeps refreshing
        await pilot.press("r")
        await settle(pilot)
        table = main.clusters_table
        stale = {key for key in table.visible_keys if "(stale)" in str(column(table, key, "status"))}
        assert stale == {key for key in table.visible_keys if key.endswith("@us-east-1")} and stale
        assert column(table, f"{SLURM}@us-west-2", "status") == "Updating"
        assert "us-east-1 stale: AccessDeniedException" in main.header.target
        await pilot.press("r")
        await settle(pilot)
        assert not any("(stale)" in str(column(table, key, "status")) for key in table.visible_keys)
        assert "stale" not in main.header.target


async def test_switching_to_one_region_lists_only_it():
    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        app.switch_region("us-east-1")
        await settle(pilot)
        names = set(main.clusters_table.visible_keys)
        assert names and names == set(main.state.clusters)
        assert "region us-east-1" in main.header.target
        # One region is no fleet: plain names, and the simulator now answering is us-east-1's world.
        assert all("@" not in name for name in names)
        assert {c.arn for c in main.state.clusters.values()} == {
            c.arn for c in sims["us-east-1"].world.clusters.values()
        }
        assert app.simulator is sims["us-east-1"]  # the same world as in the fleet, not a new one


async def test_a_nodes_log_is_read_from_its_clusters_own_region(monkeypatch):
    from tests.app.log_app import wait_for
    from tui.screens.logs import LogScreen

    monkeypatch.setattr(LogScreen, "follow_interval", 3600.0)
    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        key = f"{SLURM}@us-east-1"
        main.jump_to_cluster(key)
        await settle(pilot)
        node = next(iter(main.state.snapshot_of(key).nodes))
        main.jump_to_node(node)
        await settle(pilot)

        def log_calls():
            return {r: len([c for c in s.calls if c.service == "logs"]) for r, s in sims.items()}

        before = log_calls()
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        await wait_for(pilot, lambda: log_calls()["us-east-1"] > before["us-east-1"])
        await settle(pilot)
        after = log_calls()
        assert after["us-east-1"] > before["us-east-1"] and after["us-west-2"] == before["us-west-2"]
        groups = {c.params.get("logGroupName") for c in sims["us-east-1"].calls if c.service == "logs"}
        assert all(g is None or "@" not in g for g in groups)  # the real name in the log group, never the key


async def test_cluster_flag_takes_a_key_in_a_fleet():
    app, sims = make_fleet_app(cluster=f"{SLURM}@us-east-1")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert main_screen(app).state.focus == f"{SLURM}@us-east-1"


async def test_the_events_view_of_a_fleet_cluster_asks_its_own_region_by_its_real_name():
    from tui.screens.events import EventsScreen

    app, sims = make_fleet_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        key = "genai-eks-prod@us-east-1"  # Continuous mode: it has cluster events
        main.jump_to_cluster(key)
        await settle(pilot)
        main.clusters_table.focus()

        def event_calls(region):
            return [c for c in sims[region].calls if c.operation == "ListClusterEvents"]

        # the health sweep of each focused Continuous cluster reads its own region's Instance events: not counted
        before = {region: len(event_calls(region)) for region in sims}
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        assert len(event_calls("us-west-2")) == before["us-west-2"]
        assert {c.params["ClusterName"] for c in event_calls("us-east-1")} == {"genai-eks-prod"}
        assert screen.events and {event.cluster for event in screen.events.values()} == {key}
