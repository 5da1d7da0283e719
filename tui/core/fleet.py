"""Many profiles and regions at once: the fleet's members, and `FleetApi`, one facade over a HyperPodApi per member.

A fleet is every (profile, region) of `--profile p,q` × `--region a,b`, plus the config file's `[[fleet]]` entries.
With one member there is no fleet: the app uses one HyperPodApi exactly as before (nothing here runs).

Cluster keys. Two regions (or accounts) can hold clusters of the same name, so in a fleet a cluster is known by
`name@region` (one profile) or `name@profile/region` (several): `qualify` makes the key, and every per-cluster call
of `FleetApi` (describe, list nodes, describe node) takes the key, picks that member's facade and calls it with the
real name. Code that needs a client (actions, shells, logs) asks `api.resolve(key)` for (member facade, real name):
a reboot goes to the cluster's own region and credentials, never to another member's. Cluster names cannot hold
`@` (the API's pattern is `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`), so a key splits one way only.

Listing: every member lists in parallel; a member that fails (AccessDenied, an expired SSO token) or does not
answer within `MEMBER_DEADLINE` keeps its last listed clusters, marked stale with the reason, while the others
refresh. Only when every member fails does `list_clusters` raise (the first failure), as a single region does.
Textual-free; calls block (worker threads only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kept out of the import: the single-region start-up reads only `members_of` from here
    from concurrent.futures import Future

    from tui.core.aws import HyperPodApi
    from tui.core.models import ClusterDetail, ClusterSummary, Node, NodeDetail

MEMBER_DEADLINE = 12.0  # seconds a member's cluster listing may take before its rows are shown stale


@dataclass(frozen=True, slots=True)
class Member:
    """One (profile, region) of the fleet; None means the default (AWS_PROFILE / the profile's region)."""

    profile: str | None
    region: str | None

    @property
    def label(self) -> str:
        return f"{self.profile or 'default'}/{self.region or '(profile region)'}"


def _split_list(value: str | None) -> list[str | None]:
    if value is None:
        return [None]
    items = [part.strip() for part in str(value).split(",") if part.strip()]
    return list(dict.fromkeys(items)) or [None]


def members_of(
    profile: str | None, region: str | None, entries: Sequence[Mapping[str, Any]] = ()
) -> tuple[Member, ...]:
    """The fleet: each profile × each region of the comma lists, then the `[[fleet]]` entries, duplicates once."""
    found = [Member(p, r) for p in _split_list(profile) for r in _split_list(region)]
    if entries:
        if profile is None and region is None:
            found = []  # only [[fleet]] entries: the default profile/region is not a member of its own
        found += [Member(entry.get("profile"), entry.get("region")) for entry in entries]
    return tuple(dict.fromkeys(found))


def is_fleet(members: Sequence[Member]) -> bool:
    return len(members) > 1


def fleet_columns(members: Sequence[Member]) -> tuple[bool, bool]:
    """(show PROFILE, show REGION): each only when the fleet spans more than one."""
    return len({m.profile for m in members}) > 1, len({m.region for m in members}) > 1


def qualify(name: str, member: Member, *, with_profile: bool) -> str:
    where = f"{member.profile or 'default'}/{member.region or ''}" if with_profile else (member.region or "")
    return f"{name}@{where}"


def real_name(key: str) -> str:
    """A cluster key's cluster name (a plain name is its own)."""
    return key.split("@", 1)[0]


class FleetApi:
    """The HyperPodApi surface the explorer and headless commands use, over one facade per member.

    `apis` maps each member to its facade (made off the event loop by the caller, one botocore Session per
    profile). Thread-safe: listings run in the pool, the stale record is guarded by a lock."""

    def __init__(self, apis: Mapping[Member, HyperPodApi], *, deadline: float = MEMBER_DEADLINE) -> None:
        if not apis:
            raise ValueError("a fleet needs at least one member")
        self.apis = dict(apis)
        self.members = tuple(self.apis)
        self.deadline = deadline
        self._with_profile = len({member.profile for member in self.members}) > 1
        self._lock = threading.Lock()
        self._last: dict[Member, list[ClusterSummary]] = {}
        self._running: dict[Member, Future[list[ClusterSummary]]] = {}
        self.failures: dict[Member, str] = {}  # member → why its rows are stale (the latest listing)
        self._by_key: dict[str, Member] = {}
        from tui.core.daemon_pool import DaemonThreadPool

        self._pool = DaemonThreadPool(max_workers=max(2, len(self.members)), thread_name_prefix="hyperpod-fleet")
        first = next(iter(self.apis.values()))
        self.profile = getattr(first, "profile", None)
        self.endpoint_url = getattr(first, "endpoint_url", None)

    # --- what the app sets on a facade: passed to every member ------------------------------------------

    @property
    def page_gate(self) -> Callable[[], object] | None:
        return getattr(next(iter(self.apis.values())), "page_gate", None)

    @page_gate.setter
    def page_gate(self, gate: Callable[[], object] | None) -> None:
        for api in self.apis.values():
            api.page_gate = gate

    @property
    def listing_concurrency(self) -> int | None:
        return getattr(next(iter(self.apis.values())), "listing_concurrency", None)

    @listing_concurrency.setter
    def listing_concurrency(self, limit: int | None) -> None:
        for api in self.apis.values():
            api.listing_concurrency = limit

    @property
    def region_name(self) -> str | None:
        return ",".join(member.region or "" for member in self.members)

    def region_warning(self) -> str:
        return " ".join(warning for api in self.apis.values() if (warning := api.region_warning()))

    def client(self, service: str) -> Any:
        """The first usable member's client (warm-up only: per-cluster clients come from `resolve`); a member
        that cannot make one (a bad region name) fails in its own listing instead."""
        error: Exception | None = None
        for api in self.apis.values():
            try:
                return api.client(service)
            except Exception as exc:  # noqa: BLE001 - the next member may work; the listing reports this one
                error = error or exc
        assert error is not None
        raise error

    def long_poll_client(self, service: str, wait_seconds: float) -> Any:
        """The first member's long-poll client: the live stream's queue (`--events-queue`) is read in the first
        region named (EventBridge is regional; a queue per region is not read)."""
        return next(iter(self.apis.values())).long_poll_client(service, wait_seconds)

    def clone(self) -> FleetApi:
        """Fresh clients on the same Sessions (a forked process), knowing the same clusters."""
        fleet = FleetApi({m: api.clone() for m, api in self.apis.items()}, deadline=self.deadline)
        with self._lock:
            fleet._by_key, fleet._last = dict(self._by_key), dict(self._last)
        return fleet

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for api in self.apis.values():
            api.close()

    # --- routing ----------------------------------------------------------------------------------------

    def member_of(self, key: str) -> Member:
        """The member that listed cluster `key` (its ARN too; a plain name works when exactly one member has it).
        Nothing listed yet (a headless `nodes --cluster`): the clusters are listed first."""
        if not self._by_key:
            self.list_clusters()
        with self._lock:
            member = self._by_key.get(key)
            if member is None:
                matches = {m for k, m in self._by_key.items() if "@" in k and real_name(k) == key}
                if len(matches) == 1:
                    member = matches.pop()
        if member is None:
            raise KeyError(f"cluster {key!r} is in no region of the fleet, or in several: name it as name@region")
        return member

    def resolve(self, key: str) -> tuple[HyperPodApi, str]:
        """(the facade of the member that holds cluster `key`, the cluster's real name)."""
        return self.apis[self.member_of(key)], real_name(key)

    # --- listing ----------------------------------------------------------------------------------------

    def _list_member(self, member: Member) -> list[ClusterSummary]:
        listed = self.apis[member].list_clusters()
        return [
            replace(
                summary,
                name=qualify(summary.name, member, with_profile=self._with_profile),
                profile=member.profile or "default",
                region=member.region or "",
            )
            for summary in listed
        ]

    def list_clusters(self) -> list[ClusterSummary]:
        from concurrent.futures import wait

        with self._lock:
            for member in self.members:
                running = self._running.get(member)
                if running is None or running.done():  # a hung member's listing is not started twice
                    self._running[member] = self._pool.submit(self._list_member, member)
            futures = dict(self._running)
        wait(futures.values(), timeout=self.deadline)
        clusters: list[ClusterSummary] = []
        errors: list[BaseException] = []
        failures: dict[Member, str] = {}
        by_key: dict[str, Member] = {}
        for member, future in futures.items():
            if future.done() and future.exception() is None:
                listed = future.result()
                self._last[member] = listed
            else:
                error = future.exception() if future.done() else None
                if error is not None:
                    errors.append(error)
                reason = _reason(error) if error is not None else f"no answer in {self.deadline:g}s"
                failures[member] = reason
                listed = [replace(summary, stale=reason) for summary in self._last.get(member, [])]
            clusters.extend(listed)
            by_key.update((summary.name, member) for summary in listed)
            by_key.update((summary.arn, member) for summary in listed if summary.arn)
        with self._lock:
            self.failures = failures
            self._by_key = by_key
        if len(failures) == len(self.members) and errors:
            raise errors[0]
        return clusters

    # --- per cluster: routed by key -----------------------------------------------------------------------

    def describe_cluster(self, key: str) -> ClusterDetail:
        api, name = self.resolve(key)
        return replace(api.describe_cluster(name), name=key)

    def describe_clusters(self, keys: Iterable[str]) -> dict[str, ClusterDetail | BaseException]:
        futures = {key: self._pool.submit(self.describe_cluster, key) for key in keys}
        results: dict[str, ClusterDetail | BaseException] = {}
        for key, future in futures.items():
            try:
                results[key] = future.result()
            except Exception as exc:  # noqa: BLE001 - reported per cluster by the caller
                results[key] = exc
        return results

    def list_nodes(self, key: str, groups: Sequence[str] | None = None, *, logical_ids: bool = False) -> list[Node]:
        api, name = self.resolve(key)
        return list(api.list_nodes(name, groups, logical_ids=logical_ids))

    def iter_group_nodes(
        self, key: str, groups: Sequence[str], *, logical_ids: bool = False
    ) -> Iterator[tuple[str, list[Node]]]:
        api, name = self.resolve(key)
        return iter(api.iter_group_nodes(name, groups, logical_ids=logical_ids))

    def describe_node(self, key: str, instance_id: str, *, logical_id: str = "") -> NodeDetail:
        api, name = self.resolve(key)
        return api.describe_node(name, instance_id, logical_id=logical_id)

    # --- for the header -------------------------------------------------------------------------------------

    def stale_summary(self) -> str:
        """`us-east-1 stale: AccessDeniedException` for each failing member; "" when all answered."""
        with self._lock:
            failures = dict(self.failures)
        return "; ".join(f"{_where(member, self._with_profile)} stale: {reason}" for member, reason in failures.items())


def _where(member: Member, with_profile: bool) -> str:
    return member.label if with_profile else (member.region or "(profile region)")


def _reason(error: BaseException) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
    return str(code or type(error).__name__)[:80]


def describe_fleet(members: Sequence[Member], api: Any, *, demo: bool = False, scenario: str = "") -> str:
    """The header's line for a fleet: its profiles and regions, then each stale member and why."""
    profiles = list(dict.fromkeys(member.profile or "default" for member in members))
    regions = list(dict.fromkeys(member.region or "(profile region)" for member in members))
    parts = [f"DEMO ({scenario})"] if demo else []
    parts.append(f"{'regions' if len(regions) > 1 else 'region'} {', '.join(regions)}")
    parts.append(f"{'profiles' if len(profiles) > 1 else 'profile'} {', '.join(profiles)}")
    stale = api.stale_summary() if isinstance(api, FleetApi) else ""
    if stale:
        parts.append(stale)
    return " · ".join(parts)


class UnusableMember:
    """A member whose facade could not be made (an unknown profile): every listing raises why, so its region
    shows as failing while the rest of the fleet works."""

    def __init__(self, error: Exception, profile: str | None = None) -> None:
        self.error, self.profile, self.endpoint_url = error, profile, None
        self.page_gate: Callable[[], object] | None = None
        self.listing_concurrency: int | None = None

    def list_clusters(self) -> list[ClusterSummary]:
        raise self.error

    def region_warning(self) -> str:
        return ""

    def client(self, service: str) -> Any:
        raise self.error

    def clone(self) -> UnusableMember:
        return self

    def close(self) -> None:
        pass
