"""Textual key events → the bytes an xterm sends, for PtyPane.

Rules (xterm's, as in ctlseqs): arrows and home/end honour application cursor mode (DECCKM: `ESC O A`, else
`ESC [ A`); ctrl+letter is the C0 control `chr(ord(c) & 0x1f)`; shift/ctrl on special keys use the
`CSI 1;m X` / `CSI n;m ~` forms with m = 1 + shift·1 + ctrl·4; alt is an ESC prefix on whatever the rest gives.
Textual names keys by name ("ctrl+c", "up") and a pilot sends no `character`, so everything is derived from the
name, the character only for printable text.
"""

from __future__ import annotations

from textual.keys import key_to_character

ESC = "\x1b"
CSI = ESC + "["
SS3 = ESC + "O"

# The one key PtyPane keeps for itself (never sent to the child): ctrl+] (telnet's escape character).
ESCAPE_KEYS = frozenset({"ctrl+right_square_bracket", "ctrl+]"})

_CURSOR_KEYS = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_TILDE_KEYS = {
    "insert": 2, "delete": 3, "pageup": 5, "pagedown": 6,
    "f5": 15, "f6": 17, "f7": 18, "f8": 19, "f9": 20, "f10": 21, "f11": 23, "f12": 24,
}  # fmt: skip
_SS3_FUNCTION_KEYS = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_PLAIN_KEYS = {
    "enter": "\r", "tab": "\t", "backspace": "\x7f", "escape": ESC, "space": " ",
    "newline": "\n",  # Textual's name for ctrl+j
}  # fmt: skip
_CTRL_SYMBOLS = {
    "@": 0x00, "at": 0x00, "space": 0x00, "2": 0x00,
    "left_square_bracket": 0x1B, "[": 0x1B,
    "backslash": 0x1C, "\\": 0x1C,
    "right_square_bracket": 0x1D, "]": 0x1D,
    "circumflex_accent": 0x1E, "^": 0x1E, "6": 0x1E,
    "underscore": 0x1F, "_": 0x1F, "minus": 0x1F,
    "question_mark": 0x7F, "?": 0x7F,
    "backspace": 0x08,
}  # fmt: skip


def _special(base: str, modifier: int, app_cursor: bool) -> str | None:
    """Cursor, editing and function keys; modifier is xterm's m (1 = none)."""
    if base in _CURSOR_KEYS:
        final = _CURSOR_KEYS[base]
        if modifier > 1:
            return f"{CSI}1;{modifier}{final}"
        return (SS3 if app_cursor else CSI) + final
    if base in _TILDE_KEYS:
        number = _TILDE_KEYS[base]
        return f"{CSI}{number};{modifier}~" if modifier > 1 else f"{CSI}{number}~"
    if base in _SS3_FUNCTION_KEYS:
        final = _SS3_FUNCTION_KEYS[base]
        return f"{CSI}1;{modifier}{final}" if modifier > 1 else SS3 + final
    return None


def _text_of(base: str, character: str | None) -> str | None:
    if character is not None and character.isprintable():
        return character
    if len(base) == 1:
        return base
    return key_to_character(base)


def _encode(modifiers: set[str], base: str, character: str | None, app_cursor: bool) -> str | None:
    shift, ctrl = "shift" in modifiers, "ctrl" in modifiers
    if modifiers - {"shift", "ctrl"}:
        return None  # super/hyper: nothing a terminal would send
    if base == "tab" and shift:
        return CSI + "Z"
    special = _special(base, 1 + shift + 4 * ctrl, app_cursor)
    if special is not None:
        return special
    if ctrl:
        if len(base) == 1 and base.isalpha() and base.isascii():
            return chr(ord(base.lower()) & 0x1F)
        if base in _CTRL_SYMBOLS:
            return chr(_CTRL_SYMBOLS[base])
        if base in _PLAIN_KEYS:
            return _PLAIN_KEYS[base]  # ctrl+enter, ctrl+tab: what a plain xterm sends
        return None
    if base in _PLAIN_KEYS:
        return _PLAIN_KEYS[base]
    text = _text_of(base, character)
    if text is None:
        return None
    return text.upper() if shift and len(text) == 1 and text.isalpha() else text


def key_to_bytes(key: str, character: str | None = None, *, app_cursor: bool = False) -> bytes | None:
    """The bytes for a Textual key, or None when the key has no terminal meaning (or is the escape key)."""
    if key in ESCAPE_KEYS:
        return None
    parts = key.split("+")
    base, modifiers = parts[-1], set(parts[:-1])
    if base == "" and len(parts) > 1:  # a literal "+" as in "ctrl++"
        base, modifiers = "+", set(parts[:-2])
    alt = bool(modifiers & {"alt", "meta"})
    modifiers -= {"alt", "meta"}
    if alt and character is not None and not modifiers and len(character) == 1 and character.isprintable():
        return (ESC + character).encode()
    sequence = _encode(modifiers, base, None if alt else character, app_cursor)
    if sequence is None:
        return None
    return ((ESC if alt else "") + sequence).encode("utf-8")


def paste_bytes(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as typed: newlines become CR; wrapped in ESC[200~ … ESC[201~ when the program asked (?2004).

    Inside brackets every ESC is dropped, so pasted text can never end the paste early and inject keystrokes.
    """
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    if bracketed:
        text = f"{CSI}200~{text.replace(ESC, '')}{CSI}201~"
    return text.encode("utf-8", "replace")
