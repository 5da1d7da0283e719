"""The Kubernetes actions' dialogs (EKS clusters, key K on the nodes pane): the menu, the confirmation, the results.

The confirmation follows screens/confirm.py: focus starts on Cancel, every target is listed (Kubernetes name,
instance id, group, its K8S state when planned), what is patched and the kubectl equivalent are shown, a label
action says that automatic node recovery must be on (and what the cluster's NodeRecovery is), replace by label
needs the cluster's name typed, a refused plan offers only Close. All text is plain `Text` from clean strings.
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.core.kube_actions import KUBE_ACTIONS, KubeOutcome, KubePlan, KubeResult
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow
from tui.core.wording import plural
from tui.screens._dialog import fit_table
from tui.screens._typed_confirm import TypedNameConfirm
from tui.typed_app import hyperpod_app
from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

TARGET_ROWS = 14
TARGET_COLUMNS = (
    Column("instance_id", "INSTANCE ID", min_width=19, max_width=20),
    Column("group", "GROUP", max_width=24),
    Column("state", "K8S", max_width=32),
    Column("outcome", "OUTCOME", flex=True, max_width=80),
)


class KubeMenuScreen(ModalScreen[str | None]):
    """Which Kubernetes action: c cordon, u uncordon, b reboot by label, p replace by label; Esc nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "choose('')", "Cancel", id="kube-menu-cancel")]
    DEFAULT_CSS = """
    KubeMenuScreen { align: center middle; }
    KubeMenuScreen > #kube-menu { width: auto; max-width: 90%; height: auto; border: thick $primary;
        background: $surface; padding: 0 1; }
    KubeMenuScreen #kube-menu-keys { color: $muted; margin-top: 1; }
    """

    def __init__(self, count: int, node_recovery: str) -> None:
        super().__init__()
        self.count = count
        self.node_recovery = node_recovery

    def compose(self) -> ComposeResult:
        with Vertical(id="kube-menu") as menu:
            menu.border_title = Text(f"Kubernetes · {plural(self.count, 'node')}")
            lines = Text()
            for kind in KUBE_ACTIONS.values():
                lines.append(f" {kind.key} ", style="bold reverse")
                lines.append(f"  {kind.verb}")
                if kind.needs_recovery:
                    lines.append("  (HyperPod's label: needs automatic node recovery)", style="dim")
                lines.append("\n")
            lines.append(f"NodeRecovery of this cluster: {clean(self.node_recovery) or 'unknown'}")
            yield Static(lines, id="kube-menu-choices")
            yield Static(
                Text("a key chooses, then a confirmation lists every node · Esc: nothing"), id="kube-menu-keys"
            )

    def on_key(self, event: events.Key) -> None:
        kind = next((k for k in KUBE_ACTIONS.values() if k.key == event.character), None)
        if kind is not None:
            event.stop()
            event.prevent_default()
            self.dismiss(kind.name)

    def action_choose(self, name: str) -> None:
        self.dismiss(name or None)


def _target_rows(plan: KubePlan, outcomes: dict[str, KubeOutcome] | None = None) -> list[TableRow]:
    rows = []
    for target in plan.targets:
        outcome = (outcomes or {}).get(target.instance_id)
        shown = (
            f"{outcome.outcome}: {outcome.message}"
            if outcome and outcome.message
            else outcome.outcome
            if outcome
            else ""
        )
        rows.append(TableRow(target.instance_id, (target.instance_id, target.group, target.state or "—", clean(shown))))
    return rows


def _title(plan: KubePlan) -> Text:
    title = f"{plan.kind.verb} {plural(len(plan.targets), 'node')} · Kubernetes PATCH"
    return Text(f"REFUSED · {title}" if plan.refused else f"DRY RUN · {title}" if plan.dry_run else title)


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def _facts(plan: KubePlan) -> Table:
    """What decides, first (at 80×24 the buttons must stay on screen): the cluster and its NodeRecovery."""
    grid = _grid()
    grid.add_row("Cluster", Text(f"{plan.cluster} (EKS)", overflow="fold"))
    if plan.kind.needs_recovery:
        grid.add_row("NodeRecovery", Text(plan.node_recovery or "unknown"))
    return grid


def _details(plan: KubePlan) -> Table:
    """How, after the buttons: the exact patch, its kubectl twin, the EKS cluster and the context."""
    grid = _grid()
    grid.add_row("Patch", Text(json.dumps(plan.kind.patch, separators=(",", ":")), overflow="fold"))
    grid.add_row("Same as", Text(plan.kind.kubectl, overflow="fold"))
    grid.add_row("EKS", Text(plan.eks_cluster_arn or "—", overflow="fold"))
    grid.add_row("Context", Text(plan.context or "—", overflow="fold"))
    return grid


class KubeConfirmScreen(TypedNameConfirm):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "cancel", "Cancel", id="kube-confirm-cancel"),
        Binding("y", "confirm", "Confirm", id="kube-confirm-yes"),
    ]
    DEFAULT_CSS = """
    KubeConfirmScreen { align: center middle; }
    KubeConfirmScreen > #kube-confirm { width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1;
        &.-destructive { border: thick $error; } &.-refused { border: thick $warning; } }
    #kube-confirm > Static { height: auto; }
    #kube-confirm > .refusal { background: $banner-error; color: $foreground; padding: 0 1; margin-top: 1; }
    #kube-confirm > .caution { color: $status-warn; text-style: bold; margin-top: 1; }
    #kube-confirm > #kube-targets { height: auto; margin-top: 1; border: round $pane-border; }
    #kube-confirm > #kube-name { width: 60; }
    #kube-confirm > .prose { color: $muted; margin-top: 1; }
    #kube-buttons { height: auto; align: right middle; }
    #kube-buttons > Button { margin-left: 2; }
    """

    def __init__(self, plan: KubePlan) -> None:
        super().__init__()
        self.plan = plan

    @property
    def needs_typed_name(self) -> bool:
        return self.plan.kind.typed_confirmation and not self.plan.refused

    def compose(self) -> ComposeResult:
        plan = self.plan
        classes = "-refused" if plan.refused else ("-destructive" if plan.kind.typed_confirmation else "")
        with VerticalScroll(can_focus=False, id="kube-confirm", classes=classes) as dialog:
            dialog.border_title = _title(plan)
            yield Static(_facts(plan), id="kube-facts")
            if plan.refused:
                yield Static(Text(f"✖ Refused before any call: {clean(plan.refused)}"), classes="refusal")
            if notice := plan.recovery_notice:
                yield Static(Text(f"⚠ {notice}"), classes="caution", id="kube-recovery")
            if self.needs_typed_name:
                prompt = Text("Type the cluster name ")
                prompt.append(clean(plan.cluster), style="bold")
                prompt.append(" to enable the button (a replacement destroys the node's volumes):")
                yield Static(prompt, id="kube-prompt")
                yield CleanInput(placeholder="cluster name", id="kube-name", select_on_focus=False)
            yield ResourceTable(TARGET_COLUMNS[:3], clock=hyperpod_app(self).clock, id="kube-targets")
            with Horizontal(id="kube-buttons"):
                yield Button("Close" if plan.refused else "Cancel", id="cancel")
                if not plan.refused:
                    label = f"{plan.kind.verb} {plural(len(plan.targets), 'node')}"
                    yield Button(
                        Text(f"Dry run: {label.lower()}" if plan.dry_run else label),
                        id="confirm",
                        disabled=self.needs_typed_name,
                        variant="error" if plan.kind.typed_confirmation else "primary",
                    )
            yield Static(_details(plan), classes="prose", id="kube-details")
            extra = []
            if plan.skipped:
                extra.append(f"Left out (no instance yet, so no Kubernetes node): {', '.join(plan.skipped[:5])}")
            if plan.hidden_by_filter:
                extra.append(f"{plan.hidden_by_filter} of the targets are marked but hidden by the filter.")
            keys = "type the name, then Enter" if self.needs_typed_name else "y or the button confirms"
            extra.append(f"One PATCH per node, each journalled before it is sent. {keys} · Esc cancels")
            yield Static(Text("\n".join(extra)), classes="prose")

    def on_mount(self) -> None:
        table = self.query_one("#kube-targets", ResourceTable)
        table.set_rows([TableRow(r.key, r.values[:3]) for r in _target_rows(self.plan)])
        table.border_title = Text(plural(len(self.plan.targets), "target"))
        self.query_one("#cancel", Button).focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        dialog = self.query_one("#kube-confirm")
        fit_table(self, dialog, self.query_one("#kube-targets"), TARGET_ROWS, below=list(self.query(".prose")))
        self.call_after_refresh(dialog.scroll_home, animate=False)  # what is patched first, not the prose

    @property
    def name_matches(self) -> bool:
        if self.plan.refused:
            return False
        if not self.needs_typed_name:
            return True
        return self.query_one("#kube-name", Input).value == clean(self.plan.cluster)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return not self.plan.refused and not self.needs_typed_name
        return True

    @property
    def ready(self) -> bool:
        return self.name_matches

    def waiting_box(self) -> Input | None:
        return self.query_one("#kube-name", Input) if self.needs_typed_name else None

    @on(Input.Changed, "#kube-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.name_matches

    @on(Input.Submitted, "#kube-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()


class KubeResultsScreen(ModalScreen[None]):
    """Each node's outcome as its PATCH returns; Esc or Enter closes (the work goes on behind it)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close", id="kube-results-close")]
    DEFAULT_CSS = """
    KubeResultsScreen { align: center middle; }
    KubeResultsScreen > #kube-results { width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1; }
    #kube-results > #kube-results-table { height: auto; border: round $pane-border; }
    #kube-results > Static { height: auto; margin-top: 1; }
    """

    def __init__(self, plan: KubePlan) -> None:
        super().__init__()
        self.plan = plan
        self.outcomes: dict[str, KubeOutcome] = {}
        self.done = False

    def compose(self) -> ComposeResult:
        with Vertical(id="kube-results") as box:
            box.border_title = _title(self.plan)
            yield ResourceTable(TARGET_COLUMNS, clock=hyperpod_app(self).clock, id="kube-results-table")
            yield Static(Text("Running… Esc closes this view; the patches go on."), id="kube-results-line")

    def on_mount(self) -> None:
        self.query_one("#kube-results-table", ResourceTable).set_rows(_target_rows(self.plan, self.outcomes))
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        fit_table(self, self.query_one("#kube-results"), self.query_one("#kube-results-table"), TARGET_ROWS)

    def add(self, outcome: KubeOutcome) -> None:
        self.outcomes[outcome.target.instance_id] = outcome
        if self.is_mounted:
            self.query_one("#kube-results-table", ResourceTable).set_rows(_target_rows(self.plan, self.outcomes))

    def finish(self, result: KubeResult) -> None:
        for outcome in result.outcomes:
            self.outcomes[outcome.target.instance_id] = outcome
        counts: dict[str, int] = {}
        for outcome in result.outcomes:
            counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
        line = " · ".join(f"{count} {name}" for name, count in counts.items()) or "nothing sent"
        if result.journal_error:
            line += f" · journal: {clean(result.journal_error)}"
        if self.is_mounted:
            self.query_one("#kube-results-table", ResourceTable).set_rows(_target_rows(self.plan, self.outcomes))
            self.query_one("#kube-results-line", Static).update(Text(f"{line}. Esc or Enter closes."))

    def stopped(self, error: str) -> None:
        if self.is_mounted:
            self.query_one("#kube-results-line", Static).update(Text(f"Stopped: {clean(error)}"))

    def action_close(self) -> None:
        self.dismiss(None)
