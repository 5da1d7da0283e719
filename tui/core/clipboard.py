"""The system clipboard through pyperclip, when one is reachable; the caller falls back to OSC 52 otherwise.

"Reachable" means pyperclip found a mechanism (pbcopy, xclip, xsel, wl-copy, …) *and* we are not in an SSH
session without a forwarded display: there pbcopy or xclip would fill the clipboard of the machine the app runs
on, not the one the user is sitting at, and OSC 52 (the terminal copies; works over SSH and in tmux with
`set -g set-clipboard on`) is the right channel.

Both the probe (pyperclip may import gtk/qt or look through PATH) and the copy (it runs xclip, pbcopy …)
block: call them from a worker thread, never the event loop. The probe runs once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping

Copier = Callable[[str], None]

_lock = threading.Lock()
_probed = False
_copier: Copier | None = None


def remote_without_display(env: Mapping[str, str]) -> bool:
    """True in an SSH session with no X11/Wayland display forwarded to the user's machine."""
    over_ssh = any(env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))
    has_display = any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY"))
    return over_ssh and not has_display


def _probe(env: Mapping[str, str]) -> Copier | None:
    if remote_without_display(env):
        return None
    try:
        import pyperclip

        copy, _paste = pyperclip.determine_clipboard()
    except Exception:  # noqa: BLE001 - a broken clipboard library must not break copying via OSC 52
        return None
    return copy if copy else None  # pyperclip's ClipboardUnavailable is falsy


def native_copier(env: Mapping[str, str] | None = None) -> Copier | None:
    """pyperclip's copy function when a system clipboard is reachable, else None. Blocking, probed once."""
    global _probed, _copier
    with _lock:
        if not _probed:
            _copier = _probe(os.environ if env is None else env)
            _probed = True
        return _copier


def mechanism_name(copier: Copier) -> str:
    """`xclip` for pyperclip's `copy_xclip`, and so on (for the notification)."""
    name = getattr(copier, "__name__", "") or type(copier).__name__
    return name.removeprefix("copy_") or "system"


def copy_native(text: str) -> str | None:
    """Copy with the system clipboard. Returns the mechanism's name, or None when there is none or it failed.

    Blocking (runs a helper program): call it from a worker thread.
    """
    copier = native_copier()
    if copier is None:
        return None
    try:
        copier(text)
    except Exception:  # noqa: BLE001 - e.g. xclip cannot open the display: fall back to OSC 52
        return None
    return mechanism_name(copier)


def copy_for_user(text: str, through_terminal: Callable[[str], None]) -> str:
    """Copy `text` with the system clipboard, else hand it to `through_terminal` (the App's OSC 52 copy);
    returns how it was copied, for the notification. Blocking: call it from a worker thread."""
    mechanism = copy_native(text)
    if mechanism is None:
        through_terminal(text)
        return "through the terminal (OSC 52; in tmux: set -g set-clipboard on)"
    return f"to the system clipboard ({mechanism})"


def reset() -> None:
    """Forget the probe (tests; or after the environment changed)."""
    global _probed, _copier
    with _lock:
        _probed, _copier = False, None
