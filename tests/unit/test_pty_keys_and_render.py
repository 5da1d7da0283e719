"""The pure halves of PtyPane: the key table and the pyte row renderer."""

from __future__ import annotations

import pyte
import pytest
from rich.color import Color
from rich.style import Style

from tui.widgets._pty_keys import key_to_bytes, paste_bytes
from tui.widgets._pty_render import pyte_color, render_row


@pytest.mark.parametrize(
    "key, character, app_cursor, expected",
    [
        ("up", None, False, b"\x1b[A"),
        ("up", None, True, b"\x1bOA"),
        ("left", None, True, b"\x1bOD"),
        ("home", None, False, b"\x1b[H"),
        ("end", None, True, b"\x1bOF"),
        ("ctrl+right", None, True, b"\x1b[1;5C"),  # modified arrows ignore DECCKM, as xterm does
        ("shift+up", None, False, b"\x1b[1;2A"),
        ("pageup", None, False, b"\x1b[5~"),
        ("pagedown", None, False, b"\x1b[6~"),
        ("delete", None, False, b"\x1b[3~"),
        ("insert", None, False, b"\x1b[2~"),
        ("ctrl+delete", None, False, b"\x1b[3;5~"),
        ("f1", None, False, b"\x1bOP"),
        ("f4", None, False, b"\x1bOS"),
        ("f5", None, False, b"\x1b[15~"),
        ("f12", None, False, b"\x1b[24~"),
        ("shift+f1", None, False, b"\x1b[1;2P"),
        ("ctrl+f5", None, False, b"\x1b[15;5~"),
        ("tab", "\t", False, b"\t"),
        ("shift+tab", None, False, b"\x1b[Z"),
        ("backspace", "\x7f", False, b"\x7f"),
        ("ctrl+backspace", None, False, b"\x08"),
        ("enter", "\r", False, b"\r"),
        ("escape", "\x1b", False, b"\x1b"),
        ("space", " ", False, b" "),
        ("space", None, False, b" "),
        ("ctrl+c", None, False, b"\x03"),
        ("ctrl+c", "\x03", False, b"\x03"),
        ("ctrl+a", None, False, b"\x01"),
        ("ctrl+z", None, False, b"\x1a"),
        ("ctrl+shift+d", None, False, b"\x04"),
        ("ctrl+@", None, False, b"\x00"),
        ("ctrl+backslash", None, False, b"\x1c"),
        ("ctrl+circumflex_accent", None, False, b"\x1e"),
        ("ctrl+underscore", None, False, b"\x1f"),
        ("a", "a", False, b"a"),
        ("A", "A", False, b"A"),
        ("shift+a", None, False, b"A"),
        ("é", "é", False, "é".encode()),
        ("full_stop", ".", False, b"."),
        ("full_stop", None, False, b"."),
        ("alt+x", "x", False, b"\x1bx"),
        ("alt+x", None, False, b"\x1bx"),
        ("alt+shift+a", "A", False, b"\x1bA"),
        ("alt+backspace", None, False, b"\x1b\x7f"),
        ("alt+up", None, True, b"\x1b\x1bOA"),
        ("alt+ctrl+b", None, False, b"\x1b\x02"),
    ],
)
def test_key_to_bytes(key, character, app_cursor, expected):
    assert key_to_bytes(key, character, app_cursor=app_cursor) == expected


@pytest.mark.parametrize("key", ["ctrl+right_square_bracket", "ctrl+]", "super+x", "f99", "ctrl+f99"])
def test_keys_kept_back(key):
    assert key_to_bytes(key, None) is None


def test_ctrl_letters_cover_the_alphabet():
    for index, letter in enumerate("abcdefghijklmnopqrstuvwxyz", start=1):
        assert key_to_bytes(f"ctrl+{letter}") == bytes([index])


def test_paste():
    assert paste_bytes("a\r\nb\nc", bracketed=False) == b"a\rb\rc"
    assert paste_bytes("x", bracketed=True) == b"\x1b[200~x\x1b[201~"
    # a paste cannot close the bracket early and smuggle in keystrokes
    assert paste_bytes("a\x1b[201~rm -rf ~\n", bracketed=True) == b"\x1b[200~a[201~rm -rf ~\r\x1b[201~"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("default", None),
        ("red", Color.from_ansi(1)),
        ("brown", Color.from_ansi(3)),  # pyte's name for yellow
        ("brightbrown", Color.from_ansi(11)),
        ("bfightmagenta", Color.from_ansi(13)),  # pyte's spelling for SGR 105
        ("brightwhite", Color.from_ansi(15)),
        ("ff8700", Color.from_rgb(255, 135, 0)),
        ("zzzzzz", None),
        ("nonsense", None),
    ],
)
def test_pyte_colours(name, expected):
    assert pyte_color(name) == expected


def screen_with(data: bytes, columns: int = 12, lines: int = 2) -> pyte.Screen:
    screen = pyte.Screen(columns, lines)
    pyte.ByteStream(screen).feed(data)
    return screen


def test_render_row_wide_characters_keep_the_width():
    screen = screen_with("a中文b".encode())
    strip = render_row(screen.buffer[0], 12, 12, Style())
    assert strip.cell_length == 12
    assert strip.text.rstrip() == "a中文b"


def test_render_row_merges_runs_and_marks_the_cursor():
    screen = screen_with(b"ab\x1b[1mcd\x1b[0me")
    cursor = Style(bgcolor="magenta")
    strip = render_row(screen.buffer[0], 12, 14, Style(color="white"), cursor_x=3, cursor_style=cursor)
    texts = [segment.text for segment in strip]
    assert texts[:4] == ["ab", "c", "d", "e       "]  # equal styles merge, blank cells included
    assert strip.cell_length == 14
    cursor_cell = list(strip)[2]
    assert cursor_cell.text == "d" and cursor_cell.style.bgcolor == Color.parse("magenta") and cursor_cell.style.bold
    assert all(segment.style.color == Color.parse("white") for segment in strip)  # base under every cell


def test_render_row_pads_and_crops_to_the_widget():
    screen = screen_with(b"0123456789ab")
    assert render_row(screen.buffer[0], 12, 8, Style()).text == "01234567"
    assert render_row(screen.buffer[0], 12, 15, Style()).text == "0123456789ab   "
