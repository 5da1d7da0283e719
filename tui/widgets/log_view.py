"""`LogView`: a lifecycle log, rendered lazily line by line, with markers, timeline, search, follow, wrap, save.

Row 0 is a fixed header (the timeline summary and the view's state); every other row is built on demand by
`render_line` (see `log_render.LogRenderer`: LRU strip caches, cleared on a theme change and whenever width,
wrap, timestamps or the search change). The text comes from a `LogDocument`, already sanitised.
Keys are bindings with ids; each has a public method so a screen can drive the view without keys.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, tzinfo
from functools import partial

from textual import on, work
from textual.actions import SkipAction
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.core.log_document import EventLike, LogDocument, next_after, previous_before, write_lines
from tui.core.markers import MarkerMatcher
from tui.core.timeline import Timeline
from tui.core.wording import plural
from tui.text import toast
from tui.widgets.log_prompt import LogPrompt, default_save_path
from tui.widgets.log_render import LogRenderer
from tui.widgets.widget_message import WidgetMessage

__all__ = ["LogView", "default_save_path"]

BACKGROUND_BUILD = 20_000  # events; above this `load` shows the head at once and builds the rest in a thread
HEAD_EVENTS = 2_000


class LogView(ScrollView, can_focus=True):
    """A lazily rendered lifecycle log."""

    # --- messages about the state a screen may show (follow, unseen lines, search, timeline) ---

    class FollowChanged(WidgetMessage):
        """Follow mode went on or off (off by itself when the user scrolls up)."""

        def __init__(self, log_view: LogView, follow: bool) -> None:
            super().__init__(log_view)
            self.follow = follow

    class PendingChanged(WidgetMessage):
        """Lines appended while not following ("N new lines"); 0 when they have been caught up with."""

        def __init__(self, log_view: LogView, count: int) -> None:
            super().__init__(log_view)
            self.count = count

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.PendingChanged) and message.widget is self.widget

    class SearchChanged(WidgetMessage):
        """The search term, how many lines match, and which match (1-based) the pointer is on, if any."""

        def __init__(self, log_view: LogView, term: str, matches: int, current: int | None) -> None:
            super().__init__(log_view)
            self.term = term
            self.matches = matches
            self.current = current

    class TimelineChanged(WidgetMessage):
        def __init__(self, log_view: LogView, timeline: Timeline, summary: str) -> None:
            super().__init__(log_view)
            self.timeline = timeline
            self.summary = summary

    class AttemptChanged(WidgetMessage):
        """The attempt (1-based, of `count`) holding the pointer, or the top line, is another one now."""

        def __init__(self, log_view: LogView, attempt: int, count: int) -> None:
            super().__init__(log_view)
            self.attempt = attempt
            self.count = count

    class Loaded(WidgetMessage):
        """The whole log is in the view (after a background build, for a big one)."""

        def __init__(self, log_view: LogView, lines: int) -> None:
            super().__init__(log_view)
            self.lines = lines

    class Saved(WidgetMessage):
        """A save finished: `lines` written to `path`, or `error` (one line)."""

        def __init__(self, log_view: LogView, path: str, lines: int, error: str | None) -> None:
            super().__init__(log_view)
            self.path = path
            self.lines = lines
            self.error = error

    COMPONENT_CLASSES = {
        "log-view--header",
        "log-view--timestamp",
        "log-view--pointer",
        "log-view--indicator",
        "log-view--marker-start",
        "log-view--marker-progress",
        "log-view--marker-success",
        "log-view--marker-failure",
        "log-view--marker-warning",
        "log-view--search-match",
    }
    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow: auto auto;
        scrollbar-gutter: stable;
        &:focus { background-tint: $foreground 3%; }
        & > .log-view--header { background: $panel; color: $foreground; }
        & > .log-view--indicator { color: $log-marker-warning; text-style: bold; }
        & > .log-view--timestamp { color: $log-timestamp; }
        & > .log-view--pointer { background: $cursor-blurred; }
        & > .log-view--marker-start { color: $log-marker-start; text-style: bold; }
        & > .log-view--marker-progress { color: $log-marker-progress; }
        & > .log-view--marker-success { color: $log-marker-success; text-style: bold; }
        & > .log-view--marker-failure { color: $log-marker-failure; text-style: bold; }
        & > .log-view--marker-warning { color: $log-marker-warning; }
        & > .log-view--search-match { background: $log-search-match; text-style: bold underline; }
    }
    """
    BINDINGS = [
        Binding("n", "next", "Next", id="log-next-marker", tooltip="Next marker, or next match while searching"),
        Binding("N", "previous", "Prev", id="log-previous-marker", tooltip="Previous marker or match"),
        Binding("e", "first_failure", "Failure", id="log-first-failure", tooltip="Jump to the first failure line"),
        # priority: runs as the app receives `/`, so the letters typed right after it reach the prompt (type-ahead;
        # see screens/main.py PROMPT_ACTIONS); off while the prompt itself has focus (there `/` is text)
        Binding("slash", "search", "Search", id="log-search", tooltip="Highlight a term in every line", priority=True),
        Binding("escape", "end_search", "End search", id="log-end-search", show=False, tooltip="Clear the search"),
        Binding(
            "f",
            "toggle_follow",
            "Follow",
            id="log-follow",
            tooltip="To the last line, then follow new lines as they arrive (as less +F)",
        ),
        Binding("w", "toggle_wrap", "Wrap", id="log-wrap", tooltip="Wrap long lines"),
        Binding("t", "toggle_timestamps", "Time", id="log-timestamps", tooltip="Show event timestamps"),
        Binding("s", "save", "Save", id="log-save", tooltip="Save the log to a file"),
        Binding(
            "right_square_bracket",
            "next_attempt",
            "Attempt",
            id="log-next-attempt",
            tooltip="Next attempt of the lifecycle scripts, when the stream holds several",
        ),
        Binding(
            "left_square_bracket",
            "previous_attempt",
            "Prev attempt",
            id="log-previous-attempt",
            show=False,
            tooltip="Previous attempt of the lifecycle scripts",
        ),
        Binding("g,home", "top", "Top", id="log-top", show=False, tooltip="First line (n then finds the first marker)"),
        Binding("G,end", "bottom", "Bottom", id="log-bottom", show=False, tooltip="Last line (N: the last marker)"),
    ]

    follow: reactive[bool] = reactive(False, init=False)
    wrap: reactive[bool] = reactive(False, init=False)
    show_timestamps: reactive[bool] = reactive(True, init=False)

    def __init__(
        self,
        events: Iterable[EventLike] | None = None,
        *,
        document: LogDocument | None = None,
        matcher: MarkerMatcher | None = None,
        follow: bool = False,
        wrap: bool = False,
        timestamps: bool = True,
        tz: tzinfo | None = UTC,
        save_path: str = "~/hyperpod-lifecycle.log",
        clock: Callable[[], float] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.matcher = matcher
        self.document = document or LogDocument(matcher)
        self.tz = tz  # for timestamps and the summary; None means local time
        self.save_path = save_path
        self.clock = clock  # seconds since the epoch: a running attempt's header says how long it has been going
        self.live = False  # the node is still provisioning: the header shows the time elapsed even without markers
        self.pointer: int | None = None
        self._edge: int | None = None  # after g / G: where n / N count from (-1, or the line count)
        self._attempt_shown = 0  # the attempt last reported by AttemptChanged
        self.pending = 0
        self.search_term = ""
        self.search_lines: list[int] = []
        self.search_current: int | None = None
        self._search_origin: int | None = None  # where an incremental search started
        self.complete = True
        self.renderer = LogRenderer(self)
        self._initial = list(events) if events is not None else None
        self._generation = 0
        self._held: list[list[EventLike]] = []  # appends that arrive while a background build runs
        self._prompt: LogPrompt | None = None
        self.set_reactive(LogView.follow, follow)
        self.set_reactive(LogView.wrap, wrap)
        self.set_reactive(LogView.show_timestamps, timestamps)

    # -- content ---------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self._initial is not None:
            events, self._initial = self._initial, None
            self.load(events)
        else:
            self.set_document(self.document)

    def load(self, events: Iterable[EventLike]) -> None:
        """Show these events. A big log shows its head at once; a thread builds the rest (then `Loaded`)."""
        events = list(events)  # a private copy: a background build must not see later changes
        self._generation += 1
        self._held = []
        if len(events) <= BACKGROUND_BUILD:
            self.set_document(LogDocument.from_events(events, self.matcher))
            return
        self.set_document(LogDocument.from_events(events[:HEAD_EVENTS], self.matcher), complete=False)
        # Start the build once the head is on screen: the thread competes for the GIL with the first paint.
        self.call_after_refresh(self._build, events, self._generation)

    @work(thread=True, exclusive=True, group="log-build", exit_on_error=False)
    def _build(self, events: list[EventLike], generation: int) -> None:
        document = LogDocument.from_events(events, self.matcher)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._built, document, generation)

    def _built(self, document: LogDocument, generation: int) -> None:
        if generation == self._generation:
            held, self._held = self._held, []
            for chunk in held:
                document.append(chunk)
            self.set_document(document, keep_position=True)

    def set_document(self, document: LogDocument, *, keep_position: bool = False, complete: bool = True) -> None:
        """Show a document built elsewhere (`LogDocument.from_events` in a worker, for a big log)."""
        self.document = document
        self.complete = complete
        if not keep_position:
            self.pointer, self.pending, self._edge = None, 0, None
        if self.search_term:
            self.search_lines = document.search(self.search_term)
            self._post_search()
        self._invalidate(layout=True)
        if self.follow:
            self._scroll_to_end()
        elif not keep_position:
            self.scroll_to(y=0, animate=False)
        self.post_message(self.TimelineChanged(self, document.timeline, document.timeline.summary(self.tz)))
        self._report_attempt(force=True)
        if complete:
            self.post_message(self.Loaded(self, len(document)))

    def append_events(self, events: Iterable[EventLike], *, new: bool = True) -> int:
        """Add events at the end (follow polls, later pages). `new=False`: don't count them as unseen."""
        chunk = events if isinstance(events, list) else list(events)
        if not chunk:
            return 0
        if not self.complete:
            self._held.append(chunk)
            return 0
        document = self.document
        start, before = len(document), document.timeline
        added = document.append(chunk)
        if self.search_term:
            self.search_lines.extend(document.search(self.search_term, start))
            self._post_search()
        self._invalidate(layout=True, strips=False)
        if document.timeline != before:
            self.post_message(self.TimelineChanged(self, document.timeline, document.timeline.summary(self.tz)))
            if len(document.timeline.attempts) != len(before.attempts):
                self._report_attempt(force=True)
        if self.follow:
            self._scroll_to_end()
        elif new:
            self.pending += added
            self.post_message(self.PendingChanged(self, self.pending))
        return added

    # -- navigation -------------------------------------------------------------------------------------------

    def next_marker(self) -> int | None:
        return self._jump(next_after(self.document.marker_lines, self._anchor(forward=True)), "marker")

    def previous_marker(self) -> int | None:
        return self._jump(previous_before(self.document.marker_lines, self._anchor(forward=False)), "marker")

    def next_match(self) -> int | None:
        found = next_after(self.search_lines, self._anchor(forward=True))
        if found is None and self.search_lines:  # wrap around, as less and vim do, and say so
            found = self.search_lines[0]
            toast(self, "Search wrapped around to the first match.", timeout=2)
        return self._jump(found, "match")

    def previous_match(self) -> int | None:
        found = previous_before(self.search_lines, self._anchor(forward=False))
        if found is None and self.search_lines:
            found = self.search_lines[-1]
            toast(self, "Search wrapped around to the last match.", timeout=2)
        return self._jump(found, "match")

    def first_failure(self) -> int | None:
        """The first failure line of the attempt shown, else of the latest attempt that has one."""
        timeline = self.document.timeline
        here = self.current_attempt()
        candidates = [here] if here is not None else []
        candidates += list(reversed(timeline.attempts)) or [timeline]
        first = next((attempt.first_failure for attempt in candidates if attempt.first_failure is not None), None)
        if first is None:
            toast(self, "No failure lines in this log.", timeout=3)
            return None
        return self._goto_noting_attempt(first.index)

    # -- attempts (a stream the scripts ran in several times) ---------------------------------------------

    @property
    def attempts(self) -> tuple[Timeline, ...]:
        return self.document.timeline.attempts

    def attempt_of(self, index: int) -> Timeline | None:
        """The attempt line `index` belongs to (None when the stream marks no attempts)."""
        attempts = self.attempts
        if not attempts:
            return None
        position = bisect_right([attempt.begin_index for attempt in attempts], index) - 1
        return attempts[max(0, position)]

    def current_attempt(self) -> Timeline | None:
        """The attempt holding the pointer while it is on screen, else the top line's."""
        if not self.attempts:
            return None
        if self.pointer is not None and (self._on_screen(self.pointer) or not self.is_mounted):
            return self.attempt_of(self.pointer)
        return self.attempt_of(self.renderer.line_at_row(round(self.scroll_y)))

    def goto_attempt(self, number: int) -> int | None:
        """Point at the first line of attempt `number` (1-based) and put it at the top."""
        attempts = self.attempts
        if not 1 <= number <= len(attempts):
            return None
        attempt = attempts[number - 1]
        start = next(
            (index for index in self.document.marker_lines if attempt.begin_index <= index < attempt.end_index),
            attempt.begin_index,
        )  # HyperPod's "Downloading lifecycle scripts" line (attempt 1 may have lines before it)
        start = min(start, attempt.begin_index) if number == 1 else start
        self.follow = False
        self._point_at(start)
        self.scroll_to(y=self.renderer.row_of(start), animate=False)
        self.refresh()
        self._report_attempt()
        return start

    def next_attempt(self) -> int | None:
        here = self.current_attempt()
        if here is None or here.attempt >= len(self.attempts):
            toast(self, "No later attempt." if here is not None else "This log holds one attempt.", timeout=2)
            return None
        return self.goto_attempt(here.attempt + 1)

    def previous_attempt(self) -> int | None:
        here = self.current_attempt()
        if here is None:
            toast(self, "This log holds one attempt.", timeout=2)
            return None
        pointer_at_start = self.pointer is not None and self.pointer <= here.begin_index + 1
        if here.attempt > 1 and (pointer_at_start or self.pointer is None):
            return self.goto_attempt(here.attempt - 1)
        if here.attempt == 1 and (pointer_at_start or self.pointer is None):
            toast(self, "No earlier attempt.", timeout=2)
            return None
        return self.goto_attempt(here.attempt)  # first back to the start of this attempt, as [ in an editor

    def _goto_noting_attempt(self, index: int) -> int:
        """`goto_line`, and a note when the line is in another attempt than the one shown before."""
        before = self.current_attempt()
        self.goto_line(index)
        after = self.attempt_of(index)
        if after is not None and (before is None or before.attempt != after.attempt):
            toast(self, f"Attempt {after.attempt} of {len(self.attempts)}", timeout=2)
        return index

    def refresh_header(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))

    def _report_attempt(self, *, force: bool = False) -> None:
        here = self.current_attempt()
        number = here.attempt if here is not None else 0
        if force or number != self._attempt_shown:
            self._attempt_shown = number
            self.refresh_header()  # the header names the attempt
            if force:
                self.refresh_bindings()
            self.post_message(self.AttemptChanged(self, number, len(self.attempts)))

    def goto_line(self, index: int) -> int:
        """Point at a line and scroll it into view (centred if it was off screen). Stops following."""
        index = max(0, min(index, len(self.document) - 1))
        self.follow = False
        self._point_at(index)
        row, top, height = self.renderer.row_of(index), round(self.scroll_y), self._page_rows()
        if not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 2), animate=False)
        self.refresh()
        return index

    def go_top(self) -> None:
        """Point at line 1 and scroll to it; n then finds the first marker, even on line 1 itself."""
        self.follow = False
        if len(self.document):
            self._point_at(0)
            self._edge = -1
        self.scroll_to(y=0, animate=False)
        self._report_attempt()

    def go_bottom(self) -> None:
        """Scroll to the end and point at the last line; N then finds the last marker, even on the last line
        (follow stays as it is)."""
        if len(self.document):
            self._point_at(len(self.document) - 1)
            self._edge = len(self.document)
        self.scroll_to(y=self.max_scroll_y, animate=False)
        self._report_attempt()

    def _point_at(self, index: int) -> None:
        for line in (self.pointer, index):
            if line is not None:
                self.renderer.discard(line)
        self.pointer, self._edge = index, None
        self.refresh()
        if self.is_mounted:
            self.call_after_refresh(self._report_attempt)

    # -- search ----------------------------------------------------------------------------------------------

    def set_search(self, term: str) -> int:
        """Highlight `term` in every line, all lines staying visible; moves to the first match from here on."""
        self.search_term = term
        self.search_lines = self.document.search(term) if term else []
        self._invalidate()
        if self.search_lines:
            origin = self._search_origin if self._search_origin is not None else self._anchor(forward=True)
            following = next_after(self.search_lines, origin)
            self.goto_line(following if following is not None else self.search_lines[0])
        self._post_search()
        return len(self.search_lines)

    def end_search(self) -> None:
        self.set_search("")

    def _post_search(self) -> None:
        position = bisect_left(self.search_lines, self.pointer) if self.pointer is not None else -1
        found = 0 <= position < len(self.search_lines) and self.search_lines[position] == self.pointer
        self.search_current = position + 1 if found else None
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.SearchChanged(self, self.search_term, len(self.search_lines), self.search_current))

    # -- prompts and saving -----------------------------------------------------------------------------------

    def open_prompt(self, purpose: str) -> LogPrompt | None:
        """Mount the search (`"search"`) or save-path (`"save"`) prompt below the view and focus it."""
        if self._prompt is not None and self._prompt.is_mounted:
            self._prompt.focus_now()
            return self._prompt
        parent = self.parent
        if not isinstance(parent, Widget):
            return None
        if purpose == "search":
            self._search_origin = self._anchor(forward=True)
            prompt = LogPrompt(self, "search", self.search_term, "search: Enter keeps it, Esc clears")
        else:
            prompt = LogPrompt(self, "save", self.save_path, "save to: path")
        self._prompt = prompt
        parent.mount(prompt, after=self)
        prompt.focus_now()  # at once: the keys queued after `/` are forwarded to it, after its own mount
        return prompt

    def prompt_finished(self, prompt: LogPrompt, value: str, *, accepted: bool) -> None:
        if prompt.purpose == "search" and not accepted:
            self.end_search()
        elif prompt.purpose == "save" and accepted and value.strip():
            self.save(value.strip())
        self._prompt, self._search_origin = None, None
        prompt.remove()
        self.focus()

    def save(self, path: str) -> None:
        """Write the log as shown (sanitised, timestamp column) to `path` off the event loop; posts `Saved`."""
        document, count = self.document, len(self.document)
        self._write(path, document.lines[:count], document.times[:count], bytes(document.heads[:count]))

    @work(thread=True, exclusive=True, group="log-save", exit_on_error=False)
    def _write(self, path: str, lines: list[str], times: list[int | None], heads: bytes) -> None:
        try:
            written = write_lines(path, lines, times, heads, self.renderer.stamp)
        except OSError as error:
            self.post_message(self.Saved(self, path, 0, f"{type(error).__name__}: {error.strerror or error}"))
        else:
            self.post_message(self.Saved(self, path, written, None))

    @on(Saved)
    def _report_saved(self, message: LogView.Saved) -> None:
        if message.error:
            toast(self, f"Could not save {message.path}: {message.error}", severity="error")
        else:
            toast(self, f"Saved {plural(message.lines, 'line')} to {message.path}")

    # -- actions (the keys) -----------------------------------------------------------------------------------

    def action_next(self) -> None:
        before = self.current_attempt()
        self.next_match() if self.search_term else self.next_marker()
        self._note_attempt(before)

    def action_previous(self) -> None:
        before = self.current_attempt()
        self.previous_match() if self.search_term else self.previous_marker()
        self._note_attempt(before)

    def _note_attempt(self, before: Timeline | None) -> None:
        after = self.attempt_of(self.pointer) if self.pointer is not None else None
        if after is not None and before is not None and after.attempt != before.attempt:
            toast(self, f"Attempt {after.attempt} of {len(self.attempts)}", timeout=2)

    def action_next_attempt(self) -> None:
        self.next_attempt()

    def action_previous_attempt(self) -> None:
        self.previous_attempt()

    action_first_failure = first_failure
    action_top = go_top
    action_bottom = go_bottom

    def action_search(self) -> None:
        self.open_prompt("search")

    def action_end_search(self) -> None:
        if not self.search_term:
            raise SkipAction()  # Esc goes on to the screen (back)
        self.end_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a search, Esc is not ours: the screen's Esc (back) is the one shown in the footer and run.
        if action == "end_search":
            return bool(self.search_term)
        if action in ("next_attempt", "previous_attempt"):
            return len(self.attempts) > 1  # shown only where a stream holds several
        if action == "search":
            return self.screen.focused is self  # in the prompt (or elsewhere) the key is not ours
        return True

    def action_toggle_follow(self) -> None:
        """As `less +F`: to the last line, then keep up with new lines; f again (or scrolling up) stops."""
        self.follow = not self.follow

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def action_toggle_timestamps(self) -> None:
        self.show_timestamps = not self.show_timestamps

    def action_save(self) -> None:
        self.open_prompt("save")

    # -- state and events --------------------------------------------------------------------------------------

    def watch_follow(self, follow: bool) -> None:
        if follow:
            self.pending = 0
            self.post_message(self.PendingChanged(self, 0))
            if len(self.document):
                self._point_at(len(self.document) - 1)
            self._scroll_to_end()
            if self.is_mounted:  # once more after the layout: the last rows may not be counted yet
                self.call_after_refresh(self._scroll_to_end)
        self.refresh()
        self.post_message(self.FollowChanged(self, follow))

    def watch_wrap(self) -> None:
        self._relayout_keeping_top()

    def watch_show_timestamps(self) -> None:
        self._relayout_keeping_top()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # An upward scroll that leaves the bottom is the user reading back: stop following.
        if self.follow and new_value < old_value and new_value < self.max_scroll_y:
            self.follow = False
        if self.attempts and self.pointer is None or (self.pointer is not None and not self._on_screen(self.pointer)):
            self._report_attempt()

    def on_resize(self) -> None:
        self._invalidate(layout=True, strips=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.renderer.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.renderer.begin_frame()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        return self.renderer.row_strip(y)

    # -- helpers ----------------------------------------------------------------------------------------------

    def _invalidate(self, *, layout: bool = False, strips: bool = True) -> None:
        self.renderer.clear(strips=strips)
        if layout:
            if self.wrap:
                self.virtual_size = Size(self.renderer.width(), self.renderer.total_rows() + 1)
            else:
                self.virtual_size = Size(self.document.max_cells + self.renderer.prefix_width(), len(self.document) + 1)
        self.refresh()

    def _relayout_keeping_top(self) -> None:
        """Wrap or timestamps changed the rows: keep the pointer (or the top line) where the reader was."""
        top = self.pointer if self.pointer is not None and self._on_screen(self.pointer) else self.renderer.top_line
        self._invalidate(layout=True)
        if self.follow:
            self.call_after_refresh(self._scroll_to_end)
        else:
            self.call_after_refresh(partial(self.scroll_to, y=self.renderer.row_of(top), animate=False))

    def _on_screen(self, index: int) -> bool:
        row, top = self.renderer.row_of(index), round(self.scroll_y)
        return top <= row < top + self._page_rows()

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _anchor(self, *, forward: bool) -> int:
        """Where n/N count from: the pointer while it is on screen, else the top of the screen. Right after
        g (G) n (N) counts from before the first (after the last) line, so a marker there is found."""
        if self._edge is not None and self.pointer is not None and self._on_screen(self.pointer):
            if forward == (self._edge < 0):
                return self._edge
        if self.pointer is not None and self._on_screen(self.pointer):
            return self.pointer
        top = self.renderer.line_at_row(round(self.scroll_y))
        return top - 1 if forward else top

    def _jump(self, index: int | None, what: str) -> int | None:
        if index is None:
            toast(self, f"No more {what}{'es' if what == 'match' else 's'} that way.", timeout=2)
            return None
        self.goto_line(index)
        if what == "match":
            self._post_search()
        return index

    def _scroll_to_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, force=True)
