"""`hyperpod-tui ssh-config CLUSTER …` (ssh through SSM, easy-ssh.sh parity) and `hyperpod-tui forward CLUSTER NODE
LOCAL:REMOTE[@HOST]` (a port forward until Ctrl-C). No Textual here.

ssh-config prints the cluster's `Host` entries (tui/core/ssh_config.py); `--write` merges them into the ssh config
(markers, backup, atomic); `--install-key` appends the public key to the user's authorized_keys on the chosen nodes
through one shell-form command (tui/core/run.py: the app's launcher, limits and write-ahead journal), after a
confirmation (`--yes`, or y at the prompt on a terminal), and says per node whether the key is there now.

Exit codes: 0 done; 1 an AWS or plugin failure (or a node where the key is not verified); 2 a refusal (bad
arguments, --read-only for --install-key, no confirmation).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tui.core import port_forward, ssh_config
from tui.core.sanitize import clean
from tui.core.wording import plural


class Refused(Exception):
    pass


def _api(settings: Any, api_factory: Callable[[], Any] | None) -> Any:
    if api_factory is None:
        from tui.backend import make_api_factory

        api_factory, _simulator = make_api_factory(settings)
    return api_factory()


def _problem(exc: BaseException, settings: Any, operation: str) -> str:
    from tui.core.errors import classify

    return classify(exc, operation=operation, profile=settings.profile, endpoint=settings.endpoint_url or "").one_line()


def ssh_options(member: Any, settings: Any, user: str, key: str | None) -> ssh_config.SshOptions:
    """The app's own region, profile and endpoint; under --demo the simulator's stand-in for `aws`."""
    aws: tuple[str, ...] = ("aws",)
    if settings.demo:
        aws = ssh_config.demo_aws(sys.executable)
    extra = ("--sim-scenario", settings.demo_scenario) if settings.demo and settings.demo_scenario != "demo" else ()
    return ssh_config.SshOptions(
        user=user,
        key=key,
        region=str(member.region_name or ""),
        profile=None if settings.demo else member.profile,
        endpoint_url=None if settings.demo else member.endpoint_url,
        aws=aws,
        extra=extra,
    )


def cluster_nodes(member: Any, name: str) -> tuple[Any, list[ssh_config.SshNode], list[Any]]:
    detail = member.describe_cluster(name)
    nodes = member.list_nodes(detail.name)
    roles = {g.name: g.slurm_node_type for g in detail.instance_groups}
    ssh_nodes = [
        ssh_config.SshNode(n.instance_id, n.group, n.hostname, roles.get(n.group, ""))
        for n in nodes
        if n.instance_id and n.status == "Running"
    ]
    return detail, ssh_nodes, nodes


def run_ssh_config(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    api_factory: Callable[[], Any] | None = None,
    ask: Callable[[str], str] | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    if args.install_key and settings.read_only:
        print("hyperpod-tui: error: read-only mode (--read-only): --install-key changes the nodes", file=err)
        return 2
    api = None
    try:
        key = args.key or ssh_config.find_key(Path.home())
        if args.install_key and not key:
            raise Refused("--install-key needs a key: --key PATH (or ~/.ssh/id_ed25519.pub, id_ecdsa, id_rsa)")
        api = _api(settings, api_factory)
        member, name = api.resolve(args.cluster)
        detail, nodes, _all = cluster_nodes(member, name)
        chosen = ssh_config.select_nodes(nodes, args.nodes or "all")
        entries = ssh_config.build_entries(
            detail.name, detail.arn, chosen, ssh_options(member, settings, args.user, key)
        )
        for reason in entries.skipped:
            print(f"hyperpod-tui: left out {reason}", file=err)
        if not entries.hosts:
            raise Refused("no Running node with an instance id to write an entry for")
        out.write(entries.text)
        out.flush()
        if args.write:
            outcome = ssh_config.write_entries(Path(args.ssh_config).expanduser(), entries)
            if outcome.changed:
                backup = f" (the old one is {outcome.backup})" if outcome.backup else ""
                print(f"Wrote {len(entries.hosts)} hosts to {outcome.path}{backup}", file=err)
            else:
                print(f"{outcome.path} already has these entries: unchanged", file=err)
        if args.install_key and key:
            return install_key(args, settings, member, detail, chosen, key, err=err, ask=ask)
        return 0
    except (Refused, ssh_config.SshConfigError) as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 2
    except Exception as exc:  # noqa: BLE001 - an AWS failure: one line
        print(f"hyperpod-tui: error: {_problem(exc, settings, 'DescribeCluster')}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()


def _confirmed(question: str, yes: bool, ask: Callable[[str], str] | None, err: TextIO) -> bool:
    if yes:
        return True
    if ask is None:
        if not sys.stdin.isatty():
            print("hyperpod-tui: error: --install-key changes the nodes: confirm with --yes", file=err)
            return False
        ask = input
    print(question, file=err)
    return ask("Install the key? [y/N] ").strip().casefold() in ("y", "yes")


def install_key(
    args: Any,
    settings: Any,
    member: Any,
    detail: Any,
    nodes: list[ssh_config.SshNode],
    key: str,
    *,
    err: TextIO,
    ask: Callable[[str], str] | None = None,
) -> int:
    from tui.core import run
    from tui.core.journal import Journal, default_journal_path
    from tui.core.ssm import SessionLauncher, plugin_choice, ssm_target

    public = ssh_config.read_public_key(key)
    command = ssh_config.install_key_command(args.user, public)
    listed = "\n".join(f"  {n.instance_id} ({n.group}, {ssh_config.short_host(n.hostname)})" for n in nodes)
    question = (
        f"Append {clean(public[:60])}… to ~{args.user}/.ssh/authorized_keys on {plural(len(nodes), 'node')} of "
        f"{clean(detail.name)} (SSM, AWS-StartInteractiveCommand):\n{listed}"
    )
    if not _confirmed(question, args.yes, ask, err):
        print("Nothing was sent.", file=err)
        return 2
    targets = tuple(
        run.RunTarget(n.instance_id, ssm_target(detail.arn, n.group, n.instance_id), n.group, n.hostname) for n in nodes
    )
    spec = run.RunSpec(command, targets, cluster=detail.name, shell=True)
    launcher = SessionLauncher(
        member.mutating_client("ssm"),
        profile=member.profile,
        endpoint_url=member.endpoint_url,
        plugin=plugin_choice(settings.ssm_plugin, settings.demo),
    )
    runner = run.Runner(
        spec,
        launcher,
        journal=Journal(default_journal_path(demo=settings.demo)),
        context={"profile": settings.profile, "headless": True, "purpose": "install-key"},
    )
    result = asyncio.run(runner.run())
    if result.journal_error:
        print(f"hyperpod-tui: error: {clean(result.journal_error)}; nothing was sent", file=err)
        return 1
    bad = 0
    for node in result.nodes.values():
        ok = node.state == run.DONE and ssh_config.key_verified(node.output)
        bad += not ok
        why = "key present" if ok else (node.error or node.output.split("\n")[-1] or node.state)
        print(f"{node.node_id}\t{'ok' if ok else 'NOT VERIFIED'}\t{clean(why, max_len=200)}", file=err)
    return 0 if bad == 0 else 1


def _find_node(nodes: list[Any], detail: Any, wanted: str) -> Any:
    roles = {g.name: g.slurm_node_type.casefold() for g in detail.instance_groups}
    for node in nodes:
        names = {node.instance_id, node.hostname, ssh_config.short_host(node.hostname)}
        if wanted in names or (wanted in ("controller", "login") and roles.get(node.group) == wanted):
            return node
    raise Refused(
        f"no node {clean(wanted)!r} in {clean(detail.name)} (an instance id, a host name, controller or login)"
    )


def run_forward(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    api_factory: Callable[[], Any] | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    api = None
    try:
        local, remote, host = port_forward.parse_forward(args.forward)
        api = _api(settings, api_factory)
        member, name = api.resolve(args.cluster)
        detail = member.describe_cluster(name)
        node = _find_node(member.list_nodes(detail.name), detail, args.node)
        from tui.core.ssm import SessionLauncher, plugin_choice, ssm_target

        spec = port_forward.ForwardSpec(
            detail.name,
            node.instance_id,
            ssm_target(detail.arn, node.group, node.instance_id),
            remote,
            local,
            host,
            node.hostname,
        )
        launcher = SessionLauncher(
            member.client("ssm"),
            profile=member.profile,
            endpoint_url=member.endpoint_url,
            plugin=plugin_choice(settings.ssm_plugin, settings.demo),
        )
        return asyncio.run(_forward_until_stopped(spec, launcher, out, err))
    except (Refused, port_forward.ForwardError) as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 2
    except Exception as exc:  # noqa: BLE001 - an AWS failure before the session: one line
        print(f"hyperpod-tui: error: {_problem(exc, settings, 'DescribeCluster')}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()


async def _forward_until_stopped(spec: port_forward.ForwardSpec, launcher: Any, out: TextIO, err: TextIO) -> int:
    said: set[str] = set()

    def changed(forward: port_forward.Forward) -> None:
        if forward.state == port_forward.LISTENING and "listening" not in said:
            said.add("listening")
            print(f"{forward.address}", file=out, flush=True)
            print(
                f"Forwarding {forward.address} → {spec.remote} (SSM session {forward.session_id}); Ctrl-C stops.",
                file=err,
                flush=True,
            )
        elif forward.note and forward.note not in said and forward.state == port_forward.LISTENING:
            said.add(forward.note)
            print(forward.note, file=err, flush=True)

    forward = port_forward.Forward(spec, lambda: launcher, on_change=changed)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, forward.stop)
    await forward.run()
    if forward.state == port_forward.FAILED:
        print(f"hyperpod-tui: error: the forward failed: {forward.error}", file=err)
        return 1
    print(f"Forward ended ({forward.note or 'stopped'}); session {forward.session_id} terminated.", file=err)
    return 0
