"""What the image and software-update state of a cluster's instance groups means for a replace or delete.

AWS documents, for BatchReplaceClusterNodes and BatchDeleteClusterNodes: "If you want to invoke this API on an
existing cluster, you'll first need to patch the cluster by running the UpdateClusterSoftware API." The API
says which groups run an image that needs it: ImageVersionStatus `SecurityUpdateRequired` (known
vulnerabilities, a patched image exists) or `EndOfLife` (an upgrade is required). A group whose software update
is still running (SoftwareUpdateStatus Pending, InProgress or RollbackInProgress) is also worth a line: its
nodes are being rebuilt, and TargetStateCount says how many already run the desired image.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.models import PATCH_NEEDED_STATUSES, ClusterDetail, Node

_WHY = {
    "SecurityUpdateRequired": "known vulnerabilities, a patched image exists",
    "EndOfLife": "end of life, an upgrade is required",
}


@dataclass(frozen=True, slots=True)
class GroupPatchState:
    """One instance group of an action's targets, as its image and software update stood when the key was pressed."""

    group: str
    targets: int  # how many of the action's nodes are in the group
    image_version_status: str = ""
    software_update_status: str = ""
    target_state_count: int | None = None
    target_count: int = 0

    @property
    def needs_patch(self) -> bool:
        return self.image_version_status in PATCH_NEEDED_STATUSES

    @property
    def updating(self) -> bool:
        return self.software_update_status in ("Pending", "InProgress", "RollbackInProgress")


def patch_states(detail: ClusterDetail, nodes: Sequence[Node]) -> tuple[GroupPatchState, ...]:
    """The target groups that need patching or are being updated, in the order their nodes come.

    A group's own ImageVersionStatus decides; a group the DescribeCluster answer does not list falls back to the
    most urgent status its nodes report."""
    per_group = Counter(node.group for node in nodes)
    states = []
    for name, count in per_group.items():
        group = detail.group(name)
        if group is not None:
            state = GroupPatchState(
                name,
                count,
                group.image_version_status,
                group.software_update_status,
                group.target_state_count,
                group.target_count,
            )
        else:
            reported = {node.image_version_status for node in nodes if node.group == name}
            urgent = next((status for status in reversed(PATCH_NEEDED_STATUSES) if status in reported), "")
            state = GroupPatchState(name, count, urgent)
        if state.needs_patch or state.updating:
            states.append(state)
    return tuple(states)


def other_groups_needing_patch(detail: ClusterDetail, states: Sequence[GroupPatchState]) -> tuple[str, ...]:
    """Groups of the cluster that need patching although no target is in them."""
    named = {state.group for state in states}
    return tuple(g.name for g in detail.instance_groups if g.needs_patch and g.name not in named)


def patch_notice(operation: str, states: Sequence[GroupPatchState], others: Sequence[str] = ()) -> list[str]:
    """The lines a replace or delete confirmation shows before anything is typed; none when nothing applies.

    Text from AWS (group names) is raw here: the screen sanitises each line."""
    lines: list[str] = []
    needing = [state for state in states if state.needs_patch]
    if needing:
        lines.append(
            f"Patch the cluster first: AWS documents UpdateClusterSoftware before {operation} on an existing "
            "cluster. Target groups not patched:"
        )
        for state in needing:
            node_word = "target" if state.targets == 1 else "targets"
            lines.append(
                f"  {state.group} ({state.targets} {node_word}): {state.image_version_status} "
                f"({_WHY[state.image_version_status]})"
            )
        if others:
            lines.append(f"  also needing it, with no target: {', '.join(others)}")
    for state in states:
        if state.updating:
            progress = (
                f", {state.target_state_count}/{state.target_count} nodes on the desired image"
                if state.target_state_count is not None
                else ""
            )
            lines.append(
                f"A software update is running on {state.group} ({state.software_update_status}{progress}): "
                "its nodes are being rebuilt."
            )
    return lines
