"""Issue 15 item 1a: the cluster-wide HMA sweep (core/hma.py) against moto's CloudWatch Logs and the simulator's
demo: FilterLogEvents with the agent's prefix and filter, incremental by time, bounded, never raising."""

from __future__ import annotations

import json

from tests.moto_logs import now_ms, put_lines
from tests.sim.conftest import clients
from tui.core import hma
from tui.core.health import FAULT, HARDWARE
from tui.core.log_locator import guide_log_group

GROUP = "/aws/sagemaker/Clusters/c/aa11bbbbb222"
XID = {
    "level": "info",
    "msg": "DCGM Policy Violation found ",
    "condition: ": "XID Error",
    "data: ": {"ErrNum": 79},
    "HealthMonitoringAgentDetectionEvent": "HealthEvent",
}
EKS = {
    "level": "info",
    "msg": "Health event",
    "Event detail": {"Action": "reboot", "Type": "NvidiaDeviceCountMismatch"},
    "HealthMonitoringAgentDetectionEvent": "HealthEvent",
}


def calls_of(client, operation: str = "FilterLogEvents") -> list[dict]:
    calls: list[dict] = []
    client.meta.events.register(
        f"provide-client-params.logs.{operation}", lambda params, **_: calls.append(dict(params))
    )
    return calls


def test_sweep_reads_both_shapes_from_agent_streams_only(moto_logs) -> None:
    start = now_ms() - 600_000
    put_lines(
        moto_logs,
        GROUP,
        "SagemakerHealthMonitoringAgent/workers/i-0aaa",
        [
            json.dumps({"level": "info", "msg": "HealthMonitoringAgent started"}),
            json.dumps(XID),
        ],
        start_ms=start,
    )
    put_lines(moto_logs, GROUP, "SagemakerHealthMonitoringAgent/workers/i-0bbb", [json.dumps(EKS)], start_ms=start + 5)
    # moto ignores both the prefix and the JSON filter: a lifecycle line carrying the marker must still be refused
    put_lines(moto_logs, GROUP, "LifecycleConfig/workers/i-0ccc", [json.dumps(XID)], start_ms=start + 7)
    calls = calls_of(moto_logs)
    book = hma.HmaBook()
    result = hma.sweep(moto_logs, GROUP, book, now=start / 1000 + 600)
    assert result is not None and result.kept == 2 and not result.problem
    assert calls[0]["logStreamNamePrefix"] == "SagemakerHealthMonitoringAgent"
    assert calls[0]["filterPattern"] == hma.HMA_FILTER
    signals = book.signals()
    assert set(signals) == {"i-0aaa", "i-0bbb"}
    (xid,) = signals["i-0aaa"]
    assert (xid.short, xid.severity, xid.fault) == ("GPU XID 79", FAULT, HARDWARE)
    assert xid.time == (start + 1) / 1000  # no ts in the record: the event's timestamp
    (eks,) = signals["i-0bbb"]
    assert eks.action == "reboot" and eks.short == "NvidiaDeviceCountMismatch"


def test_sweep_is_incremental_by_start_time_and_keeps_no_duplicates(moto_logs) -> None:
    stream = "SagemakerHealthMonitoringAgent/workers/i-0aaa"
    start = now_ms() - 600_000
    put_lines(moto_logs, GROUP, stream, [json.dumps({**XID, "data: ": {"ErrNum": 48}})], start_ms=start)
    calls = calls_of(moto_logs)
    book = hma.HmaBook()
    hma.sweep(moto_logs, GROUP, book, now=start / 1000)
    first_start = calls[0]["startTime"]
    assert first_start == int((start / 1000 - hma.FIRST_LOOKBACK) * 1000)
    put_lines(moto_logs, GROUP, stream, [json.dumps(XID)], start_ms=start + 1000, create=False)
    again = hma.sweep(moto_logs, GROUP, book, now=start / 1000 + 60)
    assert calls[-1]["startTime"] == start  # from the newest timestamp read
    assert again is not None and again.kept == 1
    assert [s.short for s in book.signals_for("i-0aaa")] == ["GPU XID 48", "GPU XID 79"]
    still = hma.sweep(moto_logs, GROUP, book, now=start / 1000 + 120)
    assert still is not None and still.kept == 0 and len(book.signals_for("i-0aaa")) == 2


def test_missing_log_group_is_a_problem_not_an_exception(moto_logs) -> None:
    book = hma.HmaBook()
    result = hma.sweep(moto_logs, "/aws/sagemaker/Clusters/none/aa11bbbbb222", book, now=1_790_000_000.0)
    assert result is not None and "not found" in result.problem and book.signals() == {}


class EndlessLogs:
    """A server that hands out a new token on every page, forever."""

    def __init__(self, message: str = "") -> None:
        self.calls = 0
        self.message = message

    def filter_log_events(self, **params):
        self.calls += 1
        events = [{"timestamp": self.calls, "message": self.message, "logStreamName": "x", "eventId": str(self.calls)}]
        return {"events": events if self.message else [], "nextToken": f"t{self.calls}"}


def test_sweep_is_bounded_by_pages_bytes_and_time() -> None:
    endless = EndlessLogs()
    result = hma.sweep(endless, GROUP, hma.HmaBook(), now=0.0, limits=hma.SweepLimits(max_pages=5))
    assert result is not None and endless.calls == 5 and "5 pages" in result.stopped
    big = EndlessLogs("x" * 1000)
    result = hma.sweep(big, GROUP, hma.HmaBook(), now=0.0, limits=hma.SweepLimits(max_bytes=3000))
    assert result is not None and big.calls == 3 and "MB" in result.stopped
    ticks = iter(range(100))
    slow = EndlessLogs()
    result = hma.sweep(
        slow, GROUP, hma.HmaBook(), now=0.0, limits=hma.SweepLimits(max_seconds=3), clock=lambda: next(ticks)
    )
    assert result is not None and slow.calls == 3 and "3 s" in result.stopped


def test_a_second_sweep_of_a_book_in_use_is_skipped() -> None:
    book = hma.HmaBook()
    with book._sweeping:
        assert hma.sweep(EndlessLogs(), GROUP, book, now=0.0) is None


def test_demo_xid_node_is_found_by_one_sweep(demo) -> None:
    logs = clients(demo)[1]
    cluster = demo.cluster(demo.landmarks["slurm_cluster"])
    group = guide_log_group(cluster.name, cluster.arn.rsplit("/", 1)[-1])
    assert group == cluster.log_group
    book = hma.HmaBook()
    result = hma.sweep(logs, group, book, now=demo.clock.now())
    assert result is not None and not result.problem and not result.stopped
    faulty = demo.landmarks["health_event_node"]
    assert set(book.signals()) == {faulty}  # the healthy agents' lines are not detection records
    (signal,) = book.signals_for(faulty)
    assert signal.short == "GPU XID 79" and 0 < demo.clock.now() - signal.time <= 300


def test_a_book_is_bounded_per_node_in_nodes_and_in_all(monkeypatch) -> None:
    from tui.core.health import Signal

    monkeypatch.setattr(hma, "PER_NODE", 3)
    monkeypatch.setattr(hma, "MAX_NODES", 3)
    monkeypatch.setattr(hma, "MAX_SIGNALS", 6)
    book = hma.HmaBook()

    def keep(instance: str, n: int) -> bool:
        return book.keep(instance, Signal("HMA", float(n), "fault", f"{instance}:{n}"))

    assert all(keep("i-a", n) for n in range(5))  # a full node evicts its oldest: never refused
    assert [s.short for s in book.signals_for("i-a")] == ["i-a:2", "i-a:3", "i-a:4"]
    assert not keep("i-a", 4)  # known
    assert keep("i-b", 1) and keep("i-c", 1)
    assert not keep("i-d", 1)  # a fourth node
    assert keep("i-b", 2)
    assert not keep("i-c", 2)  # 6 signals in all
    assert keep("i-a", 9)  # still evicting within its own 3
    assert book.dropped == 2
