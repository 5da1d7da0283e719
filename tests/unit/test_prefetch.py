"""The start-up prefetch: a child process lists the clusters; any failure means None (the app lists them)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui.core.models import ClusterSummary
from tui.core.prefetch import ClusterPrefetch


def child(code: str) -> ClusterPrefetch:
    return ClusterPrefetch(subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE))


def test_the_answer_of_the_child_becomes_cluster_summaries():
    summary = {
        "name": "c1",
        "arn": "arn:aws:sagemaker:us-west-2:1:cluster/abcdefabcdef",
        "status": "InService",
        "created": 1.5,
    }
    prefetch = child(f"import sys; sys.stdout.write({json.dumps(json.dumps([summary]))})")
    assert prefetch.clusters() == [ClusterSummary(**summary)]
    assert prefetch.clusters() is None  # once


@pytest.mark.parametrize("code", ["import sys; sys.exit(1)", "print('not json')", "print('[{\"nope\": 1}]')"])
def test_a_failed_or_garbled_child_means_none(code):
    assert child(code).clusters() is None


def test_a_child_that_hangs_is_killed_after_the_timeout():
    prefetch = child("import time; time.sleep(30)")
    assert prefetch.clusters(timeout=0.2) is None


def test_discard_kills_a_running_child():
    prefetch = child("import time; time.sleep(30)")
    process = prefetch._process
    prefetch.discard()
    assert process.poll() is not None and prefetch.clusters() is None


@pytest.mark.slow
def test_the_real_child_lists_the_served_simulators_clusters(tmp_path):
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.sim", "serve", "--port", "0", "--scenario", "zoo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().split()[-1]
        env_code = (
            "import os; os.environ.update(AWS_ACCESS_KEY_ID='x', AWS_SECRET_ACCESS_KEY='x', "
            f"XDG_CACHE_HOME={str(tmp_path)!r}); "
            "from tui.core.prefetch import main; "
            f"main(['--region', 'us-west-2', '--endpoint-url', {url!r}])"
        )
        prefetch = ClusterPrefetch(subprocess.Popen([sys.executable, "-c", env_code], stdout=subprocess.PIPE))
        clusters = prefetch.clusters(timeout=60)
        assert clusters is not None and {c.name for c in clusters} >= {"zoo-failed", "zoo-inservice"}
        unreachable = ClusterPrefetch.start(profile=None, region="us-west-2", endpoint_url="http://127.0.0.1:9")
        assert unreachable is not None and unreachable.clusters(timeout=60) is None
    finally:
        server.terminate()
        server.wait(timeout=10)
