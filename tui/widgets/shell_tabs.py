"""ShellTabs: the shell subpane under the node tables, one tab per SSM session, each an embedded terminal.

A tab is created the moment `s` is pressed ("Starting session…"); the screen's worker then runs the plugin
preflight and StartSession and hands the started session to `ShellSession.attach()` (or an error to `fail()`),
which mounts a PtyPane running the plugin. Every session this widget was given is terminated exactly once:
when its plugin exits, when its tab is closed (the pane's unmount hangs up and reaps the plugin), or when the
app quits. TerminateSession runs in a worker thread, or a daemon thread (core.lifetime) while the app shuts down.

A finished session keeps its tab (the last output and the reason stay readable) until the user closes it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, ContentSwitcher, Static, Tab, Tabs

from tui.core import lifetime
from tui.core.node_shell import NodeShell, exit_summary
from tui.core.sanitize import clean
from tui.core.ssm import SsmSession, StartFailureScanner
from tui.text import toast
from tui.widgets.pty_pane import PtyPane

# The shell pane's keys. The screen binds them, so that they also work from the tables (ctrl+t, [ and ], ctrl+x; ctrl+w is the tables' wide mode, as in k9s).
SHELL_PANE_BINDINGS: list[Binding] = [
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
        "ctrl+x",
        "shell_close",
        "Close shell",
        show=False,
        tooltip="Close the active shell tab: ends the plugin and terminates the session",
        id="shell-close",
    ),
]


def terminate_in_background(app: Any, session: SsmSession) -> None:
    """TerminateSession off the event loop. A failure is told to the user; the session then ends by itself
    when SSM's idle timeout runs out."""

    def terminate() -> None:
        if session.close() or session.close_error is None:
            return
        with contextlib.suppress(Exception):  # the app may be gone by now
            app.call_from_thread(
                toast,
                app,
                f"TerminateSession {session.session_id} failed: {session.close_error}",
                severity="warning",
                timeout=10,
            )

    if session.closed:
        return
    if app.is_running:
        app.run_worker(
            terminate, thread=True, group="ssm-terminate", exit_on_error=False, description="Terminating an SSM session"
        )
    else:  # quitting: workers no longer start; startup waits for this thread, bounded (core.lifetime.end_all)
        lifetime.close_in_background(session)


class ShellSession(Vertical):
    """One tab: the node's info line, who the shell runs as, an error band, then the terminal."""

    DEFAULT_CSS = """
    ShellSession { height: 1fr; }
    ShellSession > .shell-info { height: 1; padding: 0 1; color: $muted; }
    ShellSession > .shell-error { display: none; height: auto; max-height: 8; padding: 0 1;
                                  background: $banner-error; color: $foreground; }
    ShellSession > .shell-error.-warning { background: $banner-warning; }
    ShellSession > .shell-error.-shown { display: block; }
    ShellSession > .shell-status { height: auto; padding: 0 1; color: $muted; }
    ShellSession > .shell-status.-ended { background: $panel; color: $foreground; }
    ShellSession > PtyPane { height: 1fr; }
    """

    def __init__(self, shell: NodeShell, *, id: str, close_key: str = "ctrl+x") -> None:
        super().__init__(id=id)
        self.shell = shell
        self.close_key = close_key
        self.session: SsmSession | None = None
        self.state = "starting"  # starting → running → ended | failed
        self.failure: str | None = None
        self.exit_code: int | None = None
        self._scanner = StartFailureScanner()

    def compose(self) -> ComposeResult:
        yield Static(Text(self.shell.info_line()), classes="shell-info")
        yield Static(Text(self.shell.user_note), classes="shell-info shell-user")
        yield Static(classes="shell-error")
        yield Static(
            Text("Starting session… (checking session-manager-plugin, then StartSession)"), classes="shell-status"
        )

    @property
    def pane(self) -> PtyPane | None:
        found = self.query(PtyPane)
        return found.first() if found else None

    @property
    def running(self) -> bool:
        return self.state == "running"

    # ── what the screen's worker hands over ──────────────────────────────────────────────────────

    def attach(self, session: SsmSession) -> bool:
        """A freshly started session (main thread). False when this tab was closed meanwhile: the caller
        must then terminate the session itself."""
        if not self.is_attached or self.state != "starting":
            return False
        self.session = session
        self.state = "running"
        self.query_one(".shell-info", Static).update(Text(self.shell.info_line(session.session_id)))
        status = self.query_one(".shell-status", Static)
        status.display = False
        if session.plugin.warning:
            self._show_error("Old plugin:", session.plugin.warning, severity="warning")
        pane = PtyPane(session.launch.argv, env=session.launch.env, report_output=True)
        self.mount(pane, before=status)
        self._changed()
        return True

    def fail(self, message: str) -> None:
        """Nothing was started (plugin missing, StartSession refused, …): say why, in the tab."""
        if not self.is_attached:
            return
        self.state = "failed"
        self._show_error("Could not open a shell:", message)
        self._set_status(f"no session is open · {self.close_key} closes this tab", ended=True)
        self._changed()

    # ── the plugin's life ────────────────────────────────────────────────────────────────────────

    def on_pty_pane_output(self, message: PtyPane.Output) -> None:
        message.stop()
        if self.failure is None and (reason := self._scanner.feed(message.data)):
            self._report_failure(reason)

    def on_pty_pane_exited(self, message: PtyPane.Exited) -> None:
        message.stop()
        if self.failure is None and (reason := self._scanner.finish()):
            self._report_failure(reason)
        self.exit_code = message.exit_code
        self.state = "ended"
        self._set_status(
            f"{exit_summary(message.exit_code, self.failure)} · {self.close_key} closes this tab", ended=True
        )
        self._terminate()
        self._changed()

    def on_pty_pane_spawn_failed(self, message: PtyPane.SpawnFailed) -> None:
        message.stop()
        self.state = "failed"
        session, error = self.session, message.error
        if session is None:
            return

        def explain() -> None:  # spawn_failed() terminates the session: network, so a worker
            problem = session.spawn_failed(error)
            with contextlib.suppress(Exception):
                self.app.call_from_thread(self._spawn_failed_shown, str(problem))

        self.app.run_worker(explain, thread=True, group="ssm-terminate", exit_on_error=False)

    def _spawn_failed_shown(self, text: str) -> None:
        if not self.is_attached:
            return
        self._show_error("Could not start the plugin:", text)
        self._set_status(f"session terminated · {self.close_key} closes this tab", ended=True)
        toast(self.app, text, severity="error", timeout=12)
        self._changed()

    def _report_failure(self, reason: str) -> None:
        self.failure = reason
        self._show_error("Cannot perform start session:", reason)
        toast(
            self.app,
            f"Shell on {self.shell.instance_id}: cannot perform start session: {reason}",
            severity="error",
            timeout=12,
        )
        self._changed()

    def _terminate(self) -> None:
        if self.session is not None:
            terminate_in_background(self.app, self.session)

    def on_unmount(self) -> None:
        self._terminate()  # the tab was closed or the app quits; the pane's own unmount kills the plugin

    # ── drawing ──────────────────────────────────────────────────────────────────────────────────

    def _show_error(self, title: str, body: str, *, severity: str = "error") -> None:
        band = self.query_one(".shell-error", Static)
        text = Text()
        text.append(title, style="bold")
        text.append(" ")
        text.append(clean(body, max_len=1_500, keep_newlines=True))
        band.update(text)
        band.set_class(True, "-shown")
        band.set_class(severity != "error", "-warning")

    def _set_status(self, text: str, *, ended: bool) -> None:
        status = self.query_one(".shell-status", Static)
        status.update(Text(text))
        status.set_class(ended, "-ended")
        status.display = True

    def _changed(self) -> None:
        self.post_message(ShellTabs.SessionChanged(self))


class ShellTabs(Vertical):
    """The tab strip (and a close button) over the sessions, the keys on the bottom edge. Hidden while empty."""

    DEFAULT_CSS = """
    ShellTabs { height: 2fr; min-height: 8; display: none; }  /* shares the rest with the nodes pane (1fr) */
    ShellTabs.-open { display: block; }
    ShellTabs > #shell-strip { height: 2; }
    ShellTabs #shell-tabs { width: 1fr; }
    ShellTabs #shell-close-button { min-width: 5; margin: 0 1 0 0; }
    ShellTabs > ContentSwitcher { height: 1fr; }
    """

    class SessionChanged(Message):
        """A session started, failed or ended (tab labels, bindings)."""

        def __init__(self, session: ShellSession) -> None:
            super().__init__()
            self.session = session

    class Emptied(Message):
        """The last tab was closed."""

    class CloseRequested(Message):
        """The tab's ✕ was clicked: the screen closes it as the close key does (asking first while it runs)."""

    def __init__(
        self,
        *,
        hint: str = "",
        close_key: str = "ctrl+x",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.hint = hint
        self.close_key = close_key
        self._serial = 0
        self.border_title = "Shells"
        self.border_subtitle = Text(hint)  # the keys, on the pane's bottom edge: the tab strip keeps its whole width

    def compose(self) -> ComposeResult:
        with Horizontal(id="shell-strip"):
            yield Tabs(id="shell-tabs")
            yield Button(
                "✕", id="shell-close-button", compact=True, tooltip=Text(f"Close this shell ({clean(self.close_key)})")
            )
        yield ContentSwitcher(id="shell-switcher")

    @property
    def tabs(self) -> Tabs:
        return self.query_one("#shell-tabs", Tabs)

    @property
    def sessions(self) -> list[ShellSession]:
        return list(self.query_one("#shell-switcher").query_children(ShellSession))

    @property
    def active(self) -> ShellSession | None:
        current = self.query_one("#shell-switcher", ContentSwitcher).current
        return next((session for session in self.sessions if session.id == current), None)

    async def open(self, shell: NodeShell) -> ShellSession:
        """A new tab for `shell`, shown and active; the caller starts the session and calls attach()/fail()."""
        self._serial += 1
        session = ShellSession(shell, id=f"shell-{self._serial}", close_key=self.close_key)
        self.add_class("-open")
        await self.query_one("#shell-switcher", ContentSwitcher).add_content(session, set_current=True)
        await self.tabs.add_tab(Tab(Text(shell.title), id=f"shell-tab-{self._serial}"))
        self.tabs.active = f"shell-tab-{self._serial}"
        self._update_title()
        return session

    async def close(self, session: ShellSession | None = None) -> None:
        """Close a tab (the active one by default): the plugin is hung up and reaped, the session terminated."""
        session = session or self.active
        if session is None or session.parent is None:
            return
        serial = (session.id or "").removeprefix("shell-")
        await self.tabs.remove_tab(f"shell-tab-{serial}")
        await session.remove()
        self._update_title()
        if not self.sessions:
            self.remove_class("-open")
            self.post_message(self.Emptied())

    def focus_terminal(self) -> bool:
        """Focus the active tab's terminal (or the tab strip when it has no live terminal)."""
        session = self.active
        if session is None:
            return False
        pane = session.pane
        if pane is not None and session.running:
            pane.focus()
        else:
            self.tabs.focus()
        return True

    @on(Tabs.TabActivated, "#shell-tabs")
    def _on_tab_activated(self, message: Tabs.TabActivated) -> None:
        message.stop()
        serial = (message.tab.id or "").removeprefix("shell-tab-")
        switcher = self.query_one("#shell-switcher", ContentSwitcher)
        if serial and switcher.query_children(f"#shell-{serial}"):
            switcher.current = f"shell-{serial}"

    @on(Button.Pressed, "#shell-close-button")
    def _on_close_pressed(self, message: Button.Pressed) -> None:
        message.stop()
        self.post_message(self.CloseRequested())

    def on_shell_tabs_session_changed(self, message: ShellTabs.SessionChanged) -> None:
        session = message.session
        serial = (session.id or "").removeprefix("shell-")
        for tab in self.tabs.query(f"#shell-tab-{serial}").results(Tab):
            suffix = {"ended": " · ended", "failed": " · failed"}.get(session.state, "")
            if session.failure:
                suffix = " · failed"
            tab.label = Text(session.shell.title + suffix)
        self._update_title()

    def _update_title(self) -> None:
        sessions = self.sessions
        live = sum(1 for session in sessions if session.running)
        self.border_title = Text(f"Shells · {len(sessions)} open · {live} running") if sessions else "Shells"
