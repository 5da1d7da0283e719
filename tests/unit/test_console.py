"""The console URL of a cluster, and when a browser may be used (never over SSH, never a text-mode browser)."""

from __future__ import annotations

import webbrowser

import pytest

from tui.core import console
from tui.core.console import console_url, desktop_session, open_in_browser, region_of_arn


def test_the_url_is_the_one_aws_s_cli_opens_with_the_name_quoted():
    assert console_url("us-west-2", "llm-pretrain-slurm") == (
        "https://us-west-2.console.aws.amazon.com/sagemaker/home?region=us-west-2"
        "#/cluster-management/llm-pretrain-slurm"
    )
    assert console_url("eu-west-1", "a b/#x").endswith("#/cluster-management/a%20b%2F%23x")


def test_the_region_comes_from_the_arn():
    assert region_of_arn("arn:aws:sagemaker:ap-northeast-1:123456789012:cluster/abc") == "ap-northeast-1"
    assert region_of_arn("not an arn") is None and region_of_arn("arn:aws:sagemaker::1:cluster/x") is None


@pytest.mark.parametrize(
    "env, platform, desktop",
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({}, "linux", False),
        ({}, "darwin", True),
        ({"SSH_CONNECTION": "1 2 3 4"}, "darwin", False),
        ({"SSH_CONNECTION": "1 2 3 4", "DISPLAY": "localhost:10.0"}, "linux", True),  # forwarded X11
    ],
)
def test_a_browser_is_used_only_in_a_desktop_session(env, platform, desktop):
    assert desktop_session(env, platform) is desktop


class Recorder(webbrowser.BaseBrowser):
    opened: list[str] = []

    def open(self, url, new=0, autoraise=True):
        self.opened.append(url)
        return True


def test_a_text_mode_browser_is_never_started_and_a_graphical_one_is(monkeypatch):
    text_mode = webbrowser.GenericBrowser("lynx")
    monkeypatch.setattr(console.webbrowser, "get", lambda: text_mode)
    monkeypatch.setattr(text_mode, "open", lambda *a, **k: pytest.fail("a text-mode browser was started"))
    assert not open_in_browser("https://x", {"DISPLAY": ":0"})
    graphical = Recorder("firefox")
    Recorder.opened = []
    monkeypatch.setattr(console.webbrowser, "get", lambda: graphical)
    assert not open_in_browser("https://x", {"SSH_TTY": "/dev/pts/1"})  # over SSH: never
    assert open_in_browser("https://x", {"DISPLAY": ":0"}) and Recorder.opened == ["https://x"]
