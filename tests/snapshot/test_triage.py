"""SVG snapshots of the triage view (snapshots/test_triage/): at 80×24 the demo's sick nodes, worst first, after the
Slurm cluster was opened (so its HMA sweep found the GPU XID 79 record); with both demo clusters listed, two rows
marked in two clusters; and the one confirmation of a replace across those two clusters (a typed-name box each)."""

from __future__ import annotations

from tests.app.test_health_column import open_slurm
from tests.app.test_triage_actions import open_both_then_triage
from tests.harness import make_app, settle
from tui.core.triage import row_key


def test_triage_view_80x24(snap_compare):
    async def run_before(pilot):
        await open_slurm(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


async def _mark_two_clusters(pilot) -> None:
    triage = await open_both_then_triage(pilot)
    sim = pilot.app.simulator
    for cluster, node in (("eks_cluster", "efa_fault_node"), ("slurm_cluster", "health_event_node")):
        triage.table.move_cursor_to(row_key(sim.landmarks[cluster], sim.landmarks[node]))
        await pilot.press("space")
    await settle(pilot)


def test_triage_view_with_marks_in_two_clusters_120x40(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=_mark_two_clusters)


def test_replace_across_two_clusters_confirmation_80x24(snap_compare):
    async def run_before(pilot):
        await _mark_two_clusters(pilot)
        await pilot.press("P")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_replace_across_two_clusters_confirmation_120x40(snap_compare):
    async def run_before(pilot):
        await _mark_two_clusters(pilot)
        await pilot.press("P")
        await settle(pilot)
        await pilot.press(*"genai-eks-prod")

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run_before)
