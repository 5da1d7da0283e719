"""Starting and ending a child on a pty, for the shell pane (widgets/pty_pane.py) and `run` (core/run.py)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import termios
from collections.abc import Iterable, Mapping, Sequence
from signal import SIGHUP, SIGKILL


def set_window_size(fd: int, rows: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _take_controlling_tty() -> None:
    # In the child before exec: setsid() already ran (start_new_session) and the pty slave is fd 0.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def spawn_on_pty(
    argv: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str] | None, rows: int, columns: int
) -> tuple[asyncio.subprocess.Process, int]:
    """Start argv as a session leader whose controlling terminal is a new pty of the given size.

    Returns the process and the pty master (non-blocking); the slave is closed here. Raises what the spawn
    raised (OSError for a missing program), with no fd left open.
    """
    master, slave = pty.openpty()
    try:
        set_window_size(master, rows, columns)  # before the child exists, so its first `stty size` is right
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_take_controlling_tty,
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return process, master


def foreground_group(fd: int) -> int | None:
    with contextlib.suppress(OSError):
        return os.tcgetpgrp(fd)
    return None


def signal_groups(groups: Iterable[int | None], signum: int) -> None:
    own = os.getpgrp()
    for group in groups:
        if group is None or group <= 1 or group == own:  # tcgetpgrp can answer 0: never signal ourselves
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


async def hang_up(process: asyncio.subprocess.Process, groups: set[int | None], grace: float) -> None:
    """SIGHUP the child's process groups; SIGKILL them if the child outlives `grace`. Reaps it either way."""
    if process.returncode is not None:
        return
    signal_groups(groups, SIGHUP)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        signal_groups(groups, SIGKILL)
        await process.wait()
