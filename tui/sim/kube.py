"""A small Kubernetes API stand-in for the simulated EKS clusters: nodes list and patch only, over HTTP on 127.0.0.1.

It is what the demo's kubeconfig points at (`write_kubeconfig`, in a temporary directory, never ~/.kube/config) and what the
tests drive the app's real `kubernetes` client against. It is NOT a Kubernetes API server: it answers
- `GET  <prefix>/api/v1/nodes[?limit=N&continue=T]`: a NodeList of the EKS cluster's nodes that have an instance,
  named `hyperpod-i-<instance id>`, with HyperPod's labels, `spec.unschedulable`, taints and a Ready condition
  derived from the node's simulated status (DeepHealthCheckInProgress: `Unschedulable` + `InProgress`; Failure:
  NotReady; Pending / ShuttingDown: Ready Unknown);
- `GET  <prefix>/api/v1/nodes/<name>` and `PATCH` of it with a strategic-merge or merge patch of
  `metadata.labels` and `spec.unschedulable` (null removes), which is all kubectl cordon/uncordon/label send;
- 401 without the bearer token the kubeconfig carries; 404 for anything else.
`<prefix>` is `/eks/<EKS cluster name>`: one server stands for every EKS cluster of the world.
With the cluster's NodeRecovery Automatic (the simulator's), a node labelled `UnschedulablePendingReplacement` is
replaced and one labelled `UnschedulablePendingReboot` rebooted, as HyperPod's agent does. Imports nothing of the app.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HEALTH_LABEL = "sagemaker.amazonaws.com/node-health-status"
DHC_LABEL = "sagemaker.amazonaws.com/deep-health-check-status"
GROUP_LABEL = "sagemaker.amazonaws.com/instance-group-name"
TOKEN = "sim-kube-token"
MAX_BODY = 64 * 1024
PATCH_TYPES = ("application/strategic-merge-patch+json", "application/merge-patch+json")


class KubeStandIn:
    """The per-node Kubernetes state of every EKS cluster of `world` (labels set by patches, cordons), and the
    HTTP server answering for it. `start()` binds a free port; `stop()` ends it."""

    def __init__(self, world, clock: Callable[[], float]) -> None:
        self.world = world
        self.clock = clock
        self.labels: dict[str, dict[str, str]] = {}  # instance id → labels set by a patch (over the derived ones)
        self.cordoned: set[str] = set()
        self.patches: list[tuple[str, dict]] = []  # (node name, body) as received, for tests
        self.server: ThreadingHTTPServer | None = None
        self.kubeconfig: Path | None = None  # set by whoever wrote one for this server
        self._thread: threading.Thread | None = None

    # -- state ------------------------------------------------------------------------------------------------

    def _eks_cluster(self, eks_name: str):
        for cluster in self.world.clusters.values():
            arn = cluster.eks_cluster_arn or ""
            if cluster.orchestrator == "Eks" and arn.rsplit("/", 1)[-1] == eks_name:
                return cluster
        return None

    def node_object(self, node) -> dict:
        status = node.status
        labels = {
            HEALTH_LABEL: "Schedulable",
            DHC_LABEL: "Passed",
            GROUP_LABEL: node.group.name,
            "node.kubernetes.io/instance-type": node.group.instance_type,
            "kubernetes.io/hostname": f"hyperpod-{node.instance_id}",
        }
        if status == "DeepHealthCheckInProgress":
            labels[HEALTH_LABEL], labels[DHC_LABEL] = "Unschedulable", "InProgress"
        labels.update(self.labels.get(node.instance_id, {}))
        ready = {"Running": "True", "DeepHealthCheckInProgress": "True", "Failure": "False"}.get(status, "Unknown")
        spec: dict = {"providerID": f"aws:///{node.az}/{node.instance_id}"}
        taints = []
        if node.instance_id in self.cordoned:
            spec["unschedulable"] = True
            taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
        if labels[HEALTH_LABEL] != "Schedulable":
            taints.append({"key": HEALTH_LABEL, "value": labels[HEALTH_LABEL], "effect": "NoSchedule"})
        if taints:
            spec["taints"] = taints
        return {
            "metadata": {"name": f"hyperpod-{node.instance_id}", "labels": labels},
            "spec": spec,
            "status": {"conditions": [{"type": "Ready", "status": ready}]},
        }

    def nodes_of(self, eks_name: str) -> list | None:
        with self.world.lock:
            self.world.advance(self.clock())
            cluster = self._eks_cluster(eks_name)
            if cluster is None:
                return None
            return [n for _, n in sorted(cluster.nodes.items()) if n.instance_id and n.instance_pending is None]

    def patch(self, eks_name: str, name: str, body: dict) -> dict | None:
        """Apply a node patch; the node's object after it, or None when there is no such node."""
        instance = name[len("hyperpod-") :] if name.startswith("hyperpod-i-") else ""
        with self.world.lock:
            now = self.clock()
            self.world.advance(now)
            cluster = self._eks_cluster(eks_name)
            node = cluster.nodes.get(instance) if cluster is not None and instance else None
            if node is None:
                return None
            self.patches.append((name, body))
            labels = (body.get("metadata") or {}).get("labels") or {}
            if isinstance(labels, dict):
                mine = self.labels.setdefault(instance, {})
                for key, value in labels.items():
                    if value is None:
                        mine.pop(key, None)
                    else:
                        mine[str(key)] = str(value)
            spec = body.get("spec") or {}
            if isinstance(spec, dict) and "unschedulable" in spec:
                if spec["unschedulable"]:
                    self.cordoned.add(instance)
                else:
                    self.cordoned.discard(instance)
            answer = self.node_object(node)
            self._recover(cluster, node, now)
            return answer

    def _recover(self, cluster, node, now: float) -> None:
        """HyperPod's agent acting on its label (automatic node recovery is on in the simulator)."""
        wanted = self.labels.get(node.instance_id, {}).get(HEALTH_LABEL)
        if wanted == "UnschedulablePendingReplacement":
            self.labels.pop(node.instance_id, None)
            self.cordoned.discard(node.instance_id)
            self.world.replace(cluster, node, now)
        elif wanted == "UnschedulablePendingReboot":
            self.labels.pop(node.instance_id, None)
            self.world.reboot(cluster, node, now)

    # -- HTTP -------------------------------------------------------------------------------------------------

    def start(self) -> int:
        handler = _handler_for(self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="sim-kube", daemon=True)
        self._thread.start()
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def eks_clusters(self) -> list[tuple[str, str]]:
        """(EKS cluster ARN, its name) of every EKS cluster in the world."""
        with self.world.lock:
            arns = [c.eks_cluster_arn for c in self.world.clusters.values() if c.orchestrator == "Eks"]
        return [(arn, arn.rsplit("/", 1)[-1]) for arn in arns if arn]

    def write_kubeconfig(self, path: Path, *, token: str = TOKEN) -> Path:
        """A kubeconfig with one context per EKS cluster, named by its ARN as `aws eks update-kubeconfig` names
        them, pointing at this server. JSON is YAML, so no YAML writer is needed. Mode 0600."""
        clusters, users, contexts = [], [], []
        for arn, name in self.eks_clusters():
            clusters.append({"name": arn, "cluster": {"server": f"{self.url}/eks/{name}"}})
            users.append({"name": arn, "user": {"token": token}})
            contexts.append({"name": arn, "context": {"cluster": arn, "user": arn}})
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": clusters,
            "users": users,
            "contexts": contexts,
            "current-context": contexts[0]["name"] if contexts else "",
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(config, indent=1))
        path.chmod(0o600)
        return path


def _handler_for(stand_in: KubeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _status(self, code: int, reason: str, message: str) -> None:
            self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message,
                              "reason": reason, "code": code})  # fmt: skip

        def _route(self) -> tuple[str, str | None, dict] | None:
            """(EKS cluster name, node name or None, query) for a nodes path; None otherwise (answered 404/401)."""
            if self.headers.get("Authorization", "") != f"Bearer {TOKEN}":
                self._status(401, "Unauthorized", "Unauthorized")
                return None
            parts = urlsplit(self.path)
            segments = [s for s in parts.path.split("/") if s]
            if len(segments) in (5, 6) and segments[0] == "eks" and segments[2:5] == ["api", "v1", "nodes"]:
                return segments[1], (segments[5] if len(segments) == 6 else None), parse_qs(parts.query)
            self._status(404, "NotFound", "the page could not be found")
            return None

        def do_GET(self) -> None:
            route = self._route()
            if route is None:
                return
            eks_name, name, query = route
            nodes = stand_in.nodes_of(eks_name)
            if nodes is None:
                self._status(404, "NotFound", f"no cluster {eks_name}")
                return
            if name is not None:
                node = next((n for n in nodes if f"hyperpod-{n.instance_id}" == name), None)
                if node is None:
                    self._status(404, "NotFound", f'nodes "{name}" not found')
                    return
                with stand_in.world.lock:
                    self._send(200, stand_in.node_object(node))
                return
            limit = int((query.get("limit") or ["0"])[0] or 0)
            start = int((query.get("continue") or ["0"])[0] or 0)
            end = start + limit if limit > 0 else len(nodes)
            with stand_in.world.lock:
                items = [stand_in.node_object(n) for n in nodes[start:end]]
            meta = {"resourceVersion": "1", **({"continue": str(end)} if end < len(nodes) else {})}
            self._send(200, {"kind": "NodeList", "apiVersion": "v1", "metadata": meta, "items": items})

        def do_PATCH(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, MAX_BODY + 1))
            route = self._route()
            if route is None:
                return
            eks_name, name, _ = route
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if name is None or kind not in PATCH_TYPES:
                self._status(415, "UnsupportedMediaType", f"unsupported patch type {kind}")
                return
            try:
                body = json.loads(raw) if len(raw) <= MAX_BODY else None
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._status(400, "BadRequest", "the patch is not a JSON object")
                return
            answer = stand_in.patch(eks_name, name, body)
            if answer is None:
                self._status(404, "NotFound", f'nodes "{name}" not found')
                return
            self._send(200, answer)

    return Handler


__all__ = ["DHC_LABEL", "HEALTH_LABEL", "TOKEN", "KubeStandIn"]
