"""Benchmark-only probe: when did the first frame showing clusters (and nodes) reach the terminal?

Off unless `HYPERPOD_TUI_FRAME_PROBE=<file>` is set (`bench/` sets it; nothing else should). Then every write of a
frame to the terminal driver is checked for the text of the first row the clusters table (and the nodes table)
shows; the first frame that contains it appends one JSON line to <file>:

    {"event": "clusters", "t": <time.monotonic()>, "cpu": <time.process_time()>, "rows": <rows in the table>}
    {"event": "nodes", "t": …, "rows": …}

`time.monotonic()` is the system-wide monotonic clock on Linux and macOS, so the benchmark compares it with its own
clock from before it started the process. `HYPERPOD_TUI_FRAME_PROBE_EXIT=clusters` (or `nodes`) makes the app exit
right after that event. The probe only reads the app's state; it changes nothing the user would see.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

ENV_FILE = "HYPERPOD_TUI_FRAME_PROBE"
ENV_EXIT = "HYPERPOD_TUI_FRAME_PROBE_EXIT"
TABLES = {"clusters": "#clusters", "nodes": "#nodes"}


def install(app: Any) -> None:
    """Wrap the app's terminal driver when the environment asks for the probe (called from the app's on_mount)."""
    path = os.environ.get(ENV_FILE)
    if path and getattr(app, "_driver", None) is not None:
        FrameProbe(app, path, os.environ.get(ENV_EXIT, ""))


class FrameProbe:
    def __init__(self, app: Any, path: str, exit_after: str) -> None:
        self.app = app
        self.path = path
        self.exit_after = exit_after
        self.pending = dict(TABLES)
        driver = app._driver  # Textual writes every frame through Driver.write (the writer thread sends it on)
        self._write = driver.write
        driver.write = self.write

    def write(self, data: str) -> None:
        self._write(data)
        if self.pending:
            self._check(data)

    def _check(self, data: str) -> None:
        try:
            screen = self.app.screen
        except Exception:  # noqa: BLE001 - no screen yet
            return
        for event, selector in list(self.pending.items()):
            try:
                table = screen.query_one(selector)
            except Exception:  # noqa: BLE001 - not on this screen
                continue
            keys = table.visible_keys
            first = table.row(keys[0]) if keys else None
            if first is None or not first.text(0) or first.text(0) not in data:
                continue
            del self.pending[event]
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(
                    json.dumps(
                        {"event": event, "t": time.monotonic(), "cpu": time.process_time(), "rows": table.row_count}
                    )
                    + "\n"
                )
            if event == self.exit_after:
                self.app.exit()
