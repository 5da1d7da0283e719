"""CloudWatch Logs state: groups, streams, and the time-dependent view of a stream's events.

A stream's events come from a LineSource (lifecycle.py) plus anything appended through put_log_events.
An event becomes visible once its ingestion time has passed, which is how a follower sees a provisioning
node's log grow as simulated time goes by.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

from tui.sim.lifecycle import AppendedLines, LineSource

# CloudWatch typically ingests an agent's line a fraction of a second after it was written.
INGEST_DELAY_MS = 350


def first_after(source: LineSource, limit_ms: int, lo: int = 0, hi: int | None = None) -> int:
    """The first index in [lo, hi) whose timestamp is greater than `limit_ms` (timestamps ascend)."""
    hi = len(source) if hi is None else hi
    while lo < hi:
        mid = (lo + hi) // 2
        if source.timestamp_ms(mid) <= limit_ms:
            lo = mid + 1
        else:
            hi = mid
    return lo


def first_at_or_after(source: LineSource, start_ms: int, lo: int = 0, hi: int | None = None) -> int:
    return first_after(source, start_ms - 1, lo, hi)


class StreamView:
    """The events of one stream visible at one moment, indexable 0..len-1 in timestamp order."""

    __slots__ = ("_source", "_visible", "_appended")

    def __init__(self, source: LineSource | None, appended: AppendedLines | None, now_ms: int) -> None:
        self._source = source
        if source is None or len(source) == 0:
            self._visible = 0
        elif source.timestamp_ms(len(source) - 1) + INGEST_DELAY_MS <= now_ms:
            self._visible = len(source)
        else:
            self._visible = first_after(source, now_ms - INGEST_DELAY_MS)
        self._appended = appended

    def __len__(self) -> int:
        return self._visible + (len(self._appended) if self._appended is not None else 0)

    def timestamp_ms(self, index: int) -> int:
        if index < self._visible:
            assert self._source is not None  # _visible > 0 only with a source
            return self._source.timestamp_ms(index)
        assert self._appended is not None  # indexes past the visible lines exist only when lines were appended
        return self._appended.timestamp_ms(index - self._visible)

    def message(self, index: int) -> str:
        if index < self._visible:
            assert self._source is not None
            return self._source.message(index)
        assert self._appended is not None
        return self._appended.message(index - self._visible)

    def ingestion_ms(self, index: int) -> int:
        return self.timestamp_ms(index) + INGEST_DELAY_MS


@dataclass
class LogStream:
    name: str
    group_name: str
    creation_ms: int
    source: LineSource | None = None
    appended: AppendedLines | None = None

    def view(self, now_ms: int) -> StreamView:
        return StreamView(self.source, self.appended, now_ms)

    def append(self, events: list[tuple[int, str]]) -> None:
        if self.appended is None:
            self.appended = AppendedLines()
        for event in events:
            insort(self.appended.events, event, key=lambda e: e[0])


@dataclass
class LogGroup:
    name: str
    creation_ms: int
    arn: str
    retention_days: int | None = None
    streams: dict[str, LogStream] = field(default_factory=dict)
    stream_names: list[str] = field(default_factory=list)

    def add_stream(self, stream: LogStream) -> LogStream:
        if stream.name not in self.streams:
            insort(self.stream_names, stream.name)
        self.streams[stream.name] = stream
        return stream


class LogStore:
    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account_id = account_id
        self.groups: dict[str, LogGroup] = {}
        self.group_names: list[str] = []

    def group_arn(self, name: str) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{name}"

    def ensure_group(self, name: str, creation_ms: int, retention_days: int | None = None) -> LogGroup:
        group = self.groups.get(name)
        if group is None:
            group = LogGroup(name, int(creation_ms), self.group_arn(name), retention_days)
            self.groups[name] = group
            insort(self.group_names, name)
        return group

    def add_stream(
        self, group_name: str, stream_name: str, creation_ms: int, source: LineSource | None = None
    ) -> LogStream:
        group = self.groups[group_name]
        return group.add_stream(LogStream(stream_name, group_name, int(creation_ms), source))

    def resolve_group(self, name: str | None, identifier: str | None) -> LogGroup | None:
        """A group by name, or by `logGroupIdentifier` (a name or an ARN, with or without the `:*`)."""
        key = name if name is not None else identifier
        if key is None:
            return None
        if key.startswith("arn:"):
            key = key.removesuffix(":*").split(":log-group:", 1)[-1]
        return self.groups.get(key)
