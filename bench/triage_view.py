"""Issue 15: the triage view over 10 clusters × 1,000 nodes, the HMA sweep over 10,000 streams, the HEALTH column.

- 15a, triage first paint: ten NodeSnapshots of 1,000 nodes each (built with their verdicts before the clock
  starts: data in hand), 3 % of them unhealthy (a Failure status, or an HMA GPU XID record); ours is what opening
  the view does, `core.triage.triage_entries` over the snapshots, `triage_row` each, `TriageTable.set_rows`, to the
  first composed frame showing the worst row; the peer is a stock DataTable given the very same cells as rich Text
  (computed for it before the clock starts), keyed rows in `batch_update()`. Main-thread CPU, as bench 2a.
- 15b, HMA sweep: `core.hma.sweep` over a scripted FilterLogEvents that answers 10,000 agent streams' detection
  records (4 each, 40,000 records, pages of 1,000, built before measuring) until the book is up to date, in a
  worker thread while an app repaints a line every 16 ms. Reported: the tracemalloc peak of the sweeps (bounded by
  `SweepLimits` per sweep and the book's caps) and the longest gap between two frames while they run, against the
  same app's longest gap with no sweep running (same run, alternating).
- 15c, the HEALTH column's cost on bench 2b (a 5 % refresh of 10,000 rows): `update_rows` on the node table with
  NODE_COLUMNS against the same table and rows without the HEALTH column, both ours, alternating: the ratio is the
  column's cost (target ≤ 1.10).
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from bench.common import Context, Metric, alternate, limit_metric, median, ratio_metric
from bench.frames import FrameWatch, measure
from bench.table_paint import NOW, Frozen, TableApp, changes, synthetic_rows
from tui.core.health import HMA, HealthContext, parse_hma_record
from tui.core.hma import HmaBook, SweepLimits, sweep
from tui.core.models import Node
from tui.core.snapshot import NodeSnapshot, build_snapshot
from tui.core.table_model import TableModel
from tui.core.tables import NODE_COLUMNS, Column, TableRow
from tui.core.triage import TRIAGE_COLUMNS, triage_entries, triage_row
from tui.themes import default_variables
from tui.widgets.resource_table import ResourceTable
from tui.widgets.triage_table import TriageTable

SIZE = (120, 40)
CLUSTERS, NODES = 10, 1_000
STREAMS, RECORDS_PER_STREAM, PAGE = 10_000, 4, 1_000
FRAME_INTERVAL = 0.016
SEEDS = 100  # of bench.table_paint.changes: its marker `bench-refresh-<seed>`
_XID = (
    '{{"level":"error","ts":"{iso}","msg":"DCGM Policy Violation found ","condition: ":"XID Error",'
    '"data: ":{{"ErrNum":79,"Message":"NVRM: Xid (PCI:0000:53:00): 79, GPU has fallen off the bus"}},'
    '"HealthMonitoringAgentDetectionEvent":"HealthEvent","instanceId":"{instance}"}}'
)


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def fleet_snapshots() -> list[NodeSnapshot]:
    """Ten clusters of 1,000 nodes, 3 % unhealthy: 2 % Failure, 1 % with an HMA XID 79 record."""
    snapshots = []
    for c in range(CLUSTERS):
        nodes = []
        signals: dict[str, tuple[Any, ...]] = {}
        for n in range(NODES):
            instance = f"i-{c:02x}{n:015x}"
            status = "Failure" if n % 50 == 7 else "Running"
            nodes.append(
                Node(instance, f"worker-group-{n % 10:02d}", "ml.p5.48xlarge", status, "", NOW - 86_400 - n, "ip")
            )
            if n % 100 == 3:
                signal = parse_hma_record(_XID.format(iso=_iso(NOW - 60 - n), instance=instance))
                assert signal is not None and signal.source == HMA
                signals[instance] = (signal,)
        context = HealthContext(node_recovery="None" if c % 2 else "Automatic", now=NOW, signals=signals)
        snapshots.append(build_snapshot(f"cluster-{c:02d}", nodes, None, NOW, context))
    return snapshots


class _App(App[None]):
    CSS = "TriageTable, DataTable { height: 1fr; }"

    def __init__(self, make: Callable[[], TriageTable | DataTable]) -> None:
        super().__init__()
        self._make = make

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def compose(self) -> ComposeResult:
        yield self._make()


async def _triage_ours(snapshots: list[NodeSnapshot]) -> float:
    app = _App(lambda: TriageTable(TRIAGE_COLUMNS, clock=lambda: NOW))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(TriageTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)
        worst = triage_entries(snapshots, NOW)[0].node

        def open_view() -> None:
            table.set_rows(triage_row(entry) for entry in triage_entries(snapshots, NOW))

        with Frozen():
            _, cpu = await measure(watch, open_view, lambda text: worst in text)
    return cpu


def _cells(row: TableRow) -> tuple[Text, ...]:
    return tuple(Text(row.text(index)) for index in range(len(TRIAGE_COLUMNS)))


async def _triage_peer(snapshots: list[NodeSnapshot]) -> float:
    def build() -> DataTable:
        widget: DataTable = DataTable(cursor_type="row")
        for column in TRIAGE_COLUMNS:
            widget.add_column(column.label, key=column.key)
        return widget

    entries = triage_entries(snapshots, NOW)
    cells = [(row.key, _cells(row)) for row in map(triage_row, entries)]
    app = _App(build)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)

        def add_all() -> None:
            with app.batch_update():
                for key, values in cells:
                    table.add_row(*values, key=key)

        with Frozen():
            _, cpu = await measure(watch, add_all, lambda text: entries[0].node in text)
    return cpu


# --- 15b: the HMA sweep --------------------------------------------------------------------------------------


class ScriptedLogs:
    """FilterLogEvents over 10,000 agent streams' records, in time order, `PAGE` events a page."""

    def __init__(self) -> None:
        events: list[dict[str, Any]] = []
        for r in range(RECORDS_PER_STREAM):
            for s in range(STREAMS):
                stamp = int((NOW - 3_600 + r * 600 + s * 0.01) * 1000)
                instance = f"i-{s:017x}"
                events.append(
                    {
                        "logStreamName": f"SagemakerHealthMonitoringAgent/worker-group-{s % 10:02d}/{instance}",
                        "timestamp": stamp,
                        "message": _XID.format(iso=_iso(stamp / 1000), instance=instance),
                        "eventId": f"{stamp}-{s}-{r}",
                    }
                )
        events.sort(key=lambda e: int(e["timestamp"]))
        self.events = events

    def filter_log_events(self, **request: Any) -> dict[str, Any]:
        start = int(request.get("nextToken") or 0)
        if not request.get("nextToken"):
            floor = request["startTime"]
            start = next((i for i, e in enumerate(self.events) if e["timestamp"] >= floor), len(self.events))
        page = self.events[start : start + PAGE]
        answer: dict[str, Any] = {"events": page}
        if start + PAGE < len(self.events):
            answer["nextToken"] = str(start + PAGE)
        return answer


def sweep_all(client: ScriptedLogs) -> tuple[HmaBook, int]:
    """Sweep until the book is up to date (each sweep bounded by SweepLimits); how many sweeps it took."""
    book = HmaBook()
    limits = SweepLimits(max_seconds=60.0)
    sweeps = 0
    while True:
        result = sweep(client, "/aws/sagemaker/Clusters/bench/x", book, now=NOW, limits=limits)
        sweeps += 1
        if result is None or not result.stopped or sweeps > 100:
            return book, sweeps


class _Ticker(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def compose(self) -> ComposeResult:
        yield Static(id="tick")


async def _max_frame_gap(work: Callable[[], object] | None, seconds: float) -> float:
    """The longest gap between two composed frames while `work` runs in a thread (None: for `seconds`)."""
    app = _Ticker()
    async with app.run_test(size=(80, 24)) as pilot:
        FrameWatch(app)  # frames turned into terminal output, as on a terminal
        stamps: list[float] = []
        display = app._display

        def hooked(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                stamps.append(time.perf_counter())

        app._display = hooked  # type: ignore[method-assign]
        counter = iter(range(10**9))
        app.set_interval(FRAME_INTERVAL, lambda: app.query_one("#tick", Static).update(str(next(counter))))
        await pilot.pause(0.2)
        done = threading.Event()

        def run() -> None:
            try:
                if work is not None:
                    work()
                else:
                    time.sleep(seconds)
            finally:
                done.set()

        stamps.clear()
        threading.Thread(target=run, daemon=True).start()
        while not done.is_set():
            await asyncio.sleep(0.01)
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    return max(gaps) if gaps else float("inf")


# --- 15c: the HEALTH column on bench 2b ----------------------------------------------------------------------

HEALTH = [column.key for column in NODE_COLUMNS].index("health")
NO_HEALTH: tuple[Column, ...] = tuple(column for column in NODE_COLUMNS if column.key != "health")


def _without_health(rows: list[TableRow]) -> list[TableRow]:
    return [TableRow(row.key, row.values[:HEALTH] + row.values[HEALTH + 1 :]) for row in rows]


async def _refresh(columns: tuple[Column, ...], rows: list[TableRow], updates: list[list[TableRow]]) -> float:
    app = TableApp(lambda: ResourceTable(columns, markable=True, sort="status", clock=lambda: NOW))
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)
        order = table.model.key_function
        assert order is not None
        first = min(rows, key=order).key
        with Frozen():
            await measure(watch, lambda: table.set_rows(rows), lambda text: first in text)
        cpus = []
        for n, update in enumerate(updates):
            keys = [row.key for row in update]
            marker = f"bench-refresh-{SEEDS + n}"

            def apply(update: list[TableRow] = update, keys: list[str] = keys) -> None:
                table.update_rows(update, flash=keys)

            def shown(text: str, marker: str = marker) -> bool:
                return marker in text

            with Frozen():
                _, cpu = await measure(watch, apply, shown)
            cpus.append(cpu)
            await pilot.pause(0.05)
    return median(cpus)


def _health_rows(count: int) -> list[TableRow]:
    """Synthetic node rows, 3 % with a HEALTH cell (as a sick fleet has)."""
    rows = synthetic_rows(count)
    out = []
    for n, row in enumerate(rows):
        if n % 33 == 0:
            values = list(row.values)
            values[HEALTH] = (("GPU XID 79 · HMA 4m", "Failure"),)
            row = TableRow(row.key, tuple(values))
        out.append(row)
    return out


def run(ctx: Context) -> list[Metric]:
    ms = 1000.0
    reps = ctx.reps if ctx.quick else max(3, ctx.reps - 2)
    snapshots = fleet_snapshots()
    rows_shown = len(triage_entries(snapshots, NOW))
    mine, theirs = alternate(
        reps, lambda: asyncio.run(_triage_ours(snapshots)), lambda: asyncio.run(_triage_peer(snapshots))
    )
    metrics = [
        ratio_metric(
            "15a. triage first paint, 10 clusters × 1,000 nodes (main thread)",
            [v * ms for v in mine],
            [v * ms for v in theirs],
            unit="ms",
            max_ratio=1.0,
            max_ours=50.0,
            notes=f"{rows_shown} not-healthy rows of {CLUSTERS * NODES:,} nodes, {SIZE[0]}×{SIZE[1]}; ours includes "
            "triage_entries + triage_row; peer: DataTable add_row of the same cells (pre-built) in batch_update",
        )
    ]

    client = ScriptedLogs()
    tracemalloc.start()
    book, sweeps = sweep_all(client)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    kept = sum(len(signals) for signals in book.signals().values())
    metrics.append(
        limit_metric(
            "15b. HMA sweep of 10,000 streams: memory peak (tracemalloc)",
            peak / 1e6,
            unit="MB",
            limit=64.0,
            notes=f"{STREAMS * RECORDS_PER_STREAM:,} records of {STREAMS:,} streams, {sweeps} bounded sweeps, "
            f"{kept:,} signals kept in the book (caps: 20 per node, 50,000 in all)",
        )
    )
    busy: list[float] = []

    def with_sweep() -> float:
        started = time.perf_counter()
        gap = asyncio.run(_max_frame_gap(lambda: sweep_all(client), 0))
        busy.append(time.perf_counter() - started)
        return gap

    def without() -> float:
        return asyncio.run(_max_frame_gap(None, median(busy) if busy else 1.0))

    # As the app does once its facade exists (tui/gc_policy.py): what is alive now (the scripted records here) is
    # frozen out of the collector's view, so a full collection does not walk it while the sweep allocates.
    gc.collect()
    gc.freeze()
    try:
        gaps, peer_gaps = alternate(max(3, reps), with_sweep, without)
    finally:
        gc.unfreeze()
    metrics.append(
        ratio_metric(
            "15b. max frame gap while the HMA sweep runs",
            [v * ms for v in gaps],
            [v * ms for v in peer_gaps],
            unit="ms",
            max_ratio=3.0,
            max_ours=50.0,
            notes=f"a line repainted every {FRAME_INTERVAL * ms:.0f} ms, sweeps in a worker thread "
            f"(~{median(busy):.1f} s), the heap frozen first as the app's (gc_policy); peer: the same app idle "
            "for as long",
        )
    )

    rows = _health_rows(ctx.rows or 10_000)
    order = TableModel(NODE_COLUMNS, sort="status").key_function
    assert order is not None
    shown_first = min(rows, key=order).key  # the cursor's row: its message carries each refresh's marker
    updates = [changes(rows, SEEDS + n, shown_first) for n in range(3)]
    bare_rows = _without_health(rows)
    bare_updates = [_without_health(update) for update in updates]
    with_col, without_col = alternate(
        reps,
        lambda: asyncio.run(_refresh(NODE_COLUMNS, rows, updates)),
        lambda: asyncio.run(_refresh(NO_HEALTH, bare_rows, bare_updates)),
    )
    metrics.append(
        ratio_metric(
            "15c. HEALTH column's cost on the 5% refresh (2b)",
            [v * ms for v in with_col],
            [v * ms for v in without_col],
            unit="ms",
            max_ratio=1.10,
            notes=f"{len(rows):,} rows (3 % with a HEALTH cell), 160×48; peer: the same table without the column",
        )
    )
    return metrics


def dump(metrics: list[Metric]) -> str:
    return json.dumps([metric.as_json() for metric in metrics], indent=1)
