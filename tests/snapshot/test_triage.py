"""SVG snapshot of the triage view (snapshots/test_triage/) at 80×24: the demo's sick nodes, worst first, after the
Slurm cluster was opened (so its HMA sweep found the GPU XID 79 record)."""

from __future__ import annotations

from tests.app.test_health_column import open_slurm
from tests.harness import make_app, settle


def test_triage_view_80x24(snap_compare):
    async def run_before(pilot):
        await open_slurm(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
