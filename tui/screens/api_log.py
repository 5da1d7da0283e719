"""`@`: the API log, every AWS call the app made (core/api_log.py), newest last, filterable as you type."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.core.api_log import ApiCall, ApiLog, default_log
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow
from tui.widgets.resource_table import ResourceTable

API_LOG_COLUMNS = (
    Column("time", "TIME", min_width=8, max_width=8),
    Column("service", "SERVICE", max_width=10),
    Column("operation", "OPERATION", max_width=28),
    Column("region", "REGION", max_width=14),
    Column("duration", "MS", align="right", max_width=7),
    Column("outcome", "OUTCOME", max_width=28),
    Column("retries", "RETRIES", align="right", max_width=7),
    Column("request_id", "REQUEST ID", flex=True, max_width=40),
)
POLL_SECONDS = 1.0


def api_call_row(call: ApiCall) -> TableRow:
    return TableRow(
        str(call.seq),
        (
            time.strftime("%H:%M:%S", time.localtime(call.time)),
            clean(call.service, max_len=10),
            clean(call.operation, max_len=28),
            clean(call.region, max_len=14),
            str(round(call.duration * 1000)),
            clean(call.outcome, max_len=28),
            str(call.retries),
            clean(call.request_id, max_len=40),
        ),
    )


class ApiLogScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="api-log-close"),
    ]

    def __init__(self, log: ApiLog | None = None) -> None:
        super().__init__()
        self.log_source = default_log() if log is None else log
        self._shown_version = -1
        self._query = ""

    def compose(self) -> ComposeResult:
        yield Static(id="api-log-title")
        yield Input(
            placeholder="filter: operation, service, region, error code, request id; 'error' for failures",
            id="api-log-filter",
        )
        yield ResourceTable(API_LOG_COLUMNS, id="api-log-table")

    def on_mount(self) -> None:
        self.refresh_calls()
        self.set_interval(POLL_SECONDS, self.refresh_calls)
        self.query_one("#api-log-filter", Input).focus()  # type to filter; tab to the table

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#api-log-table", ResourceTable)

    def refresh_calls(self, *, force: bool = False) -> None:
        source = self.log_source
        if source.version == self._shown_version and not force:
            return
        self._shown_version = source.version
        calls = source.calls(self._query)
        self.table.set_rows(api_call_row(call) for call in calls)
        if calls:
            self.table.move_cursor_to(str(calls[-1].seq))
        errors = sum(1 for call in calls if not call.ok)
        title = Text(f"API log · {len(calls)}/{len(source)} calls (last {source.capacity} kept)", style="bold")
        if errors:
            title.append(f" · {errors} failed", style="bold")
        title.append("  type to filter, esc back")
        self.query_one("#api-log-title", Static).update(title)

    @on(Input.Changed, "#api-log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._query = event.value
        self.refresh_calls(force=True)

    def action_close(self) -> None:
        if self._query:
            self.query_one("#api-log-filter", Input).value = ""
            return
        self.app.pop_screen()
