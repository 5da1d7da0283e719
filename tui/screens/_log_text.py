"""The words around a log on the log screen: title, where it was found, why it failed, status, the not-found notice.

Pure functions returning `rich.text.Text` (never markup): every value that came from AWS or from the log passes
through `sanitize.clean` here, so a hostile stream name or log line cannot reach the terminal or be parsed.
Colours come from the widgets' CSS (theme variables); these texts use only bold/dim/italic.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from tui.core.log_locator import LogResolution
from tui.core.log_target import LogTarget
from tui.core.sanitize import clean
from tui.core.timeline import Timeline
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
