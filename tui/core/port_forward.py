"""Port forwards through SSM: a local port to a port on a node (`AWS-StartPortForwardingSession`) or to a host the
node reaches (`AWS-StartPortForwardingSessionToRemoteHost`, e.g. a dashboard on the controller). No Textual.

A forward is opened the one way every SSM session here is opened: the shell feature's launcher
(`core.ssm.SessionLauncher`: the plugin preflight, StartSession, the AWS CLI's argv and environment), its plugin on
its own pty (`core.run.spawn_plugin`), both adopted by `core.lifetime` so that they end with the app. The parameters
are the ones `aws ssm start-session --parameters` passes: `portNumber`, `localPortNumber` (left out for "any free
port": the plugin then listens on port 0 and says which it got), and `host` for the remote-host document.

The plugin says how it goes on stdout (aws/session-manager-plugin `portsession/muxportforwarding.go`):
`Port N opened for sessionId S.` (listening, on localhost), `Connection accepted for session [S]`, `Connection to
destination port failed, check SSM Agent logs.` (the agent could not reach the remote port), and on failure
`Cannot perform start session: …` — its exit code says nothing. `Forward` turns those into its state: starting →
listening → ended, or failed with why. Stop = the plugin hung up and TerminateSession.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tui.core import lifetime
from tui.core.sanitize import clean
from tui.core.ssm import StartFailureScanner

PORT_DOCUMENT = "AWS-StartPortForwardingSession"
REMOTE_HOST_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"
STARTING, LISTENING, FAILED, ENDED = "starting", "listening", "failed", "ended"
LIVE = frozenset({STARTING, LISTENING})
OUTPUT_KEPT = 4096  # bytes of the plugin's last output kept, for the reason of a failure

_OPENED = re.compile(r"Port (\d{1,5}) opened for sessionId")
_ACCEPTED = "Connection accepted for session"
_DESTINATION_FAILED = "Connection to destination port failed"
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.:-]{0,252})")
_FORWARD = re.compile(r"^(\d{1,5}):(\d{1,5})(?:@(.+))?$")


class ForwardError(ValueError):
    """A forward that cannot be asked for (a bad port or host); the message is for the user."""


def check_port(value: str | int, what: str, *, zero_ok: bool = False) -> int:
    text = str(value).strip()
    if zero_ok and text in ("", "0"):
        return 0
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ForwardError(f"{what}: a port is 1-65535{' (0 or blank: any free port)' if zero_ok else ''}")
    return int(text)


def check_host(host: str) -> str:
    host = host.strip()
    if host and not _HOST.fullmatch(host):
        raise ForwardError(f"remote host: a host name or IP address (letters, digits, . - :), not {clean(host)!r}")
    return host


def parse_forward(text: str) -> tuple[int, int, str]:
    """`LOCAL:REMOTE[@HOST]` → (local, remote, host); LOCAL 0 picks any free port."""
    match = _FORWARD.match(text.strip())
    if match is None:
        raise ForwardError(f"expected LOCAL:REMOTE[@HOST] (e.g. 8080:3000 or 0:8265@localhost), not {clean(text)!r}")
    local = check_port(match.group(1), "local port", zero_ok=True)
    remote = check_port(match.group(2), "remote port")
    return local, remote, check_host(match.group(3) or "")


@dataclass(frozen=True, slots=True)
class ForwardSpec:
    cluster: str
    node_id: str
    target: str
    remote_port: int
    local_port: int = 0  # 0: the plugin picks a free one
    host: str = ""  # '' : the node itself
    hostname: str = ""  # the node's, to show

    @property
    def document(self) -> str:
        return REMOTE_HOST_DOCUMENT if self.host else PORT_DOCUMENT

    @property
    def parameters(self) -> dict[str, list[str]]:
        """As `--parameters host=…,portNumber=…,localPortNumber=…` gives them to StartSession."""
        parameters: dict[str, list[str]] = {}
        if self.host:
            parameters["host"] = [self.host]
        parameters["portNumber"] = [str(self.remote_port)]
        if self.local_port:
            parameters["localPortNumber"] = [str(self.local_port)]
        return parameters

    @property
    def remote(self) -> str:
        where = self.host or (self.hostname.split(".")[0] if self.hostname else self.node_id)
        via = f" via {clean(self.node_id, max_len=24)}" if self.host else ""
        return f"{clean(where, max_len=80)}:{self.remote_port}{via}"


class Opener(Protocol):
    def open(
        self,
        target: str,
        *,
        document: str | None = None,
        parameters: Mapping[str, Sequence[str]] | None = None,
        check: Any = None,
    ) -> Any: ...


Spawner = Callable[[Sequence[str], Mapping[str, str]], Any]


async def _spawn_plugin(argv: Sequence[str], env: Mapping[str, str]) -> tuple[Any, int]:
    from tui.core.run import spawn_plugin

    return await spawn_plugin(argv, env)


class Forward:
    """One forward's life, on the running asyncio loop. `on_change(self)` hears every change of state or note."""

    def __init__(
        self,
        spec: ForwardSpec,
        opener: Callable[[], Opener],
        *,
        spawn: Spawner = _spawn_plugin,
        executor: Any = None,
        on_change: Callable[[Forward], None] | None = None,
    ) -> None:
        self.spec = spec
        self._opener = opener
        self.spawn = spawn
        self.executor = executor
        self.on_change = on_change
        self.state = STARTING
        self.error = ""
        self.note = ""  # the last thing worth saying (a connection accepted, the destination refused)
        self.local_port = spec.local_port
        self.session_id = ""
        self.connections = 0
        self.started = time.monotonic()
        self.ended: float | None = None
        self._session: Any = None
        self._process: Any = None
        self._stopping = False
        self._ended = asyncio.Event()
        self._done: asyncio.Future[None] | None = None
        self._output = bytearray()

    @property
    def live(self) -> bool:
        return self.state in LIVE

    @property
    def address(self) -> str:
        """Where to connect (localhost, as the plugin listens); '' until it listens."""
        return f"localhost:{self.local_port}" if self.state == LISTENING and self.local_port else ""

    def _set(self, state: str | None = None, *, error: str = "", note: str = "") -> None:
        if state is not None:
            self.state = state
            if state not in LIVE and self.ended is None:
                self.ended = time.monotonic()
        if error:
            self.error = clean(error, max_len=300)
        if note:
            self.note = clean(note, max_len=200)
        if self.on_change is not None:
            self.on_change(self)

    def _resolve_opener(self) -> Opener:
        """The launcher, made in the executor (creating an SSM client loads botocore models)."""
        return self._opener()

    async def run(self) -> None:
        """Open, listen until stopped or the plugin ends. Never raises for AWS or plugin trouble: see `state`."""
        loop = asyncio.get_running_loop()
        spec = self.spec
        try:
            session = await loop.run_in_executor(
                self.executor,
                lambda: self._resolve_opener().open(spec.target, document=spec.document, parameters=spec.parameters),
            )
        except Exception as error:  # noqa: BLE001 - AWS or the plugin said no: the forward failed, saying why
            self._set(FAILED, error=_error_text(error))
            self._ended.set()
            return
        self._session = session
        lifetime.adopt_session(session)
        self.session_id = clean(str(getattr(session, "session_id", "")), max_len=120)
        if self._stopping:
            await self._close_session()
            self._set(ENDED, note="stopped before it listened")
            self._ended.set()
            return
        try:
            process, fd = await self.spawn(session.launch.argv, session.launch.env)
        except OSError as error:
            failure = session.spawn_failed(error)
            self._set(FAILED, error=str(failure).split("\n", 1)[0])
            self._ended.set()
            return
        self._process = process
        lifetime.adopt_child(process.pid, own_session=True)
        try:
            await self._read(fd)
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
            await self._end_process()
            lifetime.release_child(process.pid)
            await self._close_session()
        if self.state == STARTING:
            last = _last_line(bytes(self._output))
            self._set(FAILED, error=last or "the plugin ended before it listened")
        elif self.state == LISTENING:
            self._set(ENDED, note="stopped" if self._stopping else "the session ended")
        self._ended.set()

    async def _read(self, fd: int) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        scanner = StartFailureScanner()
        pending = ""

        def readable() -> None:
            nonlocal pending
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(fd)
                if not done.done():
                    done.set_result(None)
                return
            self._output += data
            del self._output[:-OUTPUT_KEPT]
            failure = scanner.feed(data)
            if failure is not None and self.state != FAILED:
                self._set(FAILED, error=failure)
            pending = (pending + data.decode("utf-8", "replace"))[-OUTPUT_KEPT:]
            *lines, pending = pending.replace("\r", "\n").split("\n")
            for line in lines:
                self._line(line)

        loop.add_reader(fd, readable)
        self._done = done
        try:
            await done
        finally:
            loop.remove_reader(fd)

    def _line(self, line: str) -> None:
        opened = _OPENED.search(line)
        if opened and self.state == STARTING:
            self.local_port = int(opened.group(1))
            self._set(LISTENING, note="waiting for connections")
        elif _ACCEPTED in line:
            self.connections += 1
            self._set(note="a connection was accepted")
        elif _DESTINATION_FAILED in line:
            self._set(note=f"the node could not connect to {self.spec.remote} (refused or unreachable)")

    async def _end_process(self) -> None:
        from tui.core.pty_proc import hang_up

        process = self._process
        if process is None:
            return
        if process.returncode is None and not self._stopping:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait(), 0.3)
        if process.returncode is None:
            await hang_up(process, {process.pid}, 0.5)

    async def _close_session(self) -> None:
        session = self._session
        if session is not None:
            await asyncio.get_running_loop().run_in_executor(self.executor, session.close)

    def stop(self) -> None:
        """End it: the plugin is hung up (then its session terminated by `run`). Safe to call more than once."""
        if self._stopping:
            return
        self._stopping = True
        done = self._done
        if done is not None and not done.done():
            done.set_result(None)

    async def wait(self) -> None:
        await self._ended.wait()

    def state_text(self) -> str:
        if self.state == FAILED:
            return f"failed: {self.error}" if self.error else "failed"
        if self.state == ENDED:
            return f"ended ({self.note})" if self.note else "ended"
        return self.state


def _last_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").replace("\r", "\n")
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    lines = [line for line in lines if not line.startswith(("Starting session with", "Exiting session with"))]
    return clean(lines[-1], max_len=300) if lines else ""


def _error_text(error: BaseException) -> str:
    from tui.core.run import error_text

    return str(error).split("\n", 1)[0] if not getattr(error, "response", None) else error_text(error)
