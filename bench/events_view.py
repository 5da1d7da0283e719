"""Events view (issue 14): 500 events (about what the service keeps for a cluster) painted, then one new event.

Ours: the table the Events view uses (`ResourceTable` over `core.events.EVENT_COLUMNS`, newest first) with the rows
`core.events.event_row` makes; the new event goes in with `update_rows(…, flash=…)` and the cursor to the top, as
`EventsScreen.add_event` does. Peer: Textual's stock DataTable, given the same cells as rich Text, keyed rows and
`batch_update()`; its new event is `add_row` then `sort` on the time column (a DataTable has no insert-at-top).
Measured on the event loop's thread from the call to the first composed frame that shows the change (bench/frames).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from bench.common import Context, Metric, alternate, median, ratio_metric
from bench.frames import FrameWatch, measure
from bench.table_paint import Frozen
from tui.core.events import EVENT_COLUMNS, ClusterEvent, event_row
from tui.core.tables import TableRow
from tui.themes import default_variables
from tui.widgets.resource_table import ResourceTable

SIZE = (120, 40)
EVENTS = 500
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_event(n: int, description: str = "") -> ClusterEvent:
    return ClusterEvent(
        event_id=f"ev-{n:05d}",
        cluster="genai-eks-prod",
        resource_type="Instance" if n % 3 else "InstanceGroup",
        time=T0 + timedelta(seconds=7 * n),
        description=description or f"Instance i-{n:017x} lifecycle script execution succeeded (step {n})",
        level=("Info", "Warn", "Error", None)[n % 4],
        group=f"worker-group-{n % 5}",
        instance_id=f"i-{n:017x}" if n % 3 else None,
    )


def _rows(count: int) -> list[TableRow]:
    return [event_row(make_event(n), utc=True) for n in range(count)]


def _cells(row: TableRow) -> tuple[Text, ...]:
    return tuple(Text(row.text(index)) for index in range(len(EVENT_COLUMNS)))


class _App(App[None]):
    CSS = "ResourceTable, DataTable { height: 1fr; }"

    def __init__(self, make: Callable[[], ResourceTable | DataTable]) -> None:
        super().__init__()
        self._make = make

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def compose(self) -> ComposeResult:
        yield self._make()


def _marker(seed: int) -> str:
    return f"bench-new-event-{seed}"


async def _ours(rows: list[TableRow], seed: int) -> tuple[float, float]:
    def build() -> ResourceTable:
        widget = ResourceTable(EVENT_COLUMNS, sort="time")
        widget.sort_by("time", reverse=True)
        return widget

    app = _App(build)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)
        newest = rows[-1].values[-1]
        with Frozen():
            _, first = await measure(watch, lambda: table.set_rows(rows), lambda text: str(newest)[:40] in text)
        new = event_row(make_event(len(rows) + seed, _marker(seed)), utc=True)

        def add() -> None:
            table.update_rows([new], flash=[new.key])
            table.move_cursor_to(new.key)

        with Frozen():
            _, added = await measure(watch, add, lambda text: _marker(seed) in text)
    return first, added


async def _datatable(rows: list[TableRow], seed: int) -> tuple[float, float]:
    def build() -> DataTable:
        widget: DataTable = DataTable(cursor_type="row")
        for column in EVENT_COLUMNS:
            widget.add_column(column.label, key=column.key)
        return widget

    app = _App(build)
    cells = [(row.key, _cells(row)) for row in reversed(rows)]  # newest first, as ours shows them
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.focus()
        await pilot.pause()
        watch = FrameWatch(app)
        newest = rows[-1].values[-1]

        def add_all() -> None:
            with app.batch_update():
                for key, values in cells:
                    table.add_row(*values, key=key)

        with Frozen():
            _, first = await measure(watch, add_all, lambda text: str(newest)[:40] in text)
        new = event_row(make_event(len(rows) + seed, _marker(seed)), utc=True)

        def add() -> None:
            with app.batch_update():
                table.add_row(*_cells(new), key=new.key)
                table.sort("time", key=lambda value: value.plain, reverse=True)
                table.move_cursor(row=0)

        with Frozen():
            _, added = await measure(watch, add, lambda text: _marker(seed) in text)
    return first, added


def run(ctx: Context) -> list[Metric]:
    rows = _rows(EVENTS)
    seeds = iter(range(1, 1000))
    ours_added: list[float] = []
    peer_added: list[float] = []

    def ours() -> float:
        first, added = asyncio.run(_ours(rows, next(seeds)))
        ours_added.append(added)
        return first

    def peer() -> float:
        first, added = asyncio.run(_datatable(rows, next(seeds)))
        peer_added.append(added)
        return first

    reps = ctx.reps if ctx.quick else max(3, ctx.reps - 2)
    mine, theirs = alternate(reps, ours, peer)
    ms = 1000.0
    common = (
        f"{EVENTS} events, {SIZE[0]}×{SIZE[1]}, main-thread CPU from the call to the composed frame; {reps} apps each"
    )
    return [
        ratio_metric(
            "14a. events view first paint, 500 events (main thread)",
            [v * ms for v in mine],
            [v * ms for v in theirs],
            unit="ms",
            max_ratio=1.0,
            max_ours=50.0,
            notes=f"{common}; peer: DataTable add_row ×500 in batch_update",
        ),
        ratio_metric(
            "14b. events view new event at the top (main thread)",
            [v * ms for v in ours_added],
            [v * ms for v in peer_added],
            unit="ms",
            max_ratio=1.0,
            max_ours=16.0,
            notes=f"{common}; median {median(ours_added) * ms:.1f} ms; peer: add_row + sort(time) + cursor to row 0",
        ),
    ]
