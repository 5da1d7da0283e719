"""Slurm's actions on the marked nodes (K on a Slurm cluster's nodes pane, `:slurm ACTION`): choose the action, type
the drain reason, read what it does and how it differs from the API's, see every node, and confirm.

This dialog is the confirmation: it names every target (node id, group, the API's status, the Slurm name and
state) and the exact `scontrol update` command; the controller (tui/controllers/slurm.py) then runs it on the
cluster's controller through the run path (results, journal). Everything shown is clean Text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from tui.core import slurm_actions as slurm
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow
from tui.core.wording import plural
from tui.screens._dialog import fit_table
from tui.typed_app import hyperpod_app
from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

TARGET_COLUMNS = (
    Column("instance_id", "INSTANCE ID", min_width=19, max_width=32),
    Column("group", "GROUP", max_width=20),
    Column("status", "API", kind="status", max_width=14),
    Column("name", "SLURM NAME", max_width=20),
    Column("state", "SLURM", flex=True, max_width=30),
)
API_DIFFERENCE = (
    "Through Slurm, a reboot or replace waits for the nodes' running jobs and keeps Slurm's picture right. The API's "
    "R / P act at once, whatever runs on the nodes. HyperPod acts only on the exact reasons Action:Reboot and "
    "Action:Replace."
)
Row = tuple[str, str, str, str, str]  # node id, group, API status, Slurm name, Slurm state


class SlurmActionScreen(ModalScreen[tuple[str, str] | None]):
    """Dismissed with (action, reason) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without sending anything", id="slurm-cancel"),
    ]
    DEFAULT_CSS = """
    SlurmActionScreen { align: center middle; }
    SlurmActionScreen > #slurm-dialog { width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $warning; background: $surface; padding: 0 1; }
    #slurm-dialog > Static { height: auto; }
    #slurm-dialog > RadioSet { width: 100%; height: auto; layout: horizontal; border: none; padding: 0; }
    #slurm-dialog > RadioSet > RadioButton { width: auto; margin-right: 2; }
    #slurm-dialog > Input { margin: 0; }
    #slurm-dialog > #slurm-targets { height: auto; border: round $pane-border; }
    #slurm-dialog > .prose { color: $muted; }
    #slurm-buttons { height: auto; align: right middle; }
    #slurm-buttons > Button { margin-left: 2; }
    """

    def __init__(
        self, cluster: str, rows: Sequence[Row], hidden: int, controller: str, action: str | None = None
    ) -> None:
        super().__init__()
        self.cluster, self.hidden, self.controller = cluster, hidden, controller
        self.targets = [
            TableRow(row[0], tuple(clean(value) for value in row)) for row in rows
        ]  # every value from outside
        self.names = [clean(row[3]) for row in rows]
        self.action = action if action in slurm.ACTIONS_BY_NAME else "drain"

    def compose(self) -> ComposeResult:
        count = len(self.targets)
        with VerticalScroll(can_focus=False, id="slurm-dialog") as dialog:
            dialog.border_title = Text(f"Slurm on {plural(count, 'node')} · {clean(self.cluster, max_len=60)}")
            with RadioSet(id="slurm-actions"):
                for action in slurm.SLURM_ACTIONS:
                    yield RadioButton(action.short, value=action.name == self.action, id=f"slurm-{action.name}")
            yield Static(id="slurm-explain")
            yield CleanInput(placeholder="Reason for draining (Slurm requires one)", id="slurm-reason")
            yield Static(id="slurm-command")
            yield ResourceTable(TARGET_COLUMNS, clock=hyperpod_app(self).clock, id="slurm-targets")
            with Horizontal(id="slurm-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(Text("Send"), id="confirm", variant="warning", compact=True)
            hidden = f" ({self.hidden} marked but hidden by the filter)" if self.hidden else ""
            yield Static(
                Text(
                    f"{API_DIFFERENCE} Runs `scontrol update` on the controller {clean(self.controller)} "
                    f"through SSM for {plural(count, 'node')}{hidden}; journaled before it is sent. "
                    "Tab moves · Esc cancels."
                ),
                classes="prose",
            )

    def on_mount(self) -> None:
        table = self.query_one("#slurm-targets", ResourceTable)
        table.set_rows(self.targets)
        table.border_title = Text(plural(len(self.targets), "target"))
        self._update()
        # Drain needs a reason: what the user types first goes there (the actions are one shift+tab away)
        if slurm.ACTIONS_BY_NAME[self.action].needs_reason:
            self.query_one("#slurm-reason", CleanInput).focus_now()
        else:
            self.query_one(RadioSet).focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        fit_table(
            self,
            self.query_one("#slurm-dialog"),
            self.query_one("#slurm-targets"),
            12,
            below=list(self.query(".prose")),
        )

    @property
    def reason(self) -> str:
        return self.query_one("#slurm-reason", Input).value

    def _problem_and_command(self) -> tuple[str | None, str]:
        try:
            return None, slurm.scontrol_command(self.action, self.names, self.reason)
        except ValueError as error:
            return str(error), ""

    def _update(self) -> None:
        chosen = slurm.ACTIONS_BY_NAME[self.action]
        self.query_one("#slurm-explain", Static).update(Text(chosen.explain))
        reason = self.query_one("#slurm-reason", Input)
        reason.display = chosen.needs_reason
        problem, command = self._problem_and_command()
        line = Text.assemble(("Command  ", "bold"), (command or "—", ""))
        if problem:
            line.append("\n" + problem, style="bold")
        self.query_one("#slurm-command", Static).update(line)
        count = plural(len(self.targets), "node")
        self.query_one("#confirm", Button).label = Text(f"{chosen.label} {count}")
        self.query_one("#confirm", Button).disabled = problem is not None

    @on(RadioSet.Changed)
    def _action_changed(self, event: RadioSet.Changed) -> None:
        pressed = event.pressed.id or ""
        self.action = pressed.removeprefix("slurm-") if pressed.startswith("slurm-") else self.action
        self._update()

    @on(Input.Changed, "#slurm-reason")
    def _reason_changed(self) -> None:
        self._update()

    @on(Input.Submitted, "#slurm-reason")
    def _reason_submitted(self) -> None:
        button = self.query_one("#confirm", Button)
        if not button.disabled:
            button.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        problem, _command = self._problem_and_command()
        if problem is None:
            self.dismiss((self.action, self.reason.strip()))


__all__ = ["SlurmActionScreen"]
