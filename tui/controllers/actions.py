"""Node actions (reboot, replace, delete): plan → confirm → run in a worker → results, for the main screen.

The plan (core.actions) is frozen when the key is pressed, confirmed in the confirmation dialog, run in a worker
thread, journalled call by call, and reported in the results dialog as each call returns. One action runs at a
time. The worker posts `ActionCallDone` and `ActionsFinished` to the screen, which hands them back here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual import events
from textual.message import Message
from textual.screen import ModalScreen

from tui.core.actions import ACTIONS, ActionPlan, ActionResult, CallContext, CallResult, plan_action, run_plan
from tui.core.journal import Journal, default_journal_path
from tui.core.wording import plural
from tui.text import toast
from tui.typed_app import hyperpod_app, keys_for
from tui.widgets.node_table import ACTION_BINDINGS, RUN_BINDING, SCHEDULER_BINDING
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.action_results import ActionResultsScreen
    from tui.screens.main import MainScreen


@dataclass
class ActionCallDone(Message):
    """One call of the running action was made (or described, in a dry run) and journalled."""

    call: CallResult


@dataclass
class ActionsFinished(Message):
    """The running action ended: its result, or the unexpected error that stopped it."""

    result: ActionResult | None
    error: str = ""


def plan_calls(result: ActionResult) -> str:
    return plural(len(result.calls), "call")


class ActionsController:
    """The node-action feature of `screen`; `confirm` and `results` make its two dialogs."""

    def __init__(
        self,
        screen: MainScreen,
        *,
        confirm: Callable[[ActionPlan], ModalScreen[bool]],
        results: Callable[[ActionPlan], ActionResultsScreen],
    ) -> None:
        self.screen = screen
        self._confirm = confirm
        self._results_for = results
        self.running: ActionPlan | None = None
        self.results: ActionResultsScreen | None = None

    def explain_key(self, event: events.Key) -> None:
        """R / P / D where they do nothing (outside the nodes pane, or in read-only mode): say why. A key reaches
        the screen before the app runs the bindings, so stopping it there means no binding runs."""
        screen = self.screen
        binding = next(
            (
                binding
                for binding in (*ACTION_BINDINGS, RUN_BINDING, SCHEDULER_BINDING)
                if event.key in keys_for(screen, binding)
            ),
            None,
        )
        if binding is None:
            return
        if hyperpod_app(screen).settings.read_only:
            message = f"Read-only mode (--read-only): {binding.description.lower()} is disabled. Nothing was sent."
        elif screen.focused is not screen.nodes_table:
            message = f"{binding.description} acts on nodes: go to the nodes pane (tab), mark nodes with space, then press {event.key}."
        else:
            return
        event.stop()
        event.prevent_default()
        toast(screen, message, severity="warning", timeout=6)

    def request(self, action: str, node_ids: Sequence[str], hidden: int) -> None:
        """Plan `action` on `node_ids` of the open cluster and ask for confirmation."""
        screen = self.screen
        if self.running is not None:
            toast(screen, "A batch action is still running; wait for its results first.", severity="warning")
            return
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        if detail is None or snapshot is None:
            toast(screen, "The cluster's nodes are still loading.", severity="warning")
            return
        nodes = [snapshot.nodes[key] for key in node_ids if key in snapshot.nodes]
        if not nodes:
            toast(screen, f"Nothing to {action}: mark nodes with space, or highlight one.", severity="warning")
            return
        settings = hyperpod_app(screen).settings
        plan = plan_action(
            ACTIONS[action],
            detail,
            nodes,
            dry_run=settings.dry_run,
            hidden_by_filter=hidden,
            cluster_nodes=len(snapshot.nodes),
        )
        screen.app.push_screen(self._confirm(plan), callback=lambda confirmed: self._on_confirmed(plan, confirmed))

    def _on_confirmed(self, plan: ActionPlan, confirmed: bool | None) -> None:
        if not confirmed or plan.refused:
            if not plan.refused:
                toast(self.screen, f"{plan.kind.verb} cancelled: nothing was sent.", timeout=4)
            return
        results = self._results_for(plan)
        self.running, self.results = plan, results
        self.screen.app.push_screen(results)
        run_in_thread(self.screen, lambda: self._run(plan), group="actions", description="Batch action")

    def _run(self, plan: ActionPlan) -> None:
        """Worker thread: the calls, journalled; results go back as messages."""
        screen = self.screen
        app = hyperpod_app(screen)

        def call_done(call: CallResult) -> None:
            screen.post_message(ActionCallDone(call))

        try:
            # The cluster's own facade (in a fleet: its profile's credentials, its region), called by its real name.
            api, name = app.ensure_api().resolve(plan.cluster)
            plan = replace(plan, cluster=name) if name != plan.cluster else plan
            # botocore's retries are off on this client: one journalled attempt is one request.
            client = api.mutating_client("sagemaker")  # created even in a dry run (no call) to name its endpoint
            demo = app.settings.demo
            context = CallContext(
                profile=None if demo else (api.profile or os.environ.get("AWS_PROFILE") or api.session.profile_name),
                region=api.region_name,
                endpoint=api.endpoint_url or (None if demo else client.meta.endpoint_url),
                extra={"demo": True} if demo else {},
            )
            result = run_plan(
                plan,
                None if plan.dry_run else client,
                Journal(default_journal_path(demo=app.settings.demo)),
                context,
                clock=app.clock,
                on_call=call_done,
            )
        except Exception as exc:  # noqa: BLE001 - a bug or an unusable API: the action is over, say so
            screen.post_message(ActionsFinished(None, f"{type(exc).__name__}: {exc}"))
            return
        screen.post_message(ActionsFinished(result))

    def call_done(self, call: CallResult) -> None:
        if self.results is not None:
            self.results.add_call(call)

    def finished(self, result: ActionResult | None, error: str) -> None:
        screen = self.screen
        results = self.results
        self.running = self.results = None
        if result is None:
            if results is not None:
                results.stopped(error)
            toast(screen, f"The batch action stopped: {error}", severity="error", timeout=15)
            return
        if results is not None:
            results.finish(result)
        not_sent = result.not_sent
        for journal_error in result.journal_errors:
            consequence = (
                f" {len(not_sent)} of {plural(len(result.plan.nodes), 'node')} "
                f"{'was' if len(not_sent) == 1 else 'were'} NOT sent (no journal entry, no call)."
                if not_sent
                else ""
            )
            toast(screen, f"Journal not written: {journal_error}.{consequence}", severity="error", timeout=20)
        if result.unknown:
            toast(
                screen,
                f"{plural(len(result.unknown), 'node')}: no answer from AWS, the call may have executed. Not "
                f"retried; refresh and check {'it' if len(result.unknown) == 1 else 'them'} before acting again.",
                severity="warning",
                timeout=20,
            )
        plan, succeeded, failed = result.plan, result.succeeded, result.failed
        if plan.dry_run:
            if results is None or not results.is_active:
                toast(screen, f"DRY RUN: {plan_calls(result)} described, nothing sent.", timeout=6)
            return
        screen.nodes_table.unmark(plan.cluster, succeeded)
        verb = plan.kind.verb
        if results is not None and results.is_active:
            pass  # the results view says it all
        elif failed or result.unknown or not_sent:
            toast(
                screen,
                f"{verb}: {len(succeeded)} Successful, {len(failed)} Failed, {len(result.unknown)} unknown, "
                f"{len(not_sent)} not sent (still marked).",
                severity="warning",
                timeout=8,
            )
        else:
            toast(screen, f"{verb}: {len(succeeded)} Successful.", timeout=6)
        screen.action_refresh()
