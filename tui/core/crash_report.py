"""Crash reports: what a maintainer needs after an unexpected exception, and nothing secret.

`$XDG_STATE_HOME/hyperpod-tui/crash/<UTC time>.txt` (0600 in a 0700 directory): the traceback (source lines, no
local variables), the versions of Python, the app and its libraries, the platform, the terminal size, and the
last keys and actions (typed text is recorded as a count of characters, never the characters). Every value of an
environment variable whose name says it is secret (…KEY, …SECRET…, …TOKEN…, …PASSWORD…) is replaced wherever it
appears, in case an exception message carries one. No credentials, tokens or log contents are written.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
import traceback
from collections import deque
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from tui.core.environment import state_dir

RECENT = 100  # keys and actions kept
_SECRET_NAME = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_LIBRARIES = ("hyperpod-tui", "textual", "rich", "boto3", "botocore", "pyte", "pyperclip")
REDACTED = "[redacted]"


class RecentInput:
    """The last RECENT keys and actions, as short labels; safe to keep for the whole session."""

    def __init__(self, size: int = RECENT) -> None:
        self._items: deque[str] = deque(maxlen=size)
        self._typed = 0  # printable characters typed into a text field since the last other key

    def key(self, name: str, *, typed_text: bool) -> None:
        if typed_text:
            self._typed += 1
            return
        self._flush()
        self._items.append(f"key {name}")

    def action(self, name: str) -> None:
        self._flush()
        self._items.append(f"action {name}")

    def items(self) -> list[str]:
        self._flush()
        return list(self._items)

    def _flush(self) -> None:
        if self._typed:
            self._items.append(f"typed {self._typed} character{'s' if self._typed != 1 else ''}")
            self._typed = 0


def _versions() -> list[str]:
    found = []
    for name in _LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return found


def _secrets(env: Mapping[str, str]) -> list[str]:
    # Longest first, so a secret that contains another is replaced whole.
    return sorted(
        {value for name, value in env.items() if _SECRET_NAME.search(name) and len(value) >= 6}, key=len, reverse=True
    )


def report_text(
    error: BaseException,
    *,
    recent: Iterable[str] = (),
    terminal: tuple[int, int] | None = None,
    env: Mapping[str, str] = os.environ,
    now: float | None = None,
) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() if now is None else now))
    lines = [
        f"hyperpod-tui crash report, {stamp}",
        "",
        f"Python {platform.python_version()} ({sys.implementation.name}) on {platform.platform()}",
        *_versions(),
        f"terminal {terminal[0]}x{terminal[1]}" if terminal else "terminal size unknown",
        f"TERM={env.get('TERM', '')} TMUX={'yes' if env.get('TMUX') else 'no'}",
        "",
        "Traceback (local variables are not recorded):",
        *"".join(traceback.format_exception(error)).rstrip("\n").splitlines(),
        "",
        f"Last keys and actions (oldest first, at most {RECENT}):",
        *(f"  {item}" for item in recent),
    ]
    text = "\n".join(lines) + "\n"
    for secret in _secrets(env):
        text = text.replace(secret, REDACTED)
    return text


def write_report(text: str, env: Mapping[str, str] = os.environ, now: float | None = None) -> Path:
    """Write the report and return its path; raises OSError when it cannot be written."""
    directory = state_dir(env) / "crash"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    path = directory / f"{stamp}-{os.getpid()}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
