"""Endless pagination: every listing stops at a page cap, says so, and keeps what the screen had."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.harness import make_app, settle
from tests.reliability.network_support import ROOT, http_api, served, subprocess_env
from tui.core import aws
from tui.core.bounds import ListingStopped
from tui.screens.main import MainScreen

SIZE = (140, 45)
# Enough pages for a listing without a cap to finish in a few seconds (and the test to fail), not forever.
MANY = 2_000


def main_screen(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


async def test_endless_node_pages_stop_at_the_cap_and_keep_the_nodes():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        focus = main.state.focus
        before = main.state.snapshot_of(focus)
        assert before is not None
        sim.faults.responses.add("endless_token", "ListClusterNodes", times=MANY)
        calls = len(sim.calls)
        await pilot.press("r")
        await settle(pilot, rounds=200)
        assert main.header.stale_reason.startswith(f"listing stopped after {aws.NODE_PAGE_CAP} pages")
        assert main.state.snapshot_of(focus) is before  # the partial listing is not shown as the cluster's nodes
        per_listing = Counter(
            (call.params.get("ClusterName"), call.params.get("InstanceGroupNameContains"))
            for call in sim.calls[calls:]
            if call.operation == "ListClusterNodes"
        )
        assert max(per_listing.values()) == aws.NODE_PAGE_CAP  # each group's listing stops at the cap


async def test_endless_cluster_pages_stop_at_the_cap():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        sim.faults.responses.add("endless_token", "ListClusters", times=MANY)
        await pilot.press("r")
        await settle(pilot, rounds=200)
        assert main.header.stale_reason.startswith(f"listing stopped after {aws.CLUSTER_PAGE_CAP} pages")
        assert main.clusters_table.row_count == 3


def test_a_listing_also_stops_at_its_time_cap(monkeypatch):
    monkeypatch.setattr(aws, "LISTING_DEADLINE", 0.3)
    with served() as server:
        server.simulator.faults.latency_ms = 120
        server.simulator.faults.responses.add("endless_token", "ListClusters", times=MANY)
        api = http_api(server.url)
        try:
            with pytest.raises(ListingStopped) as raised:
                api.list_clusters()
            # the time cap stopped it, before the page cap could (no wall-clock assertion: shared, noisy machines)
            assert "(ListClusters, 0.3s time cap)" in str(raised.value)
            assert raised.value.pages < aws.CLUSTER_PAGE_CAP
        finally:
            api.close()


@pytest.mark.slow
def test_headless_nodes_exits_non_zero_on_endless_pages(tmp_path):
    with served() as server:
        cluster = server.simulator.handle("sagemaker", "ListClusters")["ClusterSummaries"][0]["ClusterName"]
        server.simulator.faults.responses.add("endless_token", "ListClusterNodes")  # until cleared
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "tui", "nodes", cluster, "--endpoint-url", server.url, "--region", "us-west-2"],
            capture_output=True,
            text=True,
            env=subprocess_env(tmp_path),
            cwd=ROOT,
            timeout=60,
        )
        assert done.returncode != 0
        assert "listing stopped after" in done.stderr
        assert done.stdout == ""
        assert time.monotonic() - started < 30
