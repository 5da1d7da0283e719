"""WCAG contrast of every text colour the app paints, on every background it paints it on, for a theme.

`PAIRS` lists what the CSS (tui/app.tcss, the widgets' and screens' DEFAULT_CSS, Textual's Footer) and the painters
(resource_table, log_render) combine: a foreground variable over a stack of background layers, bottom first. The
colours are resolved the way Textual resolves them: the theme's generated variables, alpha blended over the layer
below, `auto N%` as the contrasting text colour, Rich's `dim` as Textual's dim blend. `contrast_failures` is what the
theme test checks (WCAG AA: 4.5:1 for normal text), so a new theme file cannot regress it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.color import Color
from textual.constants import DIM_FACTOR
from textual.theme import Theme

AA_NORMAL_TEXT = 4.5

STATUS_VARIABLES = tuple(f"status-{kind}" for kind in ("ok", "progress", "warn", "failed", "gone", "unknown"))
MARKER_VARIABLES = tuple(f"log-marker-{kind}" for kind in ("start", "progress", "success", "failure", "warning"))
# Every colour a table row's text can have (row text, header, sorted header, marks, live columns, statuses).
TABLE_TEXT = ("foreground", "text-accent", "mark", "muted", *STATUS_VARIABLES)
LOG_TEXT = ("foreground", "log-timestamp", *MARKER_VARIABLES)


@dataclass(frozen=True)
class Pair:
    where: str
    foreground: str  # a variable name; "foreground dim" is Rich's dim over that colour
    backgrounds: tuple[str, ...]  # variable names, bottom first; "foreground 3%" is a tint


def _pairs() -> tuple[Pair, ...]:
    pairs: list[Pair] = []

    def add(where: str, foregrounds: tuple[str, ...], *backgrounds: str) -> None:
        pairs.extend(Pair(f"{where}: {fg}", fg, tuple(backgrounds)) for fg in foregrounds)

    # Tables (resource_table.py): the row on the screen, a flashing row, the blurred cursor, the focused cursor.
    add("table row", TABLE_TEXT, "background")
    add("flashing row", TABLE_TEXT, "background", "row-flash")
    add("cursor row, pane not focused", TABLE_TEXT, "background", "cursor-blurred")
    add("cursor row", ("block-cursor-foreground",), "background", "block-cursor-background")
    add("pane title", ("muted", "text"), "background")
    # Header, footer, banners (status_header.py, Textual's Footer, banner.py, shell_tabs.py).
    add("header", ("foreground",), "panel")
    add("footer key", ("footer-key-foreground",), "footer-background", "footer-key-background")
    add("footer description", ("footer-description-foreground",), "footer-background", "footer-description-background")
    add("error banner", ("foreground",), "background", "banner-error")
    add("warning banner", ("foreground",), "background", "banner-warning")
    add("shell info", ("muted",), "background")
    add("ended shell", ("foreground",), "panel")
    add("shell pane", ("foreground",), "background")
    add("shell pane cursor", ("background",), "foreground")
    # Dialogs (confirm.py, action_results.py, help.py, detail.py) on $surface.
    add("dialog", ("foreground", "foreground dim", "muted", "status-warn"), "surface")
    add("dialog dry-run band", ("foreground",), "surface", "banner-warning")
    add("dialog refusal band", ("foreground",), "surface", "banner-error")
    add("detail", STATUS_VARIABLES, "surface")
    add("detail title", ("foreground",), "panel")
    # The log screen (logs.py) and its view (log_view.py, log_render.py).
    add("log title and status", ("foreground", "foreground dim", "muted", "log-marker-failure"), "panel")
    add("log header", ("foreground", *MARKER_VARIABLES), "panel")
    add("log line", LOG_TEXT, "surface")
    add("log line, view focused", LOG_TEXT, "surface", "foreground 3%")
    add("current log line", LOG_TEXT, "surface", "foreground 3%", "cursor-blurred")
    add("search hit", ("foreground", *MARKER_VARIABLES), "surface", "foreground 3%", "log-search-match")
    return tuple(pairs)


PAIRS = _pairs()


def relative_luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast_ratio(first: Color, second: Color) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def theme_variables(theme: Theme) -> dict[str, str]:
    """The CSS variables the app gives Textual for `theme`, merged as `HyperPodApp.get_css_variables` merges them:
    the app's defaults, then Textual's generated colours and shades, then the theme's own variables."""
    from tui.themes import default_variables

    return {**default_variables(), **theme.to_color_system().generate(), **theme.variables}


def _layer(spec: str, variables: Mapping[str, str]) -> tuple[str, float]:
    name, _, percent = spec.partition(" ")
    alpha = float(percent.rstrip("%")) / 100 if percent.endswith("%") else 1.0
    return variables[name], alpha


def resolve(pair: Pair, variables: Mapping[str, str]) -> tuple[Color, Color]:
    """The painted text and background colours of `pair` (opaque)."""
    background = Color(0, 0, 0)
    for spec in pair.backgrounds:
        value, alpha = _layer(spec, variables)
        layer = Color.parse(value)
        background = background + layer.multiply_alpha(alpha)
    name, _, modifier = pair.foreground.partition(" ")
    value = variables[name]
    if value.startswith("auto"):
        percent = value.removeprefix("auto").strip().rstrip("%")
        text = background.get_contrast_text(float(percent) / 100 if percent else 1.0)
    else:
        text = Color.parse(value)
    text = background + text
    if modifier == "dim":
        text = background.blend(text, DIM_FACTOR)
    return text, background


def contrast_failures(theme: Theme, minimum: float = AA_NORMAL_TEXT) -> list[str]:
    """Every pair of `theme` below `minimum`, as readable lines (empty when the theme passes)."""
    variables = theme_variables(theme)
    failures = []
    for pair in PAIRS:
        text, background = resolve(pair, variables)
        ratio = contrast_ratio(text, background)
        if ratio < minimum:
            failures.append(f"{theme.name}: {pair.where} {text.hex} on {background.hex} is {ratio:.2f}:1")
    return failures
