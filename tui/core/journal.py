"""The action journal: one JSON object per line, written ahead of every API call that changes (or, in a dry run,
would change) something, at `$XDG_STATE_HOME/hyperpod-tui/actions.jsonl`.

It answers "what did I do to this cluster at 03:12, and what did AWS say?" after the fact, including after a
crash. Each attempt of a call is two lines sharing one `id` (ours: the Batch* APIs take no client token):
- an `intent` line, written, flushed and fsynced *before* the request is sent; if it cannot be written the
  request is not sent (the caller's rule, see core/actions.py);
- a `result` line after the answer: the outcome, per-node outcomes, AWS's request id and the duration. A call
  whose answer never came (read timeout, connection closed after sending) says `unknown, may have executed`.
An intent without a result is an attempt whose fate the journal does not know: the process died, or the
result could not be written. `read_journal` pairs the two and lists such intents.

A write that fails raises JournalError (the caller shows it; a journal that silently stops recording is worse
than none). The file is created mode 0600 in a 0700 directory and an existing file is tightened to 0600,
whatever the umask. Only what identifies the call goes in: never credentials, tokens or session ids.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.core.environment import state_dir

JOURNAL_NAME = "actions.jsonl"
DEMO_JOURNAL_NAME = "demo-actions.jsonl"  # --demo runs: the simulator's calls, never in the real audit trail
FILE_MODE = 0o600
DIR_MODE = 0o700

INTENT, RESULT = "intent", "result"
OUTCOME_UNKNOWN = "unknown, may have executed"
NO_RESULT = "no result recorded: may have executed"
LEGACY = "legacy"  # a line from before the journal was write-ahead: the call and its result in one line


def default_journal_path(env: Mapping[str, str] = os.environ, *, demo: bool = False) -> Path:
    """The user's audit trail, or with `demo` the demo's own journal (simulated calls never mix with real ones)."""
    return state_dir(env) / (DEMO_JOURNAL_NAME if demo else JOURNAL_NAME)


def iso_utc(epoch: float) -> str:
    """2026-11-20T12:00:03.250Z: ISO 8601, UTC, milliseconds."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso(text: object) -> float | None:
    """The epoch of an `iso_utc` stamp (or any ISO 8601 time with a zone); None if it is not one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def new_attempt_id() -> str:
    """Pairs an intent line with its result line; random, so two processes never collide."""
    return uuid.uuid4().hex


class JournalError(OSError):
    """The journal could not be written; the message names the file and the reason."""


class Journal:
    """Appends entries to one JSONL file; safe to call from several threads at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self._lock = threading.Lock()

    def append(self, entry: Mapping[str, Any]) -> None:
        """Write one line and make it durable (fsync) before returning; raises JournalError."""
        line = (json.dumps(entry, ensure_ascii=False, separators=(", ", ": "), default=str) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                fd = os.open(self.path, flags, FILE_MODE)
                try:
                    os.fchmod(fd, FILE_MODE)  # the umask may have widened a new file; an old one may be 0644
                    size = os.fstat(fd).st_size
                    if size and os.pread(fd, 1, size - 1) != b"\n":
                        line = b"\n" + line  # a torn last line (disk full, power loss) stays alone on its line
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(f"short write ({written} of {len(line)} bytes)")
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise JournalError(f"cannot write the action journal {self.path}: {reason}") from exc


# --- reading it back ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JournalAttempt:
    """One request as the journal knows it: its intent and its result (None: no result was recorded).

    A line from before the write-ahead format is an attempt of its own with `legacy` set: it was written after
    the call, so it is both the intent and the result."""

    intent: Mapping[str, Any]
    result: Mapping[str, Any] | None
    legacy: bool = False

    @property
    def time(self) -> float | None:
        return parse_iso(self.intent.get("time"))

    @property
    def outcome(self) -> str:
        if self.legacy:
            return legacy_outcome(self.intent)
        if self.result is None:
            return NO_RESULT
        return str(self.result.get("outcome") or "")

    @property
    def unpaired(self) -> bool:
        return not self.legacy and self.result is None


@dataclass(frozen=True, slots=True)
class JournalReport:
    path: str
    attempts: tuple[JournalAttempt, ...]
    unreadable_lines: tuple[int, ...] = ()  # 1-based line numbers that are not JSON objects (e.g. a torn line)
    orphan_results: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)  # a result whose intent is gone

    @property
    def unpaired(self) -> list[JournalAttempt]:
        return [attempt for attempt in self.attempts if attempt.unpaired]


def legacy_outcome(entry: Mapping[str, Any]) -> str:
    if entry.get("dry_run"):
        return "Dry run"
    error = entry.get("error")
    if isinstance(error, Mapping):
        return "Failed"
    response = entry.get("response")
    if isinstance(response, Mapping):
        return "Partly failed" if response.get("Failed") else "Successful"
    return "unknown"


def pair_entries(entries: Iterable[Mapping[str, Any]], *, since: float | None = None) -> list[JournalAttempt]:
    """Intents paired with their results by `id`, in the order the intents were written; old-format lines as
    legacy attempts; results without an intent are dropped (see `read_journal` for those)."""
    attempts: list[JournalAttempt] = []
    results: dict[str, Mapping[str, Any]] = {}
    intents: list[Mapping[str, Any]] = []
    for entry in entries:
        kind = entry.get("kind")
        if kind == INTENT:
            intents.append(entry)
        elif kind == RESULT:
            results[str(entry.get("id"))] = entry
        elif kind is None and "operation" in entry:
            intents.append(entry)
    for intent in intents:
        legacy = intent.get("kind") is None
        when = parse_iso(intent.get("time"))
        if since is not None and (when is None or when < since):
            continue
        result = None if legacy else results.get(str(intent.get("id")))
        attempts.append(JournalAttempt(intent, result, legacy))
    return attempts


def read_journal(path: Path, *, since: float | None = None) -> JournalReport:
    """Read the whole journal; a torn or otherwise unreadable line is counted, never fatal. Raises OSError if
    the file exists but cannot be read; a missing file is an empty journal."""
    entries: list[Mapping[str, Any]] = []
    unreadable: list[int] = []
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return JournalReport(str(path), ())
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            unreadable.append(number)
            continue
        if isinstance(entry, dict):
            entries.append(entry)
        else:
            unreadable.append(number)
    attempts = pair_entries(entries, since=since)
    intent_ids = {str(e.get("id")) for e in entries if e.get("kind") == INTENT}
    orphans = tuple(
        e
        for e in entries
        if e.get("kind") == RESULT
        and str(e.get("id")) not in intent_ids
        and (since is None or (parse_iso(e.get("time")) or 0.0) >= since)
    )
    return JournalReport(str(path), tuple(attempts), tuple(unreadable), orphans)


_SINCE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> float:
    """`1d`, `2h`, `30m`, `45s` (or `1h30m`) → seconds; raises ValueError naming the accepted forms."""
    value = text.strip().lower()
    parts = _SINCE.findall(value)
    if not value or _SINCE.sub("", value).strip() or not parts:
        raise ValueError(f"--since: {text!r} is not a duration like 1d, 2h, 30m or 45s")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
