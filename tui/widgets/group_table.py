"""The instance groups pane: a ResourceTable with the group's own key, a deep health check of the whole group.

It does no AWS work and opens no screen: `C` posts `HealthCheckRequested` with the highlighted group, which the
screen hands to the node-action controller (plan → checks → confirm → run, as the nodes pane's `C`). Read-only
mode turns the key off (the screen explains it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.core.tables import Column
from tui.text import toast
from tui.typed_app import key_for
from tui.widgets.resource_table import ResourceTable
from tui.widgets.widget_message import WidgetMessage

GROUP_HEALTH_CHECK_BINDING = Binding(
    "C",
    "group_health_check",
    "Health check",
    show=False,
    tooltip="Deep health check of the whole highlighted instance group (InstanceIds omitted)",
    id="group-deep-health-check",
)


class GroupTable(ResourceTable):
    row_noun = "group"
    BINDINGS: ClassVar[list[BindingType]] = [GROUP_HEALTH_CHECK_BINDING]

    class HealthCheckRequested(WidgetMessage):
        """C: a deep health check of the whole group `group` (of the cluster the pane shows)."""

        def __init__(self, table: GroupTable, group: str) -> None:
            super().__init__(table)
            self.group = group

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
    ) -> None:
        super().__init__(columns, clock=clock, id=id)
        self.read_only = read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == GROUP_HEALTH_CHECK_BINDING.action and self.read_only:
            return False  # read-only mode guards the control plane (the screen explains the key instead)
        return super().check_action(action, parameters)

    def action_group_health_check(self) -> None:
        key = key_for(self, GROUP_HEALTH_CHECK_BINDING)
        if self.cursor_key is None:
            toast(self, "No instance group is highlighted.", severity="warning")
            return
        if self.reveal_cursor(key, "check it"):
            self.post_message(self.HealthCheckRequested(self, self.cursor_key))
