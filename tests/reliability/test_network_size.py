"""Huge answers are refused before parsing, and over HTTP before being read whole."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.harness import make_app, settle
from tests.reliability.network_support import ROOT, http_api, served, subprocess_env
from tui.core.bounds import MAX_RESPONSE_BYTES, BoundedHttpSession, MalformedResponse, ResponseTooLarge
from tui.screens.main import MainScreen

SIZE = (140, 45)
MB = 1024 * 1024

# Lists the clusters once (warm), then once more against a huge answer; prints the growth of the peak RSS.
# The peak is VmHWM (this process's own; ru_maxrss would carry over the forking parent's peak through exec).
MEASURE = """
import json, sys
from tests.reliability.network_support import http_api


def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


api = http_api(sys.argv[1])
api.list_clusters()
before = peak_kb()
import os, time
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(sys.argv[2] + ".armed"):
    time.sleep(0.02)
try:
    api.list_clusters()
    outcome = "listed"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {exc}"
after = peak_kb()
print(json.dumps({"outcome": outcome, "growth_kb": after - before}))
"""


async def test_a_huge_cluster_listing_is_refused_and_the_clusters_stay():
    app = make_app()
    sim = app.simulator
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        sim.faults.responses.add("huge_body", "ListClusters", size=10 * MB)
        await pilot.press("r")
        await settle(pilot)
        assert main.clusters_table.row_count == 3
        assert main.header.stale_reason.startswith("response too large from")
        assert "larger than 4 MB" in main.header.stale_reason


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "read-to-close"])
def test_a_huge_answer_over_http_is_refused_without_reading_it(declare_length):
    with served() as server:
        api = http_api(server.url)
        try:
            api.list_clusters()
            server.simulator.faults.responses.add(
                "huge_body", "ListClusters", size=40 * MB, declare_length=declare_length
            )
            started = time.monotonic()
            with pytest.raises(ResponseTooLarge) as raised:
                api.list_clusters()
            assert time.monotonic() - started < 5
            assert f"larger than {MAX_RESPONSE_BYTES // MB} MB" in str(raised.value)
        finally:
            api.close()


@pytest.mark.slow
@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "read-to-close"])
def test_a_100_mb_answer_costs_little_memory(tmp_path, declare_length):
    with served() as server:
        go = tmp_path / "go"
        process = subprocess.Popen(
            [sys.executable, "-c", MEASURE, server.url, str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=subprocess_env(tmp_path),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while not (tmp_path / "go.ready").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        server.simulator.faults.responses.add("huge_body", "ListClusters", size=100 * MB, declare_length=declare_length)
        (tmp_path / "go.armed").touch()
        out, _ = process.communicate(timeout=120)
        result = json.loads(out)
        assert result["outcome"].startswith("ResponseTooLarge"), result
        assert result["growth_kb"] < 3 * MAX_RESPONSE_BYTES // 1024, result


class _Unread:
    """An answer whose body must not be read."""

    status_code = 200
    headers = {"Content-Length": str(50 * MB)}

    class raw:  # noqa: N801
        @staticmethod
        def stream(*_args, **_kwargs):
            raise AssertionError("the body was read")

    _content = None


class _Request:
    stream_output = False
    url = "https://sagemaker.example"


def test_a_declared_length_past_the_cap_is_refused_before_reading():
    class Inner:
        def send(self, request):
            assert request.stream_output  # asked to leave the body unread
            return _Unread()

    with pytest.raises(ResponseTooLarge):
        BoundedHttpSession(Inner(), "https://sagemaker.example").send(_Request())


def test_a_page_with_more_items_than_asked_for_is_malformed():
    with served() as server:
        api = http_api(server.url)
        try:
            server.simulator.faults.responses.add("huge_body", "ListClusters", size=MB)  # ~3,000 clusters, one page
            with pytest.raises(MalformedResponse) as raised:
                api.list_clusters()
            assert "items in one page of at most 100" in str(raised.value)
        finally:
            api.close()
