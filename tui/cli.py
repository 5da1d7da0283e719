"""Argument parsing only: flags → Settings → the App, or a headless subcommand (`tui.headless`).

A bad value exits with status 2 and one line that names the valid values. Heavy imports (textual, boto3) happen
after parsing, so `--version` and `--help` are instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from tui import __version__
from tui.config import ConfigError, Settings, check_refresh, load_settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _refresh(value: str) -> float:
    try:
        return check_refresh(float(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--refresh: ")) from None


def _status(value: str) -> str:
    from tui.headless import node_status

    try:
        return node_status(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _since(value: str) -> str:
    from tui.core.journal import parse_since

    try:
        parse_since(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--since: ")) from None
    return value


class _ScenarioHelp(str):
    """The --demo-scenario help, naming the scenarios. argparse formats a help text with `%` only when it prints
    it, so the simulator (which loads botocore) is imported for --help, not for every run."""

    def __mod__(self, params: object) -> str:
        from tui.sim import Simulator

        return f"simulator scenario for --demo: {', '.join(Simulator.scenarios())} (default: demo)"


# The queue `events-setup --apply` makes by default; under --demo the simulator gets it at start.
DEMO_EVENTS_QUEUE = "hyperpod-tui-events-queue"

HEADLESS_HINT = "for a pipe or a file use a headless command: hyperpod-tui clusters|groups|nodes [--json|--csv]"


def not_a_terminal(stdout: Any = None, stderr: Any = None) -> str | None:
    """Why the TUI cannot start here, or None. Textual draws on stderr; output meant for stdout is asked for
    by redirecting stdout. Either one into a pipe or file would get escape codes instead of a UI."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    for name, stream in (("stdout", stdout), ("stderr", stderr)):
        isatty = getattr(stream, "isatty", None)
        if isatty is None or not isatty():
            return (
                f"hyperpod-tui: {name} is not a terminal, and the TUI would write escape codes into it; {HEADLESS_HINT}"
            )
    return None


def _add_target_flags(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """Where to connect: on the main parser (default None) and again on each subcommand (default SUPPRESS, so a
    flag given before the subcommand is not reset by the subcommand's parser)."""
    aws = parser.add_argument_group("AWS")
    aws.add_argument("--profile", default=default, help="AWS profile (default: AWS_PROFILE or the default profile)")
    aws.add_argument("--region", default=default, help="AWS region (default: AWS_REGION or the profile's region)")
    aws.add_argument(
        "--endpoint-url",
        metavar="URL",
        default=default,
        help="send every AWS call to this endpoint (e.g. the simulator)",
    )
    demo = parser.add_argument_group("demo")
    demo.add_argument(
        "--demo", action="store_true", default=default, help="run against the built-in simulated control plane"
    )
    demo.add_argument(
        "--demo-scenario", metavar="NAME", default=default, help=_ScenarioHelp("simulator scenario for --demo")
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help="config file (default: $XDG_CONFIG_HOME/hyperpod-tui/config.toml)",
    )


def _add_headless_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        parser_class=_Parser,
        title="headless commands (print and exit; without one, the TUI opens)",
    )
    clusters = commands.add_parser(
        "clusters", prog="hyperpod-tui clusters", help="list the clusters", description="List the HyperPod clusters."
    )
    groups = commands.add_parser(
        "groups",
        prog="hyperpod-tui groups",
        help="list a cluster's instance groups",
        description="List the instance groups of a cluster.",
    )
    groups.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    nodes = commands.add_parser(
        "nodes",
        prog="hyperpod-tui nodes",
        help="list a cluster's nodes (every page, groups in parallel)",
        description="List every node of a cluster.",
    )
    nodes.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    nodes.add_argument("--group", metavar="NAME", help="only this instance group")
    nodes.add_argument("--status", type=_status, metavar="STATUS", help="only nodes in this status (e.g. Failure)")
    events = commands.add_parser(
        "events",
        prog="hyperpod-tui events",
        help="list a cluster's events (Continuous mode; near-duplicates folded)",
        description="List a cluster's events, newest first (ListClusterEvents, every page; only clusters with "
        "NodeProvisioningMode Continuous have them). Near-duplicates about a second apart are folded: N counts them.",
    )
    events.add_argument("cluster", metavar="CLUSTER", nargs="?", help="cluster name or ARN")
    events.add_argument("--group", metavar="NAME", help="only this instance group")
    events.add_argument("--node", metavar="ID", help="only this node (instance id)")
    events.add_argument("--since", type=_since, metavar="AGE", help="only events this recent: 1d, 2h, 30m, 45s")
    events.add_argument(
        "--follow",
        action="store_true",
        help="instead of listing: print the envelopes arriving on --events-queue, one a line (JSON with --json); "
        "the same as `events-follow`",
    )
    events.add_argument(
        "--events-queue", metavar="URL-or-name", default=argparse.SUPPRESS, help="the queue --follow reads"
    )
    triage = commands.add_parser(
        "triage",
        prog="hyperpod-tui triage",
        help="list every node that is not healthy, with the next step (exit status 3 when there is one)",
        description="List every node that is not healthy in every cluster (or --cluster): its status, health "
        "signal (HMA records, status, events), what HyperPod is doing and the recommended next step. Exit status 0 "
        "when every node is healthy, 3 when one is not (a cron job can gate on it), 1 on failure.",
    )
    triage.add_argument("--cluster", metavar="NAME", default=argparse.SUPPRESS, help="only this cluster (name or ARN)")
    health = commands.add_parser(
        "health",
        prog="hyperpod-tui health",
        help="one node's health signals, its verdict and the next step (exit status 3 when it is not healthy)",
        description="One node's health: every signal (HMA records, deep-health-check results, EventBridge and "
        "cluster events, its status) with its source and time, the verdict and the recommended next step. Exit "
        "status 0 when the node is healthy, 3 when it is not, 1 on failure.",
    )
    health.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    health.add_argument("--node", metavar="ID", required=True, help="instance id, NodeLogicalId or hostname")
    health.add_argument("--json", dest="format", action="store_const", const="json", help="JSON (every field)")
    health.set_defaults(format="text")
    _add_target_flags(health, default=argparse.SUPPRESS)
    journal = commands.add_parser(
        "journal",
        prog="hyperpod-tui journal",
        help="read the action journal back: every attempt, and intents with no result (may have executed)",
        description="Read the action journal ($XDG_STATE_HOME/hyperpod-tui/actions.jsonl) back: intents paired "
        "with results, intents without a result listed (the call may have executed).",
    )
    journal.add_argument("--since", type=_since, metavar="AGE", help="only attempts this recent: 1d, 2h, 30m, 45s")
    journal.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="the demo's journal (demo-actions.jsonl): what --demo runs did, kept apart from the real one",
    )
    journal.add_argument("--json", dest="format", action="store_const", const="json", help="JSON (every field)")
    journal.set_defaults(format="table")
    setup = commands.add_parser(
        "events-setup",
        prog="hyperpod-tui events-setup",
        help="print or make the EventBridge rule and SQS queue that --events-queue reads",
        description="The EventBridge rule (source aws.sagemaker, detail-type 'SageMaker HyperPod*') and the SQS "
        "queue (SSE on, 1 h retention, a policy letting only that rule send) that the live stream reads. "
        "A queue serves one hyperpod-tui instance.",
    )
    modes = setup.add_mutually_exclusive_group(required=True)
    modes.add_argument(
        "--print", dest="mode", action="store_const", const="print", help="print a CloudFormation template"
    )
    modes.add_argument("--apply", dest="mode", action="store_const", const="apply", help="create them with boto3")
    modes.add_argument("--delete", dest="mode", action="store_const", const="delete", help="remove them")
    setup.add_argument("--name", default="hyperpod-tui-events", help="base name (default hyperpod-tui-events)")
    setup.add_argument("--yes", action="store_true", help="no confirmation prompt (for scripts)")
    setup.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS, help="refuse --apply/--delete")
    _add_target_flags(setup, default=argparse.SUPPRESS)
    runs = commands.add_parser(
        "run",
        prog="hyperpod-tui run",
        help="run a command on nodes through SSM and print the outputs grouped by identical content",
        description="Run COMMAND on the chosen nodes (SSM StartSession, AWS-StartNonInteractiveCommand: no shell, "
        "so no pipes, $(…) or &&; --shell wraps it for bash -c through AWS-StartInteractiveCommand). At most "
        "run_max_sessions at once, 3 StartSession per second. Exit code 0 only if every node succeeded.",
    )
    runs.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    runs.add_argument("--nodes", type=lambda v: [p for p in v.split(",") if p], metavar="ID,…", help="these nodes")
    runs.add_argument("--group", metavar="NAME", help="the nodes of this instance group")
    runs.add_argument("--status", type=_status, metavar="STATUS", help="only nodes in this status (e.g. Running)")
    runs.add_argument("--shell", action="store_true", help="run it through bash -c (AWS-StartInteractiveCommand)")
    runs.add_argument("--json", dest="format", action="store_const", const="json", help="JSON: nodes and groups")
    runs.add_argument("--ssm-plugin", metavar="PATH", default=argparse.SUPPRESS, help="session-manager-plugin to run")
    runs.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS, help="refuse to run")
    runs.add_argument("remote", nargs="*", metavar="-- COMMAND", help="the command (after --)")
    runs.set_defaults(format="text")
    _add_target_flags(runs, default=argparse.SUPPRESS)
    slurms = commands.add_parser(
        "slurm",
        prog="hyperpod-tui slurm",
        help="print Slurm's view of a Slurm cluster's nodes (sinfo on its controller) beside the API's",
        description="Run `sinfo -N -h -o '%%N|%%T|%%E|%%H'` on the cluster's controller through SSM "
        "(AWS-StartNonInteractiveCommand) and print each node's id, group, hostname, API status, Slurm state, "
        "reason and reason time; both views as they are, never reconciled. Exit code 1 when sinfo could not be "
        "read, 2 for a cluster that is not Slurm.",
    )
    slurms.add_argument("cluster", metavar="CLUSTER", help="cluster name or ARN")
    slurms.add_argument("--json", dest="format", action="store_const", const="json", help="JSON: one object a node")
    slurms.add_argument("--ssm-plugin", metavar="PATH", default=argparse.SUPPRESS, help="session-manager-plugin to run")
    slurms.set_defaults(format="table")
    _add_target_flags(slurms, default=argparse.SUPPRESS)
    follow = commands.add_parser(
        "events-follow",
        prog="hyperpod-tui events-follow",
        help="print HyperPod events from the --events-queue as they arrive (Ctrl-C stops)",
        description="Long-poll the SQS queue and print each EventBridge envelope as it arrives, deleting it "
        "(a queue serves one reader). Malformed or foreign messages are counted on stderr.",
    )
    follow.add_argument("--follow", action="store_true", help="accepted for `events --follow` compatibility")
    follow.add_argument(
        "--events-queue", metavar="URL-or-name", default=argparse.SUPPRESS, help="the queue (or config events_queue)"
    )
    follow.add_argument("--json", dest="format", action="store_const", const="json", help="one JSON envelope a line")
    follow.set_defaults(format="text")
    _add_target_flags(follow, default=argparse.SUPPRESS)
    from tui.cli_ssh import add_ssh_commands

    add_ssh_commands(commands, lambda sub: _add_target_flags(sub, default=argparse.SUPPRESS))
    for sub in (clusters, groups, nodes, events, triage):
        formats = sub.add_mutually_exclusive_group()
        formats.add_argument("--json", dest="format", action="store_const", const="json", help="JSON (exact values)")
        formats.add_argument("--csv", dest="format", action="store_const", const="csv", help="CSV with a header row")
        sub.set_defaults(format="table")
        _add_target_flags(sub, default=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hyperpod-tui",
        description="A keyboard-driven terminal UI for Amazon SageMaker HyperPod clusters.",
        epilog="Config: $XDG_CONFIG_HOME/hyperpod-tui/config.toml · keys: press ? in the app.",
        usage="hyperpod-tui [options]                            (the TUI)\n"
        "       hyperpod-tui {clusters,groups,nodes,events,triage} … [options]  (print and exit; --json, --csv)\n"
        "       hyperpod-tui health CLUSTER --node ID [--json]  (one node's health signals)\n"
        "       hyperpod-tui journal [--since 1d] [--json]        (the action journal read back)\n"
        "       hyperpod-tui run CLUSTER --nodes ID,…|--group G|--status S [--shell] -- COMMAND [--json]\n"
        "       hyperpod-tui ssh-config CLUSTER [--user U] [--key PATH] [--nodes …] [--write] [--install-key]\n"
        "       hyperpod-tui forward CLUSTER NODE LOCAL:REMOTE[@HOST]  (a port forward until Ctrl-C)\n"
        "       hyperpod-tui slurm CLUSTER [--json]             (Slurm's view beside the API's)\n"
        "       hyperpod-tui events-setup --print|--apply|--delete (the EventBridge → SQS stream)\n"
        "       hyperpod-tui events --follow --events-queue Q [--json] (print events as they arrive)",
    )
    parser.add_argument("--version", action="version", version=f"hyperpod-tui {__version__}")
    _add_target_flags(parser, default=None)
    ui = parser.add_argument_group("behaviour")
    ui.add_argument("--cluster", metavar="NAME", help="open this cluster at start")
    ui.add_argument(
        "--refresh", type=_refresh, metavar="SECONDS", help="seconds between refreshes, 0 = off (default 5)"
    )
    ui.add_argument("--theme", metavar="NAME", help="colour theme (default hyperpod-dark)")
    ui.add_argument("--read-only", action="store_true", default=None, help="no action that changes anything")
    ui.add_argument("--dry-run", action="store_true", default=None, help="actions do everything but the API call")
    ui.add_argument("--ssm-plugin", metavar="PATH", help="session-manager-plugin to run (default: on PATH)")
    ui.add_argument(
        "--ssm-document", metavar="NAME", help="SSM document for shells, e.g. SSM-SessionManagerRunShellAsUbuntu"
    )
    ui.add_argument(
        "--log-file", metavar="PATH", help="write a debug log (the app's and botocore's; credentials redacted) here"
    )
    ui.add_argument(
        "--events-queue",
        metavar="URL-or-name",
        help="SQS queue fed by the EventBridge rule (hyperpod-tui events-setup): changes show at once",
    )
    ui.add_argument(
        "--kube-context",
        metavar="NAME",
        help="kubeconfig context for EKS clusters' K8S column and actions (default: the one matching the cluster)",
    )
    ui.add_argument(
        "--no-kube",
        dest="kube",
        action="store_false",
        default=None,
        help="no Kubernetes view of EKS clusters (no K8S column, no kubeconfig read)",
    )
    ui.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
    _add_headless_commands(parser)
    return parser


_FLAG_KEYS = (
    "profile",
    "region",
    "endpoint_url",
    "demo",
    "demo_scenario",
    "cluster",
    "refresh",
    "theme",
    "read_only",
    "dry_run",
    "ssm_plugin",
    "ssm_document",
    "events_queue",
    "kube",
    "kube_context",
    "kubeconfig",
)


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = _load_settings(args)
    # Headless commands have no theme; checking one would import textual, which they must not load.
    _check_choices(settings, theme=not getattr(args, "command", None))
    return settings


def _load_settings(args: argparse.Namespace) -> Settings:
    from pathlib import Path

    flags: dict[str, Any] = {key: getattr(args, key, None) for key in _FLAG_KEYS}
    if flags["demo_scenario"] is not None:
        flags["demo"] = True
    settings = load_settings(flags, config_path=Path(args.config).expanduser() if args.config else None)
    if settings.demo and not settings.events_queue:
        from dataclasses import replace

        settings = replace(settings, events_queue=DEMO_EVENTS_QUEUE)  # the demo starts with the stream on
    return settings


def _check_choices(settings: Settings, *, theme: bool = True) -> None:
    if theme:
        from tui.themes import load_all_themes

        names = set(load_all_themes().themes) | _builtin_theme_names()
        if settings.theme not in names:
            raise ConfigError(f"--theme: unknown theme {settings.theme!r} (valid: {', '.join(sorted(names))})")
    if settings.demo:
        from tui.sim import Simulator

        scenarios = list(Simulator.scenarios())
        if settings.demo_scenario not in scenarios:
            raise ConfigError(
                f"--demo-scenario: unknown scenario {settings.demo_scenario!r} (valid: {', '.join(scenarios)})"
            )


def _builtin_theme_names() -> set[str]:
    from textual.theme import BUILTIN_THEMES

    return set(BUILTIN_THEMES)


def _run_headless(args: argparse.Namespace, settings: Settings, *, own_process: bool) -> int:
    """A headless command. It is short-lived, so the cyclic GC stays off (`main` paused it; it would walk the
    ~100,000 young objects of a 10,000-node listing again and again and free nothing), and a process of its own
    skips the interpreter's teardown (~0.15 s spent freeing what the OS frees at once) once the output is flushed."""
    if args.command == "journal":  # a local file: no AWS, no settings needed
        from tui import headless_journal

        code = headless_journal.run(args, out=sys.stdout, err=sys.stderr)
    elif args.command == "health":
        from tui import headless_health

        code = headless_health.run(args, settings)
    elif args.command == "run":
        from tui import headless_run

        code = headless_run.execute(args, settings)
    elif args.command in ("ssh-config", "forward"):
        from tui import headless_ssh

        run_ssh = headless_ssh.run_ssh_config if args.command == "ssh-config" else headless_ssh.run_forward
        code = run_ssh(args, settings)
    elif args.command == "slurm":
        from tui import headless_slurm

        code = headless_slurm.execute(args, settings)
    elif args.command == "events-setup":
        from tui import headless_events

        code = headless_events.run_setup(args, settings)
    elif args.command == "events-follow" or (args.command == "events" and getattr(args, "follow", False)):
        from tui import headless_events

        code = headless_events.run_follow(args, settings)
    else:
        from tui.headless import run

        code = run(args, settings)
    if own_process:
        _leave(code)
    return code


def _leave(code: int) -> None:
    """End a process of its own without the interpreter's teardown: the output and the log flushed, then gone.

    The teardown frees every object one by one (and collects once more first): ~0.15 s after a headless listing,
    and for the TUI a time that grows with everything a long session built (1.3 s more with 2.4 M objects alive),
    after the terminal is already given back. Every thread still running is a daemon, and what must end with the
    app (children, SSM sessions) was ended by `lifetime.end_all` before this."""
    import logging
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()  # the --log-file handler's last lines
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    from tui import gc_policy

    gc_policy.pause_for_startup()
    try:
        return _main(argv)
    finally:
        if argv is not None:  # called in-process (tests): leave the GC as it was
            gc_policy.restore()


def _main(argv: Sequence[str] | None) -> int:
    from pathlib import Path

    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    remote: list[str] | None = None
    if "run" in words and "--" in words and words.index("run") < words.index("--"):
        # `run … -- COMMAND`: everything after `--` is the command, whatever options it has
        cut = words.index("--")
        words, remote = words[:cut], words[cut + 1 :]
    args = parser.parse_args(words)
    if remote is not None:
        args.remote = remote
    try:
        settings = _load_settings(args)
        _check_choices(settings, theme=False)
        if args.command:
            return _run_headless(args, settings, own_process=argv is None)
        from tui.startup import prepare

        if getattr(args, "log_file", None):
            from tui.core import debug_log

            try:
                debug_log.configure(Path(args.log_file))
            except OSError as exc:
                raise ConfigError(f"--log-file: cannot write {args.log_file!r}: {exc.strerror or exc}") from None
        problem = not_a_terminal()
        if problem:
            _check_choices(settings)
            print(problem, file=sys.stderr)
            return 2
        launch = prepare(settings)  # before Textual loads: the prefetch child or the early API thread start now
        _check_choices(settings)
    except ConfigError as exc:
        print(f"hyperpod-tui: error: {exc}", file=sys.stderr)
        return 2
    code = launch.run()
    if argv is None:  # a process of its own (the console script, python -m tui)
        _leave(code)
    return code
