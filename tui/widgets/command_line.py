"""The `:` command line, docked at the bottom as in k9s: type a command, Tab completes, ↑/↓ walk the history,
Enter runs it, Esc closes.

The commands, their parsing and completion are Textual-free (`tui/core/command_line.py`); this widget edits the
line, shows the usage of the command being typed under it, and runs the action the parser returns (on its
screen, or the App's). What the user types is clean (`CleanInput`) and reaches the screen only as `Text` or
through `toast`; an argument reaches the action as a value, never inside an action string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input

from tui.core.command_line import COMMANDS, Command, Parsed, complete, hint, parse
from tui.text import plain, toast
from tui.widgets.clean_input import CleanInput

HISTORY_LIMIT = 100
HINT_LIMIT = 300  # characters of the hint under the line (the border cuts it to the width anyway)

COMMAND_LINE_BINDING = Binding(
    "colon",
    "command_line",
    "Command",
    show=False,
    tooltip="Command line: :nodes CLUSTER, :theme NAME, :q … (Tab completes)",
    id="command-line",
    priority=True,  # type-ahead: see PROMPT_ACTIONS
)


class _Suggestions(Suggester):
    """The ghost text after the cursor (→ or Tab takes it): the one completion, when there is just one."""

    def __init__(self, owner: CommandLine) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.owner = owner

    async def get_suggestion(self, value: str) -> str | None:
        completion = complete(value, self.owner.candidates, self.owner.commands)
        if len(completion.options) == 1 and len(completion.text) > len(value):
            return completion.text
        return None


class CommandLine(CleanInput):
    DEFAULT_CSS = """
    CommandLine {
        dock: bottom;
        height: 3;
        margin: 0 0 1 0;
        border: tall $accent;
        border-subtitle-align: left;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="command-line-close", tooltip="Close the command line"),
        Binding("tab", "complete", "Complete", id="command-line-complete", tooltip="Complete the command or name"),
        Binding("up", "history(-1)", "Older", show=False, id="command-line-older", tooltip="Older command"),
        Binding("down", "history(1)", "Newer", show=False, id="command-line-newer", tooltip="Newer command"),
    ]

    def __init__(
        self,
        candidates: Callable[[str], Sequence[str]],
        commands: Sequence[Command] = COMMANDS,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(placeholder="command (Tab completes, Esc closes)", id=id, select_on_focus=False)
        self.suggester = _Suggestions(self)
        self.candidates = candidates
        self.commands = tuple(commands)
        self.history: list[str] = []
        self._history_at: int | None = None  # index into history while walking it
        self._return_to: Widget | None = None

    def on_mount(self) -> None:
        self.display = False
        self.border_title = Text(":")

    def open(self) -> None:
        focused = self.app.focused
        self._return_to = focused if focused is not self else self._return_to
        self._history_at = None
        self.value = ""
        self.display = True
        self._show_hint("")
        self.focus_now()

    @property
    def returns_to(self) -> object:
        """The widget focus goes back to when the line closes (what a command acts on: the pane it came from)."""
        return self._return_to

    def action_close(self) -> None:
        self.display = False
        target = self._return_to
        if target is not None and target.is_attached and target.focusable:
            target.focus()
        else:
            self.screen.focus_next()

    def action_complete(self) -> None:
        completion = complete(self.value, self.candidates, self.commands)
        if completion.text != self.value:
            self.value = completion.text
            self.cursor_position = len(self.value)
        if len(completion.options) > 1:
            self.border_subtitle = plain("  ".join(completion.options), max_len=HINT_LIMIT)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        at = len(self.history) if self._history_at is None else self._history_at
        at = max(0, min(len(self.history), at + step))
        self._history_at = at
        self.value = self.history[at] if at < len(self.history) else ""
        self.cursor_position = len(self.value)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_hint(event.value)

    @on(Input.Submitted)
    async def _run(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        if line and (not self.history or self.history[-1] != line):
            self.history = [*self.history, line][-HISTORY_LIMIT:]
        self.action_close()
        if not line:
            return
        result = parse(line, self.candidates, self.commands)
        if not isinstance(result, Parsed):
            toast(self.screen, result.message, severity="error", timeout=6)
            return
        if not await self.app.run_action(result.action, default_namespace=self.screen):
            toast(self.screen, f":{result.command.name} cannot run here now", severity="warning")

    def _show_hint(self, value: str) -> None:
        self.border_subtitle = plain(hint(value, self.commands), max_len=HINT_LIMIT)
