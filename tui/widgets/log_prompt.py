"""The one-line prompt a `LogView` opens below itself: the search term (`/`) or the save path (`s`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.binding import Binding
from textual.widgets import Input

from tui.widgets.clean_input import CleanInput

if TYPE_CHECKING:
    from tui.widgets.log_view import LogView

Purpose = Literal["search", "save"]


def default_save_path(cluster: str, instance: str, kind: str = "lifecycle") -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{cluster}-{instance}")
    return f"~/hyperpod-{safe}-{kind}.log"


class LogPrompt(CleanInput):
    """Reports to the `LogView` that opened it: every edit (search is incremental), Enter, and Esc."""

    DEFAULT_CSS = """
    LogPrompt {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        &:focus { border: none; background-tint: $foreground 5%; }
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="log-prompt-cancel", tooltip="Close the prompt")]

    def __init__(self, owner: LogView, purpose: Purpose, value: str = "", placeholder: str = "") -> None:
        super().__init__(value=value, placeholder=placeholder, compact=True, select_on_focus=False)
        self.owner = owner
        self.purpose: Purpose = purpose

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.purpose == "search":
            self.owner.set_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.owner.prompt_finished(self, event.value, accepted=True)

    def action_cancel(self) -> None:
        self.owner.prompt_finished(self, self.value, accepted=False)
