"""The rows behind a table, without the painting: keyed rows, sort, filter and scope, marks and a cursor by key.

Rows live in a dict keyed by id; `order` is the keys shown, in sort order, through the filter and the scope. A
refresh changes few rows, so the re-sort takes the changed rows out and appends them: the list is then one long
sorted run and a short tail, which Timsort merges in about n comparisons. The cursor follows its row by key across
refreshes, sorts and filters. Column widths are terminal cells (`sanitize.cell_width`: a CJK character takes two); row values are already
sanitised.

The painter reads `rows`, `order`, `cursor`, `cursor_key`, `marks` and `widths` as plain attributes (a property
would be one more Python call per painted line); everything that changes them goes through the methods.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any

from tui.core.sanitize import cell_width
from tui.core.tables import Column, TableRow, filter_problem, row_matcher, sort_key

AGE_WIDTH = 5  # "400d": an age cell is formatted at paint time, so its content cannot size the column


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """What `TableModel.update_rows` did that the painter must know: the keys it dropped, and whether a column
    changed width (every line laid out with the old widths is then stale)."""

    removed: list[str]
    widths_changed: bool


class TableModel:
    def __init__(self, columns: Sequence[Column], *, markable: bool = False, sort: str | None = None) -> None:
        self.columns = tuple(columns)
        self.markable = markable
        self.column_index: dict[str, int] = {column.key: index for index, column in enumerate(self.columns)}
        self.rows: dict[str, TableRow] = {}
        self.order: list[str] = []  # the keys shown: `_sorted` through filter and scope
        self.cursor = 0
        self.cursor_key: str | None = None
        self.marks: set[str] = set()
        self.last_mark: str | None = None  # where a range mark (ctrl+space) starts
        self.filter_problem: str | None = None  # e.g. `no column "foo" (columns: …)`
        self.widths: list[int] = [len(c.label) for c in self.columns]
        self.query = ""
        self.wide = False  # k9s' wide mode: every column, the `wide` ones too
        self.chosen: frozenset[str] | None = None  # the user's columns for the normal view (None: the defaults)
        # Columns that say nothing about what is shown (SLURM for an EKS cluster, K8S for a Slurm one): not painted,
        # whatever is chosen.
        self.absent: frozenset[str] = frozenset()
        self.shown: list[int] = []  # the indices of the columns painted, in order
        self._compute_shown()
        self.sort_index: int | None = self.column_index.get(sort) if sort is not None else None
        self.sort_reverse = False
        self._sorted: list[str] = []  # every key, in sort order
        self._sort_keys: dict[str, Any] = {}
        self._matcher: Callable[[TableRow], bool] | None = None
        self._scope: Callable[[TableRow], bool] | None = None

    # --- reading -------------------------------------------------------------------------------------------

    @property
    def sort_column(self) -> Column | None:
        return self.columns[self.sort_index] if self.sort_index is not None else None

    @property
    def key_function(self) -> Callable[[TableRow], Any] | None:
        """The sort key of a row under the current sort column (None: the rows' own order)."""
        if self.sort_index is None:
            return None
        return sort_key(self.columns[self.sort_index], self.sort_index)

    def row(self, key: str) -> TableRow | None:
        return self.rows.get(key)

    def value(self, row: TableRow, column_key: str) -> Any:
        """The cell of `row` under the column named `column_key`."""
        return row.values[self.column_index[column_key]]

    def where(self, column_key: str, value: object) -> Callable[[TableRow], bool]:
        """A scope: the rows whose `column_key` cell equals `value` (the column is looked up once, not per row)."""
        index = self.column_index[column_key]
        return lambda row: row.values[index] == value

    def index_of(self, key: str) -> int | None:
        try:
            return self.order.index(key)
        except ValueError:
            return None

    def empty_message(self) -> str | None:
        """What an empty table says when the filter hid every row (None: it is not the filter)."""
        if self.order or not self.rows or not self.query.strip():
            return None
        return self.filter_problem or "no matches"

    def hidden_marks(self) -> int:
        """Marked rows that the filter or scope currently hides."""
        if not self.marks:
            return 0
        return len(self.marks - set(self.order)) if self._matcher or self._scope else 0

    # --- rows ----------------------------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace every row; the cursor stays on its key when that key is still there."""
        self.rows = {row.key: row for row in rows}
        self._sort_keys.clear()
        self.marks &= self.rows.keys()
        self._measure(list(self.rows.values()), reset=True)
        self._resort(full=True)

    def update_rows(self, changed: Iterable[TableRow], removed: Iterable[str] = ()) -> RowUpdate | None:
        """Apply a keyed diff: add or replace `changed`, drop `removed`. None when that changes nothing."""
        rows = self.rows
        changed = [  # a row equal to the one shown changes nothing on screen
            row for row in changed if (old := rows.get(row.key)) is None or old.values != row.values
        ]
        removed = [key for key in removed if key in rows]
        if not changed and not removed:
            return None
        for key in removed:
            del rows[key]
            self._sort_keys.pop(key, None)
        self.marks.difference_update(removed)
        key_function = self.key_function
        sort_keys = self._sort_keys
        moved: list[str] = list(removed)
        # A replaced row that held a column's widest value and now holds a narrower one may have taken the width
        # away: those columns (only) are measured anew over every row, so they shrink back.
        narrowed: set[int] = set()
        candidates = self._shrinkable()
        if candidates:
            for row in changed:
                old = rows.get(row.key)
                if old is not None:
                    self._narrowed(old, row, candidates, narrowed)
        for row in changed:
            key = row.key
            rows[key] = row
            if key_function is None:
                continue
            before = sort_keys.get(key)
            after = sort_keys[key] = key_function(row)
            if after != before:  # a row whose sort value did not change keeps its place
                moved.append(key)
        widths_changed = self._measure(list(rows.values()) if removed else changed, reset=bool(removed))
        if narrowed and not removed:
            widths_changed = self._measure(list(rows.values()), reset=True, only=narrowed) or widths_changed
        self._resort(full=False, moved=moved if key_function is not None else [*moved, *(r.key for r in changed)])
        return RowUpdate(removed, widths_changed)

    # --- columns shown ---------------------------------------------------------------------------------------

    def set_view(
        self,
        *,
        wide: bool | None = None,
        chosen: Iterable[str] | None | bool = False,
        absent: Iterable[str] | None = None,
    ) -> None:
        """Wide mode on/off (None: unchanged) and the chosen columns (None: each column's default; False:
        unchanged). Keys that name no column are ignored; a choice that leaves nothing shows the first column.
        `absent`: columns never shown, whatever the mode or choice, because the subject has none (None:
        unchanged)."""
        if wide is not None:
            self.wide = wide
        if absent is not None:
            self.absent = frozenset(absent)
        if chosen is not False:
            self.chosen = None if chosen is None or chosen is True else frozenset(chosen)
        self._compute_shown()

    def set_absent(self, keys: Iterable[str], among: Iterable[str] | None = None) -> bool:
        """The columns not painted for what the table shows now; True when that changed what is shown. With
        `among`, only those columns are decided here (the Slurm view says whether SLURM is absent, the Kubernetes
        view K8S), the others stay as they are."""
        absent = frozenset(keys) if among is None else (self.absent - frozenset(among)) | frozenset(keys)
        if absent == self.absent:
            return False
        self.absent = absent
        before = self.shown
        self._compute_shown()
        return self.shown != before

    def default_columns(self) -> list[str]:
        return [column.key for column in self.columns if not column.wide]

    def _compute_shown(self) -> None:
        chosen = self.chosen
        shown = [
            index
            for index, column in enumerate(self.columns)
            if (self.wide or (column.key in chosen if chosen is not None else not column.wide))
            and column.key not in self.absent
        ] or [0]
        # Wide columns go just before the flex column (the message), so they appear beside the others rather
        # than past a column that takes the rest of the pane; the other columns keep their defined order.
        columns = self.columns
        ordered = [i for i in shown if not columns[i].wide]
        flex = next((n for n, i in enumerate(ordered) if columns[i].flex), len(ordered))
        ordered[flex:flex] = [i for i in shown if columns[i].wide]
        self.shown = ordered

    # --- filter, scope and sort ----------------------------------------------------------------------------

    def set_filter(self, query: str) -> None:
        self.query = query
        self.filter_problem = filter_problem(query, self.columns)
        self._matcher = row_matcher(query, self.columns)
        self._refilter()

    def set_scope(self, predicate: Callable[[TableRow], bool] | None) -> None:
        """A second, programmatic filter (e.g. the instance group chosen in the groups pane)."""
        self._scope = predicate
        self._refilter()

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        self.sort_index = self.column_index.get(column_key) if column_key is not None else None
        self.sort_reverse = reverse
        self._sort_keys.clear()
        self._resort(full=True)

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._resort(full=True)

    def next_sort_key(self) -> str:
        """The column after the sort column (the first when the rows are unsorted)."""
        current = -1 if self.sort_index is None else self.sort_index
        return self.columns[(current + 1) % len(self.columns)].key

    # --- marks ---------------------------------------------------------------------------------------------

    def toggle_mark(self, key: str | None = None) -> bool:
        """Mark or unmark `key` (default: the cursor's row); False when nothing changed."""
        key = key if key is not None else self.cursor_key
        if not self.markable or key is None or key not in self.rows:
            return False
        self.marks.symmetric_difference_update({key})
        if key in self.marks:
            self.last_mark = key
        return True

    def mark_range(self) -> int:
        """Mark every row shown from the last mark to the cursor, both included (k9s' ctrl+space); with no last
        mark on screen, just the cursor's row. The count of rows newly marked."""
        if not self.markable or self.cursor_key is None:
            return 0
        end = self.cursor
        start = self.index_of(self.last_mark) if self.last_mark is not None else None
        start = end if start is None else start
        low, high = min(start, end), max(start, end)
        added = set(self.order[low : high + 1]) - self.marks
        self.marks |= added
        self.last_mark = self.cursor_key
        return len(added)

    def mark_keys(self, keys: Iterable[str]) -> bool:
        if not self.markable:
            return False
        self.marks.update(key for key in keys if key in self.rows)
        return True

    def clear_marks(self) -> None:
        self.marks.clear()
        self.last_mark = None

    # --- cursor --------------------------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        """Put the cursor on the row shown at `index`, clamped to the rows shown."""
        if not self.order:
            self.cursor, self.cursor_key = 0, None
        else:
            self.cursor = max(0, min(index, len(self.order) - 1))
            self.cursor_key = self.order[self.cursor]

    def _restore_cursor(self) -> None:
        """After a re-order: the cursor's row where it is now, or (gone or hidden) the row at its old place."""
        key = self.cursor_key
        order = self.order
        if key is not None and key in self.rows:
            index = -1
            if order is self._sorted and not self.sort_reverse and key in self._sort_keys:  # all shown, ascending
                sort_keys = self._sort_keys
                index = bisect_left(order, sort_keys[key], key=sort_keys.__getitem__, lo=0, hi=len(order))
                index = index if index < len(order) and order[index] == key else -1
            if index < 0:
                try:
                    index = order.index(key)
                except ValueError:
                    index = min(self.cursor, len(order) - 1)
        else:
            index = min(self.cursor, len(order) - 1)
        self.move_cursor(max(index, 0))

    # --- ordering ------------------------------------------------------------------------------------------

    def _resort(self, *, full: bool, moved: Sequence[str] = ()) -> None:
        """Order the keys: all of them anew (`full`), or after a refresh that changed, added or removed `moved`."""
        rows = self.rows
        key_function = self.key_function
        if key_function is None:  # the rows' own (insertion) order
            self._sorted = list(reversed(rows)) if self.sort_reverse else list(rows)
            self._refilter()
            return
        sort_keys = self._sort_keys
        if full or len(moved) > len(rows) // 4 or len(self._sorted) + len(moved) < len(rows):
            self._sorted = list(rows)
            for key in self._sorted:
                if key not in sort_keys:
                    sort_keys[key] = key_function(rows[key])
            self._sorted.sort(key=sort_keys.__getitem__, reverse=self.sort_reverse)
        elif moved:
            # Left in their old places, 500 changed rows would split the list into a thousand runs (~30 ms for
            # 10,000 rows); taken out and appended, they leave one long run and a short tail: ~linear.
            moving = set(moved)
            kept = list(filterfalse(moving.__contains__, self._sorted))
            tail = [key for key in moving if key in rows]
            for key in tail:
                if key not in sort_keys:
                    sort_keys[key] = key_function(rows[key])
            kept += tail
            kept.sort(key=sort_keys.__getitem__, reverse=self.sort_reverse)
            self._sorted = kept
        self._refilter()

    def _refilter(self) -> None:
        rows = self.rows
        matcher, scope = self._matcher, self._scope
        if matcher is None and scope is None:
            self.order = self._sorted  # never changed in place: every re-sort builds a new list
        else:
            self.order = [
                key
                for key in self._sorted
                if (scope is None or scope(rows[key])) and (matcher is None or matcher(rows[key]))
            ]
        self._restore_cursor()

    # --- widths --------------------------------------------------------------------------------------------

    def _shrinkable(self) -> list[tuple[int, int]]:
        """(index, width) of the columns a narrower value could shrink: measured wider than their label."""
        return [
            (index, width)
            for index, (column, width) in enumerate(zip(self.columns, self.widths, strict=True))
            if not column.flex and column.kind != "age" and width > max(len(column.label), column.min_width)
        ]

    @staticmethod
    def _narrowed(old: TableRow, new: TableRow, candidates: list[tuple[int, int]], into: set[int]) -> None:
        """Add to `into` the columns where `old` held a value as wide as the column and `new` a narrower one."""
        before, after = old.values, new.values
        for index, width in candidates:
            was, now = before[index], after[index]
            if was == now or index in into:
                continue
            if type(was) is str and type(now) is str and was.isascii() and now.isascii():
                if len(was) >= width > len(now):
                    into.add(index)
            elif cell_width(old.text(index)) >= width > cell_width(new.text(index)):
                into.add(index)

    def _measure(self, rows: list[TableRow], *, reset: bool, only: set[int] | None = None) -> bool:
        """Widen the columns for `rows` (or measure every column, or the columns in `only`, anew); True when a
        width changed."""
        widths = list(self.widths)
        for index, column in enumerate(self.columns):
            if only is not None and index not in only:
                continue
            if reset:
                widths[index] = len(column.label)
            if column.kind == "age":
                widths[index] = max(widths[index], AGE_WIDTH)
                continue
            if column.flex or not rows or (not reset and widths[index] >= column.max_width):
                continue  # the flex column takes what is left (its content never sizes it); a full column can't grow
            best = 0
            if column.kind in ("text", "status"):  # plain strings: their lengths, without a call per row
                try:
                    values = [row.values[index] for row in rows]
                    best = max(map(len, values)) if "".join(values).isascii() else max(map(cell_width, values))
                except TypeError:  # a value that is not text after all
                    best = -1
            if column.kind not in ("text", "status") or best < 0:
                best = max(cell_width(row.text(index)) for row in rows)
            widths[index] = min(max(best, widths[index], column.min_width), column.max_width)
        if widths == self.widths:
            return False
        self.widths = widths
        return True
