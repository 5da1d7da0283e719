"""The action journal: one JSON object per line for every API call that changes (or, in a dry run, would change)
something, at `$XDG_STATE_HOME/hyperpod-tui/actions.jsonl`.

It answers "what did I do to this cluster at 03:12, and what did AWS say?" after the fact, so each line is
written, flushed and fsynced before the UI reports the call's result, and a write that fails raises (the caller
shows it; a journal that silently stops recording is worse than none). The file is created mode 0600 in a 0700
directory and an existing file is tightened to 0600, whatever the umask. Only what identifies the call goes in:
never credentials, tokens or session ids.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.core.environment import state_dir

JOURNAL_NAME = "actions.jsonl"
FILE_MODE = 0o600
DIR_MODE = 0o700


def default_journal_path(env: Mapping[str, str] = os.environ) -> Path:
    return state_dir(env) / JOURNAL_NAME


def iso_utc(epoch: float) -> str:
    """2026-11-20T12:00:03.250Z: ISO 8601, UTC, milliseconds."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class JournalError(OSError):
    """The journal could not be written; the message names the file and the reason."""


class Journal:
    """Appends entries to one JSONL file; safe to call from several threads at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self._lock = threading.Lock()

    def append(self, entry: Mapping[str, Any]) -> None:
        """Write one line and make it durable; raises JournalError."""
        line = (json.dumps(entry, ensure_ascii=False, separators=(", ", ": "), default=str) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
                try:
                    os.fchmod(fd, FILE_MODE)  # the umask may have widened a new file; an old one may be 0644
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(f"short write ({written} of {len(line)} bytes)")
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise JournalError(f"cannot write the action journal {self.path}: {reason}") from exc
