"""SVG snapshots of EKS clusters' Kubernetes view (under snapshots/test_kube/): the K8S column with a cordoned node,
one labelled for replacement and the deep health check's Unschedulable, and the replace-by-label confirmation.

The simulator's Kubernetes API stand-in is started before the app (tui/backend.py demo_kubeconfig) so the labels
can be set first; everything else is the demo, frozen."""

from __future__ import annotations

from tests.harness import make_app, settle
from tui.backend import demo_kubeconfig
from tui.sim.kube import HEALTH_LABEL

EKS = "genai-eks-prod"


def eks_app():
    app = make_app(kube=True)
    sim = app.simulator
    demo_kubeconfig(sim)
    stand_in = sim.kube_stand_in
    running = sorted(n.instance_id for n in sim.cluster(EKS).nodes.values() if n.status == "Running")
    stand_in.cordoned.add(running[0])
    stand_in.cordoned.add(running[1])
    stand_in.labels[running[1]] = {HEALTH_LABEL: "UnschedulablePendingReplacement"}
    stand_in.labels[running[2]] = {HEALTH_LABEL: "UnschedulablePendingReboot"}
    # These pictures are of the K8S column: the EFA node's HMA record would race the Kubernetes view into HEALTH
    # (whichever worker lands last), so its stream is left out here.
    efa = sim.landmarks["efa_fault_node"]
    group = sim.world.logs.groups[sim.cluster(EKS).log_group]
    for name in [name for name in group.streams if name.startswith("SagemakerHealthMonitoringAgent/") and efa in name]:
        del group.streams[name]
        group.stream_names.remove(name)
    return app


async def to_eks_nodes(pilot) -> None:
    await settle(pilot)
    await pilot.press("tab", "tab")
    await settle(pilot)
    # The first Kubernetes view comes from a worker after the listing: wait (bounded) until its cells are painted.
    table = pilot.app.screen.nodes_table
    k8s = [column.key for column in table.model.columns].index("k8s")
    for _ in range(100):
        if any((row := table.row(key)) is not None and row.values[k8s] for key in table.visible_keys):
            break
        await pilot.pause(0.05)
        await settle(pilot, rounds=5)


class TestKubeColumn:
    def test_eks_nodes_pane_with_the_k8s_column(self, snap_compare):
        assert snap_compare(eks_app(), terminal_size=(130, 42), run_before=to_eks_nodes)

    def test_eks_nodes_pane_with_the_k8s_column_80x24(self, snap_compare):
        assert snap_compare(eks_app(), terminal_size=(80, 24), run_before=to_eks_nodes)

    def test_replace_by_label_confirmation_80x24(self, snap_compare):
        async def run_before(pilot):
            await to_eks_nodes(pilot)
            await pilot.press("down", "down", "down", "space", "K", "p")
            await settle(pilot)

        assert snap_compare(eks_app(), terminal_size=(80, 24), run_before=run_before)
