"""Cluster events and operations: what HyperPod says it is doing (ListClusterEvents, DescribeClusterEvent,
and, in core/operations.py, ListClusterOperations / DescribeClusterOperation), as plain data. No Textual.

The traps of real answers (HYPERPOD-FACTS-2 §1.6, §6.2), each handled here once:
- only Continuous-mode clusters have events; the others answer ValidationException → `EventsUnavailable`;
- one provisioning fault emits two near-duplicate events ~1 s apart → `fold` keeps one, with a count;
- some Instance events carry no `InstanceId`; the id is only in the Description → `extract_instance_id`;
- most events carry no `EventLevel` → `level` is None and shows as "–", never a guess;
- DescribeClusterEvent nests twice (`EventDetails.EventDetails.EventMetadata`), and every metadata subtree may be
  absent or null → `EventDetail.sections` walks those present, known ones first, unknown ones generically;
- Warn events during a normal scale-up ("lost orchestration-ready status") → `is_scaling_noise`.

Every listing is bounded (pages and time, `aws.bounded_pages`); the service keeps about the 500 latest events.
Calls block: run them in a worker thread. A `ClusterEvent` is the one object the live stream (EventBridge → SQS)
also produces: `ClusterEvent.from_api` reads the summary shape, which is the envelope's `detail.EventDetails`
too (EventTime as epoch milliseconds there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from tui.core.observed import Observed
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow

PAGE_SIZE = 100  # the API's maximum for ListClusterEvents and ListClusterOperations
EVENT_PAGE_CAP = 10  # the service keeps ~500 events (5 pages of 100); twice that leaves room for a busy hour
FOLD_WINDOW = 2.0  # seconds: the provisioning fault pair arrives ~1 s apart
NO_LEVEL = "–"
DESCRIPTION_LIMIT = 2000
VALUE_LIMIT = 2000

# EC2 instance ids as DescribeClusterNode's NodeId pattern has them: i- and 8 or 17 hex digits.
_INSTANCE_ID = re.compile(r"\bi-(?:[0-9a-f]{17}|[0-9a-f]{8})\b")
KNOWN_SUBTREES = (
    "Cluster",
    "InstanceGroup",
    "InstanceGroupScaling",
    "Instance",
    "SlurmHealth",
    "DatabaseConfiguration",
)
_SCALING_NOISE = re.compile(r"lost orchestration-ready status", re.IGNORECASE)


class EventsUnavailable(Exception):
    """The cluster has no events: ListClusterEvents answers ValidationException outside Continuous mode."""

    def __init__(self, cluster: str, message: str) -> None:
        super().__init__(message)
        self.cluster = cluster
        self.message = clean(message, max_len=300)


def extract_instance_id(text: str | None) -> str | None:
    """The first EC2 instance id in `text` (a Description), or None ("EC2 Instance  successfully terminated")."""
    if not text:
        return None
    found = _INSTANCE_ID.search(text)
    return found.group(0) if found else None


def _time(value: Any) -> datetime | None:
    """A datetime (boto3), epoch seconds, or epoch milliseconds (the EventBridge envelope) as an aware UTC time."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _opt(value: Any, max_len: int = 300) -> str | None:
    return clean(value, max_len=max_len) if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """One event, display-safe (every string went through `clean`).

    `instance_id_from_description` says the id was read from the Description (the answer had none);
    `count` > 1 means `fold` merged near-duplicates into this one (`folded_ids` holds the others)."""

    event_id: str
    cluster: str
    resource_type: str
    time: datetime
    description: str
    level: str | None = None
    group: str | None = None
    instance_id: str | None = None
    operation_id: str | None = None
    instance_id_from_description: bool = False
    count: int = 1
    folded_ids: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ClusterEvent | None:
        """A ClusterEventSummary (or ClusterEventDetail, or an envelope's `detail.EventDetails`); None when it has
        no EventId or no usable EventTime (such an event cannot be described nor placed in time)."""
        if not isinstance(item, dict):
            return None
        event_id = item.get("EventId")
        when = _time(item.get("EventTime"))
        if not isinstance(event_id, str) or not event_id or when is None:
            return None
        description = clean(item.get("Description") or "", max_len=DESCRIPTION_LIMIT)
        resource = _opt(item.get("ResourceType")) or "?"
        instance_id = _opt(item.get("InstanceId"))
        from_description = False
        if instance_id is None and resource == "Instance":
            instance_id = extract_instance_id(description)
            from_description = instance_id is not None
        level = _opt(item.get("EventLevel"))
        return cls(
            event_id=clean(event_id, max_len=100),
            cluster=_opt(item.get("ClusterName")) or "",
            resource_type=resource,
            time=when,
            description=description,
            level=level,
            group=_opt(item.get("InstanceGroupName")),
            instance_id=instance_id,
            operation_id=_opt(item.get("OperationId"), 100),
            instance_id_from_description=from_description,
        )

    @property
    def level_text(self) -> str:
        return self.level or NO_LEVEL

    @property
    def epoch(self) -> float:
        return self.time.timestamp()

    @property
    def is_scaling_noise(self) -> bool:
        """A Warn the service emits during a normal scale-up: not an outage."""
        return self.level == "Warn" and bool(_SCALING_NOISE.search(self.description))

    def concerns(self, *, group: str | None = None, node: str | None = None) -> bool:
        """Whether the event is in a view scoped to `group` and/or `node` (None: any)."""
        return (group is None or self.group == group) and (node is None or self.instance_id == node)


def _fold_key(event: ClusterEvent) -> tuple:
    return (event.resource_type, event.group, event.instance_id, event.level)


def fold(events: Iterable[ClusterEvent], window: float = FOLD_WINDOW) -> list[ClusterEvent]:
    """Near-duplicates merged, in the order given (either time order): two events about the same resource (type,
    group, instance) at the same level within `window` seconds of each other, when both are Errors (the
    provisioning fault pair has two different Descriptions) or have the same Description. The first one kept
    carries `count` and the ids of those folded into it."""
    out: list[ClusterEvent] = []
    for event in events:
        if out:
            last = out[-1]
            close = abs(event.epoch - last.epoch) <= window
            same = _fold_key(event) == _fold_key(last) and (
                event.level == "Error" or event.description == last.description
            )
            if close and same:
                out[-1] = replace(last, count=last.count + 1, folded_ids=(*last.folded_ids, event.event_id))
                continue
        out.append(event)
    return out


def _is_validation(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ValidationException"


def list_events(
    client: Any,
    cluster: str,
    *,
    group: str | None = None,
    node: str | None = None,
    resource_type: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    operation_id: str | None = None,
    newest_first: bool = True,
    page_cap: int = EVENT_PAGE_CAP,
    newest_only: bool = False,
) -> list[ClusterEvent]:
    """Every page of ListClusterEvents (bounded: `page_cap` pages, `aws.LISTING_DEADLINE`), unfolded.

    Raises `EventsUnavailable` for a cluster not in Continuous mode, `bounds.ListingStopped` at the caps (with
    `newest_only`, the pages read so far are the answer: e.g. one page of a node's latest events)."""
    params: dict[str, Any] = {
        "ClusterName": cluster,
        "SortBy": "EventTime",
        "SortOrder": "Descending" if newest_first else "Ascending",
        "PaginationConfig": {"PageSize": PAGE_SIZE},
    }
    for key, value in (
        ("InstanceGroupName", group),
        ("NodeId", node),
        ("ResourceType", resource_type),
        ("EventTimeAfter", after),
        ("EventTimeBefore", before),
        ("OperationId", operation_id),
    ):
        if value is not None:
            params[key] = value
    from botocore.exceptions import ClientError  # here: the screens import this module, botocore loads later

    from tui.core.aws import bounded_pages
    from tui.core.bounds import ListingStopped

    pages = client.get_paginator("list_cluster_events").paginate(**params)
    events: list[ClusterEvent] = []
    try:
        for page in bounded_pages(pages, "ListClusterEvents", "Events", page_cap):
            for item in page["Events"]:
                event = ClusterEvent.from_api(item)
                if event is not None:
                    events.append(event)
    except ListingStopped:
        if not newest_only:
            raise
    except ClientError as exc:
        if _is_validation(exc):
            raise EventsUnavailable(cluster, str(exc.response.get("Error", {}).get("Message") or exc)) from None
        raise
    return events[: page_cap * PAGE_SIZE]


# --- details ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MetadataSection:
    """One EventMetadata subtree, flattened to (dotted path, text) pairs; `known` is False for a subtree this
    version does not know (shown generically)."""

    name: str
    fields: tuple[tuple[str, str], ...]
    known: bool = True

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.fields if k == key), None)


def _flatten(value: Any, path: str, out: list[tuple[str, str]], depth: int = 0) -> None:
    if len(out) >= 200:
        return
    if isinstance(value, dict) and depth < 6:
        for key, item in value.items():
            _flatten(item, f"{path}.{clean(key, max_len=80)}" if path else clean(key, max_len=80), out, depth + 1)
    elif isinstance(value, list) and depth < 6:
        if not value:
            out.append((path, "[]"))
        for i, item in enumerate(value[:50]):
            _flatten(item, f"{path}[{i}]", out, depth + 1)
    elif value is None:
        return
    else:
        out.append((path, clean(value, max_len=VALUE_LIMIT)))


@dataclass(frozen=True, slots=True)
class EventDetail:
    event: ClusterEvent
    sections: tuple[MetadataSection, ...] = ()
    null_subtrees: tuple[str, ...] = ()  # present as null: the envelope's placeholders, or nothing to say

    @property
    def failure_messages(self) -> tuple[tuple[str, str], ...]:
        """(subtree, FailureMessage) for every subtree that has one: the first thing a reader needs."""
        return tuple((s.name, msg) for s in self.sections if (msg := s.get("FailureMessage")))

    @property
    def lcs_execution_state(self) -> str | None:
        return next((v for s in self.sections if (v := s.get("LcsExecutionState"))), None)

    @property
    def node_logical_id(self) -> str | None:
        return next((v for s in self.sections if (v := s.get("NodeLogicalId"))), None)

    @classmethod
    def from_api(cls, response: dict[str, Any]) -> EventDetail | None:
        """DescribeClusterEvent's answer: `EventDetails` (the event) → `EventDetails` → `EventMetadata`."""
        outer = response.get("EventDetails") if isinstance(response, dict) else None
        event = ClusterEvent.from_api(outer) if isinstance(outer, dict) else None
        if event is None or not isinstance(outer, dict):
            return None
        inner = outer.get("EventDetails")
        metadata = inner.get("EventMetadata") if isinstance(inner, dict) else None
        sections, nulls = metadata_sections(metadata)
        if event.instance_id is None:
            for section in sections:
                if section.name == "Instance" and (iid := extract_instance_id(section.get("FailureMessage"))):
                    event = replace(event, instance_id=iid, instance_id_from_description=True)
        return cls(event, sections, nulls)


def metadata_sections(metadata: Any) -> tuple[tuple[MetadataSection, ...], tuple[str, ...]]:
    """Every subtree present: known ones in a fixed order, then unknown ones by name; null ones by name apart."""
    if not isinstance(metadata, dict):
        return (), ()
    names = [n for n in KNOWN_SUBTREES if n in metadata]
    names += sorted(n for n in metadata if n not in KNOWN_SUBTREES)
    sections: list[MetadataSection] = []
    nulls: list[str] = []
    for name in names:
        value = metadata[name]
        label = clean(name, max_len=80)
        if value is None or value == {}:
            nulls.append(label)
            continue
        fields: list[tuple[str, str]] = []
        _flatten(value if isinstance(value, dict) else {"value": value}, "", fields)
        sections.append(MetadataSection(label, tuple(fields), known=name in KNOWN_SUBTREES))
    return tuple(sections), tuple(nulls)


def describe_event(api: Any, cluster: str, event_id: str) -> EventDetail | None:
    """DescribeClusterEvent through `api` (a HyperPodApi or FleetApi: `cluster` may be a fleet key)."""
    member, name = api.resolve(cluster)
    response = member.client("sagemaker").describe_cluster_event(ClusterName=name, EventId=event_id)
    return EventDetail.from_api(response)


@dataclass(frozen=True, slots=True)
class EventQuery:
    """What an Events view shows: a cluster, narrowed to a group or a node."""

    cluster: str
    group: str | None = None
    node: str | None = None
    since: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    operation: str | None = None  # OperationId: only that operation's events
    operation_label: str = ""  # what it is, for the title: `Scaling: scaling 12→18` (`w` in the view widens)

    @property
    def scope(self) -> str:
        if self.node:
            where = f"{self.cluster} / {self.node}"
        elif self.group:
            where = f"{self.cluster} / {self.group}"
        else:
            where = self.cluster
        if self.operation:
            where += f" · operation {self.operation_label or self.operation}"
        return where

    def admits(self, event: ClusterEvent) -> bool:
        """Whether a new event (e.g. from the live stream) belongs in this view."""
        return event.concerns(group=self.group, node=self.node) and (
            self.operation is None or event.operation_id == self.operation
        )

    def fetch(self, api: Any) -> list[ClusterEvent]:
        """Folded events of this scope, newest first. `api` is a HyperPodApi or a FleetApi: the cluster key
        (`name@region` in a fleet) is resolved to its member's client and real name, and every event carries
        the key back, so that its links go to the cluster on screen."""
        member, name = api.resolve(self.cluster)
        events = list_events(
            member.client("sagemaker"),
            name,
            group=self.group,
            node=self.node,
            after=self.since,
            operation_id=self.operation,
        )
        return fold([replace(event, cluster=self.cluster) for event in events])


# --- the Events view's table (the tables' Column / TableRow, so the `/` filter grammar is the same) ---------

EVENT_COLUMNS = (
    Column("time", "TIME", min_width=14, max_width=14),
    Column("level", "LEVEL", kind="segments", min_width=5, max_width=5),
    Column("resource", "RESOURCE", min_width=4, max_width=13),
    Column("group", "GROUP", min_width=5, max_width=20),
    Column("instance", "INSTANCE", min_width=8, max_width=19),
    Column("description", "DESCRIPTION", flex=True, max_width=DESCRIPTION_LIMIT),
)
# Under WIDE_FROM cells: no RESOURCE column (it is in the details) and a narrower GROUP, so that the description
# keeps some room at 80 columns; the view shows the highlighted event's whole description under the table.
WIDE_FROM = 110
NARROW_EVENT_COLUMNS = (
    Column("time", "TIME", min_width=14, max_width=14),
    Column("level", "LEVEL", kind="segments", min_width=5, max_width=5),
    Column("group", "GROUP", min_width=5, max_width=12),
    Column("instance", "INSTANCE", min_width=8, max_width=19),
    Column("description", "DESCRIPTION", flex=True, max_width=DESCRIPTION_LIMIT),
)
# A level painted in the colour of a status of the same weight; a Warn of a normal scale-up as progress, not warn.
_LEVEL_STATUS = {"Error": "Failed", "Warn": "Degraded", "Info": "Running"}


def format_time(moment: datetime, *, utc: bool) -> str:
    """`12-03 07:41:31`: the column's width; local time unless `utc`."""
    return (moment if utc else moment.astimezone()).strftime("%m-%d %H:%M:%S")


def _row(key: str, values: tuple, narrow: bool) -> TableRow:
    return TableRow(key, values[:2] + values[3:] if narrow else values)


def event_row(event: ClusterEvent, *, utc: bool, narrow: bool = False) -> TableRow:
    """The event's row under EVENT_COLUMNS (NARROW_EVENT_COLUMNS when `narrow`)."""
    status = "Pending" if event.is_scaling_noise else _LEVEL_STATUS.get(event.level or "")
    description = event.description + (f" (×{event.count})" if event.count > 1 else "")
    values = (
        format_time(event.time, utc=utc),
        ((event.level_text, status),),
        event.resource_type,
        event.group or "",
        event.instance_id or "",
        description,
    )
    return _row(event.event_id, values, narrow)


def observed_key(observed: Observed) -> str:
    return f"observed:{observed.instance_id}:{observed.time}:{observed.after}"


def observed_row(observed: Observed, *, utc: bool, narrow: bool = False) -> TableRow:
    moment = datetime.fromtimestamp(observed.time, UTC)
    values = (
        format_time(moment, utc=utc),
        ((NO_LEVEL, None),),
        "Instance",
        clean(observed.group, max_len=63),
        clean(observed.instance_id, max_len=40),
        clean(observed.description, max_len=DESCRIPTION_LIMIT),
    )
    return _row(observed_key(observed), values, narrow)
