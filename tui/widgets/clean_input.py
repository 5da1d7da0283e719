"""An `Input` whose value is always clean text: what the user types or pastes goes through `sanitize.clean`.

A paste can carry anything (escape sequences, NUL, bidi overrides), and Textual's `Input` shows its value as it
is; every insertion (a key, a paste, `insert_text_at_cursor`) goes through `replace`, so cleaning there keeps the
cursor where the cleaned text ends.

An Input subscribes to its screen's `text_selection_started_signal` when it mounts and Textual never unsubscribes
it: the subscription (a weak key whose callback holds the Input) is dropped only when a text selection next starts
on that screen. So an Input mounted and removed again and again (the log view's `/` prompt) stayed alive each time
for as long as its screen lived; this one unsubscribes when it is unmounted.
"""

from __future__ import annotations

from textual.widgets import Input

from tui.core.sanitize import clean


class CleanInput(Input):
    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(clean(text), start, end)

    def _on_unmount(self) -> None:
        self.screen.text_selection_started_signal.unsubscribe(self)

    def validate_value(self, value: str) -> str:
        """Also for a value set directly (`input.value = …`)."""
        return clean(value)

    def focus_now(self) -> None:
        """Focus at once, not after the keys already queued (`Widget.focus` defers to `call_later`): what the user
        types right after the key that opened this prompt (a paste, a fast typist, tmux send-keys) lands here."""
        self.refresh()
        try:
            self.screen.set_focus(self)
        except Exception:  # noqa: BLE001 - not on a screen (yet): the deferred focus below still applies
            pass
        self.focus()
