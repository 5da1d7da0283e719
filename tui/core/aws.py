"""All AWS access: one boto3 Session, lazily created clients, every page of every list.

Clients come from one Session (profile, region, AWS_* env and SSO profiles all resolved by boto3 itself), share
one `--endpoint-url` when given, and use botocore's *standard* retry mode, which retries throttling and 5xx with
exponential backoff and jitter. Calls block: callers run them in worker threads, never on the UI's event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from tui import __version__
from tui.core.models import ClusterDetail, ClusterSummary, Node, NodeDetail

PAGE_SIZE = 100  # the API's maximum for ListClusters and ListClusterNodes
DEFAULT_WORKERS = 8

RETRY_CONFIG = Config(
    # Few attempts: the app retries at every refresh anyway, and a user waiting on an unreachable endpoint
    # should hear about it in seconds, not after five backoffs.
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=32,
    user_agent_extra=f"hyperpod-tui/{__version__}",
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where the app talks to, for the header and the journal."""

    profile: str | None
    region: str | None
    endpoint_url: str | None


class HyperPodApi:
    """Thread-safe facade over the SageMaker (and later Logs/SSM) clients of one Session."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_workers: int = DEFAULT_WORKERS,
        config: Config = RETRY_CONFIG,
    ) -> None:
        self.session = session
        self.profile = profile
        self.endpoint_url = endpoint_url
        self._config = config
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="hyperpod-aws")

    @classmethod
    def connect(cls, *, profile: str | None = None, region: str | None = None, endpoint_url: str | None = None) -> HyperPodApi:
        """Raises botocore's ProfileNotFound for an unknown profile; everything else surfaces on the first call."""
        return cls(boto3.Session(profile_name=profile, region_name=region), profile=profile, endpoint_url=endpoint_url)

    @property
    def target(self) -> Target:
        return Target(self.profile, self.session.region_name, self.endpoint_url)

    def region_warning(self) -> str:
        """A sentence when the region is not one botocore knows for SageMaker (a typo looks like an outage)."""
        region = self.session.region_name
        if self.endpoint_url or not region:
            return ""
        known = self.session.get_available_regions("sagemaker")
        if known and region not in known:
            return f"Region {region!r} is not a SageMaker region botocore knows (e.g. {', '.join(known[:6])}, …)."
        return ""

    def client(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = self.session.client(service, endpoint_url=self.endpoint_url, config=self._config)
                self._clients[service] = client
            return client

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    # --- SageMaker: clusters -------------------------------------------------------------------------------

    def list_clusters(self) -> list[ClusterSummary]:
        paginator = self.client("sagemaker").get_paginator("list_clusters")
        pages = paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE})
        return [ClusterSummary.from_api(item) for page in pages for item in page.get("ClusterSummaries", ())]

    def describe_cluster(self, name_or_arn: str) -> ClusterDetail:
        return ClusterDetail.from_api(self.client("sagemaker").describe_cluster(ClusterName=name_or_arn))

    def describe_clusters(self, names: Iterable[str]) -> dict[str, ClusterDetail | BaseException]:
        """Describe several clusters concurrently; each value is the detail or the exception it raised."""
        futures = {name: self._pool.submit(self.describe_cluster, name) for name in names}
        results: dict[str, ClusterDetail | BaseException] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # reported per cluster by the caller
                results[name] = exc
        return results

    # --- SageMaker: nodes ----------------------------------------------------------------------------------

    def _list_nodes_pages(self, cluster: str, group_contains: str | None) -> list[dict[str, Any]]:
        paginator = self.client("sagemaker").get_paginator("list_cluster_nodes")
        kwargs: dict[str, Any] = {"ClusterName": cluster, "PaginationConfig": {"PageSize": PAGE_SIZE}}
        if group_contains:
            kwargs["InstanceGroupNameContains"] = group_contains
        return [item for page in paginator.paginate(**kwargs) for item in page.get("ClusterNodeSummaries", ())]

    def list_nodes(self, cluster: str, groups: Sequence[str] | None = None) -> list[Node]:
        """Every node of a cluster, every page.

        With `groups`, one paginated listing per group runs in parallel. InstanceGroupNameContains matches
        substrings (`worker-1` also matches `worker-10`), so only nodes of exactly that group are kept and the
        union is deduplicated by instance id. If any group's listing fails the whole listing fails: a partial
        list would look like nodes had vanished.
        """
        if not groups:
            return [Node.from_api(item) for item in self._list_nodes_pages(cluster, None)]
        futures = [(group, self._pool.submit(self._list_nodes_pages, cluster, group)) for group in dict.fromkeys(groups)]
        nodes: dict[str, Node] = {}
        for group, future in futures:
            for item in future.result():
                if item.get("InstanceGroupName") == group:
                    node = Node.from_api(item)
                    nodes.setdefault(node.instance_id, node)
        return list(nodes.values())

    def describe_node(self, cluster: str, instance_id: str) -> NodeDetail:
        response = self.client("sagemaker").describe_cluster_node(ClusterName=cluster, NodeId=instance_id)
        return NodeDetail.from_api(response.get("NodeDetails") or {})
