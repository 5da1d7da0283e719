"""Target 2: the node table with 10,000 rows against Textual's stock DataTable, in the same process.

Data in hand: the 10,000 nodes of scale-10k as the app holds them after a refresh (TableRows, built in a worker
thread in the app). Measured on the event loop's thread, from handing the rows to the widget until the first
composed frame that contains them has been turned into terminal output:

- first paint: ResourceTable.set_rows(rows) | DataTable.add_row(*cells, key=…) ×10,000 inside batch_update()
  (DataTable measures every cell in `_update_dimensions` on the next idle: that is inside the interval);
- refresh: 5 % of the rows change status and message: ResourceTable.update_rows(changed, flash=…) |
  DataTable.update_cell() for the two changed cells of each changed row, inside batch_update().

The DataTable peer gets every advantage a careful user would give it: keyed rows, cells pre-built as rich Text
(no markup parsing, and safe for untrusted text), update_cell without width updates, batch_update. Both widgets
are focused, fill a 160×48 screen, and run with the heap frozen as the app runs (HyperPodApp freezes its
start-up heap) and no cyclic GC pass inside a measured interval.
"""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bench.common import Context, Metric, alternate, median, ratio_metric
from bench.frames import FrameWatch, measure
from tui.core.tables import NODE_COLUMNS, TableRow, format_age, node_row
from tui.themes import default_variables
from tui.widgets.resource_table import ResourceTable

SIZE = (160, 48)
CHANGED_FRACTION = 0.05
REFRESHES_PER_APP = 3
SHOWN = [column for column in NODE_COLUMNS if not column.wide]  # what both tables show (wide mode off)
STATUS_COLUMN = next(column for column in NODE_COLUMNS if column.key == "status")
MESSAGE_COLUMN = next(column for column in NODE_COLUMNS if column.key == "message")  # wide columns follow it
NOW = 1_795_176_000.0


class TableApp(App[None]):
    CSS = "ResourceTable, DataTable { height: 1fr; }"

    def __init__(self, widget: Callable[[], ResourceTable | DataTable]) -> None:
        super().__init__()
        self._make = widget

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def compose(self) -> ComposeResult:
        yield self._make()


def scale_rows(url: str) -> list[TableRow]:
    """The 10,000 nodes of scale-10k, listed from the served simulator through the app's own core."""
    from tui.core.aws import HyperPodApi

    api = HyperPodApi.connect(region="us-west-2", endpoint_url=url)
    try:
        detail = api.describe_cluster("scale-10k")
        nodes = api.list_nodes(detail.name, [group.name for group in detail.instance_groups])
    finally:
        api.close()
    return [node_row(node) for node in nodes]


def synthetic_rows(count: int, seed: int = 7) -> list[TableRow]:
    """`count` node rows shaped like scale-10k's (for a quick run without the simulator)."""
    from tui.core.models import Node

    rng = random.Random(seed)
    statuses = ["Running"] * 97 + ["Failure", "Pending", "DeepHealthCheckInProgress"]
    rows = []
    for n in range(count):
        status = rng.choice(statuses)
        octets = f"10-1-{rng.randrange(256)}-{rng.randrange(256)}"
        node = Node(
            f"i-{rng.getrandbits(68):017x}",
            f"worker-group-{n % 10:02d}",
            "ml.p5.48xlarge",
            status,
            "Lifecycle scripts did not run successfully." if status == "Failure" else "",
            NOW - rng.uniform(3600, 40 * 86400),
            f"ip-{octets}.us-west-2.compute.internal",
        )
        rows.append(node_row(node))
    return rows


def cells_of(row: TableRow) -> tuple[Text, ...]:
    """The cells of the columns ResourceTable shows (wide mode off), as rich Text."""
    values = []
    for index, column in enumerate(NODE_COLUMNS):
        if column.wide:
            continue
        if column.kind == "age":
            values.append(Text(format_age(NOW - row.values[index]) if row.values[index] else ""))
        else:
            values.append(Text(row.text(index)))
    return tuple(values)


def changes(rows: Sequence[TableRow], seed: int, keep_first: str) -> list[TableRow]:
    """5 % of the rows with a new status and message; the cursor's row (which stays on screen whatever the sort)
    gets only a new message: a marker the frame check looks for."""
    rng = random.Random(seed)
    chosen = rng.sample([row for row in rows if row.key != keep_first], int(len(rows) * CHANGED_FRACTION) - 1)
    status, message = NODE_COLUMNS.index(STATUS_COLUMN), NODE_COLUMNS.index(MESSAGE_COLUMN)
    first = next(row for row in rows if row.key == keep_first)
    changed = [TableRow(first.key, (*first.values[:message], marker(seed), *first.values[message + 1 :]))]
    for row in chosen:
        values = list(row.values)
        values[status] = rng.choice(["SystemUpdating", "Pending", "DeepHealthCheckInProgress", "Failure"])
        values[message] = f"status changed by refresh {seed}"
        changed.append(TableRow(row.key, tuple(values)))
    return changed


def marker(seed: int) -> str:
    return f"bench-refresh-{seed}"


class Frozen:
    """The heap frozen (as in the app) and no GC pass inside the measured interval."""

    def __enter__(self) -> None:
        gc.collect()
        gc.freeze()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        gc.enable()
        gc.unfreeze()


async def _ours(rows: list[TableRow], seed: int) -> tuple[float, float, list[float]]:
    app = TableApp(lambda: ResourceTable(NODE_COLUMNS, markable=True, sort="status", clock=lambda: NOW))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)
        order = table.model.key_function
        assert order is not None  # the table is sorted (by status)
        first_key = min(rows, key=order).key  # what will be shown first
        with Frozen():
            wall, cpu = await measure(watch, lambda: table.set_rows(rows), lambda text: first_key in text)
        refreshes = []
        for n in range(REFRESHES_PER_APP):
            update = changes(rows, seed * 100 + n, table.cursor_key or "")
            keys = [row.key for row in update]
            with Frozen():
                _, refresh_cpu = await measure(
                    watch,
                    lambda update=update, keys=keys: table.update_rows(update, flash=keys),
                    lambda text, m=marker(seed * 100 + n): m in text,
                )
            refreshes.append(refresh_cpu)
            await pilot.pause(0.05)
    return wall, cpu, refreshes


async def _datatable(rows: list[TableRow], seed: int) -> tuple[float, float, list[float]]:
    def build() -> DataTable:
        table: DataTable = DataTable(cursor_type="row")
        for column in SHOWN:
            table.add_column(column.label, key=column.key)
        return table

    app = TableApp(build)
    cells = [(row.key, cells_of(row)) for row in rows]
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
            wall, cpu = await measure(watch, add_all, lambda text: rows[0].key in text)
        refreshes = []
        for n in range(REFRESHES_PER_APP):
            update = changes(rows, seed * 100 + n, rows[0].key)
            new_cells = [(row.key, cells_of(row)) for row in update]

            def apply(new_cells: list = new_cells) -> None:
                with app.batch_update():
                    for key, values in new_cells:
                        table.update_cell(key, "status", values[SHOWN.index(STATUS_COLUMN)])
                        table.update_cell(key, "message", values[SHOWN.index(MESSAGE_COLUMN)])

            with Frozen():
                _, refresh_cpu = await measure(watch, apply, lambda text, m=marker(seed * 100 + n): m in text)
            refreshes.append(refresh_cpu)
            await pilot.pause(0.05)
    return wall, cpu, refreshes


def run(ctx: Context) -> list[Metric]:
    rows = synthetic_rows(ctx.rows) if ctx.rows else scale_rows(ctx.url)
    ours_refresh: list[float] = []
    peer_refresh: list[float] = []
    walls: dict[str, list[float]] = {"ours": [], "peer": []}
    seeds = iter(range(1, 1000))

    def ours() -> float:
        wall, cpu, refreshes = asyncio.run(_ours(rows, next(seeds)))
        walls["ours"].append(wall)
        ours_refresh.append(median(refreshes))
        return cpu

    def peer() -> float:
        wall, cpu, refreshes = asyncio.run(_datatable(rows, next(seeds)))
        walls["peer"].append(wall)
        peer_refresh.append(median(refreshes))
        return cpu

    reps = ctx.reps if ctx.quick else max(3, ctx.reps - 2)
    mine, theirs = alternate(reps, ours, peer)
    ms = 1000.0
    source = "synthetic" if ctx.rows else "scale-10k's"
    common = (
        f"{len(rows):,} {source} rows, {SIZE[0]}×{SIZE[1]}, main-thread CPU from the call to the composed frame "
        f"(terminal output included); median of {reps} alternating apps"
    )
    first = ratio_metric(
        "2a. node table first paint (main thread)",
        [v * ms for v in mine],
        [v * ms for v in theirs],
        unit="ms",
        max_ratio=0.1,
        max_ours=100.0,
        notes=f"{common}; wall incl. frame pacing: ours {median(walls['ours']) * ms:.0f} ms, "
        f"DataTable {median(walls['peer']) * ms:.0f} ms",
    )
    refresh = ratio_metric(
        "2b. node table 5% refresh (main thread)",
        [v * ms for v in ours_refresh],
        [v * ms for v in peer_refresh],
        unit="ms",
        max_ratio=0.1,
        max_ours=20.0,
        notes=f"{common}; {REFRESHES_PER_APP} refreshes per app, median per app; "
        "DataTable: update_cell ×2 per changed row in batch_update",
    )
    return [first, refresh]
