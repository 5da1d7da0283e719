"""Slurm's view of a HyperPod Slurm cluster, read through one SSM session to its controller, and Slurm's actions.

No Textual. What Slurm says is text from a node: parsed here bounded and hostile-text-safe, never trusted.

- The poll: one non-interactive `sinfo -N -h -o '%N|%T|%E|%H'` on the controller (the group whose
  `SlurmConfig.NodeType` is `Controller`), run by `core.run.Runner` like any command (HYPERPOD-FACTS-2 §5.3: the
  agent shlex-splits it, so the quoted format stays one argument and no shell is needed). `parse_sinfo` reads its
  answer: NodeName | long state (`idle`, `allocated+`, `drained`, `down*`) | reason | reason time. `-N` prints a node
  once per partition it is in (login nodes join the default partition with every node), so a name is kept once.
  A reason may itself hold `|`: the name and state are the first two fields and the time the last.
- The join: a node's Slurm name is `PrivateDnsHostname.split('.')[0]` (§5.1); names sinfo lists that no listed node
  has are kept as `unknown` (a node the API no longer lists, or one Slurm knows by another name).
- Both views are shown, never reconciled: during a replacement sinfo says `down*`/`fail` while the API says
  Pending, and each column says what its side says.
- `SlurmPollSchedule`: the slower pace (30 s by default), never two polls at once, a request during a poll runs once
  after it.
- Actions: tui/core/slurm_actions.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.core.health import Signal, slurm_signal
from tui.core.journal import Journal
from tui.core.sanitize import clean
from tui.core.tables import NODE_COLUMNS, TableRow, format_age

SINFO_COMMAND = "sinfo -N -h -o '%N|%T|%E|%H'"
DEFAULT_POLL_S = 30.0
MIN_POLL_S = 5.0
MAX_LINES = 20_000  # a 10,000-node cluster in two partitions
MAX_LINE = 1024  # characters of one sinfo line: longer is not sinfo
REASON_LIMIT = 200

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# %T's long state: a base word, flags (`*` not responding, `~` powered off, `#` powering up, `%`, `!`, `$`, `@`, `^`,
# `-`), and `+` when more states apply (`allocated+`, `idle+drain`).
_STATE = re.compile(r"^[a-z_]{2,20}[*~#!%$@^+-]{0,4}(?:\+[a-z_]{2,20}[*~#!%$@^+-]{0,4}){0,4}$", re.IGNORECASE)
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_NO_REASON = frozenset({"", "none", "(null)"})

FAULT_STATES = frozenset({"down", "drained", "drain", "fail", "failing", "inval", "not_responding"})
WARN_STATES = frozenset({"draining", "unknown", "reboot_issued", "reboot_requested", "maint", "power_down"})
# The node status each Slurm state borrows its colour from (core/models status kinds), as the HEALTH cell does.
_STATE_COLOUR = {"fault": "Failure", "warn": "Degraded", "ok": "Running", "busy": "InService"}


@dataclass(frozen=True, slots=True)
class SlurmNode:
    """One node as sinfo says it is. Display-safe: every field went through `clean`."""

    name: str
    state: str  # the long state as sinfo prints it: `drained`, `down*`, `allocated+`
    reason: str = ""
    reason_time: float | None = None  # epoch seconds, UTC (sinfo prints the controller's local time: UNCONFIRMED)

    @property
    def base(self) -> str:
        """`down*` → `down`, `idle+drain` → `drain` when a fault is among the states, else the first one."""
        words = [re.sub(r"[*~#!%$@^-]+$", "", word).casefold() for word in self.state.split("+") if word]
        if "*" in self.state and "not_responding" not in words:
            words.append("not_responding")
        for word in words:
            if word in FAULT_STATES:
                return word
        for word in words:
            if word in WARN_STATES:
                return word
        return words[0] if words else ""

    @property
    def kind(self) -> str:
        """fault (down, drained, fail, not responding), warn (draining, …), busy (allocated, mixed) or ok."""
        base = self.base
        if base in FAULT_STATES:
            return "fault"
        if base in WARN_STATES:
            return "warn"
        return "busy" if base in ("allocated", "mixed", "completing") else "ok"

    @property
    def hyperpod_action(self) -> str:
        """What HyperPod does about this reason: `replace` / `reboot` for the exact `Action:…` strings, else ''."""
        return {"Action:Replace": "replace", "Action:Reboot": "reboot"}.get(self.reason, "")


@dataclass(frozen=True, slots=True)
class SinfoResult:
    nodes: dict[str, SlurmNode]
    garbage: int = 0  # lines that were not sinfo lines
    problem: str = ""  # why there is no view: the output said an error, or was unreadable


def _epoch(text: str) -> float | None:
    if not _TIME.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def parse_line(line: str) -> SlurmNode | None:
    """One `%N|%T|%E|%H` line, or None when it is not one."""
    if len(line) > MAX_LINE:
        return None
    parts = line.strip().split("|")
    if len(parts) < 4:
        return None
    name, state, moment = parts[0].strip(), parts[1].strip(), parts[-1].strip()
    reason = "|".join(parts[2:-1]).strip()
    if not NAME_PATTERN.match(name) or not _STATE.match(state):
        return None
    if moment not in ("Unknown", "None", "") and not _TIME.match(moment):
        return None
    reason = "" if reason.casefold() in _NO_REASON else clean(reason, max_len=REASON_LIMIT)
    return SlurmNode(clean(name), clean(state), reason, _epoch(moment) if reason else None)


def parse_sinfo(text: str) -> SinfoResult:
    """Every node sinfo listed, by name (the first line of a name wins: `-N` repeats a node per partition).
    At most MAX_LINES lines are read. No node and some text: `problem` says what the text said (its first line)."""
    nodes: dict[str, SlurmNode] = {}
    garbage = 0
    first_other = ""
    for count, line in enumerate(text.split("\n")):
        if count >= MAX_LINES:
            garbage += 1
            break
        if not line.strip():
            continue
        node = parse_line(line)
        if node is None:
            garbage += 1
            first_other = first_other or line.strip()
            continue
        nodes.setdefault(node.name, node)
    problem = ""
    if not nodes and first_other:
        problem = f"sinfo answered: {clean(first_other, max_len=160)}"
    return SinfoResult(nodes, garbage, problem)


# --- the join ----------------------------------------------------------------------------------------------


def slurm_name(hostname: str) -> str:
    """The Slurm NodeName of a node: `ip-10-1-2-3.us-west-2.compute.internal` → `ip-10-1-2-3` (FACTS-2 §5.1)."""
    return hostname.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class SlurmView:
    """A cluster's sinfo joined to its listed nodes. `by_key`: node key → what Slurm says of it; `unknown`: names
    sinfo lists that no listed node has; `fetched_at`: when the answer came (epoch)."""

    cluster: str
    by_key: Mapping[str, SlurmNode] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()
    fetched_at: float = 0.0
    garbage: int = 0


def join(cluster: str, nodes: Iterable[Any], sinfo: SinfoResult, fetched_at: float) -> SlurmView:
    """`nodes`: core.models.Node (or anything with `key` and `hostname`). A Slurm name two listed nodes share (a
    replacement: the old instance and the new one keep the hostname) goes to both."""
    by_key: dict[str, SlurmNode] = {}
    seen: set[str] = set()
    for node in nodes:
        name = slurm_name(getattr(node, "hostname", "") or "")
        found = sinfo.nodes.get(name) if name else None
        if found is not None:
            by_key[node.key] = found
            seen.add(name)
    unknown = tuple(sorted(set(sinfo.nodes) - seen))
    return SlurmView(cluster, by_key, unknown, fetched_at, sinfo.garbage)


def slurm_cell(node: SlurmNode | None, now: float) -> tuple[tuple[str, str | None], ...]:
    """The SLURM cell: the state in its colour, then the reason and how long ago it was set (dimmed)."""
    if node is None:
        return ()
    parts: list[tuple[str, str | None]] = [(node.state, _STATE_COLOUR[node.kind])]
    if node.reason:
        when = f" · {format_age(now - node.reason_time)}" if node.reason_time is not None else ""
        parts.append((f"{node.reason[:40]}{when}", None))
    return tuple(parts)


def disagrees(node: SlurmNode, api_status: str) -> bool:
    """Slurm says the node is down, drained or failed while the API says it is Running: a health signal."""
    return node.kind == "fault" and api_status == "Running"


SLURM_INDEX = [column.key for column in NODE_COLUMNS].index("slurm")


def with_cell(row: TableRow, cell: tuple[tuple[str, str | None], ...]) -> TableRow:
    """`row` with its SLURM cell replaced (the same row when it already holds that cell)."""
    if row.values[SLURM_INDEX] == cell:
        return row
    values = list(row.values)
    values[SLURM_INDEX] = cell
    return TableRow(row.key, tuple(values))


def health_signals(nodes: Iterable[Any], sinfo: SinfoResult, seen: float) -> dict[str, Signal]:
    """Health source (e): per instance id, a signal for each node Slurm calls down, drained or failed while the
    API says Running (draining too, as a warning). Nodes in other states say nothing."""
    out: dict[str, Signal] = {}
    for node in nodes:
        if not node.instance_id or node.status != "Running":
            continue
        found = sinfo.nodes.get(slurm_name(node.hostname or ""))
        if found is not None and found.kind in ("fault", "warn"):
            out[node.instance_id] = slurm_signal(
                found.state, found.reason, found.reason_time, seen=seen, kind=found.kind
            )
    return out


class SlurmSignals:
    """The Slurm health signals of every cluster, replaced whole per poll (the UI thread writes, the refresh worker
    reads through core.hma.HealthSources)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_cluster: dict[str, dict[str, Signal]] = {}

    def for_cluster(self, cluster: str) -> dict[str, Signal]:
        with self._lock:
            return dict(self._by_cluster.get(cluster, {}))

    def put(self, cluster: str, signals: dict[str, Signal]) -> bool:
        """True when that changed what the cluster's signals say."""
        with self._lock:
            changed = self._by_cluster.get(cluster, {}) != signals
            self._by_cluster[cluster] = dict(signals)
            return changed


class NoJournal(Journal):
    """For the sinfo poll: a read changes nothing and is not an action, so it is not journaled (every 30 s would
    bury the actions). Slurm's actions go through the real journal."""

    def __init__(self) -> None:
        pass

    def append(self, entry: Mapping[str, Any]) -> None:
        return None


# --- the controller and failures ---------------------------------------------------------------------------


def controller_group(detail: Any) -> str | None:
    """The name of the group whose `SlurmConfig.NodeType` is `Controller`, or None."""
    for group in getattr(detail, "instance_groups", ()) or ():
        if getattr(group, "slurm_node_type", "") == "Controller":
            return str(group.name)
    return None


def pick_controller(detail: Any, nodes: Iterable[Any]) -> tuple[Any | None, str]:
    """The controller node to run on (a Running one with an instance id), or None and why not."""
    group = controller_group(detail)
    if group is None:
        return None, "no controller group (SlurmConfig.NodeType Controller) in this cluster"
    candidates = [n for n in nodes if n.group == group and n.instance_id]
    running = [n for n in candidates if n.status == "Running"]
    if running:
        return running[0], ""
    if candidates:
        return None, f"the controller ({clean(group)}) is {clean(candidates[0].status)}"
    return None, f"the controller group {clean(group)} has no node yet"


# --- the pace ----------------------------------------------------------------------------------------------


class SlurmPollSchedule:
    """When to poll: every `interval` seconds after the last poll ended (0: only on request); never two at once;
    a request while one runs is remembered and run once it ends."""

    def __init__(self, interval: float = DEFAULT_POLL_S) -> None:
        self.interval = max(MIN_POLL_S, interval) if interval > 0 else 0.0
        self.running = False
        self.pending = False
        self.last_end: float | None = None

    def due(self, now: float) -> bool:
        if self.running:
            return False
        if self.pending or self.last_end is None:
            return self.pending or self.interval > 0
        return self.interval > 0 and now - self.last_end >= self.interval

    def request(self) -> bool:
        """On demand: True when a poll may start now; False when one is running (it runs again after)."""
        if self.running:
            self.pending = True
            return False
        self.pending = True
        return True

    def start(self) -> bool:
        if self.running:
            return False
        self.running = True
        self.pending = False
        return True

    def finish(self, now: float) -> None:
        self.running = False
        self.last_end = now


__all__ = [
    "SINFO_COMMAND",
    "SinfoResult",
    "SlurmNode",
    "SlurmPollSchedule",
    "SlurmView",
    "controller_group",
    "disagrees",
    "join",
    "parse_line",
    "parse_sinfo",
    "pick_controller",
    "slurm_cell",
    "slurm_name",
    "with_cell",
]
