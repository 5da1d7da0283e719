"""CloudWatch Logs: DescribeLogGroups, DescribeLogStreams, GetLogEvents and FilterLogEvents.

Times here are epoch milliseconds, as the Logs API uses them. GetLogEvents tokens are positions in the
stream (`f/<n>/s` forward, `b/<n>/s` backward); at the end of a stream the forward token that was passed
in comes back unchanged, which is how AWS tells a follower there is nothing new.
"""

from __future__ import annotations

import heapq
import json
import re
import shlex
import zlib
from bisect import bisect_left, bisect_right

from tui.sim.dispatcher import OperationTable
from tui.sim.errors import SimError, validation_error
from tui.sim.logstore import INGEST_DELAY_MS, LogGroup, LogStream, StreamView, first_after, first_at_or_after
from tui.sim.paging import next_token, resume_key
from tui.sim.world import World

logs = OperationTable("logs")

DESCRIBE_LIMIT = 50
EVENTS_LIMIT = 10_000
MAX_RESPONSE_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26  # CloudWatch counts each event as its UTF-8 message plus 26 bytes
# Events FilterLogEvents examines per call before answering with what it has and a nextToken: a scan of a
# 10,000-stream group must not hold the state lock (and every other caller) for seconds.
FILTER_SCAN_BUDGET = 25_000

BAD_TOKEN = validation_error("The specified nextToken is invalid.", "logs")
_EVENT_TOKEN = re.compile(r"([fb])/(\d{1,56})/s")


def _now_ms(world: World) -> int:
    return int(world.now * 1000)


def _group(world: World, params: dict) -> LogGroup:
    name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    if name is not None and identifier is not None:
        raise validation_error("LogGroup name and LogGroup ARN are mutually exclusive parameters.", "logs")
    if name is None and identifier is None:
        raise validation_error("Either logGroupName or logGroupIdentifier must be specified.", "logs")
    group = world.logs.resolve_group(name, identifier)
    if group is None or group.creation_ms > _now_ms(world):
        raise SimError("ResourceNotFoundException", "The specified log group does not exist.")
    return group


def _stream(world: World, group: LogGroup, name: str) -> LogStream:
    stream = group.streams.get(name)
    if stream is None or stream.creation_ms > _now_ms(world):
        raise SimError("ResourceNotFoundException", "The specified log stream does not exist.")
    return stream


@logs("DescribeLogGroups")
def describe_log_groups(world: World, params: dict) -> dict:
    prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
    if prefix is not None and pattern is not None:
        raise validation_error(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.", "logs"
        )
    names = world.logs.group_names
    after = resume_key(params.get("nextToken"), "groups", BAD_TOKEN)
    start = bisect_right(names, after[0]) if after else bisect_left(names, prefix or "")
    wanted = set(params.get("logGroupIdentifiers") or ()) or None
    limit, now_ms = params.get("limit", DESCRIBE_LIMIT), _now_ms(world)
    found: list[LogGroup] = []
    more = False
    for name in names[start:]:
        if prefix and not name.startswith(prefix):
            break
        group = world.logs.groups[name]
        if group.creation_ms > now_ms or (pattern and pattern.lower() not in name.lower()):
            continue
        if wanted is not None and name not in wanted and group.arn not in wanted:
            continue
        if len(found) == limit:
            more = True
            break
        found.append(group)
    reply: dict = {"logGroups": [_group_json(g) for g in found]}
    if more:
        reply["nextToken"] = next_token("groups", (found[-1].name,))
    return _log_faults(world, "DescribeLogGroups", reply)


def _group_json(group: LogGroup) -> dict:
    out = {
        "logGroupName": group.name,
        "creationTime": group.creation_ms,
        "metricFilterCount": 0,
        "arn": group.arn + ":*",
        "storedBytes": sum(len(s.source) if s.source is not None else 0 for s in group.streams.values()) * 112,
        "logGroupClass": "STANDARD",
        "logGroupArn": group.arn,
    }
    if group.retention_days:
        out["retentionInDays"] = group.retention_days
    return out


def _stream_json(stream: LogStream, view: StreamView, arn: str) -> dict:
    out = {
        "logStreamName": stream.name,
        "creationTime": stream.creation_ms,
        "arn": f"{arn}:log-stream:{stream.name}",
        "storedBytes": 0,
    }
    if len(view):
        last = len(view) - 1
        out["firstEventTimestamp"] = view.timestamp_ms(0)
        out["lastEventTimestamp"] = view.timestamp_ms(last)
        out["lastIngestionTime"] = view.ingestion_ms(last)
        out["uploadSequenceToken"] = f"49{zlib.crc32(stream.name.encode()):010d}{len(view):020d}"
    return out


@logs("DescribeLogStreams")
def describe_log_streams(world: World, params: dict) -> dict:
    group = _group(world, params)
    prefix = params.get("logStreamNamePrefix")
    order_by = params.get("orderBy", "LogStreamName")
    descending = bool(params.get("descending"))
    if prefix and order_by == "LastEventTime":
        raise validation_error("Cannot order by LastEventTime with a logStreamNamePrefix.", "logs")
    now_ms, limit = _now_ms(world), params.get("limit", DESCRIBE_LIMIT)
    kind = f"streams:{order_by}"
    after = resume_key(params.get("nextToken"), kind, BAD_TOKEN)
    if order_by == "LastEventTime":
        entries = []
        for stream in group.streams.values():
            if stream.creation_ms <= now_ms:
                view = stream.view(now_ms)
                last = view.timestamp_ms(len(view) - 1) if len(view) else stream.creation_ms
                entries.append(((last, stream.name), stream, view))
        entries.sort(key=lambda e: e[0], reverse=descending)
        if after is not None:
            entries = [e for e in entries if (e[0] < after if descending else e[0] > after)]
        chosen = entries[:limit]
        more = len(entries) > limit
        streams = [(s, v) for _, s, v in chosen]
        last_key: tuple | None = chosen[-1][0] if chosen else None
    else:
        names = group.stream_names
        lo = bisect_left(names, prefix) if prefix else 0
        hi = bisect_left(names, prefix + "\U0010ffff") if prefix else len(names)
        if after is not None:
            if descending:
                hi = min(hi, bisect_left(names, after[0]))
            else:
                lo = max(lo, bisect_right(names, after[0]))
        candidates = range(hi - 1, lo - 1, -1) if descending else range(lo, hi)
        streams, more = [], False
        for i in candidates:
            stream = group.streams[names[i]]
            if stream.creation_ms > now_ms:
                continue
            if len(streams) == limit:
                more = True
                break
            streams.append((stream, stream.view(now_ms)))
        last_key = (streams[-1][0].name,) if streams else None
    reply: dict = {"logStreams": [_stream_json(s, v, group.arn) for s, v in streams]}
    if more and last_key is not None:
        reply["nextToken"] = next_token(kind, tuple(last_key))
    return _log_faults(world, "DescribeLogStreams", reply)


def _events_page(view: StreamView, start: int, stop: int, limit: int, backward: bool) -> tuple[list[dict], int, int]:
    """The events one response carries from [start, stop): at most `limit` and 1 MB, nearest `stop` when
    reading backward. Returns (events, first, last) with [first, last) the positions served."""
    budget = MAX_RESPONSE_BYTES
    message_at, timestamp_at = view.message, view.timestamp_ms
    positions = range(stop - 1, start - 1, -1) if backward else range(start, stop)
    events: list[dict] = []
    for i in positions:
        if len(events) == limit:
            break
        message = message_at(i)
        budget -= len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES
        if budget < 0 and events:  # an event bigger than the cap still goes out alone: a reader must progress
            break
        timestamp = timestamp_at(i)
        events.append({"timestamp": timestamp, "message": message, "ingestionTime": timestamp + INGEST_DELAY_MS})
    if backward:
        events.reverse()
        return events, stop - len(events), stop
    return events, start, start + len(events)


def _event_token(direction: str, position: int) -> str:
    return f"{direction}/{position:056d}/s"


@logs("GetLogEvents")
def get_log_events(world: World, params: dict) -> dict:
    group = _group(world, params)
    view = _stream(world, group, params["logStreamName"]).view(_now_ms(world))
    lo = first_at_or_after(view, params["startTime"]) if params.get("startTime") is not None else 0
    hi = first_at_or_after(view, params["endTime"]) if params.get("endTime") is not None else len(view)
    hi = max(lo, hi)
    limit = params.get("limit", EVENTS_LIMIT)
    token = params.get("nextToken")
    if token:
        match = _EVENT_TOKEN.fullmatch(token)
        if match is None:
            raise BAD_TOKEN
        backward, position = match.group(1) == "b", min(max(int(match.group(2)), lo), hi)
    else:
        backward = not params.get("startFromHead", False)
        position = hi if backward else lo
    if backward:
        events, first, last = _events_page(view, lo, position, limit, backward=True)
    else:
        events, first, last = _events_page(view, position, hi, limit, backward=False)
    reply = {
        "events": events,
        "nextForwardToken": _event_token("f", last),
        "nextBackwardToken": _event_token("b", first),
    }
    return _log_faults(world, "GetLogEvents", reply)


_JSON_EQUALS = re.compile(r'^\{\s*\$\.([\w.]+)\s*(=|!=)\s*(?:"([^"]*)"|([^\s}]+))\s*\}$')


def _json_filter(pattern: str):
    """`{ $.a.b = "value" }` (or `!=`, or an unquoted value) as a predicate on JSON messages; None for any other
    pattern. A message that is not a JSON object, or lacks the key, does not match."""
    match = _JSON_EQUALS.match(pattern.strip())
    if match is None:
        return None
    path, operator = match.group(1).split("."), match.group(2)
    wanted = match.group(3) if match.group(3) is not None else match.group(4)

    def matches(message: str) -> bool:
        try:
            value = json.loads(message)
        except ValueError:
            return False
        for part in path:
            if not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        if isinstance(value, dict | list) or value is None:
            return False
        text = value if isinstance(value, str) else json.dumps(value)
        return (text == wanted) == (operator == "=")

    return matches


def compile_filter(pattern: str | None):
    """A CloudWatch term pattern as a predicate: all plain terms, any `?term`, no `-term`; quotes make a phrase;
    and the simplest JSON pattern, `{ $.key = "value" }` (what the health-monitoring agent's readers use).

    Other JSON and space-delimited patterns (`{ $.x > 1 }`, `[ip, user]`) are not supported and match literally.
    """
    if not pattern or not pattern.strip():
        return None
    json_pattern = _json_filter(pattern)
    if json_pattern is not None:
        return json_pattern
    try:
        terms = shlex.split(pattern)
    except ValueError:
        terms = pattern.split()
    required = [t for t in terms if not t.startswith(("?", "-")) or len(t) == 1]
    optional = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]

    def matches(message: str) -> bool:
        return (
            all(t in message for t in required)
            and not any(t in message for t in excluded)
            and (not optional or any(t in message for t in optional))
        )

    return matches


def _resume_index(view: StreamView, name: str, after: tuple) -> int:
    """The first index of this stream that sorts after `after` = (timestamp, stream name, index)."""
    a_ts, a_name, a_index = after
    same_time, later = first_at_or_after(view, a_ts), first_after(view, a_ts)
    if name > a_name:
        return same_time
    if name < a_name:
        return later
    return min(max(same_time, a_index + 1), later)


@logs("FilterLogEvents")
def filter_log_events(world: World, params: dict) -> dict:
    group = _group(world, params)
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    if names and prefix:
        raise validation_error("You cannot specify both logStreamNames and logStreamNamePrefix.", "logs")
    now_ms = _now_ms(world)
    if names:
        streams = [group.streams[n] for n in dict.fromkeys(names) if n in group.streams]
    else:
        streams = [group.streams[n] for n in group.stream_names if not prefix or n.startswith(prefix)]
    streams = [s for s in streams if s.creation_ms <= now_ms]
    start_ms, end_ms = params.get("startTime"), params.get("endTime")
    matches = compile_filter(params.get("filterPattern"))
    after = resume_key(params.get("nextToken"), "filter", BAD_TOKEN)
    heap = []
    for stream in streams:
        view = stream.view(now_ms)
        i = first_at_or_after(view, start_ms) if start_ms is not None else 0
        if after is not None:
            i = max(i, _resume_index(view, stream.name, after))
        if i < len(view):
            heap.append((view.timestamp_ms(i), stream.name, i, view))
    heapq.heapify(heap)
    limit, budget, scanned = params.get("limit", EVENTS_LIMIT), MAX_RESPONSE_BYTES, 0
    events: list[dict] = []
    last_key = None
    while heap and len(events) < limit and scanned < FILTER_SCAN_BUDGET:
        ts, name, i, view = heap[0]
        if end_ms is not None and ts > end_ms:
            break
        message = view.message(i)
        if matches is None or matches(message):
            size = len(message.encode("utf-8")) + EVENT_OVERHEAD_BYTES
            if size > budget:
                break
            budget -= size
            events.append(
                {
                    "logStreamName": name,
                    "timestamp": ts,
                    "message": message,
                    "ingestionTime": view.ingestion_ms(i),
                    "eventId": f"{ts:013d}{zlib.crc32(name.encode()):010d}{i:012d}",
                }
            )
        scanned += 1
        last_key = (ts, name, i)
        if i + 1 < len(view):
            heapq.heapreplace(heap, (view.timestamp_ms(i + 1), name, i + 1, view))
        else:
            heapq.heappop(heap)
    remaining = bool(heap) and (end_ms is None or heap[0][0] <= end_ms)
    reply: dict = {"events": events}
    if remaining and last_key is not None:
        reply["nextToken"] = next_token("filter", last_key)
    return _log_faults(world, "FilterLogEvents", reply)


def _log_faults(world: World, operation: str, reply: dict) -> dict:
    """The answer as the injected Logs faults change it (tui.sim.faults: endless tokens, huge messages)."""
    faults = world.faults
    if faults is None:
        return reply
    if operation in faults.log_endless_operations:
        serial = faults.next_log_token_serial()
        now_ms = _now_ms(world)
        if operation in ("GetLogEvents", "FilterLogEvents"):
            made_up = [
                {"timestamp": now_ms, "message": f"endless page {serial} event {n}", "ingestionTime": now_ms}
                for n in range(faults.log_endless_events)
            ]
            if operation == "FilterLogEvents":
                for n, event in enumerate(made_up):
                    event.update(logStreamName="endless", eventId=f"{serial:020d}{n:08d}")
            reply["events"] = made_up
        if operation == "GetLogEvents":
            reply["nextForwardToken"] = _event_token("f", 10**40 + serial)  # past the end: clamped when read
        elif operation == "FilterLogEvents":
            reply["nextToken"] = next_token("filter", (2**62, "\U0010ffff", serial))
        elif operation == "DescribeLogStreams":
            reply["logStreams"] = []
            reply["nextToken"] = next_token("streams:LogStreamName", ("\U0010ffff" + str(serial),))
        else:
            reply["logGroups"] = []
            reply["nextToken"] = next_token("groups", ("\U0010ffff" + str(serial),))
    if faults.log_huge_message_chars and operation in ("GetLogEvents", "FilterLogEvents"):
        for event in reply.get("events", ()):
            event["message"] = faults.huge_log_message(faults.next_log_token_serial())
    return reply
