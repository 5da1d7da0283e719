"""The texts around the log view: hostile AWS values stay inert, and each text says what it must."""

from __future__ import annotations

from tui.core.log_locator import LIKELY_REASONS, LogResolution
from tui.core.log_target import LogTarget
from tui.core.timeline import build_timeline
from tui.screens._log_text import (
    StatusFacts,
    attempts_text,
    cause_text,
    notice_text,
    status_text,
    title_text,
    where_text,
)

EVIL = "evil\x1b]52;c;cHduZWQ=\x07[bold red]x[/]\x00"


def test_hostile_names_in_title_and_location_are_cleaned_and_literal():
    target = LogTarget(EVIL, None, EVIL, EVIL, EVIL)
    title = title_text(target, "lifecycle")
    assert "\x1b" not in title.plain and "\x00" not in title.plain and "cHduZWQ" not in title.plain
    assert "[bold red]x[/]" in title.plain  # shown as typed, never parsed as markup
    resolution = LogResolution(EVIL, (EVIL, "two"), "discovered", "found")
    where = where_text(resolution, 0)
    assert "\x1b" not in where.plain and "[bold red]x[/]" in where.plain and "(1 of 2, c: next)" in where.plain
    notice = notice_text(LogResolution(None, (), None, EVIL, LIKELY_REASONS, (EVIL,)), "health")
    assert "\x1b" not in notice.plain and "\x00" not in notice.plain and "h: back to the lifecycle log" in notice.plain
    error = notice_text(None, "lifecycle", error=EVIL)
    assert "\x1b" not in error.plain and error.plain.startswith("Could not read the log")
    status = status_text(StatusFacts(lines=3, term=EVIL, matches=1, current=1, problem=EVIL))
    assert "\x1b" not in status.plain and "\x07" not in status.plain


def test_cause_names_the_first_failure_line_only_when_it_matters():
    failed = build_timeline([(1, "[start] a.sh"), (2, "E: Unable to locate package x"), (3, "[stop] a.sh with error")])
    cause = cause_text(failed)
    assert cause is not None and cause.plain.startswith("✗ Why, line 2: E: Unable to locate package x")
    ok = build_timeline([(1, "[start] a.sh"), (2, "ERROR: retrying"), (3, "[stop] a.sh")])
    assert ok.outcome == "succeeded" and cause_text(ok) is None
    evidence = build_timeline([(1, "plain"), (2, "Traceback (most recent call last):")])
    assert cause_text(evidence).plain.startswith("✗ First error, line 2: Traceback")


def test_status_line_says_follow_new_lines_matches_count_and_loading():
    text = status_text(StatusFacts(lines=1234, follow=True, interval=2.5)).plain
    assert text.startswith("FOLLOW (every 2.5 s)") and "1,234 lines" in text
    text = status_text(
        StatusFacts(lines=10, watching=True, pending=7, term="lustre", matches=3, current=2, loading=True, pages=3)
    ).plain
    assert "follow off (f)" in text and "▼ 7 new lines (f)" in text and "/lustre: 2/3 matches" in text
    assert "loading… page 3" in text


def test_attempt_rows_clean_raw_lines_themselves_and_bound_them():
    """build_timeline on raw events (no LogDocument in between): the rows must still be inert and short."""
    raw = [
        "[SageMaker] Downloading lifecycle scripts",
        "\x1b]52;c;ZWNobyBwd25lZA==\x07[bold red]x[/] 漢字 \x1b[2J" + "B" * 1_048_576,
        "[SageMaker] The lifecycle scripts failed.",
        "[SageMaker] Downloading lifecycle scripts",
        "[SageMaker] The lifecycle scripts succeeded.",
    ]
    timeline = build_timeline([(1_000 * i, line) for i, line in enumerate(raw)])
    assert len(timeline.attempts) == 2 and "\x1b" in (timeline.attempts[0].last_step_text or "")
    for expanded in (True, False):
        text = attempts_text(timeline, 1, expanded=expanded)
        assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in text.plain)
        assert "ZWNobyBwd25lZA" not in text.plain and len(text.plain) < 1_000
        assert not text.spans or all(span.style in ("bold", "dim", "") for span in text.spans)
    row = attempts_text(timeline, 1, expanded=True).plain.splitlines()[1]
    assert "last step: [bold red]x[/] 漢字 BBB" in row and row.startswith("▶  1")
