"""The words around a log on the log screen: title, where it was found, why it failed, status, the not-found notice.

Pure functions returning `rich.text.Text` (never markup): every value that came from AWS or from the log passes
through `sanitize.clean` here, so a hostile stream name or log line cannot reach the terminal or be parsed.
Colours come from the widgets' CSS (theme variables); these texts use only bold/dim/italic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from rich.text import Text

from tui.core.log_locator import LogResolution
from tui.core.log_target import LogTarget
from tui.core.sanitize import clean
from tui.core.timeline import SYMBOLS, Timeline, format_duration
from tui.core.wording import plural

Mode = str  # "lifecycle" | "health"
MODE_TITLES = {"lifecycle": "Lifecycle log", "health": "Health-monitoring agent log"}
SOURCES = {
    "failure-message": "named in the failure message",
    "guide": "found by the developer guide's naming",
    "discovered": "found by searching the cluster's log groups",
}
SHORT = 120  # most characters of an AWS value put in a title


def title_text(target: LogTarget, mode: Mode) -> Text:
    """`Lifecycle log  cluster › group › instance (status)`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(MODE_TITLES.get(mode, mode), style="bold")
    text.append("  ")
    text.append(clean(target.cluster_name, max_len=SHORT))
    text.append(" › ")
    text.append(clean(target.instance_group, max_len=SHORT) if target.instance_group else "?")
    text.append(" › ")
    text.append(
        clean(target.instance_id, max_len=SHORT) if target.instance_id else "(the failure message's log)", style="bold"
    )
    if target.node_status:
        text.append(f" ({clean(target.node_status, max_len=40)})")
    return text


def where_text(resolution: LogResolution | None, stream_index: int) -> Text:
    """`log group … · stream … (1/2, c: next) · named in the failure message`, or what is going on."""
    text = Text()
    if resolution is None:
        text.append("looking for the log…", style="italic")
        return text
    if not resolution.found:
        text.append("no log found", style="italic")
        return text
    streams = resolution.streams
    stream = streams[stream_index % len(streams)]
    text.append("log group ", style="dim")
    text.append(clean(resolution.group, max_len=512))
    text.append("  stream ", style="dim")
    text.append(clean(stream, max_len=512))
    if len(streams) > 1:
        text.append(f" ({stream_index % len(streams) + 1} of {len(streams)}, c: next)", style="dim")
    if resolution.source:
        text.append("  · ", style="dim")
        text.append(SOURCES.get(resolution.source, resolution.source), style="dim")
    return text


def cause_text(timeline: Timeline) -> Text | None:
    """The line that says why (what `e` jumps to), when the log failed or has no markers but failure evidence."""
    first = timeline.first_failure
    if first is None or timeline.outcome in ("succeeded", "running"):
        return None
    label = "Why" if timeline.outcome == "failed" else "First error"
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"✗ {label}, line {first.index + 1}: ", style="bold")
    line = clean(timeline.first_failure_text or "", max_len=400)
    if timeline.cause and timeline.cause_index == first.index and timeline.cause.lower() not in line[:40].lower():
        text.append(f"{timeline.cause} · ", style="bold")  # the cause is often at the end of a long line
    text.append(line)
    if timeline.last_step_text is not None and timeline.last_step_index is not None:
        text.append(f"  · last step, line {timeline.last_step_index + 1}: ", style="bold")
        text.append(clean(timeline.last_step_text, max_len=200))
    text.append("   (e: go there)", style="dim")
    return text


OUTCOME_WORDS = {"succeeded": "succeeded", "failed": "failed", "running": "running", "unknown": "no outcome"}
OUTCOME_SYMBOLS = {"succeeded": SYMBOLS["ok"], "failed": SYMBOLS["failed"], "running": SYMBOLS["running"]}
STEP_CELLS = 160  # most characters of a log line quoted as an attempt's last step or cause


def _started(ms: int | None, tz: tzinfo | None) -> str:
    if ms is None:
        return "?".ljust(14)
    return datetime.fromtimestamp(ms / 1000, tz or UTC).strftime("%m-%d %H:%M:%S")


def attempt_step(attempt: Timeline) -> str:
    """The last step a failed or running attempt ran (sanitised): the line before HyperPod's failure line, the
    stage that failed, or the stage still running."""
    if attempt.last_step_text is not None:
        return clean(attempt.last_step_text, max_len=STEP_CELLS)
    if attempt.failing_stage is not None:
        return clean(attempt.failing_stage.label, max_len=STEP_CELLS)
    shown = [stage for stage in attempt.stages if stage.label != "lifecycle"]
    if attempt.outcome == "running":
        running = [stage for stage in shown if stage.status == "running"]
        return clean(running[-1].label, max_len=STEP_CELLS) if running else ""
    return ""  # it succeeded: no step to name


def attempt_row(attempt: Timeline, *, current: bool, now_ms: int | None = None, tz: tzinfo | None = UTC) -> Text:
    """`▶ 2  11-27 08:09:06    0:13  ✗ failed     last step: Installing Docker … · 403 Forbidden`."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("▶ " if current else "  ", style="bold")
    text.append(f"{attempt.attempt:>2}  ", style="bold" if current else "")
    text.append(_started(attempt.started_ms, tz))
    end = attempt.last_ms
    if attempt.outcome == "running" and now_ms is not None:
        end = max(end or 0, now_ms)
    duration = format_duration(end - attempt.started_ms) if end is not None and attempt.started_ms else ""
    text.append(f" {duration:>7}  ")
    outcome = attempt.outcome
    text.append(
        f"{OUTCOME_SYMBOLS.get(outcome, '?')} {OUTCOME_WORDS[outcome]:<10}", style="bold" * (outcome == "failed")
    )
    step = attempt_step(attempt)
    if step:
        text.append(" last step: ", style="dim")
        text.append(step)
    failure = attempt.failure_text or ""
    cause = attempt.cause or ("" if failure.startswith("[SageMaker] ") else clean(failure, max_len=STEP_CELLS))
    if cause and cause != step:
        text.append(" · ", style="dim")
        text.append(clean(cause, max_len=STEP_CELLS), style="bold")
    return text


def attempts_text(
    timeline: Timeline,
    current: int,
    *,
    expanded: bool,
    rows: int = 8,
    now_ms: int | None = None,
    tz: tzinfo | None = UTC,
) -> Text:
    """The attempts strip: a title and one row per attempt (at most `rows`, around the current one), or,
    collapsed, one line: `3 attempts: 1 ✗ · 2 ✓ · ▶3 ✓  ([ ]: move · a: rows)`."""
    attempts = timeline.attempts
    if not expanded:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(f"{len(attempts)} attempts: ", style="bold")
        for position, attempt in enumerate(attempts):
            if position:
                text.append(" · ", style="dim")
            mark = "▶" if attempt.attempt == current else ""
            symbol = OUTCOME_SYMBOLS.get(attempt.outcome, "?")
            text.append(
                f"{mark}{attempt.attempt} {symbol}", style="bold" if mark or attempt.outcome == "failed" else ""
            )
        text.append("   [ ]: move · a: rows", style="dim")
        return text
    rows = max(1, rows)
    first = 0 if len(attempts) <= rows else min(max(0, current - 1 - rows // 2), len(attempts) - rows)
    shown = attempts[first : first + rows]
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{len(attempts)} attempts in this stream", style="bold")
    if len(shown) < len(attempts):
        text.append(f" (showing {shown[0].attempt}–{shown[-1].attempt})")
    text.append("   [ ]: move · a: collapse", style="dim")
    for attempt in shown:
        text.append("\n")
        text.append_text(attempt_row(attempt, current=attempt.attempt == current, now_ms=now_ms, tz=tz))
    return text


def notice_text(
    resolution: LogResolution | None,
    mode: Mode,
    *,
    waiting: bool = False,
    error: str | None = None,
    interval: float = 0,
) -> Text:
    """What is shown instead of an empty view: the reasons and what was tried, or a read error."""
    text = Text()
    if error is not None:
        text.append("Could not read the log\n", style="bold")
        text.append(clean(error, max_len=1_000))
        text.append("\n\nr: try again · Esc: back", style="dim")
        return text
    if resolution is None:
        return text
    text.append(clean(resolution.message, max_len=1_000), style="bold")
    if waiting:
        text.append(
            f"\n\nThe node is still provisioning: its lifecycle script may not have started writing yet. "
            f"Looking again every {interval:g} s.",
            style="italic",
        )
    if resolution.reasons:
        text.append("\n\nLikely reasons:")
        for reason in resolution.reasons:
            text.append(f"\n  • {clean(reason, max_len=300)}")
    if resolution.tried:
        text.append("\n\nTried:", style="dim")
        for attempt in resolution.tried:
            text.append(f"\n  - {clean(attempt, max_len=300)}", style="dim")
    keys = "h: back to the lifecycle log · " if mode == "health" else ""
    text.append(f"\n\n{keys}r: try again · Esc: back", style="dim")
    return text


@dataclass
class StatusFacts:
    """What the status line says; the screen keeps one and updates fields as messages arrive."""

    lines: int = 0
    loading: bool = False
    pages: int = 0
    follow: bool = False
    watching: bool = False
    interval: float = 0.0
    pending: int = 0
    term: str = ""
    matches: int = 0
    current: int | None = None
    problem: str = ""
    stopped: str = ""  # a read cap ended the last load or poll: "stopped after N pages …"
    dropped: int = 0  # lines the document did not keep (its size caps)
    attempt: int = 0  # the attempt shown (1-based) when the stream holds several
    attempts: int = 0


def status_text(facts: StatusFacts) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    parts: list[tuple[str, str]] = []
    if facts.follow:
        parts.append((f"FOLLOW (every {facts.interval:g} s)", "bold"))
    elif facts.watching:
        parts.append(("follow off (f)", ""))
    if facts.pending:
        parts.append((f"▼ {facts.pending:,} new lines (f)", "bold"))
    if facts.term:
        where = f"{facts.current}/" if facts.current else ""
        parts.append(
            (f"/{clean(facts.term, max_len=40)}: {where}{plural(facts.matches, 'match', 'matches')} (n/N)", "")
        )
    if facts.attempts > 1 and facts.attempt:
        parts.append((f"attempt {facts.attempt}/{facts.attempts} ([ ])", "bold"))
    parts.append((plural(facts.lines, "line"), ""))
    if facts.loading:
        parts.append((f"loading… page {facts.pages}" if facts.pages else "loading…", "italic"))
    parts.append(("times UTC", "dim"))
    if facts.stopped:
        parts.append((clean(facts.stopped, max_len=120), "bold"))
    if facts.dropped:
        parts.append((f"{facts.dropped:,} later lines not kept (size cap)", "bold"))
    if facts.problem:
        parts.append((clean(facts.problem, max_len=300), "bold"))
    for position, (part, style) in enumerate(parts):
        if position:
            text.append(" · ", style="dim")
        text.append(part, style=style)
    return text
