"""The app starts and says what is wrong when AWS cannot be used; nothing crashes, and it keeps retrying."""

from __future__ import annotations

import socket

import pytest

from tests.harness import make_app, notices, settle
from tui.app import HyperPodApp
from tui.backend import make_api_factory
from tui.config import Settings
from tui.widgets.banner import Banner

SIZE = (120, 40)


@pytest.fixture
def no_aws_config(tmp_path, monkeypatch):
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def real_app(**settings) -> HyperPodApp:
    values = Settings(refresh=5.0, **settings)
    factory, _ = make_api_factory(values)
    return HyperPodApp(values, factory)


def banner_text(app) -> str:
    banner = app.screen.query_one("#problem-banner", Banner)
    assert banner.shown
    return banner.message


async def test_no_credentials(no_aws_config):
    app = real_app(region="us-west-2", endpoint_url="http://127.0.0.1:9")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = banner_text(app)
        assert "No AWS credentials" in text and "aws sso login" in text and "Retrying every 5s" in text
        assert app.screen.refreshes.timer is not None  # still retrying


async def test_unknown_profile(no_aws_config):
    app = real_app(profile="no-such-profile", region="us-west-2")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "no-such-profile" in banner_text(app)


async def test_unreachable_endpoint(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = real_app(region="us-west-2", endpoint_url=f"http://127.0.0.1:{port}")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=200)
        text = banner_text(app)
        assert f"127.0.0.1:{port}" in text and "--endpoint-url" in text
        assert app.screen.header.stale_reason


async def test_unknown_region_is_named(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    app = real_app(region="us-wets-2")
    app_api = app.ensure_api()
    assert "us-wets-2" in app_api.region_warning()
    assert real_app(region="us-west-2").ensure_api().region_warning() == ""


async def test_a_broken_user_theme_gives_one_notification(no_aws_config):
    themes = no_aws_config / "xdg" / "hyperpod-tui" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text('name = "broken"\n[colors]\nprimary = "nope"\n')
    (themes / "worse.toml").write_text("[[[")
    app = make_app(theme="broken")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        skipped = [text for text, _ in notices(app) if "Theme files skipped" in text]
        assert len(skipped) == 1 and "broken.toml" in skipped[0] and "worse.toml" in skipped[0]
        assert app.theme == "hyperpod-dark"
