"""The live stream on the main screen: starts core/event_stream.py's worker on the `--events-queue` (in the demo,
on a queue it sets up in the simulator), and applies what arrives at once.

- a `Cluster State Change`, and any event about a cluster, asks the existing refresh schedule for a refresh now
  (`RefreshController.request`: at once, or right after the one running; bursts coalesce there);
- a `Node Health Event` goes into `NodeHealthStore` (Textual-free, with its source and time), kept as
  `MainScreen.stream.health` for the health column (`health.get(cluster, instance_id)`);
- a `Cluster Event` is posted as `ClusterEventStreamed` to every screen on the stack, for the events view; its
  `item.event_id` is the id for DescribeClusterEvent (the envelope's metadata is usually all null).
The header says `events: live` or `events: polling (reason)`; a queue error also gives a warning toast (once per
change) and the worker retries with backoff while the 5-s polls go on. Malformed or foreign messages are counted:
the header adds `N ignored`, and a toast carries the diagnostics line once per new kind of trouble.

`q` is not held up by a 20-s long poll: the worker's thread is a daemon, `stop()` does not join it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from tui.core import event_stream, events_setup
from tui.core.event_stream import NodeHealthStore, StreamedClusterEvent, StreamItem, StreamStatus
from tui.core.fleet import real_name
from tui.text import toast
from tui.typed_app import hyperpod_app

if TYPE_CHECKING:
    from tui.core.events import ClusterEvent
    from tui.screens.main import MainScreen

DEMO_QUEUE_NAME = events_setup.DEFAULT_NAME


@dataclass
class ClusterEventStreamed(Message):
    """A `SageMaker HyperPod Cluster Event` that arrived on the queue, parsed (core/event_stream.py
    StreamedClusterEvent: cluster, group, instance, level ("" = none), description, time, and `event_id` for
    DescribeClusterEvent). Posted to every screen on the stack; a screen that shows events handles it."""

    item: StreamedClusterEvent
    event: ClusterEvent | None = None  # the same as the Events view shows it, under the cluster's key on screen


@dataclass
class StreamItemArrived(Message):
    item: StreamItem


@dataclass
class StreamStatusChanged(Message):
    status: StreamStatus


class StreamController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.app = hyperpod_app(screen)
        self.worker: event_stream.StreamWorker | None = None
        self.health = NodeHealthStore()
        self._thread: threading.Thread | None = None
        self._ignored_shown = 0
        self._state_shown = ""

    @property
    def queue(self) -> str | None:
        return self.app.settings.events_queue or None

    def start(self) -> None:
        if self.queue is None:
            return
        self.screen.header.events = "events: polling (connecting)"
        self._thread = threading.Thread(target=self._run, name="hyperpod-event-stream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def _run(self) -> None:
        queue = self.queue
        assert queue is not None
        try:
            api = self.app.ensure_api()
            sqs = api.long_poll_client("sqs", event_stream.WAIT_SECONDS)
            if self.app.simulator is not None and queue == events_setup.queue_name(DEMO_QUEUE_NAME):
                # the demo: the simulator gets the rule and queue that `events-setup --apply` would make
                queue = events_setup.apply(sqs, api.client("events"), DEMO_QUEUE_NAME).queue_url
        except Exception as exc:  # noqa: BLE001 - no stream, the polls go on
            self.screen.post_message(
                StreamStatusChanged(StreamStatus(f"polling ({event_stream.queue_error_reason(exc)})", str(exc)))
            )
            return
        worker = event_stream.StreamWorker(
            sqs,
            queue,
            on_event=lambda item: self.screen.post_message(StreamItemArrived(item)),
            on_status=lambda status: self.screen.post_message(StreamStatusChanged(status)),
        )
        self.worker = worker
        if not self.screen.is_attached:
            return
        worker.run()

    # --- on the UI thread ----------------------------------------------------------------------------------

    def arrived(self, item: StreamItem) -> None:
        if isinstance(item, event_stream.NodeHealth):
            self.health.put(item)
        elif isinstance(item, StreamedClusterEvent):
            event = event_stream.as_cluster_event(item, self._cluster_key(item.envelope))
            for screen in list(self.app.screen_stack):
                screen.post_message(ClusterEventStreamed(item, event))
        if item.envelope.cluster_name in self.screen.state.clusters or isinstance(item, event_stream.StateChange):
            self.screen.refreshes.request()
        self._show_ignored()

    def _cluster_key(self, envelope: event_stream.Envelope) -> str:
        """The key the clusters pane lists the envelope's cluster by: its ARN's row, else the one row of that name
        (a fleet's keys are `name@region`), else the name as sent."""
        clusters = self.screen.state.clusters
        by_arn = [
            key for key, summary in clusters.items() if envelope.cluster_arn and summary.arn == envelope.cluster_arn
        ]
        if by_arn:
            return by_arn[0]
        by_name = [key for key in clusters if real_name(key) == envelope.cluster_name]
        return by_name[0] if len(by_name) == 1 else envelope.cluster_name

    def status_changed(self, status: StreamStatus) -> None:
        shown, self._state_shown = self._state_shown, status.state
        self.screen.header.events = status.header()
        if status.banner and status.state != shown:  # once per new trouble, not at every retry
            toast(self.screen, status.banner, severity="warning", timeout=10)
        self._show_ignored()

    def _show_ignored(self) -> None:
        worker = self.worker
        if worker is None:
            return
        stats = worker.stats
        ignored = stats.malformed + stats.redelivered
        header = self.screen.header
        state = worker.status.header()
        header.events = f"{state} · {stats.malformed} ignored" if stats.malformed else state
        if ignored > self._ignored_shown:
            self._ignored_shown = ignored
            toast(self.screen, stats.diagnostics(), severity="warning", timeout=10)
