"""Untrusted text → safe display text.

Everything shown that came from AWS or from a log passes through here. Guarantees of `clean`:
- no escape sequence (CSI, OSC such as OSC 52 clipboard writes, DCS/SOS/PM/APC, their 8-bit C1 forms) survives;
- no other C0/C1 control character survives: each becomes its visible Unicode "control picture" (NUL → ␀),
  so the reader sees that something was there without the terminal acting on it;
- bidirectional overrides (the "Trojan Source" characters) and lone surrogates are replaced;
- bytes are decoded as UTF-8 with replacement, never raising;
- a line longer than `max_len` is cut with a visible mark.
Rich markup is a separate concern: widgets build `rich.text.Text` objects (never parsed as markup); where a
markup string is unavoidable (notifications), `markup_safe` escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LOG_LINE_LIMIT = 10_000
CUT_MARK = "…[cut {n:,} chars]"

# Anything that needs more than the fast path: C0 (but tab/newline), DEL, C1, bidi controls, surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

_ESCAPE_SEQUENCE = re.compile(
    r"""
      \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # OSC … BEL/ST (unterminated: to the end)
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?           # DCS, SOS, PM, APC … ST
    | \x1b\[[0-?]*[ -/]*[@-~]?                         # CSI
    | \x1b[ -/]*[0-~]?                                 # two-character and nF escapes, lone ESC
    | \x9b[0-?]*[ -/]*[@-~]?                           # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?                   # 8-bit OSC
    | [\x90\x98\x9e\x9f][^\x9c]*\x9c?                  # 8-bit DCS, SOS, PM, APC
    """,
    re.VERBOSE,
)

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if char in _BIDI or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return "\ufffd"  # remaining C1 controls


def to_text(value: object) -> str:
    """Any value (bytes, str, None, number) → str, decoding bytes as UTF-8 with replacement."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def clean(value: object, *, max_len: int | None = None, keep_newlines: bool = False, tab_size: int = 8) -> str:
    """Return `value` as text that is safe to put on a terminal (see the module docstring)."""
    text = to_text(value)
    if _UNSAFE.search(text):
        if "\x1b" in text or any(c in text for c in "\x90\x98\x9b\x9d\x9e\x9f"):
            text = _ESCAPE_SEQUENCE.sub("", text)
        if "\t" in text:
            text = text.expandtabs(tab_size)
        if keep_newlines:
            text = text.replace("\r\n", "\n")
            text = "\n".join(_UNSAFE.sub(_picture, part) for part in text.split("\n"))
        else:
            text = _UNSAFE.sub(_picture, text.rstrip("\r\n"))
    elif "\t" in text:
        text = text.expandtabs(tab_size)
    if not keep_newlines and "\n" in text:
        text = text.rstrip("\n").replace("\n", " ⏎ ")
    if max_len is not None and len(text) > max_len:
        text = text[:max_len] + CUT_MARK.format(n=len(text) - max_len)
    return text


def clean_log_line(value: object) -> str:
    """One log event's message as a single display line, cut at LOG_LINE_LIMIT characters."""
    return clean(value, max_len=LOG_LINE_LIMIT)


def markup_safe(value: object, *, max_len: int | None = 2_000) -> str:
    """Clean text, escaped for the few places that take Rich markup (notifications, Static with markup)."""
    from rich.markup import escape  # here, not at the top: the headless commands never need Rich

    return escape(clean(value, max_len=max_len))


def clean_log_lines(values: Sequence[object]) -> list[str]:
    """`[clean_log_line(v) for v in values]`, several times faster for a large log of ordinary lines.

    Every character `clean` would touch (controls, tab, newline, bidi, surrogates) is non-printable in
    `str.isprintable`'s sense, so a printable line within LOG_LINE_LIMIT comes back unchanged and only the
    other lines need `clean_log_line`.
    """
    texts = [value if type(value) is str else to_text(value) for value in values]
    if texts and (not "".join(texts).isprintable() or max(map(len, texts)) > LOG_LINE_LIMIT):
        texts = [text if len(text) <= LOG_LINE_LIMIT and text.isprintable() else clean_log_line(text) for text in texts]
    return texts
