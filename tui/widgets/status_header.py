"""The one-line header: where the app is pointed, mode badges, and how fresh the data is."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.sanitize import clean


class StatusHeader(Widget):
    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    target: reactive[str] = reactive("")
    badges: reactive[tuple[str, ...]] = reactive(())
    refreshed_at: reactive[float | None] = reactive(None)
    interval: reactive[float] = reactive(0.0)
    stale_reason: reactive[str] = reactive("")
    busy: reactive[bool] = reactive(False)
    events: reactive[str] = reactive("")  # "events: live" / "events: polling (reason)"; "" without a queue

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("hyperpod-tui", style="bold")
        text.append("  ")
        text.append(clean(self.target), style="dim" if not self.target else "")
        for badge in self.badges:
            text.append("  ")
            text.append(f" {badge} ", style="reverse bold")
        right = Text(no_wrap=True)
        if self.busy:
            right.append("⟳ ", style="bold")
        if self.stale_reason:
            right.append(f"stale: {clean(self.stale_reason, max_len=90)}", style="bold reverse")
            right.append(" ")
        if self.refreshed_at is not None:
            stamp = time.strftime("%H:%M:%S", time.localtime(self.refreshed_at))
            right.append(f"refreshed {stamp}")
        else:
            right.append("loading…")
        right.append(f" · every {self.interval:g}s" if self.interval else " · auto-refresh off")
        width = self.content_region.width
        if self.events:
            events = clean(self.events, max_len=60)
            if text.cell_len + right.cell_len + len(events) + 5 > width:
                events = events.split(" (", 1)[0].split(" · ", 1)[0]  # narrow: "events: polling", the badges stay
            right.append(" · ")
            right.append(events, style="bold" if self.events == "events: live" else "bold reverse")
        gap = max(2, width - text.cell_len - right.cell_len)
        if text.cell_len + gap + right.cell_len > width:
            text.truncate(max(0, width - right.cell_len - 2), overflow="ellipsis")
            gap = max(1, width - text.cell_len - right.cell_len)
        text.append(" " * gap)
        text.append_text(right)
        return text
