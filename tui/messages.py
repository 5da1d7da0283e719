"""Messages that carry a refresh's results from its worker thread to the main screen (only handlers touch
widgets). Each is the Textual form of one `tui.core.refresh` event; `message_for` makes it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.core import refresh
from tui.core.errors import Problem
from tui.core.models import ClusterDetail, ClusterSummary
from tui.core.snapshot import NodeSnapshot


@dataclass
class ClustersListed(Message):
    clusters: tuple[ClusterSummary, ...]
    fetched_at: float


@dataclass
class ClusterDescribed(Message):
    detail: ClusterDetail
    fetched_at: float


@dataclass
class ClusterGone(Message):
    name: str
    reason: str


@dataclass
class NodesListed(Message):
    snapshot: NodeSnapshot


@dataclass
class RefreshFinished(Message):
    """A refresh ended; `problem` is the first thing that went wrong, or None."""

    problem: Problem | None
    started_at: float
    scheduled: bool  # part of the regular cycle (so the next one must be scheduled)


def message_for(event: refresh.RefreshEvent, *, scheduled: bool) -> Message:
    """The message that carries `event` to the screen."""
    match event:
        case refresh.ClustersFound(clusters, fetched_at):
            return ClustersListed(clusters, fetched_at)
        case refresh.ClusterFound(detail, fetched_at):
            return ClusterDescribed(detail, fetched_at)
        case refresh.ClusterVanished(name, reason):
            return ClusterGone(name, reason)
        case refresh.NodesFound(snapshot):
            return NodesListed(snapshot)
        case refresh.RefreshDone(problem, started_at):
            return RefreshFinished(problem, started_at, scheduled)
    raise TypeError(f"not a refresh event: {event!r}")
