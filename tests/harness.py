"""Build the real app against an in-process simulator with a frozen clock, and wait for it to settle."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import boto3
from textual.worker import WorkerCancelled

from tui.app import HyperPodApp
from tui.backend import demo_api
from tui.config import Settings
from tui.sim import SimClock, Simulator

# 2026-11-20 12:00:00 UTC: fixed so ages and times in snapshots never change.
FROZEN_AT = 1_795_176_000.0


def make_app(scenario: str = "demo", *, sim: Simulator | None = None, **settings: Any) -> HyperPodApp:
    sim = sim or Simulator(scenario=scenario, clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    # kube: the Kubernetes view (a stand-in API server per app) only where a test asks for it (tests/app/test_kube.py)
    values = {"demo": True, "demo_scenario": scenario, "refresh": 0.0, "kube": False, **settings}
    return HyperPodApp(Settings(**values), lambda: demo_api(sim), clock=sim.clock.now, simulator=sim)


def make_fleet_app(regions: tuple[str, ...] = ("us-west-2", "us-east-1"), scenario: str = "demo", **settings: Any):
    """The app over a --demo fleet of `regions` (one simulated world each, seeded apart, one frozen clock);
    returns (app, {region: simulator})."""
    from tui.backend import DemoFleet
    from tui.core.fleet import Member

    clock = SimClock.frozen(at=FROZEN_AT)
    sims = {
        Member(None, region): Simulator(scenario=scenario, clock=clock, seed=7 + index, region=region)
        for index, region in enumerate(regions)
    }
    values = {"demo": True, "demo_scenario": scenario, "refresh": 0.0, "region": ",".join(regions), "kube": False}
    values.update(settings)
    first = next(iter(sims.values()))
    app = HyperPodApp(Settings(**values), DemoFleet(sims), clock=clock.now, simulator=first)
    return app, {member.region: sim for member, sim in sims.items()}


def sim_client(sim: Simulator, service: str = "sagemaker"):
    """A boto3 client answered by `sim`, for tests that act on the control plane behind the app's back."""
    session = boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2")
    sim.install(session)
    return session.client(service)


async def burst(pilot, keys: str) -> None:
    """Every key queued at once, as the driver queues the bytes of one read (a paste, tmux send-keys, a fast
    typist over SSH), then the app left to drain them. Pilot's `press` instead waits after each key, which hides
    keys that reach a widget before the prompt the previous key opened has focus."""
    from textual import events

    app = pilot.app
    for char in keys:
        name = {"/": "slash", ":": "colon", " ": "space"}.get(char, char)
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)


async def settle(pilot, *, rounds: int = 60) -> None:
    """Wait until no worker runs and the messages they posted are handled (several rounds: handlers start
    workers, e.g. the focused cluster's fetch after a short delay)."""
    app = pilot.app
    quiet = 0
    for _ in range(rounds):
        # A refresh requested meanwhile replaces the finishing worker of its group (exclusive): that one then
        # reports itself cancelled, which is not a failure of the app.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        if any(worker.is_running for worker in app.workers):
            quiet = 0
            continue
        quiet += 1
        if quiet >= 5:
            return


def rendered_text(renderable, width: int = 140) -> str:
    """What a Rich renderable (e.g. a Static's `content`) shows, as plain text."""
    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def notices(app) -> list[tuple[str, str]]:
    """The toasts shown so far, as (text, severity): the one place tests read Textual's notification list."""
    return [(str(notice.message), notice.severity) for notice in app._notifications]


KEY_NAMES = {"[": "left_square_bracket", "]": "right_square_bracket", "\\": "backslash", " ": "space", "/": "slash"}


async def type_text(pilot, text: str) -> None:
    """Type `text` key by key, as a user would (the printable characters of it)."""
    for char in text:
        if char.isprintable() and (char.isascii() or char in KEY_NAMES):
            await pilot.press(KEY_NAMES.get(char, char))
