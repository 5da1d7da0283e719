"""The triage view's table: a ResourceTable of `cluster/node` rows that owns the marks and R / P, as the nodes pane.

The keys are the nodes pane's own bindings (same ids, so a `[keymap]` moves both): space, ctrl+a, ctrl+space,
ctrl+u marking; R reboot, P replace and C deep health check of the marked rows (or the highlighted one, only once its row is on
screen). The table plans nothing: it posts `ActionRequested` with the row keys of every cluster, and its screen
hands them on. Read-only mode hides R, P and C (its screen says why when they are pressed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.core.tables import Column
from tui.typed_app import key_for
from tui.widgets.node_table import ACTION_BINDINGS, MARK_BINDINGS
from tui.widgets.resource_table import ResourceTable
from tui.widgets.widget_message import WidgetMessage

# Reboot, replace and the deep health check (delete gives capacity up: a decision for the nodes pane, not triage).
TRIAGE_ACTION_BINDINGS: list[Binding] = [
    b for b in ACTION_BINDINGS if b.action in ("reboot", "replace", "deep_health_check")
]
TRIAGE_ACTIONS = frozenset(b.action for b in TRIAGE_ACTION_BINDINGS)


class TriageTable(ResourceTable):
    row_noun = "node"
    BINDINGS: ClassVar[list[BindingType]] = [*MARK_BINDINGS, *TRIAGE_ACTION_BINDINGS]

    class ActionRequested(WidgetMessage):
        """R / P: `action` (a core.actions name) on `keys` (row keys `cluster/node`, visible ones first, in table
        order), `hidden` the ones the filter hides. Nothing is planned yet."""

        def __init__(self, table: TriageTable, action: str, keys: Sequence[str], hidden: Sequence[str]) -> None:
            super().__init__(table)
            self.action = action
            self.keys = tuple(keys)
            self.hidden = tuple(hidden)

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
    ) -> None:
        super().__init__(columns, markable=True, clock=clock, id=id)
        self.read_only = read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in TRIAGE_ACTIONS and self.read_only:
            return False
        return super().check_action(action, parameters)

    def targets(self) -> tuple[list[str], list[str]]:
        """The marked rows (visible first, in table order; then the hidden ones), else the highlighted one; and
        which of them the filter hides."""
        marks = self.marks
        if marks:
            visible = [key for key in self.visible_keys if key in marks]
            hidden = sorted(marks - set(visible))
            return visible + hidden, hidden
        return ([self.cursor_key] if self.cursor_key else []), []

    def unmark(self, keys: Sequence[str]) -> None:
        remaining = self.marks - set(keys)
        if remaining != self.marks:
            self.clear_marks()
            self.mark_keys(remaining)

    # --- keys ----------------------------------------------------------------------------------------------

    def action_mark(self) -> None:
        if not self.reveal_cursor(key_for(self, MARK_BINDINGS[0]), "mark it"):
            return
        self.toggle_mark()
        self.action_cursor(1)

    def action_mark_all(self) -> None:
        self.mark_keys(list(self.visible_keys))

    def action_mark_range(self) -> None:
        if not self.reveal_cursor(key_for(self, MARK_BINDINGS[0]), "mark it"):
            return
        if self.model.mark_range():
            self._clear_caches()
            self.refresh()
            self.post_message(self.ViewChanged(self))

    def action_unmark_all(self) -> None:
        self.clear_marks()

    def _request(self, action: str) -> None:
        binding = next(binding for binding in TRIAGE_ACTION_BINDINGS if binding.action == action)
        # Marked rows are the targets (the confirmation names each); else the highlighted one, once on screen.
        if not self.marks and not self.reveal_cursor(key_for(self, binding), f"{action} it"):
            return
        keys, hidden = self.targets()
        self.post_message(self.ActionRequested(self, action, keys, hidden))

    def action_reboot(self) -> None:
        self._request("reboot")

    def action_replace(self) -> None:
        self._request("replace")

    def action_deep_health_check(self) -> None:
        self._request("deep_health_check")
