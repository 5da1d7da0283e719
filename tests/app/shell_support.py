"""Fake session-manager-plugins (real executables, passed with `ssm_plugin=`) and helpers for shell tests."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

from tests.harness import notices
from tui.core import ssm
from tui.core.models import Node

# Every fake answers --version and decodes the real argv/env contract, so a wrong launch fails loudly.
PRELUDE = """\
import json, os, signal, subprocess, sys, time
if sys.argv[1:] == ["--version"]:
    print("@VERSION@")
    sys.exit(0)
NAME = sys.argv[1]
RESPONSE = json.loads(os.environ[NAME] if NAME.startswith("AWS_SSM_START_SESSION_RESPONSE") else NAME)
REQUEST = json.loads(sys.argv[5])
"""

# Prints a recognisable line, reports `stty size` now and on every SIGWINCH, echoes each line it reads;
# "bye" makes it exit 5.
ECHO = """\
print(f"FAKE-PLUGIN {RESPONSE['SessionId']} via={NAME} region={sys.argv[2]} op={sys.argv[3]}", flush=True)
print(f"doc={REQUEST.get('DocumentName')}", flush=True)
def size(*_):
    rows_cols = subprocess.run(["stty", "size"], capture_output=True, text=True).stdout.split()
    print("SIZE " + "x".join(rows_cols), flush=True)
signal.signal(signal.SIGWINCH, size)
size()
for line in sys.stdin:
    line = line.strip()
    print("GOT:" + line, flush=True)
    if line == "bye":
        sys.exit(5)
"""

# What the real plugin does when the data channel fails: says so on stdout, exits 0.
FAILS = """\
print("Starting session with SessionId: " + RESPONSE["SessionId"], flush=True)
print("Cannot perform start session: EOF", flush=True)
sys.exit(0)
"""

# Records its argv and the response variable next to itself, then exits 3 (for the full-screen path).
RECORDS = """\
record = {"argv": sys.argv, "response": os.environ.get("AWS_SSM_START_SESSION_RESPONSE")}
with open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "ran.json"), "w") as out:
    json.dump(record, out)
sys.exit(3)
"""

# Fixed text, then waits: deterministic for snapshots.
STILL = """\
print("FAKE session-manager-plugin: connected.", flush=True)
print("", flush=True)
sys.stdout.write("root@ip-10-1-0-16:~# ")
sys.stdout.flush()
time.sleep(600)
"""


def fake_plugin(tmp_path: Path, body: str, *, version: str = "1.2.814.0", vanish: bool = False) -> Path:
    """`vanish`: it answers --version, then deletes itself (uninstalled between the preflight and the launch)."""
    path = tmp_path / "session-manager-plugin"
    prelude = PRELUDE.replace("@VERSION@", version)
    if vanish:
        prelude = prelude.replace('    print("', '    os.unlink(sys.argv[0])\n    print("', 1)
    path.write_text(f"#!{sys.executable}\n{prelude}{textwrap.dedent(body)}")
    path.chmod(0o755)
    return path


def main_screen(app):
    from tui.screens.main import MainScreen

    assert isinstance(app.screen, MainScreen), app.screen
    return app.screen


async def on_node(pilot, app, *, cluster: str | None = None, status: str = "Running") -> Node:
    """Put the nodes table's cursor on a node of that status (lowest instance id first) and focus the table."""
    from tests.harness import settle

    main = main_screen(app)
    if cluster is not None:
        main.jump_to_cluster(cluster)
        await settle(pilot)
    nodes = sorted(main.state.focus_snapshot.nodes.values(), key=lambda node: node.instance_id)
    node = next(node for node in nodes if node.status == status)
    main.jump_to_node(node.instance_id)
    await pilot.pause()
    assert app.focused is main.nodes_table and main.nodes_table.cursor_key == node.instance_id
    return node


def target_of(app, node: Node) -> str:
    return ssm.ssm_target(main_screen(app).state.focus_detail.arn, node.group, node.instance_id)


def shell_text(app) -> str:
    """The active tab: its info lines, error band, status and terminal, as a user reads them."""
    tabs = main_screen(app).shells.tabs
    if tabs is None or tabs.active is None:
        return ""
    tab = tabs.active
    parts = [str(static.render()) for static in tab.query(".shell-info, .shell-error, .shell-status") if static.display]
    if tab.pane is not None:
        parts += tab.pane.screen_lines
    return "\n".join(parts)


async def wait_until(pilot, predicate, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; shell pane:\n{shell_text(pilot.app)}")
        await pilot.pause(0.05)


def notifications(app) -> list[tuple[str, str]]:
    return notices(app)
