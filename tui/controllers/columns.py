"""The tables' chosen columns: applied from the config at start, changed with the chooser (`c`), saved.

The choice is saved into the config file's [columns] table (`tui.config.save_columns`: atomic, every other
setting kept). When the file cannot be written the choice still holds for this session, and a toast says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tui.config import ConfigError, default_config_path, save_columns
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from textual.screen import ModalScreen

    from tui.core.tables import Column
    from tui.screens.main import MainScreen

Chooser = Callable[[str, "Sequence[Column]", "Sequence[str]"], "ModalScreen[list[str] | None]"]


class ColumnsController:
    def __init__(self, screen: MainScreen, *, chooser: Chooser) -> None:
        self.screen = screen
        self._chooser = chooser  # tui.screens.columns.ColumnChooser (controllers never import screens)

    def apply_settings(self, tables: list[ResourceTable]) -> None:
        chosen = hyperpod_app(self.screen).settings.columns
        for table in tables:
            if table.id is not None and table.id in chosen:
                table.set_view(chosen=chosen[table.id])

    def choose(self, table: ResourceTable) -> None:
        model = table.model
        shown = sorted(model.chosen) if model.chosen is not None else model.default_columns()

        def chosen(keys: list[str] | None) -> None:
            if keys is None:
                return
            table.set_view(chosen=keys)
            table.focus()
            self._save(table, keys)

        title = table.id or "this table"
        self.screen.app.push_screen(self._chooser(title, model.columns, shown), callback=chosen)

    def _save(self, table: ResourceTable, keys: list[str]) -> None:
        settings = hyperpod_app(self.screen).settings
        path = settings.config_file or default_config_path()
        if table.id is None:
            return
        try:
            save_columns(path, table.id, keys)
        except ConfigError as exc:
            toast(self.screen, f"Columns kept for this session only: {exc}", severity="warning", timeout=8)
            return
        toast(self.screen, f"Columns of {table.id} saved in {path}")
