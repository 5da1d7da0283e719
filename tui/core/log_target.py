"""Whose log to open: a node of a cluster, or whatever a cluster's FailureMessage names.

Pure data for the log screen; resolving it to a log group and stream is `core.log_locator.LogLocator`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.log_locator import parse_failure_message
from tui.core.models import ClusterDetail, Node

_INSTANCE = re.compile(r"\bi-[0-9a-f]{8,17}\b")
PROVISIONING = frozenset({"Pending"})


@dataclass(frozen=True)
class LogTarget:
    """The node (or failure) whose lifecycle log to show, with what the API said about it."""

    cluster_name: str
    cluster_arn: str | None
    instance_id: str | None
    instance_group: str | None = None
    node_status: str | None = None
    failure_messages: tuple[str, ...] = ()

    @property
    def provisioning(self) -> bool:
        """The node is still coming up: its log may not exist yet, and grows while we watch."""
        return self.node_status in PROVISIONING

    @classmethod
    def for_node(cls, cluster_name: str, detail: ClusterDetail | None, node: Node) -> LogTarget:
        # The node's own status message first; the cluster's FailureMessage may name another node's log, whose
        # group is still the best place to look.
        messages = tuple(text for text in (node.message, detail.failure_message if detail else "") if text)
        return cls(cluster_name, detail.arn if detail else None, node.instance_id, node.group, node.status, messages)

    @classmethod
    def for_cluster_failure(cls, detail: ClusterDetail, nodes: dict[str, Node] | None = None) -> LogTarget | None:
        """The log a cluster's FailureMessage points at; None when the message names neither a log nor an instance."""
        message = detail.failure_message
        if not message:
            return None
        locations = parse_failure_message(message)
        instance_id = group = None
        for location in locations:
            instance_id, group = instance_in_stream(location.stream)
            if instance_id:
                break
        if instance_id is None:
            found = _INSTANCE.search(message)
            instance_id = found.group() if found else None
        if instance_id is None and not locations:
            return None
        node = (nodes or {}).get(instance_id or "")
        if node is not None:
            group = group or node.group
        status = node.status if node is not None else None
        return cls(detail.name, detail.arn, instance_id, group, status, (message,))


def instance_in_stream(stream: str) -> tuple[str | None, str | None]:
    """(instance id, instance group) named by a lifecycle stream: `LifecycleConfig/<group>/<id>` or `<id>/<script>`."""
    parts = stream.split("/")
    for position, part in enumerate(parts):
        if _INSTANCE.fullmatch(part):
            group = parts[position - 1] if position >= 2 and parts[0] == "LifecycleConfig" else None
            return part, group
    return None, None
