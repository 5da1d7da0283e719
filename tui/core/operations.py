"""Cluster operations (ListClusterOperations / DescribeClusterOperation: Scaling, DeepHealthCheck) and what a
group is doing now, for its row: `scaling 12→40`. No Textual, no botocore at import.

In Continuous provisioning mode a cluster stays InService while it scales, so scaling is also read from the
counts (`CurrentCount ≠ TargetCount`) and `ActiveOperations` (HYPERPOD-FACTS-2 §1.6).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tui.core.models import InstanceGroup
from tui.core.sanitize import clean

PAGE_SIZE = 100
OPERATION_PAGE_CAP = 5


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _is_validation(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") == "ValidationException"


@dataclass(frozen=True, slots=True)
class GroupScaling:
    group: str
    status: str
    original: int | None  # TargetCount before
    desired: int | None  # TargetCount wanted
    current: int | None = None

    @property
    def text(self) -> str:
        start = "?" if self.original is None else self.original
        end = "?" if self.desired is None else self.desired
        return f"scaling {start}→{end}"


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    type: str
    status: str
    created: datetime | None
    scaling: tuple[GroupScaling, ...] = ()
    health_check_groups: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Operation | None:
        if not isinstance(data, dict) or not isinstance(data.get("OperationId"), str):
            return None
        scaling = []
        for item in data.get("ScalingDetails") or ():
            if not isinstance(item, dict) or not item.get("InstanceGroupName"):
                continue
            original = _dict(item.get("Original"))
            desired = _dict(item.get("Desired"))
            scaling.append(
                GroupScaling(
                    clean(item["InstanceGroupName"], max_len=63),
                    clean(item.get("Status") or "", max_len=40),
                    _int(original.get("TargetCount")),
                    _int(desired.get("TargetCount")),
                    _int(original.get("CurrentCount")),
                )
            )
        checks = tuple(
            clean(item["InstanceGroupName"], max_len=63)
            for item in data.get("DeepHealthCheckDetails") or ()
            if isinstance(item, dict) and item.get("InstanceGroupName")
        )
        return cls(
            clean(data["OperationId"], max_len=100),
            clean(data.get("Type") or "", max_len=40),
            clean(data.get("Status") or "", max_len=40),
            _time(data.get("CreationTime")),
            tuple(scaling),
            checks,
        )

    def text_for(self, group: str) -> str | None:
        """`scaling 12→40` / `deep health check` for a group this operation touches, else None."""
        for item in self.scaling:
            if item.group == group:
                return item.text
        if group in self.health_check_groups:
            return "deep health check"
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def list_operations(client: Any, cluster: str, *, in_progress_only: bool = True) -> list[Operation]:
    """The cluster's operations (InProgress ones by default), each described (bounded: page cap and time).

    An older SDK or endpoint without these operations, or a cluster that refuses them, gives an empty list."""
    params: dict[str, Any] = {"ClusterName": cluster, "MaxResults": PAGE_SIZE}
    if in_progress_only:
        params["Status"] = "InProgress"
    summaries: list[dict[str, Any]] = []
    sm = client
    if not hasattr(sm, "list_cluster_operations"):
        return []
    from botocore.exceptions import ClientError

    from tui.core.aws import bounded_pages

    pages = _operation_pages(sm, params)
    try:
        for page in bounded_pages(pages, "ListClusterOperations", "ClusterOperationSummaries", OPERATION_PAGE_CAP):
            summaries.extend(s for s in page["ClusterOperationSummaries"] if isinstance(s, dict))
    except ClientError as exc:
        if _is_validation(exc):
            return []
        raise
    out = []
    for summary in summaries[:20]:
        op_id = summary.get("OperationId")
        if not isinstance(op_id, str):
            continue
        detail = sm.describe_cluster_operation(ClusterName=cluster, OperationId=op_id)
        operation = Operation.from_api(detail)
        if operation is not None:
            out.append(operation)
    return out


def _operation_pages(client: Any, params: dict[str, Any]) -> Iterable[dict[str, Any]]:
    token: str | None = None
    while True:
        page = client.list_cluster_operations(**params, **({"NextToken": token} if token else {}))
        yield page
        token = page.get("NextToken")
        if not token:
            return


# --- scaling as the table shows it -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupActivity:
    """What a group is doing now, for its row: `text` ("scaling 12→40"), and whether it looks healthy."""

    text: str
    healthy: bool


def group_activity(group: InstanceGroup, operations: Sequence[Operation] = ()) -> GroupActivity | None:
    """An operation touching the group, else scaling seen in the counts: `CurrentCount ≠ TargetCount` or
    `ActiveOperations` (Continuous mode keeps the cluster InService while it scales). None: nothing going on.

    Not healthy while fewer nodes are up than wanted, so an InService cluster with 0 of 40 workers never reads
    as fine."""
    behind = group.current_count < group.target_count
    for operation in operations:
        if operation.status == "InProgress" and (text := operation.text_for(group.name)):
            return GroupActivity(text, not behind)
    active = dict(group.active_operations)
    if group.current_count != group.target_count or active.get("Scaling"):
        return GroupActivity(f"scaling {group.current_count}→{group.target_count}", not behind)
    if active:
        return GroupActivity(", ".join(clean(k, max_len=30).lower() for k in active), True)
    return None
