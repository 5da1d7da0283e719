"""Issue 15 item 2: the groups and clusters panes count the nodes a verdict calls unhealthy (NODE STATUS, first),
and say `manual` when the cluster's NodeRecovery is None. The demo: llm-pretrain-slurm has the XID 79 worker
(worker-group-1) and the failed worker (worker-group-2); genai-eks-prod (recovery off) the EFA fault."""

from __future__ import annotations

from tests.app.test_triage_actions import SIZE
from tests.harness import make_app, settle
from tui.core.tables import GROUP_COLUMNS, cluster_columns
from tui.screens.main import MainScreen

CLUSTER_HEALTH = [c.key for c in cluster_columns()].index("health")
GROUP_HEALTH = [c.key for c in GROUP_COLUMNS].index("health")


def texts(cell) -> list[str]:
    return [text for text, _status in cell]


async def test_the_panes_count_unhealthy_nodes_first_and_say_manual_when_recovery_is_off() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        sim = app.simulator
        slurm, eks = sim.landmarks["slurm_cluster"], sim.landmarks["eks_cluster"]
        for cluster in (eks, slurm):
            sim.clock.advance(1)
            main.jump_to_cluster(cluster)
            await settle(pilot)
        clusters = main.clusters_table
        assert texts(clusters.row(slurm).values[CLUSTER_HEALTH])[0] == "2 unhealthy"
        assert texts(clusters.row(eks).values[CLUSTER_HEALTH])[0] == "1 unhealthy · manual"
        groups = main.groups_table
        assert texts(groups.row("worker-group-1").values[GROUP_HEALTH])[0] == "1 unhealthy"
        assert texts(groups.row("worker-group-2").values[GROUP_HEALTH])[0] == "1 unhealthy"
        assert "unhealthy" not in " ".join(texts(groups.row("login-group").values[GROUP_HEALTH]))
