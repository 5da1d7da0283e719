"""LogView in a minimal app: inert rendering of hostile text, keys, search, follow, wrap, timestamps, save."""

from __future__ import annotations

import os
import stat

from tests.app.log_app import T0, LogApp, events, screen_rows, wait_for
from tests.harness import notices
from tui.core.sanitize import LOG_LINE_LIMIT
from tui.themes import load_all_themes
from tui.widgets.log_view import LogView

MEGABYTE_LINE = "A" * 1_048_576
HOSTILE = events(
    "clipboard \x1b]52;c;ZWNobyBwd25lZA==\x07 write",
    "\x1b[2Jcleared screen",
    "[bold red]x[/]",
    "nul\x00byte",
    b"bad utf-8 \xff\xfe\xc3",
    MEGABYTE_LINE,
    "bell\x07 and backspace\x08 and \x9b31m C1 CSI",
)

BRIEF_LOG = events(
    "[LIFECYCLE_SCRIPT_START] Starting lifecycle script execution",  # 0
    "[SCRIPT_DOWNLOAD_START] Downloading script from s3://bucket/path/script.sh",  # 1
    "[SCRIPT_DOWNLOAD_COMPLETE] Script download completed",  # 2
    "installing packages",  # 3
    "WARNING: apt does not have a stable CLI interface.",  # 4
    "more output",  # 5
    "Traceback (most recent call last):",  # 6
    "  File setup.py, line 3",  # 7
    "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1",  # 8
)


def all_segment_texts(view: LogView) -> list[str]:
    return [segment.text for y in range(view.size.height) for segment in view.render_line(y)]


async def test_hostile_stream_renders_inert():
    app = LogApp(HOSTILE)
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        view = app.view
        texts = all_segment_texts(view)
        assert texts and not any("\x1b" in t or "\x9b" in t or "\x07" in t for t in texts)
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for t in texts for c in t)
        rows = screen_rows(view)
        assert any("clipboard  write" in row for row in rows)  # the OSC 52 payload is gone
        assert not any("ZWNobyBwd25lZA" in row for row in rows)
        assert any(row[20:].startswith("cleared screen") for row in rows)
        assert any("[bold red]x[/]" in row for row in rows)  # markup shown literally, not interpreted
        assert any("nul\u2400byte" in row for row in rows)  # NUL as a visible control picture
        assert any("bad utf-8 \ufffd\ufffd\ufffd" in row for row in rows)
        # the 1 MB line is cut at the limit with a visible mark
        long_line = view.document.lines[5]
        assert long_line.startswith("A" * LOG_LINE_LIMIT)
        assert long_line.endswith(f"[cut {len(MEGABYTE_LINE) - LOG_LINE_LIMIT:,} chars]")
        assert view.virtual_size.width < LOG_LINE_LIMIT + 100
        view.scroll_to(x=view.max_scroll_x, animate=False)
        await pilot.pause()
        assert any(row.rstrip().endswith("chars]") and "cut" in row for row in screen_rows(view))


async def test_header_shows_the_timeline_and_markers_are_styled_by_kind():
    app = LogApp(BRIEF_LOG)
    async with app.run_test(size=(100, 14)) as pilot:
        await pilot.pause()
        view = app.view
        header = screen_rows(view)[0]
        assert "download ✓ 0:01 → execute ✗ at 12:00:08, exit code 1" in header
        failure = view.get_component_rich_style("log-view--marker-failure", partial=True)
        warning = view.get_component_rich_style("log-view--marker-warning", partial=True)
        assert failure.color != warning.color
        row_of = {text[20:].split(" ")[0]: y for y, text in enumerate(screen_rows(view))}
        failed_row = view.render_line(row_of["[SCRIPT_EXECUTION_FAILED]"])
        assert any(seg.style.color == failure.color and "SCRIPT_EXECUTION_FAILED" in seg.text for seg in failed_row)
        plain_row = view.render_line(row_of["installing"])
        assert not any(seg.style.color in (failure.color, warning.color) for seg in plain_row)


async def test_theme_change_clears_the_strip_cache():
    app = LogApp(BRIEF_LOG)
    async with app.run_test(size=(100, 14)) as pilot:
        await pilot.pause()
        view = app.view
        before = view.get_component_rich_style("log-view--marker-failure", partial=True).color
        assert len(view.renderer.strips) > 0
        app.theme = "hyperpod-light"
        await pilot.pause()
        after = view.get_component_rich_style("log-view--marker-failure", partial=True).color
        expected = load_all_themes().themes["hyperpod-light"].variables["log-marker-failure"]
        assert after != before and after.name.lower() == expected.lower()
        row = view.render_line(9)  # line 8, the failure marker
        assert any(seg.style.color == after for seg in row if "SCRIPT_EXECUTION_FAILED" in seg.text)


async def test_n_and_shift_n_walk_markers_and_e_jumps_to_the_first_failure():
    app = LogApp(BRIEF_LOG)
    async with app.run_test(size=(100, 14)) as pilot:
        await pilot.pause()
        view = app.view
        visited = []
        for _ in range(6):
            await pilot.press("n")
            visited.append(view.pointer)
        assert visited == [0, 1, 2, 4, 6, 8]
        await pilot.press("N", "N")
        assert view.pointer == 4
        await pilot.press("g", "e")
        assert view.pointer == 6  # the traceback comes before the failure marker
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y and view.pointer == len(view.document) - 1
        await pilot.press("N")
        assert view.pointer == 8  # the last marker, on the last line itself (not the one before the old pointer)
        await pilot.press("N")
        assert view.pointer == 6
        await pilot.press("g")
        assert view.pointer == 0 and view.scroll_y == 0  # g goes to line 1 ...
        await pilot.press("n")
        assert view.pointer == 0  # ... and n then finds the first marker, there on line 1
        await pilot.press("n", "end", "N", "home", "n")
        assert view.pointer == 0  # Home and End as g and G
        await pilot.press("end", "N")
        assert view.pointer == 8


async def test_search_highlights_every_match_keeps_all_lines_and_n_walks_matches():
    messages = []
    lines = [f"line {i} {'needle' if i % 50 == 7 else 'hay'}" for i in range(300)]
    app = LogApp(events(*lines))
    async with app.run_test(size=(100, 20), message_hook=messages.append) as pilot:
        await pilot.pause()
        view = app.view
        await pilot.press("slash", *"NEEDLE".lower(), "enter")
        await wait_for(pilot, lambda: app.focused is view)
        assert view.search_lines == [7, 57, 107, 157, 207, 257]
        assert view.pointer == 7
        assert len(view.document) == 300  # nothing filtered out
        rows = screen_rows(view)
        assert any("line 6 hay" in row for row in rows) and any("line 8 hay" in row for row in rows)
        match_bg = view.get_component_rich_style("log-view--search-match", partial=True).bgcolor
        pointer_row = view.render_line(1 + 7 - round(view.scroll_y))
        assert [seg.text for seg in pointer_row if seg.style.bgcolor == match_bg] == ["needle"]
        await pilot.press("n", "n")
        assert view.pointer == 107
        await pilot.press("N")
        assert view.pointer == 57
        changed = [m for m in messages if isinstance(m, LogView.SearchChanged)]
        assert changed[-1].term == "needle" and changed[-1].matches == 6 and changed[-1].current == 2
        assert "/needle 2/6 matches" in screen_rows(view)[0]
        await pilot.press("escape")
        assert view.search_term == "" and view.search_lines == []
        assert app.backs == 0  # Esc ended the search, it did not go back
        await pilot.press("escape")
        assert app.backs == 1  # with no search, Esc reaches the screen


async def test_search_prompt_escape_clears_and_closes():
    app = LogApp(events("alpha", "beta", "alphabet"))
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "a", "l", "p")
        view = app.view
        assert view.search_lines == [0, 2]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is view)
        assert view.search_term == "" and not app.query("LogPrompt")
        assert app.backs == 0  # the prompt took the Esc


async def test_follow_scrolls_with_new_lines_and_stops_when_the_user_scrolls_up():
    messages = []
    app = LogApp(events(*[f"line {i}" for i in range(100)]), follow=True)
    async with app.run_test(size=(80, 12), message_hook=messages.append) as pilot:
        await pilot.pause()
        view = app.view
        assert view.follow and view.scroll_y == view.max_scroll_y
        view.append_events(events(*[f"new {i}" for i in range(5)], start=T0 + 500_000))
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert screen_rows(view)[-1][20:].startswith("new 4")
        await pilot.press("pageup")
        await wait_for(pilot, lambda: not view.follow)
        assert any(isinstance(m, LogView.FollowChanged) and not m.follow for m in messages)
        top = view.scroll_y
        view.append_events(events("late 1", "late 2", "late 3", start=T0 + 600_000))
        await pilot.pause()
        assert view.scroll_y == top  # reading position kept
        assert view.pending == 3
        assert [m.count for m in messages if isinstance(m, LogView.PendingChanged)][-1] == 3
        assert "3 new lines" in screen_rows(view)[0]
        await pilot.press("f")
        await pilot.pause()
        assert view.follow and view.pending == 0 and view.scroll_y == view.max_scroll_y
        assert "FOLLOW" in screen_rows(view)[0]


async def test_wrap_cuts_only_what_is_shown_keeps_the_text_and_indents_the_further_rows():
    long = "x" * 150 + "END"
    app = LogApp(events("short", long, "after"))
    async with app.run_test(size=(62, 10)) as pilot:
        await pilot.pause()
        view = app.view
        assert view.virtual_size.height == 4  # header + 3 lines
        await pilot.press("w")
        await pilot.pause()
        width = view.scrollable_content_region.width
        rows = screen_rows(view)
        # the first row holds `width` cells (timestamp included), each further row `width - 20` under the text
        expected_rows = 1 + -(-(len(long) + 20 - width) // (width - 20))
        assert view.virtual_size.height == 1 + 1 + expected_rows + 1
        assert len(view.renderer.wrapped) <= 3  # only the lines on screen were cut
        pieces = rows[2 : 2 + expected_rows]
        assert all(piece.startswith(" " * 20) and piece[20] == "x" for piece in pieces[1:])  # the hanging indent
        assert "".join(piece[20:] for piece in pieces).rstrip() == long  # every cell, in order, nothing lost
        assert all(len(piece) == width for piece in pieces)
        assert rows[2 + expected_rows][20:].startswith("after")
        await pilot.press("t")  # no timestamp column: a two-cell indent
        await pilot.pause()
        rows = screen_rows(view)
        assert rows[2].startswith("x") and rows[3].startswith("  x")
        assert "".join([rows[2], *(row[2:] for row in rows[3:])]).replace(" ", "").startswith(long)
        await pilot.press("w")
        await pilot.pause()
        assert view.virtual_size.height == 4


async def test_timestamps_toggle():
    app = LogApp(events("hello", "multi\nline event"))
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        rows = screen_rows(app.view)
        assert rows[1].startswith("2026-01-21 12:00:00 hello")
        assert rows[2].startswith("2026-01-21 12:00:01 multi") and rows[3].startswith(" " * 20 + "line event")
        await pilot.press("t")
        await pilot.pause()
        rows = screen_rows(app.view)
        assert rows[1].startswith("hello") and rows[3].startswith("line event")


async def test_save_writes_the_file_off_the_event_loop(tmp_path):
    messages = []
    target = tmp_path / "node.log"
    app = LogApp(events("one", "two\x1b[31m red", "three"), save_path=str(target))
    async with app.run_test(size=(80, 10), message_hook=messages.append) as pilot:
        await pilot.pause()
        await pilot.press("s")
        prompt = app.query_one("LogPrompt")
        assert prompt.value == str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(isinstance(m, LogView.Saved) for m in messages))
        saved = next(m for m in messages if isinstance(m, LogView.Saved))
        assert saved.error is None and saved.lines == 3
        assert target.read_text().splitlines() == [
            "2026-01-21 12:00:00 one",
            "2026-01-21 12:00:01 two red",
            "2026-01-21 12:00:02 three",
        ]
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
        app.view.save(str(tmp_path / "missing-dir" / "x.log"))
        await wait_for(pilot, lambda: len({id(m) for m in messages if isinstance(m, LogView.Saved)}) == 2)
        assert [m for m in messages if isinstance(m, LogView.Saved)][-1].error


async def test_bindings_have_ids():
    ids = {binding.id for binding in LogView.BINDINGS}
    assert {
        "log-next-marker",
        "log-previous-marker",
        "log-first-failure",
        "log-search",
        "log-follow",
        "log-wrap",
        "log-timestamps",
        "log-save",
        "log-top",
        "log-bottom",
        "log-end-search",
    } <= ids


async def test_a_200k_line_log_opens_and_the_first_screen_is_right():
    lines = ["[LIFECYCLE_SCRIPT_START] go", "[SCRIPT_DOWNLOAD_START] d", "[SCRIPT_DOWNLOAD_COMPLETE] d"]
    lines += [f"step {i} output" for i in range(199_995)]
    lines += ["Traceback (most recent call last):", "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1"]
    messages = []
    app = LogApp(events(*lines, step_ms=10))
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await pilot.pause()
        view = app.view
        rows = screen_rows(view)
        assert rows[1][20:].startswith("[LIFECYCLE_SCRIPT_START] go")
        assert rows[29][20:].startswith("step 25 output")
        await wait_for(pilot, lambda: any(isinstance(m, LogView.Loaded) for m in messages), timeout=60)
        assert len(view.document) == 200_000 and view.virtual_size.height == 200_001
        assert "execute ✗" in screen_rows(view)[0] and "exit code 1" in screen_rows(view)[0]
        await pilot.press("e")
        assert view.pointer == 199_998
        assert "Traceback" in screen_rows(view)[1 + 199_998 - round(view.scroll_y)]
        await pilot.press("n")
        assert view.pointer == 199_999


async def test_wrap_toggle_keeps_the_reading_position():
    lines = [f"line {i} " + "w" * (i % 3) * 70 for i in range(400)]
    app = LogApp(events(*lines))
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        view = app.view
        view.goto_line(200)
        await pilot.pause()
        await pilot.press("w")
        await wait_for(pilot, lambda: view.renderer.row_of(200) == round(view.scroll_y) or view._on_screen(200))
        assert any(row[20:].startswith("line 200 ") for row in screen_rows(view))
        assert view.virtual_size.height > 401  # long lines now take several rows
        await pilot.press("w")
        await wait_for(pilot, lambda: view._on_screen(200))
        assert any(row[20:].startswith("line 200 ") for row in screen_rows(view))


async def test_follow_in_wrap_mode_stays_at_the_bottom():
    app = LogApp(events(*[f"l{i} " + "z" * 150 for i in range(50)]), follow=True, wrap=True)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        view = app.view
        rows_before = view.virtual_size.height
        view.append_events(events("tail " + "q" * 130, start=T0 + 90_000))
        await pilot.pause()
        assert view.virtual_size.height == rows_before + 4  # 20 + 135 cells at width 58: 58, then 38 a row
        assert view.follow and view.scroll_y == view.max_scroll_y
        assert "q" in screen_rows(view)[-1]


async def test_timestamp_and_pointer_use_solid_theme_colours_in_every_theme():
    """`$foreground-muted`/`$primary-muted` carry alpha, which component-class styles do not blend."""
    themes = load_all_themes().themes
    app = LogApp(BRIEF_LOG)
    async with app.run_test(size=(100, 14)) as pilot:
        await pilot.pause()
        view = app.view
        view.goto_line(3)
        for name in ("hyperpod-dark", "hyperpod-light", "hyperpod-high-contrast"):
            app.theme = name
            await pilot.pause()
            variables = themes[name].variables
            row = view.render_line(1 + 3 - round(view.scroll_y))
            stamp = next(seg for seg in row if seg.text.startswith("2026-"))
            assert stamp.style.color.name.lower() == variables["log-timestamp"].lower(), name
            body = next(seg for seg in row if "installing" in seg.text)
            assert body.style.bgcolor.name.lower() == variables["cursor-blurred"].lower(), name


async def test_f_from_the_top_points_at_the_last_line_and_follows_like_less_plus_f():
    app = LogApp(events(*[f"line {i}" for i in range(200)]))
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        view = app.view
        assert view.scroll_y == 0 and not view.follow
        await pilot.press("f")
        await pilot.pause()
        assert view.follow and view.pointer == 199 and view.scroll_y == view.max_scroll_y
        assert screen_rows(view)[-1][20:].startswith("line 199")
        view.append_events(events("line 200", start=T0 + 900_000))
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y and screen_rows(view)[-1][20:].startswith("line 200")
        await pilot.press("f")
        assert not view.follow


async def test_n_past_the_last_match_wraps_around_to_the_first_with_a_note():
    app = LogApp(events(*[f"line {i} {'needle' if i in (3, 40, 90) else 'hay'}" for i in range(120)]))
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        view = app.view
        await pilot.press("slash", *"needle", "enter")
        await wait_for(pilot, lambda: app.focused is view)
        await pilot.press("n", "n")
        assert view.pointer == 90
        await pilot.press("n")
        assert view.pointer == 3 and ("Search wrapped around to the first match.", "information") in notices(app)
        await pilot.press("N")
        assert view.pointer == 90 and ("Search wrapped around to the last match.", "information") in notices(app)
        assert "/needle 3/3 matches" in screen_rows(view)[0]


MULTI_ATTEMPT = events(
    "boot noise before the first marker",  # 0
    "[SageMaker] Downloading lifecycle scripts",  # 1
    "[SageMaker] The lifecycle scripts failed.",  # 2
    "[SageMaker] Downloading lifecycle scripts",  # 3
    "[LIFECYCLE_SCRIPT_START] Starting lifecycle script execution",  # 4
    "still going",  # 5
)


async def test_brackets_walk_the_attempts_and_a_running_attempts_header_shows_the_time_elapsed_by_the_clock():
    messages = []
    now = [(T0 + 125_000) / 1000]
    app = LogApp(MULTI_ATTEMPT, clock=lambda: now[0])
    async with app.run_test(size=(100, 12), message_hook=messages.append) as pilot:
        await pilot.pause()
        view = app.view
        assert [a.outcome for a in view.attempts] == ["failed", "running"]
        assert screen_rows(view)[0].startswith(" attempt 1 of 2: failed at 12:00:02 (line 3)")
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert view.pointer == 3 and view.scroll_y == min(3, view.max_scroll_y)
        # started 12:00:03, the clock says 12:02:05: 2:02 elapsed, though the last line is from 12:00:05
        assert screen_rows(view)[0].startswith(" attempt 2 of 2: ") and "2:02 elapsed" in screen_rows(view)[0]
        now[0] += 60
        view.refresh_header()
        await pilot.pause()
        assert "3:02 elapsed" in screen_rows(view)[0]
        await pilot.press("left_square_bracket")  # at the start of attempt 2: to attempt 1, from its first line
        await pilot.pause()
        assert view.pointer == 0 and view.attempt_of(view.pointer).attempt == 1
        posted = {id(m): m for m in messages if isinstance(m, LogView.AttemptChanged)}  # each once, not per hop
        assert [m.attempt for m in posted.values()][-2:] == [2, 1]
        await pilot.press("G", "left_square_bracket")  # inside attempt 2: first to its start
        await pilot.pause()
        assert view.pointer == 3


async def test_a_search_typed_in_one_burst_reaches_the_prompt_not_the_views_keys():
    """`/fail` sent at once (tmux send-keys, a paste): `f` must not start following nor `a` fold the attempts."""
    from tests.harness import burst
    from tui.widgets.log_prompt import LogPrompt

    lines = [f"line {i} {'needle' if i % 50 == 7 else 'hay'}" for i in range(300)]
    app = LogApp(events(*lines))
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        view = app.view
        await burst(pilot, "/fail")
        prompt = app.query_one(LogPrompt)
        assert prompt.value == "fail" and app.focused is prompt
        assert not view.follow
        await burst(pilot, "/x")  # inside the prompt `/` is text
        assert prompt.value == "fail/x"
