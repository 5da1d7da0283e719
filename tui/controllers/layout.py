"""How the main screen shares its height: the focused pane gets the space, and the screen itself never scrolls.

- Roomy (ROOMY_HEIGHT rows or more): every pane shows its rows; the clusters and groups panes take what they need
  (at most 30% each, half for the focused one) and the nodes pane the rest.
- Compact (below it, 80×24 included): the clusters and groups panes shrink to their title line unless focused;
  the nodes pane takes the rest (a preview of the highlighted cluster's nodes while another pane is focused).
- Single (below SINGLE_HEIGHT): only the focused pane, as k9s shows one view at a time.
- An open shell pane takes its space from the clusters and groups panes first: they shrink to their title line
  whatever the height, and the nodes pane shares the rest with the shell.

The "active" pane is the one whose table has the focus, or the filter box's table, or (while the focus is in the
shell) the last table focused. The layout is CSS classes on the screen and the panes (tui/app.tcss).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from textual.widget import Widget

    from tui.screens.main import MainScreen

ROOMY_HEIGHT = 32
SINGLE_HEIGHT = 16
PANES = ("#clusters-pane", "#groups-pane", "#nodes-pane")
COMPACT, SINGLE, SHELL_OPEN = "-compact", "-single", "-shell-open"
ACTIVE, COLLAPSED = "-active", "-collapsed"


class PaneLayout:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.active = "#clusters-pane"

    def focus_changed(self, focused: Widget | None) -> None:
        table = focused if isinstance(focused, ResourceTable) else None
        if table is None and focused is self.screen.filter_box:
            table = self.screen.filter_box.target
        if table is not None and table.parent is not None and f"#{table.parent.id}" in PANES:
            self.active = f"#{table.parent.id}"
        self.apply()

    def apply(self) -> None:
        screen = self.screen
        height = screen.size.height
        shell = screen.shells.tabs
        shell_open = shell is not None and bool(shell.sessions)
        screen.set_class(height < ROOMY_HEIGHT, COMPACT)
        screen.set_class(height < SINGLE_HEIGHT, SINGLE)
        screen.set_class(shell_open, SHELL_OPEN)
        squeezed = height < ROOMY_HEIGHT or shell_open
        for pane_id in PANES:
            pane = screen.query_one(pane_id)
            active = pane_id == self.active
            pane.set_class(active, ACTIVE)
            # The nodes pane is never only a title line: it is the preview of the highlighted cluster.
            pane.set_class(squeezed and not active and pane_id != "#nodes-pane", COLLAPSED)
