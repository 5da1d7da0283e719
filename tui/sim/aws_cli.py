"""`python -m tui.sim aws ssm start-session …`: the demo's stand-in for `aws ssm start-session`, so that the
ProxyCommand of `hyperpod-tui ssh-config --demo` works where there is no AWS CLI and no AWS.

It does what awscli/customizations/sessionmanager.py does: StartSession, then the plugin (the simulator's stand-in,
`python -m tui.sim.plugin`, or $HYPERPOD_TUI_SIM_PLUGIN) with the same argv and `AWS_SSM_START_SESSION_RESPONSE`
environment, SIGINT/SIGQUIT/SIGTSTP ignored while it runs, its exit code returned. StartSession goes to
--endpoint-url when given (a `python -m tui.sim serve`), otherwise to a simulator built here — the demo world is
seeded, so its clusters and nodes are the ones `--demo` shows; the node's ports then listen in this process
(tui/sim/node_ports.py) for as long as the session lasts.

Accepted: --target, --document-name, --parameters (`k=v,k2=v2` shorthand or JSON), --reason, --region, --profile,
--endpoint-url, and --sim-scenario (not an AWS CLI option: the demo scenario, default `demo`).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from typing import Any

RESPONSE_ENV = "AWS_SSM_START_SESSION_RESPONSE"
PLUGIN_ENV = "HYPERPOD_TUI_SIM_PLUGIN"
USAGE = "usage: python -m tui.sim aws ssm start-session --target T [--document-name D] [--parameters P] [--region R]"


def parse_parameters(text: str) -> dict[str, list[str]]:
    """The AWS CLI's two forms: JSON (`{"portNumber":["22"]}`) or shorthand (`portNumber=22,host=x`)."""
    text = text.strip()
    if text.startswith("{"):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("--parameters: not a JSON object")
        return {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in value.items()}
    parameters: dict[str, list[str]] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--parameters: expected key=value, got {part!r}")
        parameters.setdefault(key.strip(), []).append(value.strip())
    return parameters


def parse_args(words: list[str]) -> dict[str, str]:
    if words[:2] != ["ssm", "start-session"]:
        raise ValueError(USAGE)
    options: dict[str, str] = {}
    rest = words[2:]
    known = {
        "--target",
        "--document-name",
        "--parameters",
        "--reason",
        "--region",
        "--profile",
        "--endpoint-url",
        "--sim-scenario",
    }
    while rest:
        word = rest.pop(0)
        name, sep, value = word.partition("=")
        if name not in known:
            raise ValueError(f"unknown option {word!r}\n{USAGE}")
        if not sep:
            if not rest:
                raise ValueError(f"{name} needs a value")
            value = rest.pop(0)
        options[name[2:]] = value
    if "target" not in options:
        raise ValueError(USAGE)
    return options


def _start_session(options: dict[str, str], request: dict[str, Any]) -> tuple[dict, str, str, Any]:
    """(response, region, endpoint, what must live while the plugin runs)."""
    region = options.get("region") or os.environ.get("AWS_REGION") or "us-west-2"
    if options.get("endpoint-url"):
        import boto3

        client = boto3.client(
            "ssm",
            region_name=region,
            endpoint_url=options["endpoint-url"],
            aws_access_key_id="DEMO",
            aws_secret_access_key="DEMO",
        )
        response = client.start_session(**request)
        return response, client.meta.region_name, client.meta.endpoint_url, client
    from tui.sim.simulator import Simulator

    simulator = Simulator(options.get("sim-scenario") or "demo", region=region)
    response = simulator.handle("ssm", "StartSession", request)
    return response, region, f"https://ssm.{region}.amazonaws.com", simulator


def plugin_command() -> list[str]:
    configured = os.environ.get(PLUGIN_ENV)
    return shlex.split(configured) if configured else [sys.executable, "-m", "tui.sim.plugin"]


def main(words: list[str]) -> int:
    try:
        options = parse_args(words)
        request: dict[str, Any] = {"Target": options["target"]}
        if options.get("document-name"):
            request["DocumentName"] = options["document-name"]
        if options.get("reason"):
            request["Reason"] = options["reason"]
        if options.get("parameters"):
            request["Parameters"] = parse_parameters(options["parameters"])
    except ValueError as error:
        print(f"aws: error: {error}", file=sys.stderr)
        return 252
    try:
        response, region, endpoint, keep = _start_session(options, request)
    except Exception as error:  # noqa: BLE001 - as the CLI: the error on stderr, exit 254
        code = getattr(error, "code", None) or type(error).__name__
        print(f"\nAn error occurred ({code}) when calling the StartSession operation: {error}", file=sys.stderr)
        return 254
    answer = json.dumps({key: response[key] for key in ("SessionId", "TokenValue", "StreamUrl")})
    env = dict(os.environ)
    env[RESPONSE_ENV] = answer
    argv = [*plugin_command(), RESPONSE_ENV, region, "StartSession", options.get("profile", ""), json.dumps(request)]
    argv.append(endpoint)
    ignored = [signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP]
    previous = [signal.signal(sig, signal.SIG_IGN) for sig in ignored]
    try:
        return subprocess.run(argv, env=env).returncode
    except FileNotFoundError:
        print("SessionManagerPlugin is not found.", file=sys.stderr)
        return 255
    finally:
        for sig, handler in zip(ignored, previous, strict=True):
            signal.signal(sig, handler)
        del keep
