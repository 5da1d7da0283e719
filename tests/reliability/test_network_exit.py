"""Threads blocked on the network do not hold up the exit of the process."""

from __future__ import annotations

import subprocess
import sys
import time

from tests.reliability.network_support import ROOT

BLOCKED_AT_EXIT = """
import threading, time
from tui.core.aws import HyperPodApi
from tui.core.daemon_pool import DaemonThreadPool
pool = DaemonThreadPool(max_workers=2)
started = threading.Event()
pool.submit(lambda: (started.set(), time.sleep(60)))
started.wait()
pool.shutdown()
print("leaving", flush=True)
"""


def test_a_pool_thread_blocked_at_exit_is_abandoned():
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", BLOCKED_AT_EXIT], capture_output=True, text=True, cwd=ROOT, timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "leaving\n"
    assert time.monotonic() - started < 10  # a ThreadPoolExecutor's thread is joined: 60 s


FACADE_BLOCKED_AT_EXIT = """
import threading, time
from tests.reliability.network_support import http_api, served
with served() as server:
    server.simulator.faults.responses.add("hang", seconds=300)
    api = http_api(server.url)
    api.client("sagemaker")
    threading.Thread(target=api.describe_clusters, args=(["a", "b"],), daemon=True).start()
    time.sleep(1.0)  # the facade's pool threads are now waiting for the hung answers
    print("leaving", flush=True)
"""


def test_the_facades_threads_blocked_on_a_hung_endpoint_do_not_hold_up_exit(tmp_path):
    from tests.reliability.network_support import subprocess_env

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", FACADE_BLOCKED_AT_EXIT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=subprocess_env(tmp_path),
        timeout=120,
    )
    assert done.stdout == "leaving\n", done.stderr
    assert time.monotonic() - started < 10  # joined at exit, they waited for 3 read timeouts: over 30 s
