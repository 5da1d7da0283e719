"""What a simulated node answers to `hyperpod-tui ssh-config --install-key`'s command: the key appended to the
user's authorized_keys (nothing is written anywhere: the node is simulated) and the presence marker the command
prints after checking the file, with bash's exit status. Any other command: None (tui/sim/node_sandbox.py answers).
No import from the app: the marker is spelled out here as the node's shell would print it.
"""

from __future__ import annotations

import re

KEY_MARKER = "__hyperpod_key=present"
_USER = re.compile(r"getent passwd ([a-z_][a-z0-9_.-]{0,31}) ")


def answer(document: str, command: str) -> str | None:
    if document != "AWS-StartInteractiveCommand" or "authorized_keys" not in command or KEY_MARKER not in command:
        return None
    if _USER.search(command) is None:
        return "__hyperpod_rc=2\n"
    return f"{KEY_MARKER}\n__hyperpod_rc=0\n"
