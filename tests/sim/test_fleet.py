"""FleetApi over two simulated regions: one listing, calls routed by key, and a failing or hung region."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError

from tui.backend import DemoFleet, demo_api
from tui.core.fleet import FleetApi, Member
from tui.sim import SimClock, Simulator

WEST, EAST = Member(None, "us-west-2"), Member(None, "us-east-1")
SLURM = "llm-pretrain-slurm"


@pytest.fixture
def fleet():
    clock = SimClock.frozen(at=1_795_176_000.0)
    sims = {m: Simulator(clock=clock, seed=7 + i, region=m.region) for i, m in enumerate((WEST, EAST))}
    api = DemoFleet(sims)()
    yield api, sims
    api.close()


def test_both_regions_list_into_one_listing_with_distinct_keys(fleet):
    api, sims = fleet
    clusters = api.list_clusters()
    keys = {c.name for c in clusters}
    assert {f"{SLURM}@us-west-2", f"{SLURM}@us-east-1"} <= keys
    assert len(keys) == len(clusters) == sum(len(s.world.clusters) for s in sims.values())
    assert {c.region for c in clusters} == {"us-west-2", "us-east-1"}
    assert all(c.arn.split(":")[3] == c.region for c in clusters)  # each from its own region
    assert api.failures == {}


def test_per_cluster_calls_go_to_the_clusters_own_region(fleet):
    api, sims = fleet
    api.list_clusters()
    key = f"{SLURM}@us-east-1"
    nodes = api.list_nodes(key)
    east_ids = set(sims[EAST].world.clusters[SLURM].nodes)
    assert {node.instance_id for node in nodes} == east_ids
    assert east_ids.isdisjoint(sims[WEST].world.clusters[SLURM].nodes)
    assert api.describe_cluster(key).name == key
    assert api.describe_cluster(key).arn == next(c.arn for c in api.list_clusters() if c.name == key)


def test_a_reboot_resolved_by_key_reaches_only_that_region(fleet):
    api, sims = fleet
    api.list_clusters()
    node = next(iter(sims[EAST].world.clusters[SLURM].nodes))
    member_api, name = api.resolve(f"{SLURM}@us-east-1")
    assert name == SLURM and member_api.region_name == "us-east-1"
    member_api.mutating_client("sagemaker").batch_reboot_cluster_nodes(ClusterName=name, NodeIds=[node])
    reboots = {m: [c for c in s.calls if c.operation == "BatchRebootClusterNodes"] for m, s in sims.items()}
    assert [c.params["NodeIds"] for c in reboots[EAST]] == [[node]] and reboots[WEST] == []


def test_a_plain_name_resolves_only_when_one_region_has_it(fleet):
    api, sims = fleet
    api.list_clusters()
    with pytest.raises(KeyError):
        api.resolve(SLURM)  # in both regions: ambiguous
    with pytest.raises(KeyError):
        api.resolve("no-such-cluster")


def test_a_failing_region_keeps_its_rows_stale_and_the_other_refreshes(fleet):
    api, sims = fleet
    first = {c.name: c for c in api.list_clusters()}
    sims[EAST].faults.fail("ListClusters", "AccessDeniedException", "not allowed")
    second = {c.name: c for c in api.list_clusters()}
    assert set(second) == set(first)  # nothing vanished
    assert {name for name, c in second.items() if c.stale} == {n for n in first if n.endswith("@us-east-1")}
    assert {c.stale for c in second.values() if c.stale} == {"AccessDeniedException"}
    assert api.failures == {EAST: "AccessDeniedException"}
    assert "us-east-1 stale: AccessDeniedException" in api.stale_summary()
    assert "us-west-2" not in api.stale_summary()
    third = api.list_clusters()  # the fault is used up: fresh again
    assert not any(c.stale for c in third) and api.failures == {}


def test_every_region_failing_raises_like_a_single_region(fleet):
    api, sims = fleet
    for sim in sims.values():
        sim.faults.fail("ListClusters", "AccessDeniedException", "not allowed", times=3)
    with pytest.raises(ClientError):
        api.list_clusters()


class _Hung:
    """A member whose listing blocks until released (a region that does not answer)."""

    def __init__(self, api):
        self.api, self.release = api, threading.Event()
        self.page_gate = self.listing_concurrency = None

    def list_clusters(self):
        self.release.wait(10)
        return self.api.list_clusters()

    def __getattr__(self, name):
        return getattr(self.api, name)


def test_a_hung_region_is_shown_stale_after_the_deadline_and_not_listed_twice():
    clock = SimClock.frozen(at=1_795_176_000.0)
    west = demo_api(Simulator(clock=clock, seed=7, region="us-west-2"), "us-west-2")
    east_sim = Simulator(clock=clock, seed=8, region="us-east-1")
    hung = _Hung(demo_api(east_sim, "us-east-1"))
    west.list_clusters()  # its client made and its models loaded: within the deadline on a busy machine too
    api = FleetApi({WEST: west, EAST: hung}, deadline=2.0)
    try:
        listed = api.list_clusters()
        assert {c.region for c in listed} == {"us-west-2"}
        assert api.failures == {EAST: "no answer in 2s"}
        api.list_clusters()
        assert [c.operation for c in east_sim.calls].count("ListClusters") == 0  # still the one blocked listing
        hung.release.set()
        api._running[EAST].result(timeout=10)
        assert {c.region for c in api.list_clusters()} == {"us-west-2", "us-east-1"}
    finally:
        hung.release.set()
        api.close()


def test_an_unknown_profile_fails_alone_and_credentials_stay_per_profile(tmp_path, monkeypatch):
    from tui.backend import make_api_factory
    from tui.config import Settings
    from tui.core.fleet import UnusableMember

    config = tmp_path / "config"
    config.write_text("[profile good]\nregion = eu-west-1\n[profile other]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    factory, simulator = make_api_factory(Settings(profile="good,nope,other", region="us-west-2,us-east-1"))
    api = factory()
    try:
        assert simulator is None and len(api.members) == 6
        unusable = {m.profile for m, a in api.apis.items() if isinstance(a, UnusableMember)}
        assert unusable == {"nope"}
        good = {m.region: a for m, a in api.apis.items() if m.profile == "good"}
        assert {region: a.region_name for region, a in good.items()} == {
            "us-west-2": "us-west-2",
            "us-east-1": "us-east-1",
        }
        # One botocore Session per profile (credentials, SSO tokens resolved once for it), not per region.
        assert good["us-west-2"]._core is good["us-east-1"]._core
        assert good["us-west-2"]._core is not api.apis[Member("other", "us-west-2")]._core
    finally:
        api.close()


def test_an_unusable_member_is_stale_while_the_others_list():
    from botocore.exceptions import ProfileNotFound

    from tui.core.fleet import UnusableMember

    west = demo_api(Simulator(clock=SimClock.frozen(at=1_795_176_000.0), seed=7), "us-west-2")
    api = FleetApi({WEST: west, EAST: UnusableMember(ProfileNotFound(profile="nope"))})
    try:
        assert api.client("sagemaker") is west.client("sagemaker")
        assert {c.region for c in api.list_clusters()} == {"us-west-2"}
        assert api.failures == {EAST: "ProfileNotFound"}
    finally:
        api.close()
