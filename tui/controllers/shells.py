"""Shells on nodes, for the main screen: `s` embedded terminal tabs, `S` full screen (app suspended), `y` copy the
command, and the shell pane's keys (leave, back, tabs, zoom, close).

Every path starts the same way, in a worker thread: the plugin preflight (`--version`, with a timeout) and only
then StartSession, through `app.ensure_api().client("ssm")` (so under --demo the in-process simulator answers),
exactly as `tui.core.ssm.SessionLauncher` does it. Every session opened is terminated (see ShellTabs).

- A finished session keeps its tab ("session ended (exit N)", or the failure) until it is closed: the last output
  and the reason stay readable.
- Keys: ctrl+] leaves the terminal for the tables; ctrl+t goes back; [ and ] (from the tables) switch tabs; f11
  zooms the shell pane (ctrl+] and f11 are priority keys, so they work from inside the terminal; ctrl+z is off
  limits, textual#6298); ctrl+x closes the active tab, asking first while its shell runs (ctrl+w is the
  tables' wide mode, as in k9s). ctrl+x is not taken from a running shell (readline's prefix key): press ctrl+]
  first, or end the shell. All of them can be rebound by id.
- Read-only mode allows shells: --read-only guards the HyperPod control plane (reboot, replace, delete); a shell
  changes nothing there. What is typed on the node is the user's, as with `aws ssm start-session`.
- Copy: the system clipboard (pyperclip) when one is reachable, else OSC 52 through the terminal; decided off the
  event loop (tui.core.clipboard).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import App, SuspendNotSupported
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.config import Settings
from tui.core import clipboard, lifetime
from tui.core.errors import Problem, classify
from tui.core.models import no_instance_reason
from tui.core.node_shell import NodeShell, fullscreen_return_prompt
from tui.core.sanitize import clean
from tui.core.ssm import (
    PluginMissing,
    SessionLauncher,
    SsmError,
    SsmSession,
    ignore_user_signals,
    plugin_choice,
)
from tui.text import toast
from tui.typed_app import hyperpod_app, key_for, keys_for
from tui.widgets.pty_pane import PtyPane
from tui.widgets.resource_table import ResourceTable
from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS, ShellSession, ShellTabs
from tui.workers import run_in_thread

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

PANE_ACTIONS = frozenset({"shell_focus", "shell_zoom", "shell_close", "shell_tab"})
TERMINAL_ACTIONS = frozenset({"shell_leave", "shell_zoom"})  # the priority keys: they work inside a terminal
ZOOMED = "-shell-zoomed"
CLEAR_SCREEN = "\x1b[H\x1b[2J"

_PANE_BINDING = {binding.id: binding for binding in SHELL_PANE_BINDINGS}


def plugin_for(settings: Settings) -> str | list[str]:
    """--ssm-plugin / config `ssm_plugin`, else the demo stand-in under --demo, else session-manager-plugin."""
    return plugin_choice(settings.ssm_plugin, settings.demo)


def _wait_for_enter(prompt: str) -> None:
    with ignore_user_signals(), contextlib.suppress(EOFError, OSError):
        input(prompt)


def run_suspended(app: App[None], banner: str, run_plugin: Callable[[], int]) -> int:
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


class ShellController:
    """The shells of `screen`: opening sessions (in its workers), and its shell pane."""

    def __init__(self, screen: MainScreen, *, ask: Callable[..., ModalScreen[bool]]) -> None:
        self.screen = screen
        self._ask = ask  # tui.screens.ask.AskScreen: "close a running shell?"
        self.return_focus: Widget | None = None  # the table to go back to when the terminal is left

    @property
    def tabs(self) -> ShellTabs | None:
        found = self.screen.query("#shell-pane")
        return found.first(ShellTabs) if found else None

    def allows(self, action: str) -> bool | None:
        """The screen's `check_action` for the shell keys it owns (None: not a shell key)."""
        focused = self.screen.focused
        if isinstance(focused, PtyPane) and focused.running:
            # Keys go to the shell: the footer shows only what still works from inside it.
            return action in TERMINAL_ACTIONS
        tabs = self.tabs
        if action == "shell_leave":
            return tabs is not None and tabs.has_focus_within
        if action in PANE_ACTIONS:
            return tabs is not None and bool(tabs.sessions)
        return None

    # ── which node, which plugin ──────────────────────────────────────────────────────────────────

    def _node_shell(self, node_id: str | None) -> NodeShell | None:
        screen = self.screen
        detail, snapshot = screen.state.focus_detail, screen.state.focus_snapshot
        node = snapshot.nodes.get(node_id) if snapshot is not None and node_id else None
        if detail is None or node is None:
            toast(screen, "No node highlighted: pick one in the Nodes pane first.", severity="warning")
            return None
        refusal = no_instance_reason(node, "an SSM session (and its command)")
        if refusal:
            toast(screen, refusal, severity="warning")
            return None
        try:
            return NodeShell.for_node(
                cluster=detail.name,
                cluster_arn=detail.arn,
                group=node.group,
                instance_id=node.instance_id,
                hostname=node.hostname,
                status=node.status,
                document=hyperpod_app(screen).settings.ssm_document,
            )
        except ValueError as error:
            toast(screen, f"No SSM target for {node.instance_id}: {error}", severity="error")
            return None

    def _launcher(self, cluster: str) -> SessionLauncher:
        """Worker threads only: creating the SSM client loads botocore models. The cluster's own facade (in a
        fleet: its profile and region, so the plugin gets that region and profile too)."""
        app = hyperpod_app(self.screen)
        api, _name = app.ensure_api().resolve(cluster)
        return SessionLauncher(
            api.client("ssm"), profile=api.profile, endpoint_url=api.endpoint_url, plugin=plugin_for(app.settings)
        )

    def _problem(self, exc: BaseException) -> Problem:
        settings = hyperpod_app(self.screen).settings
        return classify(exc, operation="StartSession", profile=settings.profile, endpoint=settings.endpoint_url or "")

    def _start_session(self, shell: NodeShell) -> tuple[SessionLauncher, SsmSession] | str:
        """Preflight + StartSession (worker thread): the launcher and session, or what to tell the user."""
        try:
            launcher = self._launcher(shell.cluster)
            session = launcher.open(shell.target, document=shell.document)
            lifetime.adopt_session(session)  # terminated on SIGHUP/SIGTERM/exit if nothing else ends it first
            return launcher, session
        except PluginMissing as error:
            return f"{error}\n(y on the node copies that command.)"
        except (SsmError, ValueError) as error:
            return str(error)
        except Exception as exc:  # noqa: BLE001 - AWS said no: classified for the user
            state = f" The node is {shell.status}." if shell.status and shell.status != "Running" else ""
            return f"{self._problem(exc).one_line()}{state}"

    # ── s: an embedded terminal tab ───────────────────────────────────────────────────────────────

    async def open_embedded(self, node_id: str | None) -> None:
        shell = self._node_shell(node_id)
        if shell is None:
            return
        screen = self.screen
        tabs = self.tabs
        if tabs is None:
            tabs = ShellTabs(id="shell-pane", classes="pane", hint=self.hint(), close_key=self._key("shell-close"))
            await screen.mount(tabs, after="#nodes-pane")
        self.remember_return_focus()
        tab = await tabs.open(shell)
        screen.refresh_bindings()
        run_in_thread(
            screen, lambda: self._open_embedded(tab, shell), group="shell-open", description="Opening an SSM session"
        )

    def _open_embedded(self, tab: ShellSession, shell: NodeShell) -> None:
        app = self.screen.app
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
            toast(self.screen, session.plugin.warning, severity="warning", timeout=12)
        self.screen.call_after_refresh(self._focus_if_active, tab)
        return True

    def _focus_if_active(self, tab: ShellSession) -> None:
        tabs = self.tabs
        if tabs is not None and tabs.active is tab and tab.pane is not None:
            tab.pane.focus()

    def _embedded_failed(self, tab: ShellSession, message: str) -> None:
        tab.fail(message)
        toast(self.screen, message.split("\n", 1)[0], title="Shell", severity="error", timeout=12)

    # ── S: the whole terminal, app suspended ──────────────────────────────────────────────────────

    def open_fullscreen(self, node_id: str | None) -> None:
        shell = self._node_shell(node_id)
        if shell is not None:
            toast(self.screen, f"Opening a full-screen shell on {shell.place}…", timeout=4)
            run_in_thread(
                self.screen,
                lambda: self._open_fullscreen(shell),
                group="shell-fullscreen",
                description="Full-screen shell",
                exclusive=True,
            )

    def _open_fullscreen(self, shell: NodeShell) -> None:
        app = self.screen.app
        outcome = self._start_session(shell)
        if isinstance(outcome, str):
            app.call_from_thread(toast, app, outcome, title="Shell", severity="error", timeout=15)
            return
        launcher, session = outcome
        if get_current_worker().is_cancelled:  # S pressed again meanwhile: that one takes the terminal
            session.close()
            return
        try:
            result: object = app.call_from_thread(self._run_fullscreen, launcher, session, shell)
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
            app.call_from_thread(toast, app, f"Shell on {shell.place} ended (exit {result}).", timeout=6)
            return
        app.call_from_thread(toast, app, message, title="Shell", severity="error", timeout=15)

    def _run_fullscreen(self, launcher: SessionLauncher, session: SsmSession, shell: NodeShell) -> int | BaseException:
        """Main thread: the app is suspended while the plugin owns the terminal. Errors are returned, not raised."""
        app = self.screen.app
        banner = shell.fullscreen_banner(session.session_id)
        try:
            return run_suspended(app, banner, lambda: launcher.run_foreground(session, terminate=False))
        except (OSError, SuspendNotSupported) as error:
            return error
        finally:
            app.refresh(layout=True)  # a full repaint (k9s #650, #2186)

    # ── y: copy the command ───────────────────────────────────────────────────────────────────────

    def copy_command(self, node_id: str | None) -> None:
        shell = self._node_shell(node_id)
        if shell is not None:
            run_in_thread(
                self.screen,
                lambda: self._copy_command(shell),
                group="shell-copy",
                description="Copying the SSM command",
                exclusive=True,
            )

    def _copy_command(self, shell: NodeShell) -> None:
        app = hyperpod_app(self.screen)
        try:
            command = self._launcher(shell.cluster).command_for(shell.target, shell.document)
        except Exception as exc:  # noqa: BLE001 - e.g. no region configured
            app.call_from_thread(toast, app, self._problem(exc).one_line(), severity="error")
            return
        how = clipboard.copy_for_user(command, lambda text: app.call_from_thread(app.copy_to_clipboard, text))
        demo = (
            " (Demo: the target is simulated; against AWS the same line opens a real session.)"
            if app.settings.demo
            else ""
        )
        app.call_from_thread(toast, app, f"Copied {how}: {command}{demo}", title="SSM command", timeout=12)

    # ── the pane: focus, zoom, close ──────────────────────────────────────────────────────────────

    def remember_return_focus(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, ResourceTable):
            self.return_focus = focused

    def return_to_tables(self) -> None:
        screen = self.screen
        screen.remove_class(ZOOMED)
        target = self.return_focus
        if target is None or not target.is_attached:
            target = screen.nodes_table
        target.focus()

    def focus_terminal(self) -> None:
        tabs = self.tabs
        if tabs is not None:
            self.remember_return_focus()
            tabs.focus_terminal()

    def toggle_zoom(self) -> None:
        tabs = self.tabs
        if tabs is None or not tabs.sessions:
            return
        screen = self.screen
        zoomed = not screen.has_class(ZOOMED)
        screen.set_class(zoomed, ZOOMED)
        if zoomed and not tabs.has_focus_within:
            self.remember_return_focus()
            tabs.focus_terminal()

    def switch_tab(self, direction: int) -> None:
        tabs = self.tabs
        if tabs is not None:
            tabs.tabs.action_next_tab() if direction > 0 else tabs.tabs.action_previous_tab()

    async def close_tab(self) -> None:
        """Close the active tab; a running shell asks first (its session would end). One still starting closes at
        once: that is how a slow start is cancelled."""
        tabs = self.tabs
        if tabs is None:
            return
        session = tabs.active
        if session is not None and session.running:
            question = Text("Close the shell on ", style="bold")
            question.append(clean(session.shell.title), style="bold")
            question.append("?", style="bold")
            question.append("\nThe shell is still running: closing ends its session.")

            def answered(close: bool | None) -> None:
                if close and session.is_attached:
                    self.screen.call_later(self._close, session)

            keys = keys_for(self.screen, _PANE_BINDING["shell-close"])
            self.screen.app.push_screen(self._ask(question, yes_keys=keys, yes_label="close"), callback=answered)
            return
        await self._close(session)

    async def _close(self, session: ShellSession | None) -> None:
        tabs = self.tabs
        if tabs is None:
            return
        inside = tabs.has_focus_within
        await tabs.close(session)
        if tabs.sessions and inside:
            tabs.focus_terminal()
        self.screen.refresh_bindings()

    # ── the keys, as the user bound them ──────────────────────────────────────────────────────────

    def _key(self, binding_id: str) -> str:
        key = key_for(self.screen, _PANE_BINDING[binding_id])
        return key.replace("left_square_bracket", "[").replace("right_square_bracket", "]")

    def hint(self) -> str:
        """The pane's keys, for its bottom edge."""
        key = self._key
        return (
            f"{key('shell-leave')} leave · {key('shell-focus')} back · "
            f"{key('shell-previous-tab')} {key('shell-next-tab')} tabs · "
            f"{key('shell-zoom')} zoom · {key('shell-close')} close"
        )
