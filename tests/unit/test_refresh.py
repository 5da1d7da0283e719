"""The refresh schedule (no overlap, backoff, reset) and one refresh's events, against the simulator."""

from __future__ import annotations

import pytest

from tests.harness import FROZEN_AT
from tui.backend import demo_api
from tui.core.errors import Problem, classify
from tui.core.refresh import (
    MAX_BACKOFF,
    ClusterFound,
    ClustersFound,
    ClusterVanished,
    NodesFound,
    RefreshDone,
    RefreshInput,
    RefreshSchedule,
    fetch_cluster,
    run_refresh,
)
from tui.sim import SimClock, Simulator

THROTTLED = Problem("throttled", "ThrottlingException", "Rate exceeded")
DENIED = Problem("access", "AccessDeniedException", "Not allowed")


# --- the schedule ----------------------------------------------------------------------------------------


def test_a_request_during_a_refresh_runs_once_after_it_never_alongside():
    schedule = RefreshSchedule(5.0)
    assert schedule.request()  # idle: start now
    schedule.started()
    assert not schedule.request()  # running: not a second one at once
    assert not schedule.request()  # asked twice: still only once after
    assert schedule.finished(None, have_clusters=True) == 0.0  # the queued one starts at once
    schedule.started()
    assert schedule.finished(None, have_clusters=True) == 5.0  # and no third: the regular interval


def test_a_one_off_fetch_neither_ends_the_running_refresh_nor_schedules_one():
    schedule = RefreshSchedule(5.0)
    schedule.started()
    assert schedule.finished(THROTTLED, have_clusters=True, scheduled=False) is None
    assert schedule.running
    assert not schedule.request()


def test_throttling_doubles_the_interval_up_to_the_cap_and_success_resets_it():
    schedule = RefreshSchedule(5.0)
    delays = []
    for _ in range(6):
        schedule.started()
        delays.append(schedule.finished(THROTTLED, have_clusters=True))
    assert delays == [10.0, 20.0, 40.0, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]
    assert schedule.stale_reason == "ThrottlingException: Rate exceeded"
    schedule.started()
    assert schedule.finished(None, have_clusters=True) == 5.0
    assert schedule.stale_reason == ""


def test_another_failure_keeps_the_interval_and_says_why_the_data_is_stale():
    schedule = RefreshSchedule(5.0)
    schedule.started()
    assert schedule.finished(THROTTLED, have_clusters=True) == 10.0
    schedule.started()
    assert schedule.finished(DENIED, have_clusters=True) == 5.0
    assert schedule.stale_reason == "AccessDeniedException: Not allowed"


def test_no_automatic_refresh_when_the_interval_is_zero():
    schedule = RefreshSchedule(0.0)
    schedule.started()
    assert schedule.finished(THROTTLED, have_clusters=True) is None


def test_the_first_refresh_lasts_until_one_lists_clusters():
    schedule = RefreshSchedule(5.0)
    schedule.started()
    schedule.finished(DENIED, have_clusters=False)
    assert schedule.first
    schedule.started()
    schedule.finished(None, have_clusters=True)
    assert not schedule.first


# --- one refresh -----------------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Simulator:
    return Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)


def _classify(exc: BaseException, operation: str) -> Problem:
    return classify(exc, operation=operation)


def _first(**given) -> RefreshInput:
    values = {"focus": None, "first": True, "started_at": FROZEN_AT, "snapshots": {}, "details": {}, **given}
    return RefreshInput(**values)


def test_the_first_refresh_describes_every_cluster_and_lists_the_focus_first(sim):
    api = demo_api(sim)
    names = sorted(sim.world.clusters)
    events = list(run_refresh(_first(focus=names[-1]), lambda: api, _classify))
    assert isinstance(events[0], ClustersFound) and sorted(c.name for c in events[0].clusters) == names
    described = [e.detail.name for e in events if isinstance(e, ClusterFound)]
    assert sorted(described) == names
    listed = [e.snapshot.cluster for e in events if isinstance(e, NodesFound)]
    assert listed[0] == names[-1]
    assert events[-1] == RefreshDone(None, FROZEN_AT)


def test_the_wanted_cluster_is_the_first_refreshs_focus(sim):
    api = demo_api(sim)
    names = sorted(sim.world.clusters)
    events = run_refresh(_first(focus=names[0], wanted_cluster=names[-1]), lambda: api, _classify)
    listed = [e.snapshot.cluster for e in events if isinstance(e, NodesFound)]
    assert listed[0] == names[-1]


def test_a_throttled_listing_ends_the_refresh_with_the_problem(sim):
    api = demo_api(sim)
    sim.faults.throttle(operation="ListClusters", times=50)
    events = list(run_refresh(_first(), lambda: api, _classify))
    assert len(events) == 1 and isinstance(events[0], RefreshDone)
    assert events[0].problem is not None and events[0].problem.kind == "throttled"


def test_a_failed_node_listing_is_reported_and_the_other_clusters_still_listed(sim):
    api = demo_api(sim)
    sim.faults.fail("ListClusterNodes", "InternalFailure", "boom", status=500, times=1000)
    events = list(run_refresh(_first(), lambda: api, _classify))
    assert not [e for e in events if isinstance(e, NodesFound)]
    assert [e for e in events if isinstance(e, ClusterFound)]  # the describes still arrived
    done = events[-1]
    assert isinstance(done, RefreshDone) and done.problem is not None


def test_a_cluster_that_vanished_is_reported_gone(sim):
    api = demo_api(sim)
    events = list(fetch_cluster("no-such-cluster", None, FROZEN_AT, lambda: api, _classify))
    assert len(events) == 1 and isinstance(events[0], ClusterVanished) and events[0].name == "no-such-cluster"


def test_nothing_runs_after_the_consumer_stops(sim):
    api = demo_api(sim)
    events = run_refresh(_first(), lambda: api, _classify)
    assert isinstance(next(events), ClustersFound)
    events.close()  # a cancelled worker stops iterating here
    operations = {call.operation for call in sim.calls}
    assert operations == {"ListClusters"}  # no describe, no node listing after the consumer stopped


# --- node health in a refresh (core/hma.py) ---------------------------------------------------------------


def _health():
    from tui.core.hma import HealthSources, HmaBooks

    return HealthSources(HmaBooks(), interval=15.0)


def test_the_focus_is_shown_before_its_health_sweep_and_then_updated_with_it(sim):
    api = demo_api(sim)
    slurm, faulty = sim.landmarks["slurm_cluster"], sim.landmarks["health_event_node"]
    events = run_refresh(_first(focus=slurm, health=_health()), lambda: api, _classify)
    seen: list[str] = []
    found = []
    for event in events:
        if isinstance(event, NodesFound) and event.snapshot.cluster == slurm:
            swept = any(call.operation == "FilterLogEvents" for call in sim.calls)
            seen.append(f"{'after' if swept else 'before'}:{faulty in event.snapshot.verdicts}")
            found.append(event.snapshot)
    assert seen == ["before:False", "after:True"]  # the listing first, then its health
    rebuilt = found[1]
    assert rebuilt.diff.changed == (faulty,) and rebuilt.base_fetched_at == found[0].fetched_at
    assert rebuilt.quiet == {faulty}  # the cluster's first sweep: shown, not flashed
    sweeps = [call.params.get("logStreamNamePrefix") for call in sim.calls if call.operation == "FilterLogEvents"]
    assert sweeps == ["SagemakerHealthMonitoringAgent", "DeepHealthCheckResults/"]  # the focus only: HMA, DHC results


def test_a_failing_sweep_never_fails_the_refresh(sim):
    api = demo_api(sim)
    sim.faults.fail("FilterLogEvents", "AccessDeniedException", "no logs for you", status=400, times=1000)
    health = _health()
    slurm = sim.landmarks["slurm_cluster"]
    events = list(run_refresh(_first(focus=slurm, health=health), lambda: api, _classify))
    assert events[-1] == RefreshDone(None, FROZEN_AT)
    assert [e.snapshot.cluster for e in events if isinstance(e, NodesFound)].count(slurm) == 1  # nothing new
    book = health.books.get(slurm)
    assert book is not None and "access denied" in book.problem
