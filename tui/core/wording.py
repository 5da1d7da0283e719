"""Counted nouns for messages: `plural(1, "node")` is "1 node", `plural(3, "node")` is "3 nodes", never "node(s)"."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` and the noun in the form that agrees with it (`plural_form` for irregular nouns)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """The noun alone, agreeing with `count` (for "unknown key x" / "unknown keys x, y")."""
    return singular if count == 1 else (plural_form or f"{singular}s")
