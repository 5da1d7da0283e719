"""Blocking I/O off the event loop, one way everywhere: a thread worker that never takes the app down.

`exit_on_error=False`: a worker catches what it expects; anything else reaches the screen's
`on_worker_state_changed` as a bug, shown rather than swallowed.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.worker import Worker


def run_in_thread(
    node: DOMNode, work: Callable[[], object], *, group: str, description: str, exclusive: bool = False
) -> Worker[object]:
    """Run `work` in a thread worker of `node` (a screen or the app); `exclusive` cancels the group's others."""
    return node.run_worker(
        work, thread=True, exclusive=exclusive, group=group, exit_on_error=False, description=description
    )
