"""`A` on the main screen: the API log, every call the app made against the simulator, filterable."""

from __future__ import annotations

from tests.harness import make_app, settle
from tui.core.api_log import default_log
from tui.screens.api_log import ApiLogScreen
from tui.screens.main import MainScreen
from tui.widgets.resource_table import ResourceTable


def shown(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#api-log-table", ResourceTable)
    return [tuple(str(v) for v in table.row(key).values) for key in table.visible_keys]


async def test_a_opens_the_api_log_filters_it_and_escape_goes_back():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        made = len([c for c in app.simulator.calls if c.operation == "ListClusterNodes"])
        await pilot.press("at")
        await pilot.pause()
        assert isinstance(app.screen, ApiLogScreen)
        rows = shown(app)
        operations = [row[2] for row in rows]
        assert "ListClusters" in operations and "DescribeCluster" in operations
        assert operations.count("ListClusterNodes") >= min(made, default_log().capacity) > 0
        assert all(row[5] == "ok" and row[1] == "sagemaker" and row[3] == "us-west-2" for row in rows[-3:])
        await pilot.press(*"listclusters")  # typing goes to the filter
        await pilot.pause()
        assert {row[2] for row in shown(app)} == {"ListClusters"}
        await pilot.press("escape")  # clears the filter first
        await pilot.pause()
        assert isinstance(app.screen, ApiLogScreen) and len(shown(app)) > 1
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
