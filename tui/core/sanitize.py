"""Untrusted text → safe display text.

Everything shown that came from AWS or from a log passes through here. Guarantees of `clean`:
- no escape sequence (CSI, OSC such as OSC 52 clipboard writes, DCS/SOS/PM/APC, their 8-bit C1 forms) survives;
- no other C0/C1 control character survives: each becomes its visible Unicode "control picture" (NUL → ␀),
  so the reader sees that something was there without the terminal acting on it;
- bidirectional overrides (the "Trojan Source" characters) and lone surrogates are replaced;
- a zero-width joiner that joins nothing visible (before a space, ASCII or the end) is dropped: Rich's cell
  measure would join it with the padding that follows and the columns would shift;
- bytes are decoded as UTF-8 with replacement, never raising;
- a line longer than `max_len` is cut with a visible mark.
Rich/Textual markup is a separate concern: clean text reaches Textual only as `rich.text.Text` or Textual
`Content`, never inside a markup string (tui/text.py holds the helpers; tests/reliability/test_text_boundary.py
enforces it). Widths on screen are terminal cells, not characters: `cell_width` and `fit_cells` measure and cut
by cells (a CJK character takes two, a combining mark or zero-width joiner none).
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

# A zero-width joiner joins two visible characters (the emoji of a family, Indic letters). Rich's cell measure
# (and so Textual's layout) joins it with whatever follows, a space or the padding of a column included, which a
# terminal does not: one that is not followed by a non-ASCII visible character is dropped.
_DANGLING_JOINER = re.compile(r"\u200d(?![^\x00-\x7f\s\u200d\u2026])")

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
        cut = len(text) - max_len
        text = text[:max_len]
        if "\u200d" in text:
            text = _DANGLING_JOINER.sub("", text)
        return text + CUT_MARK.format(n=cut)
    if "\u200d" in text:
        text = _DANGLING_JOINER.sub("", text)
    return text


def clean_log_line(value: object) -> str:
    """One log event's message as a single display line, cut at LOG_LINE_LIMIT characters."""
    return clean(value, max_len=LOG_LINE_LIMIT)


def cell_width(text: str) -> int:
    """The terminal cells `text` (already clean) takes: `len` for ASCII, `rich.cells.cell_len` otherwise."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # here, not at the top: most text is ASCII and the headless commands start fast

    return cell_len(text)


def cut_cells(text: str, width: int) -> str:
    """The longest start of `text` (already clean) that takes at most `width` cells."""
    if cell_width(text) <= width:
        return text
    if text.isascii():
        return text[: max(0, width)]
    from rich.cells import chop_cells

    return chop_cells(text, max(1, width))[0].rstrip("\u200d") if width > 0 else ""


def fit_cells(text: str, width: int, *, align: str = "left", ellipsis: str = "…") -> str:
    """`text` (already clean) cut to at most `width` cells (ending in `ellipsis` when cut), then padded to
    exactly `width` cells on the right (`align="left"`) or on the left (`align="right"`)."""
    if width <= 0:
        return ""
    if cell_width(text) > width:
        # A cut can end inside a joined sequence: its joiner would join the ellipsis or the padding.
        text = cut_cells(text, width - 1).rstrip("\u200d") + ellipsis if width > 1 else cut_cells(text, width)
    pad = " " * max(0, width - cell_width(text))
    return pad + text if align == "right" else text + pad


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
