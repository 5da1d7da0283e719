"""The log viewer against a server that never stops handing out GetLogEvents tokens: every read ends at a cap
and says so, follow polls wait between rounds, and nothing is called once the screen is gone."""

from __future__ import annotations

import pytest

from tests.harness import make_app
from tests.reliability.logs_support import SIZE, logs_calls, open_failed_node_log, run_for, status_of, wait_loaded
from tui.core import log_stream
from tui.screens.logs import LogScreen

FAST_FOLLOW = 0.2  # seconds between follow polls in these tests (2.5 in the app)


@pytest.fixture(autouse=True)
def _fast_follow(monkeypatch):
    monkeypatch.setattr(LogScreen, "follow_interval", FAST_FOLLOW)


async def test_a_load_against_endless_tokens_with_events_stops_at_the_page_cap_and_says_so():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.simulator.faults.endless_log_tokens(events=5)
        screen = await open_failed_node_log(pilot)
        await wait_loaded(pilot, screen)
        assert not screen.facts.loading
        cap = log_stream.LOAD_LIMITS.max_pages
        assert f"stopped after {cap} pages" in status_of(screen)
        assert len(screen.view.document) >= 5 * (cap - 1)  # what arrived is kept
        assert logs_calls(app) < cap + 20


async def test_a_load_against_endless_empty_pages_ends_and_keeps_the_screen_usable():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.simulator.faults.endless_log_tokens(events=0)
        screen = await open_failed_node_log(pilot)
        await wait_loaded(pilot, screen)
        assert not screen.facts.loading
        assert "brought no events" in status_of(screen)
        assert logs_calls(app) < log_stream.LOAD_LIMITS.max_empty_pages + 20


async def test_follow_against_endless_empty_tokens_polls_once_per_interval():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_failed_node_log(pilot)
        await wait_loaded(pilot, screen)
        app.simulator.faults.endless_log_tokens(events=0)
        await pilot.press("f")
        await run_for(pilot, 0.1)
        before = logs_calls(app)
        await run_for(pilot, 2.0)
        made = logs_calls(app) - before
        assert screen.view.follow
        # One GetLogEvents per poll: a new token with no events is not progress, the poll ends and waits.
        assert made <= 2.0 / FAST_FOLLOW + 3, f"{made} calls in 2 s"


async def test_follow_against_endless_tokens_with_events_reads_a_capped_number_of_pages_per_poll():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_failed_node_log(pilot)
        await wait_loaded(pilot, screen)
        app.simulator.faults.endless_log_tokens(events=3)
        await pilot.press("f")
        await run_for(pilot, 0.1)
        before = logs_calls(app)
        await run_for(pilot, 2.0)
        made = logs_calls(app) - before
        per_poll = log_stream.FOLLOW_LIMITS.max_pages
        assert made <= (2.0 / FAST_FOLLOW + 3) * per_poll, f"{made} calls in 2 s"
        assert f"follow: stopped after {per_poll} pages" in status_of(screen)


@pytest.mark.parametrize("events", [0, 2])
async def test_leaving_the_log_screen_ends_its_reads_for_good(events):
    """The load is still reading (endless tokens, 60 ms a call) when the user leaves."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.simulator.faults.endless_log_tokens(events=events)
        app.simulator.faults.latency_ms = 60
        screen = await open_failed_node_log(pilot)
        await run_for(pilot, 0.2)
        assert screen.facts.loading, status_of(screen)
        await pilot.press("escape")
        assert not isinstance(app.screen, LogScreen)
        await run_for(pilot, 0.3)  # grace: a request already on the wire may finish
        after_grace = logs_calls(app)
        await run_for(pilot, 1.5)
        assert logs_calls(app) - after_grace == 0


async def test_leaving_while_following_ends_the_polls_for_good():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_loaded(pilot, await open_failed_node_log(pilot))
        app.simulator.faults.endless_log_tokens(events=1)
        app.simulator.faults.latency_ms = 10
        await pilot.press("f")
        await run_for(pilot, 0.5)
        await pilot.press("escape")
        await run_for(pilot, 0.3)
        after_grace = logs_calls(app)
        await run_for(pilot, 1.5)
        assert logs_calls(app) - after_grace == 0
