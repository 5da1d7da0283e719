"""The read caps and the document's size caps, against the simulator's Logs faults (endless tokens, huge
messages, throttling): each read ends, says why, and keeps what it had; memory held by a log is bounded."""

from __future__ import annotations

import pytest

from tests.harness import make_app, sim_client
from tests.reliability.logs_support import SIZE, open_failed_node_log, status_of, wait_loaded
from tui.core import log_document, log_locator
from tui.core.log_document import LogDocument
from tui.core.log_locator import LogLocator
from tui.core.log_stream import (
    FOLLOW_BACKOFF_MAX,
    LogFollower,
    ReadLimits,
    follow_delay,
    iter_log_pages,
)
from tui.core.sanitize import LOG_LINE_LIMIT
from tui.sim import Simulator
from tui.sim.clock import SimClock

GROUP, STREAM = "/aws/sagemaker/Clusters/c/abc123def456", "LifecycleConfig/g/i-0123456789abcdef0"


@pytest.fixture
def sim():
    simulator = Simulator(clock=SimClock.frozen(at=1_767_000_000.0), seed=7)
    simulator.put_log_events(GROUP, STREAM, [f"line {n}" for n in range(30)])
    return simulator


def gets(sim) -> int:
    return sum(1 for call in sim.calls if call.operation == "GetLogEvents")


def test_each_cap_ends_a_read_and_names_itself(sim):
    client = sim_client(sim, "logs")
    sim.faults.endless_log_tokens(events=4)
    pages = list(iter_log_pages(client, GROUP, STREAM, limits=ReadLimits(7, 60.0, 10**9, 5)))
    assert gets(sim) == 7 and pages[-1].stopped == "stopped after 7 pages (at most 7 per read)"
    assert sum(len(page.events) for page in pages) == 7 * 4

    before = gets(sim)
    pages = list(iter_log_pages(client, GROUP, STREAM, limits=ReadLimits(10**6, 60.0, 200, 5)))
    assert pages[-1].stopped.startswith("stopped after") and gets(sim) - before < 20

    clock = iter(range(0, 10**6, 10)).__next__  # ten seconds a request
    before = gets(sim)
    pages = list(iter_log_pages(client, GROUP, STREAM, limits=ReadLimits(10**6, 35.0, 10**9, 5), clock=clock))
    assert pages[-1].stopped == "stopped after 4 pages (35 s)" and gets(sim) - before == 4

    sim.faults.endless_log_tokens(events=0)
    before = gets(sim)
    pages = list(iter_log_pages(client, GROUP, STREAM, limits=ReadLimits(10**6, 60.0, 10**9, 3)))
    assert gets(sim) - before == 3 and pages[-1].stopped == "stopped after 3 pages: the last 3 brought no events"


def test_should_stop_ends_a_read_before_its_next_request(sim):
    client = sim_client(sim, "logs")
    sim.faults.endless_log_tokens(events=1)
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 3

    list(iter_log_pages(client, GROUP, STREAM, should_stop=should_stop))
    assert gets(sim) == 3


def test_a_follow_poll_ends_at_the_first_page_without_events_and_keeps_quiet(sim):
    client = sim_client(sim, "logs")
    follower = LogFollower(client, GROUP, STREAM, None)
    first = follower.poll()
    assert len(first.events) == 30 and not first.stopped
    sim.faults.endless_log_tokens(events=0)
    before = gets(sim)
    result = follower.poll()
    assert gets(sim) - before == 1 and result.events == () and result.stopped == "" and result.error is None


def test_throttled_polls_back_off_doubling_to_a_minute_and_reset_on_success(sim):
    client = sim_client(sim, "logs")
    follower = LogFollower(client, GROUP, STREAM, None)
    sim.faults.throttle("GetLogEvents", times=1000)
    delays = []
    for _ in range(3):
        assert follower.poll().error is not None
        delays.append(follower.next_delay(2.5))
    assert delays == [5.0, 10.0, 20.0]
    assert follow_delay(2.5, 30) == FOLLOW_BACKOFF_MAX
    sim.faults.clear()
    assert follower.poll().error is None and follower.next_delay(2.5) == 2.5


def test_log_discovery_stops_listing_streams_at_the_page_cap(sim, monkeypatch):
    monkeypatch.setattr(log_locator, "DESCRIBE_PAGE_CAP", 12)
    client = sim_client(sim, "logs")
    sim.faults.endless_log_tokens(("DescribeLogGroups", "DescribeLogStreams"))
    resolution = LogLocator(client, "c", cluster_id="abc123def456").lifecycle("i-0123456789abcdef0", None)
    describes = [call for call in sim.calls if call.operation.startswith("Describe")]
    assert not resolution.found
    assert len(describes) <= 12 * 2 + 2  # two group prefixes; nothing found, so no stream listing
    assert any("stopped after 12 pages" in step for step in resolution.tried)


def test_the_document_keeps_its_head_within_the_caps_and_counts_the_rest():
    document = LogDocument(max_lines=1_000, max_chars=10**9)
    document.append([(n, f"event {n}\nsecond line") for n in range(800)])
    assert len(document) == 1_000 and document.dropped == 600 and document.lines[0] == "event 0"
    assert len(document.times) == len(document.heads) == 1_000
    document.append([(1, "more")])
    assert len(document) == 1_000 and document.dropped == 601

    by_chars = LogDocument(max_lines=10**6, max_chars=50_000)
    by_chars.append([(n, "x" * 8_000) for n in range(9)])
    assert len(by_chars) == 6 and by_chars.chars == 48_000 and by_chars.dropped == 3


async def test_huge_messages_are_cut_and_the_view_says_how_many_lines_it_did_not_keep(monkeypatch):
    monkeypatch.setattr(log_document, "MAX_LINES", 1_000)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # 400-character lines, 250 per event: pages stay under the 4 MB response cap (a bigger one is refused,
        # tests/reliability/test_network_size.py)
        app.simulator.faults.huge_log_messages(100_000, lines=250)
        screen = await open_failed_node_log(pilot)
        await wait_loaded(pilot, screen)
        document = screen.view.document
        assert len(document) == 1_000 and document.dropped > 0
        assert "later lines not kept (size cap)" in status_of(screen)
        app.simulator.faults.huge_log_messages(3 * LOG_LINE_LIMIT)  # one line, longer than a line may be
        await pilot.press("r")
        await wait_loaded(pilot, screen)
        assert max(map(len, screen.view.document.lines)) < LOG_LINE_LIMIT + 40
