"""All AWS access: one botocore Session, lazily created clients, every page of every list.

Clients come from one Session (profile, region, AWS_* env and SSO profiles all resolved by botocore itself), share
one `--endpoint-url` when given, and use botocore's *standard* retry mode, which retries throttling and 5xx with
exponential backoff and jitter. Calls that change something (the Batch* node actions) go through
`mutating_client` instead, whose botocore retries are off: botocore would otherwise resend a call whose answer
timed out (it may have executed) without the journal knowing; core/actions.py retries what is safe to retry
and journals each attempt. Calls block: callers run them in worker threads, never on the UI's event loop.
"""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore
import botocore.session
from botocore.config import Config

from tui import __version__
from tui.core import api_log, bounds
from tui.core.botocore_speedups import core_session, use_fast_parsing, use_model_cache
from tui.core.daemon_pool import DaemonThreadPool
from tui.core.environment import aws_region
from tui.core.models import ClusterDetail, ClusterSummary, Node, NodeDetail

if TYPE_CHECKING:
    import boto3

PAGE_SIZE = 100  # the API's maximum for ListClusters and ListClusterNodes
# Caps per paginated listing. A cluster has at most 10,000 nodes: 100 pages of 100, listed per instance group (each
# group's listing is one paginated listing), so 150 pages leave room for a group that grows during the listing.
# An account has far fewer clusters than 20 pages of 100 in a region. At the measured ~10 ms a page, a listing
# that reaches its cap has taken 1-2 s; the time cap stops one whose pages come slowly.
CLUSTER_PAGE_CAP = 20
NODE_PAGE_CAP = 150
LISTING_DEADLINE = 60.0  # seconds from a listing's first page to its last
DEFAULT_WORKERS = 16  # one per instance group of a large cluster: a group that waits for a worker doubles the wall time

RETRY_CONFIG = Config(
    # Few attempts: the app retries at every refresh anyway, and a user waiting on an unreachable endpoint
    # should hear about it in seconds, not after five backoffs.
    retries={"mode": "standard", "max_attempts": 3},
    # An interactive tool: a TCP connect that takes over 3 s is not going to work, and SageMaker answers a page in
    # well under a second, so 10 s without a byte is a hung endpoint (the body as a whole: bounds.BODY_DEADLINE).
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=32,
    # A fixed User-Agent: botocore otherwise rebuilds its own (SDK, OS, feature metadata, every part sanitised
    # character by character) for every request, ~10% of the CPU of listing 10,000 nodes in 100 pages.
    user_agent=(
        f"hyperpod-tui/{__version__} Botocore/{botocore.__version__} "
        f"Python/{platform.python_version()} {platform.system()}/{platform.release()}"
    ),
)

# One attempt per request. In a Config, retries["max_attempts"] counts *retries* (botocore adds one for the first
# request), so max_attempts=1 would still send a call twice; total_max_attempts counts every request.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@dataclass(frozen=True, slots=True)
class Target:
    """Where the app talks to, for the header and the journal."""

    profile: str | None
    region: str | None
    endpoint_url: str | None


class HyperPodApi:
    """Thread-safe facade over the SageMaker, Logs and SSM clients of one Session.

    The session may be a boto3 Session (tests, the demo) or a botocore one: `connect` makes a botocore Session,
    because importing boto3 costs ~0.1 s of start-up and adds nothing to clients. `.session` is a boto3 Session
    either way (built on the same botocore Session the first time it is asked for).
    """

    def __init__(
        self,
        session: boto3.Session | botocore.session.Session,
        *,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_workers: int = DEFAULT_WORKERS,
        config: Config = RETRY_CONFIG,
        region: str | None = None,
    ) -> None:
        self._session = session if hasattr(session, "_session") else None
        self._core = core_session(session)
        use_fast_parsing(self._core)
        self.profile = profile
        self.endpoint_url = endpoint_url
        self._config = config
        self._region = region  # a fleet member's region on a Session shared by its profile (None: the Session's)
        self._clients: dict[str, Any] = {}
        self._mutating_clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        # Called by the listing threads before each page: the TUI uses it to let a key press be handled and
        # painted first (the threads parse pages holding the GIL; see HyperPodApp.wait_for_input_handled).
        self.page_gate: Callable[[], object] | None = None
        # How many instance groups are listed at once (None: all). Each listing thread parses pages holding the
        # GIL; the TUI lists fewer at a time so that its UI thread is not queued behind ten of them.
        self.listing_concurrency: int | None = None
        # Daemon threads: a listing blocked on a hung endpoint must not hold up the exit (see core/daemon_pool.py).
        self._pool = DaemonThreadPool(max_workers=max_workers, thread_name_prefix="hyperpod-aws")

    @classmethod
    def connect(
        cls, *, profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
    ) -> HyperPodApi:
        """Raises botocore's ProfileNotFound for an unknown profile; everything else surfaces on the first call.

        The region: `core.environment.aws_region` (the flag, AWS_REGION, AWS_DEFAULT_REGION), else the profile's."""
        core = botocore.session.Session(profile=profile)
        use_model_cache(core)
        region = aws_region(region)
        if region is not None:
            core.set_config_variable("region", region)
        core.get_scoped_config()  # an unknown profile raises here, as boto3.Session(profile_name=…) does
        return cls(core, profile=profile, endpoint_url=endpoint_url)

    def clone(self) -> HyperPodApi:
        """A facade with its own clients and connections on the same Session (e.g. for a forked process)."""
        api = HyperPodApi(
            self._session or self._core,
            profile=self.profile,
            endpoint_url=self.endpoint_url,
            config=self._config,
            region=self._region,
        )
        api.listing_concurrency = self.listing_concurrency
        return api

    @property
    def session(self) -> boto3.Session:
        if self._session is None:
            import boto3

            self._session = boto3.Session(botocore_session=self._core)
        return self._session

    @property
    def region_name(self) -> str | None:
        region = self._region or self._core.get_config_variable("region")
        return None if region is None else str(region)

    @property
    def target(self) -> Target:
        return Target(self.profile, self.region_name, self.endpoint_url)

    def region_warning(self) -> str:
        """A sentence when the region is not one botocore knows for SageMaker (a typo looks like an outage)."""
        region = self.region_name
        if self.endpoint_url or not region:
            return ""
        known = self._core.get_available_regions("sagemaker")
        if known and region not in known:
            return f"Region {region!r} is not a SageMaker region botocore knows (e.g. {', '.join(known[:6])}, …)."
        return ""

    def client(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = self._core.create_client(
                    service, region_name=self._region, endpoint_url=self.endpoint_url, config=self._config
                )
                bounds.install(client)  # size and time caps on reading answers, and their shape
                api_log.install(client)  # every call into the API log view (@)
                self._clients[service] = client
            return client

    def long_poll_client(self, service: str, wait_seconds: float) -> Any:
        """A client for long polls (SQS ReceiveMessage, core/event_stream.py): the read timeout outlasts the wait.
        Not cached with the others, and without their read caps: its answers are SQS's (≤ 10 × 256 KiB)."""
        from botocore.config import Config

        config = self._config.merge(Config(read_timeout=wait_seconds + 10))
        return self._core.create_client(service, endpoint_url=self.endpoint_url, config=config)

    def mutating_client(self, service: str) -> Any:
        """A client for calls that change something: the same settings and timeouts, but botocore never retries
        (one call of ours is one request; see core/actions.py for the retries that are journalled)."""
        with self._lock:
            client = self._mutating_clients.get(service)
            if client is None:
                config = self._config.merge(NO_RETRIES)
                client = self._core.create_client(
                    service, region_name=self._region, endpoint_url=self.endpoint_url, config=config
                )
                api_log.install(client)
                self._mutating_clients[service] = client
            return client

    def resolve(self, cluster: str) -> tuple[HyperPodApi, str]:
        """(the facade that holds `cluster`, its real name): this one, as is (a fleet routes; core/fleet.py)."""
        return self, cluster

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for client in (*self._clients.values(), *self._mutating_clients.values()):
                client.close()
            self._clients.clear()
            self._mutating_clients.clear()

    # --- SageMaker: clusters -------------------------------------------------------------------------------

    def list_clusters(self) -> list[ClusterSummary]:
        paginator = self.client("sagemaker").get_paginator("list_clusters")
        pages = paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE})
        return [
            ClusterSummary.from_api(item)
            for page in bounded_pages(pages, "ListClusters", "ClusterSummaries", CLUSTER_PAGE_CAP)
            for item in page["ClusterSummaries"]
        ]

    def describe_cluster(self, name_or_arn: str) -> ClusterDetail:
        return ClusterDetail.from_api(self.client("sagemaker").describe_cluster(ClusterName=name_or_arn))

    def describe_clusters(self, names: Iterable[str]) -> dict[str, ClusterDetail | BaseException]:
        """Describe several clusters concurrently; each value is the detail or the exception it raised."""
        futures = {name: self._pool.submit(self.describe_cluster, name) for name in names}
        results: dict[str, ClusterDetail | BaseException] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # noqa: BLE001 - reported per cluster by the caller
                results[name] = exc
        return results

    # --- SageMaker: nodes ----------------------------------------------------------------------------------

    def _list_nodes_pages(self, cluster: str, group: str | None, logical_ids: bool = False) -> list[Node]:
        """One paginated listing (of the nodes of `group` exactly, when given), each page turned into Nodes as it
        arrives: the response dicts die young instead of piling up until the last page. `logical_ids`: also the
        nodes still being provisioned, known by their NodeLogicalId only (Continuous mode)."""
        paginator = self.client("sagemaker").get_paginator("list_cluster_nodes")
        kwargs: dict[str, Any] = {"ClusterName": cluster, "PaginationConfig": {"PageSize": PAGE_SIZE}}
        if group:
            kwargs["InstanceGroupNameContains"] = group
        if logical_ids:
            kwargs["IncludeNodeLogicalIds"] = True
        nodes: list[Node] = []
        gate = self.page_gate
        pages = bounded_pages(paginator.paginate(**kwargs), "ListClusterNodes", "ClusterNodeSummaries", NODE_PAGE_CAP)
        while True:
            if gate is not None:
                gate()
            page = next(pages, None)
            if page is None:
                break
            nodes.extend(
                Node.from_api(item)
                for item in page["ClusterNodeSummaries"]
                if group is None or item.get("InstanceGroupName") == group
            )
        return nodes

    def list_nodes(self, cluster: str, groups: Sequence[str] | None = None, *, logical_ids: bool = False) -> list[Node]:
        """Every node of a cluster, every page.

        With `groups`, one paginated listing per group runs in parallel. InstanceGroupNameContains matches
        substrings (`worker-1` also matches `worker-10`), so only nodes of exactly that group are kept and the
        union is deduplicated by key (instance id, else NodeLogicalId). If any group's listing fails the whole
        listing fails: a partial list would look like nodes had vanished. `logical_ids`: list with
        IncludeNodeLogicalIds (Continuous clusters), which adds the nodes that have no instance id yet.
        """
        if not groups:
            return self._list_nodes_pages(cluster, None, logical_ids)
        nodes: dict[str, Node] = {}
        for _group, listed in self.iter_group_nodes(cluster, groups, logical_ids=logical_ids):
            for node in listed:
                nodes.setdefault(node.key, node)
        return list(nodes.values())

    def iter_group_nodes(
        self, cluster: str, groups: Sequence[str], *, logical_ids: bool = False
    ) -> Iterator[tuple[str, list[Node]]]:
        """(group, its nodes) for each instance group, listed in parallel (at most `listing_concurrency` at a
        time), as each listing completes: a caller can work on the first groups while the last are still
        arriving. Raises the first failure."""
        waiting = list(dict.fromkeys(groups))
        limit = self.listing_concurrency or len(waiting)
        running: dict[Future[list[Node]], str] = {}
        try:
            while waiting or running:
                while waiting and len(running) < limit:
                    group = waiting.pop(0)
                    running[self._pool.submit(self._list_nodes_pages, cluster, group, logical_ids)] = group
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield running.pop(future), future.result()
        finally:
            for future in running:
                future.cancel()

    def describe_node(self, cluster: str, instance_id: str, *, logical_id: str = "") -> NodeDetail:
        """DescribeClusterNode by NodeId, or by NodeLogicalId for a node without an instance id (never both)."""
        if instance_id or not logical_id:
            response = self.client("sagemaker").describe_cluster_node(ClusterName=cluster, NodeId=instance_id)
        else:
            response = self.client("sagemaker").describe_cluster_node(ClusterName=cluster, NodeLogicalId=logical_id)
        return NodeDetail.from_api(response.get("NodeDetails") or {})


def bounded_pages(pages: Iterable[dict[str, Any]], operation: str, member: str, cap: int) -> Iterator[dict[str, Any]]:
    """The pages of one listing, stopping with `bounds.ListingStopped` at `cap` pages or after `LISTING_DEADLINE`
    seconds (a server that hands out a new NextToken forever), and refusing a page of more than `PAGE_SIZE` items
    (the API never sends more than MaxResults; a longer page is a broken or hostile answer)."""
    started = time.monotonic()
    count = 0
    for page in pages:
        items = page.get(member)
        if not isinstance(items, list):  # a stock-botocore parse of a broken body, if the shape check was bypassed
            raise bounds.MalformedResponse(f"no {member} list", operation=operation)
        if len(items) > PAGE_SIZE:
            raise bounds.MalformedResponse(
                f"{len(items)} items in one page of at most {PAGE_SIZE}", operation=operation
            )
        count += 1
        yield page
        if count >= cap and page.get("NextToken"):
            raise bounds.ListingStopped(operation, count, "page cap")
        if time.monotonic() - started > LISTING_DEADLINE and page.get("NextToken"):
            raise bounds.ListingStopped(operation, count, f"{LISTING_DEADLINE:g}s time cap")
