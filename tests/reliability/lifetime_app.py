"""The real app in a process of its own, for tests/reliability/test_lifetime.py: `python -m
tests.reliability.lifetime_app ENDPOINT PLUGIN READY` runs hyperpod-tui against ENDPOINT (the simulator served over
HTTP) with PLUGIN as the session-manager-plugin, opens an embedded shell on the first Running node, and writes
READY (JSON: its pid, the plugin's pid, the session id) once the plugin runs. Then it waits for the test."""

from __future__ import annotations

import json
import os
import sys

from tui.app import HyperPodApp
from tui.config import Settings
from tui.startup import prepare


def main(endpoint: str, plugin: str, ready: str) -> int:
    settings = Settings(endpoint_url=endpoint, region="us-west-2", ssm_plugin=plugin, refresh=0.0)
    launch = prepare(settings)  # a real (non-demo) start: the prefetch child lists the clusters
    mounted = HyperPodApp.on_mount

    def on_mount(app: HyperPodApp) -> None:
        mounted(app)
        state: dict = {}

        async def step() -> None:
            main_screen = app.screen
            if state.get("done") or not hasattr(main_screen, "shells"):
                return
            tabs = main_screen.shells.tabs
            if tabs is not None and tabs.active is not None and tabs.active.pane is not None:
                pane, session = tabs.active.pane, tabs.active.session
                if pane.running and pane.pid and session is not None:
                    state["done"] = True
                    record = {"pid": os.getpid(), "plugin": pane.pid, "session": session.session_id}
                    with open(ready + ".part", "w") as handle:
                        json.dump(record, handle)
                    os.replace(ready + ".part", ready)
                return
            if state.get("opening"):
                return
            snapshot = main_screen.state.focus_snapshot
            running = sorted(
                n.instance_id for n in (snapshot.nodes.values() if snapshot else ()) if n.status == "Running"
            )
            if running:
                state["opening"] = True
                main_screen.jump_to_node(running[0])
                await main_screen.shells.open_embedded(running[0])

        app.set_interval(0.2, step)

    HyperPodApp.on_mount = on_mount  # type: ignore[method-assign]
    return launch.run()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
