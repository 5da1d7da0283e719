"""What the three panes show, as pure data: columns, rows built from models, filtering and sorting.

Rows are built in worker threads (sanitising 10,000 hostnames is not the event loop's job); the table widget only
lays out and paints the rows that are visible. Row values are display-safe: text already went through
`sanitize.clean`. An age column holds an epoch (formatted at paint time so it stays current); a segments column
holds `(text, status)` pairs painted in status colours.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tui.core.models import (
    ClusterDetail,
    ClusterSummary,
    InstanceGroup,
    Node,
    status_severity,
)
from tui.core.operations import Operation, group_activity
from tui.core.sanitize import clean

MESSAGE_LIMIT = 500


# What a column holds, which decides how it is measured, painted, filtered and sorted. A Literal rather than an
# enum: the painter compares kinds per cell, and a plain string costs nothing there while mypy still rejects a
# kind that does not exist.
ColumnKind = Literal["text", "status", "age", "count", "segments"]
Align = Literal["left", "right"]
SortAs = Literal["default", "number", "ip"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"
    min_width: int = 3
    max_width: int = 40
    flex: bool = False  # takes the width left over
    align: Align = "left"
    live: bool = False  # changes on its own (age): never a reason to flash a row
    sort_letter: str = ""  # shift+<letter> sorts by this column (k9s style); unique within a table
    sort_as: SortAs = "default"  # how text cells order: as text, by their leading number, or as IP addresses
    wide: bool = False  # shown only in wide mode (ctrl+w) unless the user chose it (the column chooser)


@dataclass(frozen=True, slots=True)
class TableRow:
    key: str
    values: tuple[Any, ...]

    def text(self, index: int) -> str:
        value = self.values[index]
        if isinstance(value, tuple):
            return " ".join(part for part, _ in value)
        return "" if value is None or isinstance(value, float) else str(value)


CLUSTER_COLUMNS = (
    Column("name", "NAME", min_width=8, max_width=63, sort_letter="N"),
    Column("status", "STATUS", kind="status", max_width=14, sort_letter="T"),
    Column("orchestrator", "ORCH", max_width=5, sort_letter="C"),
    Column("nodes", "NODES", kind="count", align="right", max_width=6, sort_letter="E"),
    Column("health", "NODE STATUS", kind="segments", flex=True, max_width=80, sort_letter="H"),
    Column("image", "IMAGE", kind="segments", max_width=12, sort_letter="M"),
    Column("age", "AGE", kind="age", align="right", max_width=7, live=True, sort_letter="A"),
)
# A fleet's columns (tui/core/fleet.py), after NAME: only when the fleet has more than one profile / region.
PROFILE_COLUMN = Column("profile", "PROFILE", max_width=20)
REGION_COLUMN = Column("region", "REGION", max_width=16)


def cluster_columns(*, profiles: bool = False, regions: bool = False) -> tuple[Column, ...]:
    if not (profiles or regions):
        return CLUSTER_COLUMNS
    extra = (PROFILE_COLUMN,) * profiles + (REGION_COLUMN,) * regions
    return (CLUSTER_COLUMNS[0], *extra, *CLUSTER_COLUMNS[1:])


GROUP_COLUMNS = (
    Column("name", "GROUP", min_width=8, max_width=63, sort_letter="N"),
    Column("type", "INSTANCE TYPE", max_width=20, sort_letter="Y"),
    # E as the clusters' NODES: C is the groups pane's deep health check (widgets/group_table.py)
    Column("count", "COUNT", align="right", max_width=9, sort_letter="E", sort_as="number"),
    Column("status", "STATUS", kind="status", max_width=14, sort_letter="T"),
    # What the group is doing (core/operations.group_activity): `scaling 12→40`; in the warn colour while fewer
    # nodes run than wanted, so an InService group (or cluster) with 0 of 40 workers never reads as healthy.
    Column("activity", "ACTIVITY", kind="segments", max_width=16, sort_letter="V"),
    Column("role", "SLURM", max_width=10, sort_letter="L"),
    Column("health", "NODE STATUS", kind="segments", flex=True, max_width=60, sort_letter="H"),
    Column("patch", "IMAGE / PATCH", kind="segments", max_width=40, sort_letter="M"),
    Column("lifecycle", "ON CREATE", max_width=30, sort_letter="K"),
)

NODE_COLUMNS = (
    Column(
        "instance_id", "INSTANCE ID", min_width=19, max_width=32, sort_letter="I"
    ),  # 32: a NodeLogicalId, when no instance id
    Column("group", "GROUP", max_width=24, sort_letter="U"),
    Column("status", "STATUS", kind="status", max_width=25, sort_letter="T"),
    # The node's health verdict (core/health.py): its worst current signal, `GPU XID 79 · HMA 4m`; empty when
    # nothing says it is unhealthy. Sorted worst first (F: faults).
    Column("health", "HEALTH", kind="segments", max_width=30, sort_letter="F"),
    # What Slurm says of the node (core/slurm.py, a slower poll of sinfo on the controller): `drained Action:Replace
    # · 4m`, beside the API's STATUS and never reconciled with it. Absent for clusters that are not Slurm.
    Column("slurm", "SLURM", kind="segments", max_width=36, sort_letter="B"),
    # Kubernetes' view of an EKS node (core/kube.py): cordon, NotReady, HyperPod's health label; absent on Slurm.
    Column("k8s", "K8S", kind="segments", max_width=30, sort_letter="J"),
    Column("hostname", "HOSTNAME", max_width=40, sort_letter="H"),
    Column("ip", "IP", max_width=15, sort_letter="X", sort_as="ip"),
    Column("age", "AGE", kind="age", align="right", max_width=7, live=True, sort_letter="A"),
    Column("image", "IMAGE", kind="segments", max_width=24, sort_letter="M"),
    Column("message", "MESSAGE", flex=True, max_width=MESSAGE_LIMIT, sort_letter="E"),
    Column("instance_type", "TYPE", max_width=20, sort_letter="Y", wide=True),
    Column("launched", "LAUNCHED", max_width=16, sort_letter="L", wide=True),
    Column("release", "IMAGE VERSION", max_width=24, sort_letter="V", wide=True),
    Column("updated", "SW UPDATE", max_width=16, sort_letter="W", wide=True),
    Column("logical_id", "LOGICAL ID", max_width=40, sort_letter="Z", wide=True),
)

_SHORT_STATUS = {
    "DeepHealthCheckInProgress": "DeepHealthCheck",
    "DetachInProgress": "Detaching",
    "AttachInProgress": "Attaching",
}

# ClusterImageVersionStatus as a short badge; painted in the colour of its status kind (security: warn, EOL: failed).
IMAGE_BADGES = {
    "UpToDate": "current",
    "UpdateAvailable": "update",
    "SecurityUpdateRequired": "security",
    "EndOfLife": "EOL",
}


def image_badge(status: str) -> tuple[tuple[str, str], ...]:
    """One `(text, status)` segment for an image version status; nothing when the API sent none."""
    if not status:
        return ()
    return ((IMAGE_BADGES.get(status) or clean(status, max_len=24), status),)


def software_update_state(group: InstanceGroup) -> tuple[tuple[str, str], ...]:
    """What UpdateClusterSoftware is doing to the group, with TargetStateCount (nodes on the desired image) while it
    moves; nothing once it succeeded or when no update was ever requested."""
    status = group.software_update_status
    on_desired = "" if group.target_state_count is None else f" {group.target_state_count}/{group.target_count}"
    text = {
        "Pending": "patch pending",
        "InProgress": f"patching{on_desired}",
        "RollbackInProgress": f"patch rolling back{on_desired}",
        "Failed": "patch failed",
        "RollbackComplete": "patch rolled back",
        "Succeeded": "",
    }.get(status, f"patch {clean(status, max_len=24)}" if status else "")
    return ((text, status),) if text else ()


def iso_time(epoch: float | None) -> str:
    """`2026-12-03 07:41`, local time: sorts as text in time order."""
    return "" if epoch is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def patch_date(epoch: float | None) -> str:
    return "" if epoch is None else time.strftime("%b %d %H:%M", time.localtime(epoch))


def group_patch(group: InstanceGroup) -> Health:
    """The IMAGE / PATCH cell: image badge, a software update in flight, and the next automatic patch."""
    parts: list[tuple[str, str | None]] = [*image_badge(group.image_version_status), *software_update_state(group)]
    if group.auto_patch is not None and group.auto_patch.next_patch is not None:
        parts.append((f"next {patch_date(group.auto_patch.next_patch)}", None))
    return tuple(parts)


def node_image(node: Node) -> Health:
    """The nodes' IMAGE cell: the image version badge and CurrentImageReleaseVersion."""
    parts: list[tuple[str, str | None]] = list(image_badge(node.image_version_status))
    if node.image_release:
        parts.append((clean(node.image_release, max_len=24), None))
    return tuple(parts)


def status_summary(statuses: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`(("37 Running", "Running"), ("1 Failure", "Failure"), …)`, worst first."""
    counts = Counter(statuses)
    ordered = sorted(counts.items(), key=lambda item: (status_severity(item[0]), item[0]))
    return tuple((f"{count} {_SHORT_STATUS.get(status, clean(status))}", status) for status, count in ordered)


Health = tuple[tuple[str, str | None], ...]  # (text, node status); None: a note, shown dimmed
UNHEALTHY_WORD = "unhealthy"


def unhealthy_segment(count: int, manual: bool) -> tuple[tuple[str, str], ...]:
    """The NODE STATUS cells' first segment (groups and clusters panes): `3 unhealthy`, `· manual` when the
    cluster's NodeRecovery is None (nobody but the user will act); nothing when every node is healthy."""
    if not count:
        return ()
    return ((f"{count:,} {UNHEALTHY_WORD}" + (" · manual" if manual else ""), "Failure"),)


def _leading_unhealthy(cells: Health) -> int:
    """1 when `cells` starts with the unhealthy count (kept first: what needs attention), else 0."""
    return 1 if cells and cells[0][0].split(" ", 2)[1:2] == [UNHEALTHY_WORD] else 0


NOT_LISTED: Health = (("not listed yet", None),)


def cluster_row(
    summary: ClusterSummary,
    detail: ClusterDetail | None,
    health: Health | None,
    total: int | None,
    *,
    profiles: bool = False,
    regions: bool = False,
) -> TableRow:
    """`health`/`total` come from the latest node listing; without one, the groups' CurrentCount stands in and
    NODE STATUS says the nodes are not listed yet (an empty cell would read as "no nodes"). In a fleet the key is
    `name@region` (core/fleet.py): NAME shows the name, PROFILE/REGION (when asked for) where it lives, and a
    member whose listing failed marks its rows' STATUS stale."""
    orchestrator = detail.orchestrator if detail else ""
    image = summary.image_version_status
    if not image and detail is not None:  # ListClusters without the aggregate: the worst group's stands in
        image = min(
            (g.image_version_status for g in detail.instance_groups if g.image_version_status),
            key=status_severity,
            default="",
        )
    if total is None and detail is not None:
        total = sum(group.current_count for group in detail.instance_groups)
    cells = NOT_LISTED if health is None else health
    if detail is not None:  # an InService cluster with 0 of 40 workers must not look healthy (Continuous scaling)
        current = sum(group.current_count for group in detail.instance_groups)
        target = sum(group.target_count for group in detail.instance_groups)
        if target > current:
            lead = _leading_unhealthy(cells)
            cells = (*cells[:lead], (f"{current} of {target} up", "Pending"), *cells[lead:])
    where = (clean(summary.profile),) * profiles + (clean(summary.region),) * regions
    status = clean(summary.status) + (" (stale)" if summary.stale else "")
    return TableRow(
        summary.name,
        (
            clean(summary.name.split("@", 1)[0] if where else summary.name),
            *where,
            status,
            orchestrator,
            "" if total is None else total,
            cells,
            image_badge(image),
            summary.created,
        ),
    )


def _activity(group: InstanceGroup, operations: Sequence[Operation]) -> tuple[tuple[str, str], ...]:
    activity = group_activity(group, operations)
    if activity is None:
        return ()
    return ((activity.text, "InProgress" if activity.healthy else "Degraded"),)


def group_row(
    group: InstanceGroup, health: Health | None, *, slurm: bool, operations: Sequence[Operation] = ()
) -> TableRow:
    """`operations`: the cluster's in-progress operations (NodeSnapshot.operations), which name a scaling's
    original and desired counts and a deep health check; without them the counts stand in."""
    role = clean(group.slurm_node_type) if slurm else "—"
    return TableRow(
        group.name,
        (
            clean(group.name),
            clean(group.instance_type),
            f"{group.current_count}/{group.target_count}",
            clean(group.status),
            _activity(group, operations),
            role,
            health or (),
            group_patch(group),
            clean(group.lifecycle.on_create),
        ),
    )


_EC2_DOMAIN = re.compile(r"\.(?:[a-z0-9-]+\.compute|ec2)\.internal$")


def short_hostname(hostname: str) -> str:
    """`ip-10-1-2-3.us-west-2.compute.internal` → `ip-10-1-2-3` (the Slurm node name); others unchanged."""
    return _EC2_DOMAIN.sub("", hostname)


def node_row(node: Node, health: Health = (), slurm: Health = (), kube: Health = ()) -> TableRow:
    """Keyed by the node's key; a node without an instance id shows its NodeLogicalId in the id column. `health`:
    the HEALTH cell (core/health.py `Verdict.cell`, display-safe), empty for a node nothing is said about; `slurm`:
    the SLURM cell (core/slurm.py `slurm_cell`), filled in by the Slurm view's controller; `kube`: the K8S cell
    (core/kube.py `KubeNode.cell`), empty without a Kubernetes view."""
    return TableRow(
        node.key,
        (
            clean(node.key),
            clean(node.group),
            clean(node.status),
            health,
            slurm,
            kube,
            clean(short_hostname(node.hostname)),
            node.ip,
            node.launch_time,
            node_image(node),
            clean(node.message, max_len=MESSAGE_LIMIT),
            clean(node.instance_type),
            iso_time(node.launch_time),
            clean(node.image_release, max_len=24),
            iso_time(node.last_software_update),
            clean(node.node_logical_id),
        ),
    )


def sort_letters(columns: Sequence[Column]) -> str:
    """`N name · T status · …`: the shift+<letter> sort keys of a table, for help."""
    return " · ".join(f"{c.sort_letter} {c.label.lower()}" for c in columns if c.sort_letter)


# --- age ---------------------------------------------------------------------------------------------------


def format_age(seconds: float | None) -> str:
    """k9s-style compact ages: 42s, 13m, 5h12m, 3d4h, 400d."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes}m" if hours < 10 and minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if days < 10 and hours else f"{days}d"


# --- filtering ---------------------------------------------------------------------------------------------

_TERM = re.compile(r'(!?)(?:(\w+):)?("[^"]*"|\S+)')


@dataclass(frozen=True, slots=True)
class FilterTerm:
    text: str
    column: int | None  # None: any column
    negate: bool


def parse_filter(query: str, columns: Sequence[Column]) -> tuple[FilterTerm, ...]:
    """`/` filter grammar: words that must all appear (case-insensitive substrings); `column:value` limits a
    word to one column (by key or label, e.g. `status:fail`, `group:worker`); a leading `!` negates a word.
    An unknown column name is treated as plain text, so nothing the user types is an error."""
    terms = []
    for negate, column_name, text in _TERM.findall(query.strip()):
        text = text.strip('"').casefold()
        column = None
        if column_name:
            wanted = column_name.casefold()
            column = next(
                (
                    i
                    for i, c in enumerate(columns)
                    if wanted in (c.key.casefold(), c.label.casefold().replace(" ", "_"))
                ),
                None,
            )
            if column is None:
                text = f"{column_name.casefold()}:{text}"
        if text:
            terms.append(FilterTerm(text, column, bool(negate)))
    return tuple(terms)


def unknown_columns(query: str, columns: Sequence[Column]) -> list[str]:
    """The `name:` prefixes in `query` that name no column (they are matched as plain text)."""
    known = {c.key.casefold() for c in columns} | {c.label.casefold().replace(" ", "_") for c in columns}
    return [name for _, name, _ in _TERM.findall(query.strip()) if name and name.casefold() not in known]


def filter_problem(query: str, columns: Sequence[Column]) -> str | None:
    """What is wrong with `query`, in words (`no column "foo" (columns: name, status, …)`), or None."""
    unknown = unknown_columns(query, columns)
    if not unknown:
        return None
    names = ", ".join(c.key for c in columns)
    return f'no column "{unknown[0]}" (columns: {names})'


def row_matcher(query: str, columns: Sequence[Column]) -> Callable[[TableRow], bool] | None:
    """A predicate for rows matching `query`, or None for an empty query (everything matches)."""
    terms = parse_filter(query, columns)
    if not terms:
        return None
    searchable = [i for i, c in enumerate(columns) if c.kind != "age"]

    def matches(row: TableRow) -> bool:
        haystack: str | None = None
        for term in terms:
            if term.column is not None:
                found = term.text in row.text(term.column).casefold()
            else:
                if haystack is None:
                    haystack = "\x00".join(row.text(i) for i in searchable).casefold()
                found = term.text in haystack
            if found == term.negate:
                return False
        return True

    return matches


# --- sorting -----------------------------------------------------------------------------------------------


def sort_key(column: Column, index: int) -> Callable[[TableRow], Any]:
    """The key that orders rows by one column: status worst-first, counts numerically, age youngest-first.

    Where the order is textual the key is one string, `<value>\0<row key>` (display text holds no NUL, which sorts
    before every other character, so this orders exactly as the pair would): strings compare in C, tuples element
    by element, and sorting 10,000 rows is ~3× faster."""
    if column.kind == "status":
        prefixes: dict[str, str] = {}  # status → "<severity><status>\0": a handful of statuses, 10,000 rows

        def status_key(row: TableRow) -> str:
            status = row.values[index] or ""
            prefix = prefixes.get(status)
            if prefix is None:
                prefix = prefixes[status] = f"{status_severity(status)}{status}\0"
            return prefix + row.key

        return status_key
    if column.kind == "age":
        return lambda row: (-(row.values[index] or 0.0), row.key)
    if column.kind == "count":
        return lambda row: (row.values[index] if isinstance(row.values[index], int) else -1, row.key)
    if column.kind == "segments":
        # worst status first; a cell with no statuses (no nodes, or not listed yet) last
        return lambda row: (
            f"{min((status_severity(s) for _, s in row.values[index] if s is not None), default=9)}\0{row.key}"
        )
    if column.sort_as == "number":
        return lambda row: (leading_number(row.text(index)), row.key)
    if column.sort_as == "ip":
        return lambda row: (ip_order(row.text(index)), row.key)
    return lambda row: f"{row.text(index).casefold()}\0{row.key}"


_LEADING_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)")


def leading_number(text: str) -> float:
    """`"12/16"` → 12.0: counts written as text order by their number (2 before 10); no number sorts last."""
    match = _LEADING_NUMBER.match(text)
    return float(match.group(1)) if match else float("inf")


def ip_order(text: str) -> tuple[int, int, str]:
    """IPv4 before IPv6, each by address (10.0.0.9 before 10.0.0.10); an empty or unparsable cell sorts last."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return (9, 0, text)
    return (address.version, int(address), "")
