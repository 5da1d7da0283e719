"""Kubernetes' view of the shown EKS cluster, for the main screen: the K8S column's listing at its own slower pace,
and the EKS branch of the nodes pane's `K` key (cordon, uncordon, reboot or replace by label).

The listing (core/kube.py) runs in one exclusive worker, never two at once, at most every KUBE_INTERVAL seconds
for the focused cluster when it is EKS-orchestrated; its view goes into `books` (core/kube_book.py), which every
API listing reads, and the focused snapshot is rebuilt with it at once (only rows whose K8S or HEALTH cell changed
are in the diff). Without access the reason is said once (a toast) and stays in the nodes pane's subtitle.

The actions go plan (core/kube_actions.py) → menu → confirmation → worker (journalled write-ahead) → results,
like R / P / D. The seam with the Slurm branch of `K` (i16-slurm): MainScreen's handler of
`NodeTable.SchedulerActionRequested` calls `self.kube.request(...)` for an EKS cluster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import ModalScreen

# The kube modules (and the client itself) load on first use, not at start-up: most sessions see no EKS cluster.
from tui.core.kube_book import KUBE_INTERVAL, KubeBooks
from tui.core.snapshot import HEALTH_REBUILD_STEP, build_snapshot
from tui.core.wording import plural
from tui.messages import NodesListed
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.core.kube_actions import KubeOutcome, KubePlan, KubeResult
    from tui.core.models import ClusterDetail
    from tui.core.snapshot import NodeSnapshot
    from tui.screens.main import MainScreen

TICK = 5.0  # seconds between two looks at whether the focused EKS cluster's view is due


@dataclass
class KubeViewed(Message):
    """A Kubernetes listing ended (its view or its problem is in the books)."""

    cluster: str
    problem: str
    first_time: bool  # the first time this problem was recorded: say it


@dataclass
class KubeNodeDone(Message):
    outcome: KubeOutcome


@dataclass
class KubeActionsFinished(Message):
    result: KubeResult | None
    error: str = ""


class KubeController:
    """`menu`, `confirm` and `results` make its three dialogs (screens/kube.py)."""

    def __init__(
        self,
        screen: MainScreen,
        *,
        menu: Callable[[int, str], ModalScreen[str | None]],
        confirm: Callable[[KubePlan], ModalScreen[bool]],
        results: Callable[[KubePlan], Any],
    ) -> None:
        self.screen = screen
        self._menu, self._confirm_screen, self._results_screen = menu, confirm, results
        self.app = hyperpod_app(screen)
        self.books = KubeBooks()
        self.running = False  # a listing is under way (never two at once)
        self.acting: KubePlan | None = None
        self.results: Any = None
        self._clients: dict[tuple[str, str], Any] = {}  # (kubeconfig paths, context) → ApiClient (worker threads)
        self._contexts: dict[str, str] = {}  # cluster → the context its last listing used

    # --- the listing ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self.screen.set_interval(TICK, self.tick)

    def tick(self, *, force: bool = False) -> None:
        """List the focused cluster's Kubernetes nodes when it is EKS-orchestrated and its view is due."""
        state = self.screen.state
        detail = state.focus_detail
        if detail is None or detail.orchestrator != "EKS" or self.running or not self.app.settings.kube:
            return
        if not force and not self.books.due(detail.name, self.app.clock(), KUBE_INTERVAL):
            return
        self.running = True
        run_in_thread(self.screen, lambda: self._list(detail), group="kube", description="Listing Kubernetes nodes")

    def _kubeconfig(self) -> list[Path]:
        from tui.core.kube import kubeconfig_paths

        settings = self.app.settings
        explicit = settings.kubeconfig
        if explicit is None and settings.demo and self.app.simulator is not None:
            from tui.backend import demo_kubeconfig

            explicit = demo_kubeconfig(self.app.simulator)
        return kubeconfig_paths(explicit)

    def client_for(self, detail: ClusterDetail) -> tuple[Any, str]:
        """Worker thread: the ApiClient for the cluster's EKS cluster and its context's name (cached)."""
        from tui.core.kube import api_client, match_context, read_contexts

        paths = self._kubeconfig()
        contexts = read_contexts(paths)
        context = match_context(contexts, detail.eks_cluster_arn, self.app.settings.kube_context)
        key = (os.pathsep.join(str(p) for p in paths), context.name)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = api_client(context, paths)
        return client, context.name

    def _list(self, detail: ClusterDetail) -> None:
        from tui.core.kube import KubeUnavailable, list_nodes

        now = self.app.clock()
        first_view = self.books.get(detail.name).view is None
        problem = ""
        try:
            if not detail.eks_cluster_arn:
                raise KubeUnavailable("the cluster names no EKS cluster (Orchestrator.Eks.ClusterArn)")
            client, context = self.client_for(detail)
            view = list_nodes(client, context, now=now)
        except KubeUnavailable as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug or an unforeseen client error: the column says so, once
            problem = f"Kubernetes: {type(exc).__name__}"
        else:
            self._contexts[detail.name] = context
            self.books.viewed(detail.name, view, now)
        say = self.books.failed(detail.name, problem, now) if problem else False
        try:
            self._rebuild(detail, quiet=first_view)
        except Exception:  # noqa: BLE001 - the next API listing paints the view anyway
            pass
        # Last: its handler lets the next listing start, so two never overlap.
        self.screen.post_message(KubeViewed(detail.name, problem, say))

    def _rebuild(self, detail: ClusterDetail, *, quiet: bool) -> None:
        """Worker thread: the cluster's snapshot again with the new view (its K8S cells and health signals). The
        first view's cells are not flashed (`quiet`): they are no change the user could have seen happen."""
        snapshot = self.screen.state.snapshot_of(detail.name)
        if snapshot is None:
            return
        health = self.screen.refreshes.health
        fetched_at = snapshot.fetched_at + HEALTH_REBUILD_STEP
        rebuilt = build_snapshot(
            snapshot.cluster, list(snapshot.nodes.values()), snapshot, fetched_at, health.context(detail, fetched_at)
        )
        rebuilt = replace(rebuilt, operations=snapshot.operations)
        if quiet:
            rebuilt = replace(rebuilt, quiet=frozenset(rebuilt.diff.changed))
        self.screen.post_message(NodesListed(rebuilt))

    def snapshot_taken(self, snapshot: NodeSnapshot) -> None:
        """A snapshot of `snapshot.cluster` is now shown: when it was built before the current Kubernetes view (the
        health sweep rebuilds the same listing in parallel, and the newer of two wins), rebuild it with the view."""
        state = self.books.get(snapshot.cluster)
        if state.view is None or snapshot.kube_cells is state.cells or self.running:
            return
        detail = self.screen.state.detail_of(snapshot.cluster)
        if detail is None:
            return
        run_in_thread(
            self.screen,
            lambda: self._rebuild(detail, quiet=True),
            group="kube-rebuild",
            description="Showing Kubernetes nodes",
            exclusive=True,
        )

    def viewed(self, message: KubeViewed) -> None:
        self.running = False
        if message.problem and message.first_time:
            toast(self.screen, f"K8S column of {message.cluster}: {message.problem}", severity="warning", timeout=8)
        self.screen.panes.update_titles()

    def subtitle(self, cluster: str | None) -> str:
        """The nodes pane's note: why the shown EKS cluster has no Kubernetes view ("" when it has one)."""
        if cluster is None:
            return ""
        problem = self.books.get(cluster).problem
        return f"K8S: {problem}" if problem else ""

    # --- actions (K on an EKS cluster) -----------------------------------------------------------------------

    def request(self, node_ids: Sequence[str], hidden: int) -> None:
        """The menu of Kubernetes actions on `node_ids` of the focused EKS cluster."""
        screen = self.screen
        settings = self.app.settings
        if settings.read_only:
            toast(screen, "Read-only mode (--read-only): Kubernetes actions are disabled.", severity="warning")
            return
        if self.acting is not None:
            toast(screen, "A Kubernetes action is still running; wait for its results first.", severity="warning")
            return
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        if detail is None or snapshot is None:
            toast(screen, "The cluster's nodes are still loading.", severity="warning")
            return
        if detail.orchestrator != "EKS":
            toast(screen, "Kubernetes actions are for EKS-orchestrated clusters.", severity="warning")
            return
        if not settings.kube:
            toast(screen, "The Kubernetes view is off (--no-kube).", severity="warning")
            return
        nodes = [snapshot.nodes[key] for key in node_ids if key in snapshot.nodes]
        if not nodes:
            toast(screen, "Nothing to act on: mark nodes with space, or highlight one.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name:
                self._confirm(name, detail, nodes, hidden)

        screen.app.push_screen(self._menu(len(nodes), detail.node_recovery), callback=chosen)

    def _confirm(self, name: str, detail: ClusterDetail, nodes: list[Any], hidden: int) -> None:
        from tui.core.kube_actions import KUBE_ACTIONS, plan_kube_action

        settings = self.app.settings
        state = self.books.get(detail.name)
        plan = plan_kube_action(
            KUBE_ACTIONS[name],
            detail,
            nodes,
            state.view.nodes if state.view is not None else None,
            context=self._contexts.get(detail.name, ""),
            read_only=settings.read_only,
            dry_run=settings.dry_run,
            hidden_by_filter=hidden,
        )
        self.screen.app.push_screen(self._confirm_screen(plan), callback=lambda ok: self._confirmed(plan, detail, ok))

    def _confirmed(self, plan: KubePlan, detail: ClusterDetail, confirmed: bool | None) -> None:
        if not confirmed or plan.refused:
            if not plan.refused:
                toast(self.screen, f"{plan.kind.verb} cancelled: nothing was sent.", timeout=4)
            return
        self.acting = plan
        self.results = self._results_screen(plan)
        self.screen.app.push_screen(self.results)
        run_in_thread(self.screen, lambda: self._run(plan, detail), group="kube-actions", description="Patch nodes")

    def _run(self, plan: KubePlan, detail: ClusterDetail) -> None:
        from tui.core.journal import Journal, default_journal_path
        from tui.core.kube import patch_node
        from tui.core.kube_actions import run_kube_plan

        screen, app = self.screen, self.app
        try:
            client = None if plan.dry_run else self.client_for(detail)[0]
            settings = app.settings
            where = {"demo": True} if settings.demo else {"profile": settings.profile, "region": settings.region}
            result = run_kube_plan(
                plan,
                None if client is None else (lambda name, body: patch_node(client, name, body)),
                Journal(default_journal_path(demo=app.settings.demo)),
                where,
                clock=app.clock,
                on_node=lambda outcome: _post(screen, KubeNodeDone(outcome)),
            )
        except Exception as exc:  # noqa: BLE001 - no client (the kubeconfig changed meanwhile) or a bug: say so
            screen.post_message(KubeActionsFinished(None, f"{type(exc).__name__}: {exc}"))
            return
        screen.post_message(KubeActionsFinished(result))

    def node_done(self, message: KubeNodeDone) -> None:
        if self.results is not None:
            self.results.add(message.outcome)

    def finished(self, message: KubeActionsFinished) -> None:
        screen, results, result = self.screen, self.results, message.result
        plan = self.acting
        self.acting = self.results = None
        if result is None:
            if results is not None:
                results.stopped(message.error)
            toast(screen, f"The Kubernetes action stopped: {message.error}", severity="error", timeout=15)
            return
        if results is not None:
            results.finish(result)
        if result.journal_error:
            toast(screen, f"Journal not written: {result.journal_error}.", severity="error", timeout=20)
        done = [o.target.instance_id for o in result.of("Successful")]
        if plan is not None:
            screen.nodes_table.unmark(plan.cluster, done)
            if not plan.dry_run and results is None:
                toast(screen, f"{plan.kind.verb}: {plural(len(done), 'node')} patched.", timeout=6)
        self.tick(force=True)  # the column shows the new state at once


def _post(screen: MainScreen, message: Message) -> None:
    screen.post_message(message)


__all__ = ["KubeActionsFinished", "KubeController", "KubeNodeDone", "KubeViewed"]
