"""Malformed answers are errors: the header says "malformed response", the data on screen stays.

Driven through the real app against the in-process simulator, whose response faults spoil an answer after it
was served (invalid JSON, an empty body, an HTML page with status 200, an answer without its required members).
"""

from __future__ import annotations

import pytest

from tests.harness import make_app, settle
from tests.reliability.network_support import http_api, served
from tui.core.bounds import MalformedResponse
from tui.screens.main import MainScreen

SIZE = (140, 45)
SPOILED = ("malformed_json", "empty_body", "html", "missing_members")
# Which check names the failure: the body check before parsing (HTML, empty), the fast parser (invalid JSON), or
# the required members after parsing (stock botocore parses invalid JSON into an answer without members).
EXPECTED = {
    ("malformed_json", "fast"): "invalid JSON",
    ("malformed_json", "stock"): "no ClusterSummaries",
    ("empty_body", "fast"): "empty body",
    ("empty_body", "stock"): "empty body",
    ("html", "fast"): "text/html; charset=utf-8 body, not a JSON object",
    ("html", "stock"): "text/html; charset=utf-8 body, not a JSON object",
    ("missing_members", "fast"): "no ClusterSummaries",
    ("missing_members", "stock"): "no ClusterSummaries",
}


def main_screen(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen), screen
    return screen


@pytest.mark.parametrize("kind", SPOILED)
async def test_a_malformed_cluster_listing_keeps_the_clusters_and_says_so(kind):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        shown = main.clusters_table.row_count
        assert shown == 3 and main.header.stale_reason == ""
        sim.faults.responses.add(kind, "ListClusters")
        await pilot.press("r")
        await settle(pilot)
        assert main.clusters_table.row_count == shown  # never taken for "no clusters"
        assert main.header.stale_reason.startswith("malformed response from")
        sim.faults.responses.clear()
        await pilot.press("r")
        await settle(pilot)
        assert main.header.stale_reason == ""


@pytest.mark.parametrize("kind", SPOILED)
async def test_a_malformed_node_listing_keeps_the_nodes(kind):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = main_screen(app)
        focus = main.state.focus
        before = main.state.snapshot_of(focus)
        assert before is not None and before.nodes
        sim.faults.responses.add(kind, "ListClusterNodes")
        await pilot.press("r")
        await settle(pilot)
        assert main.state.snapshot_of(focus) is before
        assert main.nodes_table.row_count == len(before.nodes)
        assert main.header.stale_reason.startswith("malformed response from")


@pytest.mark.parametrize("kind", SPOILED)
@pytest.mark.parametrize("stock", [False, True], ids=["fast-parser", "stock-parser"])
def test_the_facade_raises_on_a_malformed_answer_over_http(kind, stock, monkeypatch):
    """Both response parsers (the fast one and stock botocore's, which turns bad JSON into {} silently)."""
    if stock:
        monkeypatch.setenv("HYPERPOD_TUI_STOCK_BOTOCORE", "1")
    with served() as server:
        api = http_api(server.url)
        try:
            assert len(api.list_clusters()) == 3
            server.simulator.faults.responses.add(kind, "ListClusters")
            with pytest.raises(MalformedResponse) as raised:
                api.list_clusters()
            message = str(raised.value)
            assert message.startswith(f"malformed response from {server.url}")
            assert EXPECTED[kind, "stock" if stock else "fast"] in message
        finally:
            api.close()
