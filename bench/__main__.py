"""`python -m bench` (`make bench`): every target of issue #6, a table on stdout, bench/results.json.

    python -m bench                   # all metrics, ~4 minutes
    python -m bench --soak            # also the 10-minute memory soak
    python -m bench --only table,log  # some of them (listing, table, keys, startup, memory, log)
    python -m bench --quick           # fewer repetitions (numbers are noisier)

Each ratio compares ours with its peer measured in the same run, alternating, and reports the median. The load
average of the machine is recorded with each metric: on a busy machine every wall time is inflated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.common import Context, Metric
from bench.proc import AWS_ENV

RESULTS = Path(__file__).resolve().parent / "results.json"


def _suites() -> dict[str, Callable[[Context], list[Metric]]]:
    from bench import (
        escape_latency,
        event_stream,
        events_view,
        key_latency,
        log_view,
        memory,
        processes,
        run_nodes,
        table_paint,
        triage_view,
    )

    return {
        "listing": processes.listing,
        "table": table_paint.run,
        "keys": key_latency.run,
        "startup": processes.startup,
        "memory": memory.run,
        "log": log_view.run,
        "events": event_stream.run,
        "events-view": events_view.run,
        "esc": escape_latency.run,
        "run": run_nodes.run_suite,
        "triage": triage_view.run,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        help="comma-separated suites: listing, table, keys, startup, memory, log, events, events-view, esc, run, triage",
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions per ratio (default 5)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions and a shorter key run")
    parser.add_argument("--soak", action="store_true", help="also run the 10-minute memory soak")
    parser.add_argument("--soak-seconds", type=float, default=600.0, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)  # synthetic table rows (the smoke test)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON (bench/results.json)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser


def _format(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def print_table(metrics: list[Metric]) -> None:
    rows = [("metric", "ours", "peer", "ratio", "target", "result")]
    for m in metrics:
        verdict = "—" if m.passed is None else ("PASS" if m.passed else "FAIL")
        ours = f"{_format(m.ours)} {m.unit}" if m.ours is not None else "—"
        peer = f"{_format(m.peer)} {m.unit}" if m.peer is not None else "—"
        rows.append((m.name, ours, peer, _format(m.ratio), m.target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(width) if i in (0, 4, 5) else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.update(AWS_ENV)  # the in-process parts talk to the simulator too
    suites = _suites()
    chosen = [name.strip() for name in args.only.split(",")] if args.only else list(suites)
    unknown = [name for name in chosen if name not in suites]
    if unknown:
        print(f"python -m bench: unknown suite(s) {', '.join(unknown)} (valid: {', '.join(suites)})", file=sys.stderr)
        return 2
    reps = 3 if args.quick else args.reps
    metrics: list[Metric] = []
    started = time.monotonic()
    print(
        f"hyperpod-tui benchmarks · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"load {os.getloadavg()[0]:.1f} · suites: {', '.join(chosen)}",
        flush=True,
    )
    with Context(reps=reps, quick=args.quick, soak=args.soak, soak_seconds=args.soak_seconds, rows=args.rows) as ctx:
        for name in chosen:
            load = os.getloadavg()[0]
            began = time.monotonic()
            print(f"… {name}", end="", flush=True)
            try:
                results = suites[name](ctx)
            except Exception as exc:  # noqa: BLE001 - a broken suite is reported, the others still run
                traceback.print_exc()
                results = [Metric(f"{name}: did not complete", None, "", "", False, f"error: {exc!r}")]
            for metric in results:
                metric.notes = (
                    metric.notes + "; " if metric.notes else ""
                ) + f"load avg {load:.1f}→{os.getloadavg()[0]:.1f}"
            metrics.extend(results)
            print(f" {time.monotonic() - began:.0f} s", flush=True)
    print()
    print_table(metrics)
    judged = [m for m in metrics if m.passed is not None]
    print(
        f"\n{sum(m.passed for m in judged)} of {len(judged)} targets met in {time.monotonic() - started:.0f} s; "
        f"details and samples in {args.output}"
    )
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"note: the load average ({os.getloadavg()[0]:.1f}) exceeds the CPU count: wall times are inflated")
    args.output.write_text(
        json.dumps([m.as_json() for m in metrics], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return 1 if args.strict and any(m.passed is False for m in judged) else 0


if __name__ == "__main__":
    sys.exit(main())
