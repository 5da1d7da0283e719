"""The one-line header: where the app is pointed, mode badges, and how fresh the data is.

The freshness field keeps one width whatever it says (`refreshed 06:12:05`, `stale since 06:12:01 (no
credentials)`, `loading…`), so a failed refresh never makes the rest of the line jump; the whole reason is the
header's tooltip (and the problem banner's text when it blocks everything). Below NARROW cells the app's name is left
out and below WIDE the interval, so the target and the badges keep some room.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.errors import LABEL_CELLS
from tui.core.sanitize import clean, fit_cells

NARROW = 78  # content cells (an 80-column terminal less the padding)
WIDE = 98  # from here on, the refresh interval too
FRESHNESS_CELLS = len("stale since 00:00:00 ()") + LABEL_CELLS


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
    stale_label: reactive[str] = reactive("")
    busy: reactive[bool] = reactive(False)
    events: reactive[str] = reactive("")  # "events: live" / "events: polling (reason)"; "" without a queue

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs) -> None:
        super().__init__(**kwargs)
        self.clock = clock

    def watch_stale_reason(self, reason: str) -> None:
        self.tooltip = Text(f"Stale: {clean(reason, max_len=500)}") if reason else None

    def freshness(self) -> Text:
        """The freshness field, FRESHNESS_CELLS wide (right-aligned)."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.refreshed_at)) if self.refreshed_at else None
        if self.stale_reason:
            label = fit_cells(clean(self.stale_label or "failed"), LABEL_CELLS).rstrip()
            field = Text(f"stale since {stamp} ({label})" if stamp else f"no data yet ({label})", style="bold reverse")
        else:
            field = Text(f"refreshed {stamp}" if stamp else "loading…")
        field.pad_left(max(0, FRESHNESS_CELLS - field.cell_len))
        return field

    def render(self) -> Text:
        width = self.content_region.width
        narrow = width < NARROW
        text = Text(no_wrap=True, overflow="ellipsis")
        if not narrow:
            text.append("hyperpod-tui", style="bold")
        for badge in self.badges:  # before the target: a cut line loses the target's tail, not READ-ONLY
            if text.cell_len:
                text.append(" ")
            text.append(f" {badge} ", style="reverse bold")
        if text.cell_len:
            text.append("  ")
        text.append(clean(self.target), style="dim" if not self.target else "")
        right = Text(no_wrap=True)
        right.append("⟳ " if self.busy else "  ", style="bold")
        right.append_text(self.freshness())
        if width >= WIDE:
            right.append(f" · every {self.interval:g}s" if self.interval else " · auto-refresh off")
        if self.events:
            events = clean(self.events, max_len=60)
            if text.cell_len + right.cell_len + len(events) + 5 > width:
                events = events.split(" (", 1)[0].split(" · ", 1)[0]  # narrow: "events: polling", the badges stay
            right.append(" · ")
            right.append(events, style="bold" if self.events == "events: live" else "bold reverse")
        gap = max(1, width - text.cell_len - right.cell_len)
        if text.cell_len + gap + right.cell_len > width:
            text.truncate(max(0, width - right.cell_len - 1), overflow="ellipsis")
            gap = max(1, width - text.cell_len - right.cell_len)
        text.append(" " * gap)
        text.append_text(right)
        return text
