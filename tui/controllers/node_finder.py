"""The palette's node search: the names of every node listed so far (`core.node_lookup.NodeIndex`), and the lookup
of an instance id no listing holds: DescribeClusterNode of each cluster, in a worker.

`core.node_lookup.describe_everywhere` does the asking (bounded in clusters, parallel calls and time); this object
runs it in a thread worker of the main screen (one at a time: a newer lookup cancels the older), waits for it
without blocking the event loop, and remembers each answer for a short while, so that the palette asking again
as the user edits the query does not send the calls again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

from textual.worker import WorkerCancelled, WorkerFailed

from tui.core.node_lookup import DescribeResult, Entry, NodeIndex, describe_everywhere
from tui.typed_app import hyperpod_app
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

REMEMBER_SECONDS = 30.0


class NodeFinder:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._answers: dict[str, tuple[float, DescribeResult]] = {}
        self._index = NodeIndex()

    def entries(self) -> list[Entry]:
        """Every node listed so far, for the palette's search (the open cluster's first)."""
        state = self.screen.state
        return self._index.entries(state.snapshots, first=state.focus)

    async def describe(self, instance_id: str) -> DescribeResult | None:
        """Which clusters have `instance_id` (None if the lookup failed or was cancelled). Clusters whose nodes
        were never listed are asked first."""
        remembered = self._answers.get(instance_id)
        if remembered is not None and time.monotonic() - remembered[0] < REMEMBER_SECONDS:
            return remembered[1]
        state, app = self.screen.state, hyperpod_app(self.screen)
        clusters = sorted(state.cluster_names, key=lambda name: (name in state.snapshots, name))
        if not clusters:
            return None
        stop = threading.Event()

        def lookup() -> DescribeResult:
            api = app.ensure_api()
            return describe_everywhere(api.describe_node, clusters, instance_id, should_stop=stop.is_set)

        worker = run_in_thread(
            self.screen, lookup, group="node-lookup", description="Looking up a node", exclusive=True
        )
        try:
            result = await worker.wait()
        except asyncio.CancelledError:  # the palette's query changed, or it closed
            stop.set()
            worker.cancel()
            raise
        except (WorkerCancelled, WorkerFailed):  # a newer lookup replaced it; a failure is reported by the screen
            stop.set()
            return None
        assert isinstance(result, DescribeResult)
        self._answers[instance_id] = (time.monotonic(), result)
        return result
