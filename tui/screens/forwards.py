"""Port forwards: the form (`f` on a node) and the list of forwards (`:pf`, as in k9s). The forwards themselves are
tui.core.port_forward; the controller is tui/controllers/forwards.py. Everything shown is clean Text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.core import port_forward
from tui.core.sanitize import clean, fit_cells
from tui.widgets.clean_input import CleanInput

FORM_NOTE = (
    "A local port on this machine carried to a port on the node (AWS-StartPortForwardingSession), or, with a "
    "remote host, to a host the node reaches (AWS-StartPortForwardingSessionToRemoteHost). Dashboards on a Slurm "
    "controller: Grafana 3000, Ray 8265."
)
STATE_VARIABLE = {  # the theme's colour for each state (tui/themes.py)
    port_forward.STARTING: "status-warn",
    port_forward.LISTENING: "status-ok",
    port_forward.FAILED: "status-failed",
    port_forward.ENDED: "muted",
}


class ForwardFormScreen(ModalScreen[tuple[int, int, str] | None]):
    """Local port (blank or 0: any free one), remote port, remote host (optional); dismissed with the three or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without forwarding anything", id="forward-cancel"),
        Binding("enter", "submit", "Forward", show=False, tooltip="Start the forward", id="forward-submit"),
    ]
    DEFAULT_CSS = """
    ForwardFormScreen { align: center middle; }
    ForwardFormScreen > #forward-form { width: 80; max-width: 96%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1; }
    #forward-form > Static { height: auto; }
    #forward-form > .label { color: $muted; margin-top: 0; }
    #forward-form > #forward-problem { color: $status-warn; }
    #forward-form > #forward-keys { color: $muted; }
    #forward-form > Input { height: 3; }
    """

    def __init__(self, node: str, cluster: str, remote_port: int | None = None) -> None:
        super().__init__()
        self.node, self.cluster, self.remote_port = node, cluster, remote_port

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False, id="forward-form") as dialog:
            dialog.border_title = Text(f"Forward a port of {clean(self.node)} · {clean(self.cluster)}")
            yield Static(Text(FORM_NOTE), id="forward-note")
            yield Static(Text("Remote port (on the node, or on the remote host)"), classes="label")
            initial = str(self.remote_port) if self.remote_port else ""
            yield CleanInput(value=initial, placeholder="e.g. 3000 (Grafana), 8265 (Ray), 22", id="forward-remote")
            yield Static(Text("Local port (blank or 0: any free port)"), classes="label")
            yield CleanInput(placeholder="any free port", id="forward-local")
            yield Static(
                Text("Remote host (optional: a host the node reaches, e.g. localhost or an IP)"), classes="label"
            )
            yield CleanInput(placeholder="the node itself", id="forward-host")
            yield Static(id="forward-problem")
            yield Static(Text("Enter: forward · Tab: next field · Esc: cancel"), id="forward-keys")

    def on_mount(self) -> None:
        self.query_one("#forward-remote", CleanInput).focus_now()

    def _values(self) -> tuple[int, int, str]:
        value = {name: self.query_one(f"#forward-{name}", Input).value for name in ("remote", "local", "host")}
        remote = port_forward.check_port(value["remote"], "remote port")
        local = port_forward.check_port(value["local"], "local port", zero_ok=True)
        return local, remote, port_forward.check_host(value["host"])

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#forward-problem", Static).update(Text(""))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        try:
            answer = self._values()
        except port_forward.ForwardError as error:
            self.query_one("#forward-problem", Static).update(Text(str(error)))
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


LOCAL_CELLS = 17


def forwards_text(
    forwards: Sequence[port_forward.Forward], cursor: int, width: int, colours: dict[str, str] | None = None
) -> Text:
    """One line per forward in columns fitted to `width` cells (LOCAL, REMOTE, STATE; cut with …, never wrapped)."""
    remote_cells = min(34, max(22, (width - LOCAL_CELLS) // 3))
    state_cells = max(10, width - LOCAL_CELLS - remote_cells - 2)
    text = Text()
    text.append(fit_cells("  LOCAL", LOCAL_CELLS) + " " + fit_cells("REMOTE", remote_cells) + " STATE", style="bold")
    for index, forward in enumerate(forwards):
        local = forward.address or (f"localhost:{forward.local_port}" if forward.local_port else "(any free port)")
        chosen = index == cursor
        state = forward.state_text()
        note = f" · {forward.note}" if forward.live and forward.note else ""
        shown = fit_cells(state + note, state_cells).rstrip()
        row = Text("\n" + fit_cells(("▶ " if chosen else "  ") + local, LOCAL_CELLS) + " ")
        row.append(fit_cells(forward.spec.remote, remote_cells) + " ")
        row.append(shown[: len(state)], style=(colours or {}).get(STATE_VARIABLE.get(forward.state, ""), ""))
        row.append(shown[len(state) :])
        if chosen:
            row.stylize("bold", 1)
        text.append_text(row)
    return text


class ForwardListScreen(ModalScreen[None]):
    """Every forward of this run of the app, live: ↑↓ choose, y copies its local address, ctrl+k stops it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="forwards-close"),
        Binding("up,k", "move(-1)", "Up", show=False, id="forwards-up"),
        Binding("down,j", "move(1)", "Down", show=False, id="forwards-down"),
        Binding(
            "y", "copy", "Copy address", tooltip="Copy the local address of the chosen forward", id="forwards-copy"
        ),
        Binding("ctrl+k", "stop", "Stop", tooltip="Stop the chosen forward (TerminateSession)", id="forwards-stop"),
    ]
    DEFAULT_CSS = """
    ForwardListScreen { align: center middle; }
    ForwardListScreen > #forwards { width: 110; max-width: 98%; height: auto; max-height: 94%;
        border: thick $primary; background: $surface; padding: 0 1; }
    #forwards > Static { height: auto; }
    #forwards > #forwards-table { text-wrap: nowrap; text-overflow: ellipsis; }
    #forwards > #forwards-keys { color: $muted; margin-top: 1; }
    """

    def __init__(
        self,
        forwards: Callable[[], Sequence[port_forward.Forward]],
        *,
        on_stop: Callable[[port_forward.Forward], None],
        on_copy: Callable[[port_forward.Forward], None],
    ) -> None:
        super().__init__()
        self._forwards, self._on_stop, self._on_copy = forwards, on_stop, on_copy
        self.cursor = 0
        self.body = Text("")

    def compose(self) -> ComposeResult:
        with Vertical(id="forwards") as box:
            box.border_title = Text("Port forwards")
            yield Static(id="forwards-table")
            yield Static(Text("↑↓ choose · y copy the local address · ctrl+k stop · Esc back"), id="forwards-keys")

    def on_mount(self) -> None:
        self.repaint()

    def repaint(self) -> None:
        """Called by the controller on every change of a forward."""
        if not self.is_attached:
            return
        forwards = list(self._forwards())
        self.cursor = max(0, min(self.cursor, len(forwards) - 1))
        body = (
            forwards_text(forwards, self.cursor, self._width(), dict(self.app.theme_variables))
            if forwards
            else Text("No port forwards yet: f on a node in the nodes pane opens one.")
        )
        self.body = body
        self.query_one("#forwards-table", Static).update(body)

    def shown_text(self) -> str:
        """What the list shows, as plain text (for tests and screen readers)."""
        return self.body.plain

    def _width(self) -> int:
        """The dialog's inner width: 110 cells, at most 98 % of the screen, less its border and padding."""
        return min(110, int(self.app.size.width * 0.98)) - 4

    def _chosen(self) -> port_forward.Forward | None:
        forwards = list(self._forwards())
        return forwards[self.cursor] if 0 <= self.cursor < len(forwards) else None

    def action_move(self, step: int) -> None:
        self.cursor += step
        self.repaint()

    def action_copy(self) -> None:
        forward = self._chosen()
        if forward is not None:
            self._on_copy(forward)

    def action_stop(self) -> None:
        forward = self._chosen()
        if forward is not None:
            self._on_stop(forward)

    def action_close(self) -> None:
        self.dismiss(None)
