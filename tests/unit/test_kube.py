"""Kubernetes' view of EKS clusters, without an API server: the kubeconfig context match, a node's labels → its K8S
cell and health signal, the books saying a problem once, and the actions' plan and write-ahead journal."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from tui.core import kube
from tui.core.health import FAULT, HealthContext, node_verdict
from tui.core.journal import Journal, JournalError
from tui.core.kube import KubeContext, KubeNode, KubeUnavailable, KubeView, match_context, parse_node, read_contexts
from tui.core.kube_actions import (
    CORDON,
    NOT_SENT,
    REPLACE_BY_LABEL,
    SUCCESSFUL,
    UNCORDON,
    plan_kube_action,
    run_kube_plan,
)
from tui.core.kube_book import KubeBooks
from tui.core.models import Node

ARN = "arn:aws:eks:us-west-2:123456789012:cluster/prod"
OTHER = "arn:aws:eks:us-west-2:123456789012:cluster/other"


def ctx(name: str, cluster: str = "", args: tuple[str, ...] = ()) -> KubeContext:
    return KubeContext(name, cluster or name, "https://x.eks.amazonaws.com", args)


# --- the context ------------------------------------------------------------------------------------------


def test_the_context_named_by_the_arn_wins_as_update_kubeconfig_writes_it():
    contexts = [ctx("dev", OTHER), ctx("prod-admin", ARN), ctx(ARN)]
    assert match_context(contexts, ARN).name == ARN


def test_a_context_whose_cluster_entry_is_the_arn_matches():
    assert match_context([ctx("dev", OTHER), ctx("mine", ARN)], ARN).name == "mine"


def test_an_exec_plugin_for_the_cluster_name_matches_only_in_its_region():
    token = ("eks", "get-token", "--cluster-name", "prod")
    elsewhere = ctx("east", "c1", (*token, "--region", "us-east-1"))
    here = ctx("west", "c2", (*token, "--region", "us-west-2"))
    assert match_context([elsewhere, here], ARN).name == "west"
    with pytest.raises(KubeUnavailable):
        match_context([elsewhere], ARN)


def test_an_eksctl_cluster_entry_matches():
    assert match_context([ctx("me@prod", "prod.us-west-2.eksctl.io")], ARN).name == "me@prod"


def test_no_match_says_which_cluster_and_the_flag_overrides():
    with pytest.raises(KubeUnavailable, match="no kubeconfig context for EKS cluster prod"):
        match_context([ctx("dev", OTHER)], ARN)
    assert match_context([ctx("dev", OTHER), ctx(ARN)], ARN, wanted="dev").name == "dev"
    with pytest.raises(KubeUnavailable, match="kube context nope not in kubeconfig"):
        match_context([ctx(ARN)], ARN, wanted="nope")


def test_read_contexts_joins_cluster_server_and_exec_args_and_skips_bad_files(tmp_path: Path):
    good = tmp_path / "config"
    good.write_text(
        "apiVersion: v1\nclusters:\n- name: c\n  cluster: {server: 'https://k'}\n"
        "users:\n- name: u\n  user:\n    exec: {command: aws, args: [eks, get-token, --cluster-name, prod]}\n"
        "contexts:\n- name: mine\n  context: {cluster: c, user: u}\n"
    )
    bad = tmp_path / "bad"
    bad.write_text("{not yaml: [")
    [context] = read_contexts([tmp_path / "missing", bad, good])
    assert (context.name, context.cluster, context.server) == ("mine", "c", "https://k")
    assert match_context([context], ARN).name == "mine"
    with pytest.raises(KubeUnavailable, match="no kubeconfig"):
        read_contexts([tmp_path / "missing"])


def test_kubeconfig_paths_follow_the_flag_then_the_env_then_home(tmp_path: Path):
    assert kube.kubeconfig_paths("/x/kc") == [Path("/x/kc")]
    assert kube.kubeconfig_paths(None, {"KUBECONFIG": "/a:/b", "HOME": "/h"}) == [Path("/a"), Path("/b")]
    assert kube.kubeconfig_paths(None, {"HOME": "/h"}) == [Path("/h/.kube/config")]


# --- labels → the K8S cell --------------------------------------------------------------------------------


def item(name: str, labels: dict | None = None, unschedulable: bool = False, ready: str = "True") -> dict:
    spec: dict = {"unschedulable": True} if unschedulable else {}
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
        "status": {"conditions": [{"type": "Ready", "status": ready}]},
    }


@pytest.mark.parametrize(
    ("labels", "cordoned", "ready", "cell"),
    [
        ({kube.HEALTH_LABEL: "Schedulable"}, False, "True", ("Schedulable", "Running")),
        ({kube.HEALTH_LABEL: kube.PENDING_REPLACEMENT}, True, "True", ("cordoned · PendingReplacement", "Failure")),
        ({kube.HEALTH_LABEL: kube.PENDING_REBOOT}, False, "True", ("PendingReboot", "Failure")),
        ({kube.HEALTH_LABEL: "Schedulable"}, True, "True", ("cordoned · Schedulable", "Pending")),
        ({kube.HEALTH_LABEL: "Schedulable"}, False, "False", ("NotReady · Schedulable", "Failure")),
        (
            {kube.HEALTH_LABEL: "Unschedulable", kube.DHC_LABEL: "InProgress"},
            False,
            "True",
            ("Unschedulable · DHC InProgress", "Pending"),
        ),
    ],
)
def test_labels_cordon_and_ready_make_the_cell(labels, cordoned, ready, cell):
    node = parse_node(item("hyperpod-i-0123456789abcdef0", labels, cordoned, ready))
    assert node is not None and node.instance_id == "i-0123456789abcdef0"
    assert node.cell() == (cell,)


def test_hostile_names_and_labels_are_cleaned_and_non_nodes_dropped():
    node = parse_node(item("hyperpod-i-0abc\x1b[31m", {kube.HEALTH_LABEL: "[b]x\x07"}))
    assert node is not None and "\x1b" not in node.name and "\x07" not in node.health
    assert parse_node("nope") is None and parse_node({"metadata": {"name": 3}}) is None
    assert parse_node(item("ip-10-1-2-3")).instance_id == ""  # not a HyperPod node: not joined


# --- the signal into health -------------------------------------------------------------------------------


def listed(instance: str, status: str = "Running") -> Node:
    return Node(instance, "workers", "ml.g5.8xlarge", status, "", 1_000.0, "ip-10-1-2-3")


@pytest.mark.parametrize(("recovery", "step"), [("None", "replace"), ("Automatic", "wait")])
def test_a_pending_replacement_label_is_a_fault_in_health_with_its_step(recovery, step):
    view = KubeView("ctx", {"i-1": KubeNode("hyperpod-i-1", "i-1", kube.PENDING_REPLACEMENT)}, 5.0)
    books = KubeBooks()
    books.viewed("c", view, 5.0)
    signals: dict = {}
    cells = books.merge_into("c", signals, recovery)
    assert cells == {"i-1": (("PendingReplacement", "Failure"),)}
    verdict = node_verdict(listed("i-1"), HealthContext(recovery, 10.0, signals, cells))
    assert verdict is not None and verdict.severity == FAULT and verdict.signal is not None
    assert verdict.signal.source == "K8S" and verdict.step.action == step  # Automatic: HyperPod acts on it
    assert verdict.cell(10.0) == (("PendingReplacement · K8S", "Failure"),)


def test_not_ready_is_a_fault_and_a_schedulable_node_says_nothing_to_health():
    books = KubeBooks()
    nodes = {"i-1": KubeNode("hyperpod-i-1", "i-1", "Schedulable", ready="False"), "i-2": KubeNode("n", "i-2", "Schedulable", ready="True")}  # fmt: skip
    books.viewed("c", KubeView("ctx", nodes, 1.0), 1.0)
    signals: dict = {}
    books.merge_into("c", signals)
    assert list(signals) == ["i-1"] and signals["i-1"][0].short == "NotReady"


def test_a_problem_is_said_once_until_the_view_comes_back():
    books = KubeBooks()
    assert books.failed("c", "no kubeconfig", 1.0) is True
    assert books.failed("c", "no kubeconfig", 31.0) is False
    assert books.get("c").problem == "no kubeconfig" and books.merge_into("c", {}) == {}
    books.viewed("c", KubeView("ctx"), 61.0)
    assert books.failed("c", "no kubeconfig", 91.0) is True  # lost again: said again
    assert not books.due("c", 100.0) and books.due("c", 121.0)


# --- actions: plan and journal ----------------------------------------------------------------------------

DETAIL = SimpleNamespace(name="prod-hp", orchestrator="EKS", eks_cluster_arn=ARN, node_recovery="None")
VIEW = {"i-1": KubeNode("hyperpod-i-1", "i-1", "Schedulable"), "i-2": KubeNode("hyperpod-i-2", "i-2", "Schedulable")}


def test_the_plan_is_refused_read_only_on_slurm_and_without_a_view():
    nodes = [listed("i-1")]
    assert "Read-only" in plan_kube_action(CORDON, DETAIL, nodes, VIEW, context="c", read_only=True).refused
    slurm = SimpleNamespace(**{**vars(DETAIL), "orchestrator": "Slurm"})
    assert plan_kube_action(CORDON, slurm, nodes, VIEW, context="c").refused
    assert plan_kube_action(CORDON, DETAIL, nodes, None, context="c").refused
    plan = plan_kube_action(CORDON, DETAIL, nodes, VIEW, context="c")
    assert not plan.refused and [t.name for t in plan.targets] == ["hyperpod-i-1"]


def test_a_label_plan_says_node_recovery_must_be_on_and_names_the_clusters():
    plan = plan_kube_action(REPLACE_BY_LABEL, DETAIL, [listed("i-1")], VIEW, context="c")
    assert "automatic node recovery" in plan.recovery_notice and "NodeRecovery is None" in plan.recovery_notice
    assert plan.kind.typed_confirmation and plan_kube_action(UNCORDON, DETAIL, [], VIEW, context="c").refused
    assert UNCORDON.patch == {"spec": {"unschedulable": None}}  # what kubectl uncordon sends


def test_each_patch_is_journalled_before_it_is_sent(tmp_path: Path):
    journal = Journal(tmp_path / "j.jsonl")
    plan = plan_kube_action(CORDON, DETAIL, [listed("i-1"), listed("i-2")], VIEW, context="ctx")
    sent: list[str] = []

    def patch(name: str, body) -> None:
        lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
        intents = [line for line in lines if line["kind"] == "intent"]
        assert intents and intents[-1]["kube_node"] == name, "no intent line before the PATCH"
        assert intents[-1]["patch"] == body and intents[-1]["operation"] == "PatchNode"
        sent.append(name)

    result = run_kube_plan(plan, patch, journal, {"demo": True})
    assert sent == ["hyperpod-i-1", "hyperpod-i-2"]
    assert [o.outcome for o in result.outcomes] == [SUCCESSFUL, SUCCESSFUL]
    kinds = [json.loads(line)["kind"] for line in journal.path.read_text().splitlines()]
    assert kinds == ["intent", "result", "intent", "result"]


def test_no_intent_no_patch(tmp_path: Path):
    class Broken(Journal):
        def append(self, entry) -> None:
            raise JournalError("disk full")

    plan = plan_kube_action(CORDON, DETAIL, [listed("i-1"), listed("i-2")], VIEW, context="ctx")
    sent: list[str] = []
    result = run_kube_plan(plan, lambda name, body: sent.append(name), Broken(tmp_path / "j"), {})
    assert sent == [] and [o.outcome for o in result.outcomes] == [NOT_SENT, NOT_SENT]
    assert "disk full" in result.journal_error


def test_a_failed_patch_is_that_nodes_failure_with_the_reason(tmp_path: Path):
    class Forbidden(Exception):
        status, reason = 403, "Forbidden"

    def patch(name: str, body) -> None:
        raise Forbidden()

    plan = plan_kube_action(CORDON, DETAIL, [listed("i-1")], VIEW, context="ctx")
    [outcome] = run_kube_plan(plan, patch, Journal(tmp_path / "j"), {}).outcomes
    assert outcome.outcome == "Failed" and "403 Forbidden" in outcome.message


def test_the_app_loads_no_kubernetes_client_at_start_up():
    """The client costs ~300 ms to import: only an EKS cluster's view may load it (core/kube.py, lazily)."""
    import subprocess
    import sys

    code = (
        "import sys, tui.app, tui.screens.main, tui.controllers.kube, tui.core.kube\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'yaml')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_nodes_own_failure_says_more_than_not_ready():
    books = KubeBooks()
    books.viewed("c", KubeView("ctx", {"i-1": KubeNode("hyperpod-i-1", "i-1", "Schedulable", ready="False")}), 1.0)
    signals: dict = {}
    books.merge_into("c", signals)
    failed = Node("i-1", "workers", "ml.g5.8xlarge", "Failure", "The lifecycle script failed.", 1_000.0, "ip-10-1-2-3")
    verdict = node_verdict(failed, HealthContext("None", 10.0, signals))
    assert verdict is not None and verdict.signal is not None and verdict.signal.source == "status"
