"""ssh through SSM: the Host entries (aliases, the ProxyCommand carrying the app's flags, hostile names) and their
merge into the ssh config (idempotent, a backup, other blocks untouched, a failure loses nothing)."""

from __future__ import annotations

import os
import shlex
import stat

import pytest

from tui.core import ssh_config
from tui.core.ssh_config import SshConfigError, SshNode, SshOptions

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/abcdef123456"
NODES = [
    SshNode("i-0123456789abcdef0", "controller-machine", "ip-10-1-2-3.us-west-2.compute.internal", "Controller"),
    SshNode("i-0123456789abcdef1", "login-group", "ip-10-1-2-4.us-west-2.compute.internal", "Login"),
    SshNode("i-0123456789abcdef2", "worker-group-1", "ip-10-1-2-5.us-west-2.compute.internal", "Compute"),
]
OPTIONS = SshOptions(user="ubuntu", key="~/.ssh/id_ed25519.pub", region="us-west-2")


def hosts(text: str) -> dict[str, dict[str, str]]:
    """Host line → its settings, as ssh would read them."""
    found: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "Host":
            current = found.setdefault(words[1], {})
        elif current is not None:
            current[words[0]] = words[1]
    return found


def test_aliases_by_cluster_host_name_and_instance_id_controller_answers_to_the_cluster_name():
    entries = ssh_config.build_entries("train", ARN, NODES, OPTIONS)
    assert entries.hosts[0] == ("train", "train-ip-10-1-2-3", "train-i-0123456789abcdef0", "i-0123456789abcdef0")
    assert entries.hosts[1][:2] == ("train-login", "train-ip-10-1-2-4")
    assert entries.hosts[2] == ("train-ip-10-1-2-5", "train-i-0123456789abcdef2", "i-0123456789abcdef2")
    parsed = hosts(entries.text)
    controller = parsed[" ".join(entries.hosts[0])]
    assert controller["User"] == "ubuntu"
    assert controller["IdentityFile"] == "~/.ssh/id_ed25519"  # the private key, not the .pub
    assert controller["HostName"] == "i-0123456789abcdef0"
    command = shlex.split(controller["ProxyCommand"])
    assert command == [
        "aws",
        "ssm",
        "start-session",
        "--target",
        "sagemaker-cluster:abcdef123456_controller-machine-i-0123456789abcdef0",
        "--document-name",
        "AWS-StartSSHSession",
        "--parameters",
        "portNumber=%p",
        "--region",
        "us-west-2",
    ]
    assert entries.text.startswith(ssh_config.begin_marker("train"))
    assert entries.text.rstrip("\n").endswith(ssh_config.end_marker("train"))


def test_the_apps_profile_and_endpoint_are_carried_and_percent_is_doubled():
    options = SshOptions(region="eu-west-1", profile="ops team", endpoint_url="http://127.0.0.1:9/x%20y")
    entries = ssh_config.build_entries("train", ARN, NODES[:1], options)
    proxy = hosts(entries.text)[" ".join(entries.hosts[0])]["ProxyCommand"]
    assert "--region eu-west-1" in proxy
    assert "--profile 'ops team'" in proxy
    assert "--endpoint-url http://127.0.0.1:9/x%%20y" in proxy  # ssh would expand a single %2
    assert proxy.count("%p") == 1 and "portNumber=%p" in proxy


@pytest.mark.parametrize(
    "node",
    [
        SshNode("i-0123456789abcdef3", "g", "evil host\nProxyCommand rm -rf ~", "Compute"),
        SshNode("i-0123456789abcdef4", "g", "a*b.internal", "Compute"),
        SshNode("i-0123456789abcdef5", "bad group; rm", "ip-10-0-0-1", "Compute"),
        SshNode("not-an-id", "g", "ip-10-0-0-1", "Compute"),
    ],
)
def test_a_hostile_name_leaves_its_node_out_and_says_why(node):
    entries = ssh_config.build_entries("train", ARN, [NODES[0], node], OPTIONS)
    assert len(entries.hosts) == 1 and len(entries.skipped) == 1
    assert "rm -rf" not in entries.text and "\nProxyCommand rm" not in entries.text
    assert all("\n" not in reason for reason in entries.skipped)


@pytest.mark.parametrize("cluster", ["two words", "a\nHost *", "x*", ""])
def test_a_cluster_name_that_cannot_be_an_alias_is_refused(cluster):
    with pytest.raises(SshConfigError):
        ssh_config.build_entries(cluster, ARN, NODES, OPTIONS)


@pytest.mark.parametrize("user", ["root\nProxyCommand x", "Bad User", "-o", ""])
def test_a_bad_user_is_refused(user):
    with pytest.raises(SshConfigError):
        ssh_config.build_entries("train", ARN, NODES, SshOptions(user=user, region="us-west-2"))


def test_a_key_path_with_spaces_is_quoted_and_one_with_a_newline_refused():
    entries = ssh_config.build_entries("train", ARN, NODES[:1], SshOptions(key="/keys/my key", region="r"))
    assert 'IdentityFile "/keys/my key"' in entries.text
    with pytest.raises(SshConfigError):
        ssh_config.build_entries("train", ARN, NODES[:1], SshOptions(key="/k\nProxyCommand x", region="r"))


def test_node_choice():
    assert [n.group for n in ssh_config.select_nodes(NODES, "controller")] == ["controller-machine"]
    assert [n.group for n in ssh_config.select_nodes(NODES, "login")] == ["login-group"]
    assert len(ssh_config.select_nodes(NODES, "worker-group-1")) == 1
    with pytest.raises(SshConfigError, match="worker-group-1"):
        ssh_config.select_nodes(NODES, "nope")


OTHER = "Host bastion\n    HostName 1.2.3.4\n    User me\n\nHost *\n    ServerAliveInterval 30\n"


def test_writing_twice_gives_the_same_file_keeps_a_backup_and_other_blocks(tmp_path):
    config = tmp_path / ".ssh" / "config"
    config.parent.mkdir()
    config.write_text(OTHER)
    os.chmod(config, 0o640)
    entries = ssh_config.build_entries("train", ARN, NODES, OPTIONS)
    first = ssh_config.write_entries(config, entries)
    assert first.changed and first.backup is not None
    assert first.backup.read_text() == OTHER
    once = config.read_text()
    assert once.startswith(OTHER) and entries.text in once
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # the mode kept
    second = ssh_config.write_entries(config, entries)
    assert not second.changed and config.read_text() == once
    # a new cluster's block is added, the first one is untouched; a changed block is replaced in place
    other = ssh_config.build_entries("dev", ARN, NODES[:1], OPTIONS)
    ssh_config.write_entries(config, other)
    smaller = ssh_config.build_entries("train", ARN, NODES[:2], OPTIONS)
    ssh_config.write_entries(config, smaller)
    final = config.read_text()
    assert final.startswith(OTHER)
    assert final.count(ssh_config.begin_marker("train")) == 1 and smaller.text in final and other.text in final
    assert final.index(smaller.text) < final.index(other.text)  # replaced where it was
    assert "i-0123456789abcdef2" not in final.split(other.text)[0].split(OTHER)[1]


def test_a_new_config_is_0600_in_a_0700_directory(tmp_path):
    config = tmp_path / "home" / ".ssh" / "config"
    outcome = ssh_config.write_entries(config, ssh_config.build_entries("train", ARN, NODES, OPTIONS))
    assert outcome.changed and outcome.backup is None
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700


def test_a_read_only_ssh_directory_gives_a_clear_error_and_loses_nothing(tmp_path, monkeypatch):
    config = tmp_path / ".ssh" / "config"
    config.parent.mkdir()
    config.write_text(OTHER)
    if os.geteuid() == 0:  # root writes through permission bits: the directory refuses the way the kernel would

        def refused(directory):
            raise PermissionError(13, "Permission denied", str(directory))

        monkeypatch.setattr(ssh_config, "_make_temp", refused)
    else:
        os.chmod(config.parent, 0o500)
    try:
        with pytest.raises(SshConfigError, match="Permission denied.*not changed"):
            ssh_config.write_entries(config, ssh_config.build_entries("train", ARN, NODES, OPTIONS))
    finally:
        os.chmod(config.parent, 0o700)
    assert config.read_text() == OTHER
    assert sorted(p.name for p in config.parent.iterdir()) == ["config"]  # no temp file, no half backup


def test_broken_markers_are_refused_not_guessed(tmp_path):
    config = tmp_path / "config"
    config.write_text(OTHER + ssh_config.begin_marker("train") + "\nHost x\n")
    with pytest.raises(SshConfigError, match="markers"):
        ssh_config.write_entries(config, ssh_config.build_entries("train", ARN, NODES, OPTIONS))
    assert config.read_text() == OTHER + ssh_config.begin_marker("train") + "\nHost x\n"


def test_the_key_install_command_appends_once_and_reports_presence():
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx6q0u8r7Kq2a0 me@laptop"
    command = ssh_config.install_key_command("ubuntu", key)
    assert command.count(shlex.quote(key)) == 3 and ssh_config.KEY_OK_MARKER in command
    assert ssh_config.key_verified(f"noise\n{ssh_config.KEY_OK_MARKER}\n")
    assert not ssh_config.key_verified("grep: no such file")
    with pytest.raises(SshConfigError):
        ssh_config.install_key_command("ubuntu", "ssh-ed25519 AAAA\nrm -rf /")
