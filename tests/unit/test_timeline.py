from datetime import UTC, datetime

from tui.core.markers import MarkerMatcher, merge_rules
from tui.core.timeline import build_timeline, format_duration, summarize

T0 = int(datetime(2026, 1, 21, 12, 0, 0, tzinfo=UTC).timestamp() * 1000)


def events(*lines: str, step_s: int = 2) -> list[tuple[int, str]]:
    return [(T0 + i * step_s * 1000, line) for i, line in enumerate(lines)]


BRIEF_FAILURE = events(
    "[LIFECYCLE_SCRIPT_START] Starting lifecycle script execution",
    "[SCRIPT_DOWNLOAD_START] Downloading script from s3://bucket/path/script.sh",
    "[SCRIPT_DOWNLOAD_COMPLETE] Script download completed",
    "+ apt-get install -y something",
    "Traceback (most recent call last):",
    '  File "setup.py", line 3',
    "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1",
)


def test_brief_markers_failure_at_execute_with_exit_code():
    timeline = build_timeline(BRIEF_FAILURE)
    assert timeline.outcome == "failed"
    assert [(s.label, s.status) for s in timeline.stages if s.label != "lifecycle"] == [
        ("download", "ok"),
        ("execute", "failed"),
    ]
    assert timeline.failing_stage.label == "execute"
    assert timeline.failure.index == 6
    assert timeline.failure_text == "[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1"
    assert timeline.first_failure_text == "Traceback (most recent call last):"
    assert timeline.first_failure.index == 4  # the traceback comes first
    assert timeline.exit_code == 1
    download = timeline.stages[1]
    assert download.duration_ms == 2000
    assert summarize(timeline) == "download ✓ 0:02 → execute ✗ at 12:00:12, exit code 1"


def test_brief_markers_success():
    timeline = build_timeline(
        events(
            "[LIFECYCLE_SCRIPT_START] go",
            "[SCRIPT_DOWNLOAD_START] d",
            "[SCRIPT_DOWNLOAD_COMPLETE] d",
            "work",
            "[SCRIPT_EXECUTION_SUCCEEDED] ok",
            step_s=30,
        )
    )
    assert timeline.outcome == "succeeded"
    assert timeline.failure is None and timeline.failing_stage is None and timeline.exit_code is None
    assert timeline.summary() == "download ✓ 0:30 → execute ✓ 1:00"


def test_failure_at_download():
    timeline = build_timeline(
        events(
            "[LIFECYCLE_SCRIPT_START] go",
            "[SCRIPT_DOWNLOAD_START] d",
            "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden",
            "[SCRIPT_DOWNLOAD_FAILED] could not download",
        )
    )
    assert timeline.outcome == "failed"
    assert timeline.failing_stage.label == "download"
    assert [s.label for s in timeline.stages] == ["lifecycle", "download"]  # never reached execute
    assert timeline.first_failure.index == 2
    assert timeline.summary() == "download ✗ at 12:00:06"


def test_download_started_but_never_completed_is_running():
    timeline = build_timeline(events("[LIFECYCLE_SCRIPT_START] go", "[SCRIPT_DOWNLOAD_START] d", "retrying"))
    assert timeline.outcome == "running"
    assert timeline.summary() == "download … 0:02"


def test_execute_without_end_marker_is_running():
    timeline = build_timeline(events("[SCRIPT_DOWNLOAD_START] d", "[SCRIPT_DOWNLOAD_COMPLETE] d", "x", "y"))
    assert timeline.outcome == "running"
    assert timeline.summary() == "download ✓ 0:02 → execute … 0:04"


SAMPLE_FAILURE = events(
    "[start] on_create.sh",
    "[start] on_create_main.sh",
    "mounting /fsx",
    "mount.lustre: mount fs-123@tcp:/abc at /fsx failed: No such file or directory",
    "command exited with code 2",
    "[error] on_create_main.sh failed, waiting 60 seconds before exit, to make sure logs are uploaded",
    "[stop] on_create.sh with error",
)


def test_sample_markers_failure_nests_in_scripts():
    timeline = build_timeline(SAMPLE_FAILURE)
    assert timeline.outcome == "failed"
    stages = {s.label: s for s in timeline.stages}
    assert stages["on_create.sh"].status == "failed" and stages["on_create.sh"].depth == 0
    assert stages["on_create_main.sh"].status == "failed" and stages["on_create_main.sh"].depth == 1
    assert stages["on_create_main.sh"].parent == "on_create.sh"
    assert timeline.failing_stage.label == "on_create_main.sh"
    assert timeline.failure.index == 5
    assert timeline.first_failure.index == 3  # "mount … failed: No such file": the word in any case
    assert timeline.exit_code == 2  # reported before the failure, inside the failing stage
    assert timeline.summary() == "on_create.sh ✗ at 12:00:10 (in on_create_main.sh), exit code 2"


def test_sample_markers_success_and_warning():
    timeline = build_timeline(
        events(
            "[start] on_create.sh",
            "[warning] on_create_main.sh not found, skipping execution",
            "[stop] on_create.sh",
            step_s=5,
        )
    )
    assert timeline.outcome == "succeeded"
    assert timeline.markers == 3
    assert timeline.summary() == "on_create.sh ✓ 0:10"


def test_script_run_twice_gets_two_stages():
    timeline = build_timeline(events("[start] a.sh", "[stop] a.sh", "[start] a.sh", "[stop] a.sh with error"))
    assert [(s.key, s.status) for s in timeline.stages] == [("a.sh", "ok"), ("a.sh#2", "failed")]
    assert timeline.failing_stage.key == "a.sh#2"


def test_no_markers_at_all():
    timeline = build_timeline(events("hello", "world"))
    assert timeline.outcome == "unknown"
    assert timeline.stages == () and timeline.first_failure is None
    assert timeline.summary() == "no lifecycle markers"
    assert build_timeline([]).summary() == "no lifecycle markers"


def test_no_markers_but_failure_evidence():
    timeline = build_timeline(events("hello", "Traceback (most recent call last):", "exit code 3"))
    assert timeline.outcome == "unknown"
    assert timeline.first_failure.index == 1
    assert timeline.exit_code == 3
    assert timeline.summary() == "no lifecycle markers, first failure evidence at 12:00:02 (line 2), exit code 3"


def test_user_stage_rules_join_the_timeline():
    matcher = MarkerMatcher(
        merge_rules(
            [
                {"pattern": r"^mounting", "kind": "start", "stage": "mount"},
                {"pattern": r"^mounted", "kind": "success", "stage": "mount"},
            ]
        )
    )
    timeline = build_timeline(events("mounting /fsx", "mounted /fsx"), matcher=matcher)
    assert [(s.label, s.status) for s in timeline.stages] == [("mount", "ok")]
    assert timeline.outcome == "succeeded"


def test_missing_timestamps_do_not_break_the_summary():
    timeline = build_timeline([(None, "[SCRIPT_DOWNLOAD_START] d"), (None, "[SCRIPT_DOWNLOAD_FAILED] x")])
    assert timeline.summary() == "download ✗ at ?"


def test_durations_format():
    assert format_duration(4_000) == "0:04"
    assert format_duration(3_725_000) == "1:02:05"
    assert format_duration(None) == ""
