"""A coloured band for things that must not be missed: a credentials problem, a cluster's FailureMessage.

One line, cut with `…` and the key that expands it (`!` unless rebound), so it never takes the nodes pane's rows
at 80×24; expanded, it wraps (at most MAX_EXPANDED lines).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.sanitize import clean

MAX_EXPANDED = 8


class Banner(Widget):
    DEFAULT_CSS = f"""
    Banner {{
        height: 1;
        padding: 0 1;
        display: none;
        &.-expanded {{ height: auto; max-height: {MAX_EXPANDED}; }}
        &.-error {{ display: block; background: $banner-error; color: $foreground; }}
        &.-warning {{ display: block; background: $banner-warning; color: $foreground; }}
    }}
    """

    expanded: reactive[bool] = reactive(False, toggle_class="-expanded", layout=True)
    expand_key: reactive[str] = reactive("!")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._message = Text()

    def show(self, title: str, body: str, *, severity: str = "error") -> None:
        """Show `body` after a bold `title`; both are sanitised here (a title often names an AWS resource)."""
        text = Text()
        text.append(clean(title, max_len=500), style="bold")
        if body:
            text.append("  ")
            text.append(clean(body, max_len=1_500))
        self._message = text
        self.set_class(severity == "error", "-error")
        self.set_class(severity != "error", "-warning")
        self.refresh(layout=True)

    def hide(self) -> None:
        self.remove_class("-error", "-warning")
        self._message = Text()
        self.refresh(layout=True)

    @property
    def shown(self) -> bool:
        return self.has_class("-error") or self.has_class("-warning")

    @property
    def message(self) -> str:
        return self._message.plain

    @property
    def cut(self) -> bool:
        """True when the one-line band does not hold the whole message."""
        return self._message.cell_len > max(0, self.content_region.width)

    def render(self) -> Text:
        width = self.content_region.width
        if self.expanded:
            text = self._message.copy()
            text.append(f"  ({self.expand_key} folds)", style="italic")
            return text
        text = self._message.copy()
        text.no_wrap = True
        if text.cell_len <= width:
            return text
        hint = Text(f" {self.expand_key} more", style="bold reverse")
        text.truncate(max(1, width - hint.cell_len), overflow="ellipsis")
        text.append_text(hint)
        return text
