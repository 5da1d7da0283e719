"""The triage rows: every node that is not healthy, in every cluster whose nodes are in hand, one row each.

A row joins the node (core/models Node), its verdict (core/health.py, kept on the cluster's NodeSnapshot as
`verdicts`) and the cluster's NodeRecovery: the node's status, its health (the verdict's worst current signal), since
when, why, what HyperPod is doing about it, and the recommended next step with its reason. The TUI's triage view
(screens/triage.py) and the headless `triage` command (tui/headless.py) both build their rows here. Rows come
worst first (fault, warn, progress), then the longest-standing first. Every text is already clean (the signals'
texts went through `sanitize.clean`; names are cleaned here). No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tui.core.health import FAULT, IN_PROGRESS_STATUSES, OK, SEVERITIES, Verdict, signal_label
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow, format_age

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}
REASON_LIMIT = 500


@dataclass(frozen=True, slots=True)
class TriageEntry:
    """One node that needs attention. `since` is the epoch of the signal the verdict rests on (None: the source
    gave no time, a status seen in the listing)."""

    cluster: str
    group: str
    node: str  # the node's key: its instance id, else its NodeLogicalId
    name: str  # its hostname (the Slurm / Kubernetes node name when the listing has it)
    status: str
    severity: str  # core/health SEVERITIES
    health: str  # `GPU XID 79 · HMA 4m`
    since: float | None
    reason: str  # the signal's own words
    hyperpod: str  # what HyperPod is doing: `replace in progress · auto recovery`, `idle · recovery off`
    step: str  # `replace`, `reboot (needs manual action)`, `wait`, `investigate`
    step_reason: str
    recovery: str  # the cluster's NodeRecovery: Automatic | None | ""
    source: str  # the signal's source (HMA, EventBridge, status, event, DHC)

    @property
    def key(self) -> str:
        return row_key(self.cluster, self.node)

    @property
    def needs_action(self) -> bool:
        """Something the operator must do (not only wait for HyperPod)."""
        return self.step not in ("", "wait")


def row_key(cluster: str, node: str) -> str:
    return f"{cluster}/{node}"


def split_key(key: str) -> tuple[str, str]:
    """A row key → (cluster, node key). Cluster names (and fleet keys, name@region) hold no `/`."""
    cluster, _, node = key.partition("/")
    return cluster, node


def recovery_text(recovery: str) -> str:
    lowered = recovery.casefold()
    if lowered == "automatic":
        return "auto recovery"
    if lowered == "none":
        return "recovery off"
    return ""


def hyperpod_doing(verdict: Verdict, status: str) -> str:
    """What HyperPod is doing about the node: a repair it announced, a reboot or replacement under way, a deep
    health check running, else idle; and whether the cluster's automatic node recovery is on."""
    repairing = next((s for s in verdict.current if s.repairing and not s.healthy), None)
    if repairing is not None:
        doing = f"{repairing.action or 'repair'} in progress"
    elif status == "DeepHealthCheckInProgress":
        doing = "deep health check"
    elif status in IN_PROGRESS_STATUSES:
        doing = f"{status} (recovering)"
    else:
        doing = "idle"
    recovery = recovery_text(verdict.recovery)
    return f"{doing} · {recovery}" if recovery else doing


def triage_entries(snapshots: Iterable[object], now: float) -> list[TriageEntry]:
    """Every not-healthy node of the snapshots (core/snapshot NodeSnapshot: `.cluster`, `.nodes`, `.verdicts`),
    worst first, then the longest-standing first, then by cluster and node."""
    entries: list[TriageEntry] = []
    for snapshot in snapshots:
        cluster = str(getattr(snapshot, "cluster", ""))
        nodes: Mapping[str, object] = getattr(snapshot, "nodes", {})
        verdicts: Mapping[str, Verdict] = getattr(snapshot, "verdicts", {})
        for key, verdict in verdicts.items():
            node = nodes.get(key)
            if node is None or verdict.severity == OK or verdict.signal is None:
                continue
            signal = verdict.signal
            status = str(getattr(node, "status", ""))
            entries.append(
                TriageEntry(
                    cluster=clean(cluster, max_len=80),
                    group=clean(getattr(node, "group", ""), max_len=63),
                    node=clean(key, max_len=64),
                    name=clean(getattr(node, "hostname", ""), max_len=80),
                    status=clean(status, max_len=40),
                    severity=verdict.severity,
                    health=signal_label(signal, now),
                    since=signal.time if signal.time > 0 else None,
                    reason=(signal.text or signal.short)[:REASON_LIMIT],
                    hyperpod=hyperpod_doing(verdict, status),
                    step=verdict.step.text,
                    step_reason=verdict.step.reason,
                    recovery=clean(verdict.recovery, max_len=20),
                    source=signal.source,
                )
            )
    entries.sort(
        key=lambda e: (
            -_SEVERITY_RANK.get(e.severity, 0),
            e.since if e.since is not None else float("inf"),
            e.cluster,
            e.node,
        )
    )
    return entries


def needs_attention(entries: Iterable[TriageEntry]) -> bool:
    """Anything not healthy: the headless command's exit status 3 (a node HyperPod is repairing counts too: a
    cron job should know)."""
    return any(True for _ in entries)


# --- the table ----------------------------------------------------------------------------------------------

# What each severity is painted as (core/models status kinds, as the HEALTH column does).
_SEVERITY_STATUS = {FAULT: "Failure", "warn": "Degraded", "progress": "Pending"}

TRIAGE_COLUMNS = (
    Column("cluster", "CLUSTER", min_width=6, max_width=24, sort_letter="C"),
    Column("node", "NODE", min_width=12, max_width=32, sort_letter="I"),
    Column("step", "NEXT STEP", min_width=6, max_width=30, sort_letter="P"),
    Column("health", "HEALTH", kind="segments", min_width=10, max_width=30, sort_letter="F"),
    Column("since", "SINCE", kind="age", align="right", max_width=7, live=True, sort_letter="A"),
    Column("hyperpod", "HYPERPOD", min_width=6, max_width=34, sort_letter="Y"),
    Column("status", "STATUS", kind="status", max_width=16, sort_letter="T"),
    Column("group", "GROUP", max_width=24, sort_letter="U"),
    Column("name", "NAME", max_width=40, sort_letter="N"),
    Column("reason", "REASON", flex=True, max_width=REASON_LIMIT, sort_letter="R"),
)


def triage_row(entry: TriageEntry) -> TableRow:
    health = ((entry.health, _SEVERITY_STATUS.get(entry.severity, "Failure")),)
    values = (
        entry.cluster,
        entry.node,
        entry.step,
        health,
        entry.since,
        entry.hyperpod,
        entry.status,
        entry.group,
        entry.name,
        entry.reason,
    )
    return TableRow(entry.key, values)


def freshness(fetched: Mapping[str, float], listed: int, now: float) -> str:
    """How fresh the data is: `3 clusters · listed 12s–2m ago · 1 not listed yet`."""
    if not fetched:
        return "no cluster's nodes listed yet" if listed else "no clusters"
    ages = sorted(max(0.0, now - at) for at in fetched.values())
    newest, oldest = format_age(ages[0]), format_age(ages[-1])
    span = newest if newest == oldest else f"{newest}–{oldest}"
    count = len(fetched)
    text = f"{count} cluster{'s' * (count != 1)} · listed {span} ago"
    missing = max(0, listed - count)
    return f"{text} · {missing} not listed yet" if missing else text


__all__ = [
    "TRIAGE_COLUMNS",
    "TriageEntry",
    "freshness",
    "hyperpod_doing",
    "needs_attention",
    "row_key",
    "split_key",
    "triage_entries",
    "triage_row",
]
