"""What every benchmark shares: the Metric record, alternating repetitions, medians, the run's context."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.proc import served_simulator

SCENARIO = "scale-10k"
LATENCY_MS = 20.0


@dataclass
class Metric:
    """One line of the table and one object of results.json."""

    name: str
    ours: float | None
    unit: str
    target: str
    passed: bool | None  # None: not measured (e.g. the soak without --soak)
    notes: str = ""
    peer: float | None = None
    ratio: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["pass"] = data.pop("passed")
        return data


def median(values: list[float]) -> float:
    return statistics.median(values)


def alternate(reps: int, ours: Callable[[], float], peer: Callable[[], float]) -> tuple[list[float], list[float]]:
    """`reps` measurements of each, interleaved (ours, peer, peer, ours, …) so that drift in the machine's load
    falls on both sides equally."""
    mine: list[float] = []
    theirs: list[float] = []
    for rep in range(reps):
        if rep % 2 == 0:
            mine.append(ours())
            theirs.append(peer())
        else:
            theirs.append(peer())
            mine.append(ours())
    return mine, theirs


def paired_ratio(mine: list[float], theirs: list[float]) -> float:
    """The median of the per-repetition ratios: each pair ran back to back, under the same load."""
    return median([a / b for a, b in zip(mine, theirs, strict=True)])


def ratio_metric(
    name: str,
    mine: list[float],
    theirs: list[float],
    *,
    unit: str,
    max_ratio: float,
    max_ours: float | None = None,
    notes: str = "",
) -> Metric:
    ratio = paired_ratio(mine, theirs)
    ours = median(mine)
    passed = ratio <= max_ratio and (max_ours is None or ours <= max_ours)
    target = f"ratio ≤ {max_ratio:g}" + (f" and ≤ {max_ours:g} {unit}" if max_ours is not None else "")
    return Metric(
        name,
        round(ours, 4),
        unit,
        target,
        passed,
        notes,
        peer=round(median(theirs), 4),
        ratio=round(ratio, 3),
        samples={"ours": [round(v, 4) for v in mine], "peer": [round(v, 4) for v in theirs]},
    )


def limit_metric(
    name: str, value: float, *, unit: str, limit: float, notes: str = "", samples: list[float] | None = None
) -> Metric:
    return Metric(
        name,
        round(value, 4),
        unit,
        f"≤ {limit:g} {unit}",
        value <= limit,
        notes,
        samples={"ours": [round(v, 4) for v in samples]} if samples else {},
    )


class Context:
    """Shared by the benchmarks of one run: options and the simulator served over HTTP (started once)."""

    def __init__(self, *, reps: int, quick: bool, soak: bool, soak_seconds: float, rows: int | None = None) -> None:
        self.reps = reps
        self.quick = quick
        self.rows = rows  # synthetic table rows instead of scale-10k's (the smoke test)
        self.soak = soak
        self.soak_seconds = soak_seconds
        self._stack = contextlib.ExitStack()
        self._url: str | None = None

    @property
    def url(self) -> str:
        """`python -m tui.sim serve --latency-ms 20 --scenario scale-10k`, one process for the whole run."""
        if self._url is None:
            self._url = self._stack.enter_context(served_simulator(SCENARIO, LATENCY_MS))
        return self._url

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic collection inside a measured section of the benchmark process itself."""
    import gc

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
