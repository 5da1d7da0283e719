"""Argument parsing only: flags → Settings → the App (or a headless subcommand).

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

DEMO_REGION = "us-west-2"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _refresh(value: str) -> float:
    try:
        return check_refresh(float(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--refresh: ")) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hyperpod-tui",
        description="A keyboard-driven terminal UI for Amazon SageMaker HyperPod clusters.",
        epilog="Config: $XDG_CONFIG_HOME/hyperpod-tui/config.toml · keys: press ? in the app.",
    )
    parser.add_argument("--version", action="version", version=f"hyperpod-tui {__version__}")
    aws = parser.add_argument_group("AWS")
    aws.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default profile)")
    aws.add_argument("--region", help="AWS region (default: AWS_REGION or the profile's region)")
    aws.add_argument("--endpoint-url", metavar="URL", help="send every AWS call to this endpoint (e.g. the simulator)")
    demo = parser.add_argument_group("demo")
    demo.add_argument("--demo", action="store_true", default=None, help="run against the built-in simulated control plane")
    demo.add_argument("--demo-scenario", metavar="NAME", help="simulator scenario for --demo (default: demo)")
    ui = parser.add_argument_group("behaviour")
    ui.add_argument("--cluster", metavar="NAME", help="open this cluster at start")
    ui.add_argument("--refresh", type=_refresh, metavar="SECONDS", help="seconds between refreshes, 0 = off (default 5)")
    ui.add_argument("--theme", metavar="NAME", help="colour theme (default hyperpod-dark)")
    ui.add_argument("--read-only", action="store_true", default=None, help="no action that changes anything")
    ui.add_argument("--dry-run", action="store_true", default=None, help="actions do everything but the API call")
    ui.add_argument("--ssm-plugin", metavar="PATH", help="session-manager-plugin to run (default: on PATH)")
    ui.add_argument("--ssm-document", metavar="NAME", help="SSM document for shells, e.g. SSM-SessionManagerRunShellAsUbuntu")
    ui.add_argument("--config", metavar="PATH", help="config file (default: $XDG_CONFIG_HOME/hyperpod-tui/config.toml)")
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
)


def settings_from_args(args: argparse.Namespace) -> Settings:
    from pathlib import Path

    flags: dict[str, Any] = {key: getattr(args, key, None) for key in _FLAG_KEYS}
    if flags["demo_scenario"] is not None:
        flags["demo"] = True
    settings = load_settings(flags, config_path=Path(args.config).expanduser() if args.config else None)
    _check_choices(settings)
    return settings


def _check_choices(settings: Settings) -> None:
    from tui.themes import load_all_themes

    names = set(load_all_themes().themes) | _builtin_theme_names()
    if settings.theme not in names:
        raise ConfigError(f"--theme: unknown theme {settings.theme!r} (valid: {', '.join(sorted(names))})")
    if settings.demo:
        from tui.sim import Simulator

        scenarios = list(Simulator.scenarios())
        if settings.demo_scenario not in scenarios:
            raise ConfigError(f"--demo-scenario: unknown scenario {settings.demo_scenario!r} (valid: {', '.join(scenarios)})")


def _builtin_theme_names() -> set[str]:
    from textual.theme import BUILTIN_THEMES

    return set(BUILTIN_THEMES)


def make_api_factory(settings: Settings):  # noqa: ANN201
    """A callable that creates the AWS facade (in a worker thread), and the simulator when --demo."""
    from tui.core.aws import HyperPodApi

    if not settings.demo:
        return (
            lambda: HyperPodApi.connect(profile=settings.profile, region=settings.region, endpoint_url=settings.endpoint_url)
        ), None
    from tui.sim import SimClock, Simulator

    simulator = Simulator(scenario=settings.demo_scenario, clock=SimClock())
    return (lambda: demo_api(simulator)), simulator


def demo_api(simulator: Any, region: str = DEMO_REGION):  # noqa: ANN201
    """A real boto3 session, answered in-process by the simulator; the user's AWS config cannot leak in."""
    import os

    import boto3
    import botocore.session

    from tui.core.aws import HyperPodApi

    # No profile from AWS_PROFILE, no ~/.aws files: a broken or absent AWS setup must not break the demo.
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    session = boto3.Session(
        botocore_session=core, aws_access_key_id="DEMO", aws_secret_access_key="DEMO", region_name=region
    )
    simulator.install(session)
    return HyperPodApi(session)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"hyperpod-tui: error: {exc}", file=sys.stderr)
        return 2
    from tui.app import HyperPodApp

    factory, simulator = make_api_factory(settings)
    clock = simulator.clock.now if simulator is not None else None
    app = HyperPodApp(settings, factory, simulator=simulator, **({"clock": clock} if clock else {}))
    app.run()
    return app.return_code or 0
