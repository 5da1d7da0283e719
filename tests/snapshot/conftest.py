"""Shared by every snapshot module: no cursor blink, so a frame never depends on when it was taken."""

from __future__ import annotations

import pytest
from textual.widgets import Input


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch):
    # raising=True: if Textual renames the blink toggle, this fails loudly instead of blinking snapshots.
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
