"""CloudWatch Logs: token semantics, the 200,000-line stream, filtering, and logs that grow with time."""

from __future__ import annotations

import re

import pytest

from tests.sim.conftest import T0, clients
from tui.sim import SimClock, Simulator
from tui.sim.model import FAQ_URL

SLURM = "llm-pretrain-slurm"


def follow_forward(logs, **params) -> tuple[list[dict], int, str]:
    """Page forward from the head until the forward token comes back unchanged: (events, pages, last token)."""
    events, pages, token = [], 0, None
    while True:
        kwargs = dict(params, startFromHead=True)
        if token:
            kwargs["nextToken"] = token
        reply = logs.get_log_events(**kwargs)
        pages += 1
        events.extend(reply["events"])
        if reply["nextForwardToken"] == token:
            assert reply["events"] == []
            return events, pages, token
        token = reply["nextForwardToken"]


def test_paging_the_200k_line_stream_to_its_end(scale):
    logs = clients(scale)[1]
    group, stream = scale.landmarks["big_log_group"], scale.landmarks["big_log_stream"]
    events, pages, _ = follow_forward(logs, logGroupName=group, logStreamName=stream)
    assert len(events) == 200_000
    assert pages >= 21  # at most 10,000 events (and 1 MB) a page, plus the empty page that ends it
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    messages = [e["message"] for e in events]
    assert messages[0] == "[SageMaker] Downloading lifecycle scripts"
    assert messages[1].startswith("[LIFECYCLE_SCRIPT_START]")
    assert messages[-3] == "[stop] on_create.sh" and messages[-2].startswith("[SCRIPT_EXECUTION_SUCCEEDED]")
    assert messages[-1] == "[SageMaker] The lifecycle scripts succeeded."
    assert any(m.startswith("Setting up ") for m in messages[1000:1100])


def test_a_page_respects_the_event_limit_and_the_1mb_cap(demo):
    logs = clients(demo)[1]
    big = ["x" * 10_000 + f" line {n}" for n in range(300)]  # about 3 MB
    demo.put_log_events("/test/big", "s", big, start=T0 - 100)
    first = logs.get_log_events(logGroupName="/test/big", logStreamName="s", startFromHead=True)
    size = sum(len(e["message"].encode()) + 26 for e in first["events"])
    assert 0 < len(first["events"]) < 300 and size <= 1_048_576
    events, _, _ = follow_forward(logs, logGroupName="/test/big", logStreamName="s")
    assert [e["message"] for e in events] == big
    small = logs.get_log_events(logGroupName="/test/big", logStreamName="s", startFromHead=True, limit=7)
    assert len(small["events"]) == 7


def test_an_event_bigger_than_the_1mb_cap_is_served_alone_and_paging_goes_on(demo):
    logs = clients(demo)[1]
    huge = "A" * 1_048_576  # put_log_events takes it; a page must still carry it, or a reader stalls here
    demo.put_log_events("/test/huge", "s", ["before", huge, "after"], start=T0 - 100)
    first = logs.get_log_events(logGroupName="/test/huge", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in first["events"]] == ["before"]
    events, pages, _ = follow_forward(logs, logGroupName="/test/huge", logStreamName="s")
    assert [len(e["message"]) for e in events] == [6, 1_048_576, 5] and pages == 4
    newest = logs.get_log_events(logGroupName="/test/huge", logStreamName="s", nextToken=first["nextForwardToken"])
    assert [len(e["message"]) for e in newest["events"]] == [1_048_576]


def test_without_a_token_the_newest_events_come_first_and_backward_tokens_walk_to_the_head(demo):
    logs = clients(demo)[1]
    demo.put_log_events("/test/back", "s", [f"m{n}" for n in range(25)], start=T0 - 100)
    newest = logs.get_log_events(logGroupName="/test/back", logStreamName="s", limit=10)
    assert [e["message"] for e in newest["events"]] == [f"m{n}" for n in range(15, 25)]
    seen = [e["message"] for e in newest["events"]]
    token = newest["nextBackwardToken"]
    while True:
        reply = logs.get_log_events(logGroupName="/test/back", logStreamName="s", limit=10, nextToken=token)
        if reply["nextBackwardToken"] == token:
            assert reply["events"] == []
            break
        seen[:0] = [e["message"] for e in reply["events"]]
        token = reply["nextBackwardToken"]
    assert seen == [f"m{n}" for n in range(25)]
    forward = logs.get_log_events(logGroupName="/test/back", logStreamName="s", nextToken=newest["nextForwardToken"])
    assert forward["events"] == [] and forward["nextForwardToken"] == newest["nextForwardToken"]
    assert re.fullmatch(r"f/\d{56}/s", forward["nextForwardToken"])


def test_start_and_end_time_bound_the_events(demo):
    logs = clients(demo)[1]
    demo.put_log_events("/test/range", "s", [f"m{n}" for n in range(10)], start=T0 - 100)
    start_ms = int((T0 - 100) * 1000)
    reply = logs.get_log_events(
        logGroupName="/test/range", logStreamName="s", startFromHead=True, startTime=start_ms + 3, endTime=start_ms + 6
    )
    assert [e["message"] for e in reply["events"]] == ["m3", "m4", "m5"]  # endTime is exclusive
    filtered = logs.filter_log_events(logGroupName="/test/range", startTime=start_ms + 3, endTime=start_ms + 6)
    assert [e["message"] for e in filtered["events"]] == ["m3", "m4", "m5", "m6"]  # FilterLogEvents' is not


def test_a_provisioning_nodes_log_grows_and_a_follower_sees_the_new_lines(demo):
    logs = clients(demo)[1]
    group = demo.cluster(SLURM).log_group
    stream = f"LifecycleConfig/worker-group-1/{demo.landmarks['pending_node']}"
    first = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    token = first["nextForwardToken"]
    assert (
        first["events"]
        and logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=token)["nextForwardToken"] == token
    )
    demo.clock.advance(30)
    more = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=token)
    assert more["events"] and more["nextForwardToken"] != token
    assert more["events"][0]["timestamp"] >= first["events"][-1]["timestamp"]
    demo.clock.advance(60)
    rest, _, _ = follow_forward(logs, logGroupName=group, logStreamName=stream)
    assert rest[-1]["message"] == "[SageMaker] The lifecycle scripts succeeded."
    assert len(rest) == len(first["events"]) + len(more["events"]) + len(
        logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=more["nextForwardToken"])["events"]
    )


def test_the_failed_nodes_log_ends_with_every_failure_marker(demo):
    logs = clients(demo)[1]
    cluster = demo.cluster(SLURM)
    node = demo.landmarks["failed_node"]
    stream = f"LifecycleConfig/worker-group-2/{node}"
    messages = [e["message"] for e in follow_forward(logs, logGroupName=cluster.log_group, logStreamName=stream)[0]]
    for marker in (
        "[SageMaker] Downloading lifecycle scripts",
        "[LIFECYCLE_SCRIPT_START]",
        "[SCRIPT_DOWNLOAD_START]",
        "[SCRIPT_DOWNLOAD_COMPLETE]",
        "[start] on_create.sh",
        "[start] on_create_main.sh",
    ):
        assert any(m.startswith(marker) for m in messages), marker
    assert any("mount.lustre" in m and "failed" in m for m in messages)
    assert messages[-4:] == [
        "[error] on_create_main.sh failed, waiting 60 seconds before exit, to make sure logs are uploaded",
        "[stop] on_create.sh with error",
        "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1",
        "[SageMaker] The lifecycle scripts failed.",
    ]


def test_successful_runs_carry_both_marker_families_in_order(demo):
    logs = clients(demo)[1]
    cluster = demo.cluster("genai-eks-prod")
    node = next(iter(cluster.nodes.values()))
    stream = f"LifecycleConfig/{node.group.name}/{node.instance_id}"
    messages = [e["message"] for e in follow_forward(logs, logGroupName=cluster.log_group, logStreamName=stream)[0]]
    order = [
        "[LIFECYCLE_SCRIPT_START]",
        "[SCRIPT_DOWNLOAD_START]",
        "[SCRIPT_DOWNLOAD_COMPLETE]",
        "[start] on_create.sh",
        "[start] on_create_main.sh",
        "[stop] on_create.sh",
        "[SCRIPT_EXECUTION_SUCCEEDED]",
    ]
    positions = [next(i for i, m in enumerate(messages) if m.startswith(marker)) for marker in order]
    assert positions == sorted(positions)
    assert len(messages) - len(order) >= 10, "realistic work lines between the markers"


def test_filter_log_events_terms_phrases_and_paging(demo):
    logs = clients(demo)[1]
    group = demo.cluster(SLURM).log_group
    failed = logs.filter_log_events(logGroupName=group, filterPattern="SCRIPT_EXECUTION_FAILED")["events"]
    assert [e["logStreamName"] for e in failed] == [f"LifecycleConfig/worker-group-2/{demo.landmarks['failed_node']}"]
    phrase = logs.filter_log_events(logGroupName=group, filterPattern='"failed to provision"')["events"]
    assert phrase == []
    both = logs.filter_log_events(logGroupName=group, filterPattern="?SCRIPT_EXECUTION_FAILED ?mount.lustre")
    assert len(both["events"]) == 2
    without = logs.filter_log_events(logGroupName=group, filterPattern="[stop] -error")["events"]
    assert without and all("error" not in e["message"] for e in without)
    started = logs.filter_log_events(
        logGroupName=group,
        filterPattern="LIFECYCLE_SCRIPT_START",
        logStreamNamePrefix="LifecycleConfig/worker-group-1/",
    )["events"]
    group_size = sum(n.group.name == "worker-group-1" for n in demo.cluster(SLURM).nodes.values())
    # one run a node, and the retried node's stream holds two full runs after one that left two lines
    assert len(started) == group_size + 1
    retried = f"LifecycleConfig/worker-group-1/{demo.landmarks['retried_node']}"
    assert sum(e["logStreamName"] == retried for e in started) == 2
    everything = logs.filter_log_events(logGroupName=group, filterPattern="[start]")["events"]
    paged = [
        e
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=group, filterPattern="[start]", PaginationConfig={"PageSize": 7}
        )
        for e in page["events"]
    ]
    assert [e["eventId"] for e in paged] == [e["eventId"] for e in everything]
    assert len({e["eventId"] for e in everything}) == len(everything)
    stamps = [e["timestamp"] for e in everything]
    assert stamps == sorted(stamps)
    named = logs.filter_log_events(logGroupName=group, logStreamNames=[failed[0]["logStreamName"]])["events"]
    assert {e["logStreamName"] for e in named} == {failed[0]["logStreamName"]}


def test_describe_log_streams_prefix_order_and_paging(demo):
    logs = clients(demo)[1]
    cluster = demo.cluster(SLURM)
    prefix = "LifecycleConfig/worker-group-1/"
    streams = [
        s
        for page in logs.get_paginator("describe_log_streams").paginate(
            logGroupName=cluster.log_group, logStreamNamePrefix=prefix, PaginationConfig={"PageSize": 4}
        )
        for s in page["logStreams"]
    ]
    expected = sorted(prefix + n.instance_id for n in cluster.nodes.values() if n.group.name == "worker-group-1")
    assert [s["logStreamName"] for s in streams] == expected
    newest = logs.describe_log_streams(
        logGroupName=cluster.log_group, orderBy="LastEventTime", descending=True, limit=50
    )["logStreams"]
    lasts = [s.get("lastEventTimestamp", 0) for s in newest]
    assert lasts == sorted(lasts, reverse=True)
    health = logs.describe_log_streams(
        logGroupName=cluster.log_group, logStreamNamePrefix="SagemakerHealthMonitoringAgent/"
    )["logStreams"]
    assert health
    detected = logs.filter_log_events(
        logGroupName=cluster.log_group,
        filterPattern="HealthMonitoringAgentDetectionEvent",
        logStreamNamePrefix="SagemakerHealthMonitoringAgent/",
    )["events"]
    assert detected and demo.landmarks["health_event_node"] in detected[0]["logStreamName"]


def test_streams_of_the_creating_cluster_appear_as_scripts_start(demo):
    logs = clients(demo)[1]
    group = demo.cluster(demo.landmarks["creating_cluster"]).log_group
    counts = []
    for _ in range(6):
        counts.append(len(logs.describe_log_streams(logGroupName=group)["logStreams"]))
        demo.clock.advance(5)
    assert counts[0] < counts[-1] == 7 and counts == sorted(counts)


def test_describe_log_groups_prefix_pattern_and_paging(demo):
    logs = clients(demo)[1]
    names = [
        g["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate(PaginationConfig={"PageSize": 1})
        for g in page["logGroups"]
    ]
    assert names == sorted(demo.cluster(c).log_group for c in demo.world.clusters)
    assert [
        g["logGroupName"]
        for g in logs.describe_log_groups(logGroupNamePrefix="/aws/sagemaker/Clusters/genai")["logGroups"]
    ] == [demo.cluster("genai-eks-prod").log_group]
    assert len(logs.describe_log_groups(logGroupNamePattern="SLURM")["logGroups"]) == 2
    assert logs.describe_log_groups(logGroupNamePrefix="/nope")["logGroups"] == []


def test_zoo_has_a_cluster_logging_under_the_briefs_names(zoo):
    sm, logs, _ = clients(zoo)
    name = zoo.landmarks["brief_naming_cluster"]
    node = zoo.landmarks["failed_node"]
    described = sm.describe_cluster(ClusterName=name)
    group, stream = f"/aws/sagemaker/hyperpod/{name}", f"{node}/on_create.sh"
    assert described["FailureMessage"] == (
        f'Instance {node} failed to provision with the following error: "Lifecycle scripts did not run '
        f"successfully. To view lifecycle script logs, visit log group \u2018{group}' and log stream "
        f"\u2018{stream}\u2019. If you cannot find corresponding lifecycle script logs in CloudWatch, please make "
        f"sure you follow one of the options here: {FAQ_URL}.\u201d Note that multiple instances may be impacted."
    )
    found = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=node)["logStreams"]
    assert [s["logStreamName"] for s in found] == [stream]
    last = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=1)["events"][0]["message"]
    assert last == "[SageMaker] The lifecycle scripts failed."


def test_put_log_events_creates_and_appends(clock):
    sim = Simulator("zoo", clock=clock)
    logs = clients(sim)[1]
    sim.put_log_events("/custom/app", "one", ["a", "b"])
    clock.advance(1)
    sim.put_log_events("/custom/app", "one", ["c"])
    reply = logs.get_log_events(logGroupName="/custom/app", logStreamName="one", startFromHead=True)
    assert [e["message"] for e in reply["events"]] == ["a", "b", "c"]
    assert reply["events"][0]["timestamp"] == int(T0 * 1000)
    by_arn = logs.get_log_events(
        logGroupIdentifier="arn:aws:logs:us-west-2:123456789012:log-group:/custom/app",
        logStreamName="one",
        startFromHead=True,
    )
    assert len(by_arn["events"]) == 3


@pytest.mark.parametrize("scenario", ["demo", "zoo"])
def test_every_node_has_a_lifecycle_stream_where_the_guide_says(scenario):
    sim = Simulator(scenario, clock=SimClock.frozen(at=T0))
    for cluster in sim.world.clusters.values():
        group = sim.world.logs.groups[cluster.log_group]
        if not cluster.brief_log_naming:
            assert re.fullmatch(rf"/aws/sagemaker/Clusters/{cluster.name}/[a-z0-9]{{12}}", cluster.log_group)
        for node in cluster.nodes.values():
            if node.status == "NotFound" or node.instance_pending is not None:  # no instance: no script ran
                continue
            expected = (
                f"{node.instance_id}/on_create.sh"
                if cluster.brief_log_naming
                else f"LifecycleConfig/{node.group.name}/{node.instance_id}"
            )
            assert expected in group.streams, (cluster.name, node.instance_id)
