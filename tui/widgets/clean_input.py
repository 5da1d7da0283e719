"""An `Input` whose value is always clean text: what the user types or pastes goes through `sanitize.clean`.

A paste can carry anything (escape sequences, NUL, bidi overrides), and Textual's `Input` shows its value as it
is; every insertion (a key, a paste, `insert_text_at_cursor`) goes through `replace`, so cleaning there keeps the
cursor where the cleaned text ends.
"""

from __future__ import annotations

from textual.widgets import Input

from tui.core.sanitize import clean


class CleanInput(Input):
    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(clean(text), start, end)

    def validate_value(self, value: str) -> str:
        """Also for a value set directly (`input.value = …`)."""
        return clean(value)
