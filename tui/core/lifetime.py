"""What must not outlive the app: its child processes and its open SSM sessions.

Whoever starts a child (a plugin on a pty, the prefetch lister) or opens an SSM session adopts it here, and
releases it when it ended the normal way. `end_all()` ends whatever is left, bounded in time: every open session
gets TerminateSession at once, each in its own daemon thread (a hung endpoint holds no one up), and every child
gets SIGHUP — all the process groups of its session when it leads one, as a hang-up of its terminal would — then
SIGKILL if anything of it is still there after a short grace. It runs on SIGHUP/SIGTERM (`tui/startup.py`), after
the App returns, and at interpreter exit. Liveness is read from /proc (a zombie counts as gone: it runs nothing);
elsewhere only the child's own process group is signalled.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterable
from typing import Protocol

SESSION_CLOSE_SECONDS = 1.2  # TerminateSession calls are waited for this long at most, all together
CHILD_GRACE_SECONDS = 0.4  # after SIGHUP, before SIGKILL


class Closable(Protocol):
    """An SSM session (core.ssm.SsmSession): `close()` is TerminateSession at most once; `closed` once tried."""

    closed: bool

    def close(self) -> bool: ...


_lock = threading.Lock()
_children: dict[int, bool] = {}  # pid → it leads its own session (a pty child) rather than sharing ours
_sessions: list[Closable] = []
_closing: list[threading.Thread] = []


def adopt_child(pid: int, *, own_session: bool) -> None:
    with _lock:
        _children[pid] = own_session


def release_child(pid: int) -> None:
    """The child ended. One that led its own session stays adopted while anything of that session lives on
    (a job it left in the background): `end_all` still ends those."""
    with _lock:
        own_session = _children.get(pid)
    if own_session and session_members(pid):
        return
    with _lock:
        _children.pop(pid, None)


def adopt_session(session: Closable) -> None:
    with _lock:
        _sessions[:] = [s for s in _sessions if not s.closed]
        _sessions.append(session)


def close_in_background(session: Closable) -> threading.Thread:
    """TerminateSession in a daemon thread that `end_all` waits for (bounded), so quitting never hangs on it."""
    thread = threading.Thread(target=session.close, name="ssm-terminate", daemon=True)
    with _lock:
        _closing[:] = [t for t in _closing if t.is_alive()]
        _closing.append(thread)
    thread.start()
    return thread


def open_sessions() -> list[Closable]:
    with _lock:
        return [s for s in _sessions if not s.closed]


def children() -> dict[int, bool]:
    with _lock:
        return dict(_children)


# -- /proc -------------------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, session) of a live process, None when it is gone (or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None if os.path.isdir("/proc/self") else _alive_without_proc(pid)
    state = fields[0].decode()
    if state in ("Z", "X"):
        return None
    return state, int(fields[2]), int(fields[3])


def _alive_without_proc(pid: int) -> tuple[str, int, int] | None:
    try:
        os.kill(pid, 0)
        return "?", os.getpgid(pid), pid
    except (ProcessLookupError, PermissionError):
        return None


def alive(pid: int) -> bool:
    return _stat(pid) is not None


def session_members(session: int) -> list[int]:
    """Live processes whose session id is `session` (a pty child's whole tree, wherever its jobs went)."""
    found = []
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc"):
            if name.isdigit():
                stat = _stat(int(name))
                if stat is not None and stat[2] == session:
                    found.append(int(name))
    return found


def _targets(pid: int, own_session: bool) -> list[int]:
    if own_session:
        return [pid, *(member for member in session_members(pid) if member != pid)]
    return [pid]


def _signal(pids: Iterable[int], own_session: bool, signum: int) -> None:
    own_group, me = os.getpgrp(), os.getpid()
    groups: set[int] = set()
    for pid in pids:
        if pid == me:
            continue
        if own_session:
            stat = _stat(pid)
            if stat is not None and stat[1] > 1 and stat[1] != own_group:
                groups.add(stat[1])
                continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


# -- ending -----------------------------------------------------------------------------------------------


def begin_ending() -> None:
    """Start ending everything, without waiting: TerminateSession threads started, every child hung up."""
    for session in open_sessions():
        close_in_background(session)
    for pid, own_session in children().items():
        _signal(_targets(pid, own_session), own_session, signal.SIGHUP if own_session else signal.SIGTERM)


def end_all(
    *, session_seconds: float = SESSION_CLOSE_SECONDS, grace: float = CHILD_GRACE_SECONDS, hang_up: bool = True
) -> list[int]:
    """End every adopted child and open session; returns the pids that needed SIGKILL. Blocks at most about
    `max(session_seconds, grace)` seconds. Safe to call more than once and from any thread."""
    started = time.monotonic()
    if hang_up:
        begin_ending()
    else:
        for session in open_sessions():
            close_in_background(session)
    leftover = children()
    deadline = started + grace
    killed: list[int] = []
    while leftover and time.monotonic() < deadline:
        leftover = {pid: own for pid, own in leftover.items() if any(map(alive, _targets(pid, own)))}
        if leftover:
            time.sleep(0.02)
    for pid, own_session in leftover.items():
        targets = [target for target in _targets(pid, own_session) if alive(target)]
        if targets:
            _signal(targets, own_session, signal.SIGKILL)
            killed.extend(targets)
    with _lock:
        _children.clear()
        threads = list(_closing)
    for thread in threads:
        thread.join(max(0.0, started + session_seconds - time.monotonic()))
    return killed


atexit.register(end_all, session_seconds=SESSION_CLOSE_SECONDS, grace=CHILD_GRACE_SECONDS)
