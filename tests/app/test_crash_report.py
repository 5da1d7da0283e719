"""An unexpected exception writes a crash report with the traceback, versions and recent keys, and no secret."""

from __future__ import annotations

import stat

import pytest

from tests.harness import make_app, settle
from tui.screens.main import MainScreen

SECRET = "FAKESECRETKEY0987654321"
TOKEN = "FAKESESSIONTOKEN-abcdef-123456"


async def test_a_crash_writes_a_report_without_secrets_or_typed_text(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)

    def broken_refresh(self) -> None:
        raise RuntimeError(f"injected failure while the token was {TOKEN}")

    monkeypatch.setattr(MainScreen, "action_refresh", broken_refresh)
    app = make_app()
    with pytest.raises(RuntimeError, match="injected failure"):
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("tab", "slash", "h", "u", "n", "t", "e", "r", "2", "enter", "r")
            await pilot.pause(0.2)
    reports = list((tmp_path / "hyperpod-tui" / "crash").glob("*.txt"))
    assert len(reports) == 1 and app.crash_report == reports[0]
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    text = reports[0].read_text()
    assert "RuntimeError: injected failure" in text and "broken_refresh" in text
    assert "terminal 100x30" in text and "textual " in text and "botocore " in text
    assert "key tab" in text and "typed 7 characters" in text and "action refresh" in text
    assert SECRET not in text and TOKEN not in text and "[redacted]" in text
    assert "hunter2" not in text  # what was typed into the filter box
