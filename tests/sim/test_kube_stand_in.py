"""The simulator's Kubernetes API stand-in: nodes list (paged) and patch over HTTP, read by the app's real
`kubernetes` client (core/kube.py), the bearer token, and HyperPod's agent acting on its labels."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.harness import FROZEN_AT
from tui.core import kube
from tui.sim import SimClock, Simulator
from tui.sim.kube import TOKEN, KubeStandIn

EKS = "genai-eks-prod"


@pytest.fixture
def stand_in(tmp_path):
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7, churn=False)
    server = KubeStandIn(sim.world, sim.clock.now)
    server.start()
    server.kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    yield sim, server
    server.stop()


def request(server, path: str, *, method: str = "GET", body: dict | None = None, token: str = TOKEN, kind: str = ""):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{server.url}{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if kind:
        req.add_header("Content-Type", kind)
    with urllib.request.urlopen(req, timeout=5) as answer:
        return json.loads(answer.read())


def client(server):
    paths = kube.kubeconfig_paths(str(server.kubeconfig))
    [(arn, _)] = server.eks_clusters()
    context = kube.match_context(kube.read_contexts(paths), arn)
    return kube.api_client(context, paths), context.name


def test_the_list_pages_with_limit_and_continue_and_names_nodes_hyperpod_i(stand_in):
    sim, server = stand_in
    [(_, eks_name)] = server.eks_clusters()
    first = request(server, f"/eks/{eks_name}/api/v1/nodes?limit=10")
    assert len(first["items"]) == 10 and first["metadata"]["continue"] == "10"
    rest = request(server, f"/eks/{eks_name}/api/v1/nodes?limit=100&continue=10")
    assert "continue" not in rest["metadata"]
    names = [item["metadata"]["name"] for item in first["items"] + rest["items"]]
    with_instance = [n for n in sim.cluster(EKS).nodes.values() if n.instance_id and n.instance_pending is None]
    assert sorted(names) == sorted(f"hyperpod-{n.instance_id}" for n in with_instance)
    assert all(item["metadata"]["labels"][kube.HEALTH_LABEL] for item in first["items"])


def test_a_wrong_token_is_401_and_other_paths_404(stand_in):
    _, server = stand_in
    [(_, eks_name)] = server.eks_clusters()
    with pytest.raises(urllib.error.HTTPError) as denied:
        request(server, f"/eks/{eks_name}/api/v1/nodes", token="wrong")
    assert denied.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as missing:
        request(server, f"/eks/{eks_name}/api/v1/pods")
    assert missing.value.code == 404


def test_merge_patch_cordons_and_null_uncordons(stand_in):
    _, server = stand_in
    [(_, eks_name)] = server.eks_clusters()
    items = request(server, f"/eks/{eks_name}/api/v1/nodes")["items"]
    name = items[3]["metadata"]["name"]
    path = f"/eks/{eks_name}/api/v1/nodes/{name}"
    after = request(
        server, path, method="PATCH", body={"spec": {"unschedulable": True}}, kind="application/merge-patch+json"
    )
    assert after["spec"]["unschedulable"] is True
    assert request(server, path)["spec"]["unschedulable"] is True
    request(
        server,
        path,
        method="PATCH",
        body={"spec": {"unschedulable": None}},
        kind="application/strategic-merge-patch+json",
    )
    assert "unschedulable" not in request(server, path)["spec"]
    with pytest.raises(urllib.error.HTTPError) as wrong:
        request(server, path, method="PATCH", body=[{"op": "add"}], kind="application/json-patch+json")
    assert wrong.value.code == 415


def test_the_real_client_lists_pages_and_patches_a_label(stand_in, monkeypatch):
    sim, server = stand_in
    api, context = client(server)
    monkeypatch.setattr(kube, "PAGE_SIZE", 7)  # several pages
    view = kube.list_nodes(api, context, now=1.0)
    assert len(view.nodes) == len(request(server, f"/eks/{server.eks_clusters()[0][1]}/api/v1/nodes")["items"])
    instance = sorted(view.nodes)[0]
    kube.patch_node(api, kube.node_name(instance), {"spec": {"unschedulable": True}})
    assert kube.list_nodes(api, context, now=2.0).nodes[instance].cell_text == "cordoned · Schedulable"
    assert server.patches[-1] == (kube.node_name(instance), {"spec": {"unschedulable": True}})


def test_the_pending_replacement_label_replaces_the_node_with_recovery_automatic(stand_in):
    sim, server = stand_in
    api, context = client(server)
    instance = sorted(kube.list_nodes(api, context, now=1.0).nodes)[0]
    kube.patch_node(
        api, kube.node_name(instance), {"metadata": {"labels": {kube.HEALTH_LABEL: kube.PENDING_REPLACEMENT}}}
    )
    node = sim.node(EKS, instance)
    assert node is None or node.operation == "replace"
    sim.clock.advance(600)
    assert sim.node(EKS, instance) is None  # replaced: a new instance stands in its place
    assert instance in sim.landmarks["replacements"]


def test_a_server_that_does_not_answer_is_unreachable(tmp_path):
    unreachable = tmp_path / "kc"
    unreachable.write_text(json.dumps({
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
    }))  # fmt: skip
    paths = [unreachable]
    [context] = kube.read_contexts(paths)
    with pytest.raises(kube.KubeUnavailable, match="unreachable"):
        kube.list_nodes(kube.api_client(context, paths), context.name, now=0.0)
