"""core.journal: where it lives, its permissions, one durable JSON object per line, failures raised."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from tui.core.journal import Journal, JournalError, default_journal_path, iso_utc


def test_default_path_follows_xdg_state_home(tmp_path):
    assert default_journal_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "hyperpod-tui" / "actions.jsonl"
    demo = default_journal_path({"XDG_STATE_HOME": str(tmp_path)}, demo=True)
    assert demo == tmp_path / "hyperpod-tui" / "demo-actions.jsonl"
    home = default_journal_path({"HOME": "/nowhere"})
    assert home.parts[-4:] == (".local", "state", "hyperpod-tui", "actions.jsonl")


def test_iso_utc():
    assert iso_utc(1_795_176_000.0) == "2026-11-20T12:00:00.000Z"
    assert iso_utc(1_795_176_000.987) == "2026-11-20T12:00:00.987Z"


def test_creates_directories_and_a_0600_file_even_with_a_lax_umask(tmp_path):
    path = tmp_path / "a" / "b" / "actions.jsonl"
    old = os.umask(0)
    try:
        Journal(path).append({"n": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_existing_wider_file_is_tightened_and_appended_to(tmp_path):
    path = tmp_path / "actions.jsonl"
    path.write_text('{"old": true}\n')
    path.chmod(0o644)
    Journal(path).append({"new": True, "text": "ünïcode\nnewline"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows == [{"old": True}, {"new": True, "text": "ünïcode\nnewline"}]


def test_concurrent_appends_stay_whole_lines(tmp_path):
    journal = Journal(tmp_path / "actions.jsonl")
    threads = [
        threading.Thread(target=lambda i=i: [journal.append({"t": i, "k": k, "pad": "x" * 500}) for k in range(20)])
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = [json.loads(line) for line in journal.path.read_text().splitlines()]
    assert len(rows) == 160


def test_an_unwritable_location_raises_journal_error_naming_the_file(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("not a directory")
    journal = Journal(blocker / "hyperpod-tui" / "actions.jsonl")
    with pytest.raises(JournalError) as excinfo:
        journal.append({"n": 1})
    assert str(journal.path) in str(excinfo.value)


def test_parse_since():
    from tui.core.journal import parse_since

    assert parse_since("1d") == 86400 and parse_since("2h") == 7200 and parse_since("30m") == 1800
    assert parse_since("45s") == 45 and parse_since("1h30m") == 5400
    for bad in ("", "1", "1w", "d", "1d x", "-1h"):
        with pytest.raises(ValueError):
            parse_since(bad)


def test_an_intent_without_a_result_is_unpaired_and_a_result_without_an_intent_is_an_orphan(tmp_path):
    from tui.core.journal import NO_RESULT, read_journal

    journal = Journal(tmp_path / "actions.jsonl")
    journal.append({"time": "2026-11-20T12:00:00.000Z", "kind": "intent", "id": "a", "operation": "X"})
    journal.append({"time": "2026-11-20T12:00:01.000Z", "kind": "intent", "id": "b", "operation": "X"})
    journal.append({"time": "2026-11-20T12:00:02.000Z", "kind": "result", "id": "b", "outcome": "Successful"})
    journal.append({"time": "2026-11-20T12:00:03.000Z", "kind": "result", "id": "c", "outcome": "Failed"})
    report = read_journal(journal.path)
    assert [(a.intent["id"], a.outcome) for a in report.attempts] == [("a", NO_RESULT), ("b", "Successful")]
    assert [a.intent["id"] for a in report.unpaired] == ["a"]
    assert [r["id"] for r in report.orphan_results] == ["c"] and report.unreadable_lines == ()
    assert read_journal(tmp_path / "missing.jsonl").attempts == ()
