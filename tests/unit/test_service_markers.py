"""HyperPod's own `[SageMaker] …` lines in realistic lifecycle logs of both orchestrators: the terminal failure and
success markers, the last step before a failure, common causes, and streams holding several attempts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tui.core.markers import default_matcher
from tui.core.timeline import build_timeline

T0 = int(datetime(2026, 11, 20, 3, 0, 0, tzinfo=UTC).timestamp() * 1000)


def events(*lines: str, step_s: int = 3) -> list[tuple[int, str]]:
    return [(T0 + i * step_s * 1000, line) for i, line in enumerate(lines)]


# An EKS node whose script stopped with no error word of its own.
EKS_FAILURE = events(
    "[SageMaker] Downloading lifecycle scripts",
    "[start] on_create.sh",
    "Found secondary EBS volume. Formatting /dev/nvme1n1 as xfs and mounting it at /opt/sagemaker",
    "[SageMaker] The lifecycle scripts failed.",
)
# What CloudWatch often holds of such a failure: the last line that got through, then HyperPod's verdict.
EKS_TRUNCATED = events(
    "Found secondary EBS volume. Formatting /dev/nvme1n1 as xfs and mounting it at /opt/sagemaker",
    "[SageMaker] The lifecycle scripts failed.",
)
# A Slurm node whose package repository refused it.
SLURM_FAILURE = events(
    "[SageMaker] Downloading lifecycle scripts",
    "[start] on_create.sh",
    "Hit:1 http://us-west-2.ec2.archive.ubuntu.com/ubuntu jammy InRelease",
    "Err:5 https://fsx-lustre-client-repo.s3.amazonaws.com/ubuntu jammy InRelease",
    "  403  Forbidden [IP: 52.218.200.1 443]",
    "E: Failed to fetch https://fsx-lustre-client-repo.s3.amazonaws.com/ubuntu/dists/jammy/InRelease  403  Forbidden "
    "[IP: 52.218.200.1 443]",
    "subprocess.CalledProcessError: Command '['sudo', 'bash', 'utils/install_ansible.sh']' returned non-zero exit "
    "status 100.",
    "[SageMaker] The lifecycle scripts failed.",
)
SUCCESS = (
    "[SageMaker] Downloading lifecycle scripts",
    "[start] on_create.sh",
    "Lifecycle configuration complete",
    "[stop] on_create.sh",
    "[SageMaker] The lifecycle scripts succeeded.",
)


def test_an_eks_failure_whose_only_evidence_is_the_service_line_fails_and_names_the_last_step():
    timeline = build_timeline(EKS_FAILURE)
    assert timeline.outcome == "failed"
    assert timeline.failing_stage is not None and timeline.failing_stage.label == "on_create.sh"
    assert timeline.failure is not None and timeline.failure.rule.name == "service-failure"
    assert timeline.last_step_index == 2 and timeline.last_step_text.startswith("Found secondary EBS volume")
    assert timeline.first_failure.index == 3  # what `e` jumps to
    assert "on_create.sh ✗" in timeline.summary()


@pytest.mark.parametrize("log", [EKS_TRUNCATED, events("[SageMaker] The lifecycle scripts failed.")])
def test_the_service_failure_line_alone_is_a_failure(log):
    timeline = build_timeline(log)
    assert timeline.outcome == "failed"
    assert "failed at" in timeline.summary()
    assert (timeline.last_step_text is not None) == (len(log) > 1)


def test_a_slurm_failure_quotes_the_cause_and_the_exit_status():
    timeline = build_timeline(SLURM_FAILURE)
    assert timeline.outcome == "failed" and timeline.failing_stage.label == "on_create.sh"
    assert timeline.cause == "403 Forbidden" and timeline.cause_index == 4  # the first line that names it
    assert timeline.exit_code == 100
    assert timeline.last_step_text.startswith("subprocess.CalledProcessError")


def test_success_is_decided_by_the_service_line_even_with_no_other_stage():
    assert build_timeline(events(SUCCESS[0], "configuring", SUCCESS[-1])).outcome == "succeeded"
    assert build_timeline(events(SUCCESS[0], "configuring")).outcome == "running"
    assert build_timeline(events(*SUCCESS)).outcome == "succeeded"


def test_a_stream_with_several_attempts_is_split_and_the_last_attempt_decides():
    log = events(*EKS_FAILURE_LINES, *SUCCESS)
    timeline = build_timeline(log)
    assert [(a.attempt, a.outcome, a.begin_index, a.end_index) for a in timeline.attempts] == [
        (1, "failed", 0, 4),
        (2, "succeeded", 4, 9),
    ]
    assert timeline.outcome == "succeeded" and timeline.attempt == 2
    assert timeline.started_ms == log[4][0]  # the last attempt's own clock
    assert timeline.summary().startswith("attempt 2 of 2: ")
    again = build_timeline(events(*SUCCESS, *EKS_FAILURE_LINES))
    assert again.outcome == "failed" and again.failure.index == 8 and again.last_step_index == 7


EKS_FAILURE_LINES = tuple(line for _, line in EKS_FAILURE)


@pytest.mark.parametrize(
    "line, evidence",
    [
        ("Job failed", True),
        ("Job Failed", True),
        ("JOB FAILED", True),
        ("tests: 0 failed", False),
        ("failed: 0", False),
        ("failed=0", False),
        ("dd: error writing '/opt/x': No space left on device", True),
        ("curl: (28) Connection timed out after 30001 milliseconds", True),
    ],
)
def test_the_failure_word_is_case_insensitive_and_common_causes_are_evidence(line, evidence):
    hit = default_matcher().match_line(line)
    assert (hit is not None and hit.kind == "failure") == evidence
