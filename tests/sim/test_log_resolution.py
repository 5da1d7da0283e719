"""Every resolution path of a node's lifecycle log, against moto's CloudWatch Logs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.moto_logs import now_ms, put_lines, set_creation_time
from tui.core.log_locator import (
    HEALTH_REASONS,
    LIKELY_REASONS,
    LogLocation,
    LogLocator,
    parse_failure_message,
)
from tui.core.log_stream import LogAccessDeniedError
from tui.core.models import arn_last_segment

NAME = "ml-cluster"
CID = "aa11bbbbb222"
ARN = f"arn:aws:sagemaker:us-west-2:123456789012:cluster/{CID}"
IID = "i-0abc1234567890def"
OTHER = "i-0fff0000000000aaa"
GUIDE_GROUP = f"/aws/sagemaker/Clusters/{NAME}/{CID}"

# The developer guide's message, with its mixed quote characters exactly as documented (‘ ' ’ ”).
GUIDE_MESSAGE = (
    f'Instance {IID} failed to provision with the following error: "Lifecycle scripts did not run successfully. '
    "To view lifecycle script logs,\nvisit log group ‘/aws/sagemaker/Clusters/{name}/{cid}' and log stream "
    "‘LifecycleConfig/{ig}/{iid}’.\nIf you cannot find corresponding lifecycle script logs in CloudWatch, please make "
    "sure you follow one of the options here:\nhttps://docs.aws.amazon.com/sagemaker/latest/dg/"
    "sagemaker-hyperpod-faq-slurm.html#hyperpod-faqs-q1.” Note that multiple instances may be impacted."
)
BRIEF_MESSAGE = (
    '{\n  "ErrorMessage": "Lifecycle script failed",\n  "LogGroup": "/aws/sagemaker/hyperpod/%s",\n'
    '  "LogStream": "%s/on-create.sh",\n  "FailureReason": "Script execution failed with exit code 1"\n}'
)
OLD_2024_MESSAGE = (
    f'Instance {IID} failed to provision with the following error: "Lifecycle scripts did not run successfully. '
    "Ensure the scripts exist in provided S3 path, are accessible, and run without errors. Please see CloudWatch logs "
    'for lifecycle script execution details." Note that multiple instances may be impacted.'
)


def guide_message(iid: str = IID, ig: str = "workers", name: str = NAME, cid: str = CID) -> str:
    return GUIDE_MESSAGE.format(name=name, cid=cid, ig=ig, iid=iid)


# -- parsing -------------------------------------------------------------------------------------------------


def test_cluster_id_is_the_last_arn_segment():
    assert arn_last_segment(ARN) == CID
    assert arn_last_segment(None) is None
    assert arn_last_segment("not-an-arn") is None


@pytest.mark.parametrize(
    "quotes",
    [("‘", "'"), ("‘", "’"), ("'", "'"), ('"', '"'), ("“", "”"), ("`", "`"), ('\\"', '\\"')],
)
def test_guide_form_with_any_quote_mix(quotes):
    opening, closing = quotes
    text = f"visit log group {opening}/aws/sagemaker/Clusters/c/{CID}{closing} and log stream {opening}LifecycleConfig/g/{IID}{closing}."
    assert parse_failure_message(text) == [LogLocation(f"/aws/sagemaker/Clusters/c/{CID}", f"LifecycleConfig/g/{IID}")]


def test_guide_form_exactly_as_documented():
    assert parse_failure_message(guide_message()) == [LogLocation(GUIDE_GROUP, f"LifecycleConfig/workers/{IID}")]


def test_brief_json_form():
    assert parse_failure_message(BRIEF_MESSAGE % (NAME, IID)) == [
        LogLocation(f"/aws/sagemaker/hyperpod/{NAME}", f"{IID}/on-create.sh")
    ]


def test_old_2024_form_names_nothing():
    assert parse_failure_message(OLD_2024_MESSAGE) == []
    assert parse_failure_message(None) == []


# -- resolution ----------------------------------------------------------------------------------------------


def test_failure_message_location_is_used_first(moto_logs):
    # Both the message's group and the guide's group hold a stream; the message must win.
    named = f"/aws/sagemaker/Clusters/{NAME}/zz99yyyyy888"
    put_lines(moto_logs, named, f"LifecycleConfig/workers/{IID}", ["from the message"])
    put_lines(moto_logs, GUIDE_GROUP, f"LifecycleConfig/workers/{IID}", ["from the guide"])
    message = guide_message(cid="zz99yyyyy888")
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(IID, "workers", [None, message])
    assert result.found
    assert (result.source, result.group, result.streams) == (
        "failure-message",
        named,
        (f"LifecycleConfig/workers/{IID}",),
    )


def test_brief_json_message_returns_every_script_stream_in_order(moto_logs):
    group = f"/aws/sagemaker/hyperpod/{NAME}"
    start = now_ms() - 600_000
    put_lines(moto_logs, group, f"{IID}/on-create.sh", ["a"], start_ms=start + 10)
    put_lines(moto_logs, group, f"{IID}/00-setup.sh", ["b"], start_ms=start)  # ran first
    put_lines(moto_logs, group, f"{OTHER}/on-create.sh", ["c"], start_ms=start)
    result = LogLocator(moto_logs, NAME).lifecycle(IID, None, [BRIEF_MESSAGE % (NAME, IID)])
    assert result.source == "failure-message"
    assert result.streams == (f"{IID}/00-setup.sh", f"{IID}/on-create.sh")


def test_old_message_falls_through_to_guide_names(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, f"LifecycleConfig/workers/{IID}", ["x"])
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(IID, "workers", [OLD_2024_MESSAGE])
    assert (result.source, result.group, result.streams) == ("guide", GUIDE_GROUP, (f"LifecycleConfig/workers/{IID}",))


def test_message_naming_another_instance_still_points_at_the_group(moto_logs):
    group = f"/aws/sagemaker/Clusters/{NAME}/zz99yyyyy888"  # not the guide's group for this ARN
    put_lines(moto_logs, group, f"LifecycleConfig/workers/{OTHER}", ["other"])
    put_lines(moto_logs, group, f"LifecycleConfig/workers/{IID}", ["mine"])
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(
        IID, "workers", [guide_message(iid=OTHER, cid="zz99yyyyy888")]
    )
    assert (result.source, result.group, result.streams) == ("discovered", group, (f"LifecycleConfig/workers/{IID}",))


def test_message_without_instance_returns_its_location(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, f"LifecycleConfig/workers/{OTHER}", ["x"])
    result = LogLocator(moto_logs, NAME).lifecycle(None, None, [guide_message(iid=OTHER)])
    assert result.found and result.streams == (f"LifecycleConfig/workers/{OTHER}",)


def test_a_named_stream_that_does_not_exist_moves_on(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, f"LifecycleConfig/workers/{IID}", ["x"])
    message = guide_message(cid="gone00000000")  # a deleted cluster's group: 404
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(IID, "workers", [message])
    assert result.source == "guide"
    assert any("gone00000000" in attempt for attempt in result.tried)


def test_discovery_prefers_the_group_ending_in_the_cluster_id(moto_logs):
    base = now_ms() - 86_400_000
    groups = {
        f"/aws/sagemaker/Clusters/{NAME}/old111111111": base,
        GUIDE_GROUP: base + 1_000,
        f"/aws/sagemaker/Clusters/{NAME}/new222222222": base + 2_000,  # newest, but another cluster incarnation
    }
    for group, created in groups.items():
        put_lines(moto_logs, group, f"LifecycleConfig/workers/{IID}", [group])
        set_creation_time(group, created)
    locator = LogLocator(moto_logs, NAME, cluster_arn=ARN)
    assert locator.candidate_groups()[0] == GUIDE_GROUP
    result = locator.lifecycle(IID)  # no instance group: found by discovery
    assert (result.source, result.group) == ("discovered", GUIDE_GROUP)


def test_discovery_without_cluster_id_prefers_the_newest_group(moto_logs):
    base = now_ms() - 86_400_000
    for offset, group in enumerate(
        [f"/aws/sagemaker/Clusters/{NAME}/old111111111", f"/aws/sagemaker/Clusters/{NAME}/new222222222"]
    ):
        put_lines(moto_logs, group, f"LifecycleConfig/workers/{IID}", [group])
        set_creation_time(group, base + offset * 1_000)
    put_lines(moto_logs, f"/aws/sagemaker/Clusters/{NAME}-2/ccc333333333", f"LifecycleConfig/workers/{IID}", ["no"])
    locator = LogLocator(moto_logs, NAME)
    assert locator.candidate_groups() == [
        f"/aws/sagemaker/Clusters/{NAME}/new222222222",
        f"/aws/sagemaker/Clusters/{NAME}/old111111111",
    ]  # and never the "<name>-2" cluster's group
    assert locator.lifecycle(IID, "workers").group == f"/aws/sagemaker/Clusters/{NAME}/new222222222"


def test_discovery_finds_the_briefs_naming(moto_logs):
    group = f"/aws/sagemaker/hyperpod/{NAME}"
    put_lines(moto_logs, group, f"{IID}/on-create.sh", ["x"])
    put_lines(moto_logs, group, f"{OTHER}/on-create.sh", ["y"])
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(IID, "workers")
    assert (result.source, result.group, result.streams) == ("discovered", group, (f"{IID}/on-create.sh",))


def test_nothing_found_is_a_result_with_reasons(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, f"LifecycleConfig/workers/{OTHER}", ["someone else"])
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).lifecycle(IID, "workers", [OLD_2024_MESSAGE])
    assert not result.found and result.group is None and result.streams == ()
    assert result.error is None
    assert IID in result.message and NAME in result.message
    assert result.reasons == LIKELY_REASONS
    text = result.describe()
    for needle in ("health-check", "permissions", "retention", "January 2026"):
        assert needle in text
    assert f"{GUIDE_GROUP} LifecycleConfig/workers/{IID}" in result.tried


class DeniedClient:
    """A logs client whose every call is refused, as with a role lacking logs:* permissions."""

    def _deny(self, **_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "User is not authorized"}}, "X")

    get_log_events = _deny

    def get_paginator(self, _name):
        deny = self._deny

        class Paginator:
            def paginate(self, **kwargs):
                deny(**kwargs)
                yield {}

        return Paginator()


def test_access_denied_is_reported_not_raised():
    result = LogLocator(DeniedClient(), NAME, cluster_arn=ARN).lifecycle(IID, "workers")
    assert not result.found
    assert isinstance(result.error, LogAccessDeniedError)
    assert "denied" in result.message and "\n" not in result.message


def test_health_monitoring_agent_stream(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, f"SagemakerHealthMonitoringAgent/workers/{IID}", ["hma"])
    put_lines(moto_logs, GUIDE_GROUP, f"SagemakerHealthMonitoringAgent/workers/{OTHER}", ["hma"])
    locator = LogLocator(moto_logs, NAME, cluster_arn=ARN)
    assert locator.health_monitor(IID, "workers").streams == (f"SagemakerHealthMonitoringAgent/workers/{IID}",)
    found = locator.health_monitor(IID)  # group unknown: by prefix and suffix
    assert found.streams == (f"SagemakerHealthMonitoringAgent/workers/{IID}",) and found.source == "discovered"


def test_health_monitoring_agent_bare_stream(moto_logs):
    put_lines(moto_logs, GUIDE_GROUP, "SagemakerHealthMonitoringAgent", ["hma"])
    result = LogLocator(moto_logs, NAME, cluster_arn=ARN).health_monitor(IID, "workers", group=GUIDE_GROUP)
    assert result.streams == ("SagemakerHealthMonitoringAgent",)
    missing = LogLocator(moto_logs, "nope").health_monitor(IID)
    assert not missing.found and missing.reasons == HEALTH_REASONS and "health-monitoring agent" in missing.message
