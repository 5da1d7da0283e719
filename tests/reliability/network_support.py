"""The simulator over real HTTP in a thread of the test process, and the pieces the network tests share."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import botocore.session

from tui.core.aws import HyperPodApi
from tui.sim import SimClock, Simulator
from tui.sim.server import SimServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextlib.contextmanager
def served(sim: Simulator | None = None) -> Iterator[SimServer]:
    """`sim` answering HTTP on 127.0.0.1 (its faults can be switched while it runs)."""
    sim = sim or Simulator("demo", clock=SimClock.frozen(at=1_795_176_000.0), seed=7)
    server = SimServer(sim)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        sim.faults.responses.clear()
        server.shutdown()
        server.server_close()


def http_api(url: str) -> HyperPodApi:
    """The production facade (botocore Session, the app's client config) pointed at `url`."""
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    core.set_config_variable("region", "us-west-2")
    core.set_credentials("T", "T")
    return HyperPodApi(core, endpoint_url=url)


def subprocess_env(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.startswith("HYPERPOD_TUI_")
    }
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_DEFAULT_REGION": "us-west-2",
            "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHONPATH": ROOT,
            "TERM": "xterm-256color",
        }
    )
    return env
