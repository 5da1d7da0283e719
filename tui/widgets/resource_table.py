"""A virtualised, keyed table for clusters, instance groups and nodes: the painter of a `TableModel`.

Why not Textual's DataTable: it measures every cell of every row when rows are added (1.7 s for 10,000 rows),
removes rows in O(n) each and resets the cursor on `clear()`. The rows, their order, the marks and the cursor live
in `tui.core.table_model.TableModel`; this widget paints only the rows on screen through `render_line`, each line
from a cache checked against everything the line shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.core.models import STATUS_KINDS, status_kind
from tui.core.sanitize import cell_width, cut_cells, fit_cells
from tui.core.table_model import TableModel
from tui.core.tables import Column, TableRow, format_age
from tui.text import toast
from tui.widgets.widget_message import WidgetMessage

FLASH_SECONDS = 1.5
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
        Binding("ctrl+w", "toggle_wide", "Wide", show=False, tooltip="Wide mode: every column (k9s)", id="wide"),
        Binding("c", "choose_columns", "Columns", show=False, tooltip="Choose the columns shown (saved)", id="columns"),
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
    row_noun: ClassVar[str] = "row"  # what a row is, in messages

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

    class ColumnsRequested(WidgetMessage):
        """`c`: the user wants to choose this table's columns (the screen opens the chooser)."""

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
        self.model = TableModel(columns, markable=markable, sort=sort)
        self.columns = self.model.columns
        self.clock = clock
        self._flash_until: dict[str, float] = {}
        self._flash_timer: Timer | None = None
        self._layout: tuple[int, list[int]] | None = None
        self._styles: dict[str, Style] = {}
        self._variant_styles: dict[tuple[bool, bool, bool], dict[str, Style]] = {}
        self._age_columns = [index for index, column in enumerate(self.columns) if column.kind == "age"]
        self._paint_width: int | None = None
        self._base_style: Style | None = None
        self._line_cache: dict[str, tuple[Any, Strip]] = {}
        for column in self.columns:  # shift+<letter> sorts by that column, k9s style (again: reverses)
            if column.sort_letter:
                self._bindings.bind(
                    column.sort_letter,
                    f"sort_column('{column.key}')",
                    f"Sort by {column.label}",
                    show=False,
                )

    # --- public API ----------------------------------------------------------------------------------------

    @property
    def markable(self) -> bool:
        return self.model.markable

    @markable.setter
    def markable(self, value: bool) -> None:
        self.model.markable = value

    @property
    def marks(self) -> set[str]:
        """The marked keys (the model's set itself: change it through the mark methods, which repaint)."""
        return self.model.marks

    @marks.setter
    def marks(self, keys: set[str]) -> None:
        self.model.marks = set(keys)
        self._clear_caches()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.model.rows)

    @property
    def visible_count(self) -> int:
        return len(self.model.order)

    @property
    def visible_keys(self) -> Sequence[str]:
        return self.model.order

    @property
    def cursor_key(self) -> str | None:
        return self.model.cursor_key

    @property
    def query(self) -> str:  # type: ignore[override]  # the filter text: a public name older than Textual's DOM query
        return self.model.query

    @property
    def sort_column(self) -> Column | None:
        return self.model.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self.model.sort_reverse

    def row(self, key: str) -> TableRow | None:
        return self.model.rows.get(key)

    def hidden_marks(self) -> int:
        """Marked rows that the filter or scope currently hides."""
        return self.model.hidden_marks()

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace every row; the cursor stays on its key when that key is still there."""
        cursor = self.model.cursor_key
        self._flash_until.clear()
        self.model.set_rows(rows)
        self._clear_caches()
        self._show_order(cursor)

    def update_rows(self, changed: Iterable[TableRow], removed: Iterable[str] = (), flash: Iterable[str] = ()) -> None:
        """Apply a keyed diff: add or replace `changed`, drop `removed`, flash the keys in `flash`."""
        cursor = self.model.cursor_key
        update = self.model.update_rows(changed, removed)
        if update is None:
            return
        for key in update.removed:
            self._flash_until.pop(key, None)
        # (changed rows' cached lines go stale by themselves: a line's signature includes its row)
        self._clear_caches(None if update.widths_changed else update.removed)
        self._show_order(cursor)
        now = time.monotonic()
        rows = self.model.rows
        for key in flash:
            if key in rows:
                self._flash_until[key] = now + FLASH_SECONDS
        if self._flash_until and self._flash_timer is None and self.is_mounted:
            self._flash_timer = self.set_interval(0.25, self._expire_flashes)

    def set_filter(self, query: str) -> None:
        cursor = self.model.cursor_key
        self.model.set_filter(query)
        self._show_order(cursor)

    def set_scope(self, predicate: Callable[[TableRow], bool] | None) -> None:
        """A second, programmatic filter (e.g. the instance group chosen in the groups pane)."""
        cursor = self.model.cursor_key
        self.model.set_scope(predicate)
        self._show_order(cursor)

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        cursor = self.model.cursor_key
        self.model.sort_by(column_key, reverse)
        self._show_order(cursor)

    @property
    def wide(self) -> bool:
        return self.model.wide

    def set_view(
        self,
        *,
        wide: bool | None = None,
        chosen: Iterable[str] | None | bool = False,
        absent: Iterable[str] | None = None,
    ) -> None:
        """Wide mode on or off, and/or the columns chosen for the normal view (None: the columns' defaults;
        False: unchanged); `absent`: columns the shown subject has not (None: unchanged)."""
        self.model.set_view(wide=wide, chosen=chosen, absent=absent)
        self._clear_caches()
        self.virtual_size = Size(self._total_width(), len(self.model.order) + 1)
        self.refresh()
        self.post_message(self.ViewChanged(self))

    def set_absent(self, keys: Iterable[str], among: Iterable[str] | None = None) -> None:
        """Columns not painted for what the table shows now (TableModel.set_absent)."""
        if self.model.set_absent(keys, among):
            self._clear_caches()
            self.virtual_size = Size(self._total_width(), len(self.model.order) + 1)
            self.refresh()

    def action_toggle_wide(self) -> None:
        self.set_view(wide=not self.model.wide)

    def action_choose_columns(self) -> None:
        self.post_message(self.ColumnsRequested(self))

    def move_cursor_to(self, key: str) -> bool:
        index = self.model.index_of(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def toggle_mark(self, key: str | None = None) -> None:
        key = key if key is not None else self.model.cursor_key
        if self.model.toggle_mark(key):
            assert key is not None  # toggle_mark refuses None
            self._repaint_row(key)
            self.post_message(self.ViewChanged(self))

    def mark_keys(self, keys: Iterable[str]) -> None:
        if self.model.mark_keys(keys):
            self._clear_caches()
            self.refresh()
            self.post_message(self.ViewChanged(self))

    def clear_marks(self) -> None:
        self.model.clear_marks()
        self._clear_caches()
        self.refresh()
        self.post_message(self.ViewChanged(self))

    # --- caches --------------------------------------------------------------------------------------------

    def _clear_caches(self, keys: Iterable[str] | None = None, *, styles: bool = False) -> None:
        """Forget the cached lines of `keys`, or of every row and the column layout (None); with `styles`, the
        resolved styles too. Every cache of this widget is dropped here and nowhere else."""
        if keys is not None:
            for key in keys:
                self._line_cache.pop(key, None)
            return
        self._line_cache.clear()
        self._layout = None
        if styles:
            self._styles.clear()
            self._variant_styles.clear()
            self._base_style = None

    # --- cursor --------------------------------------------------------------------------------------------

    def _show_order(self, cursor_before: str | None) -> None:
        """The model re-ordered its rows: follow the cursor, resize and repaint (the whole table, so the cursor's
        old and new lines need no repaint of their own; the line cache is checked against what a line shows,
        not its position, so rows that merely moved are painted from it)."""
        # The new size first: a scroll is clamped to the old one (a group's 4 rows, when the cursor kept across
        # the clear is row 16 of 24, would leave it off screen).
        self.virtual_size = Size(self._total_width(), len(self.model.order) + 1)
        self._scroll_cursor_into_view()
        if cursor_before != self.model.cursor_key:
            self.post_message(self.CursorMoved(self, self.model.cursor_key))
        self.refresh()
        self.post_message(self.ViewChanged(self))

    def _set_cursor(self, index: int) -> None:
        model = self.model
        old_key, old_index = model.cursor_key, model.cursor
        model.move_cursor(index)
        if old_key is not None:
            self._repaint_row(old_key, old_index)
        if model.cursor_key is not None:
            self._repaint_row(model.cursor_key)
        self._scroll_cursor_into_view()
        self.post_message(self.CursorMoved(self, model.cursor_key))

    def _scroll_cursor_into_view(self) -> None:
        body = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        cursor = self.model.cursor
        # force: until the next layout, a table that had too few rows to scroll still says it cannot scroll
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True, force=True)
        elif cursor >= top + body:
            self.scroll_to(y=cursor - body + 1, animate=False, immediate=True, force=True)

    @property
    def cursor_on_screen(self) -> bool:
        """Whether the highlighted row is one of the rows painted now (False when there is none)."""
        if self.model.cursor_key is None:
            return False
        top = int(self.scroll_y)
        body = self.scrollable_content_region.height - 1  # the header takes a line
        return top <= self.model.cursor < top + body

    def reveal_cursor(self, key: str, doing: str) -> bool:
        """True when the highlighted row is on screen, so a key may act on it. Otherwise scroll it into view,
        say so (pressing `key` again does `doing`), and return False: nothing acts on a row the user cannot
        see (the wheel scrolls without moving the cursor)."""
        if self.model.cursor_key is None or self.cursor_on_screen:
            return True
        self._scroll_cursor_into_view()
        name = self.model.cursor_key
        if self.cursor_on_screen:
            message = (
                f"The highlighted {self.row_noun} {name} was off screen; it is shown now. Press {key} again to {doing}."
            )
        else:
            message = f"The highlighted {self.row_noun} {name} cannot be shown: this pane has no room for a row. Enlarge the terminal."
        toast(self, message, severity="warning", timeout=6)
        return False

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.model.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.model.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_edge(self, direction: int) -> None:
        self._set_cursor(0 if direction < 0 else len(self.model.order) - 1)

    def action_select(self) -> None:
        key = self.model.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def action_sort_next(self) -> None:
        self.sort_by(self.model.next_sort_key(), self.model.sort_reverse)

    def action_sort_column(self, column_key: str) -> None:
        """shift+<letter>: sort by the column (ascending); pressed again on the sorted column, reverse it."""
        if self.model.sort_column is not None and self.model.sort_column.key == column_key:
            self.action_sort_reverse()
        else:
            self.sort_by(column_key)

    def action_sort_reverse(self) -> None:
        cursor = self.model.cursor_key
        self.model.reverse_sort()
        self._show_order(cursor)

    def _on_focus(self, event: events.Focus) -> None:
        self._clear_caches(styles=True)  # the cursor's style depends on focus
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self._clear_caches(styles=True)
        self.refresh()

    async def _on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            self._click_header(event.x + int(self.scroll_x))
            return
        index = int(self.scroll_y) + y - 1
        if 0 <= index < len(self.model.order):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _click_header(self, x: int) -> None:
        position = MARK_WIDTH if self.markable else 0
        for index, width in zip(self.model.shown, self._layout_widths(), strict=True):
            if position <= x < position + width + GAP:
                reverse = not self.model.sort_reverse if index == self.model.sort_index else False
                self.sort_by(self.columns[index].key, reverse)
                return
            position += width + GAP

    # --- layout and painting -------------------------------------------------------------------------------

    def _layout_widths(self) -> list[int]:
        """Measured widths of the columns shown (`model.shown`, in that order), with the flex column (the message)
        taking whatever the pane has left."""
        available = self._paint_width or self.scrollable_content_region.width
        if self._layout is not None and self._layout[0] == available:
            return self._layout[1]
        shown = self.model.shown
        widths = [self.model.widths[i] for i in shown]
        flex = next((n for n, i in enumerate(shown) if self.columns[i].flex), None)
        if flex is not None:
            others = sum(widths) - widths[flex] + GAP * (len(widths) - 1) + (MARK_WIDTH if self.markable else 0)
            widths[flex] = max(len(self.columns[shown[flex]].label), available - others)
        self._layout = (available, widths)
        return widths

    def _total_width(self) -> int:
        """The width the table needs: every column at its measured width, the flex column at its label's.
        Wider panes give the surplus to the flex column; narrower ones scroll horizontally."""
        columns, measured = self.columns, self.model.widths
        widths = [len(columns[i].label) if columns[i].flex else measured[i] for i in self.model.shown]
        return sum(widths) + GAP * (len(widths) - 1) + (MARK_WIDTH if self.markable else 0)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            component = f"resource-table--{name}"
            style = self.get_component_rich_style(component, partial=True)
            styles = self.get_component_styles(component)
            if styles.auto_color and style.bgcolor is not None:
                # A partial style paints `auto` text (the default $block-cursor-foreground) as plain white, whatever
                # the background: resolve it against the component's own background, as a full style would.
                background = Color.from_rich_color(style.bgcolor)
                style += Style(color=(background + background.get_contrast_text(styles.color.a)).rich_color)
            self._styles[name] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_caches(styles=True)

    def _on_resize(self, event: events.Resize) -> None:
        self._clear_caches()
        self.virtual_size = Size(self._total_width(), len(self.model.order) + 1)
        self._scroll_cursor_into_view()

    def _repaint_row(self, key: str, index: int | None = None) -> None:
        """Repaint the row of `key` (at `index` when the caller knows it: finding it is O(rows))."""
        self._clear_caches((key,))
        model = self.model
        order = model.order
        if key == model.cursor_key:
            index = model.cursor
        elif index is None or index >= len(order) or order[index] != key:
            try:
                index = order.index(key)
            except ValueError:
                return
        self.refresh_line(index + 1)

    def _refresh_rows_on_screen(self, keys: set[str]) -> None:
        """Repaint the rows of `keys` that are on screen: O(lines on screen), however many keys."""
        top = int(self.scroll_y)
        order = self.model.order
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
            if index >= len(self.model.order):
                placeholder = self.model.empty_message() or self.placeholder
                if index == 0 and placeholder:
                    text = " " + placeholder  # cut with … at the pane's edge (a long list of column names)
                    text = fit_cells(text, width) if cell_width(text) > width and not scroll_x else text
                    strip = Strip([Segment(text, self._style("placeholder"))])
                else:
                    return Strip.blank(width, base)
            else:
                return self._row_line(index, width, scroll_x, base)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width).apply_style(base)

    def _header_strip(self) -> Strip:
        header, sorted_style = self._style("header"), self._style("header-sorted")
        segments = [Segment(" " * MARK_WIDTH, header)] if self.markable else []
        shown = self.model.shown
        last = shown[-1] if shown else -1
        for index, width in zip(shown, self._layout_widths(), strict=True):
            column = self.columns[index]
            label = column.label
            style = header
            if index == self.model.sort_index:
                label += "↑" if not self.model.sort_reverse else "↓"  # k9s' reading: ↑ ascending
                style = sorted_style
            text = label[:width].rjust(width) if column.align == "right" else label[:width].ljust(width)
            segments.append(Segment(text + (" " * GAP if index != last else ""), style))
        return Strip(segments)

    def _row_line(self, index: int, width: int, scroll_x: int, base: Style) -> Strip:
        """The finished line for a row (cropped, padded, styled), from the cache when nothing it shows changed:
        a refresh or a cursor move then paints only the rows that did change."""
        model = self.model
        key = model.order[index]
        is_cursor = index == model.cursor
        flashing = key in self._flash_until
        marked = key in model.marks
        row = model.rows[key]
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
        segments = self._row_segments(row, marked, self._row_styles(marked, flashing, is_cursor, base), ages)
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

    def _row_segments(
        self, row: TableRow, marked: bool, styles: dict[str, Style], ages: tuple[str | None, ...] | None
    ) -> list[Segment]:
        plain = styles["row"]
        segments = [Segment("✓ " if marked else "  ", plain)] if self.model.markable else []
        shown = self.model.shown
        last = shown[-1] if shown else -1
        columns = self.columns
        for column_index, width in zip(shown, self._layout_widths(), strict=True):
            column = columns[column_index]
            value = row.values[column_index]
            gap = " " * GAP if column_index != last else ""
            if column.kind == "segments":
                used = 0
                for part, status in value or ():
                    room = width - used
                    if room <= 0:
                        break
                    if cell_width(part) > room:  # the cell is cut here: say so
                        part = cut_cells(part, room - 1) + "…" if room > 1 else "…"
                    segments.append(
                        Segment(part, styles["dim"] if status is None else styles[f"status-{status_kind(status)}"])
                    )
                    used += cell_width(part)
                    if used < width:
                        segments.append(Segment(" ", plain))
                        used += 1
                segments.append(Segment(" " * (width - used) + gap, plain))
                continue
            text = (
                ages[self._age_columns.index(column_index)]
                if column.kind == "age" and ages is not None
                else row.text(column_index)
            )
            text = text or ""
            if text.isascii():  # the common case, without a call: a character is a cell
                if len(text) > width:
                    text = text[: max(0, width - 1)] + "…"
                text = text.rjust(width) if column.align == "right" else text.ljust(width)
            else:  # wide (CJK) and zero-width characters: cut and pad by terminal cells
                text = fit_cells(text, width, align=column.align)
            style = plain
            if column.kind == "status":
                style = styles[f"status-{status_kind(value)}"]
            elif column.live:
                style = styles["dim"]
            segments.append(Segment(text + gap, style))
        return segments
