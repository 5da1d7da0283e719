"""The explorer's refreshes, for the main screen: one worker drives `tui.core.refresh`, the schedule decides
when the next one runs, and the header and problem banner say how the last one went.

The worker gets a frozen `RefreshInput` (copies of what the screen shows) and posts each event to the screen
as a message; the screen's handlers apply the data. This object only starts, times and reports refreshes.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.worker import get_current_worker

from tui.core.errors import Problem, classify
from tui.core.hma import HealthSources, HmaBooks
from tui.core.refresh import ExplorerApi, RefreshInput, RefreshSchedule, fetch_cluster, run_refresh, sweep_clusters
from tui.messages import RefreshFinished, message_for
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.widgets.banner import Banner
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui.core.refresh import RefreshEvent
    from tui.core.snapshot import NodeSnapshot
    from tui.screens.main import MainScreen

FIRST_PAINT_WAIT = 0.5  # seconds the first refresh waits for the clusters to be painted
# Seconds between two HMA sweeps of one cluster at least, whatever the refresh interval: FilterLogEvents has a
# small per-account rate quota that other tools share.
MIN_SWEEP_INTERVAL = 15.0


class RefreshController:
    # Moving the cursor over clusters fetches the one it rests on after this pause (not each one it passes).
    # Tests set it to 0.
    focus_fetch_delay = 0.15

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.app = hyperpod_app(screen)
        self.schedule = RefreshSchedule(self.app.settings.refresh)
        self.clusters_painted = threading.Event()  # set once the first clusters are on screen
        self.timer: Timer | None = None
        self._focus_timer: Timer | None = None
        self.hma_books = HmaBooks()  # every cluster's HMA signals, swept in the refresh worker (core/hma.py)
        self._health: HealthSources | None = None

    @property
    def health(self) -> HealthSources:
        """The node health sources a refresh reads: the HMA books and the live stream's node health events."""
        if self._health is None:
            stream = getattr(self.screen, "stream", None)
            slurm = getattr(self.screen, "slurm", None)
            self._health = HealthSources(
                self.hma_books,
                eventbridge=stream.health if stream is not None else None,
                slurm=slurm.signals if slurm is not None else None,
                interval=max(self.app.settings.refresh, MIN_SWEEP_INTERVAL),
                kube=self.screen.kube.books,
            )
        return self._health

    # --- the regular cycle -------------------------------------------------------------------------------

    def request(self) -> None:
        """Refresh now (the r key): at once, or once the running refresh ends."""
        if not self.schedule.request():
            return
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.start()

    def restart(self) -> None:
        """Refresh now whatever is running (the fleet changed: a refresh on the old facade is cancelled)."""
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.start()

    def start(self) -> None:
        screen = self.screen
        self.schedule.started()
        screen.header.busy = True
        given = RefreshInput(
            focus=screen.state.focus,
            first=self.schedule.first,
            started_at=self.app.clock(),
            snapshots=screen.state.snapshots_copy(),
            details=screen.state.details_copy(),
            wanted_cluster=self.app.settings.cluster,
            health=self.health,
        )
        run_in_thread(
            screen, lambda: self._drive(given), group="refresh", description="Refreshing clusters", exclusive=True
        )

    def _drive(self, given: RefreshInput) -> None:
        first = given.first
        if first:
            # At start-up a child process may already have listed the clusters (tui/core/prefetch.py): show
            # them first, and load botocore here only afterwards.
            prefetched = self.app.take_prefetched_clusters()
            if prefetched is not None:
                given = replace(given, prefetched=tuple(prefetched))
        events = run_refresh(
            given,
            lambda: self._api(first),
            self._classify,
            after_clusters=(lambda: self.clusters_painted.wait(FIRST_PAINT_WAIT)) if first else (lambda: None),
        )
        self._post_all(events, scheduled=True)

    def _post_all(self, events: Iterator[RefreshEvent], *, scheduled: bool) -> None:
        worker = get_current_worker()
        for event in events:
            if worker.is_cancelled:
                return
            self.screen.post_message(message_for(event, scheduled=scheduled))

    def _api(self, first: bool) -> ExplorerApi:
        app = self.app
        api = app.ensure_api()
        if first and (warning := api.region_warning()):
            app.call_from_thread(toast, app, warning, severity="warning", timeout=15)
        return api

    def _classify(self, exc: BaseException, operation: str) -> Problem:
        settings = self.app.settings
        return classify(exc, operation=operation, profile=settings.profile, endpoint=settings.endpoint_url or "")

    def finished(self, message: RefreshFinished) -> None:
        """A refresh (or a one-off cluster fetch) ended: report it, and schedule the next regular one."""
        screen = self.screen
        problem = message.problem
        header = screen.header
        delay = self.schedule.finished(problem, have_clusters=screen.state.has_clusters, scheduled=message.scheduled)
        if message.scheduled:
            header.busy = False
        banner = screen.query_one("#problem-banner", Banner)
        header.stale_reason = self.schedule.stale_reason
        header.stale_label = self.schedule.stale_label
        header.target = self.app.target_description  # a fleet names its stale members there
        if problem is None:
            header.refreshed_at = message.started_at
            banner.hide()
        elif problem.blocks_everything or not screen.state.has_clusters:
            interval = self.schedule.interval
            retry = f" Retrying every {interval:g}s." if interval else " Press r to retry."
            banner.show(f"✖ {problem.message}", f"{problem.hint}{retry}".strip())
        if delay == 0.0:
            self.start()
        elif delay is not None:
            self.timer = screen.set_timer(delay, self.start)

    def crashed(self) -> None:
        """The refresh worker died of a bug (the screen has reported it)."""
        self.schedule.abandoned()
        self.screen.header.busy = False

    # --- the focused cluster -----------------------------------------------------------------------------

    def focus_moved(self, name: str, snapshot: NodeSnapshot | None) -> None:
        """The user moved to cluster `name`: fetch it unless its listing is fresh (and its HMA records were swept
        within the sweep interval) or the first refresh is at it."""
        interval = self.app.settings.refresh or 30.0
        now = self.app.clock()
        swept = not self.health.books.book(name).due(now, self.health.interval)
        fresh = snapshot is not None and now - snapshot.fetched_at < interval and swept
        if fresh or (self.schedule.running and self.schedule.first):
            return
        if self._focus_timer is not None:
            self._focus_timer.stop()
            self._focus_timer = None
        if self.focus_fetch_delay <= 0:  # Textual's timers cannot be zero
            self.screen.call_later(self._fetch_if_current, name)
            return
        self._focus_timer = self.screen.set_timer(self.focus_fetch_delay, lambda: self._fetch_if_current(name))

    def sweep_unswept(self) -> int:
        """Sweep the HMA records of every listed cluster whose records were never swept (the refresh sweeps only
        the focused cluster), in one worker; rebuilt snapshots arrive as NodesListed. The number of clusters."""
        state, health = self.screen.state, self.health
        todo = []
        for name, snapshot in state.snapshots_copy().items():
            detail = state.detail_of(name)
            book = health.books.get(name)
            if detail is not None and (book is None or book.swept_at is None):
                todo.append((detail, snapshot))
        if not todo:
            return 0
        events = sweep_clusters(self.app.ensure_api, todo, health)
        run_in_thread(
            self.screen,
            lambda: self._post_all(events, scheduled=False),
            group="health-sweep",
            description="Sweeping health records",
            exclusive=True,
        )
        return len(todo)

    def _fetch_if_current(self, name: str) -> None:
        screen = self.screen
        if name != screen.state.focus:
            return
        previous = screen.state.snapshot_of(name)
        started = self.app.clock()
        events = fetch_cluster(name, previous, started, self.app.ensure_api, self._classify, self.health)
        run_in_thread(
            screen,
            lambda: self._post_all(events, scheduled=False),
            group="focus",
            description="Loading cluster",
            exclusive=True,
        )
