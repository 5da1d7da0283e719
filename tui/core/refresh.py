"""One refresh of the explorer, and the schedule of refreshes: Textual-free, driven by one worker.

`run_refresh` is a generator: it lists the clusters (or takes the list a start-up child prefetched), plans
which clusters to describe and whose nodes to list, does so, and yields what it found as frozen events, ending
with `RefreshDone`. Work between two events happens only when the consumer asks for the next one, so a
worker that stops iterating (cancelled, screen gone) stops the refresh. It reads nothing live: the caller
hands it a frozen `RefreshInput`.

The plan: a refresh always lists the clusters, then describes and lists the nodes of the cluster the user is
looking at (the focus) plus the `others_per_tick` clusters whose node counts are stalest, so the clusters
pane's counts stay current without listing every node of every cluster every few seconds. The first refresh
describes every cluster (the orchestrator column needs it).

`RefreshSchedule` holds the rules between refreshes: never two at once (a request during a refresh runs
exactly once after it), the interval doubling per consecutive throttled refresh up to `MAX_BACKOFF`, reset
by any refresh that is not throttled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tui.core.errors import Problem
from tui.core.models import ClusterDetail, ClusterSummary, Node
from tui.core.snapshot import NodeSnapshot, fetch_snapshot, health_update

if TYPE_CHECKING:
    from tui.core.hma import HealthSources

OTHERS_PER_TICK = 2
MAX_BACKOFF = 60.0


# --- the plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    describe: tuple[str, ...]
    list_nodes: tuple[str, ...]


def plan_refresh(
    names: Sequence[str],
    focus: str | None,
    nodes_fetched_at: Mapping[str, float],
    *,
    first: bool,
    others_per_tick: int = OTHERS_PER_TICK,
) -> RefreshPlan:
    """Which clusters to describe and whose nodes to list in this refresh (focus first)."""
    if focus not in names:
        focus = names[0] if names else None
    others = sorted(
        (name for name in names if name != focus), key=lambda name: (nodes_fetched_at.get(name, -1.0), name)
    )
    chosen = ([focus] if focus else []) + others[:others_per_tick]
    describe = tuple(names) if first else tuple(chosen)
    return RefreshPlan(describe=describe, list_nodes=tuple(chosen))


def next_interval(base: float, throttled_streak: int) -> float:
    """Double the interval for each consecutive throttled refresh, up to a minute."""
    if base <= 0:
        return 0.0
    return float(min(MAX_BACKOFF, base * 2.0 ** max(0, throttled_streak)))


# --- events ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClustersFound:
    clusters: tuple[ClusterSummary, ...]
    fetched_at: float


@dataclass(frozen=True, slots=True)
class ClusterFound:
    detail: ClusterDetail
    fetched_at: float


@dataclass(frozen=True, slots=True)
class ClusterVanished:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class NodesFound:
    snapshot: NodeSnapshot


@dataclass(frozen=True, slots=True)
class RefreshDone:
    """The refresh ended; `problem` is the first thing that went wrong, or None."""

    problem: Problem | None
    started_at: float


RefreshEvent = ClustersFound | ClusterFound | ClusterVanished | NodesFound | RefreshDone


# --- one refresh -----------------------------------------------------------------------------------------


class ExplorerApi(Protocol):
    def list_clusters(self) -> list[ClusterSummary]: ...
    def describe_cluster(self, name_or_arn: str) -> ClusterDetail: ...
    def describe_clusters(self, names: Iterable[str]) -> dict[str, ClusterDetail | BaseException]: ...
    def list_nodes(
        self, cluster: str, groups: Sequence[str] | None = None, *, logical_ids: bool = False
    ) -> list[Node]: ...


Classify = Callable[[BaseException, str], Problem]


@dataclass(frozen=True, slots=True)
class RefreshInput:
    """What the screen knew when the refresh started: copies, never the screen's live state."""

    focus: str | None
    first: bool
    started_at: float
    snapshots: Mapping[str, NodeSnapshot]
    details: Mapping[str, ClusterDetail]
    wanted_cluster: str | None = None  # --cluster: the first refresh focuses it
    prefetched: tuple[ClusterSummary, ...] | None = None  # a start-up child's ListClusters answer
    # Node health besides the listing (core/hma.py): thread-safe stores, the one thing here that is not a copy.
    # The focused cluster's HMA records are swept (at most once per its interval); the others use what is known.
    health: HealthSources | None = None


def run_refresh(
    given: RefreshInput,
    get_api: Callable[[], ExplorerApi],
    classify: Classify,
    after_clusters: Callable[[], object] = lambda: None,
) -> Iterator[RefreshEvent]:
    """One refresh, as events. `after_clusters` runs once the clusters are yielded (the first refresh uses it to
    let the UI paint them before this thread competes for the GIL with thousands of nodes)."""
    started = given.started_at
    problem: Problem | None = None
    api: ExplorerApi | None = None
    try:
        if given.prefetched is not None:
            clusters = list(given.prefetched)
        else:
            api = get_api()
            clusters = api.list_clusters()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a Problem for the header and banner
        yield RefreshDone(classify(exc, "ListClusters"), started)
        return
    yield ClustersFound(tuple(clusters), started)
    after_clusters()
    if api is None:
        try:
            api = get_api()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a Problem for the header and banner
            yield RefreshDone(classify(exc, "DescribeCluster"), started)
            return
    names = [cluster.name for cluster in clusters]
    focus = given.focus
    if given.first and given.wanted_cluster in names:
        focus = given.wanted_cluster
    fetched = {name: snapshot.fetched_at for name, snapshot in given.snapshots.items()}
    plan = plan_refresh(names, focus, fetched, first=given.first)
    details: dict[str, ClusterDetail] = {}
    for name, result in api.describe_clusters(plan.describe).items():
        if isinstance(result, ClusterDetail):
            details[name] = result
            yield ClusterFound(result, started)
            continue
        found = classify(result, "DescribeCluster")
        if found.kind == "not_found":
            yield ClusterVanished(name, found.message)
        else:
            problem = problem or found
    for name in plan.list_nodes:
        detail = details.get(name) or given.details.get(name)
        if detail is None:
            continue
        try:
            snapshot = fetch_snapshot(api, detail, given.snapshots.get(name), started, given.health)
        except Exception as exc:  # noqa: BLE001 - one cluster's failure does not stop the others
            found = classify(exc, "ListClusterNodes")
            if found.kind == "not_found":
                yield ClusterVanished(name, found.message)
            else:
                problem = problem or found
            continue
        yield NodesFound(snapshot)
        if given.health is not None and name == plan.list_nodes[0]:  # the focus: its health signals, after it
            yield from _health_update(api, detail, snapshot, given.health)
    yield RefreshDone(problem, started)


def _health_update(
    api: object, detail: ClusterDetail, snapshot: NodeSnapshot, health: HealthSources
) -> Iterator[RefreshEvent]:
    try:
        updated = health_update(api, detail, snapshot, health)
    except Exception:  # noqa: BLE001 - health is auxiliary (the sweep itself never raises): the listing stands
        return
    if updated is not None:
        yield NodesFound(updated)


def sweep_clusters(
    get_api: Callable[[], ExplorerApi],
    clusters: Sequence[tuple[ClusterDetail, NodeSnapshot]],
    health: HealthSources,
) -> Iterator[RefreshEvent]:
    """Sweep the HMA records of clusters already listed (the triage view wants every cluster's health, the regular
    refresh sweeps only the focused one), one after the other, each bounded by the sweep's own limits; a cluster
    whose sweep brought something new yields its snapshot rebuilt with it. Never raises."""
    try:
        api = get_api()
    except Exception:  # noqa: BLE001 - health is auxiliary: the listings stand
        return
    for detail, snapshot in clusters:
        yield from _health_update(api, detail, snapshot, health)


def fetch_cluster(
    name: str,
    previous: NodeSnapshot | None,
    started: float,
    get_api: Callable[[], ExplorerApi],
    classify: Classify,
    health: HealthSources | None = None,
) -> Iterator[RefreshEvent]:
    """Describe one cluster and list its nodes (the user moved to a cluster whose listing is stale), sweeping its
    HMA records when due. A failure other than "gone" ends it with `RefreshDone(problem)`; success yields no
    `RefreshDone`."""
    try:
        api = get_api()
        detail = api.describe_cluster(name)
        yield ClusterFound(detail, started)
        snapshot = fetch_snapshot(api, detail, previous, started, health)
        yield NodesFound(snapshot)
        if health is not None:
            yield from _health_update(api, detail, snapshot, health)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a Problem for the header and banner
        found = classify(exc, "DescribeCluster")
        if found.kind == "not_found":
            yield ClusterVanished(name, found.message)
        else:
            yield RefreshDone(found, started)


# --- the schedule ----------------------------------------------------------------------------------------


class RefreshSchedule:
    """When the next refresh runs. The caller starts a refresh only when `request()` says so, calls
    `started()` as it does, and `finished(problem)` when it ends, which returns the delay before the next one:
    0.0 to start it at once (it was requested meanwhile), None for no automatic refresh."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.running = False
        self.first = True  # until a refresh has listed clusters
        self.throttled_streak = 0
        self.stale_reason = ""
        self.stale_label = ""  # the same in a few words (Problem.label), for the header
        self._again = False

    def request(self) -> bool:
        """A refresh is wanted now: True to start it, False when one is running (it then runs once after)."""
        if self.running:
            self._again = True
            return False
        return True

    def started(self) -> None:
        self.running = True

    def finished(self, problem: Problem | None, *, have_clusters: bool, scheduled: bool = True) -> float | None:
        """Record how a refresh ended. `scheduled=False` is a one-off fetch (the focused cluster): it updates the
        stale reason and the throttled streak but neither ends the running refresh nor schedules one."""
        if problem is None:
            self.throttled_streak = 0
            self.stale_reason = self.stale_label = ""
        else:
            self.stale_label = problem.label
            self.throttled_streak = self.throttled_streak + 1 if problem.kind == "throttled" else 0
            # A malformed answer or a stopped listing says what it is in its first words (the header has room
            # for about 90 characters); the rest lead with their AWS error code.
            self.stale_reason = (
                problem.message if problem.kind in ("malformed", "incomplete") else f"{problem.code}: {problem.message}"
            )
        if not scheduled:
            return None
        self.running = False
        self.first = self.first and problem is not None and not have_clusters
        if self._again:
            self._again = False
            return 0.0
        return next_interval(self.interval, self.throttled_streak) or None

    def abandoned(self) -> None:
        """The refresh died of a bug (reported elsewhere): no longer running, nothing scheduled."""
        self.running = False
