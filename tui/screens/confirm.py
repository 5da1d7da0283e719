"""The confirmation of a node action: exactly what will happen, to which nodes, through which API, before it does.

Focus starts on Cancel, so a stray Enter does nothing. A small reboot is confirmed with the button (or `y`).
Replace and delete destroy volumes and capacity, and a batch of more than 25 nodes, of every node of the cluster
or including the Slurm controller touches the whole cluster: for those Confirm stays disabled until the cluster's
name is typed exactly (core.actions decides which plans need it, and lists the controller and the nodes in an
abnormal state first). A refused plan (a Slurm controller, too many nodes for one delete) shows why and offers
only Close. Everything from AWS is sanitised and shown as plain Text, never parsed as markup.
"""

from __future__ import annotations

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
from tui.core.wording import plural
from tui.screens._dialog import fit_table, plan_title
from tui.screens._typed_confirm import TypedNameConfirm
from tui.typed_app import hyperpod_app
from tui.widgets.clean_input import CleanInput
from tui.widgets.resource_table import ResourceTable

TARGET_ROWS = 14  # the target list's height at most (header and border included); it scrolls beyond

TARGET_COLUMNS = (
    Column("instance_id", "INSTANCE ID", min_width=19, max_width=32),  # 32: a NodeLogicalId, when no instance id
    Column("group", "GROUP", max_width=24),
    Column("status", "STATUS", kind="status", max_width=25),
    Column("hostname", "HOSTNAME", flex=True, max_width=60),
)


def target_rows(plan: ActionPlan) -> list[TableRow]:
    return [
        TableRow(
            node.key,
            (clean(node.key), clean(node.group), clean(node.status), clean(short_hostname(node.hostname))),
        )
        for node in plan.nodes
    ]


def patch_text(notice: list[str]) -> Table:
    """The patch notice: a ⚠ on each statement, its indented lines (one per group) under it as bullets."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for line in notice:
        indented = line.startswith("  ")
        grid.add_row("  •" if indented else "⚠", Text(clean(line.strip())))
    return grid


class ConfirmActionScreen(TypedNameConfirm):
    """Dismissed with True only when the user confirmed a plan that may run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,n",
            "cancel",
            "Cancel",
            tooltip="Close without doing anything (n only where no name is typed)",
            id="confirm-cancel",
        ),
        Binding(
            "y",
            "confirm",
            "Confirm",
            tooltip="Confirm a small reboot (replace, delete and large or whole-cluster batches need the name typed)",
            id="confirm-yes",
        ),
    ]

    DEFAULT_CSS = """
    ConfirmActionScreen { align: center middle; }
    ConfirmActionScreen > #confirm-dialog {
        width: 110; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1;
        &.-destructive { border: thick $error; }
        &.-refused { border: thick $warning; }
    }
    #confirm-dialog > Static { height: auto; }
    #confirm-dialog > .dry-run { background: $banner-warning; color: $foreground; text-style: bold; padding: 0 1; }
    #confirm-dialog > .refusal { background: $banner-error; color: $foreground; padding: 0 1; margin-top: 1; }
    #confirm-dialog > .caution { color: $status-warn; }
    #confirm-dialog > #confirm-patch { color: $status-warn; text-style: bold; margin-top: 1; }
    #confirm-dialog > #confirm-targets { height: auto; margin-top: 1; border: round $pane-border; }
    #confirm-dialog > #confirm-prompt { margin-top: 0; }
    #confirm-dialog > #confirm-name { width: 60; }
    #confirm-dialog > #confirm-effects { margin-top: 1; }
    #confirm-dialog > #confirm-keys { color: $muted; margin-top: 1; }
    #confirm-buttons { height: auto; align: right middle; }
    #confirm-buttons > Button { margin-left: 2; }
    """

    def __init__(self, plan: ActionPlan) -> None:
        super().__init__()
        self.plan = plan

    @property
    def needs_typed_name(self) -> bool:
        return self.plan.needs_typed_name

    def compose(self) -> ComposeResult:
        # At 80×24 what decides comes first: the API, the cluster and its ARN, the typed-name box, the targets (the
        # list scrolls and says how many it shows); the prose (effects, cautions) last, where the dialog scrolls.
        plan = self.plan
        classes = "-refused" if plan.refused else ("-destructive" if plan.kind.typed_confirmation else "")
        with VerticalScroll(can_focus=False, id="confirm-dialog", classes=classes) as dialog:
            dialog.border_title = plan_title(plan)
            if plan.dry_run:
                yield Static(
                    "DRY RUN: nothing is sent to AWS; the journal records what would have been called.",
                    classes="dry-run",
                )
            yield Static(self._facts(), id="confirm-facts")
            for refusal in plan.refusals:
                yield Static(Text(f"✖ Refused before any call: {clean(refusal, max_len=2_000)}"), classes="refusal")
            # Right above the typed name: the last thing read before typing.
            if not plan.refused and (notice := plan.patch_notice):
                yield Static(patch_text(notice), id="confirm-patch")
            if self.needs_typed_name:
                prompt = Text("Type the cluster name ")
                prompt.append(clean(plan.cluster), style="bold")
                prompt.append(" to enable the button:")
                yield Static(prompt, id="confirm-prompt")
                yield CleanInput(placeholder="cluster name", id="confirm-name", select_on_focus=False)
            yield ResourceTable(TARGET_COLUMNS, clock=hyperpod_app(self).clock, id="confirm-targets")
            with Horizontal(id="confirm-buttons"):  # before the prose: on screen at 80×24
                yield Button("Close" if plan.refused else "Cancel", id="cancel")
                if not plan.refused:
                    yield Button(
                        self._confirm_label(),
                        id="confirm",
                        disabled=self.needs_typed_name,
                        variant="error" if plan.kind.typed_confirmation else "primary",
                    )
            for reason in plan.typed_name_reasons if not plan.refused else ():
                yield Static(Text(f"⚠ {clean(reason, max_len=2_000)}"), classes="caution prose")
            for caution in plan.cautions:
                yield Static(Text(f"⚠ {clean(caution)}"), classes="caution prose")
            yield Static(self._effects(), id="confirm-effects", classes="prose")
            yield Static(self._keys_hint(), id="confirm-keys", classes="prose")

    def _keys_hint(self) -> Text:
        if self.plan.refused:
            return Text("Esc or Enter closes. Nothing was sent.")
        if self.needs_typed_name:
            return Text("Typing goes into the box · Tab moves between box and buttons · Esc cancels")
        return Text("y or the button confirms · n or Esc cancels · Tab moves between buttons")

    def _confirm_label(self) -> Text:
        count = len(self.plan.nodes)
        label = f"{self.plan.kind.verb} {count} node{'s' if count != 1 else ''}"
        return Text(f"Dry run: {label.lower()}" if self.plan.dry_run else label)

    def _facts(self) -> Table:
        plan = self.plan
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row("API", Text(call_summary(plan)))
        grid.add_row("Cluster", Text(f"{clean(plan.cluster)} ({clean(plan.orchestrator)})"))
        grid.add_row("ARN", Text(clean(plan.cluster_arn) or "—", overflow="fold"))
        return grid

    def _effects(self) -> Table:
        plan = self.plan
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grid.add_row("Effect", Text("\n".join(consequences(plan))))
        count = len(plan.nodes)
        targets = f"{count} node{'s' if count != 1 else ''}, as they were when you pressed the key"
        if plan.hidden_by_filter:
            targets += f" ({plan.hidden_by_filter} marked but hidden by the filter)"
        grid.add_row("Targets", Text(targets))
        return grid

    def on_mount(self) -> None:
        table = self.query_one("#confirm-targets", ResourceTable)
        table.set_rows(target_rows(self.plan))
        self.query_one("#cancel", Button).focus()
        self._fit()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        dialog, table = self.query_one("#confirm-dialog"), self.query_one("#confirm-targets", ResourceTable)
        fit_table(self, dialog, table, TARGET_ROWS, below=list(self.query(".prose")))
        self.call_after_refresh(self._count_shown)
        self.call_after_refresh(dialog.scroll_home, animate=False)  # the API and the cluster first, not the prose

    def _count_shown(self) -> None:
        """The list's title: how many targets it shows of how many (it scrolls for the rest)."""
        table = self.query_one("#confirm-targets", ResourceTable)
        total = len(self.plan.nodes)
        height = table.styles.max_height.value if table.styles.max_height else table.outer_size.height
        shown = min(total, max(0, int(height) - 3))  # less its border and its header line
        table.border_title = Text(f"{plural(total, 'target')} · showing {shown} of {total}")

    # --- confirming ----------------------------------------------------------------------------------------

    @property
    def name_matches(self) -> bool:
        if not self.needs_typed_name:
            return not self.plan.refused
        # The name as the prompt shows it (clean): all the user can type.
        return self.query_one("#confirm-name", Input).value == clean(self.plan.cluster)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return not self.plan.refused and not self.plan.needs_typed_name
        return True

    @property
    def ready(self) -> bool:
        return self.name_matches

    def waiting_box(self) -> Input | None:
        return self.query_one("#confirm-name", Input) if self.needs_typed_name else None

    @on(Input.Changed, "#confirm-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not self.name_matches

    @on(Input.Submitted, "#confirm-name")
    def _name_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()
