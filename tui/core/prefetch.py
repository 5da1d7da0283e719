"""The TUI's first ListClusters, made by a child process started before the UI loads.

Before it can show anything the app needs two things that each cost CPU: Textual and the UI (~0.6 s) and
botocore, a SageMaker client and the ListClusters answer (~0.3 s). In one process the GIL makes them wait for
each other; a child process (`python -m tui.core.prefetch`, started by the CLI) lists the clusters on another
core meanwhile, and the first refresh shows its answer. The app still creates its own client (after the first
frame) for everything else. Whatever goes wrong in the child (no credentials, a timeout, a crash, garbage on its
stdout) only makes `clusters()` return None: the app then lists the clusters itself and reports the failure the
usual way. The child writes nothing but its JSON answer, and nothing at all to the terminal.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict

from tui.core import lifetime
from tui.core.models import ClusterSummary

WAIT = 10.0  # seconds the app waits for the child's answer before listing the clusters itself


class ClusterPrefetch:
    """A running child listing the clusters; `clusters()` collects its answer (once)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process: subprocess.Popen[bytes] | None = process

    @classmethod
    def start(cls, *, profile: str | None, region: str | None, endpoint_url: str | None) -> ClusterPrefetch | None:
        argv = [sys.executable, "-m", "tui.core.prefetch"]
        for flag, value in (("--profile", profile), ("--region", region), ("--endpoint-url", endpoint_url)):
            if value:
                argv += [flag, value]
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True
            )
        except OSError:
            return None
        lifetime.adopt_child(process.pid, own_session=False)
        return cls(process)

    def clusters(self, timeout: float = WAIT) -> list[ClusterSummary] | None:
        """The clusters the child listed, or None (then list them yourself). Blocks until the child ends."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None
        finally:
            lifetime.release_child(process.pid)
        if process.returncode != 0:
            return None
        try:
            return [ClusterSummary(**item) for item in json.loads(output)]
        except (ValueError, TypeError):
            return None

    def discard(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()
        if process is not None:
            lifetime.release_child(process.pid)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tui.core.prefetch", description=__doc__)
    parser.add_argument("--profile")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url")
    args = parser.parse_args(argv)
    gc.disable()  # a short life: collecting would only slow it down
    try:
        from tui.core.aws import HyperPodApi

        api = HyperPodApi.connect(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
        answer = json.dumps([asdict(cluster) for cluster in api.list_clusters()])
        sys.stdout.write(answer)
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001 - any failure: the app lists the clusters itself and reports it
        os._exit(1)
    os._exit(0)  # no interpreter teardown: the answer is out


if __name__ == "__main__":
    main()
