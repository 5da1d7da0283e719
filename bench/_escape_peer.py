"""The Esc benchmark's peer (bench/escape_latency.py): a stock Textual app, Textual's own driver and ESCDELAY.
`/` shows an Input and focuses it; Esc hides it and the label says `Sort` again."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static


class Peer(App[None]):
    BINDINGS = [Binding("slash", "open", "Filter"), Binding("escape", "close", "Close", priority=True)]

    def compose(self) -> ComposeResult:
        yield Static("Sort", id="hint")
        yield Input(id="box")

    def on_mount(self) -> None:
        self.query_one(Input).display = False

    def action_open(self) -> None:
        box = self.query_one(Input)
        box.display = True
        box.focus()
        self.query_one("#hint", Static).update("Filtering")

    def action_close(self) -> None:
        self.query_one(Input).display = False
        self.query_one("#hint", Static).update("Sort")


if __name__ == "__main__":
    Peer().run()
