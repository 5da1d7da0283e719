"""tui.core.node_shell: what a shell request is about, and the texts shown for it (all sanitised)."""

from __future__ import annotations

import pytest

from tui.core.node_shell import BANNER_TAG, QUICK_EXIT_S, NodeShell, exit_summary, fullscreen_return_prompt

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222"
IID = "i-0123456789abcdef0"


def shell(**overrides) -> NodeShell:
    values = {
        "cluster": "ml-prod",
        "cluster_arn": ARN,
        "group": "controller-machine",
        "instance_id": IID,
        "hostname": "ip-10-1-2-3.us-west-2.compute.internal",
        "status": "Running",
    }
    return NodeShell.for_node(**{**values, **overrides})


def test_for_node_builds_the_target():
    node = shell()
    assert node.target == f"sagemaker-cluster:aa11bbbbb222_controller-machine-{IID}"
    assert node.document is None
    assert shell(document="").document is None  # an empty setting means none


@pytest.mark.parametrize(
    "overrides",
    [
        {"cluster_arn": "arn:aws:sagemaker:us-west-2:1:cluster/my-name"},
        {"group": "bad group"},
        {"instance_id": "node-1"},
    ],
)
def test_for_node_rejects_what_cannot_be_a_target(overrides):
    with pytest.raises(ValueError):
        shell(**overrides)


def test_titles_name_node_and_cluster_with_the_short_hostname():
    node = shell()
    assert node.title == f"{IID} · ml-prod"
    assert node.place == f"node {IID} (group controller-machine, ip-10-1-2-3) · cluster ml-prod"
    assert node.info_line("sess-1") == f"{node.place} · session sess-1"
    assert "root" in node.user_note
    assert "SSM-SessionManagerRunShellAsUbuntu" in shell(document="SSM-SessionManagerRunShellAsUbuntu").user_note


def test_names_from_aws_cannot_reach_the_terminal_raw():
    # A hostile cluster name or hostname must not put escape sequences on the real terminal (the full-screen
    # banner is printed with the app suspended).
    node = NodeShell("evil\x1b]52;c;cm0gLXJm\x07\x1b[2J", "g", IID, "sagemaker-cluster:x", hostname="h\x1b[31m")
    texts = [node.title, node.place, node.info_line("s\x1b[1m"), node.fullscreen_banner("s\x9b2J")]
    assert not any(ch in text for text in texts for ch in "\x1b\x07\x9b")


def test_fullscreen_banner():
    banner = shell().fullscreen_banner("sess-42")
    first, second, third, fourth = banner.splitlines()
    assert first.startswith(BANNER_TAG) and IID in first and "cluster ml-prod" in first
    assert "sagemaker-cluster:aa11bbbbb222_controller-machine-" in second and "session sess-42" in second
    assert "root" in third
    assert "exit" in fourth


@pytest.mark.parametrize(
    "code, failure, expected",
    [
        (0, None, "session ended (exit 0)"),
        (5, None, "session ended (exit 5)"),
        (-15, None, "session ended (killed by signal 15)"),
        (None, None, "session ended"),
        (0, "EOF", "session failed: EOF"),
        (0, "bad\x1b[2Jthing", "session failed: badthing"),
    ],
)
def test_exit_summary(code, failure, expected):
    assert exit_summary(code, failure) == expected


def test_return_prompt_only_when_the_output_would_otherwise_vanish():
    assert fullscreen_return_prompt(0, QUICK_EXIT_S + 60) is None  # a normal session: straight back
    quick = fullscreen_return_prompt(0, 0.4)
    assert quick is not None and "0.4 s" in quick and "Enter" in quick  # probably "Cannot perform start session"
    assert fullscreen_return_prompt(255, QUICK_EXIT_S + 60) is not None
