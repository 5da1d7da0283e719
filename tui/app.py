"""The App: settings, the AWS facade, themes, global keys; the main screen does the rest."""

from __future__ import annotations

import asyncio
import os
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType

from tui import benchmark_probe, gc_policy
from tui.backend import fleet_members, is_fleet
from tui.config import DEFAULT_THEME, Settings
from tui.core.command_line import command_summary
from tui.core.crash_report import RecentInput, report_text, write_report
from tui.core.daemon_pool import DaemonThreadPool
from tui.core.environment import aws_region
from tui.core.markers import MarkerMatcher, MarkerRuleError, default_matcher, merge_rules
from tui.core.tables import CLUSTER_COLUMNS, GROUP_COLUMNS, NODE_COLUMNS, sort_letters
from tui.core.wording import noun, plural
from tui.screens.help import HelpScreen, bindings_of, interface_classes
from tui.screens.main import MainScreen
from tui.text import toast
from tui.themes import default_variables, load_all_themes
from tui.typed_app import keys_for

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.screen import Screen

    from tui.core.aws import HyperPodApi  # botocore loads in the worker that first needs it, not before the UI
    from tui.core.models import ClusterSummary
    from tui.core.prefetch import ClusterPrefetch

ApiFactory = Callable[[], "HyperPodApi"]
INPUT_PRIORITY_WAIT = 0.05  # seconds a listing thread waits at most for a key press to be handled
# Instance groups listed at once during refreshes. All ten groups of a 10,000-node cluster at once finish a refresh
# ~20% sooner but triple the worst key-to-frame delays (the UI thread waits for the GIL behind every listing thread).
LISTING_CONCURRENCY = 3


TERMINAL_CHECK_SECONDS = 3.0
THREAD_WORKERS = 32  # threads for Textual's thread workers (asyncio's default executor has min(32, cpus + 4))


def terminal_alive(fd: int) -> bool:
    """False once the terminal behind `fd` has hung up (an SSH drop, a killed tmux server)."""
    try:
        termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        return False
    return os.isatty(fd)


QUIT_BINDING = Binding(
    "q", "quit", "Quit", tooltip="Quit hyperpod-tui (asks first while shells, forwards or actions run)", id="quit"
)
# A priority key, so that it also works from inside a shell pane (the shell never gets ctrl+p: readline's previous
# history is the up arrow, or rebind `command-palette`). Bound here, Textual adds no ctrl+p binding of its own.
PALETTE_BINDING = Binding(
    "ctrl+p",
    "command_palette",
    "Palette",
    show=False,
    priority=True,
    tooltip="Command palette: find a node (id, hostname, IP, Slurm name) or a cluster; also from a shell",
    id="command-palette",
)
LIVE_SHELL_STATES = ("starting", "running")  # tui.widgets.shell_tabs.ShellSession.state


class HyperPodApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "hyperpod-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        QUIT_BINDING,
        Binding("question_mark", "help", "Help", tooltip="Show every key", id="help"),
        PALETTE_BINDING,
    ]

    def __init__(
        self,
        settings: Settings,
        api_factory: ApiFactory,
        *,
        clock: Callable[[], float] = time.time,
        simulator: Any = None,
        prefetch: ClusterPrefetch | None = None,
    ) -> None:
        super().__init__()
        self._prefetch = prefetch
        self.settings = settings
        self.clock = clock
        self.simulator = simulator
        self._api_factory = api_factory
        self._api: HyperPodApi | None = None
        self._api_lock = threading.Lock()
        self._marker_matcher: MarkerMatcher | None = None
        self._input_handled = threading.Event()
        self.recent_input = RecentInput()  # for a crash report: key names and actions, never typed text
        self.crash_report: Path | None = None  # where the report of an unexpected exception went
        self.crash_report_problem = ""  # why it could not be written
        self._input_handled.set()
        self.own_themes: tuple[str, ...] = ()

    # --- AWS -----------------------------------------------------------------------------------------------

    def ensure_api(self) -> HyperPodApi:
        """The AWS facade, created on first use in a worker thread (boto3 reads config and loads models)."""
        with self._api_lock:
            if self._api is None:
                try:
                    self._api = self._api_factory()
                    self._api.client("sagemaker")  # its service model is a good part of the heap frozen below
                    self._api.page_gate = self.wait_for_input_handled
                    self._api.listing_concurrency = LISTING_CONCURRENCY
                finally:
                    gc_policy.resume_after_startup()
            return self._api

    # --- the fleet: `:region R` / `:profile P` call these (tui/core/fleet.py) -------------------------------

    def switch_region(self, region: str) -> None:
        """Show region `region` alone (every profile of the fleet kept); the clusters are listed afresh."""
        self._switch_fleet(region=region.strip())

    def switch_profile(self, profile: str) -> None:
        """Show profile `profile` alone (every region of the fleet kept); the clusters are listed afresh."""
        self._switch_fleet(profile=profile.strip())

    def action_switch_region(self, region: str) -> None:  # `:region R`
        self.switch_region(region)

    def action_switch_profile(self, profile: str) -> None:  # `:profile P`
        self.switch_profile(profile)

    def _switch_fleet(self, **change: str) -> None:
        from dataclasses import replace

        from tui.backend import DemoFleet, demo_factory, make_api_factory

        if not all(change.values()):
            return
        members = fleet_members(self.settings)
        profile = ",".join(dict.fromkeys(m.profile for m in members if m.profile)) or None
        region = ",".join(dict.fromkeys(m.region for m in members if m.region)) or None
        self.settings = replace(
            self.settings, fleet=(), profile=change.get("profile", profile), region=change.get("region", region)
        )
        factory, simulator = make_api_factory(self.settings)
        if isinstance(self._api_factory, DemoFleet):  # the demo keeps each region's world across a switch
            worlds = self._api_factory.simulators
            wanted = fleet_members(self.settings)
            if all(member in worlds for member in wanted):
                factory, simulator = demo_factory({member: worlds[member] for member in wanted})
        with self._api_lock:
            old, self._api, self._api_factory = self._api, None, factory
            if simulator is not None:
                self.simulator = simulator
        if old is not None:
            threading.Thread(target=old.close, name="hyperpod-close-api", daemon=True).start()
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.fleet_changed()

    def take_prefetched_clusters(self) -> list[ClusterSummary] | None:
        """The clusters a child process listed while the UI started (tui/core/prefetch.py), once; None when there
        is no such answer (call from a worker thread: it waits for the child)."""
        prefetch, self._prefetch = self._prefetch, None
        return prefetch.clusters() if prefetch is not None else None

    def wait_for_input_handled(self) -> None:
        """Called from AWS worker threads between pages: while a key press is being handled and painted, wait
        (at most INPUT_PRIORITY_WAIT). Ten threads parsing 10,000 nodes hold the GIL most of the time, and the UI
        thread waits its turn behind all of them at every step of handling a key; pausing them keeps typing
        responsive during a refresh, which finishes a few milliseconds later."""
        self._input_handled.wait(INPUT_PRIORITY_WAIT)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._input_handled.clear()
            self.call_after_refresh(self._input_handled.set)
            self.recent_input.key(event.key, typed_text=self._typing(event))
        await super().on_event(event)

    def _typing(self, event: events.Key) -> bool:
        """A key that goes into text: every key in a terminal pane, a printable one in a text field."""
        from textual.widgets import Input

        from tui.widgets.pty_pane import PtyPane

        focused = self.focused
        return isinstance(focused, PtyPane) or (event.is_printable and isinstance(focused, Input))

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        name = action if isinstance(action, str) else action[1] if isinstance(action, tuple) and len(action) > 1 else ""
        self.recent_input.action(str(name) or "action")
        return await super().run_action(action, default_namespace, namespaces)

    def _handle_exception(self, error: Exception) -> None:
        # Textual's one hook for an unhandled exception (it then exits): write the crash report first.
        if self.crash_report is None and not self.crash_report_problem:
            try:
                size = (self.size.width, self.size.height)
                text = report_text(error, recent=self.recent_input.items(), terminal=size)
                self.crash_report = write_report(text)
            except Exception as exc:  # noqa: BLE001 - the report must never hide the error itself
                self.crash_report_problem = str(exc) or type(exc).__name__
        super()._handle_exception(error)

    @property
    def marker_matcher(self) -> MarkerMatcher:
        """The default marker rules with the config's [[markers]] ahead of them (a bad rule: reported, defaults used)."""
        if self._marker_matcher is None:
            try:
                self._marker_matcher = MarkerMatcher(merge_rules(self.settings.markers))
            except MarkerRuleError as exc:
                toast(self, f"[[markers]] ignored, using the built-in rules: {exc}", severity="error", timeout=15)
                self._marker_matcher = default_matcher()
        return self._marker_matcher

    @property
    def target_description(self) -> str:
        settings = self.settings
        parts = []
        if is_fleet(settings):
            from tui.core.fleet import describe_fleet

            members = fleet_members(settings)
            return describe_fleet(members, self._api, demo=settings.demo, scenario=settings.demo_scenario)
        if settings.demo:
            parts.append(f"DEMO · simulated control plane ({settings.demo_scenario})")
            if settings.region:  # a region picked (e.g. by switch_region); the plain demo names none
                parts.append(f"region {settings.region}")
        else:
            profile = settings.profile or os.environ.get("AWS_PROFILE") or "default"
            region = aws_region(settings.region) or "(from profile)"
            parts += [f"profile {profile}", f"region {region}"]
            if settings.endpoint_url:
                parts.append(f"endpoint {settings.endpoint_url}")
        return " · ".join(parts)

    @property
    def mode_badges(self) -> list[str]:
        badges = []
        if self.settings.read_only:
            badges.append("READ-ONLY")
        if self.settings.dry_run:
            badges.append("DRY RUN")
        return badges

    # --- themes and keys -----------------------------------------------------------------------------------

    def on_load(self) -> None:
        # Textual runs thread workers in the loop's default executor, which asyncio joins when the loop closes and
        # concurrent.futures joins again at exit: one worker blocked on a hung endpoint kept `q` from ending the
        # process for minutes. Daemon threads that nothing joins are abandoned instead (core/daemon_pool.py).
        pool = DaemonThreadPool(max_workers=THREAD_WORKERS, thread_name_prefix="hyperpod-worker")
        asyncio.get_running_loop().set_default_executor(pool)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables()

    def on_mount(self) -> None:
        if not self.is_headless:
            self.set_interval(TERMINAL_CHECK_SECONDS, self._exit_if_terminal_is_gone)
        loaded = load_all_themes()
        self.own_themes = tuple(loaded.themes)  # the bundled and the user's theme files, named first in `:theme`
        for theme in loaded.themes.values():
            self.register_theme(theme)
        if loaded.errors:
            toast(self, "Theme files skipped: " + "; ".join(loaded.errors), severity="warning", timeout=12)
        wanted = self.settings.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.theme = DEFAULT_THEME
            if wanted != DEFAULT_THEME:
                toast(self, f"Theme {wanted!r} is not available; using {DEFAULT_THEME}.", severity="warning")
        self._apply_keymap()
        if self.settings.markers:
            _ = self.marker_matcher  # compiled now, so a bad rule is reported at startup
        self.push_screen(MainScreen())
        benchmark_probe.install(self)  # benchmarks only: off unless HYPERPOD_TUI_FRAME_PROBE is set

    def _apply_keymap(self) -> None:
        keymap = dict(self.settings.keymap)
        if not keymap:
            return
        known = {binding.id for binding in self.all_bindings() if binding.id}
        unknown = sorted(set(keymap) - known)
        if unknown:
            toast(
                self,
                f"[keymap] ignores unknown binding {noun(len(unknown), 'id')}: {', '.join(unknown)} — see ? for the ids.",
                severity="error",
                timeout=15,
            )
        self.set_keymap({key: value for key, value in keymap.items() if key in known})

    def all_bindings(self) -> list[Binding]:
        """Every binding this app's own classes declare (the app, its screens and widgets), one per id."""
        found: dict[str, Binding] = {}
        for cls in (type(self), *interface_classes()):
            for binding in bindings_of(cls):
                found.setdefault(binding.id or f"{binding.key}:{binding.action}", binding)
        return list(found.values())

    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        from tui.controllers.events import EVENTS_BINDING
        from tui.screens.events import EventDetailScreen, EventsScreen
        from tui.screens.forwards import ForwardListScreen
        from tui.screens.logs import LogScreen
        from tui.screens.main import NAVIGATION_BINDINGS, TRIAGE_BINDING
        from tui.screens.ssh_entries import SshEntriesScreen
        from tui.screens.triage import TriageScreen
        from tui.widgets.command_line import COMMAND_LINE_BINDING, CommandLine
        from tui.widgets.group_table import GROUP_HEALTH_CHECK_BINDING
        from tui.widgets.log_view import LogView
        from tui.widgets.node_table import (
            ACTION_BINDINGS,
            LOGS_BINDING,
            MARK_BINDINGS,
            RUN_BINDING,
            SHELL_BINDINGS,
            SSH_BINDINGS,
        )
        from tui.widgets.resource_table import ResourceTable
        from tui.widgets.shell_tabs import SHELL_PANE_BINDINGS

        return [
            ("Everywhere", bindings_of(type(self))),
            ("Command line (:)", [COMMAND_LINE_BINDING, *bindings_of(CommandLine)]),
            ("Panes", [LOGS_BINDING, EVENTS_BINDING, GROUP_HEALTH_CHECK_BINDING, *NAVIGATION_BINDINGS]),
            ("Nodes pane: marks and actions", [*MARK_BINDINGS, *ACTION_BINDINGS]),
            ("Shells on nodes", [*SHELL_BINDINGS, *SHELL_PANE_BINDINGS]),
            ("Commands on nodes (x, :run)", [RUN_BINDING]),
            (
                "ssh and port forwards (i, f, :pf)",
                [*SSH_BINDINGS, *bindings_of(SshEntriesScreen), *bindings_of(ForwardListScreen)],
            ),
            ("Tables", bindings_of(ResourceTable)),
            ("Lifecycle log (l)", [*bindings_of(LogScreen), *bindings_of(LogView)]),
            ("Events view (e)", [*bindings_of(EventsScreen), *bindings_of(EventDetailScreen)]),
            ("Triage view (ctrl+z, :triage; Enter goes to the node)", [TRIAGE_BINDING, *bindings_of(TriageScreen)]),
        ]

    def action_use_theme(self, name: str) -> None:
        """`:theme NAME` (the command line has checked that NAME is registered)."""
        self.theme = name

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands, with the two that mean nothing here made useful: "Keys" opens this app's
        help (Textual's key panel lists its own bindings, not ours), and "Screenshot" says where the file went
        (Textual's writes into the working directory without a word)."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Keys", "Screenshot"):
                yield command
        yield SystemCommand("Keys", "Every key, and the id to rebind it by (also ?)", self.action_help)
        yield SystemCommand(
            "Screenshot",
            "Save this screen as an SVG under $XDG_STATE_HOME/hyperpod-tui/screenshots",
            lambda: self.set_timer(0.1, self.save_screenshot_file),
        )

    def save_screenshot_file(self) -> None:
        """The screen as SVG (taken here, on the event loop), written by a worker thread, and where it went."""
        from tui.core.screenshots import write_screenshot
        from tui.workers import run_in_thread

        svg = self.export_screenshot()

        def write() -> None:
            try:
                path = write_screenshot(svg)
            except OSError as exc:
                toast(self, f"Screenshot not saved: {exc}", severity="error", timeout=10)
            else:
                toast(self, f"Screenshot saved: {path}", timeout=10)

        run_in_thread(self, write, group="screenshot", description="Saving a screenshot")

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        from tui.core.triage import TRIAGE_COLUMNS

        notes = [
            "Enter drills in (cluster → groups → nodes → details); Esc backs out or clears the filter.",
            "Inside a shell: shift+pageup / shift+pagedown (or the mouse wheel) scroll back, shift+end returns.",
            "Sort (shift+letter, again reverses; ↑ ascending, ↓ descending as in k9s):",
            f"  clusters: {sort_letters(CLUSTER_COLUMNS)}",
            f"  groups: {sort_letters(GROUP_COLUMNS)}",
            f"  nodes: {sort_letters(NODE_COLUMNS)}",
            f"  triage: {sort_letters(TRIAGE_COLUMNS)}",
            "ctrl+w: wide mode (every column) · c: choose the columns (saved in config.toml [columns]).",
            "Marks: space, ctrl+space marks from the last mark to the cursor, ctrl+\\ or ctrl+u clears, ctrl+a all."
            ' ctrl+a is a common tmux prefix: rebind it, e.g. [keymap] mark-all = "ctrl+g".',
            "Inside a shell, ctrl+p opens the palette and is not sent to the shell (readline's previous-history: use"
            " the up arrow, or rebind command-palette in [keymap]).",
            command_summary(),
        ]
        if self.settings.read_only:
            notes.append("READ-ONLY: actions that change anything are disabled.")
        self.push_screen(HelpScreen(self.help_sections(), notes))

    def get_driver_class(self) -> type[Driver]:
        """On Linux and macOS terminals, Textual's driver with a prompt Esc (tui/escape_key.py)."""
        from textual import constants

        if sys.platform == "win32" or constants.DRIVER is not None:
            return super().get_driver_class()
        from tui.escape_key import driver_class

        return driver_class()

    # --- quitting ------------------------------------------------------------------------------------------

    def running_work(self) -> list[str]:
        """What quitting would cut short: live shells and a batch action in progress (empty when nothing)."""
        main = next((screen for screen in self.screen_stack if isinstance(screen, MainScreen)), None)
        if main is None:
            return []
        work = []
        tabs = main.shells.tabs
        shells = sum(1 for session in tabs.sessions if session.state in LIVE_SHELL_STATES) if tabs else 0
        if shells:
            work.append(f"{plural(shells, 'shell')} running (the {noun(shells, 'session')} will end)")
        if main.actions.running is not None:
            work.append("a batch action is in progress (calls not yet sent will not be sent)")
        if main.runs.running:
            work.append("a command is running on nodes (its sessions will end, queued nodes will not start)")
        forwards = main.forwards.running
        if forwards:
            work.append(f"{plural(forwards, 'port forward')} running (the {noun(forwards, 'session')} will end)")
        return work

    async def action_quit(self) -> None:
        """Quit; while shells or a batch action run, ask first (`q` again or `y` quits, Esc stays)."""
        from tui.screens.ask import AskScreen

        work = self.running_work()
        if not work or isinstance(self.screen, AskScreen):
            self.exit()
            return
        question = Text("Quit hyperpod-tui?\n", style="bold")
        question.append("\n".join(f"  · {item}" for item in work), style="")
        keys = keys_for(self, QUIT_BINDING)

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        self.push_screen(AskScreen(question, yes_keys=keys, yes_label="quit"), callback=answered)

    def _exit_if_terminal_is_gone(self) -> None:
        # Textual's input thread spins on a terminal that returns EOF instead of exiting, and an app whose
        # terminal vanished without a SIGHUP reaching it would burn a core forever. Leave instead.
        stdin = sys.__stdin__
        if stdin is None or not terminal_alive(stdin.fileno()):
            self.exit(return_code=129)

    def on_unmount(self) -> None:
        if self._prefetch is not None:
            self._prefetch.discard()
        if self._api is not None:
            self._api.close()
