"""A coloured band for things that must not be missed: a credentials problem, a cluster's FailureMessage."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.core.sanitize import clean


class Banner(Static):
    DEFAULT_CSS = """
    Banner {
        height: auto;
        max-height: 6;
        padding: 0 1;
        display: none;
        &.-error { display: block; background: $banner-error; color: $foreground; }
        &.-warning { display: block; background: $banner-warning; color: $foreground; }
    }
    """

    def show(self, title: str, body: str, *, severity: str = "error") -> None:
        """Show `body` under a bold `title`; both are sanitised here (a title often names an AWS resource)."""
        text = Text()
        text.append(clean(title, max_len=500), style="bold")
        if body:
            text.append("  ")
            text.append(clean(body, max_len=1_500))
        self.update(text)
        self.set_class(severity == "error", "-error")
        self.set_class(severity != "error", "-warning")

    def hide(self) -> None:
        self.remove_class("-error", "-warning")
        self.update("")

    @property
    def shown(self) -> bool:
        return self.has_class("-error") or self.has_class("-warning")
