"""Issue #16: `run` of `hostname` on 64 nodes at the simulator's 3 StartSession per second, against a sequential
loop of `aws ssm start-session` (the real AWS CLI, the demo's stand-in plugin on its PATH) in the same run; and
the memory our process holds per running session.

Wall target: ≤ 1.15 × the limit's floor (64 / 3 s plus one session). Memory target: ≤ 2 MB per session.
Both sides talk to one served simulator (`python -m tui.sim serve --scenario scale-10k --latency-ms 20`).
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

from bench.common import Context, Metric, limit_metric
from bench.proc import AWS_ENV, clean_env, rss_kib, served_simulator
from tui.core import run
from tui.core.ssm import STAND_IN_PLUGIN, SessionLauncher, ssm_target

NODES = 64
RATE = 3.0


def _clients(url: str):
    session = boto3.Session(
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name="us-west-2",
    )
    no_retries = {"retries": {"max_attempts": 1}}
    from botocore.config import Config

    return (
        session.client("sagemaker", endpoint_url=url),
        session.client("ssm", endpoint_url=url, config=Config(**no_retries)),
    )


def _targets(sagemaker) -> list[run.RunTarget]:
    clusters = sagemaker.list_clusters()["ClusterSummaries"]
    for summary in clusters:
        arn = summary["ClusterArn"]
        targets: list[run.RunTarget] = []
        token = None
        while len(targets) < NODES:
            page = sagemaker.list_cluster_nodes(ClusterName=arn, **({"NextToken": token} if token else {}))
            for node in page["ClusterNodeSummaries"]:
                if node["InstanceStatus"]["Status"] == "Running":
                    target = ssm_target(arn, node["InstanceGroupName"], node["InstanceId"])
                    targets.append(
                        run.RunTarget(node["InstanceId"], target, node["InstanceGroupName"], node["PrivateDnsHostname"])
                    )
            token = page.get("NextToken")
            if not token:
                break
        if len(targets) >= NODES:
            return targets[:NODES]
    raise RuntimeError(f"no cluster with {NODES} running nodes")


def _ours(ssm, targets, command: str, limits: run.RunLimits) -> tuple[float, run.RunResult, int]:
    launcher = SessionLauncher(ssm, plugin=list(STAND_IN_PLUGIN))
    spec = run.RunSpec(command, tuple(targets), cluster="bench")
    with tempfile.TemporaryDirectory() as state:
        from tui.core.journal import Journal

        runner = run.Runner(spec, launcher, journal=Journal(Path(state) / "j.jsonl"), limits=limits)
        peak = [0]

        async def go() -> run.RunResult:
            async def watch() -> None:
                while True:
                    peak[0] = max(peak[0], rss_kib(os.getpid())[0])
                    await asyncio.sleep(0.05)

            watcher = asyncio.ensure_future(watch())
            try:
                return await runner.run()
            finally:
                watcher.cancel()

        started = time.perf_counter()
        result = asyncio.run(go())
        return time.perf_counter() - started, result, peak[0]


def _peer(url: str, targets) -> float:
    """A sequential loop of `aws ssm start-session`, as a shell script would run it."""
    with tempfile.TemporaryDirectory() as bindir:
        plugin = Path(bindir) / "session-manager-plugin"
        plugin.write_text(f'#!/bin/sh\nexec {sys.executable} -m tui.sim.plugin "$@"\n')
        plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
        aws = str(Path(sys.executable).with_name("aws"))
        env = clean_env(PATH=f"{bindir}:{os.environ.get('PATH', '')}")
        started = time.perf_counter()
        for target in targets:
            subprocess.run(
                [
                    aws,
                    "ssm",
                    "start-session",
                    "--endpoint-url",
                    url,
                    "--target",
                    target.target,
                    "--document-name",
                    "AWS-StartNonInteractiveCommand",
                    "--parameters",
                    "command=hostname",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
                check=False,
            )
        return time.perf_counter() - started


def run_suite(context: Context) -> list[Metric]:
    metrics: list[Metric] = []
    with served_simulator("scale-10k", latency_ms=20.0) as url:
        sagemaker, ssm = _clients(url)
        targets = _targets(sagemaker)
        # one warm-up session (plugin .pyc files, botocore's model) outside the measurement
        _ours(ssm, targets[:1], "hostname", run.RunLimits())
        time.sleep(1.1)
        wall, result, _peak = _ours(ssm, targets, "hostname", run.RunLimits())
        ok = sum(1 for node in result.nodes.values() if node.succeeded)
        one = sorted(node.duration or 0.0 for node in result.nodes.values())[len(targets) // 2]
        floor = len(targets) / RATE + one
        time.sleep(1.1)
        peer = _peer(url, targets)
        metrics.append(
            Metric(
                "16a. run hostname on 64 nodes (3 StartSession/s)",
                wall,
                "s",
                f"≤ 1.15 × floor ({floor:.1f} s = 64/3 + one session {one:.2f} s)",
                wall <= 1.15 * floor and ok == len(targets),
                notes=f"{ok}/{len(targets)} succeeded; peer = a sequential `aws ssm start-session` loop; "
                f"load {os.getloadavg()[0]:.2f}",
                peer=peer,
                ratio=wall / floor,
            )
        )
    # memory: 64 sessions open at once (no rate limit here: a world of its own with the limit off)
    from tui.sim import SimClock, Simulator

    sim = Simulator("demo", clock=SimClock(), seed=7)
    sim.world.start_session_rate = 0
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-west-2")
    sim.install(session)
    ssm2 = session.client("ssm")
    cluster = sim.cluster("llm-pretrain-slurm")
    running = [n for n in cluster.nodes.values() if n.status == "Running"]
    many = [
        run.RunTarget(f"{n.instance_id}-{k}", ssm_target(cluster.arn, n.group.name, n.instance_id))
        for k in range(2)
        for n in running
    ][:NODES]
    base = rss_kib(os.getpid())[0]
    _wall, result, peak = _ours(ssm2, many, "sleep 3", run.RunLimits(max_concurrent=NODES, rate_per_s=1000.0))
    per = (peak - base) / max(1, len(many)) / 1024
    metrics.append(
        limit_metric(
            "16b. memory per running session (64 at once)",
            per,
            unit="MB",
            limit=2.0,
            notes=f"RSS {base / 1024:.1f} MB before, {peak / 1024:.1f} MB peak with {len(many)} sessions open "
            f"({(peak - base) / 1024:.1f} MB for all of them); {sum(n.succeeded for n in result.nodes.values())} ok",
        )
    )
    return metrics
