"""Messages that carry results from worker threads to the main thread (only handlers touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.core.errors import Problem
from tui.core.models import ClusterDetail, ClusterSummary
from tui.core.poller import NodeSnapshot


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
