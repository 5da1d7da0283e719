import os
import random
import stat

from tui.core.log_document import LogDocument, hanging_indent, next_after, previous_before, wrap_cuts, write_lines
from tui.core.log_stream import LogEvent
from tui.core.sanitize import LOG_LINE_LIMIT, clean_log_line, clean_log_lines


def test_bulk_cleaning_equals_line_by_line_cleaning():
    rng = random.Random(3)
    pieces = [
        "plain",
        "\x1b]52;c;eA==\x07",
        "\x1b[2J",
        "[bold]x[/]",
        "\x00",
        "\t",
        "caf\u00e9",
        "\u202e",
        "\u00a0",
        "\x9b1m",
        "\ud800",
        "\r",
        "漢字",
        "x" * (LOG_LINE_LIMIT + 5),
        b"\xff",
        None,
        42,
    ]
    values = ["".join(str(rng.choice(pieces[:13])) for _ in range(rng.randint(0, 4))) for _ in range(2000)]
    values += [pieces[13], pieces[14], pieces[15], pieces[16], "a\nb"]
    assert clean_log_lines(values) == [clean_log_line(v) for v in values]
    clean = [f"line {i}" for i in range(100)]
    assert clean_log_lines(clean) == clean and clean_log_lines([]) == []


def test_events_become_display_lines():
    document = LogDocument.from_events(
        [
            (1, "first"),
            (2, "Traceback (most recent call last):\r\n  File x\n  boom\n"),
            (3, b"bytes \xff"),
            LogEvent(4, "[SCRIPT_EXECUTION_FAILED] exit code 2", 5),
        ]
    )
    assert document.lines == [
        "first",
        "Traceback (most recent call last):",
        "  File x",
        "  boom",
        "bytes \ufffd",
        "[SCRIPT_EXECUTION_FAILED] exit code 2",
    ]
    assert document.times == [1, 2, 2, 2, 3, 4]
    assert list(document.heads) == [1, 1, 0, 0, 1, 1]
    assert document.marker_lines == [1, 5]
    assert document.timeline.failure.index == 5 and document.timeline.exit_code == 2


def test_appending_classifies_only_new_lines_with_the_right_indexes():
    document = LogDocument.from_events([(1, "[SCRIPT_DOWNLOAD_START] d"), (2, "x")])
    assert document.timeline.outcome == "running"
    added = document.append([(3, "[SCRIPT_DOWNLOAD_COMPLETE] d"), (4, "ok"), (5, "[SCRIPT_EXECUTION_SUCCEEDED]")])
    assert added == 3
    assert document.marker_lines == [0, 2, 4]
    assert document.hits[4].rule.name == "execution-success"
    assert document.timeline.outcome == "succeeded"


def test_search_is_smart_case_and_can_start_later():
    document = LogDocument.from_events([(i, text) for i, text in enumerate(["Error x", "error y", "none", "ERROR"])])
    assert document.search("error") == [0, 1, 3]
    assert document.search("Error") == [0]
    assert document.search("error", start=2) == [3]
    document.append([(9, "another error")])
    assert document.search("error") == [0, 1, 3, 4]
    assert document.search("") == []


def test_row_starts_are_arithmetic_and_extend_incrementally():
    document = LogDocument.from_events([(0, "a" * 10), (0, ""), (0, "b" * 25), (0, "漢字" * 5)])
    assert document.cells() == [10, 0, 25, 20]
    assert document.row_starts(10) == [0, 1, 2, 5, 7]
    assert document.row_starts(10, prefix=5) == [0, 2, 3, 6, 9]
    known = document.row_starts(10)
    document.append([(1, "c" * 31)])
    assert document.row_starts(10, 0, known) == document.row_starts(10) == [0, 1, 2, 5, 7, 11]


def test_row_starts_count_the_hanging_indent_of_further_rows_like_the_cuts():
    document = LogDocument.from_events([(0, "a" * 20), (0, ""), (0, "b" * 21), (0, "c" * 50)])
    # 20 cells a first row, then 15 (5 are indent): 21 → 2 rows, 50 → 1 + ceil(30 / 15) = 3
    assert document.row_starts(20, indent=5) == [0, 1, 2, 4, 7]
    assert wrap_cuts(50, 20, 5) == [20, 35, 50] and wrap_cuts(20, 20, 5) == [20]
    # an indent that would leave fewer than 10 cells a row is not used
    assert hanging_indent(14, 5) == 0 and document.row_starts(14, indent=5) == document.row_starts(14)
    with_prefix = document.row_starts(30, prefix=20, indent=20)  # rows of 30 cells, 10 of text after the first
    assert with_prefix == [0, 2, 3, 6, 11]


def test_marker_navigation_helpers():
    assert next_after([2, 5, 9], 5) == 9 and next_after([2, 5, 9], 9) is None
    assert previous_before([2, 5, 9], 5) == 2 and previous_before([2, 5, 9], 2) is None


def test_write_lines_is_atomic_private_and_aligned(tmp_path):
    target = tmp_path / "out.log"
    count = write_lines(str(target), ["a", "b", "c"], [1000, 1000, None], b"\x01\x00\x01", lambda ms: f"T{ms}")
    assert count == 3
    assert target.read_text() == "T1000 a\n      b\nc\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert not list(tmp_path.glob("*.part"))


def test_appends_without_markers_only_move_the_running_clock():
    document = LogDocument.from_events([(1_000, "[SCRIPT_DOWNLOAD_START] d"), (2_000, "[SCRIPT_DOWNLOAD_COMPLETE] d")])
    document.append([(65_000, "still going")])
    full = LogDocument.from_events(
        [(1_000, "[SCRIPT_DOWNLOAD_START] d"), (2_000, "[SCRIPT_DOWNLOAD_COMPLETE] d"), (65_000, "still going")]
    )
    assert document.timeline == full.timeline
    assert document.timeline.summary() == "download ✓ 0:01 → execute … 1:03"


def test_core_log_modules_do_not_import_textual():
    import subprocess
    import sys

    code = (
        "import sys, tui.core.markers, tui.core.timeline, tui.core.log_locator, tui.core.log_stream, tui.core.log_document;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
