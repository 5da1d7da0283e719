"""Slurm's view of the focused Slurm cluster (the SLURM column) and Slurm's actions on marked nodes (K, `:slurm`).

The view: one `sinfo -N -h -o '%N|%T|%E|%H'` on the cluster's controller through `core.run.Runner` (the same SSM
path as `x`: the shell feature's launcher, the plugin on a pty), every `slurm_refresh` seconds (30 by default; only
while the app refreshes on its own) and on request (`:slurm`; `r` once the cluster has a Slurm view), in a worker,
never two at once per cluster (core.slurm.SlurmPollSchedule). Its answer is parsed (core.slurm.parse_sinfo), kept
per cluster, and painted into the nodes' SLURM cells (`decorate`, called by the pane painter for every row it
paints); the nodes Slurm calls down/drained/failed while the API says Running become health signals (source (e),
core.slurm.health_signals → HealthSources.slurm). A failure (no plugin, AccessDenied, TargetNotConnected, no
controller, unreadable output) is said once per cluster and reason: one toast, and the nodes pane's title; the
last good view stays.

The actions: K posts `NodeTable.SchedulerActionRequested`; the screen sends Slurm clusters here (an EKS cluster's
branch goes beside it). The modal (screens/slurm.py) lists every target, explains how each action differs from the
API's, takes the drain reason, and is the confirmation; the `scontrol update` command then runs on the controller
through the run controller (results screen, write-ahead journal with the action and the node ids), and the view is
polled again when it ends. Read-only mode refuses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen

from tui.core import run, slurm, slurm_actions
from tui.core.models import no_instance_reason
from tui.core.sanitize import clean
from tui.core.ssm import ssm_target
from tui.core.tables import TableRow
from tui.core.wording import plural
from tui.text import toast
from tui.typed_app import hyperpod_app

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

POLL_LIMITS = run.RunLimits(max_concurrent=1, output_cap=4 * 1024 * 1024, timeout_s=45.0)
ACTION_LIMITS = run.RunLimits(max_concurrent=1, timeout_s=60.0)
TICK_S = 2.0
CONTROLLER_CELL: tuple[tuple[str, str | None], ...] = (("controller", None),)


class SlurmController:
    def __init__(self, screen: MainScreen, *, menu: Callable[..., ModalScreen[Any]]) -> None:
        self.screen = screen
        self._menu = menu
        self.signals = slurm.SlurmSignals()
        self.answers: dict[str, slurm.SinfoResult] = {}  # cluster → its last good sinfo
        self.fetched_at: dict[str, float] = {}
        self.problems: dict[str, str] = {}  # cluster → why its last poll failed
        self._told: set[tuple[str, str]] = set()
        self._schedules: dict[str, slurm.SlurmPollSchedule] = {}
        self._unpainted: set[str] = set()  # clusters whose answer came while another screen was on top
        self.polls = 0  # polls started (tests)

    # --- the view ------------------------------------------------------------------------------------------

    def start(self) -> None:
        settings = hyperpod_app(self.screen).settings
        if settings.refresh > 0 and settings.slurm_refresh > 0:
            self.screen.set_interval(TICK_S, self.tick)

    def schedule(self, cluster: str) -> slurm.SlurmPollSchedule:
        found = self._schedules.get(cluster)
        if found is None:
            interval = float(hyperpod_app(self.screen).settings.slurm_refresh)
            found = self._schedules[cluster] = slurm.SlurmPollSchedule(interval)
        return found

    def _focused_slurm(self) -> str | None:
        state = self.screen.state
        detail = state.focus_detail
        if detail is None or not detail.is_slurm or state.focus_snapshot is None:
            return None
        return state.focus

    def tick(self) -> None:
        cluster = self._focused_slurm()
        if cluster is not None and self.schedule(cluster).due(time.monotonic()):
            self._poll(cluster)

    def request(self, *, quiet: bool = False) -> None:
        """Poll the focused cluster now (`:slurm`), or once the poll under way ends."""
        cluster = self._focused_slurm()
        if cluster is None:
            if not quiet:
                toast(self.screen, "Slurm's view is for Slurm clusters: focus one whose nodes are listed.")
            return
        if self.schedule(cluster).request():
            self._poll(cluster)

    def refresh_requested(self) -> None:
        """`r`: the focused cluster's Slurm view too, once it has one (or polling is on)."""
        cluster = self._focused_slurm()
        if cluster is not None and (cluster in self.answers or cluster in self.problems):
            self.request(quiet=True)

    def _poll(self, cluster: str) -> None:
        schedule = self.schedule(cluster)
        if not schedule.start():
            return
        state = self.screen.state
        detail, snapshot = state.detail_of(cluster), state.snapshot_of(cluster)
        controller, why = slurm.pick_controller(detail, snapshot.nodes.values()) if snapshot else (None, "no nodes")
        if controller is None or detail is None:
            schedule.finish(time.monotonic())
            self._failed(cluster, why or "no controller")
            return
        target = run.RunTarget(
            controller.key, ssm_target(detail.arn, controller.group, controller.instance_id), controller.group
        )
        spec = run.RunSpec(slurm.SINFO_COMMAND, (target,), cluster=cluster)
        runs = self.screen.runs
        launcher = runs.launcher_for(cluster)
        runner = run.Runner(spec, launcher, journal=slurm.NoJournal(), limits=POLL_LIMITS)
        self.polls += 1
        self.screen.run_worker(self._run_poll(cluster, runner), group=f"slurm-{cluster}", exit_on_error=False)

    async def _run_poll(self, cluster: str, runner: run.Runner) -> None:
        try:
            result = await runner.run()
        except Exception as error:  # noqa: BLE001 - the view fails, nothing else does
            self.schedule(cluster).finish(time.monotonic())
            self._failed(cluster, f"{type(error).__name__}: {error}")
            return
        self.schedule(cluster).finish(time.monotonic())
        node = next(iter(result.nodes.values()))
        if node.state != run.DONE:
            self._failed(cluster, node.error or node.state)
        else:
            # 20,000 lines take ~0.15 s to check and clean: not on the event loop
            answer = await asyncio.get_running_loop().run_in_executor(None, slurm.parse_sinfo, node.output)
            if answer.problem or not answer.nodes:
                self._failed(cluster, answer.problem or "sinfo listed no node")
            else:
                self._answered(cluster, answer)
        schedule = self.schedule(cluster)
        if schedule.pending and cluster == self._focused_slurm():
            self._poll(cluster)

    def _answered(self, cluster: str, answer: slurm.SinfoResult) -> None:
        clock = hyperpod_app(self.screen).clock
        self.answers[cluster] = answer
        self.fetched_at[cluster] = clock()
        if self.problems.pop(cluster, None) is not None:
            self._told = {told for told in self._told if told[0] != cluster}
        snapshot = self.screen.state.snapshot_of(cluster)
        if snapshot is not None and self.signals.put(
            cluster, slurm.health_signals(snapshot.nodes.values(), answer, clock())
        ):
            self.screen.refreshes.request()  # the HEALTH cells judge the new signals
        self._repaint(cluster)

    def _failed(self, cluster: str, why: str) -> None:
        why = clean(why, max_len=200)
        self.problems[cluster] = why
        if (cluster, why) not in self._told:
            self._told.add((cluster, why))
            kept = " (the last answer stays)" if cluster in self.answers else ""
            toast(self.screen, f"Slurm view of {cluster}: {why}{kept}", severity="warning", timeout=8)
        self._repaint(cluster)

    def resumed(self) -> None:
        """The main screen is on top again: paint what came meanwhile."""
        for cluster in list(self._unpainted):
            self._repaint(cluster)

    def _repaint(self, cluster: str) -> None:
        screen = self.screen
        if cluster != screen.state.focus:
            return
        if not screen.is_active:
            self._unpainted.add(cluster)
            return
        self._unpainted.discard(cluster)
        table = screen.nodes_table
        if table.shown_cluster != cluster:
            return
        self.update_absent(cluster)
        rows = [row for key in list(table.model.rows) if (row := table.row(key)) is not None]
        changed = [new for row, new in zip(rows, self.decorate(cluster, rows), strict=True) if new is not row]
        if changed:
            table.update_rows(changed, ())
        screen.panes.update_titles()

    def update_absent(self, cluster: str | None) -> None:
        """The SLURM column is painted only for a cluster that has a Slurm view (or a reason it has none)."""
        has = cluster is not None and (cluster in self.answers or cluster in self.problems)
        self.screen.nodes_table.set_absent(() if has else ("slurm",), among=("slurm",))

    def decorate(self, cluster: str, rows: Iterable[TableRow]) -> list[TableRow]:
        """`rows` of `cluster` with their SLURM cells as the last answer says (unchanged rows are the same
        objects)."""
        answer = self.answers.get(cluster)
        snapshot = self.screen.state.snapshot_of(cluster)
        if answer is None or snapshot is None:
            return list(rows)
        now = hyperpod_app(self.screen).clock()
        detail = self.screen.state.detail_of(cluster)
        controller = slurm.controller_group(detail) if detail is not None else None
        out = []
        for row in rows:
            node = snapshot.nodes.get(row.key)
            found = answer.nodes.get(slurm.slurm_name(node.hostname)) if node is not None and node.hostname else None
            if found is None and node is not None and node.group == controller:
                out.append(slurm.with_cell(row, CONTROLLER_CELL))  # slurmctld's node is no slurmd node: not listed
                continue
            out.append(slurm.with_cell(row, slurm.slurm_cell(found, now)))
        return out

    def title_note(self, cluster: str | None) -> str:
        """For the nodes pane's title: why the SLURM column says nothing new (once, not per row)."""
        if cluster is None or cluster not in self.problems:
            return ""
        return f"Slurm: {self.problems[cluster]}"

    # --- actions -------------------------------------------------------------------------------------------

    def request_action(self, node_ids: Sequence[str], hidden: int, action: str | None = None) -> None:
        screen = self.screen
        app = hyperpod_app(screen)
        if app.settings.read_only:
            toast(screen, "Read-only mode (--read-only): Slurm actions are disabled.", severity="warning")
            return
        if screen.runs.running:
            toast(
                screen, "A command is still running; wait for it or stop it (Esc on its results).", severity="warning"
            )
            return
        state = screen.state
        detail, snapshot = state.focus_detail, state.focus_snapshot
        if detail is None or snapshot is None or not detail.is_slurm:
            toast(screen, "Slurm actions are for Slurm clusters whose nodes are listed.", severity="warning")
            return
        controller, why = slurm.pick_controller(detail, snapshot.nodes.values())
        if controller is None:
            toast(screen, f"No Slurm action possible: {why}.", severity="warning")
            return
        controller_group = slurm.controller_group(detail)
        targets, left_out = [], []
        for key in node_ids:
            node = snapshot.nodes.get(key)
            if node is None:
                continue
            if node.group == controller_group or not node.hostname:
                left_out.append(key)
                continue
            targets.append(node)
        if left_out:
            toast(
                screen,
                f"{plural(len(left_out), 'node')} left out: the controller and nodes without a hostname are not "
                "Slurm nodes.",
                severity="warning",
            )
        if not targets:
            toast(screen, "Nothing to act on: mark Slurm nodes with space, or highlight one.", severity="warning")
            return
        answer = self.answers.get(detail.name)
        rows = [
            (
                node.key,
                node.group,
                node.status,
                slurm.slurm_name(node.hostname),
                found.state if answer and (found := answer.nodes.get(slurm.slurm_name(node.hostname))) else "",
            )
            for node in targets
        ]
        menu = self._menu(detail.name, rows, hidden, controller.key, action)
        screen.app.push_screen(menu, callback=lambda chosen: self._chosen(detail, controller, targets, chosen))

    def _chosen(self, detail: Any, controller: Any, targets: list[Any], chosen: tuple[str, str] | None) -> None:
        if not chosen:
            toast(self.screen, "Slurm action cancelled: nothing was sent.", timeout=4)
            return
        action, reason = chosen
        names = [slurm.slurm_name(node.hostname) for node in targets]
        try:
            command = slurm_actions.scontrol_command(action, names, reason)
            target = run.RunTarget(
                controller.key,
                ssm_target(detail.arn, controller.group, controller.instance_id),
                controller.group,
                controller.hostname,
            )
        except ValueError as error:
            toast(self.screen, f"Not sent: {error}", severity="error")
            return
        if no_instance_reason(controller, "an SSM session"):
            toast(self.screen, "Not sent: the controller has no instance id.", severity="error")
            return
        spec = run.RunSpec(command, (target,), cluster=detail.name)
        context = {"slurm_action": action, "slurm_nodes": names, "target_node_ids": [node.key for node in targets]}
        note = f"scontrol on the controller {clean(controller.key)} for {plural(len(targets), 'node')}"
        self.screen.runs.start(
            spec, ACTION_LIMITS, context=context, note=note, on_done=lambda _result: self._after_action(detail.name)
        )

    def _after_action(self, cluster: str) -> None:
        if cluster == self._focused_slurm() and self.schedule(cluster).request():
            self._poll(cluster)
