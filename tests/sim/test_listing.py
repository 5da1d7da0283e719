"""Per-group parallel listing: at most `listing_concurrency` groups at once, a page gate before every page,
groups handed over as they complete, the same nodes however it is run."""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from tests.harness import FROZEN_AT
from tui.core import aws
from tui.core.aws import HyperPodApi
from tui.sim import SimClock, Simulator

CLUSTER = "llm-pretrain-slurm"


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setattr(aws, "PAGE_SIZE", 5)  # several pages per group
    sim = Simulator(scenario="demo", clock=SimClock.frozen(at=FROZEN_AT), seed=7)
    session = boto3.Session(aws_access_key_id="T", aws_secret_access_key="T", region_name="us-west-2")
    sim.install(session)
    api = HyperPodApi(session)
    yield api
    api.close()


def groups(api):
    return [group.name for group in api.describe_cluster(CLUSTER).instance_groups]


def test_same_nodes_whatever_the_concurrency(api):
    everything = {node.instance_id: node for node in api.list_nodes(CLUSTER)}
    per_group = {node.instance_id: node for node in api.list_nodes(CLUSTER, groups(api))}
    api.listing_concurrency = 1
    one_at_a_time = {node.instance_id: node for node in api.list_nodes(CLUSTER, groups(api))}
    assert len(everything) == 40 and everything == per_group == one_at_a_time


def test_at_most_listing_concurrency_groups_run_at_once(api, monkeypatch):
    running, peak, lock = 0, 0, threading.Lock()
    original = HyperPodApi._list_nodes_pages

    def counted(self, cluster, group, logical_ids=False):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        try:
            return original(self, cluster, group, logical_ids)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(HyperPodApi, "_list_nodes_pages", counted)
    names = groups(api)
    api.listing_concurrency = 2
    assert len(api.list_nodes(CLUSTER, names)) == 40 and peak == 2
    peak = 0
    api.listing_concurrency = None
    assert len(api.list_nodes(CLUSTER, names)) == 40 and peak == len(names)


def test_the_page_gate_runs_before_every_page(api):
    gates = []
    api.page_gate = lambda: gates.append(threading.current_thread().name)
    names = groups(api)
    pages = sum(-(-len(api.list_nodes(CLUSTER, [name])) // aws.PAGE_SIZE) for name in names)
    gates.clear()
    api.list_nodes(CLUSTER, names)
    assert len(gates) >= pages  # one before each page (and one that finds no more)
    assert all(name.startswith("hyperpod-aws") for name in gates)  # in the listing threads


def test_groups_arrive_as_they_complete(api):
    names = groups(api)
    arrived = [group for group, _ in api.iter_group_nodes(CLUSTER, names)]
    assert sorted(arrived) == sorted(names)
