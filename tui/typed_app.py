"""The running app, typed, for widgets and screens, and the keys its bindings are bound to.

Textual types `self.app` as a plain `App`; the one `cast` here replaces an ignore at every read of the settings,
the clock or the API. The keymap helpers read the user's `[keymap]` from the settings, never Textual's private
`App._keymap`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from tui.app import HyperPodApp


def hyperpod_app(node: MessagePump) -> HyperPodApp:
    """`node.app` as the HyperPodApp it is (every widget and screen here runs inside one)."""
    return cast("HyperPodApp", node.app)


def keys_for(node: MessagePump, binding: Binding) -> list[str]:
    """Every key that runs `binding` now: the user's `[keymap]` entry for its id, else its own keys."""
    keymap = hyperpod_app(node).settings.keymap
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [part.strip() for part in keys.split(",") if part.strip()]


def key_for(node: MessagePump, binding: Binding) -> str:
    """The first key that runs `binding` now, as shown in hints and footers."""
    keys = keys_for(node, binding)
    return keys[0] if keys else binding.key
