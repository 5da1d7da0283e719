"""A virtualised, keyed table for clusters, instance groups and nodes.

Why not Textual's DataTable: it measures every cell of every row when rows are added (1.7 s for 10,000 rows),
removes rows in O(n) each and resets the cursor on `clear()`. This table keeps rows in a dict keyed by id, keeps a
sorted order of keys (re-sorted adaptively: a refresh changes few rows, so Timsort's run detection makes it close
to linear), and paints only the rows on screen through `render_line`. The cursor follows its row by key across
refreshes, sorts and filters. Column widths come from string lengths (row values are already sanitised), never
from per-cell Rich measuring.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from itertools import filterfalse
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.models import STATUS_KINDS, status_kind
from tui.core.tables import Column, TableRow, format_age, row_matcher, sort_key
from tui.widgets.widget_message import WidgetMessage

FLASH_SECONDS = 1.5
_MISSING = object()
MARK_WIDTH = 2
GAP = 2


class ResourceTable(ScrollView, can_focus=True):
    """Rows of `TableRow`s under `Column`s; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="cursor-up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="cursor-down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="page-up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="page-down"),
        Binding("home,g", "edge(-1)", "Top", show=False, id="cursor-top"),
        Binding("end,G", "edge(1)", "Bottom", show=False, id="cursor-bottom"),
        Binding("enter", "select", "Open", show=False, id="select"),
        Binding("o", "sort_next", "Sort", tooltip="Sort by the next column", id="sort-next"),
        Binding("O", "sort_reverse", "Reverse", show=False, tooltip="Reverse the sort order", id="sort-reverse"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--header-sorted",
        "resource-table--cursor",
        "resource-table--marked",
        "resource-table--flash",
        "resource-table--dim",
        "resource-table--placeholder",
        *(f"resource-table--status-{kind}" for kind in STATUS_KINDS),
    }

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        & > .resource-table--header { color: $foreground; text-style: bold; }
        & > .resource-table--header-sorted { color: $text-accent; text-style: bold; }
        & > .resource-table--marked { color: $mark; text-style: bold; }
        & > .resource-table--flash { background: $row-flash; }
        & > .resource-table--dim { color: $muted; }
        & > .resource-table--placeholder { color: $muted; text-style: italic; }
        & > .resource-table--status-ok { color: $status-ok; }
        & > .resource-table--status-progress { color: $status-progress; }
        & > .resource-table--status-warn { color: $status-warn; }
        & > .resource-table--status-failed { color: $status-failed; text-style: bold; }
        & > .resource-table--status-gone { color: $status-gone; }
        & > .resource-table--status-unknown { color: $status-unknown; }
    }
    ResourceTable:focus > .resource-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    ResourceTable > .resource-table--cursor { background: $cursor-blurred; }
    """

    placeholder: var[str] = var("")

    class CursorMoved(WidgetMessage):
        """The highlighted row changed (its key, or None when the table is empty)."""

        def __init__(self, table: ResourceTable, key: str | None) -> None:
            super().__init__(table)
            self.key = key

    class Selected(WidgetMessage):
        """Enter (or a double click) on a row."""

        def __init__(self, table: ResourceTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    class ViewChanged(WidgetMessage):
        """Row counts, filter, sort or marks changed: titles should update."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        markable: bool = False,
        sort: str | None = None,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.markable = markable
        self.clock = clock
        self._rows: dict[str, TableRow] = {}
        self._sorted: list[str] = []  # every key, in sort order
        self._order: list[str] = []  # the keys shown: _sorted through filter and scope
        self._sort_keys: dict[str, Any] = {}
        self._sort_column: int | None = next((i for i, c in enumerate(self.columns) if c.key == sort), None)
        self._sort_reverse = False
        self._query = ""
        self._matcher: Callable[[TableRow], bool] | None = None
        self._scope: Callable[[TableRow], bool] | None = None
        self._cursor = 0
        self._cursor_key: str | None = None
        self.marks: set[str] = set()
        self._flash_until: dict[str, float] = {}
        self._flash_timer: Any = None
        self._widths: list[int] = [len(c.label) for c in self.columns]
        self._layout: tuple[int, list[int]] | None = None
        self._styles: dict[str, Style] = {}
        self._variant_styles: dict[tuple[bool, bool, bool], dict[str, Style]] = {}
        self._age_columns = [index for index, column in enumerate(self.columns) if column.kind == "age"]
        self._paint_width: int | None = None
        self._base_style: Style | None = None
        self._line_cache: dict[str, tuple[Any, Strip]] = {}

    # --- public API ----------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def visible_count(self) -> int:
        return len(self._order)

    @property
    def visible_keys(self) -> Sequence[str]:
        return self._order

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def query(self) -> str:
        return self._query

    @property
    def sort_column(self) -> Column | None:
        return self.columns[self._sort_column] if self._sort_column is not None else None

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    def row(self, key: str) -> TableRow | None:
        return self._rows.get(key)

    def hidden_marks(self) -> int:
        """Marked rows that the filter or scope currently hides."""
        if not self.marks:
            return 0
        return len(self.marks - set(self._order)) if self._matcher or self._scope else 0

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace every row; the cursor stays on its key when that key is still there."""
        self._rows = {row.key: row for row in rows}
        self._sort_keys.clear()
        self._line_cache.clear()
        self._flash_until.clear()
        self.marks &= self._rows.keys()
        self._measure(list(self._rows.values()), reset=True)
        self._resort(full=True)

    def update_rows(self, changed: Iterable[TableRow], removed: Iterable[str] = (), flash: Iterable[str] = ()) -> None:
        """Apply a keyed diff: add or replace `changed`, drop `removed`, flash the keys in `flash`."""
        rows = self._rows
        missing = _MISSING
        changed = [  # a row equal to the one shown changes nothing on screen
            row for row in changed if (old := rows.get(row.key, missing)) is missing or old.values != row.values
        ]
        removed = [key for key in removed if key in rows]
        if not changed and not removed:
            return
        for key in removed:
            del self._rows[key]
            self._sort_keys.pop(key, None)
            self._line_cache.pop(key, None)
            self._flash_until.pop(key, None)
        self.marks.difference_update(removed)
        key_function = self._key_function
        sort_keys = self._sort_keys
        moved: list[str] = list(removed)
        for row in changed:  # (their cached lines go stale by themselves: a line's signature includes its row)
            key = row.key
            rows[key] = row
            if key_function is None:
                continue
            before = sort_keys.get(key)
            after = sort_keys[key] = key_function(row)
            if after != before:  # a row whose sort value did not change keeps its place
                moved.append(key)
        self._measure(list(self._rows.values()) if removed else changed, reset=bool(removed))
        self._resort(full=False, moved=moved if key_function is not None else [*moved, *(r.key for r in changed)])
        now = time.monotonic()
        for key in flash:
            if key in self._rows:
                self._flash_until[key] = now + FLASH_SECONDS
        if self._flash_until and self._flash_timer is None and self.is_mounted:
            self._flash_timer = self.set_interval(0.25, self._expire_flashes)

    def set_filter(self, query: str) -> None:
        self._query = query
        self._matcher = row_matcher(query, self.columns)
        self._refilter()

    def set_scope(self, predicate: Callable[[TableRow], bool] | None) -> None:
        """A second, programmatic filter (e.g. the instance group chosen in the groups pane)."""
        self._scope = predicate
        self._refilter()

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        self._sort_column = next((i for i, c in enumerate(self.columns) if c.key == column_key), None)
        self._sort_reverse = reverse
        self._sort_keys.clear()
        self._resort(full=True)

    def move_cursor_to(self, key: str) -> bool:
        try:
            index = self._order.index(key)
        except ValueError:
            return False
        self._set_cursor(index)
        return True

    def toggle_mark(self, key: str | None = None) -> None:
        key = key if key is not None else self._cursor_key
        if not self.markable or key is None or key not in self._rows:
            return
        self.marks.symmetric_difference_update({key})
        self._invalidate(key)
        self.post_message(self.ViewChanged(self))

    def mark_keys(self, keys: Iterable[str]) -> None:
        if self.markable:
            self.marks.update(key for key in keys if key in self._rows)
            self._line_cache.clear()
            self.refresh()
            self.post_message(self.ViewChanged(self))

    def clear_marks(self) -> None:
        self.marks.clear()
        self._line_cache.clear()
        self.refresh()
        self.post_message(self.ViewChanged(self))

    # --- ordering ------------------------------------------------------------------------------------------

    def _sort_key_of(self, key: str) -> Any:
        value = self._sort_keys.get(key)
        if value is None:
            row = self._rows[key]
            value = self._key_function(row) if self._key_function else key
            self._sort_keys[key] = value
        return value

    @property
    def _key_function(self) -> Callable[[TableRow], Any] | None:
        if self._sort_column is None:
            return None
        return sort_key(self.columns[self._sort_column], self._sort_column)

    def _resort(self, *, full: bool, moved: Sequence[str] = ()) -> None:
        """Order the keys: all of them anew (`full`), or after a refresh that changed, added or removed `moved`."""
        rows = self._rows
        if self._sort_column is None:  # the rows' own (insertion) order
            self._sorted = list(reversed(rows)) if self._sort_reverse else list(rows)
            self._refilter()
            return
        key_function = self._key_function
        sort_keys = self._sort_keys
        if full or len(moved) > len(rows) // 4 or len(self._sorted) + len(moved) < len(rows):
            self._sorted = list(rows)
            for key in self._sorted:
                if key not in sort_keys:
                    sort_keys[key] = key_function(rows[key])  # type: ignore[misc]
            self._sorted.sort(key=sort_keys.__getitem__, reverse=self._sort_reverse)
        elif moved:
            # A refresh changes a few rows: take them out and put them back at the end. The list is then one long
            # sorted run and a short tail, which Timsort merges in about n comparisons; left in their old places,
            # 500 changed rows would split it into a thousand runs (~30 ms for 10,000 rows).
            moving = set(moved)
            kept = list(filterfalse(moving.__contains__, self._sorted))
            tail = [key for key in moving if key in rows]
            for key in tail:
                if key not in sort_keys:
                    sort_keys[key] = key_function(rows[key])  # type: ignore[misc]
            kept += tail
            kept.sort(key=sort_keys.__getitem__, reverse=self._sort_reverse)  # one long run + a short tail: ~linear
            self._sorted = kept
        self._refilter()

    def _refilter(self) -> None:
        rows = self._rows
        matcher, scope = self._matcher, self._scope
        if matcher is None and scope is None:
            self._order = self._sorted  # never changed in place: every re-sort builds a new list
        else:
            self._order = [
                key
                for key in self._sorted
                if (scope is None or scope(rows[key])) and (matcher is None or matcher(rows[key]))
            ]
        # The line cache is keyed by row and checked against everything a line shows, not its position: rows
        # that merely moved are painted from it.
        self._restore_cursor()
        self.virtual_size = Size(self._total_width(), len(self._order) + 1)
        self.refresh()
        self.post_message(self.ViewChanged(self))

    # --- cursor --------------------------------------------------------------------------------------------

    def _restore_cursor(self) -> None:
        key = self._cursor_key
        if key is not None and key in self._rows:
            order = self._order
            index = -1
            if order is self._sorted and not self._sort_reverse and key in self._sort_keys:  # all shown, ascending
                sort_keys = self._sort_keys
                index = bisect_left(order, sort_keys[key], key=sort_keys.__getitem__, lo=0, hi=len(order))
                index = index if index < len(order) and order[index] == key else -1
            if index < 0:
                try:
                    index = order.index(key)
                except ValueError:
                    index = min(self._cursor, len(order) - 1)
        else:
            index = min(self._cursor, len(self._order) - 1)
        # (_refilter repaints the whole table: the cursor's old and new lines need no repaint of their own)
        self._set_cursor(max(index, 0), quiet_if_same=True, repaint=False)

    def _set_cursor(self, index: int, *, quiet_if_same: bool = False, repaint: bool = True) -> None:
        old_key, old_index = self._cursor_key, self._cursor
        if not self._order:
            self._cursor, self._cursor_key = 0, None
        else:
            self._cursor = max(0, min(index, len(self._order) - 1))
            self._cursor_key = self._order[self._cursor]
        if repaint and old_key is not None:
            self._invalidate(old_key, old_index)
        if repaint and self._cursor_key is not None:
            self._invalidate(self._cursor_key)
        self._scroll_cursor_into_view()
        if not (quiet_if_same and old_key == self._cursor_key):
            self.post_message(self.CursorMoved(self, self._cursor_key))

    def _scroll_cursor_into_view(self) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self._cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_edge(self, direction: int) -> None:
        self._set_cursor(0 if direction < 0 else len(self._order) - 1)

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Selected(self, self._cursor_key))

    def action_sort_next(self) -> None:
        current = -1 if self._sort_column is None else self._sort_column
        self.sort_by(self.columns[(current + 1) % len(self.columns)].key, self._sort_reverse)

    def action_sort_reverse(self) -> None:
        self._sort_reverse = not self._sort_reverse
        self._resort(full=True)

    def _on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._variant_styles.clear()
        self._base_style = None
        self._line_cache.clear()
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self._on_focus(event)  # type: ignore[arg-type]

    def _on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            self._click_header(event.x + int(self.scroll_x))
            return
        index = int(self.scroll_y) + y - 1
        if 0 <= index < len(self._order):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _click_header(self, x: int) -> None:
        position = MARK_WIDTH if self.markable else 0
        for index, width in enumerate(self._layout_widths()):
            if position <= x < position + width + GAP:
                reverse = not self._sort_reverse if index == self._sort_column else False
                self.sort_by(self.columns[index].key, reverse)
                return
            position += width + GAP

    # --- layout and painting -------------------------------------------------------------------------------

    def _measure(self, rows: Iterable[TableRow], *, reset: bool) -> None:
        rows = rows if isinstance(rows, list) else list(rows)
        widths = [len(c.label) for c in self.columns] if reset else list(self._widths)
        for index, column in enumerate(self.columns):
            if column.kind == "age":
                widths[index] = max(widths[index], 5)
                continue
            if column.flex or not rows or (not reset and widths[index] >= column.max_width):
                continue  # the flex column takes what is left (its content never sizes it); a full column can't grow
            best = 0
            if column.kind in ("text", "status"):  # plain strings: their lengths, without a call per row
                try:
                    best = max(map(len, [row.values[index] for row in rows]))
                except TypeError:  # a value that is not text after all
                    best = -1
            if column.kind not in ("text", "status") or best < 0:
                best = max(len(row.text(index)) for row in rows)
            widths[index] = min(max(best, widths[index], column.min_width), column.max_width)
        if widths != self._widths:
            self._line_cache.clear()  # every cached row was laid out with the old widths
        self._widths = widths
        self._layout = None

    def _layout_widths(self) -> list[int]:
        """Measured widths, with the flex column (the message) taking whatever the pane has left."""
        available = self._paint_width or self.scrollable_content_region.width
        if self._layout is not None and self._layout[0] == available:
            return self._layout[1]
        widths = list(self._widths)
        flex = next((i for i, c in enumerate(self.columns) if c.flex), None)
        if flex is not None:
            others = sum(widths) - widths[flex] + GAP * (len(widths) - 1) + (MARK_WIDTH if self.markable else 0)
            widths[flex] = max(len(self.columns[flex].label), available - others)
        self._layout = (available, widths)
        return widths

    def _total_width(self) -> int:
        """The width the table needs: every column at its measured width, the flex column at its label's.
        Wider panes give the surplus to the flex column; narrower ones scroll horizontally."""
        widths = [len(c.label) if c.flex else w for c, w in zip(self.columns, self._widths, strict=True)]
        return sum(widths) + GAP * (len(self.columns) - 1) + (MARK_WIDTH if self.markable else 0)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"resource-table--{name}", partial=True)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._variant_styles.clear()
        self._base_style = None
        self._line_cache.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self.virtual_size = Size(self._total_width(), len(self._order) + 1)
        self._scroll_cursor_into_view()

    def _invalidate(self, key: str, index: int | None = None) -> None:
        """Repaint the row of `key` (at `index` when the caller knows it: finding it is O(rows))."""
        self._line_cache.pop(key, None)
        order = self._order
        if key == self._cursor_key:
            index = self._cursor
        elif index is None or index >= len(order) or order[index] != key:
            try:
                index = order.index(key)
            except ValueError:
                return
        self.refresh_line(index + 1)

    def _refresh_rows_on_screen(self, keys: set[str]) -> None:
        """Repaint the rows of `keys` that are on screen: O(lines on screen), however many keys."""
        top = int(self.scroll_y)
        order = self._order
        for index in range(top, min(len(order), top + self.scrollable_content_region.height)):
            if order[index] in keys:
                self.refresh_line(index + 1)

    def _expire_flashes(self) -> None:
        now = time.monotonic()
        expired = {key for key, until in self._flash_until.items() if until <= now}
        if expired:
            for key in expired:
                del self._flash_until[key]
            self._refresh_rows_on_screen(expired)
        if not self._flash_until and self._flash_timer is not None:
            self._flash_timer.stop()
            self._flash_timer = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The content width, worked out once per paint rather than once per line (it is a costly property).
        self._paint_width = self.scrollable_content_region.width
        try:
            return super().render_lines(crop)
        finally:
            self._paint_width = None

    def render_line(self, y: int) -> Strip:
        width = self._paint_width or self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        if y == 0:
            strip = self._header_strip()
        else:
            index = int(self.scroll_y) + y - 1
            if index >= len(self._order):
                if index == 0 and self.placeholder:
                    strip = Strip([Segment(" " + self.placeholder, self._style("placeholder"))])
                else:
                    return Strip.blank(width, base)
            else:
                return self._row_line(index, width, scroll_x, base)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width).apply_style(base)

    def _header_strip(self) -> Strip:
        header, sorted_style = self._style("header"), self._style("header-sorted")
        segments = [Segment(" " * MARK_WIDTH, header)] if self.markable else []
        for index, (column, width) in enumerate(zip(self.columns, self._layout_widths(), strict=True)):
            label = column.label
            style = header
            if index == self._sort_column:
                label += "↓" if not self._sort_reverse else "↑"
                style = sorted_style
            text = label[:width].rjust(width) if column.align == "right" else label[:width].ljust(width)
            segments.append(Segment(text + (" " * GAP if index < len(self.columns) - 1 else ""), style))
        return Strip(segments)

    def _row_line(self, index: int, width: int, scroll_x: int, base: Style) -> Strip:
        """The finished line for a row (cropped, padded, styled), from the cache when nothing it shows changed:
        a refresh or a cursor move then paints only the rows that did change."""
        key = self._order[index]
        is_cursor = index == self._cursor
        flashing = key in self._flash_until
        marked = key in self.marks
        row = self._rows[key]
        ages = None
        if self._age_columns:
            now = self.clock()
            values = row.values
            ages = tuple(
                format_age(now - values[i]) if isinstance(values[i], float) else None for i in self._age_columns
            )
        signature = (row, is_cursor, flashing, marked, ages, self.has_focus, width, scroll_x)
        cached = self._line_cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        segments = self._row_segments(row, self._row_styles(marked, flashing, is_cursor, base), ages)
        # Neighbouring columns in the same style become one segment: every later step (Textual's filters,
        # compositor, terminal output) costs per segment. The styles already include the widget's base style, so
        # a line that fits needs no cropping, padding or restyling (three more Strips per line).
        line = Strip(Segment.simplify(segments))
        if scroll_x or line.cell_length != width:
            line = line.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        self._line_cache[key] = (signature, line)
        return line

    def _row_styles(self, marked: bool, flashing: bool, is_cursor: bool, base: Style) -> dict[str, Style]:
        """Every style a row of this kind uses, combined once: base + row state + column + cursor."""
        variant = (marked, flashing, is_cursor)
        styles = self._variant_styles.get(variant)
        if styles is None:
            row = Style()
            if marked:
                row += self._style("marked")
            if flashing:
                row += self._style("flash")
            cursor = self._style("cursor") if is_cursor else Style()
            names = ["dim", *(f"status-{kind}" for kind in STATUS_KINDS)]
            styles = {"row": base + row + cursor, **{name: base + row + self._style(name) + cursor for name in names}}
            self._variant_styles[variant] = styles
        return styles

    def _row_segments(self, row: TableRow, styles: dict[str, Style], ages: tuple | None) -> list[Segment]:
        plain = styles["row"]
        segments = [Segment("✓ " if row.key in self.marks else "  ", plain)] if self.markable else []
        last = len(self.columns) - 1
        for column_index, (column, width) in enumerate(zip(self.columns, self._layout_widths(), strict=True)):
            value = row.values[column_index]
            gap = " " * GAP if column_index < last else ""
            if column.kind == "segments":
                used = 0
                for part, status in value or ():
                    part = part[: max(0, width - used)]
                    if not part:
                        break
                    segments.append(
                        Segment(part, styles["dim"] if status is None else styles[f"status-{status_kind(status)}"])
                    )
                    used += len(part)
                    if used < width:
                        segments.append(Segment(" ", plain))
                        used += 1
                segments.append(Segment(" " * (width - used) + gap, plain))
                continue
            text = ages[self._age_columns.index(column_index)] if column.kind == "age" else row.text(column_index)
            text = text or ""
            if len(text) > width:
                text = text[: max(0, width - 1)] + "…"
            text = text.rjust(width) if column.align == "right" else text.ljust(width)
            style = plain
            if column.kind == "status":
                style = styles[f"status-{status_kind(value)}"]
            elif column.live:
                style = styles["dim"]
            segments.append(Segment(text + gap, style))
        return segments
