"""Every size works: the focused pane gets the space, the failure band is one line, the screen never scrolls.

80×24 is a normal tmux split: with the failure band of the Slurm cluster present, the nodes pane shows at least ten
rows. At 60×20 it still shows rows and every key hint that matters.
"""

from __future__ import annotations

import pytest

from tests.harness import make_app, settle
from tui.screens.main import MainScreen
from tui.widgets.banner import Banner

SLURM = "llm-pretrain-slurm"


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def node_rows_on_screen(main: MainScreen) -> int:
    """The node rows the nodes pane paints inside the terminal (its header line excluded)."""
    table = main.nodes_table
    region = table.scrollable_content_region.intersection(main.region)
    return min(region.height, table.visible_count)


async def open_slurm_nodes(pilot) -> MainScreen:
    await settle(pilot)
    main = pilot.app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    main.nodes_table.focus()
    await pilot.pause()
    return main


def assert_screen_does_not_scroll(main: MainScreen) -> None:
    assert main.max_scroll_y == 0 and main.scroll_y == 0
    nodes_pane = main.query_one("#nodes-pane")
    assert nodes_pane.region.bottom <= main.region.bottom - 1  # above the footer


@pytest.mark.parametrize(("size", "least"), [((80, 24), 10), ((60, 20), 6), ((120, 40), 10)])
async def test_the_nodes_pane_shows_enough_rows_with_the_failure_band_present(size, least):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        main = await open_slurm_nodes(pilot)
        band = main.query_one("#failure-banner", Banner)
        rows = node_rows_on_screen(main)
        print(f"nodes rows at {size[0]}x{size[1]}: {rows} band {band.region.height} scroll {main.max_scroll_y}")
        assert band.shown and band.region.height == 1
        assert rows >= least, rows
        assert_screen_does_not_scroll(main)


def header_line(main: MainScreen) -> str:
    return str(main.header.render())


@pytest.mark.parametrize("width", [120, 80, 60])
async def test_a_failed_refresh_says_stale_since_when_and_why_and_the_header_keeps_its_length(width):
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        good = header_line(main)
        stamp = good.split("refreshed ")[1][:8]
        sim.faults.fail(
            "ListClusters", "ExpiredTokenException", "The security token included in the request is expired"
        )
        await pilot.press("r")
        await settle(pilot)
        stale = header_line(main)
        assert f"stale since {stamp} (expired token)" in stale, stale
        assert len(stale) == len(good) == width - 2
        # The freshness field ends in the same column, and what is left of it is where it was.
        assert stale.index("(expired token)") + len("(expired token)") == good.index(stamp) + len(stamp)
        assert stale[: good.index("refreshed") - 30] == good[: good.index("refreshed") - 30]
        assert "ExpiredTokenException" in str(main.header.tooltip)
