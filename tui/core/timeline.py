"""A lifecycle log's timeline: which stages it reached, how long each took, where and why it failed.

Pure functions over `(timestamp_ms, line)` pairs and the marker hits of `core.markers`; no I/O, no UI.
A stream can hold several attempts (a software update, a replacement, a retry each run the scripts again): it is
split on HyperPod's `[SageMaker] Downloading lifecycle scripts` line, each attempt gets its own timeline, and the
log's timeline is the last attempt's, with all of them in `attempts`. When HyperPod's own failure line decides the
outcome, the line before it is the last step that ran.
Stages come from rules that carry a `stage`: a `start`/`progress` hit opens the stage, a `success`/`failure` hit
closes it. The sample scripts' `[start] x.sh` … `[stop] x.sh` nest, so stages keep a depth. A download that
completes opens `execute` (the service runs the script right after). Generic evidence (exit codes, tracebacks)
never decides the outcome on its own; it is reported as the first failure line and used for the exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Literal

from tui.core.markers import (
    EXIT_CODE_RULE,
    SERVICE_ATTEMPT,
    SERVICE_FAILURE,
    MarkerHit,
    MarkerMatcher,
    default_matcher,
    exit_code_in,
    known_cause,
)

Status = Literal["ok", "failed", "running", "unfinished"]
Outcome = Literal["succeeded", "failed", "running", "unknown"]

_NEXT_STAGE = {"download": "execute"}
_UMBRELLA = "lifecycle"  # opens the log; not shown in the summary unless it is what failed


@dataclass(frozen=True)
class Stage:
    """One stage reached. Indexes are line indexes; times are epoch milliseconds (None when unknown)."""

    key: str
    label: str
    depth: int
    begin_index: int
    begin_ms: int | None
    end_index: int | None
    end_ms: int | None
    status: Status
    failed_index: int | None = None
    parent: str | None = None

    @property
    def duration_ms(self) -> int | None:
        if self.begin_ms is None or self.end_ms is None:
            return None
        return max(0, self.end_ms - self.begin_ms)


@dataclass(frozen=True)
class Timeline:
    stages: tuple[Stage, ...]
    outcome: Outcome
    failing_stage: Stage | None
    failure: MarkerHit | None  # the line that decided the failure
    first_failure: MarkerHit | None  # the first failure-kind line of any rule (what `e` jumps to)
    exit_code: int | None
    started_ms: int | None
    last_ms: int | None
    markers: int
    failure_ms: int | None = None
    first_failure_ms: int | None = None
    failure_text: str | None = None  # the deciding line itself
    first_failure_text: str | None = None
    cause: str | None = None  # a common cause named by a failure line ("403 Forbidden", "exit status 100")
    cause_index: int | None = None
    last_step_index: int | None = None  # the line before HyperPod's failure line: the last step that ran
    last_step_text: str | None = None
    attempt: int = 1  # which attempt this is (1-based) and the lines it spans [begin_index, end_index)
    begin_index: int = 0
    end_index: int = 0
    attempts: tuple[Timeline, ...] = ()  # every attempt, oldest first (empty: the stream marks none)

    def summary(self, tz: tzinfo | None = UTC) -> str:
        return summarize(self, tz)


@dataclass
class _Open:
    key: str
    label: str
    depth: int
    begin_index: int
    begin_ms: int | None
    end_index: int | None = None
    end_ms: int | None = None
    status: Status = "running"
    failed_index: int | None = None
    parent: str | None = None

    def freeze(self) -> Stage:
        return Stage(
            self.key,
            self.label,
            self.depth,
            self.begin_index,
            self.begin_ms,
            self.end_index,
            self.end_ms,
            self.status,
            self.failed_index,
            self.parent,
        )


def build_timeline(
    events: Sequence[tuple[int | None, str]],
    hits: Sequence[MarkerHit] | None = None,
    matcher: MarkerMatcher | None = None,
) -> Timeline:
    """The timeline of a log. Pass `hits` when the lines were classified already (the view does)."""
    if hits is None:
        hits = (matcher or default_matcher()).classify([line for _, line in events])
    starts = [hit.index for hit in hits if hit.rule.name == SERVICE_ATTEMPT]
    if not starts:
        return _attempt_timeline(events, hits, 0, len(events))
    bounds = [0, *starts[1:], len(events)]  # lines before the first marker belong to the first attempt
    attempts: list[Timeline] = []
    position = 0
    for number, (begin, end) in enumerate(zip(bounds, bounds[1:], strict=False), start=1):
        inside: list[MarkerHit] = []
        while position < len(hits) and hits[position].index < end:
            inside.append(hits[position])
            position += 1
        attempts.append(replace(_attempt_timeline(events, inside, begin, end), attempt=number))
    return replace(attempts[-1], attempts=tuple(attempts), markers=len(hits))


def _attempt_timeline(
    events: Sequence[tuple[int | None, str]], hits: Sequence[MarkerHit], first_line: int, end_line: int
) -> Timeline:
    """The timeline of the lines [first_line, end_line) of `events`, whose hits are `hits` (global line indexes)."""
    stages: dict[str, _Open] = {}
    open_stack: list[str] = []  # innermost last; the umbrella stage is never on it
    failures: list[tuple[int, str]] = []  # (line index, stage key) of explicit stage failures
    decisive: dict[int, MarkerHit] = {}
    first_failure: MarkerHit | None = None
    exit_hits: list[MarkerHit] = []
    last_closed: _Open | None = None

    def time_of(index: int) -> int | None:
        return events[index][0] if 0 <= index < len(events) else None

    def open_stage(key: str, label: str, index: int, begin_index: int | None = None) -> _Open:
        if key in stages:  # the same script run twice: a second stage
            number = 2
            while f"{key}#{number}" in stages:
                number += 1
            key = f"{key}#{number}"
        start = index if begin_index is None else begin_index
        parent = open_stack[-1] if open_stack and label != _UMBRELLA else None
        stage = _Open(key, label, len(open_stack) if label != _UMBRELLA else 0, start, time_of(start), parent=parent)
        stages[key] = stage
        if label != _UMBRELLA:
            open_stack.append(key)
        return stage

    def find_open(label: str) -> _Open | None:
        for key in reversed(open_stack):
            if stages[key].label == label:
                return stages[key]
        return None

    def close(stage: _Open, index: int, status: Status) -> None:
        nonlocal last_closed
        if stage.key in open_stack:
            position = open_stack.index(stage.key)
            for inner in open_stack[position + 1 :]:  # closed by their parent
                child = stages[inner]
                child.end_index, child.end_ms = index, time_of(index)
                child.status = "failed" if child.failed_index is not None else "unfinished"
            del open_stack[position:]
        stage.end_index, stage.end_ms, stage.status = index, time_of(index), status
        last_closed = stage

    def fail(stage: _Open, hit: MarkerHit) -> None:
        if stage.failed_index is None:
            stage.failed_index = hit.index
            failures.append((hit.index, stage.key))
            decisive[hit.index] = hit

    for hit in hits:
        rule = hit.rule
        if rule.kind == "failure" and first_failure is None:
            first_failure = hit
        if rule.name == EXIT_CODE_RULE:
            exit_hits.append(hit)
        if rule.stage is None:
            continue
        if rule.stage == _UMBRELLA:
            umbrella = stages.get(_UMBRELLA) or open_stage(_UMBRELLA, _UMBRELLA, hit.index)
            if rule.kind == "failure":  # blame the innermost open stage, if any
                fail(stages[open_stack[-1]] if open_stack else umbrella, hit)
                umbrella.status = "failed"
            elif rule.kind == "success":
                umbrella.status = "ok"
            continue
        label = (hit.subject or "").strip() if rule.stage == "script" else rule.stage
        if rule.stage == "script" and not label:  # "[error] …": the innermost open stage failed
            if rule.kind == "failure":
                if open_stack:
                    fail(stages[open_stack[-1]], hit)
                else:
                    failures.append((hit.index, ""))
                    decisive[hit.index] = hit
            continue
        stage = find_open(label)
        if rule.kind in ("start", "progress"):
            if stage is None:
                open_stage(label, label, hit.index)
            continue
        if stage is None:  # closed without an opening marker: it began where the previous stage ended
            begin = last_closed.end_index if last_closed is not None and last_closed.end_index is not None else None
            stage = open_stage(label, label, hit.index, begin)
        if rule.kind == "failure":
            fail(stage, hit)
            close(stage, hit.index, "failed")
        elif rule.kind == "success":
            close(stage, hit.index, "failed" if stage.failed_index is not None else "ok")
            follower = _NEXT_STAGE.get(label)
            if follower and find_open(follower) is None:
                open_stage(follower, follower, hit.index)

    frozen = {key: stage.freeze() for key, stage in stages.items()}
    ordered = tuple(sorted(frozen.values(), key=lambda s: (s.begin_index, s.depth)))
    failing_stage: Stage | None = None
    failure: MarkerHit | None = None
    if failures:
        index, key = min(failures)
        failure = decisive[index]
        failing_stage = frozen.get(key)
        if failing_stage is not None and failing_stage.label == _UMBRELLA:
            failing_stage = None if len(frozen) > 1 else failing_stage
        outcome: Outcome = "failed"
    elif not frozen:
        outcome = "unknown"
    elif open_stack or (
        all(s.label in (_UMBRELLA, "download") for s in frozen.values())
        and not (_UMBRELLA in frozen and frozen[_UMBRELLA].status == "ok")
    ):
        outcome = "running"
    else:
        outcome = "succeeded"

    exit_code = None
    if failure is not None:
        exit_code = exit_code_in(_line(events, failure.index))
        if exit_code is None:  # the nearest exit code reported before the failure, in its stage if possible
            floor = failing_stage.begin_index if failing_stage is not None else 0
            before = [h for h in exit_hits if h.index <= failure.index]
            inside = [h for h in before if h.index >= floor]
            if inside or before:
                exit_code = exit_code_in(_line(events, (inside or before)[-1].index))
    elif outcome == "unknown" and exit_hits:
        exit_code = exit_code_in(_line(events, exit_hits[0].index))
    times = [ms for ms, _ in events[first_line:end_line] if ms is not None]
    cause, cause_index = None, None
    for hit in hits:
        if hit.rule.kind == "failure" and (found := known_cause(_line(events, hit.index))) is not None:
            cause, cause_index = found, hit.index
            break
    last_step = None
    if failure is not None and failure.rule.name == SERVICE_FAILURE:
        last_step = next(
            (
                index
                for index in range(failure.index - 1, first_line - 1, -1)
                if _line(events, index).strip() and not _line(events, index).startswith("[SageMaker] ")
            ),
            None,
        )
    return Timeline(
        stages=ordered,
        outcome=outcome,
        failing_stage=failing_stage,
        failure=failure,
        first_failure=first_failure,
        exit_code=exit_code,
        started_ms=min(times) if times else None,
        last_ms=max(times) if times else None,
        markers=len(hits),
        failure_ms=time_of(failure.index) if failure is not None else None,
        first_failure_ms=time_of(first_failure.index) if first_failure is not None else None,
        failure_text=_line(events, failure.index) if failure is not None else None,
        first_failure_text=_line(events, first_failure.index) if first_failure is not None else None,
        cause=cause,
        cause_index=cause_index,
        last_step_index=last_step,
        last_step_text=_line(events, last_step) if last_step is not None else None,
        begin_index=first_line,
        end_index=end_line,
    )


def _line(events: Sequence[tuple[int | None, str]], index: int) -> str:
    return events[index][1] if 0 <= index < len(events) else ""


def format_duration(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def format_clock(ms: int | None, tz: tzinfo | None = UTC) -> str:
    if ms is None:
        return "?"
    return datetime.fromtimestamp(ms / 1000, tz or UTC).strftime("%H:%M:%S")


SYMBOLS = {"ok": "✓", "failed": "✗", "running": "…", "unfinished": "?"}


def summarize(timeline: Timeline, tz: tzinfo | None = UTC) -> str:
    """One plain line, e.g. `download ✓ 0:04 → execute ✗ at 12:03:44, exit code 1`."""
    by_key = {stage.key: stage for stage in timeline.stages}
    failing = timeline.failing_stage
    failing_root = failing
    while failing_root is not None and failing_root.parent is not None:
        failing_root = by_key.get(failing_root.parent)
    parts: list[str] = []
    for stage in timeline.stages:
        if stage.depth != 0 or stage.label == _UMBRELLA:
            continue
        symbol = SYMBOLS["failed"] if stage.failed_index is not None else SYMBOLS[stage.status]
        text = f"{stage.label} {symbol}"
        if failing_root is not None and stage.key == failing_root.key:
            text += f" at {format_clock(timeline.failure_ms, tz)}"
            if failing is not None and failing.key != stage.key:
                text += f" (in {failing.label})"
        elif stage.status == "running" and timeline.last_ms is not None and stage.begin_ms is not None:
            text += f" {format_duration(timeline.last_ms - stage.begin_ms)}"
        elif stage.status != "unfinished" and stage.duration_ms is not None:
            text += f" {format_duration(stage.duration_ms)}"
        parts.append(text)
    line = " → ".join(parts)
    if (
        timeline.outcome == "failed"
        and timeline.failure is not None
        and (failing is None or failing.label == _UMBRELLA)
    ):
        at = f"failed at {format_clock(timeline.failure_ms, tz)} (line {timeline.failure.index + 1})"
        line = f"{line} → {at}" if line else at
    elif timeline.outcome == "unknown":
        line = "no lifecycle markers"
        first = timeline.first_failure
        if first is not None:
            clock = format_clock(timeline.first_failure_ms, tz)
            line += f", first failure evidence at {clock} (line {first.index + 1})"
    if timeline.exit_code is not None:
        line += f", exit code {timeline.exit_code}"
    if len(timeline.attempts) > 1:
        line = f"attempt {timeline.attempt} of {len(timeline.attempts)}: {line}"
    return line
