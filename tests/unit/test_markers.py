import random

import pytest

from tui.core.markers import (
    DEFAULT_RULES,
    KINDS,
    MarkerMatcher,
    MarkerRule,
    MarkerRuleError,
    default_matcher,
    exit_code_in,
    merge_rules,
)


def rule_of(line: str) -> str | None:
    hit = default_matcher().match_line(line)
    return hit.rule.name if hit else None


@pytest.mark.parametrize(
    ("line", "rule", "kind"),
    [
        # the service-style markers of the January 2026 announcement
        ("[LIFECYCLE_SCRIPT_START] Starting lifecycle script execution", "lifecycle-start", "start"),
        ("[SCRIPT_DOWNLOAD_START] Downloading script from s3://bucket/path/script.sh", "download-start", "progress"),
        ("[SCRIPT_DOWNLOAD_COMPLETE] Script download completed", "download-complete", "success"),
        ("[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1", "execution-failure", "failure"),
        ("[SCRIPT_EXECUTION_SUCCEEDED] done", "execution-success", "success"),
        ("[SCRIPT_EXECUTION_TIMED_OUT] after 3600 s", "execution-failure", "failure"),
        ("[SCRIPT_EXECUTION_RETRYING] attempt 2", "execution-other", "progress"),
        # the sample scripts' markers (awsome-distributed-training PR #927)
        ("[start] on_create.sh", "script-start", "start"),
        ("[stop] on_create.sh", "script-stop", "success"),
        ("[stop] on_create.sh with error", "script-stop-error", "failure"),
        ("[error] on_create_main.sh failed, waiting 60 seconds before exit", "script-error", "failure"),
        ("[warning] on_create_main.sh not found, skipping execution", "script-warning", "warning"),
        # generic evidence
        ("command exited with code 2", "exit-code", "failure"),
        ("subprocess returned non-zero exit status 137.", "exit-code", "failure"),
        ('{"exitCode": 1}', "exit-code", "failure"),
        ("Traceback (most recent call last):", "traceback", "failure"),
        ("2026-01-21 12:00:00 ERROR mount failed", "error-word", "failure"),
        ("[ERROR] boom", "error-word", "failure"),
        ("3 tests FAILED", "failed-word", "failure"),
        ("fatal error: An error occurred (403) when calling the HeadObject operation", "error-colon", "failure"),
        ("Error: unable to mount /fsx", "error-colon", "failure"),
        ("E: Unable to locate package nvidia-driver", "apt-error", "failure"),
        ("WARNING: apt does not have a stable CLI interface.", "warning-word", "warning"),
    ],
)
def test_marker_lines_are_classified(line, rule, kind):
    hit = default_matcher().match_line(line)
    assert hit is not None, line
    assert (hit.rule.name, hit.kind) == (rule, kind)


@pytest.mark.parametrize(
    "line",
    [
        "exit code 0",
        "process exited with status 0",
        "0 errors, 0 warnings",
        "ERROR: 0",
        "summary: 0 ERROR",
        "FAILED=0",
        "NO_ERROR set",
        "ERRORS_TOTAL 3",
        "error handling enabled",
        "stderr: redirected",
        "Started slurmd.service",
        "[START] not a sample marker (case matters)",
    ],
)
def test_false_positives_are_not_markers(line):
    assert rule_of(line) is None


def test_script_name_is_captured():
    assert default_matcher().match_line("[stop] on_create.sh with error").subject == "on_create.sh"
    assert default_matcher().match_line("[start] on_create_main.sh").subject == "on_create_main.sh"


def test_specific_markers_win_over_generic_evidence_on_the_same_line():
    # ERROR appears before the marker, and "exit code 1" after it: the marker still decides.
    assert rule_of("ERROR [SCRIPT_EXECUTION_FAILED] Script failed with exit code 1") == "execution-failure"


def test_exit_code_extraction():
    assert exit_code_in("[SCRIPT_EXECUTION_FAILED] Script failed with exit code 1") == 1
    assert exit_code_in("exited with status 137") == 137
    assert exit_code_in("nothing here") is None


def test_table_is_data_with_valid_kinds():
    assert all(isinstance(rule, MarkerRule) for rule in DEFAULT_RULES)
    assert {rule.kind for rule in DEFAULT_RULES} == set(KINDS)
    assert len({rule.name for rule in DEFAULT_RULES}) == len(DEFAULT_RULES)


def test_classify_agrees_with_line_by_line_matching():
    samples = [
        "[LIFECYCLE_SCRIPT_START] go",
        "[SCRIPT_DOWNLOAD_COMPLETE]",
        "exit code 0",
        "exit code 4",
        "ERROR x",
        "x ERROR: 0",
        "[stop] a.sh with error",
        "[start] b.sh",
        "plain text",
        "E: apt",
        "Traceback",
        "WARN: w",
        "fatal: repo",
        "\x1b[31mERROR\x1b[0m",
        "tab\tFAILED",
        "",
        "[warning] w",
        "exited with code 9",
    ]
    rng = random.Random(7)
    lines = [rng.choice(samples) + (" tail" * rng.randint(0, 2)) for _ in range(3000)]
    matcher = default_matcher()
    expected = [(i, h.rule.name, h.start, h.end) for i, line in enumerate(lines) if (h := matcher.match_line(line, i))]
    got = [(h.index, h.rule.name, h.start, h.end) for h in matcher.classify(lines)]
    assert got == expected
    assert len(got) > 1000


def test_classify_handles_lines_with_newlines_and_cross_line_patterns():
    matcher = MarkerMatcher(merge_rules([{"pattern": r"boom\s+here", "kind": "failure", "name": "span"}]))
    lines = ["a boom", "here", "boom  here", "multi\nline ERROR"]
    hits = {h.index: h.rule.name for h in matcher.classify(lines)}
    # "boom\nhere" spans the join; it must not count, while the in-line match does.
    assert hits == {2: "span", 3: "error-word"}


def test_user_rules_merge_ahead_of_defaults():
    rules = merge_rules(
        [
            {"pattern": r"\[MOUNT_OK\]", "kind": "success", "name": "mount-ok", "stage": "mount"},
            {"pattern": r"ERROR: known harmless", "kind": "warning"},
        ]
    )
    assert rules[0].name == "mount-ok" and rules[0].stage == "mount"
    assert rules[1].name == "user-2"
    assert rules[2:] == DEFAULT_RULES
    matcher = MarkerMatcher(rules)
    assert matcher.match_line("ERROR: known harmless thing").kind == "warning"
    assert matcher.match_line("[MOUNT_OK] /fsx").rule.name == "mount-ok"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pattern": "([unclosed", "kind": "failure", "name": "broken"}, "marker rule 'broken': invalid regex"),
        ({"pattern": "x", "kind": "fatal", "name": "k"}, "marker rule 'k': kind must be one of"),
        ({"kind": "failure", "name": "nopat"}, "marker rule 'nopat': pattern must be"),
        ({"pattern": "x", "kind": "failure", "colour": "red", "name": "extra"}, "unknown key colour"),
        ({"pattern": "x", "kind": "failure", "stage": 3, "name": "st"}, "stage must be"),
        ("just a string", "marker rule #1"),
    ],
)
def test_bad_user_rules_raise_errors_naming_the_rule(raw, message):
    with pytest.raises(MarkerRuleError) as caught:
        merge_rules([raw])
    assert message in str(caught.value)


def test_unnamed_bad_regex_is_named_by_position():
    with pytest.raises(MarkerRuleError, match=r"'user-2': invalid regex"):
        merge_rules([{"pattern": "ok", "kind": "warning"}, {"pattern": "(", "kind": "warning"}])
