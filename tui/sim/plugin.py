"""Demo stand-in for `session-manager-plugin`: the real plugin's argv/env contract, then a local shell.

    python -m tui.sim.plugin                    → "installed successfully" text
    python -m tui.sim.plugin --version          → 1.2.814.0 (or $HYPERPOD_TUI_SIM_PLUGIN_VERSION)
    python -m tui.sim.plugin RESPONSE REGION StartSession [PROFILE [REQUEST_JSON [ENDPOINT]]]

RESPONSE is the StartSession response JSON, or the *name* of an environment variable starting with
AWS_SSM_START_SESSION_RESPONSE that holds it (read, then removed from the environment, as the real plugin does).
On success it prints the real plugin's "Starting session with SessionId: …" line, a banner saying plainly that
this is a local demo shell and not the node, and execs `bash --norc -i` (or $SHELL, or /bin/sh) with a prompt
that names the fake target. Like the real plugin it reports errors on stdout as
"Cannot perform start session: <reason>" and exits 0 (aws/session-manager-plugin session.go).

With `AWS-StartSSHSession` it carries stdin/stdout to the simulated node's port, and with the port-forwarding
documents it listens on a local port and carries each connection there (tui/sim/plugin_ports.py).

With a command document (`AWS-StartNonInteractiveCommand`, `AWS-StartInteractiveCommand`) and a `command`
parameter it prints the node's scripted answer instead (tui/sim/node_sandbox.py) and the real plugin's
"Exiting session with sessionId: …" line, and exits.

No import from the rest of the project: this is the other side of the contract that tui.core.ssm speaks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
from typing import Any, TextIO

from tui.sim import node_ports, node_sandbox, plugin_ports

DEFAULT_VERSION = "1.2.814.0"
VERSION_ENV = "HYPERPOD_TUI_SIM_PLUGIN_VERSION"
RESPONSE_ENV_PREFIX = "AWS_SSM_START_SESSION_RESPONSE"
INSTALLED_TEXT = "\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n"
_UNSAFE = re.compile(r"[^A-Za-z0-9:_.\-]")


def safe_label(value: str, limit: int = 160) -> str:
    """Only letters, digits and `:_.-` survive: the label goes into PS1, where `$(…)` and `\\` would act."""
    return _UNSAFE.sub("?", value)[:limit] or "?"


def banner(target: str, document: str | None) -> str:
    lines = [
        f"DEMO SHELL — a local shell standing in for the node {safe_label(target)}; nothing here runs on AWS.",
        "It runs on this machine, as you. Type `exit` (or ctrl+d) to close the session.",
    ]
    if document:
        lines.append(f"(A real session would use the SSM document {safe_label(document)}.)")
    return "\n".join(lines) + "\n"


def _fail(out: TextIO, reason: str) -> int:
    out.write(f"Cannot perform start session: {reason}\n")
    out.flush()
    return 0


def _parse_response(raw: str) -> dict[str, str] | str:
    """The three fields the plugin needs, or the reason they are unusable."""
    if not raw:
        return "unexpected end of JSON input"
    try:
        response: Any = json.loads(raw)
    except ValueError as error:
        return f"invalid StartSession response JSON: {error}"
    if not isinstance(response, dict):
        return "StartSession response is not a JSON object"
    for key in ("SessionId", "TokenValue", "StreamUrl"):
        if not isinstance(response.get(key), str) or not response[key]:
            return f"StartSession response has no {key}"
    if not response["StreamUrl"].startswith("wss://"):
        return f"StreamUrl is not a wss:// URL: {safe_label(response['StreamUrl'])}"
    return {key: response[key] for key in ("SessionId", "TokenValue", "StreamUrl")}


def _command_parameter(request: dict) -> str | None:
    parameters = request.get("Parameters")
    values = parameters.get("command") if isinstance(parameters, dict) else None
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return "\n".join(values)
    return None


def shell_command() -> list[str]:
    bash = shutil.which("bash")
    if bash:
        return [bash, "--norc", "--noprofile", "-i"]
    return [os.environ.get("SHELL") or "/bin/sh", "-i"]


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = sys.argv if argv is None else argv
    out = sys.stdout if out is None else out
    if len(args) == 1:
        out.write(INSTALLED_TEXT)
        return 0
    if len(args) == 2 and args[1] == "--version":
        out.write(f"{os.environ.get(VERSION_ENV) or DEFAULT_VERSION}\n")
        return 0
    if len(args) < 4:
        out.write(f"\nUnknown operation {args[1]}. \nUse session-manager-plugin --version to check the version.\n\n")
        return 0

    if args[1].startswith(RESPONSE_ENV_PREFIX):
        raw_response = os.environ.pop(args[1], "")
    else:
        raw_response = args[1]
    operation = args[3]
    target, document, one_shot = "", None, None
    parameters: dict = {}
    if len(args) > 5:
        try:
            request = json.loads(args[5])
        except ValueError as error:
            return _fail(out, f"invalid StartSession request JSON: {error}")
        if not isinstance(request, dict) or not isinstance(request.get("Target"), str):
            return _fail(out, "StartSession request has no Target")
        target = request["Target"]
        document = request.get("DocumentName") if isinstance(request.get("DocumentName"), str) else None
        one_shot = _command_parameter(request)
        given = request.get("Parameters")
        parameters = given if isinstance(given, dict) else {}
    if operation != "StartSession":
        out.write("Invalid Operation")
        out.flush()
        return 0
    parsed = _parse_response(raw_response)
    if isinstance(parsed, str):
        return _fail(out, parsed)

    out.write(f"\nStarting session with SessionId: {safe_label(parsed['SessionId'])}\n\n")
    out.flush()
    if document in node_ports.PORT_DOCUMENTS:
        # SSH and port forwarding: the node's port stands at a local address (tui/sim/node_ports.py)
        session_id = safe_label(parsed["SessionId"])
        code = plugin_ports.run(document, parameters, session_id, parsed["StreamUrl"], out)
        if argv is None:  # a process of its own: leave without waiting for the pumps' threads (one reads stdin)
            out.flush()
            os._exit(code)
        return code
    if document in node_sandbox.COMMAND_DOCUMENTS and one_shot is not None:
        # A one-shot command: the node's scripted answer (tui/sim/node_sandbox.py), then the session ends.
        facts = node_sandbox.facts_from_stream_url(parsed["StreamUrl"])
        out.write(node_sandbox.answer(facts, document, one_shot))
        out.write(f"\n\nExiting session with sessionId: {safe_label(parsed['SessionId'])}.\n\n")
        out.flush()
        return 0
    out.write(banner(target or "(no target given)", document))
    out.flush()
    if argv is not None:  # called as a function (tests): report instead of replacing the caller
        return 0
    # The AWS CLI (and hyperpod-tui's full-screen shell) start the plugin with SIGINT/SIGQUIT/SIGTSTP ignored; the
    # real plugin takes them back (Go's signal.Notify overrides an inherited SIG_IGN) and forwards them as bytes.
    # A shell exec'd with them still ignored would hand SIG_IGN to every command, and ctrl+c would stop nothing.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
        signal.signal(sig, signal.SIG_DFL)
    env = dict(os.environ)
    env["PS1"] = f"[demo {safe_label(target or 'node')}] \\w\\$ "
    env["HISTFILE"] = ""  # keep the demo out of the user's shell history
    command = shell_command()
    try:
        os.execvpe(command[0], command, env)
    except OSError as error:
        return _fail(out, f"could not start the demo shell {command[0]}: {error}")
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
