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


async def test_enter_on_a_cluster_opens_its_nodes_and_the_others_shrink_to_their_title_line():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        clusters, groups = main.query_one("#clusters-pane"), main.query_one("#groups-pane")
        assert clusters.region.height > 1 and groups.region.height == 1  # the clusters focused, the nodes previewed
        assert node_rows_on_screen(main) >= 5
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.focused is main.nodes_table and main.state.group_scope is None
        assert clusters.region.height == groups.region.height == 1
        assert "Clusters" in str(clusters.border_title)  # the title line is still there
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is main.groups_table and groups.region.height > 1 and clusters.region.height == 1


async def test_the_band_expands_and_folds_with_its_key():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = await open_slurm_nodes(pilot)
        band = main.query_one("#failure-banner", Banner)
        assert band.cut and "! more" in str(band.render())
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert band.region.height > 2 and node_rows_on_screen(main) >= 3
        assert_screen_does_not_scroll(main)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert band.region.height == 1


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_footer_keeps_help_when_the_nodes_keys_do_not_fit(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        main = await open_slurm_nodes(pilot)
        from textual.widgets._footer import FooterKey

        keys = [key for key in main.query(FooterKey)]
        assert "help" in [key.action for key in keys]
        assert all(key.region.right <= size[0] for key in keys)  # none cut at the edge
        assert "reboot" in [key.action for key in keys]  # the pane's own keys before the generic ones


async def test_the_footer_hints_follow_its_compact_style_without_being_bound_to_it():
    from textual.widgets._footer import FooterKey

    from tui.widgets.key_footer import KeyFooter

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        main = await open_slurm_nodes(pilot)
        footer = main.query_one(KeyFooter)
        assert not any(key.compact or key.has_class("-compact") for key in footer.query(FooterKey))
        footer.compact = True
        await pilot.pause()
        keys = list(footer.query(FooterKey))
        assert keys and all(key.compact and key.has_class("-compact") for key in keys)
        await pilot.press("tab")  # a recompose: the new hints take the footer's style when they are made
        await settle(pilot)
        keys = list(footer.query(FooterKey))
        assert keys and all(key.compact and key.has_class("-compact") for key in keys)


async def test_toasts_stay_off_an_open_shells_bottom_lines(tmp_path):
    from tests.app.shell_support import ECHO, fake_plugin, on_node, shell_text, wait_until
    from tui.text import toast

    app = make_app(ssm_plugin=str(fake_plugin(tmp_path, ECHO)))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await on_node(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: "FAKE-PLUGIN" in shell_text(app), "the fake plugin's first line")
        main = pilot.app.screen
        assert isinstance(main, MainScreen)
        toast(main, "a long notice that would sit on the prompt", severity="warning", timeout=30)
        from textual.widgets._toast import Toast

        await wait_until(pilot, lambda: bool(main.query(Toast)), "the toast")
        await pilot.pause()
        shell = main.query_one("#shell-pane")
        bottom = shell.region.bottom
        (shown,) = list(main.query(Toast))
        assert shown.region.height > 0
        assert shown.region.bottom <= bottom - 6, (shown.region, shell.region)
