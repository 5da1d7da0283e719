"""What a user opens and closes leaves nothing behind (issue 11: the soak's RSS grew 79 → 393 MB in ten minutes).

Every screen closed is collected, and the widgets alive come back to what they were: moving between panes
recomposes the footer (its hints follow the focused widget's keys), and a footer hint bound to the footer's
`compact` stayed alive for good (tui/widgets/key_footer.py); a pool thread kept the last worker it ran and that
worker's screen (tui/core/daemon_pool.py); the log view's `/` prompt, an Input mounted and removed each time,
stayed subscribed to its screen's text-selection signal (tui/widgets/clean_input.py).
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter

import pytest
from textual.screen import Screen
from textual.widget import Widget

from tests.harness import make_app, settle
from tui.screens.logs import LogScreen
from tui.screens.main import MainScreen

SIZE = (120, 40)
SLURM = "llm-pretrain-slurm"
MARGIN = 10  # widgets in all: a tooltip or a toast may come and go
EACH = 2  # widgets of any one class


@pytest.fixture(autouse=True)
def _manual_polls(monkeypatch):
    """The log screen's follow timer would poll on its own; these tests only open and close it."""
    monkeypatch.setattr(LogScreen, "follow_interval", 3600.0)


def drop_cancelled_timers() -> None:
    """asyncio keeps a cancelled timer handle, and the context it was made in (which names its screen as the active
    message pump), in the loop's heap until it is due or until cancelled handles are most of the heap. The log
    screen's follow timer is an hour here (the fixture above), a few seconds in the app: without this purge a
    closed log screen would look leaked for that hour whenever other timers (the Slurm and Kubernetes paces) keep
    the heap from being compacted."""
    import asyncio
    import heapq

    loop = asyncio.get_running_loop()
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    scheduled[:] = [handle for handle in scheduled if not handle.cancelled()]
    heapq.heapify(scheduled)
    loop._timer_cancelled_count = 0  # type: ignore[attr-defined]


def live_widgets() -> Counter[str]:
    gc.collect()
    return Counter(type(thing).__name__ for thing in gc.get_objects() if isinstance(thing, Widget))


def assert_nothing_grew(before: Counter[str], after: Counter[str]) -> None:
    grown = {name: after[name] - before[name] for name in after if after[name] > before[name]}
    assert sum(grown.values()) <= MARGIN and all(count <= EACH for count in grown.values()), grown


async def open_cluster(pilot) -> MainScreen:
    await settle(pilot)
    main = pilot.app.screen
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(SLURM)
    await settle(pilot)
    return main


async def test_moving_between_panes_leaves_no_footer_hints_behind():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_cluster(pilot)

        async def round_of_panes() -> None:
            for _ in range(3):
                await pilot.press("tab")  # the footer recomposes with the focused pane's keys
                await pilot.pause(0.05)
            await settle(pilot, rounds=10)

        await round_of_panes()
        before = live_widgets()
        for _ in range(10):
            await round_of_panes()
        after = live_widgets()
        # With the hints bound to the footer's `compact`, each recompose kept ~10 FooterKeys: ~300 here.
        assert_nothing_grew(before, after)


async def test_every_screen_closed_is_collected_and_the_widgets_come_back_to_what_they_were():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_cluster(pilot)
        closed: list[tuple[str, weakref.ref[Screen]]] = []

        async def open_and_close(*keys: str, close: str = "escape") -> None:
            await pilot.press(*keys)
            await settle(pilot, rounds=20)
            screen = app.screen
            assert screen is not main, keys
            closed.append((type(screen).__name__, weakref.ref(screen)))
            await pilot.press(close)
            await settle(pilot, rounds=20)
            assert app.screen is main, (keys, app.screen)

        async def every_screen() -> None:
            main.clusters_table.focus()
            main.clusters_table.move_cursor_to(SLURM)
            await open_and_close("d")  # details
            await open_and_close("e")  # cluster events
            await open_and_close("question_mark")  # help
            await open_and_close("at")  # the API log
            await open_and_close("ctrl+z")  # the triage view
            await open_and_close("ctrl+p", "n", "o")  # the palette, with a query
            main.nodes_table.focus()
            await open_and_close("l")  # the node's lifecycle log (a thread worker loads it)
            await open_and_close("space", "R", close="n")  # the reboot confirmation
            await open_and_close("f")  # the port-forward form
            await open_and_close("i")  # the ssh entries (a thread worker builds them)
            await open_and_close("colon", "p", "f", "enter")  # the port forwards (:pf)
            await pilot.press("ctrl+u")

        await every_screen()
        before = live_widgets()
        for _ in range(3):
            await every_screen()
        drop_cancelled_timers()
        after = live_widgets()
        alive = Counter(name for name, screen in closed if screen() is not None)
        assert len(closed) == 4 * 11  # 4 rounds of 11 screens
        assert not alive, alive  # a pool thread held the last log screen through its worker
        assert_nothing_grew(before, after)


@pytest.mark.parametrize(
    ("opening", "keys"),
    [
        ("l", ["slash", "escape", "f", "f", "w", "w", "tab", "tab"]),  # the node's log: search, follow, wrap
        ("e", ["slash", "escape", "j", "k", "tab", "tab"]),  # the cluster's events: filter, moves
    ],
)
async def test_keys_on_an_open_log_or_events_screen_leave_no_footer_hints_behind(opening, keys):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_cluster(pilot)
        (main.nodes_table if opening == "l" else main.clusters_table).focus()
        await pilot.press(opening)
        await settle(pilot)
        assert app.screen is not main

        async def round_of_keys() -> None:
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.05)
            await settle(pilot, rounds=10)

        await round_of_keys()
        before = live_widgets()
        for _ in range(4):
            await round_of_keys()
        after = live_widgets()
        # Textual's own Footer kept each recompose's hints while its screen was open (~100 here), and each `/`
        # prompt of the log view stayed (4).
        assert_nothing_grew(before, after)
