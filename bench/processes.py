"""Targets measured on real processes against the served simulator: the headless listing and the start-up.

1. `hyperpod-tui nodes scale-10k --json` against `aws sagemaker list-cluster-nodes --cluster-name scale-10k`
   (every page), wall time from spawn to exit, output to /dev/null.
4. `hyperpod-tui --endpoint-url …` in a real pty, from spawn to the first frame that contains the clusters
   (reported by tui/benchmark_probe.py), against `aws sagemaker list-clusters` from spawn to exit.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from bench.common import Context, Metric, alternate, ratio_metric
from bench.proc import BIN, REGION, ROOT, PtyProcess, clean_env, timed_run, wait_for_probe

NODES = 10_000


def _ours_nodes(url: str) -> list[str]:
    return [str(BIN / "hyperpod-tui"), "nodes", "scale-10k", "--json", "--region", REGION, "--endpoint-url", url]


def _aws(url: str, *command: str) -> list[str]:
    return [str(BIN / "aws"), "--region", REGION, "--endpoint-url", url, "sagemaker", *command]


def _count(argv: list[str], key: str | None) -> int:
    """Run once with output captured and count the nodes it printed (both must list every page)."""
    completed = subprocess.run(argv, cwd=ROOT, env=clean_env(), capture_output=True, check=True, timeout=300)
    data = json.loads(completed.stdout)
    return len(data[key] if key else data)


def listing(ctx: Context) -> list[Metric]:
    url = ctx.url
    ours_argv, peer_argv = _ours_nodes(url), _aws(url, "list-cluster-nodes", "--cluster-name", "scale-10k")
    counts = (_count(ours_argv, None), _count(peer_argv, "ClusterNodeSummaries"))  # also warms the page cache
    if counts != (NODES, NODES):
        raise RuntimeError(f"expected {NODES} nodes from both, got ours={counts[0]} aws={counts[1]}")
    mine, theirs = alternate(ctx.reps, lambda: timed_run(ours_argv)[0], lambda: timed_run(peer_argv)[0])
    return [
        ratio_metric(
            "1. nodes scale-10k --json (wall)",
            mine,
            theirs,
            unit="s",
            max_ratio=0.25,
            notes=f"peer: aws sagemaker list-cluster-nodes (all pages); simulator at 20 ms latency; "
            f"median of {ctx.reps} alternating runs; both printed {NODES} nodes",
        )
    ]


def first_frame(url: str) -> float:
    """Seconds from spawning the app in a pty to the first frame with the clusters on the terminal."""
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe.jsonl"
        env = clean_env(HYPERPOD_TUI_FRAME_PROBE=str(probe), HYPERPOD_TUI_FRAME_PROBE_EXIT="clusters")
        app = PtyProcess.spawn([str(BIN / "hyperpod-tui"), "--region", REGION, "--endpoint-url", url], env)
        try:
            record = wait_for_probe(probe, "clusters", process=app.process)
        finally:
            app.stop()
        return record["t"] - app.started


def startup(ctx: Context) -> list[Metric]:
    url = ctx.url
    peer_argv = _aws(url, "list-clusters")
    first_frame(url)  # warm-up: page cache, .pyc files
    timed_run(peer_argv)
    mine, theirs = alternate(ctx.reps, lambda: first_frame(url), lambda: timed_run(peer_argv)[0])
    return [
        ratio_metric(
            "4. start-up → first frame with clusters (wall)",
            mine,
            theirs,
            unit="s",
            max_ratio=1.0,
            notes="ours: real process in a pty (160×45), to the first frame containing a cluster row "
            "(HYPERPOD_TUI_FRAME_PROBE); peer: aws sagemaker list-clusters to exit; "
            f"median of {ctx.reps} alternating runs",
        )
    ]
