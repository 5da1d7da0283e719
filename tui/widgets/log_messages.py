"""Messages a `LogView` posts about the state a screen may show (follow, unseen lines, search, timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.timeline import Timeline
from tui.widgets.widget_message import WidgetMessage

if TYPE_CHECKING:
    from tui.widgets.log_view import LogView


class LogViewMessage(WidgetMessage):
    """A message about one LogView (its `widget`)."""


class FollowChanged(LogViewMessage):
    """Follow mode went on or off (off by itself when the user scrolls up)."""

    def __init__(self, log_view: LogView, follow: bool) -> None:
        super().__init__(log_view)
        self.follow = follow


class PendingChanged(LogViewMessage):
    """Lines appended while not following ("N new lines"); 0 when they have been caught up with."""

    def __init__(self, log_view: LogView, count: int) -> None:
        super().__init__(log_view)
        self.count = count

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PendingChanged) and message.widget is self.widget


class SearchChanged(LogViewMessage):
    """The search term, how many lines match, and which match (1-based) the pointer is on, if any."""

    def __init__(self, log_view: LogView, term: str, matches: int, current: int | None) -> None:
        super().__init__(log_view)
        self.term = term
        self.matches = matches
        self.current = current


class TimelineChanged(LogViewMessage):
    def __init__(self, log_view: LogView, timeline: Timeline, summary: str) -> None:
        super().__init__(log_view)
        self.timeline = timeline
        self.summary = summary


class Loaded(LogViewMessage):
    """The whole log is in the view (after a background build, for a big one)."""

    def __init__(self, log_view: LogView, lines: int) -> None:
        super().__init__(log_view)
        self.lines = lines


class Saved(LogViewMessage):
    """A save finished: `lines` written to `path`, or `error` (one line)."""

    def __init__(self, log_view: LogView, path: str, lines: int, error: str | None) -> None:
        super().__init__(log_view)
        self.path = path
        self.lines = lines
        self.error = error
