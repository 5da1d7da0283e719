"""What the app actually paints meets WCAG AA in every bundled theme: every text cell of the composed screen
(main screen with a focused and a blurred cursor and a mark; the log view with the current line and a search hit
on a marker line) is measured against the cell's own background. This checks tui/theme_contrast.py's table of
pairs against the real CSS and painters."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.constants import DIM_FACTOR

from tests.harness import make_app, settle
from tui.screens.logs import LogScreen
from tui.theme_contrast import AA_NORMAL_TEXT, contrast_ratio
from tui.themes import bundled_theme_dir

THEMES = sorted(path.stem for path in bundled_theme_dir().glob("*.toml"))
SIZE = (130, 40)
# Borders, scrollbars and bars are not text.
NOT_TEXT = set(" ╭╮╰╯─│━┃▔▁▕▏▎▊▌▐█▀▄▅▆▇▂▃┆┊╌╎")


def low_contrast_cells(app) -> list[str]:
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    failures: set[str] = set()
    for line in update.strips:
        for strip in line:
            segment: Segment
            for segment in strip:
                text, style = segment.text, segment.style
                if style is None or not set(text) - NOT_TEXT or style.color is None or style.bgcolor is None:
                    continue
                fg = Color.from_rich_color(style.color)
                bg = Color.from_rich_color(style.bgcolor)
                if style.reverse:
                    fg, bg = bg, fg
                if style.dim:
                    fg = bg.blend(fg, DIM_FACTOR)
                ratio = contrast_ratio(fg, bg)
                if ratio < AA_NORMAL_TEXT:
                    failures.add(f"{text.strip()[:30]!r} {fg.hex} on {bg.hex}: {ratio:.2f}")
    return sorted(failures)


@pytest.mark.parametrize("theme", THEMES)
async def test_main_screen_text_meets_aa(theme: str) -> None:
    app = make_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster("llm-pretrain-slurm")
        await settle(pilot)
        main.jump_to_node(app.simulator.landmarks["failed_node"])
        await settle(pilot)
        await pilot.press("space", "down")
        await settle(pilot)
        assert low_contrast_cells(app) == []


@pytest.mark.parametrize("theme", THEMES)
async def test_log_view_text_meets_aa(theme: str, monkeypatch) -> None:
    monkeypatch.setattr(LogScreen, "follow_interval", 3600.0)
    app = make_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        main.jump_to_cluster("llm-pretrain-slurm")
        await settle(pilot)
        main.jump_to_node(app.simulator.landmarks["failed_node"])
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        await pilot.press("slash", *"SCRIPT", "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert low_contrast_cells(app) == []
