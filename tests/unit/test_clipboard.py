"""tui.core.clipboard: system clipboard when reachable (pyperclip), else None so the app uses OSC 52."""

from __future__ import annotations

import pyperclip
import pytest

from tui.core import clipboard


@pytest.fixture(autouse=True)
def _fresh_probe():
    clipboard.reset()
    yield
    clipboard.reset()


@pytest.mark.parametrize(
    "env, remote",
    [
        ({}, False),
        ({"DISPLAY": ":0"}, False),
        ({"SSH_CONNECTION": "1 2 3 4"}, True),
        ({"SSH_TTY": "/dev/pts/1"}, True),
        ({"SSH_CONNECTION": "1 2 3 4", "DISPLAY": "localhost:10.0"}, False),  # X11 forwarding reaches the user
        ({"SSH_CLIENT": "x", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ],
)
def test_remote_without_display(env, remote):
    assert clipboard.remote_without_display(env) is remote


def test_over_ssh_without_display_never_asks_pyperclip(monkeypatch):
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: pytest.fail("probed"))
    assert clipboard.native_copier({"SSH_TTY": "/dev/pts/3"}) is None


def test_a_found_mechanism_is_used_and_named(monkeypatch):
    copied, probes = [], []

    def copy_xclip(text):
        copied.append(text)

    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: probes.append(1) or (copy_xclip, None))
    clipboard.native_copier({"DISPLAY": ":0"})
    assert clipboard.copy_native("aws ssm start-session") == "xclip"
    assert clipboard.copy_native("again") == "xclip"
    assert copied == ["aws ssm start-session", "again"]
    assert probes == [1]  # probed once


def test_no_mechanism_means_none(monkeypatch):
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: pyperclip.init_no_clipboard())
    clipboard.native_copier({})
    assert clipboard.copy_native("x") is None


def test_a_failing_copy_or_probe_means_none(monkeypatch):
    def copy_xsel(text):
        raise pyperclip.PyperclipException("cannot open display")

    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (copy_xsel, None))
    clipboard.native_copier({})
    assert clipboard.copy_native("x") is None
    clipboard.reset()
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: 1 / 0)
    assert clipboard.native_copier({}) is None
