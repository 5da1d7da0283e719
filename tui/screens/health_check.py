"""Which deep health checks to run: InstanceStress, InstanceConnectivity, MultiNodeTrainingValidation (1–3).

The step before the confirmation (screens/confirm.py) of a deep health check: nothing is planned or sent here.
Keys 1, 2, 3 toggle the checks (the boxes can be clicked too); Enter on Continue goes on with at least one
picked (the button is disabled with none); Esc cancels. Dismissed with the picked types in their API order, or
None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from tui.core.health_check import CHECK_HELP, CHECK_TYPES, DEFAULT_CHECKS
from tui.core.sanitize import clean


class HealthCheckPicker(ModalScreen[tuple[str, ...] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="health-check-cancel"),
        Binding("1", "toggle_check(0)", "InstanceStress", show=False),
        Binding("2", "toggle_check(1)", "InstanceConnectivity", show=False),
        Binding("3", "toggle_check(2)", "MultiNodeTrainingValidation", show=False),
    ]

    DEFAULT_CSS = """
    HealthCheckPicker { align: center middle; }
    HealthCheckPicker > #pick-dialog {
        width: 84; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #pick-dialog > Static { height: auto; }
    #pick-dialog > Checkbox { border: none; padding: 0; height: auto; background: $surface; }
    #pick-dialog > .pick-help { color: $muted; padding-left: 5; }
    #pick-dialog > #pick-keys { color: $muted; margin-top: 1; }
    #pick-buttons { height: auto; align: right middle; }
    #pick-buttons > Button { margin-left: 2; }
    """

    def __init__(self, scope: str, picked: tuple[str, ...] = DEFAULT_CHECKS) -> None:
        super().__init__()
        self.scope = scope
        self._initial = picked

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-dialog") as dialog:
            dialog.border_title = Text("Deep health check · StartClusterHealthCheck")
            yield Static(Text(clean(self.scope)), id="pick-scope")
            for number, check in enumerate(CHECK_TYPES, start=1):
                box = Checkbox(Text(f"{number} {check}"), check in self._initial, id=f"pick-{check}")
                box.can_focus = False  # Enter stays on the buttons; 1–3 toggle, a click too
                yield box
                yield Static(Text(CHECK_HELP[check]), classes="pick-help")
            with Horizontal(id="pick-buttons"):
                yield Button("Cancel", id="pick-cancel")
                yield Button("Continue", id="pick-continue", variant="primary")
            yield Static(
                Text("1 2 3 toggle · Enter on Continue goes on to the confirmation · Esc cancels"), id="pick-keys"
            )

    def on_mount(self) -> None:
        self._update()
        self.query_one("#pick-continue", Button).focus()

    @property
    def picked(self) -> tuple[str, ...]:
        return tuple(check for check in CHECK_TYPES if self.query_one(f"#pick-{check}", Checkbox).value)

    def _update(self) -> None:
        self.query_one("#pick-continue", Button).disabled = not self.picked

    def action_toggle_check(self, index: int) -> None:
        box = self.query_one(f"#pick-{CHECK_TYPES[index]}", Checkbox)
        box.value = not box.value

    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._update()
        if not self.picked:
            self.query_one("#pick-cancel", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#pick-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#pick-continue")
    def _continue(self) -> None:
        if self.picked:
            self.dismiss(self.picked)
