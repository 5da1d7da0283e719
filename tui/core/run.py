"""Run one command on many nodes through SSM StartSession, and group what they answered (`dshbak -c` style).

No Textual. A run is a command, the document that runs it and the nodes (`RunSpec`); `Runner` runs it:

- Documents. `AWS-StartNonInteractiveCommand` (parameter `command`): the agent shlex-splits the command and execs
  it with *no shell*, so pipes, `$(…)`, `&&` and redirections are literal arguments. The shell form wraps the
  command for `bash -c` (one shlex-quoted argument) and sends it through `AWS-StartInteractiveCommand`, which the
  agent runs with `sh -c` on a pty; a marker line after it carries bash's exit status back (`__hyperpod_rc=N`),
  because nothing else does (HYPERPOD-FACTS-2 §5.3).
- Every session is opened by the shell feature's launcher (`core.ssm.SessionLauncher`, one plugin preflight for
  the run) and its plugin runs on its own pty (`core.pty_proc.spawn_on_pty`): the plugin needs one.
- At most `max_concurrent` sessions at once, StartSession at most `rate_per_s` per second (`RateLimiter`), and on
  ThrottlingException exponential backoff (the whole run slows down, not just that node).
- Output per node is capped (`output_cap` bytes: the session is ended there) and timed (`timeout_s`). The plugin's
  own `Starting session with SessionId …` / `Exiting session with sessionId …` lines are stripped; `Cannot perform
  start session` is a failure whatever the exit code says (the plugin always exits 0).
- Journal: one `intent` line for the run (command, document, cluster, nodes), fsynced before any session starts:
  when it cannot be written nothing starts. One `result` line at the end with each node's outcome, duration and exit
  hint. Never the output.
- Cancel: nodes not started are not started; every running session's plugin is hung up and its session ended
  (TerminateSession each).

All text that leaves this module for display went through `core.sanitize.clean`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tui.core import lifetime
from tui.core.journal import INTENT, RESULT, Journal, JournalError, iso_utc, new_attempt_id
from tui.core.sanitize import clean
from tui.core.ssm import START_FAILURE_MARKER, PluginCheck, SsmError, find_start_failure

NON_INTERACTIVE = "AWS-StartNonInteractiveCommand"
INTERACTIVE = "AWS-StartInteractiveCommand"
RC_MARKER = "__hyperpod_rc="
MAX_COMMAND = 4000  # a pty line is ~4096 bytes (MAX_CANON); the agent gets it as one parameter
DEFAULT_MAX_CONCURRENT = 16
DEFAULT_RATE_PER_S = 3.0
DEFAULT_OUTPUT_CAP = 64 * 1024
DEFAULT_TIMEOUT_S = 120.0
THROTTLE_RETRIES = 6
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
PTY_ROWS, PTY_COLUMNS = 50, 200

QUEUED, RUNNING, DONE, FAILED, TIMED_OUT, CANCELLED, NOT_SENT = (
    "queued",
    "running",
    "done",
    "failed",
    "timed out",
    "cancelled",
    "not sent",
)
FINAL = frozenset({DONE, FAILED, TIMED_OUT, CANCELLED, NOT_SENT})
THROTTLE_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"})

_PLUGIN_LINE = re.compile(r"^\s*(Starting session with SessionId: |Exiting session with sessionId: ).*$", re.I)
_RC_LINE = re.compile(r"^" + re.escape(RC_MARKER) + r"(\d{1,3})\s*$")
_NOT_FOUND = re.compile(r"(command not found|executable file not found|No such file or directory)")


# ── the command and its document ──────────────────────────────────────────────────────────────────


def shell_wrap(command: str) -> str:
    """The shell form's parameter: `bash -c '<command>'`, then the exit-status marker (run by the agent's sh)."""
    return f"bash -c {shlex.quote(command)}; echo {RC_MARKER}$?"


def command_problem(command: str, *, shell: bool) -> str | None:
    """Why this command cannot be sent (a sentence), or None."""
    if not command.strip():
        return "Type a command."
    if "\n" in command or "\r" in command:
        return "One line only: the command is sent as a single parameter."
    if len(command.encode("utf-8")) > MAX_COMMAND:
        return f"The command is longer than {MAX_COMMAND} bytes."
    if not shell:
        try:
            shlex.split(command)
        except ValueError as error:
            return f"The agent splits the command like a shell would and cannot: {error}."
    return None


def shell_syntax_hint(command: str) -> str | None:
    """For the non-interactive document: a note when the command looks like it needs a shell."""
    for token in ("|", "$(", "`", "&&", "||", ";", ">", "<", "*"):
        if token in command:
            return f"{token!r} needs a shell: without the shell form it is passed literally as an argument."
    return None


@dataclass(frozen=True, slots=True)
class RunTarget:
    """One node of a run: its id (the table's key), SSM target, and names to show."""

    node_id: str
    target: str
    group: str = ""
    hostname: str = ""


@dataclass(frozen=True, slots=True)
class RunSpec:
    command: str
    targets: tuple[RunTarget, ...]
    cluster: str = ""
    shell: bool = False

    @property
    def document(self) -> str:
        return INTERACTIVE if self.shell else NON_INTERACTIVE

    @property
    def parameters(self) -> dict[str, list[str]]:
        return {"command": [shell_wrap(self.command) if self.shell else self.command]}

    @property
    def node_ids(self) -> list[str]:
        return [t.node_id for t in self.targets]


@dataclass(frozen=True, slots=True)
class RunLimits:
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    rate_per_s: float = DEFAULT_RATE_PER_S
    output_cap: int = DEFAULT_OUTPUT_CAP
    timeout_s: float = DEFAULT_TIMEOUT_S


# ── output ────────────────────────────────────────────────────────────────────────────────────────


def clean_output(raw: bytes) -> tuple[str, int | None]:
    """The node's answer as display text, and the exit status its marker line carried (None: no marker).

    CRLF → LF, the plugin's own session lines and the marker removed, blank lines at both ends dropped, then
    `clean` (escape sequences gone, control characters shown as pictures)."""
    text = raw.decode("utf-8", "replace").replace("\r\r\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    status: int | None = None
    kept: list[str] = []
    for line in text.split("\n"):
        if _PLUGIN_LINE.match(line):
            continue
        marker = _RC_LINE.match(line.strip())
        if marker:
            status = int(marker.group(1))
            continue
        kept.append(line.rstrip())
    while kept and not kept[0]:
        kept.pop(0)
    while kept and not kept[-1]:
        kept.pop()
    return clean("\n".join(kept), keep_newlines=True), status


class OutputBuffer:
    """At most `cap` bytes of a node's output; `full` once the cap was reached (the rest is dropped)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._chunks: list[bytes] = []
        self.size = 0
        self.full = False

    def feed(self, data: bytes) -> bool:
        """Keep what fits; True once full."""
        room = self.cap - self.size
        if room <= 0:
            self.full = True
            return True
        if len(data) >= room:
            data = data[:room]
            self.full = True
        self._chunks.append(data)
        self.size += len(data)
        return self.full

    @property
    def data(self) -> bytes:
        return b"".join(self._chunks)


@dataclass
class NodeRun:
    """One node's progress. Mutated only by the Runner (on the event loop); read by the UI there too."""

    target: RunTarget
    state: str = QUEUED
    output: str = ""
    truncated: bool = False
    error: str = ""
    exit_status: int | None = None
    started: float | None = None
    ended: float | None = None
    session_id: str = ""
    attempts: int = 0

    @property
    def node_id(self) -> str:
        return self.target.node_id

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    @property
    def exit_hint(self) -> str:
        """`exit N` from the shell form's marker; otherwise a guess from the output, or ''."""
        if self.exit_status is not None:
            return f"exit {self.exit_status}"
        if self.state == DONE and _NOT_FOUND.search(self.output):
            return "not found?"
        return ""

    @property
    def succeeded(self) -> bool:
        return self.state == DONE and (self.exit_status in (None, 0)) and not self.exit_hint.endswith("?")

    def body(self) -> str:
        """What the grouping compares: the output, with the failure or timeout in front when there is one."""
        head = ""
        if self.state == FAILED:
            head = f"[failed: {self.error}]" if self.error else "[failed]"
        elif self.state == TIMED_OUT:
            head = "[timed out]"
        elif self.state in (CANCELLED, NOT_SENT):
            head = f"[{self.state}{': ' + self.error if self.error else ''}]"
        elif self.exit_status not in (None, 0):
            head = f"[exit {self.exit_status}]"
        if self.truncated:
            head = (head + " " if head else "") + "[output cut at the size limit]"
        if not self.output and not head:
            return "(no output)"
        return "\n".join(part for part in (head, self.output) if part)


@dataclass(frozen=True, slots=True)
class OutputGroup:
    body: str
    node_ids: tuple[str, ...]

    @property
    def heading(self) -> str:
        count = len(self.node_ids)
        return f"{count} node{'' if count == 1 else 's'}"


def group_outputs(nodes: Iterable[NodeRun]) -> list[OutputGroup]:
    """Nodes with identical bodies together; the biggest group first (so outliers come last), ties by body."""
    groups: dict[str, list[str]] = {}
    for node in nodes:
        if node.state in (QUEUED, RUNNING):
            continue
        groups.setdefault(node.body(), []).append(node.node_id)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [OutputGroup(body, tuple(ids)) for body, ids in ordered]


def summary_line(group: OutputGroup, reference: OutputGroup | None = None) -> str:
    """One line that tells a group apart: the first line not in `reference` (the biggest group), else the first
    line with a letter or digit in it (a table's `+----+` border says nothing)."""
    lines = [line.strip() for line in group.body.split("\n") if line.strip()]
    if reference is not None and reference is not group:
        seen = {line.strip() for line in reference.body.split("\n")}
        different = next((line for line in lines if line not in seen), None)
        if different is not None:
            return different
    return next((line for line in lines if any(c.isalnum() for c in line)), lines[0] if lines else "")


def grouped_text(groups: Sequence[OutputGroup], names: Mapping[str, str] | None = None) -> str:
    """`dshbak -c`-style text: a heading with the node list per group, then its output, indented."""
    out: list[str] = []
    for group in groups:
        listed = ", ".join((names or {}).get(node_id, node_id) for node_id in group.node_ids)
        out.append(f"---- {group.heading}: {listed}")
        out.extend("  " + line for line in group.body.split("\n"))
    return "\n".join(out) + ("\n" if out else "")


# ── rate ──────────────────────────────────────────────────────────────────────────────────────────


class RateLimiter:
    """At most `rate` acquisitions per second, spaced evenly; `backoff(n)` pushes every next one back.

    `clock` and `sleep` are injected so that tests run it on a fake clock."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive: {rate!r}")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for a slot; returns the time it was granted."""
        async with self._lock:
            now = self._clock()
            if now < self._next:
                await self._sleep(self._next - now)
                now = self._clock()
            self._next = max(now, self._next) + self.interval
            return now

    def backoff(self, attempt: int) -> float:
        """After a ThrottlingException (attempt 1, 2, …): nothing is granted for base·2^(attempt-1) seconds."""
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * float(2 ** max(0, attempt - 1)))
        self._next = max(self._next, self._clock() + delay)
        return delay


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = (response.get("Error") or {}).get("Code")
        if isinstance(code, str):
            return code
    return ""


def error_text(error: BaseException) -> str:
    """`Code: message` for an AWS error (botocore's own sentence is long), else the error as it says itself."""
    code = error_code(error)
    response = getattr(error, "response", None)
    message = (response.get("Error") or {}).get("Message") if isinstance(response, Mapping) else None
    if code:
        return f"{code}: {message}" if isinstance(message, str) and message else code
    return str(error) or type(error).__name__


# ── the run ───────────────────────────────────────────────────────────────────────────────────────


class Opener(Protocol):
    """`SessionLauncher` as the Runner uses it (blocking calls: run in an executor)."""

    def preflight(self, target: str | None = None, document: str | None = None) -> PluginCheck: ...

    def open(
        self,
        target: str,
        *,
        document: str | None = None,
        parameters: Mapping[str, Sequence[str]] | None = None,
        check: PluginCheck | None = None,
    ) -> Any: ...


Spawner = Callable[[Sequence[str], Mapping[str, str]], Awaitable[tuple[Any, int]]]


async def spawn_plugin(argv: Sequence[str], env: Mapping[str, str]) -> tuple[Any, int]:
    from tui.core.pty_proc import spawn_on_pty

    return await spawn_on_pty(argv, env, None, PTY_ROWS, PTY_COLUMNS)


@dataclass
class RunResult:
    spec: RunSpec
    nodes: dict[str, NodeRun]
    run_id: str = ""
    journal_error: str = ""
    error: str = ""
    cancelled: bool = False

    @property
    def all_succeeded(self) -> bool:
        return bool(self.nodes) and all(node.succeeded for node in self.nodes.values())

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node.state] = counts.get(node.state, 0) + 1
        return counts

    def groups(self) -> list[OutputGroup]:
        return group_outputs(self.nodes.values())


class Runner:
    """Runs one RunSpec on the running asyncio loop. `on_change(node)` hears every state change."""

    def __init__(
        self,
        spec: RunSpec,
        opener: Opener,
        *,
        journal: Journal | None,
        context: Mapping[str, Any] | None = None,
        limits: RunLimits = RunLimits(),
        spawn: Spawner = spawn_plugin,
        limiter: RateLimiter | None = None,
        executor: Any = None,
        wall_clock: Callable[[], float] = time.time,
        on_change: Callable[[NodeRun], None] | None = None,
    ) -> None:
        self.spec = spec
        self.opener = opener
        self.journal = journal
        self.context = dict(context or {})
        self.limits = limits
        self.spawn = spawn
        self.limiter = limiter or RateLimiter(limits.rate_per_s)
        self.executor = executor
        self.wall_clock = wall_clock
        self.on_change = on_change
        self.result = RunResult(spec, {t.node_id: NodeRun(t) for t in spec.targets})
        self._cancelled = False
        self._live: dict[str, tuple[Any, Any]] = {}  # node id → (session, process)
        self._enders: dict[int, asyncio.Future[None]] = {}  # pty fd → set when its reading should stop

    @property
    def nodes(self) -> dict[str, NodeRun]:
        return self.result.nodes

    def _changed(self, node: NodeRun) -> None:
        if self.on_change is not None:
            self.on_change(node)

    def _finish(self, node: NodeRun, state: str, error: str = "") -> None:
        node.state = state
        node.error = clean(error, max_len=500) if error else node.error
        node.ended = time.monotonic() if node.started is not None else None
        self._changed(node)

    # ── journal ──

    def _intent(self, run_id: str) -> dict[str, Any]:
        return {
            "time": iso_utc(self.wall_clock()),
            "kind": INTENT,
            "id": run_id,
            "action": "run",
            **self.context,
            "cluster": self.spec.cluster,
            "operation": "StartSession",
            "document": self.spec.document,
            "command": self.spec.command,
            "shell": self.spec.shell,
            "node_ids": self.spec.node_ids,
            "attempt": 1,
        }

    def _result_entry(self, run_id: str) -> dict[str, Any]:
        nodes = list(self.nodes.values())
        ok = sum(1 for node in nodes if node.succeeded)
        return {
            "time": iso_utc(self.wall_clock()),
            "kind": RESULT,
            "id": run_id,
            "action": "run",
            "cluster": self.spec.cluster,
            "operation": "StartSession",
            "attempt": 1,
            "outcome": "Successful" if ok == len(nodes) else ("Failed" if ok == 0 else "Partly failed"),
            "cancelled": self._cancelled,
            "nodes": [
                {
                    "node_id": node.node_id,
                    "outcome": node.state,
                    **({"exit": node.exit_hint} if node.exit_hint else {}),
                    **({"error": node.error} if node.error else {}),
                    "duration_ms": round((node.duration or 0.0) * 1000),
                }
                for node in nodes
            ],
        }

    # ── running ──

    async def run(self) -> RunResult:
        run_id = new_attempt_id()
        self.result.run_id = run_id
        try:
            if self.journal is None:
                raise JournalError("no journal configured")
            self.journal.append(self._intent(run_id))
        except JournalError as error:
            self.result.journal_error = str(error)
            for node in self.nodes.values():
                self._finish(node, NOT_SENT, f"the journal could not be written ({error}); no session was started")
            return self.result
        loop = asyncio.get_running_loop()
        try:
            check = await loop.run_in_executor(
                self.executor, lambda: self.opener.preflight(self.spec.targets[0].target, self.spec.document)
            )
        except Exception as error:  # noqa: BLE001 - no plugin: every node fails with the reason, nothing opened
            for node in self.nodes.values():
                self._finish(node, FAILED, str(error).split("\n", 1)[0])
            self.result.error = clean(str(error), keep_newlines=True, max_len=2000)
            self._write_result(run_id)
            return self.result
        gate = asyncio.Semaphore(max(1, self.limits.max_concurrent))

        async def one(node: NodeRun) -> None:
            async with gate:
                if self._cancelled:
                    self._finish(node, CANCELLED)
                    return
                await self._run_node(node, check)

        await asyncio.gather(*(one(node) for node in self.nodes.values()), return_exceptions=True)
        for node in self.nodes.values():  # anything a bug left behind is not "running" forever
            if node.state not in FINAL:
                self._finish(node, FAILED, node.error or "stopped")
        self.result.cancelled = self._cancelled
        self._write_result(run_id)
        return self.result

    def _write_result(self, run_id: str) -> None:
        if self.journal is None:
            return
        try:
            self.journal.append(self._result_entry(run_id))
        except JournalError as error:
            self.result.journal_error = str(error)

    async def _open(self, node: NodeRun, check: PluginCheck) -> Any:
        """StartSession through the launcher, at the limiter's pace, backing off on throttling."""
        loop = asyncio.get_running_loop()
        for attempt in range(1, THROTTLE_RETRIES + 2):
            await self.limiter.acquire()
            if self._cancelled:
                return None
            if attempt == 1:
                node.started = time.monotonic()  # its duration: from its StartSession, not from its turn in line
            node.attempts = attempt
            try:
                return await loop.run_in_executor(
                    self.executor,
                    lambda: self.opener.open(
                        node.target.target,
                        document=self.spec.document,
                        parameters=self.spec.parameters,
                        check=check,
                    ),
                )
            except Exception as error:
                if error_code(error) in THROTTLE_CODES and attempt <= THROTTLE_RETRIES:
                    self.limiter.backoff(attempt)
                    continue
                raise
        return None  # not reached

    async def _run_node(self, node: NodeRun, check: PluginCheck) -> None:
        node.state = RUNNING
        node.started = time.monotonic()
        self._changed(node)
        try:
            session = await self._open(node, check)
        except (SsmError, ValueError) as error:
            self._finish(node, FAILED, str(error).split("\n", 1)[0])
            return
        except Exception as error:  # noqa: BLE001 - AWS said no (TargetNotConnected, AccessDenied, …)
            self._finish(node, FAILED, error_text(error))
            return
        if session is None:
            self._finish(node, CANCELLED)
            return
        lifetime.adopt_session(session)
        node.session_id = clean(getattr(session, "session_id", ""), max_len=120)
        buffer = OutputBuffer(self.limits.output_cap)
        timed_out = False
        try:
            try:
                process, fd = await self.spawn(session.launch.argv, session.launch.env)
            except OSError as error:
                failure = session.spawn_failed(error)
                self._finish(node, FAILED, str(failure).split("\n", 1)[0])
                return
            lifetime.adopt_child(process.pid, own_session=True)
            self._live[node.node_id] = (session, process)
            try:
                timed_out = not await self._read(fd, process, buffer)
            finally:
                self._live.pop(node.node_id, None)
                with contextlib.suppress(OSError):
                    os.close(fd)
                await self._end_process(process)
                lifetime.release_child(process.pid)
        finally:
            await asyncio.get_running_loop().run_in_executor(self.executor, session.close)
        node.output, node.exit_status = clean_output(buffer.data)
        node.truncated = buffer.full
        failure = find_start_failure(buffer.data.decode("utf-8", "replace"))
        if failure is not None:
            node.output = "\n".join(line for line in node.output.split("\n") if START_FAILURE_MARKER not in line)
            self._finish(node, FAILED, failure)
        elif timed_out:
            self._finish(node, TIMED_OUT, f"no end after {self.limits.timeout_s:g} s")
        elif self._cancelled:
            self._finish(node, CANCELLED, "stopped by the user")
        else:
            self._finish(node, DONE)

    async def _read(self, fd: int, process: Any, buffer: OutputBuffer) -> bool:
        """Read the pty until the plugin ends, the cap is reached or cancel; False on timeout."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:  # EIO: the plugin (and everything on its pty) is gone
                data = b""
            if not data or buffer.feed(data):
                loop.remove_reader(fd)
                if not ended.done():
                    ended.set_result(None)

        loop.add_reader(fd, readable)
        self._enders[fd] = ended
        try:
            await asyncio.wait_for(asyncio.shield(ended), self.limits.timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(fd)
            self._enders.pop(fd, None)

    async def _end_process(self, process: Any) -> None:
        from tui.core.pty_proc import hang_up

        if process.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), 0.3)
        if process.returncode is None:
            await hang_up(process, {process.pid}, 0.5)

    def cancel(self) -> None:
        """Stop: nodes not started never start; running ones are ended (their plugin hung up, TerminateSession)."""
        if self._cancelled:
            return
        self._cancelled = True
        for ended in list(self._enders.values()):
            if not ended.done():
                ended.set_result(None)


# ── saving ────────────────────────────────────────────────────────────────────────────────────────

_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def save_outputs(result: RunResult, directory: Path) -> Path:
    """One file per node (`<node id>.txt`: its output as shown) and `summary.txt` (the grouped view and each
    node's state). Returns the directory. Raises OSError."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    names = {}
    for node in result.nodes.values():
        name = _FILE_NAME.sub("_", node.node_id)[:100] or "node"
        names[node.node_id] = node.target.hostname or node.node_id
        (directory / f"{name}.txt").write_text(node.body() + "\n", encoding="utf-8")
    lines = [
        f"command: {clean(result.spec.command)}",
        f"document: {result.spec.document}",
        f"cluster: {clean(result.spec.cluster)}",
        "",
    ]
    for node in result.nodes.values():
        took = f"{node.duration:.1f}s" if node.duration is not None else "-"
        lines.append(f"{node.node_id}\t{node.state}\t{took}\t{node.exit_hint}")
    lines += ["", grouped_text(result.groups(), names)]
    (directory / "summary.txt").write_text("\n".join(lines), encoding="utf-8")
    return directory
