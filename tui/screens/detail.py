"""Details of a cluster, an instance group or a node: everything the API says, labelled, in one scrollable page.

Node details come from DescribeClusterNode, fetched lazily when the page opens (and again on `r`); what the
listing already knows is shown at once so the page is never empty while it loads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from tui.core.errors import classify
from tui.core.models import (
    PATCHING_STRATEGIES,
    STATUS_KINDS,
    AutoPatchConfig,
    ClusterDetail,
    ClusterSummary,
    InstanceGroup,
    Node,
    NodeDetail,
    status_kind,
)
from tui.core.sanitize import clean
from tui.core.tables import format_age
from tui.typed_app import hyperpod_app
from tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from tui.core.aws import HyperPodApi
    from tui.core.explorer import ExplorerState  # botocore: not imported with the screens
    from tui.core.health import Verdict

LABEL_LIMIT = 320  # characters of a label; a Kubernetes label key is a prefix of up to 253, "/", a name of up to 63

Field = tuple[str, str]  # (label, value): both may come from AWS (Kubernetes label keys, group names)
Section = tuple[str, Sequence[Field]]

# Fields whose value starts with a status: painted in that status's colour.
STATUS_FIELDS = ("Status", "Image version", "Software update")
STICKY_MESSAGE = "Status message (a software update is running: possibly from an earlier attempt)"


def _release(current: str, desired: str) -> str:
    if current and desired and desired != current:
        return f"{current} → {desired} (desired)"
    return current or desired or "—"


def _software_update(group: InstanceGroup) -> str:
    if not group.software_update_status:
        return "—"
    if group.target_state_count is None:
        return group.software_update_status
    return (
        f"{group.software_update_status} ({group.target_state_count}/{group.target_count} nodes on the desired image)"
    )


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds} s ({format_age(seconds)})"


def auto_patch_fields(config: AutoPatchConfig | None, now: float) -> list[Field]:
    if config is None:
        return [("", "not configured")]
    fields: list[Field] = [
        ("Strategy", f"{config.strategy} ({PATCHING_STRATEGIES.get(config.strategy, 'not known to this version')})"),
        ("Next patch", _when_ahead(config.next_patch, now) or "—"),
    ]
    if config.desired_next_patch is not None and config.desired_next_patch != config.next_patch:
        fields.append(("Next patch (desired)", _when_ahead(config.desired_next_patch, now)))
    fields.append(("Idle wait window", _duration(config.idle_wait_seconds)))
    if config.drain_timeout_seconds is not None or config.on_drain_timeout:
        fields.append(
            (
                "Drain policy",
                f"timeout {_duration(config.drain_timeout_seconds)}, then {config.on_drain_timeout or '—'}",
            )
        )
    return fields


def _when_ahead(epoch: float | None, now: float) -> str:
    if epoch is None:
        return ""
    if epoch < now:
        return _when(epoch, now)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))
    return f"{stamp} (in {format_age(epoch - now)})"


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return ""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(epoch))
    return f"{stamp} ({format_age(now - epoch)} ago)"


def cluster_sections(summary: ClusterSummary, detail: ClusterDetail | None, now: float) -> list[Section]:
    fields: list[Field] = [
        ("Name", summary.name),
        ("Status", summary.status),
        ("ARN", summary.arn),
        ("Created", _when(summary.created, now)),
        ("Image version", summary.image_version_status or "—"),
    ]
    sections: list[Section] = [("Cluster", fields)]
    if detail is None:
        return sections
    try:
        fields.insert(2, ("Cluster id", detail.cluster_id))
    except ValueError:
        pass
    fields += [
        ("Orchestrator", detail.orchestrator + (f" ({detail.eks_cluster_arn})" if detail.eks_cluster_arn else "")),
        ("Node recovery", detail.node_recovery or "—"),
        ("Provisioning mode", detail.node_provisioning_mode or "—"),
        ("Subnets", ", ".join(detail.subnets) or "—"),
        ("Security groups", ", ".join(detail.security_groups) or "—"),
    ]
    if detail.failure_message:
        sections.insert(0, ("Failure message", [("", detail.failure_message)]))
    groups = [
        (g.name, f"{g.instance_type} · {g.current_count}/{g.target_count} · {g.status}") for g in detail.instance_groups
    ]
    sections.append(("Instance groups", groups or [("", "none")]))
    return sections


def group_sections(detail: ClusterDetail, group: InstanceGroup, now: float) -> list[Section]:
    fields: list[Field] = [
        ("Name", group.name),
        ("Cluster", detail.name),
        ("Status", group.status),
        ("Instance type", group.instance_type),
        ("Count (current/target)", f"{group.current_count}/{group.target_count}"),
        ("Min count", "" if group.min_count is None else str(group.min_count)),
        ("Threads per core", "" if group.threads_per_core is None else str(group.threads_per_core)),
        ("Execution role", group.execution_role),
    ]
    if detail.is_slurm:
        fields += [
            ("Slurm node type", group.slurm_node_type or "—"),
            ("Partitions", ", ".join(group.partitions) or "—"),
        ]
    lifecycle: list[Field] = [
        ("Source S3 URI", group.lifecycle.source_s3_uri),
        ("On create", group.lifecycle.on_create),
        ("On init complete", group.lifecycle.on_init_complete or "—"),
    ]
    other: list[Field] = [
        ("Deep health checks", ", ".join(group.deep_health_checks) or "—"),
        ("Image version", group.image_version_status or "—"),
        ("Image release", _release(group.current_image_release, group.desired_image_release)),
        ("Software update", _software_update(group)),
        ("Active operations", ", ".join(f"{k}: {v}" for k, v in group.active_operations) or "—"),
    ]
    return [
        ("Instance group", fields),
        ("Lifecycle configuration", lifecycle),
        ("Operations", other),
        ("Automatic patching", auto_patch_fields(group.auto_patch, now)),
    ]


def node_sections(cluster: ClusterDetail, node: Node, detail: NodeDetail | None, now: float) -> list[Section]:
    base = detail.node if detail else node
    fields: list[Field] = [
        ("Instance id", base.instance_id or "(none yet: still being provisioned)"),
        *([("Logical id", logical)] if (logical := base.node_logical_id or node.node_logical_id) else []),
        ("Cluster", cluster.name),
        ("Instance group", base.group),
        ("Instance type", base.instance_type),
        ("Status", base.status),
        ("Launched", _when(base.launch_time, now)),
        ("Hostname", base.hostname),
        ("Private IP", (detail.private_ip if detail else "") or base.ip),
    ]
    sections: list[Section] = []
    if base.message:
        group = cluster.group(base.group)
        # During UpdateClusterSoftware the message keeps the last failure's text while the node updates again.
        sticky = base.status == "SystemUpdating" or (group is not None and group.updating_software)
        sections.append((STICKY_MESSAGE if sticky else "Status message", [("", base.message)]))
    sections.append(("Node", fields))
    if detail is None:
        sections.append(("Details", [("", "loading DescribeClusterNode…")]))
        return sections
    fields += [
        ("Private IPv6", detail.private_ipv6 or "—"),
        (
            "Availability zone",
            f"{detail.availability_zone} ({detail.availability_zone_id})" if detail.availability_zone else "—",
        ),
        ("Capacity type", detail.capacity_type or "—"),
        ("Threads per core", "" if detail.threads_per_core is None else str(detail.threads_per_core)),
        ("Image (current)", detail.current_image_id or "—"),
        ("Image (desired)", detail.desired_image_id or "—"),
        ("Image version", base.image_version_status or "—"),
        ("Image release", _release(base.image_release, detail.desired_image_release)),
        ("Last software update", _when(base.last_software_update, now) or "—"),
    ]
    sections.append(
        (
            "Lifecycle configuration",
            [
                ("Source S3 URI", detail.lifecycle.source_s3_uri),
                ("On create", detail.lifecycle.on_create),
                ("On init complete", detail.lifecycle.on_init_complete or "—"),
            ],
        )
    )
    if detail.kubernetes_labels or detail.kubernetes_taints:
        labels = [(key, value) for key, value in detail.kubernetes_labels]
        labels += [("taint", taint) for taint in detail.kubernetes_taints]
        sections.append(("Kubernetes", labels))
    return sections


def health_section(cluster: ClusterDetail, verdict: Verdict | None, now: float, message: str = "") -> Section:
    """The node's health verdict, its next step, and every signal with its time (newest first); a signal no longer
    current (cleared by a later healthy one, or from before the instance launched) says so. `message`: the node's
    status message, shown above the section (a status signal's text that repeats it is not shown twice)."""
    from tui.core.health import SOURCE_LABELS, TEXT_LIMIT, signal_label

    recovery = cluster.node_recovery or "—"
    if verdict is None or verdict.signal is None:
        return ("Health", [("Verdict", "healthy: no signal says otherwise"), ("Node recovery", recovery)])
    fields: list[Field] = [
        ("Verdict", "healthy" if verdict.healthy else f"{verdict.severity}: {signal_label(verdict.signal, now)}"),
    ]
    if verdict.step.action:
        fields.append(("Next step", f"{verdict.step.text}: {verdict.step.reason}"))
    if verdict.signal.recommendation:
        fields.append(("Recommendation", verdict.signal.recommendation))
    fields.append(("Node recovery", recovery))
    for signal in verdict.signals:
        when = _when(signal.time, now) if signal.time > 0 else "now (the node's status)"
        source = SOURCE_LABELS.get(signal.source) or signal.source
        source = source[:1].upper() + source[1:]
        state = "" if signal in verdict.current else " (no longer current)"
        said = signal.text if signal.text.startswith(signal.short.rstrip("…")) else f"{signal.short}: {signal.text}"
        if message and signal.text == clean(message, max_len=TEXT_LIMIT):
            said = f"{signal.short} (the status message above)"
        fields.append((f"{source} {signal.severity}{state}", f"{when}\n{said or '—'}"))
    return ("Health", fields)


def render_sections(sections: Sequence[Section], status_style: Callable[[str], Style]) -> Group:
    parts: list[Text | Table] = []
    for heading, fields in sections:
        parts.append(Text(clean(heading), style="bold underline"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True, min_width=22)
        grid.add_column(overflow="fold")
        for label, value in fields:
            text = Text(clean(value, keep_newlines=True, max_len=5_000))
            if label in STATUS_FIELDS:
                text.stylize(status_style(status_kind(value.split(" ", 1)[0])))
            grid.add_row(Text(clean(label, max_len=LABEL_LIMIT)), text)
        parts.append(grid)
        parts.append(Text(""))
    return Group(*parts)


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="detail-back"),
        Binding("r", "reload", "Reload", id="detail-reload"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"detail--status-{kind}" for kind in STATUS_KINDS}

    DEFAULT_CSS = """
    DetailScreen { background: $surface; }
    DetailScreen > .detail--status-ok { color: $status-ok; }
    DetailScreen > .detail--status-progress { color: $status-progress; }
    DetailScreen > .detail--status-warn { color: $status-warn; }
    DetailScreen > .detail--status-failed { color: $status-failed; text-style: bold; }
    DetailScreen > .detail--status-gone { color: $status-gone; }
    DetailScreen > .detail--status-unknown { color: $status-unknown; }
    DetailScreen #detail-body { padding: 1 2; }
    DetailScreen #detail-title { dock: top; height: 1; background: $panel; padding: 0 1; text-style: bold; }
    """

    def __init__(
        self,
        title: str,
        sections: Callable[[object | None, float], list[Section]],
        loader: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self._sections = sections
        self._loader = loader
        self._loaded: object | None = None
        self._problem = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text), id="detail-title")
        with VerticalScroll():
            yield Static(id="detail-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._paint()
        self.action_reload()

    def action_reload(self) -> None:
        if self._loader is not None:
            self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, description="Loading details")
    def _load(self) -> None:
        loader = self._loader
        if loader is None:
            return
        try:
            result = loader()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a Problem shown in the view
            problem = classify(exc, operation="DescribeClusterNode")
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._loaded_problem, problem.one_line())
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded_result, result)

    def _loaded_result(self, result: object) -> None:
        self._loaded, self._problem = result, ""
        self._paint()

    def _loaded_problem(self, problem: str) -> None:
        self._problem = problem
        self._paint()

    def _paint(self) -> None:
        sections = list(self._sections(self._loaded, hyperpod_app(self).clock()))
        if self._problem:
            sections.insert(0, ("Could not load details", [("", self._problem)]))
        body = render_sections(sections, lambda kind: self.get_component_rich_style(f"detail--status-{kind}"))
        self.query_one("#detail-body", Static).update(body)


def cluster_detail_screen(summary: ClusterSummary, detail: ClusterDetail | None) -> DetailScreen:
    return DetailScreen(f"Cluster {clean(summary.name)}", lambda _, now: cluster_sections(summary, detail, now))


def group_detail_screen(detail: ClusterDetail, group: InstanceGroup) -> DetailScreen:
    return DetailScreen(
        f"Instance group {clean(group.name)} · {clean(detail.name)}", lambda _, now: group_sections(detail, group, now)
    )


NODE_EVENTS = 8  # the node's last events on its details page (Continuous-mode clusters only)


def node_detail_screen(
    cluster: ClusterDetail, node: Node, api_getter: Callable[[], HyperPodApi], verdict: Verdict | None = None
) -> DetailScreen:
    """`verdict`: the node's health (the snapshot's `verdicts`), shown with every signal and its time."""
    continuous = cluster.node_provisioning_mode == "Continuous"

    def load() -> tuple[NodeDetail, list[Field] | None]:
        api = api_getter()
        detail = api.describe_node(cluster.name, node.instance_id, logical_id=node.node_logical_id)
        return detail, (_last_events(api, cluster.name, node.key) if continuous else None)

    def sections(loaded: object | None, now: float) -> list[Section]:
        detail, events = loaded if isinstance(loaded, tuple) else (None, None)
        out = node_sections(cluster, node, detail if isinstance(detail, NodeDetail) else None, now)
        message = (detail.node.message if isinstance(detail, NodeDetail) else "") or node.message
        out.insert(1 if out and out[0][0] != "Node" else 0, health_section(cluster, verdict, now, message))
        if continuous:
            out.append(
                ("Last events (e on the node for all)", events or [("", "loading…" if loaded is None else "none")])
            )
        return out

    return DetailScreen(f"Node {clean(node.key)} · {clean(node.group)} · {clean(cluster.name)}", sections, loader=load)


def _last_events(api: HyperPodApi, cluster: str, instance_id: str) -> list[Field]:
    """The node's newest events, one line each (one page, folded); a failure is one line, not the page's."""
    from tui.core.events import fold, format_time, list_events

    try:
        member, name = api.resolve(cluster)  # a fleet key (name@region) → its region's client and real name
        events = fold(list_events(member.client("sagemaker"), name, node=instance_id, page_cap=1, newest_only=True))
    except Exception as exc:  # noqa: BLE001 - the node's details still show
        return [("", classify(exc, operation="ListClusterEvents").one_line())]
    return [
        (
            format_time(event.time, utc=False),
            f"{event.level_text}  {event.description}" + (f" (×{event.count})" if event.count > 1 else ""),
        )
        for event in events[:NODE_EVENTS]
    ]


def detail_screen_for(
    pane: str, key: str, state: ExplorerState, api_getter: Callable[[], HyperPodApi]
) -> DetailScreen | None:
    """The details of the row `key` of the explorer pane `pane` ("clusters", "groups", "nodes"), if it exists."""
    detail = state.focus_detail
    if pane == "clusters" and key in state.clusters:
        return cluster_detail_screen(state.clusters[key], state.detail_of(key))
    if pane == "groups" and detail is not None and (group := detail.group(key)) is not None:
        return group_detail_screen(detail, group)
    snapshot = state.focus_snapshot
    if pane == "nodes" and detail is not None and snapshot is not None and (node := snapshot.nodes.get(key)):
        return node_detail_screen(detail, node, api_getter, snapshot.verdicts.get(key))
    return None
