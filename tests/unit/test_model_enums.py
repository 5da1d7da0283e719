"""The installed botocore's SageMaker enums against what the app maps, so a model update cannot slip by.

The walk goes through every structure the app parses (ListClusters' summaries, DescribeCluster with its instance
groups, ListClusterNodes' summaries, DescribeClusterNode) two levels deep and collects every enum it meets. Each
enum must be either mapped (every value has a status kind other than "unknown", and the app's list of values has
them all), described (a table with one entry per value), shown as sent (nothing depends on the value), or not
read. A new enum, or a new value of a mapped one, fails here with its name.
"""

from __future__ import annotations

import json

import botocore.session
import pytest

from tui.core.models import (
    CLUSTER_STATUSES,
    GROUP_STATUSES,
    IMAGE_VERSION_STATUSES,
    NODE_STATUSES,
    PATCHING_STRATEGIES,
    SOFTWARE_UPDATE_STATUSES,
    status_kind,
)
from tui.core.tables import IMAGE_BADGES
from tui.headless import node_status

MODEL = botocore.session.get_session().get_service_model("sagemaker")

# enum shape → the app's list of its values; each value is coloured by status_kind
MAPPED = {
    "ClusterStatus": CLUSTER_STATUSES,
    "InstanceGroupStatus": GROUP_STATUSES,
    "ClusterInstanceStatus": NODE_STATUSES,
    "ClusterImageVersionStatus": IMAGE_VERSION_STATUSES,
    "SoftwareUpdateStatus": SOFTWARE_UPDATE_STATUSES,
}
# enum shape → a table with one entry per value
DESCRIBED = {"ClusterPatchingStrategy": PATCHING_STRATEGIES}
# shown as AWS sent it; no behaviour depends on the value beyond the ones named
SHOWN_AS_SENT = {
    "ClusterInstanceType",
    "DeepHealthCheckType",
    "ClusterSlurmNodeType",  # "Controller" is refused for replace/delete; the others are labels
    "ClusterOnDrainTimeout",
    "ClusterKubernetesTaintEffect",
    "ClusterInterfaceType",
    "ClusterCapacityType",
    "ClusterNodeRecovery",
    "ClusterNodeProvisioningMode",
}
# in the responses, not read by the app
NOT_READ = {
    "ClusterFSxLustreDeletionPolicy",
    "ClusterSlurmConfigStrategy",
    "ClusterConfigMode",
    "ClusterAutoScalingMode",
    "ClusterAutoScalerType",
    "ClusterAutoScalingStatus",
}

PARSED = (
    "ClusterSummary",
    "ClusterInstanceGroupDetails",
    "ClusterNodeSummary",
    "ClusterNodeDetails",
    MODEL.operation_model("DescribeCluster").output_shape.name,
)


def enums_in_parsed_shapes() -> dict[str, str]:
    """enum shape name → one place it appears (for the failure message)."""
    found: dict[str, str] = {}

    def walk(shape, path: str, depth: int) -> None:
        if shape.type_name == "structure":
            if depth <= 2:
                for name, member in shape.members.items():
                    walk(member, f"{path}.{name}", depth + 1)
        elif shape.type_name == "list":
            walk(shape.member, f"{path}[]", depth)
        elif shape.type_name == "map":
            walk(shape.value, f"{path}{{}}", depth)
        elif getattr(shape, "enum", None):
            found.setdefault(shape.name, path)

    for root in PARSED:
        walk(MODEL.shape_for(root), root, 0)
    return found


def enum(shape: str) -> list[str]:
    return list(MODEL.shape_for(shape).enum)


def test_every_enum_the_app_meets_is_accounted_for():
    known = set(MAPPED) | set(DESCRIBED) | SHOWN_AS_SENT | NOT_READ
    new = {name: path for name, path in enums_in_parsed_shapes().items() if name not in known}
    assert not new, f"enums the app does not handle yet (map, describe or list them): {new}"


def test_the_walk_finds_the_mapped_enums():
    # the walk itself can fail: if it stopped finding what it is meant to check, this says so
    assert set(MAPPED) | set(DESCRIBED) <= set(enums_in_parsed_shapes())


@pytest.mark.parametrize("shape", sorted(MAPPED))
def test_no_value_of_a_mapped_enum_is_unknown(shape):
    unknown = [value for value in enum(shape) if status_kind(value) == "unknown"]
    assert not unknown, f"{shape}: status_kind maps {unknown} to 'unknown'"
    missing = [value for value in enum(shape) if value not in MAPPED[shape]]
    assert not missing, f"{shape}: the app's list lacks {missing}"


@pytest.mark.parametrize("shape", sorted(DESCRIBED))
def test_every_value_of_a_described_enum_has_an_entry(shape):
    assert [value for value in enum(shape) if value not in DESCRIBED[shape]] == []


def test_every_image_version_status_has_a_badge_and_the_urgent_ones_stand_out():
    assert set(enum("ClusterImageVersionStatus")) <= set(IMAGE_BADGES)
    assert status_kind("SecurityUpdateRequired") == "warn" and status_kind("EndOfLife") == "failed"


def test_the_nodes_status_flag_accepts_every_node_status():
    for value in enum("ClusterInstanceStatus"):
        assert node_status(value.lower()) == value
    assert node_status("detachinprogress") == "DetachInProgress"
    with pytest.raises(ValueError):
        node_status("Moving")


def test_moving_nodes_are_progress():
    assert status_kind("DetachInProgress") == status_kind("AttachInProgress") == "progress"


def test_nodes_status_lists_moving_nodes_of_the_simulator(capsys, tmp_path, monkeypatch):
    from tui.cli import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    code = main(["--demo", "--demo-scenario", "zoo", "nodes", "zoo-moving", "--status", "DetachInProgress", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    records = json.loads(out)
    assert [r["status"] for r in records] == ["DetachInProgress"]
