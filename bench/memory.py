"""Target 5: resident memory of the real app with scale-10k loaded, and (`--soak`) its growth over 10 minutes.

`hyperpod-tui --cluster scale-10k --refresh 2` runs in a real pty against the served simulator. Once the first
frame with node rows is on the terminal (tui/benchmark_probe.py), the app keeps refreshing every 2 s; VmHWM (the
peak resident set, /proc) is read after five more refreshes. The soak runs on for 10 minutes, sampling VmRSS
every 10 s, and compares the median of the last minute with the median of the minute after warm-up.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Context, Metric
from bench.proc import BIN, REGION, PtyProcess, clean_env, rss_kib, wait_for_probe

REFRESH = 2.0
SETTLE_REFRESHES = 5
SOAK_SAMPLE = 10.0
WARMUP = 60.0
PEAK_LIMIT_MB = 250.0
GROWTH_LIMIT = 0.05


def run(ctx: Context) -> list[Metric]:
    url = ctx.url
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe.jsonl"
        env = clean_env(HYPERPOD_TUI_FRAME_PROBE=str(probe))
        argv = [
            str(BIN / "hyperpod-tui"),
            "--region",
            REGION,
            "--endpoint-url",
            url,
            "--cluster",
            "scale-10k",
            "--refresh",
            f"{REFRESH:g}",
        ]
        app = PtyProcess.spawn(argv, env)
        try:
            nodes = wait_for_probe(probe, "nodes", process=app.process, timeout=120)
            loaded = nodes["t"] - app.started
            time.sleep(REFRESH * SETTLE_REFRESHES)
            rss, peak = rss_kib(app.process.pid)
            metrics = [
                Metric(
                    "5a. peak RSS, scale-10k loaded",
                    round(peak / 1024, 1),
                    "MB",
                    f"≤ {PEAK_LIMIT_MB:g} MB",
                    peak / 1024 <= PEAK_LIMIT_MB,
                    f"VmHWM of the real app ({nodes['rows']:,} node rows shown {loaded:.1f} s after start) after "
                    f"{SETTLE_REFRESHES} more refreshes every {REFRESH:g} s; VmRSS then {rss / 1024:.1f} MB",
                )
            ]
            metrics.append(
                _soak(app, ctx)
                if ctx.soak
                else Metric(
                    "5b. RSS growth over a 10-minute refresh soak",
                    None,
                    "%",
                    f"≤ {GROWTH_LIMIT:.0%}",
                    None,
                    "not run: `make bench SOAK=1` (python -m bench --soak) runs it",
                )
            )
        finally:
            app.stop()
    return metrics


def _soak(app: PtyProcess, ctx: Context) -> Metric:
    samples: list[tuple[float, int]] = []
    start = time.monotonic()
    while time.monotonic() - start < ctx.soak_seconds:
        time.sleep(SOAK_SAMPLE)
        if app.process.poll() is not None:
            raise RuntimeError(f"the app exited ({app.process.returncode}) during the soak")
        samples.append((time.monotonic() - start, rss_kib(app.process.pid)[0]))
    warm = [rss for at, rss in samples if WARMUP <= at < WARMUP + 60] or [samples[0][1]]
    last = [rss for at, rss in samples if at >= ctx.soak_seconds - 60] or [samples[-1][1]]
    before, after = statistics.median(warm), statistics.median(last)
    growth = after / before - 1
    return Metric(
        "5b. RSS growth over a 10-minute refresh soak",
        round(growth * 100, 2),
        "%",
        f"≤ {GROWTH_LIMIT:.0%}",
        growth <= GROWTH_LIMIT,
        f"median VmRSS {before / 1024:.1f} MB in the minute after a {WARMUP:g} s warm-up → {after / 1024:.1f} MB in "
        f"the last minute of {ctx.soak_seconds / 60:g} min, refreshing every {REFRESH:g} s; "
        f"min {min(r for _, r in samples) / 1024:.1f} / max {max(r for _, r in samples) / 1024:.1f} MB",
        samples={"rss_mb": [round(rss / 1024, 1) for _, rss in samples]},
    )
