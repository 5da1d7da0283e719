"""The column chooser (`c` on a table): which columns the table shows outside wide mode, with checkboxes.

Space toggles a column, Enter keeps the choice (the caller saves it in the config file), `r` puts back the
columns' defaults, Esc leaves everything as it was. Wide mode (ctrl+w) still shows every column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from tui.core.tables import Column


class ColumnChooser(ModalScreen[list[str] | None]):
    """Dismissed with the chosen column keys, in the table's order (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "keep", "Keep", priority=True, id="columns-keep"),
        Binding("r", "defaults", "Defaults", id="columns-defaults"),
        Binding("escape", "dismiss(None)", "Cancel", id="columns-cancel"),
    ]
    DEFAULT_CSS = """
    ColumnChooser { align: center middle; }
    ColumnChooser > #columns-dialog {
        width: 56; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ColumnChooser SelectionList { height: auto; max-height: 16; border: none; padding: 0; }
    ColumnChooser #columns-keys { color: $muted; }
    """

    def __init__(self, title: str, columns: Sequence[Column], shown: Sequence[str]) -> None:
        super().__init__()
        self.title_text = title
        self.columns = tuple(columns)
        self.initial = set(shown)

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-dialog"):
            yield Static(Text(f"Columns of {self.title_text}", style="bold"), id="columns-title")
            yield SelectionList[str](
                *(
                    Selection(
                        Text(column.label + ("  (wide)" if column.wide else "")), column.key, column.key in self.initial
                    )
                    for column in self.columns
                ),
                id="columns-list",
            )
            yield Static(Text("space: show/hide · enter: keep and save · r: defaults · esc: cancel"), id="columns-keys")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def chosen(self) -> list[str]:
        selected = set(self.query_one(SelectionList).selected)
        return [column.key for column in self.columns if column.key in selected]

    def action_keep(self) -> None:
        chosen = self.chosen()
        self.dismiss(chosen or [self.columns[0].key])  # never an empty table

    def action_defaults(self) -> None:
        selections = self.query_one(SelectionList)
        selections.deselect_all()
        for column in self.columns:
            if not column.wide:
                selections.select(column.key)
