"""Test support: a minimal app around one PtyPane, and a wait on conditions (CI machines are busy)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.widgets import Input

from tui.widgets.pty_pane import PtyPane


class PaneApp(App[None]):
    def __init__(self, argv: list[str], *, with_input: bool = False, **pane_kwargs: object) -> None:
        super().__init__()
        self.argv = argv
        self.with_input = with_input
        self.pane_kwargs = pane_kwargs
        self.exited: list[int] = []
        self.outputs: list[bytes] = []
        self.escapes = 0
        self.spawn_errors: list[Exception] = []

    def compose(self) -> ComposeResult:
        yield PtyPane(self.argv, id="pane", **self.pane_kwargs)  # type: ignore[arg-type]
        if self.with_input:
            yield Input(id="other")

    def on_mount(self) -> None:
        self.pane.focus()

    @property
    def pane(self) -> PtyPane:
        return self.query_one(PtyPane)

    @property
    def text(self) -> str:
        return "\n".join(self.pane.screen_lines)

    def on_pty_pane_exited(self, message: PtyPane.Exited) -> None:
        self.exited.append(message.exit_code)

    def on_pty_pane_output(self, message: PtyPane.Output) -> None:
        self.outputs.append(message.data)

    def on_pty_pane_escape_requested(self, message: PtyPane.EscapeRequested) -> None:
        self.escapes += 1

    def on_pty_pane_spawn_failed(self, message: PtyPane.SpawnFailed) -> None:
        self.spawn_errors.append(message.error)


async def wait_for(pilot, predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            app = pilot.app
            raise AssertionError(f"timed out waiting for {what}; screen:\n{getattr(app, 'text', '')}")
        await pilot.pause(0.05)


def open_fds() -> list[str]:
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            pass  # the listing's own fd, already closed
    return sorted(found)
