"""Starting the TUI: the API factory, the head start it gets before Textual loads, and the App.

A real (non-demo) run starts a child process that lists the clusters on another core while the UI loads
(`tui/core/prefetch.py`); where that cannot start, `EarlyApi` builds the facade in a thread instead. Either way
the main screen sees only `app.take_prefetched_clusters()` and `app.ensure_api()`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.backend import EarlyApi, is_fleet, make_api_factory
from tui.config import Settings
from tui.core import lifetime

if TYPE_CHECKING:
    from tui.app import HyperPodApp
    from tui.core.prefetch import ClusterPrefetch


@dataclass
class Launch:
    settings: Settings
    factory: Any
    simulator: Any
    prefetch: ClusterPrefetch | None

    def app(self) -> HyperPodApp:
        from tui.app import HyperPodApp

        clock = self.simulator.clock.now if self.simulator is not None else None
        return HyperPodApp(
            self.settings,
            self.factory,
            simulator=self.simulator,
            prefetch=self.prefetch,
            **({"clock": clock} if clock else {}),
        )

    def run(self) -> int:
        app = self.app()
        with ending_on_signals(app):
            app.run()
        lifetime.end_all()  # what the widgets' own teardown did not end (bounded)
        if app.crash_report is not None:
            print(
                f"hyperpod-tui stopped on an unexpected error; the crash report (no secrets) is {app.crash_report}",
                file=sys.stderr,
            )
        elif app.crash_report_problem:
            print(
                f"hyperpod-tui stopped on an unexpected error; no crash report: {app.crash_report_problem}",
                file=sys.stderr,
            )
        return app.return_code or 0


EXIT_DEADLINE = 1.8  # seconds from SIGHUP/SIGTERM to the process being gone, whatever the teardown is waiting on
_EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


@contextlib.contextmanager
def ending_on_signals(app: HyperPodApp) -> Iterator[None]:
    """While the App runs: SIGHUP (the terminal went away) and SIGTERM end it within EXIT_DEADLINE seconds.

    Python's default for both is to die on the spot, leaving the plugins on their ptys, the prefetch child and the
    SSM sessions behind. The handler starts ending those at once (core.lifetime: TerminateSession for each open
    session in parallel, SIGHUP to every child's process groups), asks the App to exit (128 + the signal), and
    arms a watchdog that ends the process at the deadline if the teardown is stuck (a hung-up terminal, a worker
    blocked on the network).
    """

    def on_signal(signum: int, _frame: object) -> None:
        started = time.monotonic()
        lifetime.begin_ending()
        code = 128 + signum

        def watchdog() -> None:
            lifetime.end_all(
                hang_up=False, session_seconds=max(0.0, EXIT_DEADLINE - 0.3 - (time.monotonic() - started))
            )
            remaining = EXIT_DEADLINE - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)
            os._exit(code)  # the App did not get out in time

        threading.Thread(target=watchdog, name="exit-watchdog", daemon=True).start()
        # From a thread: the handler interrupts the event loop, which must not be re-entered from here.
        threading.Thread(target=_exit_app, args=(app, code), name="exit-request", daemon=True).start()

    previous = {signum: signal.signal(signum, on_signal) for signum in _EXIT_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _exit_app(app: HyperPodApp, code: int) -> None:
    with contextlib.suppress(Exception):  # not running yet, or already gone: the watchdog ends the process
        app.call_from_thread(app.exit, None, code)


def prepare(settings: Settings) -> Launch:
    """Everything that can start before Textual is imported: call it as early as possible."""
    from tui.escape_key import lower_escape_delay

    lower_escape_delay()  # Textual reads ESCDELAY once, when it is imported
    factory, simulator = make_api_factory(settings)
    prefetch = None
    if is_fleet(settings):  # a fleet: no prefetch child (it lists one region); a head start instead
        return Launch(settings, EarlyApi(factory) if simulator is None else factory, simulator, None)
    if simulator is None:
        from tui.core.prefetch import ClusterPrefetch

        prefetch = ClusterPrefetch.start(
            profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url
        )
        if prefetch is None:
            factory = EarlyApi(factory)
    return Launch(settings, factory, simulator, prefetch)
