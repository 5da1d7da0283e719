"""One row of a pyte screen → a Textual Strip, for PtyPane.

pyte keeps colours as names ("red", "brightred", "default", and its own spelling "brown" for yellow and
"bfightmagenta" for one bright magenta) or as six hex digits: 256-colour indices arrive already converted to
hex, truecolor as given. "default" maps to no colour, so the widget's own theme colours show through.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from pyte.screens import Char
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

_ANSI_NUMBERS = {
    "black": 0, "red": 1, "green": 2, "brown": 3, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
    "brightblack": 8, "brightred": 9, "brightgreen": 10, "brightbrown": 11, "brightyellow": 11, "brightblue": 12,
    "brightmagenta": 13, "bfightmagenta": 13, "brightcyan": 14, "brightwhite": 15,
}  # fmt: skip


@lru_cache(maxsize=1024)
def pyte_color(name: str) -> Color | None:
    """A pyte colour name or hex string → a Rich Color; None for "default" or anything unknown."""
    number = _ANSI_NUMBERS.get(name)
    if number is not None:
        return Color.from_ansi(number)
    if len(name) == 6:
        try:
            return Color.from_rgb(int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=4096)
def _style(
    fg: str, bg: str, bold: bool, italics: bool, underscore: bool, strikethrough: bool, reverse: bool, blink: bool
) -> Style:
    return Style(
        color=pyte_color(fg),
        bgcolor=pyte_color(bg),
        bold=bold or None,
        italic=italics or None,
        underline=underscore or None,
        strike=strikethrough or None,
        reverse=reverse or None,
        blink=blink or None,
    )


def char_style(char: Char) -> Style:
    return _style(*char[1:])


def render_row(
    line: Mapping[int, Char],
    columns: int,
    width: int,
    base: Style,
    cursor_x: int | None = None,
    cursor_style: Style | None = None,
) -> Strip:
    """Cells 0..columns-1 of a pyte buffer line as one Strip exactly `width` cells wide.

    Runs of equally styled cells become one Segment. The second cell of a wide character (pyte stores "") is
    skipped, as the first already covers it. `base` (the widget's colours) sits under every cell's own style.
    """
    segments: list[Segment] = []
    run: list[str] = []
    run_key: tuple[object, ...] = ()

    def flush() -> None:
        if run:
            segments.append(Segment("".join(run), _style(*run_key)))
            run.clear()

    for x in range(columns):
        char = line[x]
        if not char.data:
            continue
        key = tuple(char[1:])
        if x == cursor_x:
            flush()
            segments.append(Segment(char.data, char_style(char) + (cursor_style or Style(reverse=True))))
            continue
        if key != run_key:
            flush()
            run_key = key
        run.append(char.data)
    flush()
    return Strip(Segment.apply_style(segments, base)).adjust_cell_length(width, base)
