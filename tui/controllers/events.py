"""The Events view's controller: what `e` (and the `:events` command) opens, scoped to what is focused.

On the clusters pane: the highlighted cluster; on the groups pane: the focused cluster's highlighted group; on the
nodes pane: the highlighted node. The view (screens/events.py) links back here to open a node's details or its
lifecycle-script log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.core.events import EventQuery
from tui.core.sanitize import clean
from tui.text import toast
from tui.typed_app import hyperpod_app

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.screens.main import MainScreen

EVENTS_BINDING = Binding(
    "e", "events", "Events", show=False, id="events", tooltip="Cluster events of the highlighted cluster, group or node"
)


class EventsController:
    """`events_screen(query, api_getter, observed=, open_node=, open_log=)` builds the Events view and
    `node_screen(detail, node, api_getter)` a node's details: the main screen supplies them (controllers never
    import screens)."""

    def __init__(
        self, screen: MainScreen, *, events_screen: Callable[..., Screen], node_screen: Callable[..., Screen]
    ) -> None:
        self.screen = screen
        self._events_screen = events_screen
        self._node_screen = node_screen

    def query_for_focus(self) -> EventQuery | None:
        screen = self.screen
        focused = screen.focused
        state = screen.state
        if focused is screen.groups_table and state.focus and (key := screen.groups_table.cursor_key):
            # A group with an operation in progress: that operation's events first (`w` in the view widens)
            snapshot = state.snapshot_of(state.focus)
            for operation in snapshot.operations if snapshot else ():
                if operation.status == "InProgress" and (text := operation.text_for(key)):
                    label = f"{clean(operation.type, max_len=40)}: {text}"
                    return EventQuery(state.focus, group=key, operation=operation.operation_id, operation_label=label)
            return EventQuery(state.focus, group=key)
        if focused is screen.nodes_table and state.focus and (key := screen.nodes_table.cursor_key):
            return EventQuery(state.focus, node=key)
        key = screen.clusters_table.cursor_key if focused is screen.clusters_table else state.focus
        key = key or screen.clusters_table.cursor_key
        return EventQuery(key) if key else None

    def open(self, cluster: str | None = None, *, group: str | None = None, node: str | None = None) -> None:
        """Open the Events view: of `cluster` (narrowed to `group` or `node`), or of what is focused."""
        query = EventQuery(cluster, group=group, node=node) if cluster else self.query_for_focus()
        if query is None:
            toast(self.screen, "No cluster to show events of yet.", timeout=3)
            return
        state = self.screen.state
        self.screen.app.push_screen(
            self._events_screen(
                query,
                hyperpod_app(self.screen).ensure_api,
                observed=lambda: state.observed.of(query.cluster, group=query.group, node=query.node),
                open_node=lambda iid: self.open_node(query.cluster, iid),
                open_log=lambda iid: self.open_log(query.cluster, iid),
            )
        )

    def _node(self, cluster: str, instance_id: str):
        snapshot = self.screen.state.snapshot_of(cluster)
        node = snapshot.nodes.get(instance_id) if snapshot else None
        if node is None:
            toast(
                self.screen, f"Node {clean(instance_id)} is not in the node list (gone, or not listed yet).", timeout=4
            )
        return node

    def open_node(self, cluster: str, instance_id: str) -> None:
        detail = self.screen.state.detail_of(cluster)
        node = self._node(cluster, instance_id)
        if node is not None and detail is not None:
            snapshot = self.screen.state.snapshot_of(cluster)
            verdict = snapshot.verdicts.get(instance_id) if snapshot is not None else None
            self.screen.app.push_screen(self._node_screen(detail, node, hyperpod_app(self.screen).ensure_api, verdict))

    def open_log(self, cluster: str, instance_id: str) -> None:
        if self._node(cluster, instance_id) is None:
            return
        if self.screen.state.focus != cluster:
            toast(self.screen, "Open the node's cluster first to read its lifecycle log.", timeout=4)
            return
        self.screen.logs.open_for_node(instance_id)
