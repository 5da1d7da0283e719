"""Starting the TUI: the API factory, the head start it gets before Textual loads, and the App.

A real (non-demo) run starts a child process that lists the clusters on another core while the UI loads
(`tui/core/prefetch.py`); where that cannot start, `EarlyApi` builds the facade in a thread instead. Either way
the main screen sees only `app.take_prefetched_clusters()` and `app.ensure_api()`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.backend import EarlyApi, make_api_factory
from tui.config import Settings

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
        app.run()
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


def prepare(settings: Settings) -> Launch:
    """Everything that can start before Textual is imported: call it as early as possible."""
    from tui.escape_key import lower_escape_delay

    lower_escape_delay()  # Textual reads ESCDELAY once, when it is imported
    factory, simulator = make_api_factory(settings)
    prefetch = None
    if simulator is None:
        from tui.core.prefetch import ClusterPrefetch

        prefetch = ClusterPrefetch.start(
            profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url
        )
        if prefetch is None:
            factory = EarlyApi(factory)
    return Launch(settings, factory, simulator, prefetch)
