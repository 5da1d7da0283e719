"""Headless subcommands for scripts: `clusters`, `groups CLUSTER`, `nodes CLUSTER [--group G] [--status S]`,
`events CLUSTER [--group G] [--node ID] [--since 1h]` (the cluster's events, near-duplicates folded: `count`),
`triage [--cluster C]` (every not-healthy node with its next step; exit status 3 when there is one).

The same core as the TUI (HyperPodApi with its per-group parallel node listing, the models, `errors.classify`),
printed as an aligned plain-text table (default), `--csv` or `--json`. Start-up matters (a script may call this in
a loop, and the benchmark compares it with the AWS CLI), so this module never imports textual, and botocore is
imported only once the arguments are known to be good.

Sanitising: the table and CSV go to terminals and spreadsheets, so every string from AWS passes through
`sanitize.clean` (no escape sequences, no control characters), and a CSV cell that a spreadsheet would run as a
formula gets a leading `'`. JSON is data: values are exact, and `ensure_ascii` escapes every control or
non-ASCII character, so the output is safe to print as well.
"""

from __future__ import annotations

import csv
import io
import json
import marshal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any, Protocol, TextIO

from tui.core.models import NODE_STATUSES
from tui.core.sanitize import cell_width, clean, fit_cells

GAP = "  "
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class HeadlessError(Exception):
    """A failure with a one-line message for stderr (exit status 1)."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the JSON key and CSV header
    label: str  # the table header
    attr: str  # the model's attribute (dotted for nested ones)
    kind: str = "text"  # text | int | time | level

    def get(self, item: Any) -> Any:
        return attrgetter(self.attr)(item)


def node_status(value: str) -> str:
    """argparse `type=` for --status: a known node status, matched case-insensitively."""
    wanted = value.strip().casefold()
    for status in NODE_STATUSES:
        if status.casefold() == wanted:
            return status
    raise ValueError(f"unknown node status {value!r} (valid: {', '.join(NODE_STATUSES)})")


# --- what each command prints -------------------------------------------------------------------------------

CLUSTER_FIELDS = (
    Field("name", "NAME", "name"),
    Field("status", "STATUS", "status"),
    Field("current_count", "CURRENT", "current_count", "int"),
    Field("target_count", "TARGET", "target_count", "int"),
    Field("created", "CREATED", "created", "time"),
    Field("arn", "ARN", "arn"),
)

# A fleet (--region a,b / --profile p,q / [[fleet]]): NAME is the cluster's key, name@region (core/fleet.py).
FLEET_CLUSTER_FIELDS = (
    CLUSTER_FIELDS[0],
    Field("profile", "PROFILE", "profile"),
    Field("region", "REGION", "region"),
    *CLUSTER_FIELDS[1:],
    Field("stale", "STALE", "stale"),
)

GROUP_FIELDS = (
    Field("name", "GROUP", "name"),
    Field("instance_type", "INSTANCE TYPE", "instance_type"),
    Field("status", "STATUS", "status"),
    Field("current_count", "CURRENT", "current_count", "int"),
    Field("target_count", "TARGET", "target_count", "int"),
    Field("slurm_node_type", "SLURM", "slurm_node_type"),
    Field("on_create", "ON CREATE", "lifecycle.on_create"),
)

NODE_FIELDS = (
    Field("instance_id", "INSTANCE ID", "instance_id"),
    Field("group", "GROUP", "group"),
    Field("instance_type", "INSTANCE TYPE", "instance_type"),
    Field("status", "STATUS", "status"),
    Field("hostname", "HOSTNAME", "hostname"),
    Field("ip", "IP", "ip"),
    Field("launch_time", "LAUNCHED", "launch_time", "time"),
    Field("message", "MESSAGE", "message"),
)

EVENT_FIELDS = (
    Field("time", "TIME", "epoch", "time"),
    Field("level", "LEVEL", "level", "level"),  # no EventLevel: "–" in a table or CSV, null in JSON
    Field("resource_type", "RESOURCE", "resource_type"),
    Field("group", "GROUP", "group"),
    Field("instance_id", "INSTANCE", "instance_id"),
    Field("count", "N", "count", "int"),
    Field("description", "DESCRIPTION", "description"),
    Field("event_id", "EVENT ID", "event_id"),
    Field("operation_id", "OPERATION", "operation_id"),
)


Encode = Callable[[Sequence[Any]], Any]  # a format's per-item work on one chunk of items
Chunks = Iterator[tuple[int, Any]]  # (position in the output, encoded chunk): chunks may arrive out of order
SPLIT_NODES = 2_000  # clusters at least this big are listed by two processes (see ForkedWork)


@dataclass(frozen=True, slots=True)
class ClusterLine:
    """A cluster with its node counts: the sums of its instance groups' CurrentCount (instances in service) and
    TargetCount from one DescribeCluster per cluster (described concurrently), not a ListClusterNodes walk (10,000
    nodes are 100 pages). None when the describe failed (the cluster was deleted meanwhile, or access is denied)."""

    name: str
    status: str
    created: float | None
    arn: str
    current_count: int | None
    target_count: int | None
    profile: str = ""
    region: str = ""
    stale: str = ""  # why its region's listing failed (a fleet keeps the last answer)


def list_clusters(api: Any, args: Any, encode: Encode) -> Chunks:
    clusters = sorted(api.list_clusters(), key=attrgetter("name"))
    details = api.describe_clusters([cluster.arn or cluster.name for cluster in clusters])
    lines = []
    for cluster in clusters:
        detail = details.get(cluster.arn or cluster.name)
        groups = getattr(detail, "instance_groups", None)
        nodes = sum(group.current_count for group in groups) if groups is not None else None
        target = sum(group.target_count for group in groups) if groups is not None else None
        lines.append(
            ClusterLine(
                cluster.name,
                cluster.status,
                cluster.created,
                cluster.arn,
                nodes,
                target,
                cluster.profile,
                cluster.region,
                cluster.stale,
            )
        )
    yield 0, encode(lines)


def list_groups(api: Any, args: Any, encode: Encode) -> Chunks:
    yield 0, encode(list(api.describe_cluster(args.cluster).instance_groups))


def list_nodes(api: Any, args: Any, encode: Encode) -> Chunks:
    """Each group's nodes as its listing completes (the groups are listed in parallel), in group order.

    A big cluster's groups are shared with a forked second process: the listing is CPU-bound in botocore (GIL),
    so two processes use two cores; the child encodes its groups too and sends back the finished chunks.
    """
    detail = api.describe_cluster(args.cluster)
    groups = list(dict.fromkeys(group.name for group in detail.instance_groups))
    if args.group is not None:
        if args.group not in groups:
            raise HeadlessError(
                f"cluster {clean(args.cluster)!r} has no instance group {clean(args.group)!r} "
                f"(groups: {', '.join(clean(g) for g in groups) or 'none'})"
            )
        groups = [args.group]
    positions = {group: index for index, group in enumerate(groups)}

    def chunks(source: Any, names: Sequence[str]) -> Chunks:
        for group, nodes in source.iter_group_nodes(detail.name, names):
            if args.status is not None:
                nodes = [node for node in nodes if node.status == args.status]
            nodes.sort(key=attrgetter("instance_id"))
            yield positions[group], encode(nodes)

    counts = {group.name: group.current_count for group in detail.instance_groups}
    mine, theirs = _split(groups, counts)
    helper = ForkedWork.start(lambda: list(chunks(api.clone(), theirs))) if theirs else None
    if helper is None:
        mine, theirs = groups, []
    if mine:
        yield from chunks(api, mine)
    if helper is not None:
        done = helper.collect()
        yield from done if done is not None else chunks(api, theirs)  # the child failed: list them here


def _split(groups: Sequence[str], counts: dict[str, int]) -> tuple[list[str], list[str]]:
    """The groups in two halves of about as many nodes; everything in the first when the cluster is small."""
    if len(groups) < 2 or sum(counts.get(group, 0) for group in groups) < SPLIT_NODES:
        return list(groups), []
    halves: tuple[list[str], list[str]] = ([], [])
    sizes = [0, 0]
    for group in sorted(groups, key=lambda g: -counts.get(g, 0)):
        side = 0 if sizes[0] <= sizes[1] else 1
        halves[side].append(group)
        sizes[side] += counts.get(group, 0)
    return halves


class ForkedWork:
    """`work()` run in a forked child that sends its (marshal-able) result back through a pipe.

    Only where fork is safe and cheap: Linux, and a parent with no other thread (the AWS worker threads start
    later). The child shares nothing with the parent afterwards but the pipe and never writes to its stdout; any
    failure in it only makes `collect()` return None.
    """

    def __init__(self, pid: int, reader: int) -> None:
        self.pid, self.reader = pid, reader

    @classmethod
    def start(cls, work: Callable[[], Any]) -> ForkedWork | None:
        import os
        import threading

        if not sys.platform.startswith("linux") or threading.active_count() != 1 or (os.cpu_count() or 1) < 2:
            return None
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.close(reader)
                data = memoryview(marshal.dumps(work()))
                while data:
                    data = data[os.write(writer, data) :]
            except BaseException:  # noqa: BLE001 - the parent will do the work itself
                os._exit(1)
            os._exit(0)
        os.close(writer)
        return cls(pid, reader)

    def collect(self) -> Any:
        import os

        with os.fdopen(self.reader, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if status != 0:
            return None
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None


def list_events(api: Any, args: Any, encode: Encode) -> Chunks:
    """The cluster's events, newest first, near-duplicates folded (`count` > 1). A cluster not in Continuous mode
    has none: one line saying so (exit status 1)."""
    from datetime import timedelta

    from tui.core.events import EventQuery, EventsUnavailable
    from tui.core.journal import parse_since

    if not getattr(args, "cluster", None):
        raise HeadlessError("events: name a CLUSTER")
    since = None
    if getattr(args, "since", None):
        since = datetime.now(UTC) - timedelta(seconds=parse_since(args.since))
    query = EventQuery(args.cluster, group=args.group, node=args.node, since=since)
    try:
        events = query.fetch(api)
    except EventsUnavailable as exc:
        raise HeadlessError(
            f"cluster {clean(args.cluster)!r} has no cluster events (only clusters with NodeProvisioningMode "
            f"Continuous have them): {exc.message}"
        ) from None
    yield 0, encode(events)


TRIAGE_FIELDS = (
    Field("cluster", "CLUSTER", "cluster"),
    Field("group", "GROUP", "group"),
    Field("node", "NODE", "node"),
    Field("name", "NAME", "name"),
    Field("status", "STATUS", "status"),
    Field("severity", "SEVERITY", "severity"),
    Field("health", "HEALTH", "health"),
    Field("since", "SINCE", "since", "time"),
    Field("hyperpod", "HYPERPOD", "hyperpod"),
    Field("step", "NEXT STEP", "step"),
    Field("step_reason", "WHY", "step_reason"),
    Field("reason", "REASON", "reason"),
)
ATTENTION = 3  # `triage`'s exit status when a node is not healthy (0: every node is)
TRIAGE_WORKERS = 4  # clusters listed and swept at once


def list_triage(api: Any, args: Any, encode: Encode) -> Chunks:
    """Every not-healthy node of every cluster (or `--cluster`): each cluster described, listed and its HMA
    records swept once (core/hma.py, bounded), joined into verdicts as the TUI does (core/snapshot.py), and the
    rows built by core/triage.py. Sets `args.attention` when there is a row (exit status 3) and
    `args.problems` for clusters that could not be read (a warning each; the others are still printed)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from tui.core.hma import HealthSources, HmaBooks
    from tui.core.snapshot import NodeSnapshot, fetch_snapshot
    from tui.core.triage import triage_entries

    wanted = getattr(args, "cluster", None)
    clusters = sorted(api.list_clusters(), key=attrgetter("name"))
    if wanted:
        clusters = [c for c in clusters if wanted in (c.name, c.arn)]
        if not clusters:
            raise HeadlessError(f"no cluster {clean(wanted)!r}")
    details = api.describe_clusters([cluster.arn or cluster.name for cluster in clusters])
    problems: list[str] = []
    clock = getattr(api, "clock", None)
    now = clock() if callable(clock) else time.time()

    def one(detail: Any) -> NodeSnapshot | None:
        health = HealthSources(books=HmaBooks(), interval=0.0)
        try:
            health.sweep_if_due(api, detail, now)  # never raises; a failed sweep leaves the statuses
            return fetch_snapshot(api, detail, None, now, health)
        except Exception as exc:  # noqa: BLE001 - one cluster's failure: a warning, the others still print
            from tui.core.errors import classify

            problems.append(f"{clean(detail.name)}: {classify(exc, operation='ListClusterNodes').one_line()}")
            return None

    ok = []
    for cluster in clusters:
        detail = details.get(cluster.arn or cluster.name)
        if isinstance(detail, BaseException) or detail is None:
            problems.append(f"{clean(cluster.name)}: could not be described")
        else:
            ok.append(detail)
    with ThreadPoolExecutor(max_workers=TRIAGE_WORKERS) as pool:
        snapshots = [snapshot for snapshot in pool.map(one, ok) if snapshot is not None]
    entries = triage_entries(snapshots, now)
    args.attention = bool(entries)
    args.problems = problems
    yield 0, encode(entries)


COMMANDS: dict[str, tuple[Callable[[Any, Any, Encode], Chunks], Sequence[Field], str]] = {
    "clusters": (list_clusters, CLUSTER_FIELDS, "ListClusters"),
    "groups": (list_groups, GROUP_FIELDS, "DescribeCluster"),
    "nodes": (list_nodes, NODE_FIELDS, "ListClusterNodes"),
    "events": (list_events, EVENT_FIELDS, "ListClusterEvents"),
    "triage": (list_triage, TRIAGE_FIELDS, "ListClusterNodes"),
}


# --- formats: `encode` does the per-item work chunk by chunk, as data arrives; `finish` assembles -------------


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds").replace("+00:00", "Z")


def _display(value: Any, kind: str) -> str:
    if kind == "time":
        return _iso(value) or ""
    if kind == "level":
        return clean(value) if value else "–"
    if value is None:
        return ""
    return clean(value) if kind == "text" else str(value)


class JsonFormat:
    """One JSON array (one line: pipe it through `jq`); times are epoch seconds, exactly as the API sent them."""

    @staticmethod
    def encode(fields: Sequence[Field], items: Sequence[Any]) -> str:
        names = [field.name for field in fields]
        values = attrgetter(*(field.attr for field in fields))
        return json.dumps([dict(zip(names, values(item), strict=True)) for item in items], ensure_ascii=True)[1:-1]

    @staticmethod
    def finish(fields: Sequence[Field], chunks: Sequence[str]) -> str:
        return "[" + ", ".join(chunk for chunk in chunks if chunk) + "]\n"


def _csv_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class CsvFormat:
    @staticmethod
    def encode(fields: Sequence[Field], items: Sequence[Any]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for item in items:
            writer.writerow([_csv_cell(_display(field.get(item), field.kind)) for field in fields])
        return out.getvalue()

    @staticmethod
    def finish(fields: Sequence[Field], chunks: Sequence[str]) -> str:
        return ",".join(field.name for field in fields) + "\n" + "".join(chunks)


def _align(field: Field) -> str:
    return "right" if field.kind == "int" else "left"


class TableFormat:
    """Aligned plain text: every column as wide as its widest value, the last one unpadded."""

    @staticmethod
    def encode(fields: Sequence[Field], items: Sequence[Any]) -> list[list[str]]:
        return [[_display(field.get(item), field.kind) for field in fields] for item in items]

    @staticmethod
    def finish(fields: Sequence[Field], chunks: Sequence[list[list[str]]]) -> str:
        rows = [row for chunk in chunks for row in chunk]
        # Widths in terminal cells: a CJK character takes two, a combining mark none (the cells are clean text).
        widths = [max([len(field.label), *(cell_width(row[i]) for row in rows)]) for i, field in enumerate(fields)]
        last = len(fields) - 1

        def line(cells: Sequence[str]) -> str:
            parts = [
                cell if i == last and fields[i].kind != "int" else fit_cells(cell, widths[i], align=_align(fields[i]))
                for i, cell in enumerate(cells)
            ]
            return GAP.join(parts).rstrip()

        return "\n".join([line([field.label for field in fields]), *(line(row) for row in rows)]) + "\n"


class Formatter(Protocol):
    """Encodes a chunk of items (possibly in a forked child) and joins the chunks into the output."""

    @staticmethod
    def encode(fields: Sequence[Field], items: Sequence[Any]) -> Any: ...

    @staticmethod
    def finish(fields: Sequence[Field], chunks: Sequence[Any]) -> str: ...


FORMATTERS: dict[str, type[Formatter]] = {"table": TableFormat, "csv": CsvFormat, "json": JsonFormat}


def render(
    fmt: str, fields: Sequence[Field], command: Callable[[Any, Any, Encode], Chunks], api: Any, args: Any
) -> str:
    formatter = FORMATTERS[fmt]
    encoded = sorted(command(api, args, partial(formatter.encode, fields)), key=itemgetter(0))
    return formatter.finish(fields, [chunk for _, chunk in encoded])


# --- running ------------------------------------------------------------------------------------------------


def run(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    api_factory: Callable[[], Any] | None = None,
) -> int:
    """Run one subcommand; 0 on success, 1 with one line on stderr on failure, 3 (`triage`) when a node is not
    healthy."""
    out = out or sys.stdout
    err = err or sys.stderr
    command, fields, operation = COMMANDS[args.command]
    from tui.backend import is_fleet

    if args.command == "clusters" and is_fleet(settings):
        fields = FLEET_CLUSTER_FIELDS
    api = None
    try:
        if api_factory is None:
            from tui.backend import make_api_factory  # botocore (and the simulator under --demo) load only now

            api_factory, _simulator = make_api_factory(settings)
        api = api_factory()
        text = render(args.format, fields, command, api, args)
        if stale := getattr(api, "stale_summary", lambda: "")():
            print(f"hyperpod-tui: warning: {stale}", file=err)  # the other regions answered
        for problem in getattr(args, "problems", None) or ():
            print(f"hyperpod-tui: warning: {problem}", file=err)
    except HeadlessError as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - every AWS failure: one line that says what to do
        from tui.core.errors import classify

        problem = classify(exc, operation=operation, profile=settings.profile, endpoint=settings.endpoint_url or "")
        print(f"hyperpod-tui: error: {problem.one_line()}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:  # `… | head`: the reader has what it wanted; keep the exit quiet
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return ATTENTION if getattr(args, "attention", False) else 0
