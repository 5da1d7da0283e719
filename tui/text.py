"""Outside text on its way into Textual: the only doors.

Textual parses a plain `str` as its own content markup almost everywhere it takes one (border titles, `Static`,
`Label`, `Button`, `Tab` labels, palette hits and their help, notifications unless `markup=False`). A string
that came from AWS, a log, a plugin or the user's typing must never get there: `[/]` raises MarkupError and
kills the app, `[@click=app.quit]` or `[link=…]` is acted on. So such text reaches Textual only as a
`rich.text.Text` or a Textual `Content` built from `sanitize.clean` (`plain`, `content`), or through `toast`,
which always notifies with markup off. `tests/reliability/test_text_boundary.py` scans the package for any
other route.

Escaping is not a way round it: `rich.markup.escape` (and `textual.markup.escape`, the same rule) leaves
`[$accent]`, `[B]` and `[ bold]` live under Textual 8's parser and doubles backslashes that Textual shows as
typed. `markup_literal` is right for Textual 8 (every `[` escaped; a test checks it against the parser) and is
used only where Textual offers no plain-text door (a palette hit's help).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.content import Content

from tui.core.sanitize import clean

if TYPE_CHECKING:
    from textual.fuzzy import Matcher
    from textual.message_pump import MessagePump
    from textual.notifications import SeverityLevel

TOAST_LIMIT = 2_000  # characters of a notification's message; a toast is not where a whole log goes


def plain(value: object, *, max_len: int | None = None, style: str | Style = "") -> Text:
    """`value` as clean, unparsed text."""
    return Text(clean(value, max_len=max_len), style=style)


def content(value: object, *, max_len: int | None = None) -> Content:
    """`value` as clean, unparsed Textual content."""
    return Content(clean(value, max_len=max_len))


def markup_literal(value: object, *, max_len: int | None = None) -> str:
    """`value`, cleaned, as Textual 8 markup that shows it literally (and can raise no MarkupError)."""
    return clean(value, max_len=max_len).replace("[", "\\[")


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """A palette hit's text with the fuzzy match highlighted, never parsed as markup (`Matcher.highlight`
    parses its candidate). `candidate` is clean already."""
    result = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return result
    for offset in offsets:
        if not candidate[offset].isspace():
            result = result.stylize(matcher.match_style, offset, offset + 1)
    return result


def toast(
    node: MessagePump,
    message: object,
    *,
    title: object = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """Notify with clean text and markup off: the one way this app raises a notification. Thread-safe, as
    `App.notify` is. `node` is the app itself or any widget or screen in it."""
    from textual.app import App

    app = node if isinstance(node, App) else node.app
    app.notify(
        clean(message, max_len=TOAST_LIMIT),
        title=clean(title, max_len=200),
        severity=severity,
        timeout=timeout,
        markup=False,
    )
