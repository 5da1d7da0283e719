"""Headless commands of the live stream: `events-setup` (the EventBridge rule → SQS queue wiring) and the follow
mode (`events --follow`, also `events-follow`), which prints each envelope
as it arrives, one JSON object per line, for scripts and alerting pipes. No Textual here."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from tui.core import event_stream, events_setup


def make_clients(settings: Any, services: tuple[str, ...]) -> list[Any]:
    """Small and separate from tui/backend.py's sessions: one boto3 session, one client per service."""
    import boto3

    session = boto3.Session(profile_name=settings.profile, region_name=settings.region)
    return [session.client(name, endpoint_url=settings.endpoint_url or None) for name in services]


def _demo_clients(settings: Any, services: tuple[str, ...]) -> list[Any]:
    from tui.backend import make_api_factory

    api = make_api_factory(settings)[0]()
    return [api.client(name) for name in services]


def _confirm(lines: list[str], *, yes: bool, stdin: TextIO, err: TextIO) -> bool:
    print("events-setup will:", file=err)
    for line in lines:
        print(f"  - {line}", file=err)
    if yes:
        return True
    if not stdin.isatty():
        print("hyperpod-tui: error: not a terminal to confirm on; pass --yes to go ahead", file=err)
        return False
    err.write("Go ahead? [y/N] ")
    err.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def run_setup(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
    clients: Callable[[], list[Any]] | None = None,
    journal: Any = None,
) -> int:
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    try:
        name = events_setup.check_name(args.name)
    except ValueError as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 2
    if args.mode == "print":
        out.write(events_setup.template_text(name))
        print(f"# then: hyperpod-tui --events-queue {events_setup.queue_name(name)}", file=err)
        return 0
    if settings.read_only:
        print(f"hyperpod-tui: error: read-only mode: events-setup --{args.mode} changes nothing", file=err)
        return 1
    if not _confirm(events_setup.plan(name, delete=args.mode == "delete"), yes=args.yes, stdin=stdin, err=err):
        print("nothing changed", file=err)
        return 1
    if journal is None:
        from tui.core.journal import Journal, default_journal_path

        journal = Journal(default_journal_path(demo=bool(settings.demo)))
    try:
        if clients is not None:
            sqs, events = clients()
        elif settings.demo:  # the simulator's SQS and EventBridge (a fresh simulator: for trying the command)
            sqs, events = _demo_clients(settings, ("sqs", "events"))
        else:
            sqs, events = make_clients(settings, ("sqs", "events"))
        if args.mode == "delete":
            for line in events_setup.delete(sqs, events, name, journal=journal):
                print(line, file=out)
            return 0
        result = events_setup.apply(sqs, events, name, journal=journal)
    except (events_setup.SetupError, OSError) as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 1
    print(f"rule {result.rule_arn}", file=err)
    print(f"queue {result.queue_url}", file=err)
    print(f"use: hyperpod-tui --events-queue {result.queue_url}", file=err)
    print(result.queue_url, file=out)
    return 0


def run_follow(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sqs: Any = None,
    until: Callable[[int], bool] | None = None,
    wait_seconds: int = event_stream.WAIT_SECONDS,
) -> int:
    """Print envelopes until interrupted (or `until(printed)` says stop, for tests). Queue errors go to stderr,
    once per change, and the worker retries; malformed messages are counted on stderr, never printed."""
    out, err = out or sys.stdout, err or sys.stderr
    queue = args.events_queue or settings.events_queue
    if not queue:
        print("hyperpod-tui: error: --events-queue URL-or-name is needed (see events-setup)", file=err)
        return 2
    if sqs is None and settings.demo:
        from tui.backend import make_api_factory

        api = make_api_factory(settings)[0]()
        sqs = api.long_poll_client("sqs", wait_seconds)
        if queue == events_setup.queue_name(events_setup.DEFAULT_NAME):  # the simulator's stream, set up now
            queue = events_setup.apply(sqs, api.client("events"), events_setup.DEFAULT_NAME).queue_url
    elif sqs is None:
        (sqs,) = make_clients(settings, ("sqs",))
    printed = 0
    malformed_seen = 0

    def emit(item: event_stream.StreamItem) -> None:
        nonlocal printed
        if args.format == "json":
            line = json.dumps(item.envelope.raw, ensure_ascii=True, separators=(",", ":"), default=str)
        else:
            line = _summary(item)
        out.write(line + "\n")
        out.flush()
        printed += 1

    def status(state: event_stream.StreamStatus) -> None:
        print(f"hyperpod-tui: {state.banner or state.header()}", file=err)

    worker = event_stream.StreamWorker(sqs, queue, on_event=emit, on_status=status, wait_seconds=wait_seconds)
    try:
        while not (until is not None and until(printed)):
            started = time.monotonic()
            handled = worker.poll_once()
            if worker.stats.malformed != malformed_seen:
                malformed_seen = worker.stats.malformed
                print(f"hyperpod-tui: {worker.stats.diagnostics()}", file=err)
            if worker.backoff:
                time.sleep(worker.backoff)
            elif not handled and time.monotonic() - started < event_stream.MIN_ROUND:
                time.sleep(event_stream.MIN_ROUND)  # an empty answer at once (the simulator) is no busy loop
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 0


def _summary(item: event_stream.StreamItem) -> str:
    from tui.core.sanitize import clean

    from_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(item.envelope.time))
    if isinstance(item, event_stream.StateChange):
        text = f"state {item.status or '–'}"
    elif isinstance(item, event_stream.NodeHealth):
        text = f"node {item.instance_id} health {item.health_status or '–'} repair {item.repair_action or '–'}"
    else:
        text = f"event {item.level or '–'} {item.resource_type} {item.instance_id} {item.description}"
    return clean(f"{from_time} {item.envelope.cluster_name} {text}")
