"""Run in a pty by tests/app/test_escape_key.py: a tiny Textual app that records when each key arrives.

argv: output file, "prompt" (tui/escape_key.py's driver) or "stock" (Textual's LinuxDriver)."""

from __future__ import annotations

import sys
import time

from tui.escape_key import lower_escape_delay

lower_escape_delay()

from textual import events  # noqa: E402 - ESCDELAY is read when textual is imported
from textual.app import App  # noqa: E402


class Probe(App[None]):
    def __init__(self, out: str, kind: str) -> None:
        self.kind = kind  # get_driver_class runs in App.__init__
        super().__init__()
        self.out = open(out, "a", buffering=1)

    def get_driver_class(self):
        if self.kind == "prompt":
            from tui.escape_key import driver_class

            return driver_class()
        return super().get_driver_class()

    def on_mount(self) -> None:
        self.out.write("ready\n")

    def on_key(self, event: events.Key) -> None:
        self.out.write(f"{event.key} {time.monotonic()}\n")
        if event.key == "q":
            self.exit()


if __name__ == "__main__":
    Probe(sys.argv[1], sys.argv[2]).run()
