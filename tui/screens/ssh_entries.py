"""The ssh config entries of a cluster (`i` on a node, `:ssh-config`): shown, copied (y), written (w, after a
question naming the file). The entries are tui.core.ssh_config's; the controller is tui/controllers/forwards.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.core.sanitize import clean
from tui.core.ssh_config import Entries


class SshEntriesScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="ssh-entries-close"),
        Binding("y", "copy", "Copy", tooltip="Copy the entries to the clipboard", id="ssh-entries-copy"),
        Binding("w", "write", "Write", tooltip="Merge them into the ssh config (asks first)", id="ssh-entries-write"),
    ]
    DEFAULT_CSS = """
    SshEntriesScreen { align: center middle; }
    SshEntriesScreen > #ssh-entries { width: 120; max-width: 98%; height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    #ssh-entries > #ssh-entries-note { height: auto; color: $muted; }
    #ssh-entries > #ssh-entries-body { height: 1fr; }
    #ssh-entries > #ssh-entries-keys { height: 1; color: $muted; }
    """

    def __init__(
        self,
        entries: Entries,
        note: str,
        *,
        on_copy: Callable[[Entries], None],
        on_write: Callable[[Entries], None],
    ) -> None:
        super().__init__()
        self.entries, self.note = entries, note
        self._on_copy, self._on_write = on_copy, on_write

    def compose(self) -> ComposeResult:
        with Vertical(id="ssh-entries") as box:
            box.border_title = Text(
                f"ssh through SSM · {clean(self.entries.cluster)} · {len(self.entries.hosts)} hosts"
            )
            yield Static(Text(clean(self.note, keep_newlines=True)), id="ssh-entries-note")
            with VerticalScroll(id="ssh-entries-body"):
                yield Static(Text(clean(self.entries.text, keep_newlines=True), no_wrap=True, overflow="ellipsis"))
            yield Static(Text("y copy · w write to the ssh config (asks first) · Esc back"), id="ssh-entries-keys")

    def action_copy(self) -> None:
        self._on_copy(self.entries)

    def action_write(self) -> None:
        self._on_write(self.entries)

    def action_close(self) -> None:
        self.dismiss(None)
