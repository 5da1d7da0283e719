"""The K8S column and K on an EKS cluster, driven with keys: the real app, its real `kubernetes` client, and the
simulator's Kubernetes API stand-in (tui/sim/kube.py) that the demo's kubeconfig names."""

from __future__ import annotations

import json

import pytest

from tests import harness
from tests.harness import make_app, settle
from tui.core.kube import NODE_PREFIX
from tui.core.tables import NODE_COLUMNS
from tui.screens.kube import KubeConfirmScreen, KubeMenuScreen, KubeResultsScreen
from tui.screens.main import MainScreen

SIZE = (140, 45)
EKS, SLURM = "genai-eks-prod", "llm-pretrain-slurm"
K8S = [column.key for column in NODE_COLUMNS].index("k8s")
HEALTH = [column.key for column in NODE_COLUMNS].index("health")


@pytest.fixture(autouse=True)
def state_home(tmp_path, monkeypatch):
    home = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def journal_lines(state_home) -> list[dict]:
    path = state_home / "hyperpod-tui" / "demo-actions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def open_nodes(pilot, cluster: str, *, view: bool = True) -> MainScreen:
    await settle(pilot)
    main = pilot.app.screen_stack[1]
    assert isinstance(main, MainScreen)
    main.jump_to_cluster(cluster)
    await settle(pilot)
    main.nodes_table.focus()
    await pilot.pause()
    detail = main.state.focus_detail
    if view and pilot.app.settings.kube and detail is not None and detail.orchestrator == "EKS":
        await kube_view_shown(pilot, main)
    return main


async def kube_view_shown(pilot, main: MainScreen, attempts: int = 100) -> None:
    """The first Kubernetes view comes from a worker after the listing: wait (bounded) until its cells are painted
    (under a loaded CI machine one settle is not always enough)."""
    for _ in range(attempts):
        if any(k8s_cell(main, key) for key in main.nodes_table.visible_keys):
            return
        await pilot.pause(0.05)
        await settle(pilot, rounds=5)


def k8s_cell(main: MainScreen, key: str) -> str:
    row = main.nodes_table.row(key)
    assert row is not None
    return " ".join(text for text, _ in row.values[K8S])


def shown_labels(main: MainScreen) -> list[str]:
    table = main.nodes_table
    return [table.model.columns[i].label for i in table.model.shown]


async def test_the_k8s_column_shows_for_eks_only_and_cordon_through_k_shows_cordoned(state_home):
    app = make_app(kube=True)
    stand_in_patches = lambda: app.simulator.kube_stand_in.patches  # noqa: E731
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        assert "K8S" in shown_labels(main)
        running = [
            k for k in main.nodes_table.visible_keys if k.startswith("i-") and "Schedulable" == k8s_cell(main, k)
        ]
        target = running[0]
        main.nodes_table.set_filter(target)  # the one row, under the cursor
        await pilot.pause()
        await pilot.press("space", "K")
        assert isinstance(app.screen, KubeMenuScreen)
        await pilot.press("c")
        assert isinstance(app.screen, KubeConfirmScreen)
        assert stand_in_patches() == [] and journal_lines(state_home) == []  # nothing before the confirmation
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, KubeResultsScreen)
        assert stand_in_patches() == [(f"{NODE_PREFIX}{target[2:]}", {"spec": {"unschedulable": True}})]
        await pilot.press("escape")
        await settle(pilot)
        assert k8s_cell(main, target) == "cordoned · Schedulable"
        intent, result = journal_lines(state_home)
        assert intent["kind"] == "intent" and intent["operation"] == "PatchNode" and intent["node_ids"] == [target]
        assert result["kind"] == "result" and result["outcome"] == "Successful"
        assert target not in main.nodes_table.marks
        main.jump_to_cluster(SLURM)
        await settle(pilot)
        assert "K8S" not in shown_labels(main)


async def test_replace_by_label_says_recovery_must_be_on_needs_the_name_and_feeds_health(state_home):
    app = make_app(kube=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        target = next(k for k in main.nodes_table.visible_keys if k8s_cell(main, k) == "Schedulable")
        main.nodes_table.set_filter(target)  # the one row, under the cursor
        await pilot.pause()
        await pilot.press("K", "p")
        screen = app.screen
        assert isinstance(screen, KubeConfirmScreen)
        assert "automatic node recovery" in str(screen.query_one("#kube-recovery").render())
        await pilot.press("y")  # a replacement needs the name typed: y goes into the box, nothing is sent
        assert app.screen is screen and app.simulator.kube_stand_in.patches == []
        await pilot.press("backspace")
        await harness.type_text(pilot, EKS)
        await pilot.press("enter")
        await settle(pilot)
        assert app.simulator.kube_stand_in.patches[-1][1] == {
            "metadata": {"labels": {"sagemaker.amazonaws.com/node-health-status": "UnschedulablePendingReplacement"}}
        }


def detail_recovery(main) -> str | None:
    detail = main.state.detail_of(EKS)
    return detail.node_recovery if detail is not None else None


async def test_a_pending_reboot_label_reaches_the_health_column(state_home):
    app = make_app(kube=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        stand_in = app.simulator.kube_stand_in
        target = next(k for k in main.nodes_table.visible_keys if k8s_cell(main, k) == "Schedulable")
        stand_in.labels[target] = {"sagemaker.amazonaws.com/node-health-status": "UnschedulablePendingReboot"}
        main.kube.tick(force=True)
        await settle(pilot)
        assert k8s_cell(main, target) == "PendingReboot"
        row = main.nodes_table.row(target)
        assert row is not None and row.values[HEALTH] == (("PendingReboot · K8S", "Failure"),)
        verdict = main.state.snapshot_of(EKS).verdicts[target]
        # genai-eks-prod's NodeRecovery is None in the demo: the label acts only with Automatic, so the operator does
        assert detail_recovery(main) == "None" and verdict.step.action == "reboot"


async def test_without_a_kubeconfig_context_the_column_says_why_once_and_nothing_breaks(state_home, tmp_path):
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\ncontexts: []\n")
    app = make_app(kube=True, kubeconfig=str(empty))
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS, view=False)  # there is none to wait for
        for _ in range(3):
            main.kube.tick(force=True)
            await settle(pilot)
        said = [text for text, _ in harness.notices(app) if "K8S" in text]
        assert len(said) == 1 and "no kubeconfig context for EKS cluster" in said[0]
        assert "K8S: no kubeconfig context" in str(main.query_one("#nodes-pane").border_subtitle)
        assert all(k8s_cell(main, key) == "" for key in main.nodes_table.visible_keys)
        assert len(main.nodes_table.visible_keys) > 20  # the API's nodes are all there
        await pilot.press("K")
        assert isinstance(app.screen, KubeMenuScreen)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, KubeConfirmScreen) and screen.plan.refused


async def test_read_only_refuses_k_and_sends_nothing(state_home):
    app = make_app(kube=True, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        await pilot.press("space", "K")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert any("Read-only" in text for text, _ in harness.notices(app))
        assert app.simulator.kube_stand_in.patches == [] and journal_lines(state_home) == []
        # and the controller refuses on its own, whatever calls it
        main.kube.request(list(main.nodes_table.visible_keys[:1]), 0)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
