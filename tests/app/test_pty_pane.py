"""PtyPane with real `bash -c` children on real ptys."""

from __future__ import annotations

import errno
import os
import signal
import sys

import pytest
from rich.color import Color
from textual import events

from tests.app.pane_app import PaneApp, open_fds, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")

HOLD = "exec sleep 60"  # keep the child alive; unmount must end it


def bash(script: str) -> list[str]:
    return ["bash", "--norc", "--noprofile", "-c", script]


def segments_for(strip, text):
    return [segment for segment in strip if text in segment.text]


async def test_colours_and_attributes_reach_the_strips():
    script = (
        r"printf '\e[1;31mRED\e[0m \e[33mYEL\e[0m \e[38;5;208mORA\e[0m \e[38;2;1;2;3mTRU\e[0m "
        r"\e[44mBLU\e[0m \e[3;4;7mATT\e[0m \e[92mBRG\e[0m'; " + HOLD
    )
    app = PaneApp(bash(script))
    async with app.run_test(size=(60, 8)) as pilot:
        await wait_for(pilot, lambda: "BRG" in app.text, "the coloured line")
        strip = app.pane.render_line(0)
        assert strip.cell_length == 60
        (red,) = segments_for(strip, "RED")
        assert red.style.color == Color.from_ansi(1) and red.style.bold
        (yellow,) = segments_for(strip, "YEL")
        assert yellow.style.color == Color.from_ansi(3)  # pyte calls it "brown"
        (orange,) = segments_for(strip, "ORA")
        assert orange.style.color.triplet == (0xFF, 0x87, 0x00)  # 256-colour index 208
        (true,) = segments_for(strip, "TRU")
        assert true.style.color.triplet == (1, 2, 3)
        (blue,) = segments_for(strip, "BLU")
        assert blue.style.bgcolor == Color.from_ansi(4)
        (attrs,) = segments_for(strip, "ATT")
        assert attrs.style.italic and attrs.style.underline and attrs.style.reverse and not attrs.style.bold
        (bright,) = segments_for(strip, "BRG")
        assert bright.style.color == Color.from_ansi(10)
        base = app.pane.rich_style
        segments = list(strip)
        gap = segments[segments.index(red) + 1]  # the uncoloured space after RED: the theme's colours
        assert gap.text == " " and (gap.style.color, gap.style.bgcolor) == (base.color, base.bgcolor)


async def test_utf8_character_split_across_reads():
    # The child writes the first two bytes of "€", then waits for us to see them before writing the third.
    script = r"stty -echo; printf 'A\xe2\x82'; read -r _; printf '\xac!\n'; " + HOLD
    app = PaneApp(bash(script), report_output=True)
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: b"".join(app.outputs).endswith(b"A\xe2\x82"), "the first half")
        assert app.pane.screen_lines[0].rstrip() == "A"  # nothing drawn for half a character
        app.pane.write(b"\r")
        await wait_for(pilot, lambda: "!" in app.text, "the second half")
        assert app.pane.screen_lines[0].rstrip() == "A€!"
        assert "\ufffd" not in app.text
        assert any(chunk.endswith(b"\xe2\x82") for chunk in app.outputs)  # it really was split


@pytest.mark.parametrize("shell", ["sh", "bash"])
async def test_ctrl_c_is_sigint_to_the_child(shell):
    # `sh` matters: bash takes its stdin tty as controlling terminal by itself, which would hide a missing
    # TIOCSCTTY; dash does not, so without it ^C would be just a byte and this would time out.
    script = "trap 'exit 7' INT; echo ready; while :; do sleep 0.1; done"
    app = PaneApp([shell, "-c", script])
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "ready" in app.text, "ready")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: app.exited, "the child to exit")
        assert app.exited == [7]
        assert not app.pane.running and app.pane.exit_code == 7


@pytest.mark.parametrize("mode, expected", [(r"\e[?1h", b"\x1bOA"), ("", b"\x1b[A")])
async def test_arrow_keys_follow_cursor_key_mode(tmp_path, mode, expected):
    got = tmp_path / "got"
    app = PaneApp(bash(f"stty raw -echo; printf '{mode}'; echo ready; head -c 3 > {got}; exit 0"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "ready" in app.text, "ready")
        await pilot.press("up")
        await wait_for(pilot, lambda: app.exited, "the child to read the key")
    assert got.read_bytes() == expected


async def test_typed_text_alt_and_ctrl_letters(tmp_path):
    got = tmp_path / "got"
    app = PaneApp(bash(f"stty raw -echo; echo ready; head -c 9 > {got}; exit 0"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "ready" in app.text, "ready")
        await pilot.press("h", "é", "alt+x", "ctrl+a", "tab", "backspace", "enter")
        await wait_for(pilot, lambda: app.exited, "the child to read the keys")
    assert got.read_bytes() == "hé\x1bx\x01\t\x7f\r".encode()


async def test_stty_size_matches_and_follows_resize():
    app = PaneApp(bash("stty size; trap 'stty size' WINCH; while :; do sleep 0.1; done"))
    async with app.run_test(size=(70, 12)) as pilot:
        await wait_for(pilot, lambda: "12 70" in app.text, "the first stty size")
        assert (app.pane.size.height, app.pane.size.width) == (12, 70)
        await pilot.resize_terminal(90, 20)
        await wait_for(pilot, lambda: "20 90" in app.text, "stty size after the resize")
        assert app.pane.render_line(0).cell_length == 90


@pytest.mark.parametrize(
    "script, last, expected",
    [
        ("printf 'top\\n'", "top", ["top", "", "", "", "", ""]),  # room left: the bottom rows go, as in xterm
        ("seq 1 9", "9", ["5", "6", "7", "8", "9", ""]),  # cursor at the bottom: the top rows go
    ],
)
async def test_shrinking_keeps_what_the_cursor_needs(script, last, expected):
    app = PaneApp(bash(f"{script}; {HOLD}"))
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for(pilot, lambda: last in app.text, "the output")
        await pilot.resize_terminal(40, 6)
        await wait_for(pilot, lambda: app.pane.size.height == 6, "the resize")
        assert [line.rstrip() for line in app.pane.screen_lines] == expected


async def test_device_status_report_is_answered(tmp_path):
    got = tmp_path / "got"
    app = PaneApp(bash(rf"stty raw -echo; printf 'abc\e[6n'; head -c 6 > {got}; exit 0"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: app.exited, "the child to read the report")
    assert got.read_bytes() == b"\x1b[1;4R"  # row 1, column 4


@pytest.mark.parametrize("bracketed, expected", [(True, b"\x1b[200~a\rb\x1b[201~"), (False, b"a\rb")])
async def test_paste_is_bracketed_only_when_asked(tmp_path, bracketed, expected):
    got = tmp_path / "got"
    mode = r"\e[?2004h" if bracketed else ""
    app = PaneApp(bash(f"stty raw -echo; printf '{mode}'; echo ready; head -c {len(expected)} > {got}; exit 0"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "ready" in app.text, "ready")
        app.pane.post_message(events.Paste("a\nb"))
        await wait_for(pilot, lambda: app.exited, "the child to read the paste")
    assert got.read_bytes() == expected


async def test_child_that_exits_at_once_leaks_nothing():
    before = open_fds()
    app = PaneApp(bash("echo bye; exit 3"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: app.exited, "the exit")
        assert app.exited == [3]
        assert "bye" in app.text  # output written just before exit is not lost
    assert open_fds() == before


async def test_killed_child_reports_minus_signal():
    app = PaneApp(bash("kill -TERM $$"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: app.exited, "the exit")
    assert app.exited == [-signal.SIGTERM]


async def test_missing_program_is_reported_not_raised():
    before = open_fds()
    app = PaneApp(["/nonexistent/session-manager-plugin", "x"])
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: app.spawn_errors, "SpawnFailed")
        assert getattr(app.spawn_errors[0], "errno", None) == errno.ENOENT
        assert not app.exited
    assert open_fds() == before


async def test_unmount_hangs_up_then_kills_and_reaps():
    before = open_fds()
    app = PaneApp(bash("trap '' HUP; echo stubborn; while :; do sleep 0.1; done"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: "stubborn" in app.text, "the child")
        process = app.pane._process
    assert process.returncode == -signal.SIGKILL  # ignored SIGHUP, so SIGKILL after the grace period
    assert open_fds() == before


async def test_escape_hatch_leaves_focus_and_is_not_sent(tmp_path):
    got = tmp_path / "got"
    app = PaneApp(bash(f"stty raw -echo; echo ready; head -c 1 > {got}; exit 0"), with_input=True)
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for(pilot, lambda: "ready" in app.text, "ready")
        assert app.focused is app.pane
        await pilot.press("ctrl+right_square_bracket")
        assert app.focused is not app.pane
        await wait_for(pilot, lambda: app.escapes == 1, "EscapeRequested")
        app.pane.write(b"x")
        await wait_for(pilot, lambda: app.exited, "the child to read one byte")
    assert got.read_bytes() == b"x"  # ctrl+] (0x1d) never reached the child


async def test_cursor_drawn_only_when_focused():
    app = PaneApp(bash("printf 'ab'; " + HOLD), with_input=True)
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for(pilot, lambda: "ab" in app.text, "output")
        cursor = app.pane.get_component_rich_style("pty-pane--cursor")
        focused = list(app.pane.render_line(0))
        assert any(seg.text == " " and seg.style.bgcolor == cursor.bgcolor for seg in focused)
        app.query_one("#other").focus()
        await pilot.pause()
        unfocused = list(app.pane.render_line(0))
        assert not any(
            seg.style.bgcolor == cursor.bgcolor and seg.text.strip() == "" and len(seg.text) == 1 for seg in unfocused
        )


def test_signalling_never_reaches_our_own_process_group(monkeypatch):
    from tui.core import pty_proc as _pty_proc

    sent: list[tuple[str, int, int]] = []
    monkeypatch.setattr(_pty_proc.os, "killpg", lambda group, signum: sent.append(("killpg", group, signum)))
    monkeypatch.setattr(_pty_proc.os, "kill", lambda pid, signum: sent.append(("kill", pid, signum)))
    child_group = os.getpgrp() + 1_000_000  # no real group: nothing is signalled even if the patch failed
    # tcgetpgrp() on a pty nobody controls can answer 0; killpg(0, …) would hit the app itself, 1 every process.
    _pty_proc.signal_groups([None, 0, 1, os.getpgrp(), child_group], signal.SIGTERM)
    assert sent == [("killpg", child_group, signal.SIGTERM)]


async def test_keys_reach_the_app_once_the_child_has_ended():
    from textual.binding import Binding

    class KeyedApp(PaneApp):
        BINDINGS = [Binding("x", "count", "Count")]
        counted = 0

        def action_count(self) -> None:
            self.counted += 1

    app = KeyedApp(bash("read -r _; exit 0"))
    async with app.run_test(size=(40, 5)) as pilot:
        await wait_for(pilot, lambda: app.pane.running, "the child")
        await pilot.press("x")  # a running child gets it (as a byte), the app does not
        assert app.counted == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.exited, "the exit")
        assert app.focused is app.pane
        await pilot.press("x")
        assert app.counted == 1


def first_number(lines: list[str]) -> int:
    return int(lines[0].split()[0])


async def test_scrollback_pages_back_to_the_first_line_and_typing_returns_to_the_live_screen():
    app = PaneApp(bash("seq 1 300; exec cat"))
    async with app.run_test(size=(60, 12)) as pilot:
        await wait_for(pilot, lambda: "300" in app.text, "the last line")
        pane = app.pane
        live = pane.shown_lines
        assert first_number(live) == 290 and pane.scrolled_back == 0
        await pilot.press("shift+pageup")
        assert pane.scrolled_back == 11 and first_number(pane.shown_lines) == 279
        assert "scrollback −11 of 289" in "".join(segment.text for segment in pane.render_line(0))
        await pilot.press("shift+home")
        assert first_number(pane.shown_lines) == 1
        await pilot.press("shift+pagedown")
        assert first_number(pane.shown_lines) == 12
        await pilot.press("shift+end")
        assert pane.shown_lines == live and pane.scrolled_back == 0
        await pilot.press("shift+pageup", "z", "enter")  # a key goes to the program and brings the live screen back
        assert pane.scrolled_back == 0
        await wait_for(pilot, lambda: app.text.count("z") >= 2, "cat echoing z")


async def test_output_while_scrolled_back_leaves_the_view_where_it_is():
    app = PaneApp(bash("seq 1 100; read; seq 101 150; " + HOLD))
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for(pilot, lambda: "100" in app.text, "the first batch")
        pane = app.pane
        await pilot.press("shift+pageup")
        before = pane.shown_lines
        pane.write(b"\r")  # let the script go on, without a key press (that would return to the live screen)
        await wait_for(pilot, lambda: "150" in app.text, "the second batch")
        await pilot.pause()
        assert pane.shown_lines == before and pane.scrolled_back > 50


async def test_clear_scrollback_sequence_empties_it_and_the_wheel_does_nothing_then():
    app = PaneApp(bash(r"seq 1 50; read; printf '\e[H\e[2J\e[3Jcleared'; " + HOLD))
    async with app.run_test(size=(40, 10)) as pilot:
        await wait_for(pilot, lambda: "50" in app.text, "the numbers")
        pane = app.pane
        pane.scroll_history(-5)
        assert pane.scrolled_back == 5
        await pilot.press("enter")  # typing: live again, and the script clears the screen and the scrollback
        await wait_for(pilot, lambda: "cleared" in app.text, "the clear")
        assert pane.scrolled_back == 0
        pane.scroll_history(-5)
        assert pane.scrolled_back == 0 and "cleared" in pane.shown_lines[0]
