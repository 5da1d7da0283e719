"""What a node action did, node by node: Successful, Failed with AWS's code and message, Unknown (sent, no
answer: it may have executed) or Not sent (its journal intent could not be written, so nothing was sent).

The screen opens as soon as the action starts and fills in as each call is journalled, so a 40-call replace shows
progress rather than a frozen modal. Closing it early does not stop the action: the main screen still hears the
end (marks, refresh, a notification). A journal write that failed is shown here in the error colour as well as
in a notification, and says which nodes were not sent because of it.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.actions import (
    DRY_RUN,
    FAILED,
    NOT_SENT,
    SUCCESSFUL,
    UNKNOWN,
    UNREPORTED,
    ActionPlan,
    ActionResult,
    CallResult,
)
from tui.core.sanitize import clean
from tui.core.tables import MESSAGE_LIMIT, Column, TableRow
from tui.core.wording import plural
from tui.screens._dialog import fit_table, plan_title
from tui.typed_app import hyperpod_app, key_for
from tui.widgets.node_table import ACTION_BINDINGS
from tui.widgets.resource_table import ResourceTable

RESULT_ROWS = 20

RESULT_COLUMNS = (
    Column("instance_id", "INSTANCE ID", min_width=19, max_width=32),  # 32: a NodeLogicalId, when no instance id
    Column("group", "GROUP", max_width=20),
    Column("result", "RESULT", kind="segments", min_width=10, max_width=12),
    Column("code", "CODE", max_width=24),
    Column("message", "MESSAGE", flex=True, max_width=MESSAGE_LIMIT),
)

# The table paints a segments column in status colours; these borrow the node statuses of the same meaning.
_OUTCOME_COLOUR = {
    SUCCESSFUL: "Running",
    FAILED: "Failure",
    DRY_RUN: "Pending",
    UNREPORTED: "Degraded",
    UNKNOWN: "Degraded",
    NOT_SENT: "Failure",
}
_COUNTED = (SUCCESSFUL, FAILED, DRY_RUN, UNREPORTED, UNKNOWN, NOT_SENT)
_COUNT_LABEL = {UNKNOWN: "Unknown (may have executed)"}
WAITING = "Waiting"


class ActionResultsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,enter",
            "close",
            "Close",
            tooltip="Close the results (the batch goes on if it is running)",
            id="results-close",
        ),
    ]

    DEFAULT_CSS = """
    ActionResultsScreen { align: center middle; }
    ActionResultsScreen > #results-dialog {
        width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #results-dialog > Static { height: auto; }
    #results-dialog > .dry-run { background: $banner-warning; color: $foreground; text-style: bold; padding: 0 1; }
    #results-dialog > #results-journal.-failed { background: $banner-error; color: $foreground; padding: 0 1; }
    #results-dialog > #results-calls { color: $status-warn; }
    #results-dialog > #results-detail { color: $muted; }
    #results-dialog > #results-nodes { height: auto; margin-top: 1; border: round $pane-border; }
    #results-buttons { height: auto; align: right middle; }
    """

    def __init__(self, plan: ActionPlan) -> None:
        super().__init__()
        self.plan = plan
        self.calls: dict[int, CallResult] = {}
        self.result: ActionResult | None = None
        self.stopped_by = ""
        self._plan_nodes = {node.instance_id: node for node in plan.nodes}
        self._outcome_of: dict = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False, id="results-dialog") as dialog:
            dialog.border_title = plan_title(self.plan)
            if self.plan.dry_run:
                yield Static("DRY RUN: nothing was sent to AWS.", classes="dry-run")
            yield Static(id="results-summary")
            yield Static(id="results-calls")
            yield Static(id="results-journal")
            yield ResourceTable(RESULT_COLUMNS, sort="result", clock=hyperpod_app(self).clock, id="results-nodes")
            yield Static(id="results-detail")
            yield Static(id="results-hint")
            with Horizontal(id="results-buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#results-nodes", ResourceTable).set_rows(self._row(node_id) for node_id in self.plan.node_ids)
        self._repaint()
        self.query_one("#close", Button).focus()
        self._fit()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        fit_table(self, self.query_one("#results-dialog"), self.query_one("#results-nodes"), RESULT_ROWS)

    # --- data in -------------------------------------------------------------------------------------------

    def add_call(self, call: CallResult) -> None:
        self.calls[call.index] = call
        self._outcome_of.update((o.instance_id, o) for o in call.outcomes)
        table = self._nodes_table()
        if table is not None:
            table.update_rows(self._row(o.instance_id) for o in call.outcomes)
            self._repaint()

    def finish(self, result: ActionResult) -> None:
        self.result = result
        for call in result.calls:
            self.calls[call.index] = call
            self._outcome_of.update((o.instance_id, o) for o in call.outcomes)
        table = self._nodes_table()
        if table is not None:
            table.set_rows(self._row(n) for n in self.plan.node_ids)
            table.action_edge(-1)  # the first row is the worst outcome: show its whole message
            self._repaint()

    def _nodes_table(self) -> ResourceTable | None:
        """The nodes table, or None once the dialog was closed (the batch goes on: its widgets are gone)."""
        if not self.is_mounted:
            return None
        found = self.query("#results-nodes")
        return found.first(ResourceTable) if found else None

    def stopped(self, error: str) -> None:
        """The action ended with an unexpected error: say so instead of "Working…" forever."""
        self.stopped_by = error
        if self._nodes_table() is not None:
            self._repaint()

    # --- painting ------------------------------------------------------------------------------------------

    def _row(self, node_id: str) -> TableRow:
        node = self._plan_nodes.get(node_id)
        outcome = self._outcome_of.get(node_id)
        label = outcome.outcome if outcome else WAITING
        colour = _OUTCOME_COLOUR.get(label, "Pending")
        return TableRow(
            node_id,
            (
                clean(node_id),
                clean(node.group) if node else "",
                ((label, colour),),
                clean(outcome.code) if outcome else "",
                clean(outcome.message, max_len=MESSAGE_LIMIT) if outcome else "",
            ),
        )

    def _repaint(self) -> None:
        plan, calls = self.plan, self.calls
        outcomes = self._outcome_of
        counts = {label: sum(1 for o in outcomes.values() if o.outcome == label) for label in _COUNTED}
        done = len(calls)
        state = "done" if self.result is not None else ("stopped" if self.stopped_by else "running")
        summary = Text()
        summary.append(f"{clean(plan.cluster)} · {done} of {plural(plan.call_count, 'call')} {state}", style="bold")
        parts = [f"{count} {_COUNT_LABEL.get(label, label)}" for label, count in counts.items() if count]
        waiting = len(plan.nodes) - len(outcomes)
        if waiting:
            parts.append(f"{waiting} waiting")
        if parts:
            summary.append(" · " + ", ".join(parts))
        self.query_one("#results-summary", Static).update(summary)
        calls_text = self._call_lines()
        self.query_one("#results-calls", Static).update(calls_text)
        self.query_one("#results-calls", Static).display = bool(calls_text)
        self._show_detail(self.query_one("#results-nodes", ResourceTable).cursor_key)
        self.query_one("#results-journal", Static).update(self._journal_line())
        self.query_one("#results-journal", Static).set_class(self._journal_failed(), "-failed")
        self.query_one("#results-hint", Static).update(self._hint(counts))
        self.call_after_refresh(self._fit)

    @on(ResourceTable.CursorMoved, "#results-nodes")
    def _on_cursor(self, message: ResourceTable.CursorMoved) -> None:
        self._show_detail(message.key)

    def _show_detail(self, node_id: str | None) -> None:
        """The highlighted node's whole message: the table cuts long ones."""
        outcome = self._outcome_of.get(node_id) if node_id else None
        detail = self.query_one("#results-detail", Static)
        if outcome is None or not outcome.message:
            detail.update("")
            detail.display = False
            return
        text = Text(f"{clean(outcome.instance_id)}: ")
        text.append(f"{clean(outcome.code)} " if outcome.code else "")
        text.append(clean(outcome.message, max_len=MESSAGE_LIMIT))
        detail.update(text)
        detail.display = True

    def _call_lines(self) -> Text:
        text = Text()
        plan = self.plan
        for index in sorted(self.calls):
            call = self.calls[index]
            label = f"Call {index + 1}/{plan.call_count}"
            if call.not_sent:
                line = f"{label} NOT SENT ({plural(len(call.node_ids), 'node')}): {clean(call.error_message)}"
            elif call.unknown:
                line = (
                    f"{label}: no answer ({clean(call.error_code)}) for {plural(len(call.node_ids), 'node')}: it MAY HAVE "
                    "EXECUTED; not retried"
                )
            elif plan.dry_run:
                line = f"{label}: would call {plan.kind.operation}(ClusterName={clean(plan.target)}, {plan.chunk_members[index]}=[{len(call.node_ids)} ids])"
            elif call.error_code:
                line = f"{label} failed as a whole ({plural(len(call.node_ids), 'node')}): {clean(call.error_message)}"
            elif call.attempts > 1:
                line = f"{label}: throttled or refused by a server error, succeeded on attempt {call.attempts}"
            else:
                continue
            if text:
                text.append("\n")
            text.append(line)
        return text

    def _journal_failed(self) -> bool:
        return any(call.journal_error for call in self.calls.values())

    def _journal_line(self) -> Text:
        errors = list(dict.fromkeys(call.journal_error for call in self.calls.values() if call.journal_error))
        if errors:
            not_sent = sum(len(call.node_ids) for call in self.calls.values() if call.not_sent)
            consequence = (
                f" — {plural(not_sent, 'node')} NOT SENT: no intent on record, no call made" if not_sent else ""
            )
            return Text("✖ JOURNAL NOT WRITTEN: " + "; ".join(clean(e) for e in errors) + consequence)
        if not self.calls:
            return Text("Journal: waiting for the first call…")
        path = self.result.journal_path if self.result is not None else ""
        lines = 2 * sum(call.attempts for call in self.calls.values())  # an intent and a result per attempt
        where = f" in {clean(path)}" if path else ""
        return Text(f"Journal: {lines} line{'s' if lines != 1 else ''} written{where}")

    def _hint(self, counts: dict[str, int]) -> Text:
        if self.stopped_by:
            return Text(f"✖ The batch stopped: {clean(self.stopped_by)}. Calls listed above were made and journalled.")
        if self.result is None:
            return Text("Working… closing this does not stop the batch.")
        if self.plan.dry_run:
            return Text("Nothing changed; the marks are kept. Run without --dry-run to do it.")
        if counts[UNKNOWN] or counts[NOT_SENT]:
            return Text(
                "Unknown nodes may have been acted on: refresh and check them before pressing the key again. "
                "Not sent nodes were not touched. Both stay marked; Successful ones were unmarked."
            )
        if counts[FAILED] or counts[UNREPORTED]:
            binding = self._binding()
            key = self.app.get_key_display(binding) if binding is not None else self.plan.kind.name
            return Text(
                f"Failed nodes (listed first) stay marked: press {key} again to retry them, after waiting "
                f"if AWS says so. Successful ones were unmarked."
            )
        return Text("Successful nodes were unmarked. The nodes pane refreshes to show their new status.")

    def _binding(self) -> Binding | None:
        """The key that runs this action now (a [keymap] may have moved it)."""
        binding = next((b for b in ACTION_BINDINGS if b.id == self.plan.kind.name), None)
        return dataclasses.replace(binding, key=key_for(self, binding)) if binding is not None else None

    # --- closing -------------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.dismiss(None)
