"""The lines a log view shows, with no UI: cleaned text, timestamps, marker hits, timeline, search, wrap rows.

Build it off the event loop for a big log (`LogDocument.from_events` in a worker), then hand it to the view.
A multi-line event (a traceback uploaded as one event) becomes several display lines sharing its timestamp;
every display line passes through `sanitize.clean_log_line` (in bulk).
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace
from itertools import accumulate
from pathlib import Path
from typing import Any, Protocol, cast

from rich.cells import cell_len

from tui.core.markers import MarkerHit, MarkerMatcher, default_matcher
from tui.core.sanitize import clean_log_lines, to_text
from tui.core.timeline import Timeline, build_timeline


class TimedMessage(Protocol):
    """An event with a timestamp (epoch ms, or None) and a message (`log_stream.LogEvent` is one)."""

    @property
    def timestamp(self) -> int | None: ...

    @property
    def message(self) -> object: ...


EventLike = tuple[int | None, object] | TimedMessage

# What one document holds at most. A line is cut at sanitize.LOG_LINE_LIMIT characters already; these bound the
# whole (a hostile or runaway stream must not take the memory). The head is kept: the timeline, the markers and
# the failing stage of a lifecycle log are found from its first lines. Lines past a cap are counted in `dropped`.
MAX_LINES = 200_000
MAX_CHARS = 48 * 1024 * 1024


class LogDocument:
    def __init__(
        self, matcher: MarkerMatcher | None = None, *, max_lines: int | None = None, max_chars: int | None = None
    ) -> None:
        self.matcher = matcher or default_matcher()
        self.max_lines = MAX_LINES if max_lines is None else max_lines
        self.max_chars = MAX_CHARS if max_chars is None else max_chars
        self.chars = 0  # characters held
        self.dropped = 0  # lines not kept because a cap was reached
        self.lines: list[str] = []
        self.times: list[int | None] = []
        self.heads = bytearray()  # 1 where a line begins an event (its timestamp is shown), 0 on continuations
        self.hits: dict[int, MarkerHit] = {}
        self.marker_lines: list[int] = []
        self.timeline: Timeline = build_timeline([], [])
        self.max_cells = 0
        self._cells: list[int] | None = None
        self._folded: list[str] | None = None

    @classmethod
    def from_events(cls, events: Iterable[EventLike], matcher: MarkerMatcher | None = None) -> LogDocument:
        document = cls(matcher)
        document.append(events)
        return document

    def __len__(self) -> int:
        return len(self.lines)

    def append(self, events: Iterable[EventLike]) -> int:
        """Add events (`(timestamp_ms, message)` pairs or objects with those attributes); returns new line count."""
        raw, times, heads = _split_events(events)
        if not raw:
            return 0
        base = len(self.lines)
        room = self.max_lines - base
        if room < len(raw):
            self.dropped += len(raw) - max(0, room)
            raw, times, heads = raw[: max(0, room)], times[: max(0, room)], heads[: max(0, room)]
        cleaned = clean_log_lines(raw)
        size = sum(map(len, cleaned))
        if self.chars + size > self.max_chars:
            keep, total = 0, self.chars
            for line in cleaned:
                if total + len(line) > self.max_chars:
                    break
                total += len(line)
                keep += 1
            self.dropped += len(cleaned) - keep
            cleaned, times, heads, size = cleaned[:keep], times[:keep], heads[:keep], total - self.chars
        if not cleaned:
            return 0
        self.chars += size
        self.lines.extend(cleaned)
        self.times.extend(times)
        self.heads.extend(heads)
        new_hits = self.matcher.classify(cleaned)
        for hit in new_hits:
            index = hit.index + base
            self.hits[index] = hit._replace(index=index)
            self.marker_lines.append(index)
        stamps = [stamp for stamp in times if stamp is not None]
        if (
            new_hits
            or base == 0
            or (stamps and self.timeline.started_ms is not None and min(stamps) < self.timeline.started_ms)
        ):
            self.timeline = build_timeline(list(zip(self.times, self.lines, strict=True)), list(self.hits.values()))
        else:  # no new marker: only the last attempt's end and the clock of a running stage move (a follow poll)
            timeline = self.timeline
            changes: dict[str, Any] = {"end_index": len(self.lines)}
            if stamps:
                changes["last_ms"] = max(stamps) if timeline.last_ms is None else max(timeline.last_ms, *stamps)
                changes["started_ms"] = timeline.started_ms or min(stamps)
            updated = replace(timeline, **changes)
            if timeline.attempts:
                updated = replace(
                    updated, attempts=(*timeline.attempts[:-1], replace(timeline.attempts[-1], **changes))
                )
            self.timeline = updated
        if "".join(cleaned).isascii():
            widest = max(map(len, cleaned))
        else:
            widest = max(len(line) if line.isascii() else cell_len(line) for line in cleaned)
        self.max_cells = max(self.max_cells, widest)
        if self._cells is not None:
            self._cells.extend(_cells(cleaned))
        if self._folded is not None:
            self._folded.extend(line.lower() for line in cleaned)
        return len(cleaned)

    # -- navigation --------------------------------------------------------------------------------------

    def next_marker(self, after: int) -> int | None:
        return next_after(self.marker_lines, after)

    def previous_marker(self, before: int) -> int | None:
        return previous_before(self.marker_lines, before)

    # -- search --------------------------------------------------------------------------------------------

    def search(self, term: str, start: int = 0) -> list[int]:
        """Indexes (from `start`) of the lines containing `term`: case-insensitive unless it has a capital."""
        if not term:
            return []
        if term == term.lower():
            if self._folded is None:
                self._folded = [line.lower() for line in self.lines]
            haystack = self._folded
        else:
            haystack = self.lines
        if start:
            return [index for index in range(start, len(haystack)) if term in haystack[index]]
        return [index for index, line in enumerate(haystack) if term in line]

    # -- wrapping -----------------------------------------------------------------------------------------

    def cells(self) -> list[int]:
        """Cell width of every line (computed on first use, then kept up to date)."""
        if self._cells is None:
            self._cells = _cells(self.lines)
        return self._cells

    def row_starts(self, width: int, prefix: int = 0, known: list[int] | None = None, indent: int = 0) -> list[int]:
        """First screen row of every line when lines are cut every `width` cells, plus the total at the end.

        The first row of a line holds `width` cells (its `prefix` included); each further row starts with a
        hanging `indent` of blank cells and holds `width - indent` cells of the line (see `wrap_cuts`).
        Arithmetic on cell widths only: no line is wrapped here, the view wraps just the lines it shows.
        `known`: the result for a shorter version of this document (same width, prefix and indent), to extend.
        """
        width = max(1, width)
        step = width - hanging_indent(width, indent)
        done = len(known) - 1 if known else 0
        heights = [
            1 if cells + prefix <= width else 1 + (cells + prefix - width + step - 1) // step
            for cells in self.cells()[done:]
        ]
        if known:
            return known + list(accumulate(heights, initial=known[-1]))[1:]
        return [0, *accumulate(heights)]


def hanging_indent(width: int, indent: int) -> int:
    """The indent of a wrapped line's further rows: none when it would leave fewer than 10 cells a row."""
    return indent if 0 < indent <= width - 10 else 0


def wrap_cuts(length: int, width: int, indent: int) -> list[int]:
    """Where a line of `length` cells is cut into rows (the ends of the rows): `width` cells, then
    `width - indent` cells per row, as `LogDocument.row_starts` counts them."""
    width = max(1, width)
    if length <= width:
        return [length]
    step = width - hanging_indent(width, indent)
    return [*range(width, length, step), length]


def _split_events(events: Iterable[EventLike]) -> tuple[list[object], list[int | None], bytearray]:
    """Messages, timestamps and event-start flags; a multi-line message becomes one entry per line."""
    pairs = events if isinstance(events, list) else list(events)
    if not pairs:
        return [], [], bytearray()
    if isinstance(pairs[0], tuple):  # (timestamp, message) pairs and LogEvent named tuples
        columns = list(zip(*cast("list[tuple[int | None, object]]", pairs), strict=False))
        stamps, messages = list(columns[0]), list(columns[1])
    else:
        timed = cast("list[TimedMessage]", pairs)
        stamps = [event.timestamp for event in timed]
        messages = [event.message for event in timed]
    try:
        joined = "".join(messages)
    except TypeError:  # bytes or other values among the messages
        messages = [to_text(message) for message in messages]
        joined = "".join(messages)
    if "\n" not in joined:
        return messages, stamps, bytearray(b"\1") * len(messages)
    raw: list[object] = []
    times: list[int | None] = []
    heads = bytearray()
    for stamp, message in zip(stamps, messages, strict=True):
        parts = message.replace("\r\n", "\n").rstrip("\n").split("\n")
        raw.extend(parts)
        times.extend([stamp] * len(parts))
        heads.append(1)
        heads.extend(bytes(len(parts) - 1))
    return raw, times, heads


def _cells(lines: Iterable[str]) -> list[int]:
    return [len(line) if line.isascii() else cell_len(line) for line in lines]


def next_after(ordered: list[int], after: int) -> int | None:
    position = bisect_right(ordered, after)
    return ordered[position] if position < len(ordered) else None


def previous_before(ordered: list[int], before: int) -> int | None:
    position = bisect_left(ordered, before)
    return ordered[position - 1] if position > 0 else None


def write_lines(
    path: str,
    lines: list[str],
    times: list[int | None],
    heads: bytes,
    stamp: Callable[[int], str],
) -> int:
    """Write lines (timestamp column first, like the view) to `path` atomically, mode 0600; returns the count.

    Runs in a worker thread. The lines are the sanitised ones, so the file is safe to `cat` later.
    """
    target = Path(path).expanduser()
    partial = target.with_name(target.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            for line, moment, head in zip(lines, times, heads, strict=True):
                if moment is not None:
                    label = stamp(moment)
                    handle.write(label if head else " " * len(label))
                    handle.write(" ")
                handle.write(line)
                handle.write("\n")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return len(lines)
