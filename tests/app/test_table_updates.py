"""ResourceTable keeps the exact sort order, the cursor's row and its line cache right through keyed updates."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult

from tui.core.tables import NODE_COLUMNS, TableRow, sort_key
from tui.themes import default_variables
from tui.widgets.resource_table import ResourceTable

STATUSES = ["Running", "Running", "Running", "Failure", "Pending", "DeepHealthCheckInProgress", "ShuttingDown"]


class TableApp(App[None]):
    def __init__(self, sort: str | None) -> None:
        super().__init__()
        self.sort = sort

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def compose(self) -> ComposeResult:
        yield ResourceTable(NODE_COLUMNS, markable=True, sort=self.sort, clock=lambda: 2_000_000.0)


def row(key: str, rng: random.Random) -> TableRow:
    return TableRow(
        key,
        (
            key,
            f"g-{rng.randrange(3)}",
            rng.choice(STATUSES),
            (),  # health
            (),  # slurm
            (),  # k8s
            f"ip-{rng.randrange(99)}",
            "",
            1_000_000.0 + rng.randrange(1000),
            (),  # image
            rng.choice(["", "lifecycle failed"]),
            *("",) * 5,  # the wide columns: type, launched, image version, software update, logical id
        ),
    )


def expected(table: ResourceTable) -> list[str]:
    if table.sort_column is None:
        keys = list(table.model.rows)
        return keys[::-1] if table.sort_reverse else keys
    index = [c.key for c in table.columns].index(table.sort_column.key)
    return [
        r.key
        for r in sorted(table.model.rows.values(), key=sort_key(table.sort_column, index), reverse=table.sort_reverse)
    ]


async def test_updates_keep_the_order_and_the_cursor_on_its_row():
    rng = random.Random(3)
    for sort in ("status", "hostname", "age", None):
        app = TableApp(sort)
        async with app.run_test(size=(120, 30)) as pilot:
            table = app.query_one(ResourceTable)
            table.focus()
            table.set_rows([row(f"i-{n:04d}", rng) for n in range(300)])
            await pilot.pause()
            table.move_cursor_to(table.visible_keys[37])
            cursor = table.cursor_key
            for step in range(12):
                keys = list(table.model.rows)
                changed = [row(key, rng) for key in rng.sample(keys, 15)]
                added = [row(f"new-{step}-{n}", rng) for n in range(rng.randrange(3))]
                removed = [key for key in rng.sample(keys, rng.randrange(3)) if key != cursor]
                table.update_rows([*changed, *added], removed, flash=[r.key for r in changed])
                if step == 6:
                    table.action_sort_reverse()
                assert list(table.visible_keys) == expected(table), (sort, step)
                assert table.cursor_key == cursor and table.visible_keys[table.model.cursor] == cursor
                await pilot.pause()
            lines = [table.render_line(y).text for y in range(1, 10)]
            top = int(table.scroll_y)
            for y, key in enumerate(table.visible_keys[top : top + 9]):
                assert key in lines[y]  # the cached lines show the rows now at those places


async def test_an_update_with_nothing_new_changes_nothing():
    rng = random.Random(5)
    app = TableApp("status")
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(ResourceTable)
        rows = [row(f"i-{n:03d}", rng) for n in range(50)]
        table.set_rows(rows)
        await pilot.pause()
        changes = []
        table.refresh = lambda *args, **kwargs: changes.append(1)  # type: ignore[method-assign]
        table.update_rows([TableRow(r.key, tuple(r.values)) for r in rows])  # equal copies
        assert changes == []
