"""A minimal app hosting one LogView, with the real app's themes and theme-variable defaults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.binding import Binding

from tui.themes import default_variables, load_all_themes
from tui.widgets.log_view import LogView

T0 = int(datetime(2026, 1, 21, 12, 0, 0, tzinfo=UTC).timestamp() * 1000)


class LogApp(App):
    CSS = "LogView { height: 1fr; }"
    BINDINGS = [Binding("escape", "back", "Back", id="test-back")]

    def __init__(self, events=None, **options) -> None:
        super().__init__()
        self.events = events
        self.options = options
        self.backs = 0

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def on_mount(self) -> None:
        for theme in load_all_themes().themes.values():
            self.register_theme(theme)
        self.theme = "hyperpod-dark"

    def compose(self) -> ComposeResult:
        yield LogView(self.events, tz=UTC, **self.options)

    def action_back(self) -> None:
        self.backs += 1

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)


def events(*lines, step_ms: int = 1000, start: int = T0) -> list[tuple[int, object]]:
    return [(start + i * step_ms, line) for i, line in enumerate(lines)]


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause()
        await asyncio.sleep(0)


def screen_rows(view: LogView) -> list[str]:
    """The text of every row the view would draw now (row 0 is the header)."""
    return [view.render_line(y).text for y in range(view.size.height)]
