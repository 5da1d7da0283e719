"""Where the palette's "Screenshot" goes: `$XDG_STATE_HOME/hyperpod-tui/screenshots/<UTC time>.svg`, 0600 in a
0700 directory (a screenshot shows cluster names, hostnames and whatever a shell pane holds)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

from tui.core.environment import state_dir


def screenshot_dir(env: Mapping[str, str] = os.environ) -> Path:
    return state_dir(env) / "screenshots"


def write_screenshot(svg: str, env: Mapping[str, str] = os.environ, now: float | None = None) -> Path:
    """Write the SVG and return its path; raises OSError when it cannot be written."""
    directory = screenshot_dir(env)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    path = directory / f"hyperpod-tui-{stamp}-{os.getpid()}.svg"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(svg)
    return path
