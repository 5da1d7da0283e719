"""Run a command on the marked nodes (`x` on the nodes pane, `:run`): prompt → confirm → run → grouped results.

The targets are frozen when the key is pressed (the marked nodes, visible first; else the highlighted one, only
when its row is on screen), as for node actions. Read-only mode refuses. The run (tui.core.run.Runner) is a task
on the app's event loop: each session is opened by the shell feature's launcher (StartSession in the loop's
executor, through the cluster's own facade; botocore retries off, the Runner backs off on throttling) and its
plugin runs on its own pty. One run at a time. Esc on the results stops it: queued nodes never start, every
running session is ended (TerminateSession each). Journalled write-ahead (core/run.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen

from tui.controllers.shells import plugin_for
from tui.core import run
from tui.core.journal import Journal, default_journal_path
from tui.core.models import no_instance_reason
from tui.core.sanitize import clean
from tui.core.ssm import SessionLauncher, ssm_target
from tui.core.wording import plural
from tui.text import toast
from tui.typed_app import hyperpod_app

if TYPE_CHECKING:
    from tui.screens.main import MainScreen
    from tui.screens.run import RunResultsScreen


def run_limits(settings: Any) -> run.RunLimits:
    return run.RunLimits(max_concurrent=max(1, int(getattr(settings, "run_max_sessions", 16) or 16)))


class RunController:
    def __init__(
        self,
        screen: MainScreen,
        *,
        prompt: Callable[..., ModalScreen[Any]],
        confirm: Callable[..., ModalScreen[bool]],
        results: Callable[..., RunResultsScreen],
    ) -> None:
        self.screen = screen
        self._prompt, self._confirm, self._results = prompt, confirm, results
        self.runner: run.Runner | None = None
        self.results: RunResultsScreen | None = None
        self.last: run.RunResult | None = None
        self.save_root: Path | None = None  # where `s` saves (None: the current directory)
        self.journal: Journal | None = None  # tests: a journal elsewhere (None: the default path)

    @property
    def running(self) -> bool:
        return self.runner is not None

    def request(self, node_ids: Sequence[str], hidden: int, command: str = "") -> None:
        screen = self.screen
        app = hyperpod_app(screen)
        if app.settings.read_only:
            toast(screen, "Read-only mode (--read-only): running commands on nodes is disabled.", severity="warning")
            return
        if self.running:
            toast(
                screen, "A command is still running; wait for it or stop it (Esc on its results).", severity="warning"
            )
            return
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        if detail is None or snapshot is None:
            toast(screen, "The cluster's nodes are still loading.", severity="warning")
            return
        targets: list[run.RunTarget] = []
        statuses: dict[str, str] = {}
        skipped: list[str] = []
        for key in node_ids:
            node = snapshot.nodes.get(key)
            if node is None:
                continue
            if no_instance_reason(node, "an SSM session"):
                skipped.append(key)
                continue
            try:
                target = ssm_target(detail.arn, node.group, node.instance_id)
            except ValueError:
                skipped.append(key)
                continue
            targets.append(run.RunTarget(node.key, target, node.group, node.hostname))
            statuses[node.key] = node.status
        if skipped:
            toast(screen, f"{plural(len(skipped), 'node')} without an instance id left out.", severity="warning")
        if not targets:
            toast(screen, "Nothing to run on: mark nodes with space, or highlight one.", severity="warning")
            return
        cluster = detail.name

        def prompted(answer: tuple[str, bool] | None) -> None:
            if not answer:
                return
            spec = run.RunSpec(answer[0], tuple(targets), cluster=cluster, shell=answer[1])
            limits = run_limits(app.settings)
            screen.app.push_screen(
                self._confirm(spec, statuses, hidden, limits),
                callback=lambda ok: self._confirmed(spec, limits, ok),
            )

        screen.app.push_screen(self._prompt(len(targets), cluster, command), callback=prompted)

    def _confirmed(self, spec: run.RunSpec, limits: run.RunLimits, ok: bool | None) -> None:
        if not ok:
            toast(self.screen, "Run cancelled: nothing was sent.", timeout=4)
            return
        self.start(spec, limits)

    def start(
        self,
        spec: run.RunSpec,
        limits: run.RunLimits,
        *,
        context: dict[str, Any] | None = None,
        note: str = "",
        on_done: Callable[[run.RunResult], None] | None = None,
    ) -> None:
        """Run a confirmed spec with its results screen (also Slurm's actions, tui/controllers/slurm.py: their
        `context` goes into the journal's lines)."""
        results = self._results(spec, on_cancel=self.cancel, on_mark=self.mark, on_save=self.save)
        results.note = note
        self.results = results
        self.screen.app.push_screen(results)
        self.runner = runner = run.Runner(
            spec, _LazyLauncher(self, spec.cluster), journal=None, limits=limits, on_change=results.node_changed
        )
        self.screen.run_worker(self._run(runner, results, context or {}, on_done), group="run", exit_on_error=False)

    def launcher_for(self, cluster: str) -> run.Opener:
        """The cluster's launcher for a Runner (made on first use in the executor), e.g. the Slurm view's poll."""
        return _LazyLauncher(self, cluster)

    def _launcher(self, cluster: str) -> SessionLauncher:
        """Worker threads only (creating the client loads botocore models): the cluster's own facade."""
        app = hyperpod_app(self.screen)
        api, _name = app.ensure_api().resolve(cluster)
        return SessionLauncher(
            api.mutating_client("ssm"),
            profile=api.profile,
            endpoint_url=api.endpoint_url,
            plugin=plugin_for(app.settings),
        )

    async def _run(
        self,
        runner: run.Runner,
        results: RunResultsScreen,
        context: dict[str, Any],
        on_done: Callable[[run.RunResult], None] | None,
    ) -> None:
        app = hyperpod_app(self.screen)
        demo = app.settings.demo
        runner.journal = self.journal or Journal(default_journal_path(demo=demo))
        runner.context = {
            "profile": None if demo else app.settings.profile,
            **({"demo": True} if demo else {}),
            **context,
        }
        try:
            result = await runner.run()
        except Exception as exc:  # noqa: BLE001 - a bug: the run is over, say so
            result = runner.result
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.runner = None
        self.last = result
        results.finish(result)
        ok = sum(1 for node in result.nodes.values() if node.succeeded)
        if result.journal_error:
            toast(self.screen, f"Journal not written: {result.journal_error}. Nothing was sent.", severity="error")
        elif not results.is_active:
            toast(self.screen, f"Run finished: {ok} of {plural(len(result.nodes), 'node')} succeeded.", timeout=8)
        if on_done is not None:
            on_done(result)

    def cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    def mark(self, node_ids: Sequence[str]) -> None:
        table = self.screen.nodes_table
        if self.results is not None and table.shown_cluster == self.results.spec.cluster:
            table.clear_marks()
            table.mark_keys([key for key in node_ids if table.row(key) is not None])
            toast(self.screen, f"Marked {plural(len(node_ids), 'node')} in the nodes pane.", timeout=4)

    def save(self) -> str:
        results = self.results
        if results is None:
            return "Nothing to save."
        result = self.last if self.last is not None and results.finished else None
        if result is None:
            result = run.RunResult(results.spec, dict(results.nodes))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"hyperpod-run-{stamp}"
        directory = (self.save_root or Path(os.getcwd())) / name
        try:
            run.save_outputs(result, directory)
        except OSError as error:
            return f"✖ Not saved: {clean(str(error))}"
        return f"Saved {plural(len(result.nodes), 'output')} and summary.txt to {clean(str(directory))}"


class _LazyLauncher:
    """The launcher, made on first use in the executor (botocore loads there, not on the event loop)."""

    def __init__(self, controller: RunController, cluster: str) -> None:
        self._controller, self._cluster = controller, cluster
        self._launcher: SessionLauncher | None = None

    def _get(self) -> SessionLauncher:
        if self._launcher is None:
            self._launcher = self._controller._launcher(self._cluster)
        return self._launcher

    def preflight(self, target: str | None = None, document: str | None = None) -> Any:
        return self._get().preflight(target, document)

    def open(self, target: str, **kw: Any) -> Any:
        return self._get().open(target, **kw)
