"""Start-up paths: clusters from the prefetching child, the early API thread, the benchmark's frame probe."""

from __future__ import annotations

import json

import pytest

from tests.harness import make_app, settle, sim_client
from tui.backend import EarlyApi
from tui.benchmark_probe import FrameProbe, install
from tui.core.models import ClusterSummary
from tui.screens.main import MainScreen


class FakePrefetch:
    def __init__(self, clusters):
        self.answer = clusters
        self.taken = self.discarded = 0

    def clusters(self):
        self.taken += 1
        return self.answer

    def discard(self) -> None:
        self.discarded += 1


@pytest.mark.parametrize("works", [True, False])
async def test_the_first_refresh_shows_the_prefetched_clusters(works):
    app = make_app()
    summaries = [
        ClusterSummary.from_api(item) for item in sim_client(app.simulator).list_clusters()["ClusterSummaries"]
    ]
    app._prefetch = prefetch = FakePrefetch(summaries if works else None)
    before = sum(1 for call in app.simulator.calls if call.operation == "ListClusters")
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen) and prefetch.taken == 1
        assert main.clusters_table.row_count == 3 and main.nodes_table.row_count > 0  # then its own API did the rest
        listed = sum(1 for call in app.simulator.calls if call.operation == "ListClusters") - before
        assert listed == (0 if works else 1)  # a prefetch that failed: the app lists them itself
        assert any(call.operation == "DescribeCluster" for call in app.simulator.calls)
    assert prefetch.discarded == 0  # taken: nothing left to clean up


def test_an_app_that_ends_before_its_first_refresh_kills_the_child():
    app = make_app()
    app._prefetch = prefetch = FakePrefetch(None)
    app.on_unmount()
    assert prefetch.discarded == 1 and prefetch.taken == 0


def test_early_api_hands_over_its_first_result_then_builds_anew():
    made = []

    class Api:
        def __init__(self) -> None:
            made.append(self)
            self.clients = []

        def client(self, name):
            self.clients.append(name)

    early = EarlyApi(Api)
    first = early()
    assert first is made[0] and first.clients == ["sagemaker"]  # the client was created in the thread
    assert early() is made[1]


def test_early_api_raises_what_the_thread_raised_once():
    attempts = []

    def factory():
        attempts.append(1)
        if len(attempts) == 1:
            raise PermissionError("no credentials")
        return "api-without-client"

    early = EarlyApi(factory)
    with pytest.raises(PermissionError):
        early()
    assert early() == "api-without-client"


class FakeTable:
    def __init__(self, first: str) -> None:
        self.first = first
        self.row_count = 7

    @property
    def visible_keys(self):
        return [self.first]

    def row(self, key):
        return type("Row", (), {"text": lambda _self, index: key})()


def test_the_frame_probe_reports_the_first_frame_with_a_row_and_exits(tmp_path):
    written, exits = [], []
    screen = type("Screen", (), {"query_one": lambda _self, selector: FakeTable(f"row-of-{selector[1:]}")})()
    driver = type("Driver", (), {"write": lambda _self, data: written.append(data)})()
    app = type("App", (), {"screen": screen, "_driver": driver, "exit": lambda _self: exits.append(1)})()
    probe_file = tmp_path / "probe.jsonl"
    FrameProbe(app, str(probe_file), "clusters")
    app._driver.write("\x1b[H loading…")
    assert not probe_file.exists() and written == ["\x1b[H loading…"]
    app._driver.write("\x1b[2;3Hrow-of-clusters  InService … row-of-nodes")
    events = [json.loads(line) for line in probe_file.read_text().splitlines()]
    assert [e["event"] for e in events] == ["clusters", "nodes"] and events[0]["rows"] == 7
    assert exits == [1] and len(written) == 2  # the frame still went to the terminal


def test_the_frame_probe_is_installed_only_when_the_environment_names_a_file(tmp_path, monkeypatch):
    def fake_app():
        driver = type("Driver", (), {"write": lambda _self, data: None})()
        return type("App", (), {"_driver": driver})()

    monkeypatch.delenv("HYPERPOD_TUI_FRAME_PROBE", raising=False)
    app = fake_app()
    install(app)
    assert not isinstance(getattr(app._driver.write, "__self__", None), FrameProbe)
    monkeypatch.setenv("HYPERPOD_TUI_FRAME_PROBE", str(tmp_path / "probe.jsonl"))
    install(app)
    assert isinstance(app._driver.write.__self__, FrameProbe)
