"""Marks and batch actions on the nodes pane: space / ctrl+a / ctrl+u mark, R / P / D reboot, replace, delete.

A mixin of MainScreen (it uses `nodes_table`, `focus_detail`, `focus_snapshot`, `action_refresh`, …). The
plan (core.actions) is frozen when the key is pressed, confirmed in ConfirmActionScreen, run in a worker thread,
and reported call by call in BatchResultsScreen. Marks are kept per cluster: the table holds the marks of the
cluster it shows; the others wait here until their cluster is shown again.

The keys exist only in the nodes pane: `check_action` hides them elsewhere, and in read-only mode hides R/P/D
everywhere. A hidden binding does not run, so a key press that would have run one is explained instead (a
notification), rather than doing nothing silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from tui.core.actions import ACTIONS, ActionPlan, BatchResult, CallContext, CallResult, plan_action, run_plan
from tui.core.journal import Journal, default_journal_path
from tui.core.sanitize import markup_safe
from tui.screens.confirm import ConfirmActionScreen
from tui.screens.results import BatchResultsScreen

_MARK_ACTIONS = frozenset({"mark", "mark_all", "unmark_all"})
_CHANGING_ACTIONS = frozenset({"reboot", "replace", "delete"})  # also their binding ids
MAX_LISTED_IDS = 5


class BatchCallDone(Message):
    """One call of a batch was made (or described, in a dry run) and journalled."""

    def __init__(self, call: CallResult) -> None:
        super().__init__()
        self.call = call


class BatchDone(Message):
    """The batch ended: its result, or the unexpected error that stopped it."""

    def __init__(self, result: BatchResult | None, error: str = "") -> None:
        super().__init__()
        self.result = result
        self.error = error


@dataclass
class _BatchState:
    parked_marks: dict[str, set[str]] = field(default_factory=dict)  # cluster → marks, while another is shown
    running: ActionPlan | None = None
    results: BatchResultsScreen | None = None


class BatchActionsMixin(Screen[None]):
    """Mixed into MainScreen. A Screen subclass, not a plain class: Textual merges BINDINGS and registers
    `@on` handlers only for DOMNode/MessagePump subclasses along the MRO."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the highlighted node (and move down)", id="mark"),
        Binding(
            "ctrl+a", "mark_all", "Mark all", show=False, tooltip="Mark every node the filter shows", id="mark-all"
        ),
        Binding("ctrl+u", "unmark_all", "Unmark all", show=False, tooltip="Unmark every node", id="unmark-all"),
        Binding("R", "reboot", "Reboot", tooltip="Reboot the marked nodes (or the highlighted one)", id="reboot"),
        Binding("P", "replace", "Replace", tooltip="Replace the marked nodes (or the highlighted one)", id="replace"),
        Binding("D", "delete", "Delete", tooltip="Delete the marked nodes (or the highlighted one)", id="delete"),
    ]

    @property
    def _batch(self) -> _BatchState:
        state = vars(self).get("_batch_state")
        if state is None:
            state = vars(self)["_batch_state"] = _BatchState()
        return state

    def _nodes_pane_focused(self) -> bool:
        return self.focused is self.nodes_table  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _MARK_ACTIONS or action in _CHANGING_ACTIONS:
            if not self._nodes_pane_focused():
                return False
            if action in _CHANGING_ACTIONS and self.app.settings.read_only:
                return False
        return super().check_action(action, parameters)

    @on(events.Key)
    def _explain_hidden_action(self, event: events.Key) -> None:
        """R/P/D where they are hidden: say why instead of ignoring the key."""
        binding = self._changing_binding_for(event.key)
        if binding is None:
            return
        verb = binding.description.lower()
        if self.app.settings.read_only:
            message = f"Read-only mode (--read-only): {verb} is disabled. Nothing was sent."
        elif not self._nodes_pane_focused():
            message = f"{binding.description} acts on nodes: go to the nodes pane (tab), mark nodes with space, then press {event.key}."
        else:
            return
        event.stop()
        event.prevent_default()
        self.notify(message, severity="warning", timeout=6)

    def _changing_binding_for(self, key: str) -> Binding | None:
        """The R/P/D binding `key` would run, with the user's [keymap] applied (cheap: runs on every key)."""
        keymap = getattr(self.app, "_keymap", {})
        for binding in BatchActionsMixin.BINDINGS:
            if isinstance(binding, Binding) and binding.id in _CHANGING_ACTIONS:
                keys = keymap.get(binding.id, binding.key)
                if key in (part.strip() for part in keys.split(",")):
                    return binding
        return None

    # --- marks ---------------------------------------------------------------------------------------------

    def action_mark(self) -> None:
        table = self.nodes_table  # type: ignore[attr-defined]
        table.toggle_mark()
        table.action_cursor(1)

    def action_mark_all(self) -> None:
        table = self.nodes_table  # type: ignore[attr-defined]
        table.mark_keys(list(table.visible_keys))

    def action_unmark_all(self) -> None:
        self.nodes_table.clear_marks()  # type: ignore[attr-defined]

    def _park_marks(self) -> None:
        """The nodes table is about to show other rows: keep the marks of the cluster it shows now."""
        shown = self._shown_nodes_cluster  # type: ignore[attr-defined]
        if shown is not None:
            self._batch.parked_marks[shown] = set(self.nodes_table.marks)  # type: ignore[attr-defined]

    def _unpark_marks(self, cluster: str) -> None:
        """The table now shows `cluster`: mark again what was marked; tell the user about marks whose node is gone."""
        saved = self._batch.parked_marks.pop(cluster, None)
        if not saved:
            return
        table = self.nodes_table  # type: ignore[attr-defined]
        present = {key for key in saved if table.row(key) is not None}
        if present - table.marks:
            table.mark_keys(present)
        self._notify_unmarked(sorted(saved - present))

    def _notify_unmarked(self, gone: list[str]) -> None:
        if gone:
            listed = ", ".join(gone[:MAX_LISTED_IDS]) + (" …" if len(gone) > MAX_LISTED_IDS else "")
            self.notify(
                markup_safe(f"{len(gone)} marked node(s) disappeared and were unmarked: {listed}"), severity="warning"
            )

    def _marked_or_highlighted(self) -> tuple[list[str], int]:
        """(target ids in table order, how many of them the filter hides)."""
        table = self.nodes_table  # type: ignore[attr-defined]
        marks = table.marks
        if marks:
            visible = [key for key in table.visible_keys if key in marks]
            hidden = sorted(marks - set(visible))
            return visible + hidden, len(hidden)
        return ([table.cursor_key] if table.cursor_key else []), 0

    # --- actions -------------------------------------------------------------------------------------------

    def action_reboot(self) -> None:
        self._plan_and_confirm("reboot")

    def action_replace(self) -> None:
        self._plan_and_confirm("replace")

    def action_delete(self) -> None:
        self._plan_and_confirm("delete")

    def _plan_and_confirm(self, name: str) -> None:
        kind = ACTIONS[name]
        if self._batch.running is not None:
            self.notify("A batch action is still running; wait for its results first.", severity="warning")
            return
        detail, snapshot = self.focus_detail, self.focus_snapshot  # type: ignore[attr-defined]
        if detail is None or snapshot is None:
            self.notify("The cluster's nodes are still loading.", severity="warning")
            return
        ids, hidden = self._marked_or_highlighted()
        nodes = [snapshot.nodes[key] for key in ids if key in snapshot.nodes]
        if not nodes:
            self.notify(f"Nothing to {name}: mark nodes with space, or highlight one.", severity="warning")
            return
        settings = self.app.settings
        plan = plan_action(kind, detail, nodes, dry_run=settings.dry_run, hidden_by_filter=hidden)
        self.app.push_screen(ConfirmActionScreen(plan), callback=lambda confirmed: self._on_confirmed(plan, confirmed))

    def _on_confirmed(self, plan: ActionPlan, confirmed: bool | None) -> None:
        if not confirmed or plan.refused:
            if not plan.refused:
                self.notify(f"{plan.kind.verb} cancelled: nothing was sent.", timeout=4)
            return
        results = BatchResultsScreen(plan)
        self._batch.running, self._batch.results = plan, results
        self.app.push_screen(results)
        self._run_batch(plan)

    @work(thread=True, group="batch", exit_on_error=False, description="Batch action")
    def _run_batch(self, plan: ActionPlan) -> None:
        app = self.app
        settings = app.settings
        try:
            api = app.ensure_api()
            client = api.client("sagemaker")  # created even in a dry run (no call) to name its endpoint
            demo = settings.demo
            context = CallContext(
                profile=None if demo else (api.profile or os.environ.get("AWS_PROFILE") or api.session.profile_name),
                region=api.session.region_name,
                endpoint=api.endpoint_url or (None if demo else client.meta.endpoint_url),
                extra={"demo": True} if demo else {},
            )
            journal = Journal(default_journal_path())
            result = run_plan(
                plan,
                None if plan.dry_run else client,
                journal,
                context,
                clock=app.clock,
                on_call=lambda call: self.post_message(BatchCallDone(call)),
            )
        except Exception as exc:  # noqa: BLE001 - a bug or an unusable API: the batch is over, say so
            self.post_message(BatchDone(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(BatchDone(result))

    @on(BatchCallDone)
    def _on_batch_call_done(self, message: BatchCallDone) -> None:
        results = self._batch.results
        if results is not None:
            results.add_call(message.call)

    @on(BatchDone)
    def _on_batch_done(self, message: BatchDone) -> None:
        results = self._batch.results
        self._batch.running = self._batch.results = None
        result = message.result
        if result is None:
            if results is not None:
                results.stopped(message.error)
            self.notify(markup_safe(f"The batch action stopped: {message.error}"), severity="error", timeout=15)
            return
        if results is not None:
            results.finish(result)
        for error in result.journal_errors:
            self.notify(markup_safe(f"Journal not written: {error}"), severity="error", timeout=20)
        plan, succeeded, failed = result.plan, result.succeeded, result.failed
        if plan.dry_run:
            if results is None or not results.is_active:
                self.notify(f"DRY RUN: {plan_calls(result)} described, nothing sent.", timeout=6)
            return
        self._unmark(plan.cluster, succeeded)
        verb = plan.kind.verb
        if results is not None and results.is_active:
            pass  # the results view says it all
        elif failed:
            self.notify(
                f"{verb}: {len(succeeded)} Successful, {len(failed)} Failed (still marked).",
                severity="warning",
                timeout=8,
            )
        else:
            self.notify(f"{verb}: {len(succeeded)} Successful.", timeout=6)
        self.action_refresh()  # type: ignore[attr-defined]

    def _unmark(self, cluster: str, keys: list[str]) -> None:
        if not keys:
            return
        if self._shown_nodes_cluster == cluster:  # type: ignore[attr-defined]
            table = self.nodes_table  # type: ignore[attr-defined]
            remaining = table.marks - set(keys)
            if remaining != table.marks:
                table.clear_marks()
                table.mark_keys(remaining)
        elif cluster in self._batch.parked_marks:
            self._batch.parked_marks[cluster] -= set(keys)


def plan_calls(result: BatchResult) -> str:
    count = len(result.calls)
    return f"{count} call{'s' if count != 1 else ''}"
