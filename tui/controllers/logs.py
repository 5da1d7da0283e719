"""`l` on the main screen: the lifecycle log of a node, or the log a cluster's FailureMessage names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.core.log_target import LogTarget
from tui.core.models import no_instance_reason
from tui.core.sanitize import clean
from tui.text import toast

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class LogsController:
    """Finds the log to open for `screen`; `open_log` shows it (the screen pushes its log viewer)."""

    def __init__(self, screen: MainScreen, *, open_log: Callable[[LogTarget], None]) -> None:
        self.screen = screen
        self._open_log = open_log

    def open_for_node(self, instance_id: str) -> None:
        screen = self.screen
        snapshot = screen.state.focus_snapshot
        node = snapshot.nodes.get(instance_id) if snapshot else None
        if node is None or screen.state.focus is None:
            return
        refusal = no_instance_reason(node, "its lifecycle and health logs (named by instance id)")
        if refusal:
            toast(screen, refusal, severity="warning")
            return
        self._open_log(LogTarget.for_node(screen.state.focus, screen.state.focus_detail, node))

    def open_for_cluster(self, name: str) -> None:
        screen = self.screen
        detail = screen.state.detail_of(name)
        if detail is None:
            toast(screen, f"{clean(name)}: details still loading; try again in a moment.", timeout=4)
            return
        if not detail.failure_message:
            toast(
                screen,
                f"{clean(name)} has no failure message. Open a node's log from the nodes pane with l.",
                timeout=6,
            )
            return
        snapshot = screen.state.snapshot_of(name)
        target = LogTarget.for_cluster_failure(detail, dict(snapshot.nodes) if snapshot else None)
        if target is None:
            toast(
                screen,
                f"The failure message of {clean(name)} names no log and no instance.",
                severity="warning",
                timeout=6,
            )
            return
        self._open_log(target)
