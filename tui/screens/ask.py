"""A small yes/no question: quit while work is running, close a running shell.

`y` or the key that asked (`q` for quit, the close key for a shell) answers yes; Esc or `n` answers no. Pressing the
same key twice therefore does what it did before the question existed, and nothing else is a yes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class AskScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="ask-yes"),
        Binding("escape,n", "answer(False)", "No", id="ask-no"),
    ]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > #ask-dialog {
        width: auto; max-width: 90%; height: auto;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    AskScreen #ask-dialog > Static { width: auto; max-width: 100%; }
    AskScreen #ask-keys { color: $muted; margin-top: 1; }
    """

    def __init__(self, question: Text, *, yes_keys: Sequence[str], yes_label: str) -> None:
        super().__init__()
        self.question = question
        self.yes_keys = tuple(key for key in yes_keys if key not in ("escape", "n"))
        self.yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog"):
            yield Static(Text.assemble(self.question), id="ask-question")
            shown = [key for key in self.yes_keys if key != "y"][:1]
            yield Static(Text(f"{' or '.join([*shown, 'y'])}: {self.yes_label} · Esc: stay"), id="ask-keys")

    def on_key(self, event: events.Key) -> None:
        if event.key in self.yes_keys:
            event.stop()
            event.prevent_default()
            self.dismiss(True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
