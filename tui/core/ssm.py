"""A shell on a HyperPod node: the SSM target, and a session started the way `aws ssm start-session` starts one.

The AWS CLI's `StartSessionCaller` (awscli/customizations/sessionmanager.py) is the reference (its contract in
our words: docs/aws-facts.md, SSM plugin launch). We reproduce its plugin argv and environment byte for byte (a
test compares them with what the CLI itself produces), with one deliberate difference in ordering:

    The AWS CLI calls StartSession first and only then looks for `session-manager-plugin`; when the plugin is
    missing it calls TerminateSession afterwards. We run the plugin preflight (`<plugin> --version`) *before*
    StartSession, so a missing or broken plugin never opens a session at all. TerminateSession is still
    guaranteed for every session we did open: when the plugin then fails to spawn (ENOENT or any other
    OSError), and when the user closes the session.

The plugin exits 0 even when it fails; its stdout says "Cannot perform start session: …" instead. Use
`StartFailureScanner` (or `find_start_failure`) on its output to notice.

Subprocesses run behind the `ProcessRunner` protocol so tests can script them. Nothing here imports textual.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.core.models import cluster_id_from_arn
from tui.core.sanitize import clean

log = logging.getLogger(__name__)

PLUGIN_NAME = "session-manager-plugin"
RESPONSE_ENV_NAME = "AWS_SSM_START_SESSION_RESPONSE"
LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR = "1.2.497.0"  # the AWS CLI's gate: strictly newer reads the env var
RECOMMENDED_MIN_PLUGIN_VERSION = "1.2.814.0"  # SSO sessions stopped dropping after 60 s here (plugin issue #109)
PLUGIN_INSTALL_URL = (
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html"
)
START_FAILURE_MARKER = "Cannot perform start session"
SESSION_REASON = "hyperpod-tui"
VERSION_TIMEOUT_S = 10.0

_GROUP_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")  # botocore ClusterInstanceGroupName
_INSTANCE_ID = re.compile(r"i-[a-f0-9]{8}(?:[a-f0-9]{9})?")  # botocore ClusterNodeId
_DOCUMENT_NAME = re.compile(r"[a-zA-Z0-9_\-.:/]{3,128}")  # botocore DocumentARN
_WHITESPACE = re.compile(r"\s+")
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


class SsmError(Exception):
    """Base class: a session could not be started or run. The message is meant for the user."""


class PluginMissing(SsmError):
    """`session-manager-plugin` is not installed (or not where we were told to look)."""


class PluginFailed(SsmError):
    """The plugin exists but could not be run (no permission, no answer to --version, bad exit, …)."""


STAND_IN_PLUGIN = (sys.executable, "-m", "tui.sim.plugin")  # the demo's session-manager-plugin


def plugin_choice(ssm_plugin: str | None, demo: bool) -> str | list[str]:
    """--ssm-plugin / config `ssm_plugin`, else the demo stand-in under --demo, else session-manager-plugin."""
    if ssm_plugin:
        return os.path.expanduser(ssm_plugin)
    if demo:
        return list(STAND_IN_PLUGIN)
    return PLUGIN_NAME


# ── Targets and the copyable command ──────────────────────────────────────────────────────────────


def ssm_target(cluster_arn: str, group_name: str, instance_id: str) -> str:
    """`sagemaker-cluster:<cluster-id>_<group>-<instance-id>`, the SSM target of one HyperPod node."""
    cluster_id = cluster_id_from_arn(cluster_arn)
    if not isinstance(group_name, str) or not _GROUP_NAME.fullmatch(group_name):
        raise ValueError(f"not an instance group name (1-63 letters, digits, inner hyphens): {group_name!r}")
    if not isinstance(instance_id, str) or not _INSTANCE_ID.fullmatch(instance_id):
        raise ValueError(f"not an EC2 instance id (i- and 8 or 17 hex digits): {instance_id!r}")
    return f"sagemaker-cluster:{cluster_id}_{group_name}-{instance_id}"


def start_session_command(
    target: str, region: str, profile: str | None = None, document: str | None = None, endpoint_url: str | None = None
) -> str:
    """The shell line a user can paste to open the same session with the AWS CLI (pointed at the same endpoint
    when the app was started with --endpoint-url)."""
    parts = ["aws", "ssm", "start-session", "--target", target, "--region", region]
    if profile:
        parts += ["--profile", profile]
    if document:
        parts += ["--document-name", document]
    if endpoint_url:
        parts += ["--endpoint-url", endpoint_url]
    return " ".join(shlex.quote(part) for part in parts)


def session_user_note(document: str | None) -> str:
    """One line saying who the shell will run as."""
    if not document:
        return (
            "No SSM document given: HyperPod starts the session as root (pass --ssm-document to run as another user)."
        )
    return f"The SSM document {document} decides the session's user (SSM-SessionManagerRunShellAsUbuntu → ubuntu)."


def start_session_request(
    target: str,
    document: str | None = None,
    parameters: Mapping[str, Sequence[str]] | None = None,
    reason: str | None = SESSION_REASON,
) -> dict[str, Any]:
    """The StartSession request, members in the API model's order (argv[5] is its JSON)."""
    if not target or len(target) > 400:
        raise ValueError(f"an SSM target is 1-400 characters: {target!r}")
    request: dict[str, Any] = {"Target": target}
    if document:
        if not _DOCUMENT_NAME.fullmatch(document):
            raise ValueError(f"not an SSM document name (3-128 of letters, digits, _-.:/): {document!r}")
        request["DocumentName"] = document
    if reason:
        request["Reason"] = reason
    if parameters:
        request["Parameters"] = {key: list(values) for key, values in parameters.items()}
    return request


# ── Plugin versions (the AWS CLI's VersionRequirement, same rules) ──────────────────────────────────


def _clean_version(version: str) -> str:
    return _WHITESPACE.sub("", version)


def is_valid_plugin_version(version: str) -> bool:
    return bool(_VERSION.match(_clean_version(version)))


def plugin_version_meets(version: str, minimum: str, *, inclusive: bool = False) -> bool:
    """Whitespace stripped, 1-4 dotted integers, both zero-padded to equal length; strict `>` unless inclusive.

    An unparseable version never meets anything (so the launch falls back to the legacy argv, as the CLI does).
    """
    cleaned = _clean_version(version)
    if not _VERSION.match(cleaned):
        return False
    have = [int(part) for part in cleaned.split(".")]
    want = [int(part) for part in minimum.split(".")]
    width = max(len(have), len(want))
    have += [0] * (width - len(have))
    want += [0] * (width - len(want))
    return have >= want if inclusive else have > want


def plugin_reads_response_from_env(version: str) -> bool:
    """True when the plugin gets the StartSession response through `AWS_SSM_START_SESSION_RESPONSE`."""
    return plugin_version_meets(version, LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR)


def plugin_version_warning(version: str) -> str | None:
    """A warning (never a refusal) for plugins older than the recommended minimum; None if fine or unparseable."""
    if not is_valid_plugin_version(version):
        return None
    if plugin_version_meets(version, RECOMMENDED_MIN_PLUGIN_VERSION, inclusive=True):
        return None
    return (
        f"session-manager-plugin {_clean_version(version)} is older than {RECOMMENDED_MIN_PLUGIN_VERSION}; "
        f"SSO sessions may drop after 60 s. Upgrade: {PLUGIN_INSTALL_URL}"
    )


# ── The launch plan (pure) ─────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PluginLaunch:
    """The plugin's argv and environment. Both may hold the session token, so neither is in the repr."""

    argv: list[str] = field(repr=False)
    env: dict[str, str] = field(repr=False)

    @property
    def token_in_argv(self) -> bool:
        """True for legacy plugins (≤ 1.2.497.0): the response JSON, token included, is visible in `ps`."""
        return self.argv[-6] != RESPONSE_ENV_NAME


def plugin_command(plugin_path: str | Sequence[str]) -> list[str]:
    """A plugin path or a multi-element command (e.g. `[sys.executable, "-m", "tui.sim.plugin"]`) as a list."""
    command = [plugin_path] if isinstance(plugin_path, str) else list(plugin_path)
    if not command or not all(isinstance(part, str) and part for part in command):
        raise ValueError(f"not a plugin command: {plugin_path!r}")
    return command


def plan_plugin_launch(
    start_session_response: Mapping[str, Any],
    request: Mapping[str, Any],
    *,
    region: str,
    endpoint_url: str,
    profile: str | None,
    plugin_path: str | Sequence[str],
    plugin_version: str,
    base_env: Mapping[str, str],
) -> PluginLaunch:
    """What the AWS CLI would exec: argv[1] response JSON (or the env-var name for plugins > 1.2.497.0),
    argv[2] region (the client's `meta.region_name`), argv[3] "StartSession", argv[4] profile or '',
    argv[5] the request JSON, argv[6] the endpoint (the client's `meta.endpoint_url`)."""
    response_json = json.dumps(
        {
            "SessionId": start_session_response["SessionId"],
            "TokenValue": start_session_response["TokenValue"],
            "StreamUrl": start_session_response["StreamUrl"],
        }
    )
    env = dict(base_env)
    first = response_json
    if plugin_reads_response_from_env(plugin_version):
        env[RESPONSE_ENV_NAME] = response_json
        first = RESPONSE_ENV_NAME
    argv = [
        *plugin_command(plugin_path),
        first,
        region,
        "StartSession",
        profile if profile is not None else "",
        json.dumps(dict(request)),
        endpoint_url,
    ]
    return PluginLaunch(argv=argv, env=env)


# ── "Cannot perform start session" (the plugin's exit code says nothing) ───────────────────────────


def find_start_failure(text: str) -> str | None:
    """The reason from the first "Cannot perform start session: <reason>" line in `text`, else None.

    The reason is plugin output (untrusted): it comes back sanitised, safe to show.
    """
    for line in text.replace("\r", "\n").split("\n"):
        at = line.find(START_FAILURE_MARKER)
        if at >= 0:
            reason = line[at + len(START_FAILURE_MARKER) :].lstrip(":").strip()
            return clean(reason, max_len=500) or "no reason given"
    return None


class StartFailureScanner:
    """Scans plugin output as it streams in (bytes or text, any chunking) for the failure line."""

    _MAX_PARTIAL = 4096

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._partial = ""
        self.failure: str | None = None

    def feed(self, data: bytes | str) -> str | None:
        """Returns the failure reason once a complete failure line has been seen (and from then on)."""
        if self.failure is None:
            text = self._decoder.decode(data) if isinstance(data, bytes) else data
            lines = (self._partial + text.replace("\r", "\n")).split("\n")
            self._partial = lines.pop()[-self._MAX_PARTIAL :]
            self.failure = find_start_failure("\n".join(lines))
        return self.failure

    def finish(self) -> str | None:
        """Call at end of output: also checks a last line that had no newline."""
        if self.failure is None:
            self.failure = find_start_failure(self._partial + self._decoder.decode(b"", final=True))
        return self.failure


# ── Running subprocesses (the seam tests script) ──────────────────────────────────────────────────


class ProcessRunner(Protocol):
    def version(self, command: Sequence[str], timeout: float) -> str:
        """stdout of `<command> --version`. Raises OSError, subprocess.TimeoutExpired or CalledProcessError."""
        ...

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> int:
        """Run the plugin in the foreground on the inherited terminal; its exit code. Raises OSError on spawn."""
        ...


@contextlib.contextmanager
def ignore_user_signals() -> Iterator[None]:
    """SIGINT/SIGQUIT/SIGTSTP ignored while the plugin owns the terminal (the plugin forwards them as bytes)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be changed on the main thread
        return
    signals = [signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP]
    previous = [signal.signal(sig, signal.SIG_IGN) for sig in signals]
    try:
        yield
    finally:
        for sig, handler in zip(signals, previous, strict=True):
            signal.signal(sig, handler)


class SubprocessRunner:
    """The real thing: `subprocess`."""

    def version(self, command: Sequence[str], timeout: float) -> str:
        done = subprocess.run(
            [*command, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return done.stdout

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> int:
        with ignore_user_signals():
            return subprocess.run(list(argv), env=dict(env)).returncode


# ── The session lifecycle ─────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PluginCheck:
    command: tuple[str, ...]  # resolved: argv prefix of every launch
    version: str  # as printed, stripped
    reads_env: bool  # > 1.2.497.0: the token travels in the environment, not argv
    warning: str | None  # older than the recommended minimum


def plugin_missing_message(
    plugin: str,
    target: str | None,
    region: str | None,
    profile: str | None,
    document: str | None,
    endpoint_url: str | None = None,
) -> str:
    message = (
        f"{PLUGIN_NAME} was not found (looked for {plugin!r}). It is needed to open a shell on a node.\n"
        f"Install the Session Manager plugin: {PLUGIN_INSTALL_URL}"
    )
    if target and region:
        command = start_session_command(target, region, profile, document, endpoint_url)
        message += f"\nThen this command opens the same shell:\n  {command}"
    return message


class SsmSession:
    """A started session. `close()` terminates it (once); `spawn_failed()` closes it and explains why."""

    def __init__(
        self,
        client: Any,
        session_id: str,
        target: str,
        document: str | None,
        launch: PluginLaunch,
        plugin: PluginCheck,
        missing_message: str,
    ) -> None:
        self.client = client
        self.session_id = session_id
        self.target = target
        self.document = document
        self.launch = launch
        self.plugin = plugin
        self._missing_message = missing_message
        self._lock = threading.Lock()
        self.closed = False
        self.close_error: Exception | None = None

    def __repr__(self) -> str:
        return f"SsmSession({self.session_id!r}, target={self.target!r}, closed={self.closed})"

    def close(self) -> bool:
        """TerminateSession, at most once. Never raises: a failed call is logged and kept in `close_error`."""
        with self._lock:
            if self.closed:
                return self.close_error is None
            self.closed = True
        try:
            self.client.terminate_session(SessionId=self.session_id)
        except Exception as error:  # noqa: BLE001 - cleanup must not raise; the error is kept and logged
            self.close_error = error
            log.warning("TerminateSession %s failed: %s", self.session_id, error)
            return False
        return True

    def spawn_failed(self, error: BaseException) -> SsmError:
        """The plugin could not be started: terminate the session and return the error to show (or raise).

        `error` is what the spawn raised (e.g. from `PtyPane.SpawnFailed`): ENOENT means the plugin is missing.
        """
        self.close()
        if getattr(error, "errno", None) == errno.ENOENT:
            return PluginMissing(self._missing_message)
        return PluginFailed(f"{PLUGIN_NAME} could not be started ({error}); session {self.session_id} was terminated.")

    def __enter__(self) -> SsmSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SessionLauncher:
    """Preflight the plugin, StartSession, plan the launch. The SSM client (boto3) is injected.

    `plugin` is a path or name looked up on PATH (default `session-manager-plugin`), or a multi-element command
    such as `[sys.executable, "-m", "tui.sim.plugin"]` for the demo stand-in.
    """

    def __init__(
        self,
        ssm_client: Any,
        *,
        profile: str | None = None,
        endpoint_url: str | None = None,
        plugin: str | Sequence[str] | None = None,
        runner: ProcessRunner | None = None,
        base_env: Mapping[str, str] | None = None,
        version_timeout: float = VERSION_TIMEOUT_S,
        reason: str | None = SESSION_REASON,
    ) -> None:
        self.client = ssm_client
        self.profile = profile
        self.endpoint_url = endpoint_url  # the user's --endpoint-url, for the copyable command (None: AWS's own)
        self.plugin = plugin_command(plugin if plugin is not None else PLUGIN_NAME)
        self.runner: ProcessRunner = runner if runner is not None else SubprocessRunner()
        self._base_env = base_env
        self.version_timeout = version_timeout
        self.reason = reason

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    def command_for(self, target: str, document: str | None = None) -> str:
        """The copyable `aws ssm start-session …` line for this launcher's region and profile."""
        return start_session_command(target, self.region, self.profile, document, self.endpoint_url)

    def _missing(self, target: str | None, document: str | None) -> str:
        return plugin_missing_message(self.plugin[0], target, self.region, self.profile, document, self.endpoint_url)

    def resolve_plugin(self) -> list[str] | None:
        """The command with its first element resolved on PATH; None when it cannot be found."""
        head = self.plugin[0]
        found = shutil.which(head)
        return None if found is None else [found, *self.plugin[1:]]

    def preflight(self, target: str | None = None, document: str | None = None) -> PluginCheck:
        """Find the plugin and ask its version. Raises PluginMissing / PluginFailed; opens nothing."""
        command = self.resolve_plugin()
        if command is None:
            raise PluginMissing(self._missing(target, document))
        try:
            output = self.runner.version(command, self.version_timeout)
        except OSError as error:
            if error.errno == errno.ENOENT:
                raise PluginMissing(self._missing(target, document)) from error
            raise PluginFailed(f"{command[0]} --version could not run: {error}") from error
        except subprocess.TimeoutExpired as error:
            raise PluginFailed(f"{command[0]} --version gave no answer in {self.version_timeout:g} s") from error
        except subprocess.CalledProcessError as error:
            detail = f"{command[0]} --version exited with {error.returncode}: {error.stderr or ''}".strip()
            raise PluginFailed(detail) from error
        version = output.strip()
        return PluginCheck(
            tuple(command), version, plugin_reads_response_from_env(version), plugin_version_warning(version)
        )

    def open(
        self,
        target: str,
        *,
        document: str | None = None,
        parameters: Mapping[str, Sequence[str]] | None = None,
        check: PluginCheck | None = None,
    ) -> SsmSession:
        """Preflight, then StartSession, then the launch plan. Blocking (network): call it from a worker thread.

        `check`: a preflight already done (`run` opens many sessions after one preflight)."""
        request = start_session_request(target, document, parameters, self.reason)
        if check is None:
            check = self.preflight(target, document)
        response = self.client.start_session(**request)
        session_id = response["SessionId"]
        try:
            launch = plan_plugin_launch(
                response,
                request,
                region=self.client.meta.region_name,
                endpoint_url=self.client.meta.endpoint_url,
                profile=self.profile,
                plugin_path=check.command,
                plugin_version=check.version,
                base_env=dict(os.environ) if self._base_env is None else self._base_env,
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.terminate_session(SessionId=session_id)
            raise
        return SsmSession(self.client, session_id, target, document, launch, check, self._missing(target, document))

    def run_foreground(self, session: SsmSession, *, terminate: bool = True) -> int:
        """Run the plugin on the inherited terminal (the app suspended), then terminate the session.

        Returns the plugin's exit code, which is 0 even on failure: the plugin printed the reason on the terminal.
        With `terminate=False` the caller ends the session itself (e.g. in a worker once the UI is back, so a slow
        TerminateSession does not hold a suspended screen): `close()` after a run, `spawn_failed(error)` with
        the OSError that then propagates unchanged.
        """
        try:
            return self.runner.run(session.launch.argv, session.launch.env)
        except OSError as error:
            if not terminate:
                raise
            raise session.spawn_failed(error) from error
        finally:
            if terminate:
                session.close()
