"""`hyperpod-tui journal [--since 1d] [--json]`: the action journal read back, intents paired with results.

One row per attempt (one attempt is one request): when, what, which call of the action and which attempt, how
many nodes, the outcome and AWS's request id. An intent without a result is listed again at the end, with its
node ids: the process died or the result could not be written, so the call may have executed. Lines from before
the journal was write-ahead show as they are (one line per call, written after it); a torn or unreadable line
is counted, never fatal. No AWS call, no Textual: this reads one local file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from tui.core.journal import NO_RESULT, JournalAttempt, JournalReport, default_journal_path, parse_since, read_journal
from tui.core.sanitize import clean
from tui.core.wording import noun, plural
from tui.headless import Field, TableFormat

FIELDS = (
    Field("time", "TIME", "time"),
    Field("operation", "OPERATION", "operation"),
    Field("cluster", "CLUSTER", "cluster"),
    Field("call", "CALL", "call"),
    Field("attempt", "TRY", "attempt"),
    Field("nodes", "NODES", "nodes", "int"),
    Field("outcome", "OUTCOME", "outcome"),
    Field("request_id", "REQUEST ID", "request_id"),
)


def _node_ids(attempt: JournalAttempt) -> list[str]:
    """The chunk's ids: NodeIds, or NodeLogicalIds for nodes that had no instance id."""
    ids = attempt.intent.get("node_ids")
    if not isinstance(ids, list):
        ids = attempt.intent.get("node_logical_ids")
    return [str(node_id) for node_id in ids] if isinstance(ids, list) else []


def _node_outcomes(attempt: JournalAttempt) -> dict[str, int]:
    counts: dict[str, int] = {}
    nodes = attempt.result.get("nodes") if attempt.result is not None else None
    for node in nodes if isinstance(nodes, list) else ():
        if isinstance(node, Mapping):
            label = str(node.get("outcome") or "")
            counts[label] = counts.get(label, 0) + 1
    return counts


def _outcome_text(attempt: JournalAttempt) -> str:
    outcome = attempt.outcome
    counts = _node_outcomes(attempt)
    if len(counts) > 1:
        outcome += " (" + ", ".join(f"{count} {label}" for label, count in counts.items()) + ")"
    error = attempt.result.get("error") if attempt.result is not None else attempt.intent.get("error")
    if isinstance(error, Mapping) and error.get("code"):
        outcome += f": {error.get('code')}"
    if attempt.legacy:
        outcome += " [old format]"
    return outcome


def _request_id(attempt: JournalAttempt) -> str:
    source = attempt.intent if attempt.legacy else (attempt.result or {})
    return str(source.get("request_id") or "")


def _row(attempt: JournalAttempt) -> SimpleNamespace:
    intent = attempt.intent
    attempt_number = intent.get("attempt", intent.get("attempts", ""))
    return SimpleNamespace(
        time=str(intent.get("time") or ""),
        operation=str(intent.get("operation") or ""),
        cluster=str(intent.get("cluster") or ""),
        call=str(intent.get("call") or ""),
        attempt=str(attempt_number),
        nodes=len(_node_ids(attempt)),
        outcome=_outcome_text(attempt),
        request_id=_request_id(attempt),
    )


def render_table(report: JournalReport) -> str:
    if not report.attempts:
        text = f"No journal entries in {clean(report.path)}.\n"
    else:
        text = TableFormat.finish(FIELDS, [TableFormat.encode(FIELDS, [_row(a) for a in report.attempts])])
    unpaired = report.unpaired
    if unpaired:
        count = len(unpaired)
        text += f"\n{count} attempt{'s' if count != 1 else ''} with {NO_RESULT}:\n"
        for attempt in unpaired:
            intent = attempt.intent
            ids = _node_ids(attempt)
            text += (
                f"  {clean(str(intent.get('time') or ''))} {clean(str(intent.get('operation') or ''))} "
                f"{clean(str(intent.get('cluster') or ''))} call {clean(str(intent.get('call') or ''))} "
                f"attempt {clean(str(intent.get('attempt') or ''))}: {plural(len(ids), 'node')} "
                f"{clean(', '.join(ids), max_len=4000)}\n"
            )
    if report.orphan_results:
        text += f"\n{plural(len(report.orphan_results), 'result line')} whose intent is missing.\n"
    if report.unreadable_lines:
        where = ", ".join(str(n) for n in report.unreadable_lines[:20])
        count = len(report.unreadable_lines)
        text += f"\n{plural(count, 'unreadable line')} (torn or not JSON), skipped: {noun(count, 'line')} {where}\n"
    return text


def render_json(report: JournalReport) -> str:
    attempts = []
    for attempt in report.attempts:
        attempts.append(
            {
                "id": attempt.intent.get("id"),
                "outcome": attempt.outcome,
                "paired": attempt.result is not None,
                "legacy": attempt.legacy,
                "intent": dict(attempt.intent),
                "result": dict(attempt.result) if attempt.result is not None else None,
            }
        )
    data = {
        "path": report.path,
        "attempts": attempts,
        "unpaired": [attempt.intent.get("id") for attempt in report.unpaired],
        "orphan_results": [dict(entry) for entry in report.orphan_results],
        "unreadable_lines": list(report.unreadable_lines),
    }
    return json.dumps(data, ensure_ascii=True, default=str) + "\n"


def run(args: Any, *, out: TextIO, err: TextIO, path: Path | None = None, now: float | None = None) -> int:
    """0 when the journal was read (even with unpaired intents: they are data, not an error), 1 otherwise."""
    since_seconds = getattr(args, "since", None)
    since: float | None = None
    if since_seconds:
        try:
            since = (time.time() if now is None else now) - parse_since(since_seconds)
        except ValueError as exc:
            print(f"hyperpod-tui: error: {exc}", file=err)
            return 2
    journal_path = path or default_journal_path(demo=bool(getattr(args, "demo", False)))
    try:
        report = read_journal(journal_path, since=since)
    except OSError as exc:
        print(f"hyperpod-tui: error: cannot read the journal {journal_path}: {exc.strerror or exc}", file=err)
        return 1
    text = render_json(report) if getattr(args, "format", "table") == "json" else render_table(report)
    out.write(text)
    out.flush()
    return 0
