"""`l` on the main screen: the lifecycle log of the node under the cursor, or the log a cluster's FailureMessage names.

A mixin of `MainScreen` (see CONTEXT: one mixin per feature); it reads the screen's state and pushes `LogScreen`.
It derives from `Screen` because Textual merges `BINDINGS` only from the DOMNode classes of the MRO: a plain mixin's
bindings would never be bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.core.log_target import LogTarget
from tui.core.sanitize import clean

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class LogsMixin(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "l",
            "logs",
            "Logs",
            id="logs",
            tooltip="Lifecycle-script log of the node; on a cluster, the log its failure message names",
        ),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logs":
            main: MainScreen = self  # type: ignore[assignment]
            table = main._focused_table()
            return table is not None and table in (main.nodes_table, main.clusters_table)
        return super().check_action(action, parameters)

    def action_logs(self) -> None:
        main: MainScreen = self  # type: ignore[assignment]
        table = main._focused_table()
        if table is None or table.cursor_key is None:
            return
        target = (
            self._node_log_target(table.cursor_key)
            if table is main.nodes_table
            else (self._cluster_log_target(table.cursor_key) if table is main.clusters_table else None)
        )
        if target is not None:
            from tui.screens.logs import LogScreen

            main.app.push_screen(LogScreen(target))

    def _node_log_target(self, instance_id: str) -> LogTarget | None:
        main: MainScreen = self  # type: ignore[assignment]
        snapshot = main.focus_snapshot
        node = snapshot.nodes.get(instance_id) if snapshot else None
        if node is None or main.focus_cluster is None:
            return None
        return LogTarget.for_node(main.focus_cluster, main.focus_detail, node)

    def _cluster_log_target(self, name: str) -> LogTarget | None:
        main: MainScreen = self  # type: ignore[assignment]
        detail = main._details.get(name)
        if detail is None:
            main.notify(f"{clean(name)}: details still loading; try again in a moment.", markup=False, timeout=4)
            return None
        if not detail.failure_message:
            main.notify(
                f"{clean(name)} has no failure message. Open a node's log from the nodes pane with l.",
                markup=False,
                timeout=6,
            )
            return None
        snapshot = main._snapshots.get(name)
        target = LogTarget.for_cluster_failure(detail, snapshot.nodes if snapshot else None)
        if target is None:
            main.notify(
                f"The failure message of {clean(name)} names no log and no instance.",
                markup=False,
                severity="warning",
                timeout=6,
            )
        return target
