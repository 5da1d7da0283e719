"""The base of the messages our widgets post about themselves."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class WidgetMessage(Message):
    """A message about one widget, which is its `control` (so `@on(Message, "#id")` selectors match it)."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    @property
    def control(self) -> Widget:
        return self.widget
