"""Image version, automatic patching and software-update state: parsing, table cells, details and action plans."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.core.actions import DELETE, REBOOT, REPLACE, plan_action
from tui.core.models import AutoPatchConfig, ClusterDetail, ClusterSummary, InstanceGroup, Node
from tui.core.patching import patch_notice, patch_states
from tui.core.tables import (
    cluster_row,
    group_patch,
    image_badge,
    node_image,
    node_row,
    patch_date,
    software_update_state,
)
from tui.screens.detail import STICKY_MESSAGE, group_sections, node_sections

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/aa11bbbbb222"
NEXT = datetime(2026, 12, 9, 3, 0, tzinfo=UTC)


def group_api(name: str, image: str = "UpToDate", **extra) -> dict:
    return {
        "InstanceGroupName": name,
        "InstanceType": "ml.g5.8xlarge",
        "CurrentCount": 3,
        "TargetCount": 3,
        "Status": "InService",
        "ImageVersionStatus": image,
        "CurrentImageReleaseVersion": "2.3.0",
        "DesiredImageReleaseVersion": "2.3.0",
        **extra,
    }


def cluster(*groups: dict) -> ClusterDetail:
    return ClusterDetail.from_api(
        {"ClusterName": "c", "ClusterArn": ARN, "ClusterStatus": "InService", "InstanceGroups": list(groups)}
    )


def node(instance_id: str, group: str, status: str = "Running", message: str = "", image: str = "") -> Node:
    return Node(instance_id, group, "ml.g5.8xlarge", status, message, 1.0, "", image_version_status=image)


def test_the_new_members_are_parsed():
    summary = ClusterSummary.from_api({"ClusterName": "c", "ClusterArn": ARN, "ImageVersionStatus": "EndOfLife"})
    assert summary.image_version_status == "EndOfLife"
    group = InstanceGroup.from_api(
        group_api(
            "g",
            "SecurityUpdateRequired",
            DesiredImageReleaseVersion="2.4.1",
            SoftwareUpdateStatus="InProgress",
            TargetStateCount=1,
            AutoPatchConfig={
                "PatchingStrategy": "DrainFirst",
                "CurrentPatchSchedule": {"NextPatchDate": NEXT},
                "DesiredPatchSchedule": {"NextPatchDate": NEXT},
                "IdleWaitWindowInSeconds": 7200,
                "DrainPolicy": {"DrainTimeoutInSeconds": 600, "OnDrainTimeout": "Force"},
            },
        )
    )
    assert (group.current_image_release, group.desired_image_release) == ("2.3.0", "2.4.1")
    assert group.target_state_count == 1 and group.updating_software and group.needs_patch
    assert group.auto_patch == AutoPatchConfig("DrainFirst", NEXT.timestamp(), NEXT.timestamp(), 7200, 600, "Force")
    assert InstanceGroup.from_api(group_api("h")).auto_patch is None
    listed = Node.from_api({"InstanceId": "i-1", "CurrentImageReleaseVersion": "2.3.0", "InstanceStatus": {}})
    assert listed.image_release == "2.3.0"


def test_image_badges_keep_the_raw_status_for_their_colour():
    assert image_badge("SecurityUpdateRequired") == (("security", "SecurityUpdateRequired"),)
    assert image_badge("EndOfLife") == (("EOL", "EndOfLife"),)
    assert image_badge("") == ()
    assert image_badge("SomethingNew") == (("SomethingNew", "SomethingNew"),)  # shown, coloured unknown


def test_the_cluster_cell_falls_back_to_the_most_urgent_group():
    detail = cluster(group_api("a"), group_api("b", "EndOfLife"), group_api("c", "UpdateAvailable"))
    row = cluster_row(ClusterSummary("c", ARN, "InService", 1.0), detail, None, None)
    assert (("EOL", "EndOfLife"),) in row.values
    told = cluster_row(ClusterSummary("c", ARN, "InService", 1.0, "UpdateAvailable"), detail, None, None)
    assert (("update", "UpdateAvailable"),) in told.values


def test_the_group_cell_shows_an_update_in_flight_and_the_next_patch():
    group = InstanceGroup.from_api(
        group_api(
            "g",
            "UpdateAvailable",
            SoftwareUpdateStatus="InProgress",
            TargetStateCount=2,
            AutoPatchConfig={"PatchingStrategy": "WhenIdle", "CurrentPatchSchedule": {"NextPatchDate": NEXT}},
        )
    )
    assert group_patch(group) == (
        ("update", "UpdateAvailable"),
        ("patching 2/3", "InProgress"),
        (f"next {patch_date(NEXT.timestamp())}", None),
    )
    done = InstanceGroup.from_api(group_api("g", SoftwareUpdateStatus="Succeeded", TargetStateCount=3))
    assert software_update_state(done) == ()  # nothing in flight
    back = InstanceGroup.from_api(group_api("g", SoftwareUpdateStatus="RollbackInProgress", TargetStateCount=1))
    assert software_update_state(back) == (("patch rolling back 1/3", "RollbackInProgress"),)


def test_the_node_image_cell_holds_badge_and_release():
    listed = Node.from_api(
        {
            "InstanceId": "i-1",
            "InstanceStatus": {"Status": "Running"},
            "ImageVersionStatus": "UpToDate",
            "CurrentImageReleaseVersion": "2.3.0",
        }
    )
    assert node_image(listed) == (("current", "UpToDate"), ("2.3.0", None))
    assert node_image(listed) in node_row(listed).values


def test_replace_and_delete_plans_name_the_groups_to_patch_first():
    detail = cluster(group_api("old", "SecurityUpdateRequired"), group_api("new"), group_api("eol", "EndOfLife"))
    nodes = [node("i-1", "old"), node("i-2", "old"), node("i-3", "new")]
    for kind in (REPLACE, DELETE):
        plan = plan_action(kind, detail, nodes)
        assert [(s.group, s.targets, s.image_version_status) for s in plan.patch] == [
            ("old", 2, "SecurityUpdateRequired")
        ]
        assert plan.patch_others == ("eol",)
        notice = plan.patch_notice
        assert notice[0].startswith("Patch the cluster first") and kind.operation in notice[0]
        assert "old (2 targets): SecurityUpdateRequired" in notice[1] and "eol" in notice[2]
    assert plan_action(REBOOT, detail, nodes).patch_notice == []  # a reboot keeps the image
    assert plan_action(REPLACE, detail, [node("i-3", "new")]).patch_notice == []  # nothing to patch among targets


def test_a_running_software_update_is_named_and_unknown_groups_use_their_nodes():
    detail = cluster(group_api("g", SoftwareUpdateStatus="InProgress", TargetStateCount=1))
    states = patch_states(detail, [node("i-1", "g"), node("i-2", "gone", image="EndOfLife")])
    assert [(s.group, s.updating, s.needs_patch) for s in states] == [("g", True, False), ("gone", False, True)]
    lines = patch_notice("BatchDeleteClusterNodes", states)
    assert "gone (1 target): EndOfLife" in lines[1]
    assert lines[-1].startswith("A software update is running on g (InProgress, 1/3 nodes on the desired image)")


def test_group_details_show_patching_and_node_details_label_a_sticky_message():
    detail = cluster(
        group_api(
            "g",
            SoftwareUpdateStatus="InProgress",
            TargetStateCount=1,
            DesiredImageReleaseVersion="2.4.1",
            AutoPatchConfig={"PatchingStrategy": "WhenAllIdle", "CurrentPatchSchedule": {"NextPatchDate": NEXT}},
        )
    )
    group = detail.instance_groups[0]
    sections = dict(group_sections(detail, group, NEXT.timestamp() - 3600))
    operations = dict(sections["Operations"])
    assert operations["Software update"] == "InProgress (1/3 nodes on the desired image)"
    assert operations["Image release"] == "2.3.0 → 2.4.1 (desired)"
    patching = dict(sections["Automatic patching"])
    assert patching["Strategy"].startswith("WhenAllIdle (") and patching["Next patch"].endswith("(in 1h)")
    failed_before = node("i-1", "g", "SystemUpdating", "Lifecycle scripts did not run successfully.")
    headings = [heading for heading, _ in node_sections(detail, failed_before, None, 0.0)]
    assert headings[0] == STICKY_MESSAGE
    quiet = cluster(group_api("g"))
    headings = [heading for heading, _ in node_sections(quiet, node("i-1", "g", "Failure", "boom"), None, 0.0)]
    assert headings[0] == "Status message"
