"""`?`: every key, as currently bound (the config's [keymap] applied), with the id to rebind it by."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.typed_app import keys_for

HelpSection = tuple[str, Sequence[Binding]]


def bindings_of(cls: type) -> list[Binding]:
    """The `Binding`s a class and its bases from this app declare (mixins included; Textual's own defaults,
    such as ScrollView's arrow keys, are left out: ours replace them)."""
    seen: dict[str, Binding] = {}
    for base in reversed(cls.__mro__):
        if not base.__module__.startswith("tui."):
            continue
        for binding in base.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding):
                seen[binding.id or f"{binding.key}:{binding.action}"] = binding
    return list(seen.values())


def interface_classes() -> list[type[DOMNode]]:
    """Every screen and widget class defined in a module of `tui.screens` or `tui.widgets` (imported here), so
    that a list of every binding is derived rather than kept by hand."""
    import tui.screens
    import tui.widgets

    found: list[type[DOMNode]] = []
    for package in (tui.screens, tui.widgets):
        for module_info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            found += [
                value
                for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, DOMNode) and value.__module__ == module.__name__
            ]
    return found


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "app.pop_screen", "Close", id="help-close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 95%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sections: Iterable[HelpSection], notes: Sequence[str] = ()) -> None:
        super().__init__()
        self._sections = list(sections)
        self._notes = list(notes)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys · Esc closes"
            yield Static(self._render_help())

    def _render_help(self) -> Group:
        rows: list[tuple[str, list[tuple[str, str, str]]]] = []
        for title, bindings in self._sections:
            section = []
            for binding in bindings:
                display = ", ".join(
                    self.app.get_key_display(dataclasses.replace(binding, key=key)) for key in keys_for(self, binding)
                )
                section.append((display, binding.tooltip or binding.description or binding.action, binding.id or ""))
            rows.append((title, section))
        # One width per column for every section, so keys, descriptions and ids line up down the whole screen.
        key_width = max([14] + [cell_len(key) for _, section in rows for key, _, _ in section])
        id_width = max([0] + [cell_len(id_) for _, section in rows for _, _, id_ in section])
        parts: list = []
        for title, section in rows:
            table = Table.grid(padding=(0, 2), expand=True)
            table.add_column(style="bold", no_wrap=True, width=key_width)
            table.add_column(ratio=1)
            table.add_column(style="dim", no_wrap=True, width=id_width)
            for key, description, id_ in section:
                table.add_row(Text(key), Text(description), Text(id_))
            parts += [Text(title, style="bold underline"), table, Text("")]
        for note in self._notes:
            parts.append(Text(note, style="italic"))
        parts.append(
            Text('Rebind any key by its id in the [keymap] table of config.toml, e.g.  refresh = "ctrl+r"', style="dim")
        )
        return Group(*parts)
