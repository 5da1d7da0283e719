"""`b`: the focused cluster in the AWS console, in the user's browser, or copied with the URL shown."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from tui.core import clipboard
from tui.core.console import console_url, open_in_browser, region_of_arn
from tui.core.environment import aws_region
from tui.text import toast
from tui.typed_app import hyperpod_app
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class ConsoleController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def url_for(self, cluster: str) -> str | None:
        summary = self.screen.state.clusters.get(cluster)
        if summary is None:
            return None
        region = region_of_arn(summary.arn) or aws_region(hyperpod_app(self.screen).settings.region)
        name = summary.name.split("@", 1)[0]  # a fleet's key is name@region (core/fleet.py)
        return console_url(region, name) if region else None

    def open(self, cluster: str | None) -> None:
        url = self.url_for(cluster) if cluster else None
        if url is None:
            toast(self.screen, "No cluster with a known region is selected.", severity="warning")
            return
        run_in_thread(self.screen, lambda: self._open(url), group="console", description="Opening the console")

    def _open(self, url: str) -> None:
        app = hyperpod_app(self.screen)
        demo = " (Demo: the cluster is simulated, so the page will not find it.)" if app.settings.demo else ""
        if open_in_browser(url, os.environ):
            toast(app, f"Opened in the browser: {url}{demo}", title="AWS console")
            return
        how = clipboard.copy_for_user(url, lambda text: app.call_from_thread(app.copy_to_clipboard, text))
        toast(app, f"No browser here; copied {how}: {url}{demo}", title="AWS console", timeout=15)
