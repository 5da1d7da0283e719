"""The `:` command line's commands, parsed and completed without Textual (k9s's `:nodes`, `:q`, …).

A command is one `Command` entry in `COMMANDS`: its name, aliases, an optional argument of a known kind, a one-line
help, and the Textual action that runs it (on the main screen by default; `app.` for the App). The widget
(`tui/widgets/command_line.py`) only edits the line and runs the action `parse` returns: adding a command is one
entry here plus the action it names.

Wiring a feature that lives on another branch (the coordinator's job at merge): give its entry the action, e.g.
`Command("events", "Cluster events", action="show_events")` with `action_show_events` on the main screen, or
`Command("region", …, Argument("R", "region"), action="app.switch_region")` with the region names added to the
candidates the main screen passes (`MainScreen.command_candidates`). An entry without an action answers
"`:events` is not available yet" and runs nothing.

Argument kinds: "cluster" (a listed cluster's name), "theme" (a registered theme), "region" and "profile" (the
fleet's regions and profiles are offered; an `open` argument takes any other name as typed). A typed argument of a
kind with candidates must otherwise be one of them (exactly,
or the one that matches ignoring case); an argument is always one word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tui.core.sanitize import clean

ArgumentKind = str  # "cluster" | "theme" | "region" | "profile"
Candidates = Callable[[ArgumentKind], Sequence[str]]  # the names an argument of this kind may take now
SHOWN_CHOICES = 8  # names listed in an error before "…"
TYPED_LIMIT = 60  # characters of the user's text repeated in an error


@dataclass(frozen=True, slots=True)
class Argument:
    label: str  # as help shows it: CLUSTER, NAME, R
    kind: ArgumentKind
    required: bool = True
    open: bool = False  # the candidates are suggestions: another name is taken as typed (a region not in the fleet)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    argument: Argument | None = None
    action: str | None = None  # a Textual action (main screen by default, `app.` for the App); None: not built yet
    aliases: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()  # fixed values passed to the action before the typed argument

    @property
    def usage(self) -> str:
        if self.argument is None:
            return f":{self.name}"
        label = self.argument.label if self.argument.required else f"[{self.argument.label}]"
        return f":{self.name} {label}"

    @property
    def available(self) -> bool:
        return self.action is not None


COMMANDS: tuple[Command, ...] = (
    Command(
        "clusters", "Go to the clusters pane", action="show_pane", parameters=("clusters",), aliases=("cluster", "cl")
    ),
    Command(
        "groups", "Go to the instance groups pane", action="show_pane", parameters=("groups",), aliases=("group", "ig")
    ),
    Command(
        "nodes",
        "Go to the nodes pane (of CLUSTER: open it first)",
        Argument("CLUSTER", "cluster", required=False),
        action="show_nodes",
        aliases=("node", "no"),
    ),
    Command("events", "Cluster events of the highlighted cluster, group or node", action="events"),
    Command("triage", "Every node that needs attention, across clusters", action="triage"),
    Command("pf", "Port forwards: state, local address, stop", action="port_forwards", aliases=("portforwards",)),
    Command("ssh-config", "ssh entries through SSM for the nodes of the open cluster", action="ssh_config"),
    Command("run", "Run a command on the marked nodes (the highlighted one if none)", action="run_command"),
    Command(
        "dhc",
        "Deep health check: the marked nodes (the highlighted one if none), or the highlighted group (groups pane)",
        action="deep_health_check",
        aliases=("healthcheck",),
    ),
    Command(
        "slurm",
        "Slurm's view of the cluster now; with ACTION (drain, resume, reboot, replace): Slurm's action on the marked nodes",
        Argument("ACTION", "slurm-action", required=False),
        action="slurm",
    ),
    Command("theme", "Switch to theme NAME", Argument("NAME", "theme"), action="app.use_theme"),
    Command(
        "region",
        "Show region R alone (the fleet's other regions are dropped)",
        Argument("R", "region", open=True),
        action="app.switch_region",
    ),
    Command("profile", "Show AWS profile P alone", Argument("P", "profile", open=True), action="app.switch_profile"),
    Command("help", "Every key", action="app.help", aliases=("h",)),
    Command("q", "Quit (asks first while shells, forwards or actions run)", action="app.quit", aliases=("quit", "q!")),
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A command ready to run: its entry and the argument (already one of the candidates, when it has a kind)."""

    command: Command
    argument: str | None

    @property
    def action(self) -> tuple[str, str, tuple[object, ...]]:
        """The action as Textual's parsed form (namespace, name, parameters): the argument is passed as a value,
        never put into an action string that Textual would parse."""
        assert self.command.action is not None
        namespace, _, name = self.command.action.rpartition(".")
        extra = (self.argument,) if self.argument is not None else ()
        return namespace, name, (*self.command.parameters, *extra)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the line does not run, in one line (the user's text in it is clean and cut)."""

    message: str


def shown(text: str) -> str:
    """The user's text as an error repeats it: clean, cut, quoted."""
    return f'"{clean(text, max_len=TYPED_LIMIT)}"'


def choices(names: Sequence[str]) -> str:
    """The first names, in the order given (the screen puts the likeliest first)."""
    listed = [clean(name, max_len=TYPED_LIMIT) for name in names[:SHOWN_CHOICES]]
    more = ", …" if len(names) > SHOWN_CHOICES else ""
    return ", ".join(listed) + more if listed else "none"


def by_name(commands: Sequence[Command] = COMMANDS) -> dict[str, Command]:
    table: dict[str, Command] = {}
    for command in commands:
        for name in (command.name, *command.aliases):
            table.setdefault(name, command)
    return table


def parse(text: str, candidates: Candidates, commands: Sequence[Command] = COMMANDS) -> Parsed | Refusal:
    words = text.strip().removeprefix(":").split()
    if not words:
        return Refusal("type a command, e.g. :nodes (Tab completes)")
    name, arguments = words[0], words[1:]
    command = by_name(commands).get(name) or by_name(commands).get(name.casefold())
    if command is None:
        return Refusal(f"unknown command {shown(name)} (commands: {', '.join(c.name for c in commands)})")
    if not command.available:
        return Refusal(f":{command.name} is not available yet")
    spec = command.argument
    if spec is None:
        if arguments:
            return Refusal(f":{command.name} takes no argument (got {shown(' '.join(arguments))})")
        return Parsed(command, None)
    if len(arguments) > 1:
        return Refusal(f"usage: {command.usage} (one {spec.label}, got {shown(' '.join(arguments))})")
    if not arguments:
        if spec.required:
            return Refusal(f"usage: {command.usage} ({spec.kind}s: {choices(candidates(spec.kind))})")
        return Parsed(command, None)
    value = arguments[0]
    known = candidates(spec.kind)
    if not known:
        return Parsed(command, value)
    if value in known:
        return Parsed(command, value)
    folded = [name for name in known if name.casefold() == value.casefold()]
    if len(folded) == 1:
        return Parsed(command, folded[0])
    if spec.open:
        return Parsed(command, value)
    return Refusal(f"no {spec.kind} {shown(value)} ({spec.kind}s: {choices(known)})")


@dataclass(frozen=True, slots=True)
class Completion:
    """What Tab does to the line: `text` replaces it; `options` are the names it could still become."""

    text: str
    options: tuple[str, ...]


def complete(text: str, candidates: Candidates, commands: Sequence[Command] = COMMANDS) -> Completion:
    """Complete the word being typed: a command name first, then its argument. One option: the whole name
    (a command that takes an argument gets a space after it); several: their longest common prefix."""
    body = text.lstrip().removeprefix(":")
    words = body.split(" ")
    if len(words) == 1:
        names = sorted(c.name for c in commands)
        options = tuple(name for name in names if name.startswith(words[0]))
        return _completed("", words[0], options, by_name(commands))
    command = by_name(commands).get(words[0])
    if command is None or command.argument is None or len(words) > 2:
        return Completion(text, ())
    typed = words[1]
    options = tuple(sorted(name for name in candidates(command.argument.kind) if name.startswith(typed)))
    if not options:
        folded = typed.casefold()
        options = tuple(sorted(n for n in candidates(command.argument.kind) if n.casefold().startswith(folded)))
    return _completed(words[0] + " ", typed, options, {})


def _completed(head: str, typed: str, options: tuple[str, ...], commands: Mapping[str, Command]) -> Completion:
    if not options:
        return Completion(head + typed, ())
    if len(options) == 1:
        option = options[0]
        command = commands.get(option)
        space = " " if command is not None and command.argument is not None else ""
        return Completion(head + option + space, options)
    prefix = _common_prefix(options)
    return Completion(head + (prefix if len(prefix) > len(typed) else typed), options)


def _common_prefix(names: Sequence[str]) -> str:
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def hint(text: str, commands: Sequence[Command] = COMMANDS) -> str:
    """The line under the command line: the usage and help of the command being typed, else every command."""
    words = text.strip().removeprefix(":").split()
    command = by_name(commands).get(words[0]) if words else None
    if command is None:
        return "  ".join(c.name for c in commands) + "  · Tab completes · ↑↓ history"
    state = "" if command.available else " (not available yet)"
    return f"{command.usage} — {command.help}{state}"


def command_summary(commands: Sequence[Command] = COMMANDS) -> str:
    """One line for the help screen: every command, and those not built yet."""
    ready = "  ".join(c.usage for c in commands if c.available)
    later = " ".join(f":{c.name}" for c in commands if not c.available)
    return f"Commands (:): {ready}" + (f"  — not available yet: {later}" if later else "")
