"""What the node-action confirmations share (screens/confirm.py, confirm_plans.py, kube.py): y or the Confirm
button act only when the dialog is `ready` (nothing refused, every name typed matches its cluster), n, Esc or
Cancel dismiss, and typing anywhere but a name box goes into the box waiting for it, so an `n` in a cluster's name
never cancels and focus can start safely on Cancel.
"""

from __future__ import annotations

from textual import events, on
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from tui.widgets.clean_input import CleanInput


class TypedNameConfirm(ModalScreen[bool]):
    @property
    def ready(self) -> bool:
        """True when confirming may go ahead."""
        raise NotImplementedError

    def waiting_box(self) -> Input | None:
        """The name box a typed character belongs in; None when no name is to be typed."""
        return None

    def action_confirm(self) -> None:
        if self.ready:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(events.Key)
    def _type_into_name(self, event: events.Key) -> None:
        if not event.is_printable or not event.character or event.character == " ":
            return
        # A printable key typed in a box is the box's (it stops it); one that reaches here came from elsewhere:
        # Cancel, or the widget that was focused when a burst of keys was queued, before the first moved focus
        # into a box (those must follow it into that box, not be dropped).
        box = self.focused if isinstance(self.focused, Input) else self.waiting_box()
        if box is None:
            return
        event.stop()
        event.prevent_default()
        # At once, not after the keys already queued behind this one (Widget.focus defers): a burst of typing
        # must all land in the box.
        if isinstance(box, CleanInput):
            box.focus_now()
        else:
            box.focus()
        box.insert_text_at_cursor(event.character)


__all__ = ["TypedNameConfirm"]
