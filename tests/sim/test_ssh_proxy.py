"""The demo's ssh entries really reach the simulator: a generated ProxyCommand run as ssh runs it (%p substituted,
through the shell) carries bytes to the sshd stand-in of the node's port 22 and back; the real ssh client, when
installed, gets that stand-in's clean disconnect; `hyperpod-tui forward` carries an HTTP request to a dashboard
stand-in and ends its session on Ctrl-C."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import redirect_stdout

import pytest

from tui import cli
from tui.sim.node_ports import DISCONNECT_TEXT, SSH_BANNER

CLUSTER = "llm-pretrain-slurm"


def demo_entries(*flags: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["ssh-config", CLUSTER, "--demo", *flags]) == 0
    return out.getvalue()


def proxy_commands(text: str) -> dict[str, str]:
    commands, host = {}, None
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if words and words[0] == "Host":
            host = words[1].split()[0]
        elif words and words[0] == "ProxyCommand" and host:
            commands[host] = words[1]
    return commands


def as_ssh_runs_it(command: str, port: int) -> list[str]:
    """ssh expands %p (and %% to %), then runs the line with the user's shell (`exec` in front)."""
    line = command.replace("%p", str(port)).replace("%%", "%")
    return ["/bin/sh", "-c", f"exec {line}"]


def read_until(stream, needle: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        chunk = stream.read1(4096)
        if not chunk:
            break
        seen += chunk
    return seen


def test_a_generated_proxy_command_carries_bytes_to_the_nodes_sshd_stand_in_and_back():
    commands = proxy_commands(demo_entries("--nodes", "controller"))
    assert list(commands) == [CLUSTER]
    command = commands[CLUSTER]
    assert "AWS-StartSSHSession" in command and "portNumber=%p" in command and "--region us-west-2" in command
    proxy = subprocess.Popen(as_ssh_runs_it(command, 22), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert proxy.stdout is not None and proxy.stdin is not None
        banner = read_until(proxy.stdout, b"\r\n")
        # the plugin's own line comes first (ssh skips lines before the identification string), then the node's
        assert b"Starting session with SessionId: " in banner
        assert SSH_BANNER.encode() in banner and b"ip-10-1-192-133" in banner
        proxy.stdin.write(b"hello through SSM\n")
        proxy.stdin.flush()
        assert read_until(proxy.stdout, b"hello through SSM\n").endswith(b"hello through SSM\n")
        proxy.stdin.write(b"\x00\xffbinary too\n")
        proxy.stdin.flush()
        assert b"\x00\xffbinary too\n" in read_until(proxy.stdout, b"binary too\n")
        proxy.stdin.close()  # ssh hangs up: the session ends
        assert proxy.wait(timeout=10) == 0
    finally:
        proxy.kill()


def test_a_port_nothing_listens_on_fails_the_way_the_plugin_says():
    command = proxy_commands(demo_entries("--nodes", "controller"))[CLUSTER]
    done = subprocess.run(as_ssh_runs_it(command, 2222), input=b"", capture_output=True, timeout=30)
    assert b"Cannot perform start session: " in done.stdout and b"connection refused" in done.stdout


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh client installed")
def test_the_real_ssh_client_reaches_the_stand_in_through_the_written_config(tmp_path):
    config = tmp_path / "config"
    demo_entries("--nodes", "login", "--write", "--ssh-config", str(config))
    done = subprocess.run(
        ["ssh", "-F", str(config), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        + ["-o", "BatchMode=yes", f"{CLUSTER}-login", "true"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert DISCONNECT_TEXT.encode() in done.stderr, done.stderr


def test_headless_forward_carries_a_request_to_the_controllers_dashboard_and_ends_on_ctrl_c():
    forward = subprocess.Popen(
        [sys.executable, "-m", "tui", "forward", CLUSTER, "controller", "0:3000", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert forward.stdout is not None and forward.stderr is not None
        address = forward.stdout.readline().strip()
        assert address.startswith("localhost:"), forward.stderr.read()
        with urllib.request.urlopen(f"http://{address}/", timeout=10) as answer:
            assert b"Grafana on ip-10-1-192-133:3000" in answer.read()
        forward.send_signal(signal.SIGINT)
        assert forward.wait(timeout=10) == 0
        said = forward.stderr.read()
        assert "Forwarding localhost:" in said and "terminated" in said
    finally:
        forward.kill()


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBf5Gm3kq0xWcV7Yk0y8aR3uJ1nQ2pL4sT6vX8zA0bCd me@laptop"


def install(tmp_path, monkeypatch, capsys, *flags: str) -> tuple[int, str, list[dict]]:
    import json

    from tui.core.journal import default_journal_path

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "id_ed25519.pub").write_text(KEY + "\n")
    code = cli.main(
        ["ssh-config", CLUSTER, "--demo", "--nodes", "login", "--key", str(tmp_path / "id_ed25519"), *flags]
    )
    path = default_journal_path(demo=True)
    entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return code, capsys.readouterr().err, entries


def test_install_key_asks_first_and_without_a_yes_sends_nothing(tmp_path, monkeypatch, capsys):
    code, err, journal = install(tmp_path, monkeypatch, capsys, "--install-key")
    assert code == 2 and "confirm with --yes" in err and "Nothing was sent" in err
    assert journal == []


def test_install_key_with_yes_is_journaled_write_ahead_and_verified_on_every_node(tmp_path, monkeypatch, capsys):
    code, err, journal = install(tmp_path, monkeypatch, capsys, "--install-key", "--yes")
    assert code == 0, err
    assert err.count("\tok\tkey present") == 2
    kinds = [entry["kind"] for entry in journal]
    assert kinds == ["intent", "result"]
    assert journal[0]["document"] == "AWS-StartInteractiveCommand" and "authorized_keys" in journal[0]["command"]
    assert journal[0]["purpose"] == "install-key" and len(journal[0]["node_ids"]) == 2


def test_install_key_is_refused_in_read_only_mode(tmp_path, monkeypatch, capsys):
    code, err, journal = install(tmp_path, monkeypatch, capsys, "--install-key", "--yes", "--read-only")
    assert code == 2 and "read-only" in err and journal == []


def test_ssh_config_and_forward_never_import_textual():
    code = (
        "import sys, io, contextlib\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['ssh-config', 'llm-pretrain-slurm', '--demo', '--nodes', 'controller']) == 0\n"
        "    assert main(['forward', 'llm-pretrain-slurm', 'controller', 'bad', '--demo']) == 2\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "sys.exit('textual loaded: ' + ', '.join(bad) if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_demo_aws_against_a_served_simulator_reaches_the_nodes_port_there():
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.sim", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip().removeprefix("listening on ")
        target = "sagemaker-cluster:fnx5mywfdqrg_controller-machine-i-052a53b96c35b3a1a"
        command = [sys.executable, "-m", "tui.sim", "aws", "ssm", "start-session", "--target", target]
        command += ["--document-name", "AWS-StartSSHSession", "--parameters", "portNumber=22"]
        command += ["--region", "us-west-2", "--endpoint-url", url]
        done = subprocess.run(command, input=b"over http\n", capture_output=True, timeout=60)
        assert SSH_BANNER.encode() in done.stdout and done.stdout.endswith(b"over http\n"), done.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
