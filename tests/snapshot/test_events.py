"""SVG snapshots of the Events view and of an event's details (snapshots/test_events/), at 120×40 and 80×24.

Times are shown in local time: the tests pin TZ to UTC so the frames do not depend on the machine.
"""

from __future__ import annotations

import time

import pytest

from tests.harness import make_app, settle

SIZES = [(120, 40), (80, 24)]


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def _events(pilot) -> None:
    await settle(pilot)
    await pilot.press("e")  # the first cluster: genai-eks-prod, in Continuous mode
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_events_view(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=_events)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_event_details(snap_compare, size):
    async def run_before(pilot):
        await _events(pilot)
        screen = pilot.app.screen
        failed = next(k for k in screen.table.visible_keys if "has Failed." in screen.table.row(k).text(-1))
        screen.table.move_cursor_to(failed)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
