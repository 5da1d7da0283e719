"""The nodes pane: a ResourceTable that owns the marks and the node keys, and asks its screen for the rest.

Its keys are its own bindings, so they exist only while it has focus. It does no AWS work and opens no screen:
each key that needs one posts a request (nested here) that the screen hands to the feature's controller.

Marks are kept per cluster: the table holds the marks of the cluster it shows; the others are parked here until
their cluster is shown again. A marked node that disappears is unmarked, and the user is told.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.core.tables import Column, TableRow
from tui.core.wording import plural
from tui.text import toast
from tui.typed_app import key_for
from tui.widgets.resource_table import ResourceTable
from tui.widgets.widget_message import WidgetMessage

MAX_LISTED_IDS = 5
# reboot/replace/delete are also their binding ids and core.actions' names; run_command is `x` (tui/controllers/run.py)
# scheduler_action is `K` (Slurm's actions on a Slurm cluster: tui/controllers/slurm.py)
CHANGING_ACTIONS = frozenset({"reboot", "replace", "delete", "deep_health_check", "run_command", "scheduler_action"})

MARK_BINDINGS: list[Binding] = [
    Binding("space", "mark", "Mark", tooltip="Mark or unmark the highlighted node (and move down)", id="mark"),
    Binding("ctrl+a", "mark_all", "Mark all", show=False, tooltip="Mark every node the filter shows", id="mark-all"),
    Binding(
        "ctrl+space,ctrl+@",  # a terminal sends NUL, which Textual names ctrl+@
        "mark_range",
        "Mark range",
        show=False,
        tooltip="Mark every node from the last mark to the highlighted one (k9s)",
        id="mark-range",
    ),
    Binding("ctrl+u", "unmark_all", "Unmark all", show=False, tooltip="Unmark every node", id="unmark-all"),
    Binding(
        "ctrl+backslash", "unmark_all", "Unmark all", show=False, tooltip="Unmark every node (k9s)", id="clear-marks"
    ),
]
ACTION_BINDINGS: list[Binding] = [
    Binding("R", "reboot", "Reboot", tooltip="Reboot the marked nodes (or the highlighted one)", id="reboot"),
    Binding("P", "replace", "Replace", tooltip="Replace the marked nodes (or the highlighted one)", id="replace"),
    Binding("D", "delete", "Delete", tooltip="Delete the marked nodes (or the highlighted one)", id="delete"),
    # Its id is core.health_check.DEEP_HEALTH_CHECK's name (the results view finds the key by it).
    Binding(
        "C",
        "deep_health_check",
        "Health check",
        show=False,
        tooltip="Deep health check (StartClusterHealthCheck) of the marked nodes (or the highlighted one)",
        id="deep-health-check",
    ),
]
RUN_BINDING = Binding(
    "x", "run_command", "Run", tooltip="Run a command on the marked nodes (or the highlighted one)", id="run-command"
)
# K: the orchestrator's actions on the marked nodes: on a Slurm cluster Slurm's drain / resume / reboot / replace
# (controllers/slurm.py), on an EKS cluster Kubernetes' cordon / uncordon / reboot or replace by label
# (controllers/kube.py). The table does not know which: the screen dispatches on the cluster's orchestrator.
SCHEDULER_BINDING = Binding(
    "K",
    "scheduler_action",
    "Scheduler",
    show=False,  # in help (?) and the nodes pane's title hint is the run/confirm flow's; the footer is full at 80
    tooltip="The scheduler's actions on the marked nodes: Slurm drain, resume, reboot or replace through Slurm; "
    "EKS cordon, uncordon, reboot or replace by label",
    id="scheduler-action",
)
SHELL_BINDINGS: list[Binding] = [
    Binding(
        "s", "shell", "Shell", tooltip="Open a shell on the highlighted node, in a pane under the tables", id="shell"
    ),
    Binding(
        "S",
        "shell_fullscreen",
        "Full-screen shell",
        show=False,
        tooltip="Shell on the highlighted node with the whole terminal (the app is suspended until it ends)",
        id="shell-fullscreen",
    ),
    Binding(
        "y",
        "copy_ssm_command",
        "Copy SSM",
        tooltip="Copy the `aws ssm start-session` command for the highlighted node",
        id="copy-ssm-command",
    ),
]
# ssh and port forwards through SSM (tui/controllers/ssh_entries.py, tui/controllers/forwards.py)
SSH_BINDINGS: list[Binding] = [
    Binding(
        "i",
        "ssh_config",
        "SSH config",
        show=False,
        tooltip="ssh config entries (ProxyCommand through SSM) for the cluster's nodes: copy or write them",
        id="ssh-config",
    ),
    Binding(
        "f",
        "port_forward",
        "Forward",
        show=False,
        tooltip="Forward a local port to a port on the highlighted node (or a host it reaches); :pf lists them",
        id="port-forward",
    ),
]
LOGS_BINDING = Binding(
    "l",
    "logs",
    "Logs",
    id="logs",
    tooltip="Lifecycle-script log of the node; on a cluster, the log its failure message names",
)
# The screen's "to the shell pane" key, listed here too so that the footer shows it next to the shell keys; the
# table's own screen decides whether it applies (a shell tab exists) and runs it.
SHELL_FOCUS_HERE = Binding(
    "ctrl+t",
    "shell_focus",
    "To shell",
    tooltip="Put the keyboard in the shell pane (ctrl+] leaves it)",
    id="shell-focus",
)


class NodeTable(ResourceTable):
    row_noun = "node"
    BINDINGS: ClassVar[list[BindingType]] = [
        *SHELL_BINDINGS,
        SHELL_FOCUS_HERE,
        *SSH_BINDINGS,
        LOGS_BINDING,
        *MARK_BINDINGS,
        *ACTION_BINDINGS,
        RUN_BINDING,
        SCHEDULER_BINDING,
    ]

    class ActionRequested(WidgetMessage):
        """R / P / D: `action` (a core.actions name) on `node_ids` (table order), `hidden` of them hidden by the
        filter. Nothing is planned yet: the receiver plans, confirms and runs."""

        def __init__(self, table: NodeTable, action: str, node_ids: Sequence[str], hidden: int) -> None:
            super().__init__(table)
            self.action = action
            self.node_ids = tuple(node_ids)
            self.hidden = hidden

    class RunRequested(WidgetMessage):
        """x: run a command on `node_ids` (the marked ones, visible first; else the highlighted one)."""

        def __init__(self, table: NodeTable, node_ids: Sequence[str], hidden: int) -> None:
            super().__init__(table)
            self.node_ids = tuple(node_ids)
            self.hidden = hidden

    class SchedulerActionRequested(WidgetMessage):
        """K: the scheduler's actions on `node_ids` (marked, visible first; else the highlighted one). The screen
        sends a Slurm cluster's to tui/controllers/slurm.py, an EKS cluster's to tui/controllers/kube.py."""

        def __init__(self, table: NodeTable, node_ids: Sequence[str], hidden: int) -> None:
            super().__init__(table)
            self.node_ids = tuple(node_ids)
            self.hidden = hidden

    class ShellRequested(WidgetMessage):
        """s (in a pane) or S (full screen) on the highlighted node (None: no row is highlighted)."""

        def __init__(self, table: NodeTable, node_id: str | None, *, fullscreen: bool) -> None:
            super().__init__(table)
            self.node_id = node_id
            self.fullscreen = fullscreen

    class CopyCommandRequested(WidgetMessage):
        """y: the `aws ssm start-session` command of the highlighted node (None: no row is highlighted)."""

        def __init__(self, table: NodeTable, node_id: str | None) -> None:
            super().__init__(table)
            self.node_id = node_id

    class SshConfigRequested(WidgetMessage):
        """i: the cluster's ssh entries, the highlighted node's alias first (None: no row is highlighted)."""

        def __init__(self, table: NodeTable, node_id: str | None) -> None:
            super().__init__(table)
            self.node_id = node_id

    class ForwardRequested(WidgetMessage):
        """f: a port forward to the highlighted node."""

        def __init__(self, table: NodeTable, node_id: str | None) -> None:
            super().__init__(table)
            self.node_id = node_id

    class LogsRequested(WidgetMessage):
        """l: the lifecycle log of this node."""

        def __init__(self, table: NodeTable, node_id: str) -> None:
            super().__init__(table)
            self.node_id = node_id

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        read_only: bool = False,
        sort: str | None = None,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
    ) -> None:
        super().__init__(columns, markable=True, sort=sort, clock=clock, id=id)
        self.read_only = read_only
        self._shown_cluster: str | None = None
        self._parked: dict[str, set[str]] = {}  # cluster → its marks, while another cluster is shown

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Read-only mode guards the control plane (the screen explains the key instead).
        if action in CHANGING_ACTIONS and self.read_only:
            return False
        if action == SHELL_FOCUS_HERE.action:
            return self.screen.check_action(action, parameters)
        return super().check_action(action, parameters)

    # --- which cluster's rows ------------------------------------------------------------------------------

    @property
    def shown_cluster(self) -> str | None:
        """The cluster whose nodes the table shows (or is waiting for)."""
        return self._shown_cluster

    def show_cluster(self, cluster: str | None, rows: Iterable[TableRow] | None) -> None:
        """Replace every row with `cluster`'s (`rows` None: not listed yet). The shown cluster's marks are
        parked; `cluster`'s come back once its rows are here."""
        if self._shown_cluster is not None:
            self._parked[self._shown_cluster] = set(self.marks)
        self.set_rows(rows if rows is not None else ())
        self._shown_cluster = cluster
        if cluster is not None and rows is not None:
            self._unpark(cluster)

    def apply_changes(self, changed: Sequence[TableRow], removed: Sequence[str], flash: Iterable[str]) -> None:
        """A diff of the shown cluster's nodes; marked nodes that are gone are reported."""
        gone = [key for key in removed if key in self.marks]
        self.update_rows(changed, removed, flash=flash)
        self._notify_unmarked(gone)

    def unmark(self, cluster: str, keys: Iterable[str]) -> None:
        """Unmark `keys` of `cluster`, shown or parked (an action succeeded on them)."""
        done = set(keys)
        if not done:
            return
        if self._shown_cluster == cluster:
            remaining = self.marks - done
            if remaining != self.marks:
                self.clear_marks()
                self.mark_keys(remaining)
        elif cluster in self._parked:
            self._parked[cluster] -= done

    def targets(self) -> tuple[list[str], int]:
        """The nodes an action applies to: the marked ones (visible first, in table order), else the
        highlighted one; and how many of them the filter hides."""
        marks = self.marks
        if marks:
            visible = [key for key in self.visible_keys if key in marks]
            hidden = sorted(marks - set(visible))
            return visible + hidden, len(hidden)
        return ([self.cursor_key] if self.cursor_key else []), 0

    def _unpark(self, cluster: str) -> None:
        saved = self._parked.pop(cluster, None)
        if not saved:
            return
        present = {key for key in saved if self.row(key) is not None}
        if present - self.marks:
            self.mark_keys(present)
        self._notify_unmarked(sorted(saved - present))

    def _notify_unmarked(self, gone: list[str]) -> None:
        if gone:
            listed = ", ".join(gone[:MAX_LISTED_IDS]) + (" …" if len(gone) > MAX_LISTED_IDS else "")
            toast(
                self,
                f"{plural(len(gone), 'marked node')} disappeared and {'was' if len(gone) == 1 else 'were'} unmarked: {listed}",
                severity="warning",
            )

    # --- keys ----------------------------------------------------------------------------------------------

    def _on_screen(self, binding: Binding, doing: str) -> bool:
        """Whether a key may act on the highlighted node: only when its row is on screen (else it is scrolled
        into view and the user told to press the key again)."""
        return self.reveal_cursor(key_for(self, binding), doing)

    def action_mark(self) -> None:
        if not self._on_screen(MARK_BINDINGS[0], "mark it"):
            return
        self.toggle_mark()
        self.action_cursor(1)

    def action_mark_all(self) -> None:
        self.mark_keys(list(self.visible_keys))

    def action_mark_range(self) -> None:
        if not self._on_screen(MARK_BINDINGS[0], "mark it"):
            return
        if self.model.mark_range():
            self._clear_caches()
            self.refresh()
            self.post_message(self.ViewChanged(self))

    def action_unmark_all(self) -> None:
        self.clear_marks()

    def _request_action(self, action: str) -> None:
        binding = next(binding for binding in ACTION_BINDINGS if binding.action == action)
        if not self.marks and not self._on_screen(binding, f"{binding.description.lower()} it"):
            return  # marked nodes are the targets (the confirmation lists them); else the highlighted one
        ids, hidden = self.targets()
        self.post_message(self.ActionRequested(self, action, ids, hidden))

    def action_reboot(self) -> None:
        self._request_action("reboot")

    def action_replace(self) -> None:
        self._request_action("replace")

    def action_delete(self) -> None:
        self._request_action("delete")

    def action_deep_health_check(self) -> None:
        self._request_action("deep_health_check")

    def action_run_command(self) -> None:
        if not self.marks and not self._on_screen(RUN_BINDING, "run a command on it"):
            return
        ids, hidden = self.targets()
        self.post_message(self.RunRequested(self, ids, hidden))

    def action_scheduler_action(self) -> None:
        if not self.marks and not self._on_screen(SCHEDULER_BINDING, "act on it"):
            return
        ids, hidden = self.targets()
        self.post_message(self.SchedulerActionRequested(self, ids, hidden))

    def action_shell(self) -> None:
        if self._on_screen(SHELL_BINDINGS[0], "open a shell on it"):
            self.post_message(self.ShellRequested(self, self.cursor_key, fullscreen=False))

    def action_shell_fullscreen(self) -> None:
        if self._on_screen(SHELL_BINDINGS[1], "open a full-screen shell on it"):
            self.post_message(self.ShellRequested(self, self.cursor_key, fullscreen=True))

    def action_copy_ssm_command(self) -> None:
        if self._on_screen(SHELL_BINDINGS[2], "copy its SSM command"):
            self.post_message(self.CopyCommandRequested(self, self.cursor_key))

    def action_ssh_config(self) -> None:
        if self._on_screen(SSH_BINDINGS[0], "show its ssh entry"):
            self.post_message(self.SshConfigRequested(self, self.cursor_key))

    def action_port_forward(self) -> None:
        if self._on_screen(SSH_BINDINGS[1], "forward a port of it"):
            self.post_message(self.ForwardRequested(self, self.cursor_key))

    async def action_shell_focus(self) -> None:
        await self.screen.run_action(SHELL_FOCUS_HERE.action)

    def action_logs(self) -> None:
        if self.cursor_key is not None and self._on_screen(LOGS_BINDING, "open its log"):
            self.post_message(self.LogsRequested(self, self.cursor_key))
