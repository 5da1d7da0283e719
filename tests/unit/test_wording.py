"""Counted nouns agree with their count: "1 node", "3 nodes", never "node(s)" anywhere in the UI's strings."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import tui
from tui.core.wording import noun, plural

PACKAGE = Path(tui.__file__).resolve().parent
HEDGED_PLURAL = re.compile(r"[A-Za-z]\(s\)")


def test_plural_agrees_with_the_count() -> None:
    assert plural(1, "node") == "1 node"
    assert plural(0, "node") == "0 nodes"
    assert plural(25, "target") == "25 targets"
    assert plural(10_000, "node") == "10,000 nodes"
    assert plural(1, "match", "matches") == "1 match"
    assert plural(4, "match", "matches") == "4 matches"
    assert noun(1, "key") == "key" and noun(2, "key") == "keys"


def test_no_string_in_the_app_hedges_a_plural_with_parentheses() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "sim" in path.relative_to(PACKAGE).parts:
            continue
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            is_text = token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_MIDDLE", -1)
            text = token.string
            if text.startswith(('"""', "'''")):  # docstrings are for readers of the code
                continue
            while re.search(r"\{[^{}]*\}", text):  # an f-string's {expressions} are code, not words
                text = re.sub(r"\{[^{}]*\}", "", text)
            if is_text and HEDGED_PLURAL.search(text):
                found.append(f"{path.relative_to(PACKAGE)}:{token.start[0]}: {token.string[:60]}")
    assert found == []
