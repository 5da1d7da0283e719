"""`ssh` through SSM, as easy-ssh.sh sets it up: `Host` entries whose ProxyCommand opens an `AWS-StartSSHSession`
session, and their merge into ~/.ssh/config. No Textual, no AWS calls: the caller lists the nodes.

- Entries. One `Host` per node: `<cluster>-<host>` (the short PrivateDnsHostname, which is the Slurm NodeName on
  HyperPod), `<cluster>-<instance-id>` and the bare instance id; the first controller node also answers to
  `<cluster>` (easy-ssh.sh's alias) and the first login node to `<cluster>-login`. The ProxyCommand is
  `aws ssm start-session --target … --document-name AWS-StartSSHSession --parameters portNumber=%p` with the app's
  own --region / --profile / --endpoint-url (under --demo the simulator's stand-in for `aws`, see `DEMO_AWS`).
- Names from AWS are checked, never trusted: an alias is letters, digits and `._-` (a name that is not is left out
  and reported), a user name is a POSIX login name, and every word of the ProxyCommand is shell-quoted with `%`
  doubled (ssh expands `%` tokens in it).
- Merge. The cluster's entries sit between two marker comments (one block per cluster); writing again replaces that
  block and nothing else, so twice gives the same file. The old file is first copied to `<config>.hyperpod-tui.bak`,
  the new one is written to a temporary file in the same directory, fsynced and renamed over (the mode kept, 0600
  for a new file): a failure at any step leaves the config as it was and says why.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.sanitize import clean
from tui.core.ssm import ssm_target

SSH_DOCUMENT = "AWS-StartSSHSession"
DEFAULT_USER = "ubuntu"  # easy-ssh.sh's default
NODE_CHOICES = ("all", "controller", "login")  # or a group name
BACKUP_SUFFIX = ".hyperpod-tui.bak"
KEY_CANDIDATES = ("id_ed25519", "id_ecdsa", "id_rsa")  # easy-ssh.sh auto-detects these (.pub)
# The demo's `aws`: the simulator's stand-in for the AWS CLI (tui/sim/aws_cli.py), same arguments.
DEMO_AWS = ("-m", "tui.sim", "aws")

_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SshConfigError(Exception):
    """Something the user must fix; the message says what, and that nothing was changed."""


@dataclass(frozen=True, slots=True)
class SshNode:
    instance_id: str
    group: str
    hostname: str = ""
    role: str = ""  # the group's SlurmConfig.NodeType: Controller, Login, Compute (or '' on EKS)


@dataclass(frozen=True, slots=True)
class SshOptions:
    user: str = DEFAULT_USER
    key: str | None = None  # the private key (IdentityFile); None: ssh's own choice
    region: str = ""
    profile: str | None = None
    endpoint_url: str | None = None
    aws: tuple[str, ...] = ("aws",)  # the command that is the AWS CLI (the demo's stand-in under --demo)
    extra: tuple[str, ...] = ()  # more words for it (the demo's --sim-scenario)


@dataclass(frozen=True, slots=True)
class Entries:
    cluster: str
    text: str  # the block, markers included
    hosts: tuple[tuple[str, ...], ...]  # each node's aliases, in order
    skipped: tuple[str, ...] = field(default=())  # why a node was left out (clean text)


def demo_aws(python: str) -> tuple[str, ...]:
    return (python, *DEMO_AWS)


def begin_marker(cluster: str) -> str:
    return f"# >>> hyperpod-tui ssh-config {cluster} >>>"


def end_marker(cluster: str) -> str:
    return f"# <<< hyperpod-tui ssh-config {cluster} <<<"


def check_user(user: str) -> str:
    if not _USER.fullmatch(user or ""):
        raise SshConfigError(f"--user: not a login name (lowercase letters, digits, _.-): {clean(user)!r}")
    return user


def check_key(key: str | None) -> str | None:
    """The IdentityFile value: a path without control characters or double quotes; `%` doubled."""
    if key is None or key == "":
        return None
    if _CONTROL.search(key) or '"' in key:
        raise SshConfigError(f"--key: the path has a control character or a double quote: {clean(key)!r}")
    if key.endswith(".pub"):
        key = key[: -len(".pub")]  # the private key is what ssh wants; easy-ssh.sh takes the .pub and strips it
    value = key.replace("%", "%%")
    return f'"{value}"' if (" " in value or "\t" in value) else value


def find_key(home: Path) -> str | None:
    """The first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa whose .pub exists (as easy-ssh.sh looks)."""
    for name in KEY_CANDIDATES:
        if (home / ".ssh" / f"{name}.pub").is_file():
            return f"~/.ssh/{name}"
    return None


def alias_ok(name: str) -> bool:
    return bool(_ALIAS.fullmatch(name or ""))


def short_host(hostname: str) -> str:
    return (hostname or "").split(".", 1)[0]


def select_nodes(nodes: Sequence[SshNode], which: str) -> list[SshNode]:
    """all | controller | login | a group name."""
    if which in ("", "all"):
        return list(nodes)
    if which in ("controller", "login"):
        return [n for n in nodes if n.role.casefold() == which]
    chosen = [n for n in nodes if n.group == which]
    if not chosen:
        groups = sorted({n.group for n in nodes})
        raise SshConfigError(
            f"--nodes: no node in group {clean(which)!r} (all, controller, login or one of: {', '.join(groups)})"
        )
    return chosen


def proxy_command(target: str, options: SshOptions) -> str:
    words = [
        *options.aws,
        "ssm",
        "start-session",
        "--target",
        target,
        "--document-name",
        SSH_DOCUMENT,
        "--parameters",
        "portNumber=%p",
    ]
    if options.region:
        words += ["--region", options.region]
    if options.profile:
        words += ["--profile", options.profile]
    if options.endpoint_url:
        words += ["--endpoint-url", options.endpoint_url]
    words += options.extra
    for word in words:
        if _CONTROL.search(word):
            raise SshConfigError(f"a control character in the ProxyCommand word {clean(word)!r}")
    quoted = []
    for word in words:
        if word == "portNumber=%p":
            quoted.append(word)  # the one % token ssh must expand
        else:
            quoted.append(shlex.quote(word).replace("%", "%%"))
    return " ".join(quoted)


def _aliases(cluster: str, node: SshNode, first_of: dict[str, str]) -> list[str]:
    names: list[str] = []
    role = node.role.casefold()
    if role == "controller" and first_of.get("controller") == node.instance_id:
        names.append(cluster)
    if role == "login" and first_of.get("login") == node.instance_id:
        names.append(f"{cluster}-login")
    host = short_host(node.hostname)
    if host:
        names.append(f"{cluster}-{host}")
    names += [f"{cluster}-{node.instance_id}", node.instance_id]
    return names


def build_entries(cluster: str, cluster_arn: str, nodes: Iterable[SshNode], options: SshOptions) -> Entries:
    """The cluster's block of Host entries. Raises SshConfigError for a bad user or key or cluster name."""
    if not alias_ok(cluster):
        raise SshConfigError(f"the cluster name {clean(cluster)!r} cannot be an ssh Host alias; nothing written")
    user = check_user(options.user)
    key = check_key(options.key)
    ordered = sorted(nodes, key=lambda n: (n.group, n.instance_id))
    first_of: dict[str, str] = {}
    for node in ordered:
        first_of.setdefault(node.role.casefold(), node.instance_id)
    lines = [
        begin_marker(cluster),
        "# Written by `hyperpod-tui ssh-config`: this block is replaced when it is written again.",
    ]
    hosts: list[tuple[str, ...]] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for node in ordered:
        try:
            target = ssm_target(cluster_arn, node.group, node.instance_id)
        except ValueError as error:
            skipped.append(clean(f"{node.instance_id or '(no instance id)'}: {error}", max_len=200))
            continue
        names = _aliases(cluster, node, first_of)
        bad = [name for name in names if not alias_ok(name)]
        if bad:
            skipped.append(clean(f"{node.instance_id}: not an ssh alias: {bad[0]!r}", max_len=200))
            continue
        names = [name for name in names if name not in seen]
        seen.update(names)
        hosts.append(tuple(names))
        lines += [
            "",
            f"# {node.group} · {short_host(node.hostname) or node.instance_id}",
            f"Host {' '.join(names)}",
            f"    HostName {node.instance_id}",
            f"    User {user}",
        ]
        if key:
            lines.append(f"    IdentityFile {key}")
        lines.append(f"    ProxyCommand {proxy_command(target, options)}")
    lines.append(end_marker(cluster))
    return Entries(cluster, "\n".join(lines) + "\n", tuple(hosts), tuple(skipped))


# ── the merge ─────────────────────────────────────────────────────────────────────────────────────


def merge(existing: str, cluster: str, block: str) -> str:
    """`existing` with the cluster's block replaced (or appended after a blank line). Other text is untouched."""
    lines = existing.splitlines(keepends=True)
    begin, end = begin_marker(cluster), end_marker(cluster)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == begin]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == end]
    if len(starts) > 1 or len(ends) > 1 or len(starts) != len(ends) or (starts and ends[0] < starts[0]):
        raise SshConfigError(
            f"the markers of {clean(cluster)}'s block in the ssh config are broken (a begin without its end, or "
            "twice): fix them by hand; nothing was changed"
        )
    if starts:
        return "".join(lines[: starts[0]]) + block + "".join(lines[ends[0] + 1 :])
    if not existing:
        return block
    head = existing if existing.endswith("\n") else existing + "\n"
    return head + ("" if head.endswith("\n\n") else "\n") + block


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    path: Path
    changed: bool
    backup: Path | None


def _make_temp(directory: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=".config.", suffix=".hyperpod-tui", dir=directory)


def _write_atomically(path: Path, data: str, mode: int) -> None:
    fd, temp = _make_temp(path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_entries(config: Path, entries: Entries) -> WriteOutcome:
    """Merge the block into `config` (a symlink's target is written). Raises SshConfigError; nothing lost."""
    path = Path(os.path.realpath(config.expanduser()))
    try:
        existing = path.read_text(encoding="utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        existing, mode = "", 0o600
    except (OSError, UnicodeDecodeError) as error:
        raise SshConfigError(f"cannot read {path}: {error}; nothing was changed") from error
    merged = merge(existing, entries.cluster, entries.text)
    if merged == existing:
        return WriteOutcome(path, False, None)
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if existing:
            _write_atomically(backup, existing, mode)
        _write_atomically(path, merged, mode)
    except OSError as error:
        reason = error.strerror or str(error)
        raise SshConfigError(f"cannot write {path} ({reason}): the ssh config was not changed") from error
    return WriteOutcome(path, True, backup if existing else None)


# ── the key ───────────────────────────────────────────────────────────────────────────────────────

_PUBLIC_KEY = re.compile(
    r"(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]{16,}( [^\n]*)?"
)
KEY_OK_MARKER = "__hyperpod_key=present"


def read_public_key(private_or_public: str) -> str:
    """The one-line public key of `--key` (its .pub). Raises SshConfigError."""
    path = Path(private_or_public).expanduser()
    pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
    try:
        text = pub.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SshConfigError(f"cannot read the public key {pub}: {error}") from error
    if "\n" in text or not _PUBLIC_KEY.fullmatch(text):
        raise SshConfigError(f"{pub} is not one OpenSSH public key line")
    return text


def install_key_command(user: str, public_key: str) -> str:
    """A shell command (run through `bash -c`) that appends the key to the user's authorized_keys once, then
    says whether it is there. HyperPod Slurm homes are under /fsx/<user> when FSx is mounted; `~user` finds them."""
    check_user(user)
    if not _PUBLIC_KEY.fullmatch(public_key):
        raise SshConfigError("not one OpenSSH public key line")
    key = shlex.quote(public_key)
    return (
        f'h=$(getent passwd {user} | cut -d: -f6) && [ -n "$h" ] && mkdir -p "$h/.ssh" && '
        f'touch "$h/.ssh/authorized_keys" && (grep -qxF {key} "$h/.ssh/authorized_keys" || '
        f'echo {key} >> "$h/.ssh/authorized_keys") && chown -R {user} "$h/.ssh" && chmod 700 "$h/.ssh" && '
        f'chmod 600 "$h/.ssh/authorized_keys" && grep -qxF {key} "$h/.ssh/authorized_keys" && echo {KEY_OK_MARKER}'
    )


def key_verified(output: str) -> bool:
    return any(line.strip() == KEY_OK_MARKER for line in output.split("\n"))
