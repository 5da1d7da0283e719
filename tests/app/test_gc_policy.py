"""The collector's start-up policy (tui/gc_policy.py), through the same start-up seam `cli.main` uses."""

from __future__ import annotations

import gc

from tests.harness import settle
from tui import gc_policy, startup
from tui.config import Settings


async def test_the_collector_is_paused_for_startup_and_back_on_after_the_first_refresh():
    gc_policy.pause_for_startup()  # what cli.main does first
    try:
        assert not gc.isenabled()
        app = startup.prepare(Settings(demo=True, refresh=0.0)).app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.screen.query_one("#clusters").row_count > 0  # the first refresh ran
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0  # the start-up heap is out of the collector's view
    finally:
        gc.enable()


def test_main_pauses_the_collector_and_gives_it_back_to_an_in_process_caller(capsys, monkeypatch):
    from tui import cli

    seen = []
    monkeypatch.setattr(cli, "_run_headless", lambda *args, **kwargs: seen.append(gc.isenabled()) or 0)
    assert cli.main(["clusters", "--demo", "--json"]) == 0
    assert seen == [False]  # the headless command ran with the collector paused
    assert gc.isenabled()  # and the in-process caller got it back
