"""The confirmation of one node action across several clusters (the triage view): every plan in one dialog.

Each cluster keeps its own plan (core/triage_actions: one per cluster, core/actions' rules unchanged), and the
dialog lists them all: per cluster its API calls and ARN, then one target list grouped by cluster naming every node.
If any cluster's plan is refused, the whole action is (Close only: unmark what it names). A plan that needs the
cluster's name typed (replace and delete always; a reboot of more than 25 nodes, of every node or of the Slurm
controller) gets its OWN box: the user types each such cluster's name, and Confirm stays disabled until every box
matches its cluster. One box for all, or a count, would let a user confirm volumes destroyed in a cluster whose
name they never read; a box per cluster keeps the nodes pane's rule per cluster. Focus starts on Cancel; typing
anywhere goes into the first box that does not match yet; Enter in a matching box moves to the next one.
Everything from AWS is sanitised and shown as plain Text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from tui.core.actions import ActionPlan, call_summary, consequences
from tui.core.sanitize import clean
from tui.core.tables import Column, TableRow, short_hostname
from tui.core.triage import row_key
from tui.core.triage_actions import plans_title
from tui.core.wording import plural
from tui.screens._dialog import fit_table
from tui.screens._typed_confirm import TypedNameConfirm
from tui.screens.confirm import TARGET_ROWS, patch_text
from tui.typed_app import hyperpod_app
from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

TARGET_COLUMNS = (
    Column("cluster", "CLUSTER", min_width=8, max_width=24),
    Column("instance_id", "INSTANCE ID", min_width=19, max_width=32),
    Column("group", "GROUP", max_width=20),
    Column("status", "STATUS", kind="status", max_width=20),
    Column("hostname", "HOSTNAME", flex=True, max_width=60),
)


def target_rows(plans: Sequence[ActionPlan]) -> list[TableRow]:
    """Every target of every plan, grouped by cluster (plan order, then each plan's own order)."""
    return [
        TableRow(
            row_key(plan.cluster, node.key),
            (
                clean(plan.cluster),
                clean(node.key),
                clean(node.group),
                clean(node.status),
                clean(short_hostname(node.hostname)),
            ),
        )
        for plan in plans
        for node in plan.nodes
    ]


def _region(arn: str) -> str:
    """`arn:aws:sagemaker:us-east-1:…` → `us-east-1`: where that cluster's calls go."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 else ""


class ConfirmPlansScreen(TypedNameConfirm):
    """Dismissed with True only when every plan may run and every typed name matches its cluster."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing anything", id="confirm-cancel"),
        Binding("y", "confirm", "Confirm", tooltip="Confirm (only where no name is typed)", id="confirm-yes"),
    ]

    DEFAULT_CSS = """
    ConfirmPlansScreen { align: center middle; }
    ConfirmPlansScreen > #confirm-dialog {
        width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1;
        &.-destructive { border: thick $error; }
        &.-refused { border: thick $warning; }
    }
    #confirm-dialog > Static { height: auto; }
    #confirm-dialog > .dry-run { background: $banner-warning; color: $foreground; text-style: bold; padding: 0 1; }
    #confirm-dialog > .refusal { background: $banner-error; color: $foreground; padding: 0 1; }
    #confirm-dialog > .caution { color: $status-warn; }
    #confirm-dialog > .patch { color: $status-warn; text-style: bold; }
    #confirm-dialog > #confirm-targets { height: auto; margin-top: 1; border: round $pane-border; }
    #confirm-dialog > .name-row { height: 1; }
    #confirm-dialog .name-label { width: auto; }
    #confirm-dialog .name-box { width: 1fr; max-width: 60; height: 1; border: none; padding: 0 1; background: $panel; }
    #confirm-dialog > #confirm-effects { margin-top: 1; }
    #confirm-dialog > #confirm-keys { color: $muted; margin-top: 1; }
    #confirm-buttons { height: auto; align: right middle; }
    #confirm-buttons > Button { margin-left: 2; }
    """

    def __init__(self, plans: Sequence[ActionPlan]) -> None:
        super().__init__()
        self.plans = tuple(plans)
        self.refused = any(plan.refused for plan in self.plans)
        # The plans whose cluster name must be typed, each with its own box (its index in `plans`).
        self.typed = [] if self.refused else [i for i, plan in enumerate(self.plans) if plan.needs_typed_name]

    @property
    def node_count(self) -> int:
        return sum(len(plan.nodes) for plan in self.plans)

    def compose(self) -> ComposeResult:
        plans = self.plans
        destructive = any(plan.kind.typed_confirmation for plan in plans)
        classes = "-refused" if self.refused else ("-destructive" if destructive else "")
        with VerticalScroll(can_focus=False, id="confirm-dialog", classes=classes) as dialog:
            title = plans_title(plans)
            prefix = "REFUSED · " if self.refused else ("DRY RUN · " if any(p.dry_run for p in plans) else "")
            dialog.border_title = Text(prefix + title)
            if any(plan.dry_run for plan in plans):
                yield Static(
                    "DRY RUN: nothing is sent to AWS; the journal records what would have been called.",
                    classes="dry-run",
                )
            yield Static(self._facts(), id="confirm-facts")
            for plan in plans:
                for refusal in plan.refusals:
                    line = f"✖ Refused before any call ({clean(plan.cluster)}): {clean(refusal, max_len=2_000)}"
                    yield Static(Text(line), classes="refusal")
            for index in self.typed:
                plan = plans[index]
                if notice := plan.patch_notice:
                    yield Static(patch_text([f"{clean(plan.cluster)}: {line}" for line in notice]), classes="patch")
            if self.typed:
                yield Static(Text("Type each cluster's name to enable the button:"), id="confirm-prompt")
            for index in self.typed:
                plan = plans[index]
                with Horizontal(classes="name-row"):
                    label = Text(clean(plan.cluster), style="bold")
                    label.append(f" ({plural(len(plan.nodes), 'node')}) ")
                    yield Static(label, classes="name-label")
                    yield CleanInput(
                        placeholder="type its name",  # not the name itself: an empty box must not look filled
                        id=f"confirm-name-{index}",
                        classes="name-box",
                        select_on_focus=False,
                    )
            yield ResourceTable(TARGET_COLUMNS, clock=hyperpod_app(self).clock, id="confirm-targets")
            with Horizontal(id="confirm-buttons"):
                yield Button("Close" if self.refused else "Cancel", id="cancel")
                if not self.refused:
                    words = f"{plans[0].kind.verb} {plural(self.node_count, 'node')} in {len(plans)} clusters"
                    yield Button(
                        Text(f"Dry run: {words.lower()}" if plans[0].dry_run else words),
                        id="confirm",
                        disabled=bool(self.typed),
                        variant="error" if destructive else "primary",
                    )
            for plan in plans if not self.refused else ():
                for reason in plan.typed_name_reasons:
                    yield Static(
                        Text(f"⚠ {clean(plan.cluster)}: {clean(reason, max_len=2_000)}"), classes="caution prose"
                    )
                for caution in plan.cautions:
                    yield Static(Text(f"⚠ {clean(plan.cluster)}: {clean(caution)}"), classes="caution prose")
            yield Static(self._effects(), id="confirm-effects", classes="prose")
            yield Static(self._keys_hint(), id="confirm-keys", classes="prose")

    def _facts(self) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for plan in self.plans:
            calls = plural(plan.call_count, "call")
            region = _region(plan.cluster_arn)
            where = f" · {clean(region)}" if region else ""
            grid.add_row(Text(clean(plan.cluster)), Text(f"{clean(plan.orchestrator)}{where} · {calls}", no_wrap=True))
        return grid

    def _effects(self) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row("Effect", Text("\n".join(consequences(self.plans[0]))))
        hidden = sum(plan.hidden_by_filter for plan in self.plans)
        targets = (
            f"{plural(self.node_count, 'node')} in {plural(len(self.plans), 'cluster')}, as they were when you "
            "pressed the key; each cluster's calls go to its own region, one cluster after the other"
        )
        if hidden:
            targets += f" ({hidden} marked but hidden by the filter)"
        grid.add_row("Targets", Text(targets))
        grid.add_row("API", Text("\n".join(f"{clean(plan.cluster)}: {call_summary(plan)}" for plan in self.plans)))
        grid.add_row("ARN", Text("\n".join(clean(plan.cluster_arn) or "—" for plan in self.plans), overflow="fold"))
        return grid

    def _keys_hint(self) -> Text:
        if self.refused:
            return Text("Esc or Enter closes. Nothing was sent.")
        if self.typed:
            return Text(
                "Typing goes into the first box not yet matching · Tab moves between boxes and buttons · Esc cancels"
            )
        return Text("y or the button confirms · Esc cancels · Tab moves between buttons")

    def on_mount(self) -> None:
        self.query_one("#confirm-targets", ResourceTable).set_rows(target_rows(self.plans))
        self.query_one("#cancel", Button).focus()
        self._fit()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        dialog, table = self.query_one("#confirm-dialog"), self.query_one("#confirm-targets", ResourceTable)
        fit_table(self, dialog, table, TARGET_ROWS, below=list(self.query(".prose")))
        table.border_title = Text(f"{plural(self.node_count, 'target')} in {plural(len(self.plans), 'cluster')}")
        self.call_after_refresh(dialog.scroll_home, animate=False)

    # --- confirming ----------------------------------------------------------------------------------------

    def _box(self, index: int) -> Input:
        return self.query_one(f"#confirm-name-{index}", Input)

    def _matches(self, index: int) -> bool:
        return self._box(index).value == clean(self.plans[index].cluster)

    @property
    def names_match(self) -> bool:
        """Every box holds its own cluster's name (as the prompt shows it: all the user can type)."""
        return not self.refused and all(self._matches(index) for index in self.typed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return not self.refused and not self.typed
        return True

    @property
    def ready(self) -> bool:
        return self.names_match

    def waiting_box(self) -> Input | None:
        """The first box not yet matching its cluster (the last one when all match)."""
        if not self.typed:
            return None
        return self._box(next((index for index in self.typed if not self._matches(index)), self.typed[-1]))

    @on(Input.Changed, ".name-box")
    def _name_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.names_match

    @on(Input.Submitted, ".name-box")
    def _name_submitted(self, event: Input.Submitted) -> None:
        waiting = next((index for index in self.typed if not self._matches(index)), None)
        if waiting is None:
            self.action_confirm()
        elif self._box(waiting) is not event.input:
            self._box(waiting).focus()
