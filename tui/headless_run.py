"""`hyperpod-tui run CLUSTER (--nodes ID,… | --group G | --status S) [--shell] -- COMMAND [--json]`: one command on
many nodes through SSM (tui.core.run, the app's launcher and limits), the outputs grouped by identical content.

Exit code: 0 only when every node succeeded; 1 when any did not (or nothing could run); 2 for a refusal
(--read-only, no node selected). No Textual here. Journalled write-ahead like the app's runs.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from collections.abc import Callable
from typing import Any, TextIO

from tui.core import run
from tui.core.journal import Journal, default_journal_path
from tui.core.models import no_instance_reason
from tui.core.sanitize import clean
from tui.core.ssm import SessionLauncher, plugin_choice, ssm_target


class RunRefused(Exception):
    pass


def command_text(words: list[str]) -> str:
    """One word is the command as typed (`'nvidia-smi | grep x'`); several are joined so the agent's shlex split
    gives them back as they were."""
    words = words[1:] if words and words[0] == "--" else words
    if len(words) == 1:
        return words[0]
    return shlex.join(words)


def select_nodes(nodes: list[Any], ids: list[str] | None, group: str | None, status: str | None) -> list[Any]:
    chosen = nodes
    if ids:
        wanted = set(ids)
        chosen = [n for n in chosen if n.instance_id in wanted or n.key in wanted]
        missing = wanted - {n.instance_id for n in chosen} - {n.key for n in chosen}
        if missing:
            raise RunRefused(f"no such node in the cluster: {', '.join(sorted(clean(m) for m in missing))}")
    if group:
        chosen = [n for n in chosen if n.group == group]
    if status:
        chosen = [n for n in chosen if n.status == status]
    return chosen


def as_json(result: run.RunResult) -> str:
    groups = result.groups()
    return json.dumps(
        {
            "command": result.spec.command,
            "document": result.spec.document,
            "cluster": result.spec.cluster,
            "all_succeeded": result.all_succeeded,
            "nodes": [
                {
                    "node_id": node.node_id,
                    "hostname": node.target.hostname,
                    "state": node.state,
                    "exit": node.exit_hint or None,
                    "error": node.error or None,
                    "duration_s": round(node.duration, 3) if node.duration is not None else None,
                    "truncated": node.truncated,
                    "output": node.output,
                }
                for node in result.nodes.values()
            ],
            "groups": [{"count": len(g.node_ids), "node_ids": list(g.node_ids), "output": g.body} for g in groups],
            "journal_error": result.journal_error or None,
        },
        indent=2,
        ensure_ascii=False,
    )


def as_text(result: run.RunResult) -> str:
    names = {n.node_id: f"{n.node_id} ({n.target.hostname.split('.')[0]})" for n in result.nodes.values()}
    counts = result.counts()
    summary = ", ".join(f"{count} {state}" for state, count in counts.items())
    ok = sum(1 for node in result.nodes.values() if node.succeeded)
    return run.grouped_text(result.groups(), names) + f"{ok} of {len(result.nodes)} succeeded ({summary})\n"


def execute(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    api_factory: Callable[[], Any] | None = None,
    limits: run.RunLimits | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if settings.read_only:
        print("hyperpod-tui: error: read-only mode (--read-only): running commands on nodes is disabled", file=err)
        return 2
    command = command_text(list(args.remote or []))
    problem = run.command_problem(command, shell=args.shell)
    if problem:
        print(f"hyperpod-tui: error: {problem}", file=err)
        return 2
    if not (args.nodes or args.group or args.status):
        print("hyperpod-tui: error: choose the nodes: --nodes ID,…, --group G or --status S", file=err)
        return 2
    api = None
    try:
        if api_factory is None:
            from tui.backend import make_api_factory

            api_factory, _simulator = make_api_factory(settings)
        api = api_factory()
        member, name = api.resolve(args.cluster)
        detail = member.describe_cluster(name)
        nodes = member.list_nodes(detail.name)
        chosen = select_nodes(nodes, args.nodes, args.group, args.status)
        targets = [
            run.RunTarget(n.key, ssm_target(detail.arn, n.group, n.instance_id), n.group, n.hostname)
            for n in chosen
            if not no_instance_reason(n, "an SSM session")
        ]
        if not targets:
            raise RunRefused("no node matches (with an instance id)")
        spec = run.RunSpec(command, tuple(targets), cluster=detail.name, shell=args.shell)
        launcher = SessionLauncher(
            member.mutating_client("ssm"),
            profile=member.profile,
            endpoint_url=member.endpoint_url,
            plugin=plugin_choice(settings.ssm_plugin, settings.demo),
        )
        limits = limits or run.RunLimits(max_concurrent=int(getattr(settings, "run_max_sessions", 16) or 16))
        runner = run.Runner(
            spec,
            launcher,
            journal=Journal(default_journal_path(demo=settings.demo)),
            context={"profile": settings.profile, "headless": True, **({"demo": True} if settings.demo else {})},
            limits=limits,
        )
        result = asyncio.run(runner.run())
    except RunRefused as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 2
    except Exception as exc:  # noqa: BLE001 - an AWS failure before any session: one line
        from tui.core.errors import classify

        problem_ = classify(
            exc, operation="DescribeCluster", profile=settings.profile, endpoint=settings.endpoint_url or ""
        )
        print(f"hyperpod-tui: error: {problem_.one_line()}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()
    if result.journal_error:
        print(f"hyperpod-tui: error: {clean(result.journal_error)}; nothing was sent", file=err)
    out.write(as_json(result) + "\n" if args.format == "json" else as_text(result))
    out.flush()
    return 0 if result.all_succeeded else 1
