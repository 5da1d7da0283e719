"""Finding a node by what an operator has in hand: an instance id, a hostname, an IP, a Slurm node name
(`ip-10-1-2-3`) or an EKS node name (`hyperpod-i-…`). Textual-free; the palette (tui/commands.py) uses it.

`matches` searches every node listing held (every cluster fetched so far). `instance_id_in` recognises a whole
instance id in the query; `describe_everywhere` asks DescribeClusterNode of each cluster for it (an id pasted from
an alert, of a node whose cluster was never listed or that appeared since), bounded in clusters, parallel calls
and time: past the deadline it returns what it has and says which clusters it did not hear from.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass

from tui.core.daemon_pool import DaemonThreadPool
from tui.core.models import Node, NodeDetail
from tui.core.snapshot import NodeSnapshot

INSTANCE_ID = re.compile(r"(?:hyperpod-)?(i-(?:[0-9a-f]{17}|[0-9a-f]{8}))", re.IGNORECASE)
MAX_DESCRIBED_CLUSTERS = 20  # clusters asked about one id
DESCRIBE_CONCURRENCY = 4
DESCRIBE_DEADLINE = 8.0  # seconds for the whole lookup


@dataclass(frozen=True, slots=True)
class NodeMatch:
    cluster: str
    node: Node


def slurm_name(node: Node) -> str:
    """The Slurm NodeName: the short hostname, `ip-N-N-N-N` (HYPERPOD-FACTS-2 §5.1)."""
    return node.hostname.split(".", 1)[0]


def search_text(node: Node) -> str:
    """Every name of the node, casefolded, as one string to search."""
    return f"{node.key} hyperpod-{node.key} {node.hostname} {node.ip} {slurm_name(node)}".casefold()


Entry = tuple[str, str, Node]  # (search text, cluster, node)


def entries_of(snapshot: NodeSnapshot) -> list[Entry]:
    return [(search_text(node), snapshot.cluster, node) for node in snapshot.nodes.values()]


class NodeIndex:
    """The search texts of every node held, kept per cluster and rebuilt only for a newer listing (~4 µs a node:
    a 10,000-node cluster is 40 ms, paid once per listing rather than at every palette opening)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, list[Entry]]] = {}

    def entries(self, snapshots: Mapping[str, NodeSnapshot], *, first: str | None = None) -> list[Entry]:
        """Every node of `snapshots`, cluster `first` first, then by name."""
        for gone in set(self._entries) - set(snapshots):
            del self._entries[gone]
        found: list[Entry] = []
        for cluster in sorted(snapshots, key=lambda name: (name != first, name)):
            snapshot = snapshots[cluster]
            held = self._entries.get(cluster)
            if held is None or held[0] != snapshot.fetched_at:
                held = (snapshot.fetched_at, entries_of(snapshot))
                self._entries[cluster] = held
            found += held[1]
        return found


def matches(entries: Iterable[Entry], query: str) -> Iterator[NodeMatch]:
    """Nodes whose id, hostname, IP or Slurm name contains `query` (case-insensitive), in the index's order."""
    needle = query.strip().casefold()
    if not needle:
        return
    for text, cluster, node in entries:
        if needle in text:
            yield NodeMatch(cluster, node)


def instance_id_in(query: str) -> str | None:
    """The instance id the query is (`i-…`, or the EKS node name `hyperpod-i-…`), lower-cased; else None."""
    found = INSTANCE_ID.fullmatch(query.strip())
    return found.group(1).lower() if found else None


@dataclass(frozen=True, slots=True)
class DescribeResult:
    instance_id: str
    found: tuple[tuple[str, NodeDetail], ...]  # (cluster, what DescribeClusterNode said)
    asked: int  # clusters that answered (found or not)
    unanswered: tuple[str, ...]  # clusters that failed or did not answer before the deadline
    skipped: int  # clusters not asked (past MAX_DESCRIBED_CLUSTERS)


Describe = Callable[[str, str], NodeDetail]  # (cluster, instance id) → detail; raises when the cluster lacks it


def is_not_found(exc: BaseException) -> bool:
    """DescribeClusterNode's answer for a node the cluster does not have (botocore ClientError's code)."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ResourceNotFound", "ValidationException")


def describe_everywhere(
    describe: Describe,
    clusters: Iterable[str],
    instance_id: str,
    *,
    max_clusters: int = MAX_DESCRIBED_CLUSTERS,
    concurrency: int = DESCRIBE_CONCURRENCY,
    deadline: float = DESCRIBE_DEADLINE,
    clock: Callable[[], float] = time.monotonic,
    should_stop: Callable[[], bool] = lambda: False,
) -> DescribeResult:
    """Ask each cluster (at most `max_clusters`, `concurrency` at a time) whether it has `instance_id`."""
    names = list(dict.fromkeys(clusters))
    asking, skipped = names[:max_clusters], max(0, len(names) - max_clusters)
    found: list[tuple[str, NodeDetail]] = []
    failed: list[str] = []
    asked = 0
    ends = clock() + deadline
    pool = DaemonThreadPool(max_workers=max(1, concurrency), thread_name_prefix="hyperpod-lookup")
    running: dict[Future[NodeDetail], str] = {}
    waiting = list(asking)
    try:
        while (waiting or running) and not should_stop():
            while waiting and len(running) < concurrency:
                cluster = waiting.pop(0)
                running[pool.submit(describe, cluster, instance_id)] = cluster
            left = ends - clock()
            if left <= 0:
                break
            done, _ = wait(running, timeout=min(left, 0.5), return_when=FIRST_COMPLETED)
            for future in done:
                cluster = running.pop(future)
                error = future.exception()
                if error is None:
                    asked += 1
                    found.append((cluster, future.result()))
                elif is_not_found(error):
                    asked += 1
                else:
                    failed.append(cluster)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    unanswered = (*failed, *running.values(), *waiting)
    return DescribeResult(instance_id, tuple(found), asked, tuple(unanswered), skipped)
