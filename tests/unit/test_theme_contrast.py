"""WCAG AA contrast for every theme file, computed from the theme's resolved variables (tui/theme_contrast.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.color import Color

import tui
from tui.theme_contrast import AA_NORMAL_TEXT, PAIRS, contrast_failures, contrast_ratio, resolve, theme_variables
from tui.themes import bundled_theme_dir, load_theme_file, theme_from_mapping

THEME_FILES = sorted(bundled_theme_dir().glob("*.toml"))
PACKAGE = Path(tui.__file__).resolve().parent


def test_every_bundled_theme_is_checked() -> None:
    assert {path.stem for path in THEME_FILES} >= {"hyperpod-dark", "hyperpod-light", "hyperpod-high-contrast"}


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda path: path.stem)
def test_theme_meets_wcag_aa(path: Path) -> None:
    assert contrast_failures(load_theme_file(path)) == []


def test_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio(Color(118, 118, 118), Color(255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio(Color(10, 20, 30), Color(10, 20, 30)) == pytest.approx(1.0)


def test_a_low_contrast_theme_is_reported_by_name_and_ratio() -> None:
    data = _theme_data("hyperpod-dark")
    data["name"] = "dim-grey"
    data["variables"]["muted"] = "#3A3F45"
    failures = contrast_failures(theme_from_mapping(data, "test"))
    assert any(line.startswith("dim-grey: table row: muted #3A3F45 on #0E1116 is ") for line in failures)
    assert all(float(line.rsplit(" is ", 1)[1].removesuffix(":1")) < AA_NORMAL_TEXT for line in failures)


def test_alpha_and_auto_colours_resolve_over_the_layer_below() -> None:
    variables = theme_variables(load_theme_file(bundled_theme_dir() / "hyperpod-dark.toml"))
    cursor = next(pair for pair in PAIRS if pair.foreground == "block-cursor-foreground")
    text, background = resolve(cursor, variables)
    assert background == Color.parse(variables["block-cursor-background"])
    assert text != background and text.a == 1.0  # "auto 87%": near-black blended over the cursor's blue


_CSS_COLOUR = re.compile(r"(?<![\w-])(color|background|border-title-color|border-subtitle-color):\s*\$([\w-]+)")


def _css_sources() -> list[str]:
    sources = [(PACKAGE / "app.tcss").read_text(encoding="utf-8")]
    for path in PACKAGE.rglob("*.py"):
        if "sim" in path.relative_to(PACKAGE).parts:
            continue
        text = path.read_text(encoding="utf-8")
        sources += re.findall(r'DEFAULT_CSS\s*=\s*"""(.*?)"""', text, flags=re.S)
    return sources


def test_every_colour_variable_the_css_uses_is_in_the_contrast_table() -> None:
    """A new `color: $x` or `background: $x` in the app's CSS must be added to PAIRS, so it is checked."""
    foregrounds = {pair.foreground.split(" ")[0] for pair in PAIRS}
    backgrounds = {layer.split(" ")[0] for pair in PAIRS for layer in pair.backgrounds}
    missing = set()
    for source in _css_sources():
        for prop, name in _CSS_COLOUR.findall(source):
            known = backgrounds if prop == "background" else foregrounds
            if name not in known:
                missing.add(f"{prop}: ${name}")
    assert sorted(missing) == []


def _theme_data(name: str) -> dict:
    import tomllib

    return tomllib.loads((bundled_theme_dir() / f"{name}.toml").read_text(encoding="utf-8"))
