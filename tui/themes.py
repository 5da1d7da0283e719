"""Theme files (TOML) → `textual.theme.Theme`.

Bundled themes and user themes (`$XDG_CONFIG_HOME/hyperpod-tui/themes/*.toml`) go through the same loader. A bad
file is skipped and reported by name and reason; the caller shows all such reports in one notification. Colours
live only in theme files: the app's variable defaults are the default theme's own variables.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from tui.config import DEFAULT_THEME, config_dir
from tui.core.wording import noun

_COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_TOP_KEYS = ("name", "dark", "colors", "variables", "luminosity_spread", "text_alpha")
# The app's own variables: every theme file must define them, so nothing falls back to a surprise colour.
APP_VARIABLES = (
    "status-ok",
    "status-progress",
    "status-warn",
    "status-failed",
    "status-gone",
    "status-unknown",
    "muted",
    "pane-border",
    "cursor-blurred",
    "mark",
    "row-flash",
    "banner-error",
    "banner-warning",
    "log-marker-start",
    "log-marker-progress",
    "log-marker-success",
    "log-marker-failure",
    "log-marker-warning",
    "log-search-match",
    "log-timestamp",
)


class ThemeError(ValueError):
    pass


@dataclass(frozen=True)
class LoadedThemes:
    themes: dict[str, Theme]
    errors: tuple[str, ...]


def bundled_theme_dir() -> Path:
    """`themes/` beside the package in a checkout, or `tui/themes` inside an installed wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "themes", package.parent / "themes"):
        if candidate.is_dir():
            return candidate
    return package / "themes"


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def _color(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ThemeError(f'{where} must be a colour string such as "#4C9BE8"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(f"{where} is not a colour: {value!r}") from None
    return value


def theme_from_mapping(data: Mapping[str, object], source: str) -> Theme:
    unknown = set(data) - set(_TOP_KEYS)
    if unknown:
        raise ThemeError(
            f"unknown {noun(len(unknown), 'key')} {', '.join(sorted(unknown))} (allowed: {', '.join(_TOP_KEYS)})"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError("`name` is missing")
    colors = data.get("colors", {})
    variables = data.get("variables", {})
    if not isinstance(colors, dict) or not isinstance(variables, dict):
        raise ThemeError("[colors] and [variables] must be tables")
    bad = set(colors) - set(_COLOR_KEYS)
    if bad:
        raise ThemeError(
            f"unknown {noun(len(bad), 'colour')} {', '.join(sorted(bad))} (allowed: {', '.join(_COLOR_KEYS)})"
        )
    if "primary" not in colors:
        raise ThemeError("[colors] needs at least `primary`")
    missing = [name for name in APP_VARIABLES if name not in variables]
    if missing:
        raise ThemeError(f"[variables] is missing {', '.join(missing)}")
    theme_colors = {key: _color(value, f"colors.{key}") for key, value in colors.items()}
    theme_variables = {}
    for key, value in variables.items():
        # block-cursor-text-style and the like are not colours; everything else must be.
        theme_variables[str(key)] = value if str(key).endswith("-style") else _color(value, f"variables.{key}")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError("`dark` must be true or false")
    return Theme(name=name.strip(), dark=dark, variables=theme_variables, **theme_colors)  # type: ignore[arg-type]


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"not valid TOML ({exc})") from None
    return theme_from_mapping(data, str(path))


def load_themes(directories: Iterable[Path]) -> LoadedThemes:
    """Every `*.toml` theme in `directories` (later directories override earlier ones by name)."""
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                errors.append(f"{path.name}: {exc}")
                continue
            themes[theme.name] = theme
    return LoadedThemes(themes, tuple(errors))


def load_all_themes() -> LoadedThemes:
    return load_themes([bundled_theme_dir(), user_theme_dir()])


@cache
def default_variables() -> dict[str, str]:
    """The app variables' defaults, for themes that do not define them (Textual's built-in themes)."""
    theme = load_theme_file(bundled_theme_dir() / f"{DEFAULT_THEME}.toml")
    return {key: value for key, value in theme.variables.items() if key in APP_VARIABLES}
