"""The filter line under the panes: opened on a table, it filters that table as the user types.

Enter keeps the filter and returns to the table; `close(keep=False)` (the screen's Esc) clears it first. The
typed (or pasted) text is clean (`CleanInput`) and goes to the table's model as a query, never into markup.
"""

from __future__ import annotations

from textual import on
from textual.widgets import Input

from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

PLACEHOLDER = "filter: words · column:value (status:fail, group:worker) · !word excludes"


class FilterBox(CleanInput):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)
        self.target: ResourceTable | None = None  # the table being filtered (the last one, once closed)

    def on_mount(self) -> None:
        self.display = False

    def open(self, table: ResourceTable) -> None:
        self.target = table
        self.display = True
        self.value = table.query
        self.focus_now()

    def step_back(self, table: ResourceTable) -> bool:
        """Esc on a screen whose table this box filters: close the box (clearing it), else clear the table's
        filter. False when there was neither, so the screen itself goes back."""
        if self.screen.focused is self:
            self.close(keep=False)
            return True
        if table.query:
            table.set_filter("")
            return True
        return False

    def close(self, *, keep: bool) -> None:
        self.display = False
        if self.target is not None:
            if not keep:
                self.target.set_filter("")
            self.target.focus()

    @on(Input.Changed)
    def _apply(self, event: Input.Changed) -> None:
        if self.target is not None and self.display:
            self.target.set_filter(event.value)

    @on(Input.Submitted)
    def _keep(self, event: Input.Submitted) -> None:
        self.close(keep=True)
