"""`b` on the main screen: the focused cluster's console page, copied with the URL shown when no browser is here."""

from __future__ import annotations

import pytest

from tests.harness import make_app, notices, settle
from tui.controllers import console
from tui.core import clipboard


@pytest.fixture
def no_browser_no_clipboard(monkeypatch):
    tried = []
    monkeypatch.setattr(console, "open_in_browser", lambda url, env: tried.append(url) or False)
    monkeypatch.setattr(clipboard, "copy_native", lambda text: None)
    return tried


async def test_b_copies_the_focused_clusters_console_url_and_shows_it(no_browser_no_clipboard):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        name = screen.state.focus
        await pilot.press("b")
        await settle(pilot)
        url = f"https://us-west-2.console.aws.amazon.com/sagemaker/home?region=us-west-2#/cluster-management/{name}"
        assert no_browser_no_clipboard == [url]  # a browser was tried first
        assert app.clipboard == url
        assert any(url in text and "OSC 52" in text for text, _ in notices(app))
