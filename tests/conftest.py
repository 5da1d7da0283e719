"""Shared test set-up.

Snapshot SVGs live under the top-level `snapshots/<test_module>/` instead of pytest-textual-snapshot's default
`tests/**/__snapshots__/`. The plugin (1.1.0, syrupy 4.8.0) reads `SVGImageExtension` from its module at call
time, so a subclass with another `dirname` moves them, unused-snapshot cleanup included.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import pytest_textual_snapshot as pts

SNAPSHOT_ROOT = Path(__file__).resolve().parent.parent / "snapshots"


class TopLevelSVGExtension(pts.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location) -> str:  # type: ignore[override]
        return str(SNAPSHOT_ROOT / test_location.basename)


pts.SVGImageExtension = TopLevelSVGExtension


# Times on screen (header, details) must not depend on the machine's zone.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def _no_focus_fetch_delay(monkeypatch):
    # The pause before fetching the cluster under the cursor exists for a human moving through the list;
    # tests move once and settle, so they fetch at once.
    from tui.controllers.refresh import RefreshController

    monkeypatch.setattr(RefreshController, "focus_fetch_delay", 0.0)
