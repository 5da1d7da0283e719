"""Kubernetes' view of an EKS-orchestrated cluster: the kubeconfig context for its EKS cluster, its nodes' HyperPod
labels, cordon state, taints and Ready condition, and the K8S cell and health signal they make. No Textual here.

The client is the official `kubernetes` package (sync: it runs in our thread workers as boto3 does; each call takes
a `_request_timeout` and `_preload_content=False` lets us read the body with a byte cap). It is imported only
here, inside the functions that talk to an API server, so start-up never pays its ~300 ms import.

HyperPod names an EKS node `hyperpod-i-<instance id>` (kubelet `--hostname-override`; HYPERPOD-FACTS-2 §5.1):
that name is the join to ListClusterNodes. The labels are HyperPod's own (HYPERPOD-FACTS §6):
`sagemaker.amazonaws.com/node-health-status` (Schedulable, Unschedulable while a deep health check runs,
UnschedulablePendingReboot, UnschedulablePendingReplacement) and `…/deep-health-check-status`
(InProgress, Passed, Failed). Every string read from the API server goes through `sanitize.clean`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.health import DHC_FAILED, FAULT, KUBE, PROGRESS, UNRESPONSIVE, Signal
from tui.core.sanitize import clean

NODE_PREFIX = "hyperpod-i-"
HEALTH_LABEL = "sagemaker.amazonaws.com/node-health-status"
DHC_LABEL = "sagemaker.amazonaws.com/deep-health-check-status"
SCHEDULABLE = "Schedulable"
UNSCHEDULABLE = "Unschedulable"
PENDING_REBOOT = "UnschedulablePendingReboot"
PENDING_REPLACEMENT = "UnschedulablePendingReplacement"


KUBECONFIG_LIMIT = 1024 * 1024  # bytes of one kubeconfig file
PAGE_SIZE = 500  # nodes per list call (`limit`), continued with the server's `continue` token
MAX_PAGES = 40  # 20,000 nodes: more than any HyperPod cluster holds
PAGE_BYTES = 8 * 1024 * 1024  # one page's body at most
CONNECT_TIMEOUT, READ_TIMEOUT = 3.0, 10.0
CLIENT_RETRIES = 1  # one retry of a connection that failed (never sent); urllib3 retries no PATCH after a read error
LIST_DEADLINE = 20.0  # seconds for the whole listing
TEXT_LIMIT = 200
MAX_TAINTS = 16


class KubeUnavailable(Exception):
    """No Kubernetes view for this cluster; the message says why in a few words (shown once, in the column)."""


# --- the kubeconfig ---------------------------------------------------------------------------------------


def kubeconfig_paths(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> list[Path]:
    """The kubeconfig files, as kubectl finds them: the flag's, else $KUBECONFIG's list, else ~/.kube/config."""
    if explicit:
        return [Path(explicit).expanduser()]
    listed = env.get("KUBECONFIG", "")
    if listed:
        return [Path(part).expanduser() for part in listed.split(os.pathsep) if part]
    return [Path(env.get("HOME", "~")).expanduser() / ".kube" / "config"]


@dataclass(frozen=True, slots=True)
class KubeContext:
    name: str
    cluster: str  # the kubeconfig cluster entry's name
    server: str
    exec_args: tuple[str, ...] = ()  # the user's exec plugin argv (aws eks get-token --cluster-name …)
    path: str = ""  # the file it came from


def read_contexts(paths: Sequence[Path]) -> list[KubeContext]:
    """Every context of the kubeconfig files (the first file to name one wins, as kubectl merges them). A file
    that is missing, too large or not YAML is skipped; none readable raises KubeUnavailable."""
    import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; kubernetes brings it

    found: dict[str, KubeContext] = {}
    readable = False
    for path in paths:
        try:
            with path.open("rb") as handle:
                raw = handle.read(KUBECONFIG_LIMIT + 1)
        except OSError:
            continue
        if len(raw) > KUBECONFIG_LIMIT:
            continue
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict):
            continue
        readable = True
        clusters = {c.get("name"): c.get("cluster") or {} for c in _dicts(data.get("clusters"))}
        users = {u.get("name"): u.get("user") or {} for u in _dicts(data.get("users"))}
        for entry in _dicts(data.get("contexts")):
            name, body = entry.get("name"), entry.get("context")
            if not isinstance(name, str) or not isinstance(body, dict) or name in found:
                continue
            cluster_name = str(body.get("cluster") or "")
            cluster = clusters.get(cluster_name)
            user = users.get(body.get("user"))
            exec_part = user.get("exec") if isinstance(user, dict) else None
            args = exec_part.get("args") if isinstance(exec_part, dict) else None
            found[name] = KubeContext(
                name,
                cluster_name,
                str(cluster.get("server") or "") if isinstance(cluster, dict) else "",
                tuple(str(a) for a in args[:40]) if isinstance(args, list) else (),
                str(path),
            )
    if not readable:
        shown = ", ".join(str(p) for p in paths[:2])
        raise KubeUnavailable(f"no kubeconfig ({shown})")
    return list(found.values())


def _member(parent: dict, key: str) -> dict:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def eks_name_region(eks_arn: str) -> tuple[str, str]:
    """`arn:aws:eks:us-west-2:123456789012:cluster/prod` → ("prod", "us-west-2"); ("", "") for anything else."""
    parts = eks_arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "eks" or not parts[5].startswith("cluster/"):
        return "", ""
    return parts[5][len("cluster/") :], parts[3]


def _exec_names(args: Sequence[str]) -> tuple[str, str]:
    """The EKS cluster and region an exec plugin asks a token for (`--cluster-name X --region R`)."""
    name = region = ""
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("--cluster-name", "--cluster-id", "-i"):
            name = value
        elif flag == "--region":
            region = value
    return name, region


def match_context(contexts: Iterable[KubeContext], eks_arn: str, wanted: str | None = None) -> KubeContext:
    """The context for the EKS cluster `eks_arn`; `wanted` (--kube-context) overrides. In order: the context named
    by the ARN (`aws eks update-kubeconfig` names context and cluster by it), its cluster entry named by the ARN,
    an exec plugin asking a token for the cluster by name (in its region, when the plugin names one), an eksctl
    cluster entry `<name>.<region>.eksctl.io`. None matching raises KubeUnavailable."""
    listed = list(contexts)
    if wanted:
        for context in listed:
            if context.name == wanted:
                return context
        raise KubeUnavailable(f"kube context {clean(wanted, max_len=80)} not in kubeconfig")
    name, region = eks_name_region(eks_arn)
    rules = (
        lambda c: c.name == eks_arn,
        lambda c: c.cluster == eks_arn,
        lambda c: bool(name) and _exec_names(c.exec_args)[0] == name and _exec_names(c.exec_args)[1] in ("", region),
        lambda c: bool(name) and c.cluster == f"{name}.{region}.eksctl.io",
    )
    for rule in rules:
        for context in listed:
            if rule(context):
                return context
    raise KubeUnavailable(f"no kubeconfig context for EKS cluster {clean(name or eks_arn, max_len=80)}")


# --- one node as Kubernetes sees it -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KubeNode:
    name: str
    instance_id: str  # from the name; "" when the node is not a HyperPod node
    health: str = ""  # the node-health-status label
    deep_health: str = ""  # the deep-health-check-status label
    unschedulable: bool = False  # cordoned
    taints: tuple[str, ...] = ()  # `key=value:Effect`
    ready: str = ""  # the Ready condition's status: True, False, Unknown ("" when absent)

    @property
    def cell_text(self) -> str:
        """`cordoned · PendingReplacement`, `Schedulable`, `NotReady · Unschedulable`, `DHC InProgress`."""
        parts = []
        if self.unschedulable:
            parts.append("cordoned")
        if self.ready and self.ready != "True":
            parts.append("NotReady")
        if self.health:
            short = self.health
            if short.startswith(UNSCHEDULABLE) and short != UNSCHEDULABLE:
                short = short[len(UNSCHEDULABLE) :]  # PendingReboot, PendingReplacement
            parts.append(short)
        if self.deep_health and self.deep_health != "Passed":
            parts.append(f"DHC {self.deep_health}")
        return " · ".join(parts) or ("Ready" if self.ready == "True" else "")

    @property
    def cell_status(self) -> str:
        """The node status whose colour the cell borrows (core/models status kinds)."""
        if self.health in (PENDING_REBOOT, PENDING_REPLACEMENT) or self.deep_health == "Failed":
            return "Failure"
        if self.ready and self.ready != "True":
            return "Failure"
        if self.unschedulable or self.health == UNSCHEDULABLE or self.deep_health == "InProgress":
            return "Pending"
        return "Running"

    def cell(self) -> tuple[tuple[str, str], ...]:
        text = self.cell_text
        return ((text, self.cell_status),) if text else ()

    def signal(self, node_recovery: str = "") -> Signal | None:
        """The health signal (source K8S), None when Kubernetes sees nothing wrong: a pending-reboot/replacement
        label or a failed deep health check is a fault that asks for that action, NotReady a fault, Unschedulable
        (a deep health check running) progress. Its time is 0 (a state seen now, as a node status is): the view
        is replaced whole at each listing, so there is no older K8S signal to clear. With `node_recovery`
        Automatic HyperPod acts on a pending label itself (the step is to wait); otherwise nobody will."""
        text = clean(f"{self.name}: {self.cell_text}", max_len=TEXT_LIMIT)
        acting = node_recovery == "Automatic"
        if self.health == PENDING_REPLACEMENT:
            return Signal(KUBE, 0.0, FAULT, "PendingReplacement", text, action="replace", repairing=acting)
        if self.health == PENDING_REBOOT:
            return Signal(KUBE, 0.0, FAULT, "PendingReboot", text, action="reboot", repairing=acting)
        if self.deep_health == "Failed":
            return Signal(KUBE, 0.0, FAULT, "DHC failed", text, fault=DHC_FAILED)
        if self.ready and self.ready != "True":
            return Signal(KUBE, 0.0, FAULT, "NotReady", text, fault=UNRESPONSIVE)
        if self.health == UNSCHEDULABLE or self.deep_health == "InProgress":
            return Signal(KUBE, 0.0, PROGRESS, "DHC running", text)
        return None


def instance_of(node_name: str) -> str:
    """`hyperpod-i-0abc…` → `i-0abc…`; '' for a node HyperPod did not name."""
    return node_name[len(NODE_PREFIX) - 2 :] if node_name.startswith(NODE_PREFIX) else ""


def node_name(instance_id: str) -> str:
    return f"hyperpod-{instance_id}"


def parse_node(item: object) -> KubeNode | None:
    """One item of a NodeList (JSON) → KubeNode; None for something that is not a node."""
    if not isinstance(item, dict):
        return None
    meta, spec, status = _member(item, "metadata"), _member(item, "spec"), _member(item, "status")
    name = meta.get("name")
    if not isinstance(name, str) or not name or len(name) > 253:
        return None
    labels = _member(meta, "labels")
    taints = []
    for taint in _dicts(spec.get("taints"))[:MAX_TAINTS]:
        key, value, effect = taint.get("key") or "", taint.get("value") or "", taint.get("effect") or ""
        taints.append(clean(f"{key}{'=' + str(value) if value else ''}:{effect}", max_len=TEXT_LIMIT))
    ready = next((str(c.get("status") or "") for c in _dicts(status.get("conditions")) if c.get("type") == "Ready"), "")
    return KubeNode(
        clean(name, max_len=253),
        clean(instance_of(name), max_len=64),
        clean(labels.get(HEALTH_LABEL) or "", max_len=64),
        clean(labels.get(DHC_LABEL) or "", max_len=64),
        spec.get("unschedulable") is True,
        tuple(taints),
        clean(ready, max_len=16),
    )


# --- the API server ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KubeView:
    """One listing: the nodes by instance id, the context it came from and when."""

    context: str
    nodes: Mapping[str, KubeNode] = field(default_factory=dict)
    fetched_at: float = 0.0
    truncated: bool = False  # stopped at a page, byte or time cap


def api_client(context: KubeContext, paths: Sequence[Path]) -> Any:
    """A kubernetes ApiClient for `context` (its exec plugin, token or certificates as the kubeconfig says)."""
    from kubernetes import config  # lazy: ~300 ms, paid only when an EKS cluster's view is wanted
    from kubernetes.client import Configuration

    settings = type.__call__(Configuration)  # a fresh one, as new_client_from_config makes (not the global default)
    settings.retries = CLIENT_RETRIES  # urllib3 retries 3 times by default: a dead server would take 4 connect timeouts
    try:
        return config.new_client_from_config(
            config_file=os.pathsep.join(str(p) for p in paths),
            context=context.name,
            persist_config=False,
            client_configuration=settings,
        )
    except Exception as exc:
        raise KubeUnavailable(f"kubeconfig context {clean(context.name, max_len=60)}: {_short_error(exc)}") from exc


def _read_bounded(response: Any, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.stream(64 * 1024):
        size += len(chunk)
        if size > limit:
            response.release_conn()
            raise KubeUnavailable(f"a node list page over {limit // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


def list_nodes(client: Any, context: str, *, now: float, clock: Any = time.monotonic) -> KubeView:
    """Every node of the API server, PAGE_SIZE at a time (limit/continue), each page's body at most PAGE_BYTES,
    the whole listing at most MAX_PAGES and LIST_DEADLINE. Raises KubeUnavailable with the reason."""
    from kubernetes.client import CoreV1Api

    core = CoreV1Api(client)
    nodes: dict[str, KubeNode] = {}
    token: str | None = None
    started = clock()
    for _page in range(MAX_PAGES):
        if clock() - started > LIST_DEADLINE:
            return KubeView(context, nodes, now, truncated=True)
        try:
            kwargs: dict[str, Any] = {"limit": PAGE_SIZE, "_preload_content": False}
            if token:
                kwargs["_continue"] = token
            response = core.list_node(_request_timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), **kwargs)
            body = json.loads(_read_bounded(response, PAGE_BYTES))
        except KubeUnavailable:
            raise
        except Exception as exc:
            raise KubeUnavailable(describe_error(exc)) from exc
        if not isinstance(body, dict):
            raise KubeUnavailable("the node list is not a JSON object")
        for item in body.get("items") or ():
            node = parse_node(item)
            if node is not None and node.instance_id:
                nodes[node.instance_id] = node
        meta = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        token = meta.get("continue") if isinstance(meta, dict) else None
        if not token or not isinstance(token, str):
            return KubeView(context, nodes, now)
    return KubeView(context, nodes, now, truncated=True)


def patch_node(client: Any, name: str, body: Mapping[str, Any]) -> None:
    """One PATCH of a node (strategic merge, as kubectl cordon/label send it); raises what the client raises."""
    from kubernetes.client import CoreV1Api

    CoreV1Api(client).patch_node(name, dict(body), _request_timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))


def describe_error(exc: BaseException) -> str:
    """A few words for a failed call: `401 Unauthorized`, `403 Forbidden (RBAC)`, `API server unreachable`."""
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        if status == 401:
            return "Kubernetes API: 401 Unauthorized (credentials)"
        if status == 403:
            return "Kubernetes API: 403 Forbidden (RBAC: nodes list/patch)"
        reason = clean(getattr(exc, "reason", "") or "", max_len=60)
        return f"Kubernetes API: {status} {reason}".strip()
    name = type(exc).__name__
    if name in ("MaxRetryError", "NewConnectionError", "ConnectTimeoutError", "ConnectionRefusedError"):
        return "Kubernetes API server unreachable"
    if name in ("ReadTimeoutError", "TimeoutError", "ProtocolError"):
        return "Kubernetes API server: no answer in time"
    return f"Kubernetes API: {_short_error(exc)}"


def _short_error(exc: BaseException) -> str:
    return clean(f"{type(exc).__name__}: {exc}", max_len=120)


__all__ = [
    "DHC_LABEL",
    "HEALTH_LABEL",
    "KUBE",
    "PENDING_REBOOT",
    "PENDING_REPLACEMENT",
    "KubeContext",
    "KubeNode",
    "KubeUnavailable",
    "KubeView",
    "api_client",
    "describe_error",
    "instance_of",
    "kubeconfig_paths",
    "list_nodes",
    "match_context",
    "node_name",
    "parse_node",
    "patch_node",
    "read_contexts",
]
