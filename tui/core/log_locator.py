"""Where a node's lifecycle-script log is in CloudWatch Logs (reading it is `tui.core.log_stream`'s job).

Resolution order, each candidate verified to exist, a 404 moving on:
1. the group and stream named in a failure message (DescribeCluster.FailureMessage, InstanceStatus.Message);
2. the developer guide's names: `/aws/sagemaker/Clusters/<name>/<id>` and `LifecycleConfig/<group>/<instance>`;
3. discovery by prefix: DescribeLogGroups under `/aws/sagemaker/Clusters/<name>` and `/aws/sagemaker/hyperpod/<name>`
   (every CreateCluster makes a new group: the one ending in the cluster id first, then the newest), then
   DescribeLogStreams `LifecycleConfig/<group>/<instance>` and `<instance>/<script>` (all scripts).
Not finding anything is a normal answer: a `LogResolution` with the likely reasons, never an exception.
The boto3 `logs` client is injected; call these from a worker thread.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from tui.core.log_stream import LogAccessDeniedError, LogNotFoundError, LogsError, logs_error, stream_exists
from tui.core.models import arn_last_segment

HEALTH_AGENT = "SagemakerHealthMonitoringAgent"
# DescribeLogGroups/DescribeLogStreams answer 50 a page: 200 pages is 10,000 streams, a stream per node of the
# largest cluster. A server that never stops handing out tokens is cut off there (or after the time cap).
DESCRIBE_PAGE_CAP = 200
DESCRIBE_SECONDS = 30.0
GROUP_PREFIXES = ("/aws/sagemaker/Clusters/{name}", "/aws/sagemaker/hyperpod/{name}")


def guide_log_group(cluster_name: str, cluster_id: str) -> str:
    return f"/aws/sagemaker/Clusters/{cluster_name}/{cluster_id}"


def guide_log_stream(instance_group: str, instance_id: str) -> str:
    return f"LifecycleConfig/{instance_group}/{instance_id}"


def health_log_stream(instance_group: str, instance_id: str) -> str:
    return f"{HEALTH_AGENT}/{instance_group}/{instance_id}"


@dataclass(frozen=True)
class LogLocation:
    group: str
    stream: str


# Any of the quote characters the service mixes (‘ ' ’ ” " “ `), and the backslash of escaped JSON quotes.
_Q = "'\"‘’“”`\\\\"
_GROUP = r"[.\-_/#A-Za-z0-9]+"  # CloudWatch's own character set for log group names
_STREAM = rf"[^\s{_Q}:*]+"
_GUIDE_FORM = re.compile(
    rf"log\s*group\s*(?:name\s*)?[:=]?\s*[{_Q}]*(?P<group>{_GROUP})[{_Q}]*\s*,?\s*(?:and\s+)?(?:the\s+)?"
    rf"log\s*stream\s*(?:name\s*)?[:=]?\s*[{_Q}]*(?P<stream>{_STREAM})",
    re.IGNORECASE,
)
_JSON_GROUP = re.compile(rf"[{_Q}]*LogGroup(?:Name)?[{_Q}]*\s*[:=]\s*[{_Q}]+(?P<group>{_GROUP})")
_JSON_STREAM = re.compile(rf"[{_Q}]*LogStream(?:Name)?[{_Q}]*\s*[:=]\s*[{_Q}]+(?P<stream>{_STREAM})")


def parse_failure_message(text: str | None) -> list[LogLocation]:
    """Log locations named in a DescribeCluster FailureMessage or a node's InstanceStatus.Message.

    Accepts the developer guide's sentence ("visit log group ‘…' and log stream ‘…’", any mix of quotes) and the
    announcement's JSON-ish form (`"LogGroup": "…", "LogStream": "…"`). The older 2024 message names no location:
    an empty list.
    """
    if not text:
        return []
    found = [LogLocation(m["group"], m["stream"].rstrip(".,;")) for m in _GUIDE_FORM.finditer(text)]
    if not found:
        groups = [m["group"] for m in _JSON_GROUP.finditer(text)]
        streams = [m["stream"].rstrip(".,;") for m in _JSON_STREAM.finditer(text)]
        found = [LogLocation(g, s) for g, s in zip(groups, streams, strict=False)]
    return list(dict.fromkeys(found))


LIKELY_REASONS = (
    "the node failed before its logs were uploaded (e.g. a bad GPU or another health-check error)",
    "the cluster's execution role lacks CloudWatch Logs permissions, so nothing was uploaded",
    "the log group expired under its retention policy, or was deleted",
    "the cluster was created before the January 2026 update that names log locations",
)
HEALTH_REASONS = (
    "the agent had not started: a node whose lifecycle script failed, or that is still provisioning, has no agent log",
    "the agent watches accelerated instances (GPU and Trainium); other instance types may not run it",
    "the cluster's execution role lacks CloudWatch Logs permissions, so nothing was uploaded",
    "the log group expired under its retention policy, or was deleted",
)


@dataclass(frozen=True)
class LogResolution:
    """Where a node's log is, or why it could not be found. `streams` are ordered (script order)."""

    group: str | None
    streams: tuple[str, ...]
    source: str | None  # "failure-message" | "guide" | "discovered" | None
    message: str
    reasons: tuple[str, ...] = ()
    tried: tuple[str, ...] = ()
    error: LogsError | None = None

    @property
    def found(self) -> bool:
        return bool(self.group and self.streams)

    @property
    def locations(self) -> tuple[LogLocation, ...]:
        return tuple(LogLocation(self.group, s) for s in self.streams) if self.group else ()

    def describe(self) -> str:
        """The message, then the likely reasons and what was tried, one per line (for a panel)."""
        lines = [self.message]
        lines += [f"  • {reason}" for reason in self.reasons]
        if self.tried:
            lines.append("Tried:")
            lines += [f"  - {attempt}" for attempt in self.tried]
        return "\n".join(lines)


class LogLocator:
    """Finds the lifecycle and health-agent logs of a cluster's nodes (see the module docstring)."""

    def __init__(
        self,
        client: Any,
        cluster_name: str,
        cluster_arn: str | None = None,
        cluster_id: str | None = None,
        *,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.client = client
        self.should_stop = should_stop
        self.cluster_name = cluster_name
        self.cluster_id = cluster_id or arn_last_segment(cluster_arn)
        self._groups: list[str] | None = None
        self._tried: list[str] = []
        self._error: LogsError | None = None

    # -- public -------------------------------------------------------------------------------------------

    def lifecycle(
        self, instance_id: str | None, instance_group: str | None = None, failure_messages: Iterable[str | None] = ()
    ) -> LogResolution:
        """The lifecycle log of `instance_id` (None: whatever the failure message names)."""
        self._tried, self._error = [], None
        preferred: list[str] = []
        for text in failure_messages:
            for location in parse_failure_message(text):
                if instance_id is None or _names_instance(location.stream, instance_id):
                    if self._exists(location.group, location.stream):
                        streams = [location.stream]
                        if instance_id and location.stream.startswith(f"{instance_id}/"):
                            streams = self._streams(location.group, f"{instance_id}/") or streams
                        return self._found(location.group, streams, "failure-message")
                if location.group not in preferred:
                    preferred.append(location.group)  # names another instance: its group is still a good bet
        if instance_id is None:
            return self._not_found("No log location is named in the failure message.")
        if self.cluster_id and instance_group:
            group, stream = (
                guide_log_group(self.cluster_name, self.cluster_id),
                guide_log_stream(instance_group, instance_id),
            )
            if self._exists(group, stream):
                return self._found(group, [stream], "guide")
        for group in [*preferred, *(g for g in self.candidate_groups() if g not in preferred)]:
            streams = self._lifecycle_streams(group, instance_id, instance_group)
            if streams:
                return self._found(group, streams, "discovered")
        return self._not_found(f"No lifecycle log found for {instance_id} in cluster {self.cluster_name}.")

    def health_monitor(
        self, instance_id: str, instance_group: str | None = None, group: str | None = None
    ) -> LogResolution:
        """The node's `SagemakerHealthMonitoringAgent[/<group>/<instance>]` stream, in the lifecycle log's group."""
        self._tried, self._error = [], None
        groups = [group] if group else self.candidate_groups()
        for candidate in groups:
            if instance_group and self._exists(candidate, health_log_stream(instance_group, instance_id)):
                return self._found(candidate, [health_log_stream(instance_group, instance_id)], "guide")
            streams = [s for s in self._streams(candidate, f"{HEALTH_AGENT}/") if s.endswith(f"/{instance_id}")]
            if streams:
                return self._found(candidate, streams, "discovered")
            if self._exists(candidate, HEALTH_AGENT):
                return self._found(candidate, [HEALTH_AGENT], "discovered")
        return self._not_found(
            f"No health-monitoring agent log found for {instance_id} in cluster {self.cluster_name}.", HEALTH_REASONS
        )

    def candidate_groups(self) -> list[str]:
        """The cluster's log groups, best first: the guide's name if known, then those ending in the id, newest first."""
        if self._groups is not None:
            return self._groups
        found: dict[str, int] = {}
        for template in GROUP_PREFIXES:
            prefix = template.format(name=self.cluster_name)
            self._tried.append(f"DescribeLogGroups prefix {prefix}")
            try:
                for page in self._pages("describe_log_groups", logGroupNamePrefix=prefix):
                    for group in page.get("logGroups", ()):
                        name = group.get("logGroupName", "")
                        if name == prefix or name.startswith(prefix + "/"):  # not "<name>-2"
                            found[name] = int(group.get("creationTime") or 0)
            except Exception as error:  # noqa: BLE001
                self._remember(logs_error(error, "DescribeLogGroups", prefix))
        suffix = f"/{self.cluster_id}" if self.cluster_id else None
        ordered = sorted(found, key=lambda name: (not (suffix and name.endswith(suffix)), -found[name], name))
        self._groups = ordered
        return ordered

    # -- steps ----------------------------------------------------------------------------------------------

    def _lifecycle_streams(self, group: str, instance_id: str, instance_group: str | None) -> list[str]:
        if instance_group:
            exact = guide_log_stream(instance_group, instance_id)
            streams = [s for s in self._streams(group, exact) if s == exact or s.startswith(exact + "/")]
        else:
            streams = [s for s in self._streams(group, "LifecycleConfig/") if s.endswith(f"/{instance_id}")]
        return streams or self._streams(group, f"{instance_id}/")

    def _streams(self, group: str, prefix: str) -> list[str]:
        """Stream names under a prefix, in the order they began (first event, then creation, then name)."""
        self._tried.append(f"DescribeLogStreams {group} prefix {prefix}")
        rows: list[tuple[int, str]] = []
        try:
            for page in self._pages("describe_log_streams", logGroupName=group, logStreamNamePrefix=prefix):
                for stream in page.get("logStreams", ()):
                    began = stream.get("firstEventTimestamp") or stream.get("creationTime") or 0
                    rows.append((int(began), stream.get("logStreamName", "")))
        except Exception as error:  # noqa: BLE001
            self._remember(logs_error(error, "DescribeLogStreams", f"{group} {prefix}"))
        return [name for _, name in sorted(rows)]

    def _pages(self, operation: str, **request: Any) -> Iterator[dict[str, Any]]:
        """The pages of a Describe* listing, at most DESCRIBE_PAGE_CAP of them and DESCRIBE_SECONDS long."""
        started = time.monotonic()
        for number, page in enumerate(self.client.get_paginator(operation).paginate(**request), start=1):
            yield page
            if self.should_stop is not None and self.should_stop():
                return
            if number >= DESCRIBE_PAGE_CAP or time.monotonic() - started >= DESCRIBE_SECONDS:
                self._tried.append(f"{operation} stopped after {number} pages")
                return

    def _exists(self, group: str, stream: str) -> bool:
        if self.should_stop is not None and self.should_stop():
            return False
        self._tried.append(f"{group} {stream}")
        try:
            return stream_exists(self.client, group, stream)
        except LogsError as error:
            self._remember(error)
            return False

    def _remember(self, error: LogsError) -> None:
        if not isinstance(error, LogNotFoundError) and self._error is None:
            self._error = error

    def _found(self, group: str, streams: list[str], source: str) -> LogResolution:
        plural = f"{len(streams)} streams" if len(streams) > 1 else streams[0]
        return LogResolution(group, tuple(streams), source, f"{group} {plural}", tried=tuple(self._tried))

    def _not_found(self, headline: str, reasons: tuple[str, ...] = LIKELY_REASONS) -> LogResolution:
        error = self._error
        if isinstance(error, LogAccessDeniedError):
            headline = f"{headline} CloudWatch Logs denied access: {error}"
        elif error is not None:
            headline = f"{headline} A lookup failed: {error}"
        return LogResolution(None, (), None, headline, reasons, tuple(self._tried), error)


def _names_instance(stream: str, instance_id: str) -> bool:
    return instance_id in stream.split("/")
