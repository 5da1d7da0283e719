"""Shells on nodes, for MainScreen: `s` embedded terminal tabs, `S` full screen (app suspended), `y` copy the command.

Every path starts the same way, in a worker thread: the plugin preflight (`--version`, with a timeout) and only
then StartSession, through `app.ensure_api().client("ssm")` (so under --demo the in-process simulator answers),
exactly as `tui.core.ssm.SessionLauncher` does it. Every session opened is terminated (see ShellTabs).

Choices where the issue left one:
- A finished session keeps its tab ("session ended (exit N)", or the failure) until it is closed: the last output
  and the reason stay readable.
- Keys: ctrl+] leaves the terminal for the tables; ctrl+t goes back; [ and ] (from the tables) switch tabs; f11
  zooms the shell pane (ctrl+] and f11 are priority keys, so they work from inside the terminal; ctrl+z is off
  limits, textual#6298); ctrl+w closes the active tab. ctrl+w is not taken from a running shell (readline's delete-word): press ctrl+] first, or end the
  shell. All of them can be rebound by id.
- Read-only mode allows shells: --read-only guards the HyperPod control plane (reboot, replace, delete); a shell
  changes nothing there. What is typed on the node is the user's, as with `aws ssm start-session`.
- Copy: the system clipboard (pyperclip) when one is reachable, else OSC 52 through the terminal; decided off the
  event loop (tui.core.clipboard).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.core import clipboard
from tui.core.node_shell import NodeShell, fullscreen_return_prompt
from tui.core.sanitize import markup_safe
from tui.core.ssm import PLUGIN_NAME, PluginMissing, SessionLauncher, SsmError, SsmSession, ignore_user_signals
from tui.widgets.pty_pane import PtyPane
from tui.widgets.resource_table import ResourceTable
from tui.widgets.shell_tabs import ShellSession, ShellTabs

STAND_IN_PLUGIN = (sys.executable, "-m", "tui.sim.plugin")  # the demo's session-manager-plugin
NODE_ACTIONS = frozenset({"shell", "shell_fullscreen", "copy_ssm_command"})
PANE_ACTIONS = frozenset({"shell_focus", "shell_zoom", "shell_close", "shell_tab"})
TERMINAL_ACTIONS = frozenset({"shell_leave", "shell_zoom"})  # the priority keys: they work inside a terminal
ZOOMED = "-shell-zoomed"
CLEAR_SCREEN = "\x1b[H\x1b[2J"


def plugin_for(settings: Any) -> str | list[str]:
    """--ssm-plugin / config `ssm_plugin`, else the demo stand-in under --demo, else session-manager-plugin."""
    if settings.ssm_plugin:
        return os.path.expanduser(settings.ssm_plugin)
    if settings.demo:
        return list(STAND_IN_PLUGIN)
    return PLUGIN_NAME


def _wait_for_enter(prompt: str) -> None:
    with ignore_user_signals(), contextlib.suppress(EOFError, OSError):
        input(prompt)


def run_suspended(app: Any, banner: str, run_plugin: Callable[[], int]) -> int:
    """The full-screen seam (tests replace it: `App.suspend()` raises SuspendNotSupported under run_test).

    With the app suspended: the banner, then the plugin on the real terminal, then, if the session ended fast
    (it probably failed, and the plugin's reason is on screen), wait for Enter before the app repaints over it.
    """
    with app.suspend():
        if sys.stdout is not None and sys.stdout.isatty():
            print(CLEAR_SCREEN, end="")  # as k9s does: the banner and the shell on a clean screen
        print(banner, flush=True)
        started = time.monotonic()
        code = run_plugin()
        prompt = fullscreen_return_prompt(code, time.monotonic() - started)
        if prompt and sys.stdin is not None and sys.stdin.isatty():
            _wait_for_enter(prompt)
        return code


class ShellMixin(DOMNode):
    """Shell keys and actions for MainScreen (`class MainScreen(ShellMixin, Screen)`).

    A DOMNode subclass on purpose: Textual merges BINDINGS (and `@on` handlers) only from DOMNode subclasses in
    the MRO (`DOMNode._merge_bindings`); a plain mixin's BINDINGS would show in `?` but never fire.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "shell",
            "Shell",
            tooltip="Open a shell on the highlighted node, in a pane under the tables",
            id="shell",
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
        Binding(
            "ctrl+right_square_bracket",
            "shell_leave",
            "Leave shell",
            priority=True,
            tooltip="Leave the terminal for the tables (the key never reaches the shell)",
            id="shell-leave",
        ),
        Binding(
            "ctrl+t",
            "shell_focus",
            "To shell",
            tooltip="Put the keyboard in the shell pane (ctrl+] leaves it)",
            id="shell-focus",
        ),
        Binding(
            "right_square_bracket",
            "shell_tab(1)",
            "Next shell",
            show=False,
            tooltip="Show the next shell tab (from the tables)",
            id="shell-next-tab",
        ),
        Binding(
            "left_square_bracket",
            "shell_tab(-1)",
            "Previous shell",
            show=False,
            tooltip="Show the previous shell tab (from the tables)",
            id="shell-previous-tab",
        ),
        Binding(
            "f11",
            "shell_zoom",
            "Zoom shell",
            priority=True,
            show=False,
            tooltip="Shell pane: (almost) full screen, or back under the tables",
            id="shell-zoom",
        ),
        Binding(
            "ctrl+w",
            "shell_close",
            "Close shell",
            show=False,
            tooltip="Close the active shell tab: ends the plugin and terminates the session",
            id="shell-close",
        ),
    ]

    _shell_return: Widget | None = None

    # ── which node, which plugin ──────────────────────────────────────────────────────────────────

    @property
    def shell_tabs(self) -> ShellTabs | None:
        found = self.query("#shell-pane")  # type: ignore[attr-defined]
        return found.first(ShellTabs) if found else None

    def _node_shell(self) -> NodeShell | None:
        table: ResourceTable = self.nodes_table  # type: ignore[attr-defined]
        detail, snapshot, key = self.focus_detail, self.focus_snapshot, table.cursor_key  # type: ignore[attr-defined]
        node = snapshot.nodes.get(key) if snapshot is not None and key else None
        if detail is None or node is None:
            self.notify("No node highlighted: pick one in the Nodes pane first.", severity="warning")  # type: ignore[attr-defined]
            return None
        try:
            return NodeShell.for_node(
                cluster=detail.name,
                cluster_arn=detail.arn,
                group=node.group,
                instance_id=node.instance_id,
                hostname=node.hostname,
                status=node.status,
                document=self.app.settings.ssm_document,  # type: ignore[attr-defined]
            )
        except ValueError as error:
            self.notify(markup_safe(f"No SSM target for {node.instance_id}: {error}"), severity="error")  # type: ignore[attr-defined]
            return None

    def _launcher(self) -> SessionLauncher:
        """Worker threads only: creating the SSM client loads botocore models."""
        app = self.app  # type: ignore[attr-defined]
        api = app.ensure_api()
        return SessionLauncher(
            api.client("ssm"), profile=api.profile, endpoint_url=api.endpoint_url, plugin=plugin_for(app.settings)
        )

    def _start_session(self, shell: NodeShell) -> tuple[SessionLauncher, SsmSession] | str:
        """Preflight + StartSession (worker thread): the launcher and session, or what to tell the user."""
        try:
            launcher = self._launcher()
            return launcher, launcher.open(shell.target, document=shell.document)
        except PluginMissing as error:
            return f"{error}\n(y on the node copies that command.)"
        except (SsmError, ValueError) as error:
            return str(error)
        except Exception as exc:  # noqa: BLE001 - AWS said no: classified for the user
            problem = self._classify(exc, "StartSession")  # type: ignore[attr-defined]
            state = f" The node is {shell.status}." if shell.status and shell.status != "Running" else ""
            return f"{problem.one_line()}{state}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused  # type: ignore[attr-defined]
        if isinstance(focused, PtyPane) and focused.running:
            # Keys go to the shell: the footer shows only what still works from inside it.
            return action in TERMINAL_ACTIONS
        if action == "shell_leave":
            tabs = self.shell_tabs
            return tabs is not None and tabs.has_focus_within
        if action in NODE_ACTIONS:
            return self.focused is self.nodes_table  # type: ignore[attr-defined]
        if action in PANE_ACTIONS:
            tabs = self.shell_tabs
            return tabs is not None and bool(tabs.sessions)
        return super().check_action(action, parameters)  # type: ignore[misc]

    # ── s: an embedded terminal tab ───────────────────────────────────────────────────────────────

    async def action_shell(self) -> None:
        shell = self._node_shell()
        if shell is None:
            return
        tabs = self.shell_tabs
        if tabs is None:
            tabs = ShellTabs(
                id="shell-pane",
                classes="pane",
                hint=self._shell_hint(),
                close_key=self._key_of("shell-close", "ctrl+w"),
            )
            await self.mount(tabs, after="#nodes-pane")  # type: ignore[attr-defined]
        self._remember_return_focus()
        tab = await tabs.open(shell)
        self.refresh_bindings()  # type: ignore[attr-defined]
        self._open_embedded(tab, shell)

    @work(thread=True, group="shell-open", exit_on_error=False, description="Opening an SSM session")
    def _open_embedded(self, tab: ShellSession, shell: NodeShell) -> None:
        app = self.app  # type: ignore[attr-defined]
        outcome = self._start_session(shell)
        if isinstance(outcome, str):
            with contextlib.suppress(Exception):
                app.call_from_thread(self._embedded_failed, tab, outcome)
            return
        _launcher, session = outcome
        delivered = False
        with contextlib.suppress(Exception):
            delivered = app.call_from_thread(self._embedded_started, tab, session)
        if not delivered:  # the tab was closed (or the app quit) while StartSession ran
            session.close()

    def _embedded_started(self, tab: ShellSession, session: SsmSession) -> bool:
        if not tab.attach(session):
            return False
        if session.plugin.warning:
            self.notify(markup_safe(session.plugin.warning), severity="warning", timeout=12)  # type: ignore[attr-defined]
        self.call_after_refresh(self._focus_if_active, tab)  # type: ignore[attr-defined]
        return True

    def _focus_if_active(self, tab: ShellSession) -> None:
        tabs = self.shell_tabs
        if tabs is not None and tabs.active is tab and tab.pane is not None:
            tab.pane.focus()

    def _embedded_failed(self, tab: ShellSession, message: str) -> None:
        tab.fail(message)
        self.notify(markup_safe(message.split("\n", 1)[0]), title="Shell", severity="error", timeout=12)  # type: ignore[attr-defined]

    # ── S: the whole terminal, app suspended ──────────────────────────────────────────────────────

    def action_shell_fullscreen(self) -> None:
        shell = self._node_shell()
        if shell is not None:
            self.notify(markup_safe(f"Opening a full-screen shell on {shell.place}…"), timeout=4)  # type: ignore[attr-defined]
            self._open_fullscreen(shell)

    @work(thread=True, exclusive=True, group="shell-fullscreen", exit_on_error=False, description="Full-screen shell")
    def _open_fullscreen(self, shell: NodeShell) -> None:
        app = self.app  # type: ignore[attr-defined]
        outcome = self._start_session(shell)
        if isinstance(outcome, str):
            app.call_from_thread(app.notify, markup_safe(outcome), title="Shell", severity="error", timeout=15)
            return
        launcher, session = outcome
        if get_current_worker().is_cancelled:  # S pressed again meanwhile: that one takes the terminal
            session.close()
            return
        try:
            result: int | BaseException = app.call_from_thread(self._run_fullscreen, launcher, session, shell)
        except BaseException as error:  # noqa: BLE001 - whatever happened, the session gets terminated below
            result = error
        # Back in the worker with the UI repainted: TerminateSession here cannot hold up the screen.
        if isinstance(result, OSError):
            message = str(session.spawn_failed(result))
        elif isinstance(result, SuspendNotSupported):
            session.close()
            message = "This terminal cannot hand itself over (suspend is not supported here): use s for a shell pane."
        elif isinstance(result, BaseException):
            session.close()
            message = f"The full-screen shell failed: {result}"
        else:
            session.close()
            app.call_from_thread(app.notify, markup_safe(f"Shell on {shell.place} ended (exit {result})."), timeout=6)
            return
        app.call_from_thread(app.notify, markup_safe(message), title="Shell", severity="error", timeout=15)

    def _run_fullscreen(self, launcher: SessionLauncher, session: SsmSession, shell: NodeShell) -> int | BaseException:
        """Main thread: the app is suspended while the plugin owns the terminal. Errors are returned, not raised."""
        banner = shell.fullscreen_banner(session.session_id)
        try:
            return run_suspended(self.app, banner, lambda: launcher.run_foreground(session, terminate=False))  # type: ignore[attr-defined]
        except (OSError, SuspendNotSupported) as error:
            return error
        finally:
            self.app.refresh(layout=True)  # type: ignore[attr-defined]  # a full repaint (k9s #650, #2186)

    # ── y: copy the command ───────────────────────────────────────────────────────────────────────

    def action_copy_ssm_command(self) -> None:
        shell = self._node_shell()
        if shell is not None:
            self._copy_command(shell)

    @work(thread=True, exclusive=True, group="shell-copy", exit_on_error=False, description="Copying the SSM command")
    def _copy_command(self, shell: NodeShell) -> None:
        app = self.app  # type: ignore[attr-defined]
        try:
            command = self._launcher().command_for(shell.target, shell.document)
        except Exception as exc:  # noqa: BLE001 - e.g. no region configured
            problem = self._classify(exc, "StartSession")  # type: ignore[attr-defined]
            app.call_from_thread(app.notify, markup_safe(problem.one_line()), severity="error")
            return
        mechanism = clipboard.copy_native(command)
        if mechanism is None:
            app.call_from_thread(app.copy_to_clipboard, command)
            how = "through the terminal (OSC 52; in tmux: set -g set-clipboard on)"
        else:
            how = f"to the system clipboard ({mechanism})"
        demo = (
            " (Demo: the target is simulated; against AWS the same line opens a real session.)"
            if app.settings.demo
            else ""
        )
        app.call_from_thread(app.notify, markup_safe(f"Copied {how}: {command}{demo}"), title="SSM command", timeout=12)

    # ── the pane: focus, zoom, close ──────────────────────────────────────────────────────────────

    def _remember_return_focus(self) -> None:
        focused = self.focused  # type: ignore[attr-defined]
        if isinstance(focused, ResourceTable):
            self._shell_return = focused

    def _return_to_tables(self) -> None:
        self.remove_class(ZOOMED)  # type: ignore[attr-defined]
        target = self._shell_return
        if target is None or not target.is_attached:
            target = self.nodes_table  # type: ignore[attr-defined]
        target.focus()

    def action_shell_focus(self) -> None:
        tabs = self.shell_tabs
        if tabs is not None:
            self._remember_return_focus()
            tabs.focus_terminal()

    def action_shell_zoom(self) -> None:
        tabs = self.shell_tabs
        if tabs is None or not tabs.sessions:
            return
        zoomed = not self.has_class(ZOOMED)  # type: ignore[attr-defined]
        self.set_class(zoomed, ZOOMED)  # type: ignore[attr-defined]
        if zoomed and not tabs.has_focus_within:
            self._remember_return_focus()
            tabs.focus_terminal()

    def action_shell_tab(self, direction: int) -> None:
        tabs = self.shell_tabs
        if tabs is not None:
            tabs.tabs.action_next_tab() if direction > 0 else tabs.tabs.action_previous_tab()

    async def action_shell_close(self) -> None:
        tabs = self.shell_tabs
        if tabs is None:
            return
        inside = tabs.has_focus_within
        await tabs.close()
        if tabs.sessions and inside:
            tabs.focus_terminal()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def action_shell_leave(self) -> None:
        self._return_to_tables()

    def on_pty_pane_escape_requested(self, message: PtyPane.EscapeRequested) -> None:
        self._return_to_tables()  # ctrl+] when the shell-leave binding was rebound to another key

    def on_shell_tabs_emptied(self, message: ShellTabs.Emptied) -> None:
        self._return_to_tables()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def on_shell_tabs_session_changed(self, message: ShellTabs.SessionChanged) -> None:
        self.refresh_bindings()  # type: ignore[attr-defined]

    def _key_of(self, binding_id: str, default: str) -> str:
        keymap = getattr(self.app, "_keymap", {}) or {}  # type: ignore[attr-defined]
        return str(keymap.get(binding_id, default)).split(",")[0]

    def _shell_hint(self) -> str:
        leave = self._key_of("shell-leave", "ctrl+]").replace("right_square_bracket", "]")
        tabs = f"{self._key_of('shell-previous-tab', '[')} {self._key_of('shell-next-tab', ']')} tabs"
        tabs = tabs.replace("left_square_bracket", "[").replace("right_square_bracket", "]")
        return (
            f"{leave} leave · {self._key_of('shell-focus', 'ctrl+t')} back · {tabs} · "
            f"{self._key_of('shell-zoom', 'f11')} zoom · {self._key_of('shell-close', 'ctrl+w')} close"
        )


__all__ = ["ShellMixin", "plugin_for", "run_suspended"]
