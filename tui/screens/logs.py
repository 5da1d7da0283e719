"""`l`: a node's lifecycle-script log (or its health-monitoring agent's), found, fetched page by page, followed.

Top to bottom: who (cluster › group › instance), where (log group, stream, how it was found), why it failed (the
line `e` jumps to), the `LogView` (its first row is the timeline strip), a notice in its place when there is no
log, a status line, the footer. Every AWS call runs in a thread worker; results come back as messages tagged with
a generation, so a reply for a stream the user has since left is dropped. Follow polls run on a timer while the
screen is open and following was ever switched on (off by a scroll, the poll keeps counting "N new lines").
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from tui.core.errors import classify
from tui.core.explorer import ExplorerState
from tui.core.log_document import LogDocument
from tui.core.log_locator import LogLocator, LogResolution
from tui.core.log_stream import FollowResult, LogEvent, LogFollower, LogsError, iter_log_pages
from tui.core.log_target import LogTarget
from tui.core.sanitize import clean
from tui.screens._log_text import (
    StatusFacts,
    attempts_text,
    cause_text,
    notice_text,
    status_text,
    title_text,
    where_text,
)
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.widgets.key_footer import StockFooter
from tui.widgets.log_view import LogView, default_save_path

FOLLOW_INTERVAL = 2.5  # seconds between follow polls (CloudWatch allows 10 GetLogEvents a second per account)
LIFECYCLE, HEALTH = "lifecycle", "health"


@dataclass
class Resolved(Message):
    generation: int
    mode: str
    resolution: LogResolution


@dataclass
class PageArrived(Message):
    generation: int
    events: tuple[LogEvent, ...]
    number: int
    stopped: str = ""


@dataclass
class LoadFinished(Message):
    generation: int
    follower: LogFollower


@dataclass
class LoadFailed(Message):
    generation: int
    error: str


@dataclass
class Polled(Message):
    generation: int
    follower: LogFollower
    result: FollowResult


class LogScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="log-back", tooltip="Back to the panes"),
        Binding(
            "h",
            "toggle_health",
            "Health agent",
            id="log-health",
            tooltip="Switch between the lifecycle log and the node's health-monitoring agent log",
        ),
        Binding(
            "c",
            "next_stream",
            "Next script",
            id="log-next-stream",
            tooltip="Next script stream, when the log is split per script (<instance>/<script>)",
        ),
        Binding("r", "reload", "Reload", id="log-reload", show=False, tooltip="Find and fetch the log again"),
        Binding(
            "a",
            "toggle_attempts",
            "Attempts",
            id="log-attempts",
            show=False,
            tooltip="Show one row per attempt, or one line for all (a stream the scripts ran in several times)",
        ),
    ]
    DEFAULT_CSS = """
    LogScreen { layout: vertical; }
    LogScreen > #log-title { height: 1; padding: 0 1; background: $panel; }
    LogScreen > #log-where { height: auto; max-height: 3; padding: 0 1; background: $panel; color: $foreground; }
    LogScreen.-short > #log-where { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    LogScreen > #log-cause {
        height: 1; padding: 0 1; background: $panel; color: $log-marker-failure; display: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    LogScreen > #log-attempts {
        height: auto; padding: 0 1; background: $panel; color: $foreground; display: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    LogScreen > #log-notice {
        height: auto; margin: 1 1; padding: 0 1; border: round $log-marker-warning; display: none;
    }
    LogScreen > #log-notice.-error { border: round $log-marker-failure; }
    LogScreen > LogView { height: 1fr; }
    LogScreen > #log-status { height: 1; padding: 0 1; background: $panel; color: $foreground; }
    """

    follow_interval: ClassVar[float] = FOLLOW_INTERVAL
    # Below this many rows the attempts strip is one line (`a` shows a row per attempt); above, a row each.
    ATTEMPT_ROWS_FROM_HEIGHT: ClassVar[int] = 32

    def __init__(self, target: LogTarget) -> None:
        super().__init__()
        self.target = target
        self.mode = LIFECYCLE
        self.resolutions: dict[str, LogResolution] = {}
        self.stream_index: dict[str, int] = {LIFECYCLE: 0, HEALTH: 0}
        self.generation = 0
        self.follower: LogFollower | None = None
        self.facts = StatusFacts(interval=self.follow_interval)
        self._cache: dict[tuple[str, str], tuple[LogDocument, LogFollower]] = {}  # (mode, stream) → a finished load
        self._loading_worker: Worker[None] | None = None
        self._polling = False
        self._timer: Timer | None = None
        # Set when the screen goes: every read of this screen asks it before each request, so a worker thread
        # that Textual cannot kill still makes no call after the screen is gone.
        self._gone = threading.Event()
        self._next_poll_at = 0.0  # monotonic time before which the timer does not poll (throttle backoff)
        self.attempts_expanded: bool | None = None  # None: by the terminal's height; `a` decides otherwise
        self.current_attempt = 0

    # -- composition ----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="log-title")
        yield Static(id="log-where")
        yield Static(id="log-cause")
        yield Static(id="log-attempts")
        yield Static(id="log-notice")
        matcher = getattr(self.app, "marker_matcher", None)
        view = LogView(matcher=matcher, id="log-view", clock=getattr(self.app, "clock", None))
        view.live = self.target.provisioning
        yield view
        yield Static(id="log-status")
        yield StockFooter()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    @property
    def resolution(self) -> LogResolution | None:
        return self.resolutions.get(self.mode)

    @property
    def stream(self) -> str | None:
        resolution = self.resolution
        if resolution is None or not resolution.found:
            return None
        return resolution.streams[self.stream_index[self.mode] % len(resolution.streams)]

    def on_mount(self) -> None:
        self.view.focus()
        self._timer = self.set_interval(self.follow_interval, self._tick)
        self._open()

    def on_unmount(self) -> None:
        self._gone.set()
        if self._timer is not None:
            self._timer.stop()
        self.workers.cancel_node(self)

    # -- opening a log ----------------------------------------------------------------------------------------

    def _open(self) -> None:
        """Show the current mode's stream: from the cache, or resolve (if needed) and fetch it in a worker."""
        self.generation += 1
        self.follower = None
        self._polling = False
        view = self.view
        view.save_path = default_save_path(self.target.cluster_name, self.target.instance_id or "failure", self.mode)
        stream = self.stream
        cached = self._cache.get((self.mode, stream)) if stream else None
        self.facts.problem = ""
        self.facts.watching = False
        view.follow = False
        if cached is not None:
            document, self.follower = cached
            view.set_document(document)
            self.facts.loading = False
            self._follow_if_live()
        else:
            view.load([])
            self.facts.loading, self.facts.pages = True, 0
            self._start_load()
        self._show_resolution()

    def _start_load(self, *, resolve: bool = False) -> None:
        known = None if resolve or self.resolution is None or not self.resolution.found else self.resolution
        self._loading_worker = self._load(
            self.generation, self.mode, known, self.stream_index[self.mode], self._lifecycle_group()
        )

    def _follow_if_live(self) -> None:
        """A log that is still being written (a provisioning node, a script still running) opens following."""
        view = self.view
        if view.follow or self.target.provisioning or view.document.timeline.outcome == "running":
            self.facts.watching = True
            view.follow = True

    def _lifecycle_group(self) -> str | None:
        lifecycle = self.resolutions.get(LIFECYCLE)
        return lifecycle.group if lifecycle is not None and lifecycle.found else None

    @work(thread=True, exclusive=True, group="log-load", exit_on_error=False, description="Loading the log")
    def _load(self, generation: int, mode: str, known: LogResolution | None, index: int, group: str | None) -> None:
        worker = get_current_worker()
        target = self.target
        closed = self._gone

        def should_stop() -> bool:
            return closed.is_set() or worker.is_cancelled

        try:
            # The cluster's own region and credentials (a fleet routes by key), and its log group's real name.
            api, cluster_name = hyperpod_app(self).ensure_api().resolve(target.cluster_name)
            client = api.client("logs")
            resolution = known
            if resolution is None:
                locator = LogLocator(client, cluster_name, target.cluster_arn, should_stop=should_stop)
                if mode == HEALTH and target.instance_id:
                    resolution = locator.health_monitor(target.instance_id, target.instance_group, group=group)
                else:
                    resolution = locator.lifecycle(target.instance_id, target.instance_group, target.failure_messages)
                if should_stop():
                    return
                self.post_message(Resolved(generation, mode, resolution))
            if not resolution.found or resolution.group is None:
                return
            stream = resolution.streams[index % len(resolution.streams)]
            token = None
            for page in iter_log_pages(client, resolution.group, stream, should_stop=should_stop):
                if should_stop():
                    return
                token = page.next_token
                self.post_message(PageArrived(generation, page.events, page.number, page.stopped))
            if should_stop():
                return
            self.post_message(LoadFinished(generation, LogFollower(client, resolution.group, stream, token)))
        except LogsError as error:
            self.post_message(LoadFailed(generation, str(error)))
        except Exception as error:  # noqa: BLE001 - no traceback on screen: a one-line problem instead
            self.post_message(LoadFailed(generation, classify(error, operation="GetLogEvents").one_line()))

    @on(Resolved)
    def _on_resolved(self, message: Resolved) -> None:
        if message.generation != self.generation:
            return
        self.resolutions[message.mode] = message.resolution
        self.facts.loading = message.resolution.found
        self._show_resolution()
        self.refresh_bindings()

    @on(PageArrived)
    def _on_page(self, message: PageArrived) -> None:
        if message.generation != self.generation:
            return
        if message.number == 1:
            self.view.load(message.events)
        else:
            self.view.append_events(message.events, new=False)
        self.facts.pages = message.number
        self.facts.stopped = message.stopped
        self._update_status()

    @on(LoadFinished)
    def _on_load_finished(self, message: LoadFinished) -> None:
        if message.generation != self.generation:
            return
        self.follower = message.follower
        self.facts.loading = False
        self._cache[(self.mode, message.follower.stream)] = (self.view.document, message.follower)
        self._follow_if_live()
        self._update_status()

    @on(LoadFailed)
    def _on_load_failed(self, message: LoadFailed) -> None:
        if message.generation != self.generation:
            return
        self.facts.loading = False
        if len(self.view.document):  # keep what arrived; say what stopped the rest
            self.facts.problem = message.error
            toast(self, f"Log incomplete: {clean(message.error, max_len=500)}", severity="error", timeout=10)
            self._update_status()
        else:
            self._show_notice(notice_text(self.resolution, self.mode, error=message.error), error=True)
            self._update_status()  # no longer "loading…"

    def sync_node_status(self) -> None:
        """Keep the title's node status current: the main screen goes on listing nodes while the log is open."""
        target = self.target
        if not target.instance_id:
            return
        status = None
        for screen in self.app.screen_stack:
            state = getattr(screen, "state", None)
            if isinstance(state, ExplorerState):
                status = state.node_status(target.cluster_name, target.instance_id)
                break
        if status is None:
            return
        status = status or "no longer listed"
        if status != target.node_status:
            self.target = replace(target, node_status=status)
            self.query_one("#log-title", Static).update(title_text(self.target, self.mode))

    # -- showing ----------------------------------------------------------------------------------------------

    def _show_resolution(self) -> None:
        self.query_one("#log-title", Static).update(title_text(self.target, self.mode))
        self.query_one("#log-where", Static).update(where_text(self.resolution, self.stream_index[self.mode]))
        resolution = self.resolution
        if resolution is not None and not resolution.found:
            notice = notice_text(resolution, self.mode, waiting=self._waiting_for_log, interval=self.follow_interval)
            self._show_notice(notice, error=resolution.error is not None)
        else:
            self._hide_notice()
        self._update_cause()
        self._update_status()

    def _show_notice(self, text: Text, *, error: bool) -> None:
        notice = self.query_one("#log-notice", Static)
        notice.update(text)
        notice.set_class(error, "-error")
        notice.display = True
        self.view.display = False
        self.query_one("#log-cause").display = False
        self.query_one("#log-attempts").display = False

    def _hide_notice(self) -> None:
        self.query_one("#log-notice").display = False
        view = self.view
        if not view.display:
            view.display = True
            view.focus()

    def _update_cause(self) -> None:
        cause = self.query_one("#log-cause", Static)
        text = cause_text(self.view.document.timeline) if self.view.display else None
        cause.display = text is not None
        if text is not None:
            cause.update(text)
        self._update_attempts()

    @property
    def attempts_shown_expanded(self) -> bool:
        if self.attempts_expanded is not None:
            return self.attempts_expanded
        return self.size.height >= self.ATTEMPT_ROWS_FROM_HEIGHT

    def _update_attempts(self) -> None:
        """One row per attempt (start, duration, outcome, last step, cause), or one line when the screen is
        small, so the log keeps its rows; shown only when the stream holds several attempts."""
        strip = self.query_one("#log-attempts", Static)
        view = self.view
        timeline = view.document.timeline
        several = view.display and len(timeline.attempts) > 1
        strip.display = several
        if not several:
            return
        clock = getattr(self.app, "clock", None)
        now_ms = int(clock() * 1000) if clock is not None else None
        rows = max(1, min(8, self.size.height - 18))
        current = self.current_attempt or len(timeline.attempts)
        strip.update(
            attempts_text(
                timeline, current, expanded=self.attempts_shown_expanded, rows=rows, now_ms=now_ms, tz=view.tz
            )
        )

    def _update_status(self) -> None:
        self.facts.lines = len(self.view.document)
        self.facts.dropped = self.view.document.dropped
        self.query_one("#log-status", Static).update(status_text(self.facts))

    @property
    def _waiting_for_log(self) -> bool:
        resolution = self.resolution
        return self.mode == LIFECYCLE and self.target.provisioning and resolution is not None and not resolution.found

    # -- the view's messages ----------------------------------------------------------------------------------

    @on(LogView.TimelineChanged)
    def _on_timeline(self, message: LogView.TimelineChanged) -> None:
        self._update_cause()

    @on(LogView.AttemptChanged)
    def _on_attempt(self, message: LogView.AttemptChanged) -> None:
        self.current_attempt = message.attempt
        self.facts.attempt, self.facts.attempts = message.attempt, message.count
        self._update_attempts()
        self._update_status()
        self.refresh_bindings()

    def on_resize(self) -> None:
        self.set_class(self.size.height < self.ATTEMPT_ROWS_FROM_HEIGHT, "-short")  # the log keeps the rows
        self._update_attempts()

    @on(LogView.FollowChanged)
    def _on_follow(self, message: LogView.FollowChanged) -> None:
        self.facts.follow = message.follow
        if message.follow:
            self.facts.watching = True
        self._update_status()

    @on(LogView.PendingChanged)
    def _on_pending(self, message: LogView.PendingChanged) -> None:
        self.facts.pending = message.count
        self._update_status()

    @on(LogView.SearchChanged)
    def _on_search(self, message: LogView.SearchChanged) -> None:
        self.facts.term, self.facts.matches, self.facts.current = message.term, message.matches, message.current
        self._update_status()

    @on(LogView.Loaded)
    def _on_loaded(self, message: LogView.Loaded) -> None:
        self._update_status()

    # -- follow -------------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.sync_node_status()
        view = self.view
        if view.live or view.document.timeline.outcome == "running":  # the elapsed time in the header moves
            view.refresh_header()
        if time.monotonic() < self._next_poll_at:
            return  # throttled: the polls are spaced out (core.log_stream.follow_delay)
        if self._waiting_for_log or self.facts.watching:
            self.poll_now()

    def poll_now(self) -> Worker[None] | None:
        """One follow step, as the timer takes it (tests call it to step without waiting): look again for a log
        that does not exist yet, or fetch what was appended since the last poll. None when one is under way."""
        if self._waiting_for_log:
            if self._loading_worker is not None and not self._loading_worker.is_finished:
                return None
            self._start_load(resolve=True)  # the notice stays until the answer arrives
            return self._loading_worker
        if self.follower is None or self._polling or self.facts.loading:
            return None
        self._polling = True
        return self._poll(self.generation, self.follower)

    @work(thread=True, group="log-poll", exit_on_error=False, description="Following the log")
    def _poll(self, generation: int, follower: LogFollower) -> None:
        worker, closed = get_current_worker(), self._gone

        def should_stop() -> bool:
            return closed.is_set() or worker.is_cancelled

        try:
            result = follower.poll(should_stop)  # AWS failures come back in result.error
        except Exception as error:  # noqa: BLE001 - anything else too: the poll must go on
            result = FollowResult((), follower.token, LogsError(classify(error, operation="GetLogEvents").one_line()))
        if not should_stop():
            self.post_message(Polled(generation, follower, result))

    @on(Polled)
    def _on_polled(self, message: Polled) -> None:
        if message.generation != self.generation:
            # The user switched streams while this poll ran: its follower has moved on, so the lines belong in the
            # cached document it follows, or they would be skipped when the user comes back.
            for document, follower in self._cache.values():
                if follower is message.follower and message.result.events:
                    document.append(message.result.events)
            return
        self._polling = False
        result = message.result
        self._next_poll_at = time.monotonic() + message.follower.next_delay(self.follow_interval) - self.follow_interval
        if result.events:
            self.view.append_events(list(result.events))
        self.facts.stopped = f"follow: {result.stopped}" if result.stopped else ""
        self.facts.problem = f"follow: {result.error}" if result.error is not None else ""
        self._update_status()

    # -- actions ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_health":
            return bool(self.target.instance_id)
        if action == "toggle_attempts":
            return len(self.view.document.timeline.attempts) > 1
        if action == "next_stream":
            resolution = self.resolution
            return resolution is not None and len(resolution.streams) > 1
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_toggle_health(self) -> None:
        if not self.target.instance_id:
            return
        self.mode = HEALTH if self.mode == LIFECYCLE else LIFECYCLE
        self._open()
        self.refresh_bindings()

    def action_next_stream(self) -> None:
        resolution = self.resolution
        if resolution is None or len(resolution.streams) < 2:
            return
        self.stream_index[self.mode] = (self.stream_index[self.mode] + 1) % len(resolution.streams)
        self._open()

    def action_toggle_attempts(self) -> None:
        self.attempts_expanded = not self.attempts_shown_expanded
        self._update_attempts()

    def action_reload(self) -> None:
        self.resolutions.pop(self.mode, None)
        self._cache = {key: value for key, value in self._cache.items() if key[0] != self.mode}
        self._open()
