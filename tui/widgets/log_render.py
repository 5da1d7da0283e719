"""How a `LogView` turns document lines into strips: the caches, the wrap layout and the header row.

Only visible lines are ever built. A line's strip is cached (LRU) unwrapped; in wrap mode its pieces are cached
too. Wrapping cuts every `width` cells, so the first row of each line is arithmetic on cell widths
(`LogDocument.row_starts`), recomputed only when the width, the timestamp column or the line count changes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from tui.core.log_document import hanging_indent, wrap_cuts
from tui.core.sanitize import clean
from tui.core.timeline import format_duration, summarize
from tui.core.wording import plural

if TYPE_CHECKING:
    from tui.widgets.log_view import LogView

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
_STAMP_WIDTH = len("0000-00-00 00:00:00") + 1
HANGING_INDENT = 2  # cells before the further rows of a wrapped line when there is no timestamp column
_SYMBOL_KIND = {"✓": "success", "✗": "failure", "…": "progress"}


@lru_cache(maxsize=16)
def _search_pattern(term: str) -> re.Pattern[str]:
    return re.compile(re.escape(term), 0 if term != term.lower() else re.IGNORECASE)


def search_spans(line: str, term: str) -> list[tuple[int, int]]:
    """Where `term` occurs in `line` (smart case: case-insensitive unless the term has a capital)."""
    return [match.span() for match in _search_pattern(term).finditer(line)] if term else []


class LogRenderer:
    def __init__(self, view: LogView) -> None:
        self.view = view
        self.strips: LRUCache[int, Strip] = LRUCache(1024)
        self.wrapped: LRUCache[int, tuple[int, list[Strip]]] = LRUCache(512)  # index → (width, pieces)
        self._rows: list[int] | None = None
        self._rows_key = (-1, -1, -1)
        self.top_line = 0  # the line last drawn on the first content row
        self._frame: tuple[Style, int] | None = None  # the view's base style and width, looked up once a frame

    # -- caches and layout --------------------------------------------------------------------------------

    def clear(self, *, strips: bool = True) -> None:
        if strips:
            self.strips.clear()
        self.wrapped.clear()
        self._frame = None

    def begin_frame(self) -> tuple[Style, int]:
        """The view's base style and content width: costly lookups, so done once per frame, not per row."""
        self._frame = (self.view.rich_style, self.view.scrollable_content_region.width)
        return self._frame

    def discard(self, index: int) -> None:
        self.strips.discard(index)
        self.wrapped.discard(index)

    def prefix_width(self) -> int:
        return _STAMP_WIDTH if self.view.show_timestamps else 0

    def indent(self) -> int:
        """The hanging indent of wrapped rows: under the text after the timestamp column, else two cells."""
        return self.prefix_width() or HANGING_INDENT

    def stamp(self, stamp_ms: int) -> str:
        tz = self.view.tz
        moment = datetime.fromtimestamp(stamp_ms / 1000, tz) if tz else datetime.fromtimestamp(stamp_ms / 1000)
        return moment.strftime(TIMESTAMP_FORMAT)

    def width(self) -> int:
        return max(1, self.view.scrollable_content_region.width)

    def rows(self) -> list[int]:
        """First row of each line in wrap mode, plus the total (see `LogDocument.row_starts`)."""
        document = self.view.document
        key = (self.width(), self.prefix_width(), len(document))
        if self._rows is None or key != self._rows_key:
            grown = self._rows is not None and key[:2] == self._rows_key[:2] and key[2] > self._rows_key[2]
            self._rows = document.row_starts(key[0], key[1], self._rows if grown else None, self.indent())
            self._rows_key = key
        return self._rows

    def total_rows(self) -> int:
        return self.rows()[-1] if self.view.wrap else len(self.view.document)

    def row_of(self, index: int) -> int:
        if not self.view.wrap:
            return index
        rows = self.rows()
        return rows[max(0, min(index, len(rows) - 1))]

    def line_at_row(self, row: int) -> int:
        if not self.view.wrap:
            return max(0, row)
        return max(0, bisect_right(self.rows(), row) - 1)

    # -- strips ----------------------------------------------------------------------------------------------

    def row_strip(self, y: int) -> Strip:
        """The strip for screen row `y` of the view (row 0 is the header)."""
        view = self.view
        base, width = self._frame or self.begin_frame()
        if y == 0:
            return self.header(width)
        row = round(view.scroll_y) + y - 1
        document = view.document
        if row >= self.total_rows():
            return Strip.blank(width, base)
        index = self.line_at_row(row)
        if y == 1:
            self.top_line = index
        pad = base + view.get_component_rich_style("log-view--pointer", partial=True) if index == view.pointer else base
        if view.wrap:
            pieces = self.wrapped_strips(index, width)
            rows = self.rows()
            return pieces[min(row - rows[index], len(pieces) - 1)].crop_extend(0, width, pad)
        if index >= len(document):
            return Strip.blank(width, base)
        scroll_x = round(view.scroll_x)
        return self.line_strip(index).crop_extend(scroll_x, scroll_x + width, pad)

    def line_strip(self, index: int) -> Strip:
        """The whole line, styled: timestamp column, marker colour, search matches, pointer."""
        cached = self.strips.get(index)
        if cached is not None:
            return cached
        view = self.view
        document = view.document
        line = document.lines[index]
        base = (self._frame or self.begin_frame())[0]
        if index == view.pointer:
            base += view.get_component_rich_style("log-view--pointer", partial=True)
        text = Text(line, style=base, no_wrap=True, end="")
        offset = 0
        if view.show_timestamps:
            stamp = document.times[index]
            label = self.stamp(stamp) if stamp is not None and document.heads[index] else ""
            stamp_style = Style.from_color(view.get_component_rich_style("log-view--timestamp").color)
            offset = self.prefix_width()
            text = Text.assemble((label.ljust(offset), base + stamp_style), text, no_wrap=True, end="")
        hit = document.hits.get(index)
        if hit is not None:
            text.stylize(view.get_component_rich_style(f"log-view--marker-{hit.kind}", partial=True), offset)
        if view.search_term:
            match_style = view.get_component_rich_style("log-view--search-match", partial=True)
            for start, end in search_spans(line, view.search_term):
                text.stylize(match_style, start + offset, end + offset)
        strip = Strip(text.render(view.app.console), text.cell_len)
        self.strips[index] = strip
        return strip

    def wrapped_strips(self, index: int, width: int) -> list[Strip]:
        cached = self.wrapped.get(index)
        if cached is not None and cached[0] == width:  # pieces cut for another width (a first layout) are stale
            return cached[1]
        strip = self.line_strip(index)
        length = strip.cell_length
        if length <= width:
            pieces = [strip]
        else:
            pieces = list(strip.divide(wrap_cuts(length, width, self.indent())))
            indent = hanging_indent(width, self.indent())
            if indent:
                style = (self._frame or self.begin_frame())[0]
                if index == self.view.pointer:
                    style += self.view.get_component_rich_style("log-view--pointer", partial=True)
                pad = Strip.blank(indent, style)
                pieces[1:] = [Strip.join([pad, piece]) for piece in pieces[1:]]
        self.wrapped[index] = (width, pieces)
        return pieces

    def summary(self) -> str:
        """The header's timeline: of the attempt shown when the stream holds several, with the time a running
        attempt (or a provisioning node's log) has been going by the clock, not just to its last line."""
        view = self.view
        document = view.document
        if not len(document):
            return "no log lines yet"
        timeline = document.timeline
        attempt = view.current_attempt() if len(timeline.attempts) > 1 else None
        if attempt is None:
            text = timeline.summary(view.tz)
        else:
            text = f"attempt {attempt.attempt} of {len(timeline.attempts)}: {summarize(attempt, view.tz)}"
        shown = attempt or timeline
        latest = attempt is None or attempt.attempt == len(timeline.attempts)
        if view.clock is not None and latest and shown.started_ms is not None:
            if shown.outcome == "running" or (view.live and shown.outcome not in ("succeeded", "failed")):
                elapsed = int(view.clock() * 1000) - shown.started_ms
                text += f" · {format_duration(max(0, elapsed))} elapsed"
        return text

    def header(self, width: int) -> Strip:
        """Timeline summary on the left (✓ ✗ … in marker colours); search, follow, wrap, position on the right."""
        view = self.view
        document = view.document
        style = view.get_component_rich_style("log-view--header")

        def part(name: str) -> Style:
            return view.get_component_rich_style(name, partial=True)

        left = Text(f" {self.summary()}{'' if view.complete else '  (loading…)'}", style=style, no_wrap=True, end="")
        for position, char in enumerate(left.plain):
            if char in _SYMBOL_KIND:
                left.stylize(part(f"log-view--marker-{_SYMBOL_KIND[char]}"), position, position + 1)
        right = Text(style=style, no_wrap=True, end="")
        if view.search_term:
            current = f"{view.search_current}/" if view.search_current else ""
            right.append(
                f"/{clean(view.search_term, max_len=40)} {current}{plural(len(view.search_lines), 'match', 'matches')}  "
            )
        if view.follow:
            right.append("FOLLOW  ", part("log-view--marker-success"))
        elif view.pending:
            right.append(f"▼ {view.pending:,} new lines (f)  ", part("log-view--indicator"))
        if view.wrap:
            right.append("WRAP  ")
        total = len(document)
        here = view.pointer if view.pointer is not None else self.top_line
        right.append(f"{min(here + 1, total):,}/{total:,} ")
        room = width - right.cell_len
        if left.cell_len > room:
            left.truncate(max(0, room - 1))
            left.append("…" if room > 0 else "", style)
        header = Text.assemble(left, (" " * max(0, room - left.cell_len), style), right, no_wrap=True, end="")
        header.truncate(width)
        return Strip(header.render(view.app.console), header.cell_len).crop_extend(0, width, style)
