"""`hyperpod-tui slurm CLUSTER [--json]`: Slurm's view of a Slurm cluster's nodes beside the API's, printed.

One `sinfo -N -h -o '%N|%T|%E|%H'` on the controller through SSM (tui.core.run's Runner, the app's launcher), parsed
and joined on the short hostname (tui.core.slurm). A node the API lists that sinfo does not has an empty Slurm
state; a name sinfo lists that no listed node has is printed too, with no node id. The two views are printed as
they are, never reconciled. A read: nothing is journaled, and read-only mode allows it.

Exit code: 0 with a view; 1 when sinfo could not be read (why on stderr); 2 for a cluster that is not Slurm.
No Textual here.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from tui.core import run, slurm
from tui.core.sanitize import clean
from tui.core.ssm import SessionLauncher, plugin_choice, ssm_target
from tui.core.wording import plural

COLUMNS = ("NODE ID", "GROUP", "HOSTNAME", "API STATUS", "SLURM STATE", "REASON", "REASON TIME")


class SlurmRefused(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def iso(epoch: float | None) -> str:
    return "" if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def joined_rows(nodes: list[Any], answer: slurm.SinfoResult) -> list[dict[str, Any]]:
    """One dict per listed node (in listing order), then one per name only sinfo knows (sorted)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for node in nodes:
        name = slurm.slurm_name(node.hostname or "")
        found = answer.nodes.get(name) if name else None
        if found is not None:
            seen.add(name)
        out.append(
            {
                "node_id": clean(node.key),
                "group": clean(node.group),
                "hostname": clean(name),
                "api_status": clean(node.status),
                "slurm_state": found.state if found else None,
                "reason": (found.reason or None) if found else None,
                "reason_time": iso(found.reason_time) or None if found else None,
            }
        )
    for name in sorted(set(answer.nodes) - seen):
        found = answer.nodes[name]
        out.append(
            {
                "node_id": None,
                "group": None,
                "hostname": found.name,
                "api_status": None,
                "slurm_state": found.state,
                "reason": found.reason or None,
                "reason_time": iso(found.reason_time) or None,
            }
        )
    return out


def as_table(rows: list[dict[str, Any]]) -> str:
    keys = ("node_id", "group", "hostname", "api_status", "slurm_state", "reason", "reason_time")
    cells = [list(COLUMNS)] + [[str(row[key] or ("-" if key == "node_id" else "")) for key in keys] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(keys))]
    return "".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in cells
    )


def read_sinfo(member: Any, detail: Any, nodes: list[Any], settings: Any) -> slurm.SinfoResult:
    controller, why = slurm.pick_controller(detail, nodes)
    if controller is None:
        raise SlurmRefused(why)
    target = run.RunTarget(controller.key, ssm_target(detail.arn, controller.group, controller.instance_id))
    launcher = SessionLauncher(
        member.mutating_client("ssm"),
        profile=member.profile,
        endpoint_url=member.endpoint_url,
        plugin=plugin_choice(getattr(settings, "ssm_plugin", None), settings.demo),
    )
    spec = run.RunSpec(slurm.SINFO_COMMAND, (target,), cluster=detail.name)
    runner = run.Runner(
        spec,
        launcher,
        journal=slurm.NoJournal(),
        limits=run.RunLimits(max_concurrent=1, output_cap=4 * 1024 * 1024, timeout_s=45.0),
    )
    result = asyncio.run(runner.run())
    node = next(iter(result.nodes.values()))
    if node.state != run.DONE:
        raise SlurmRefused(f"sinfo on the controller {clean(controller.key)} failed: {node.error or node.state}")
    answer = slurm.parse_sinfo(node.output)
    if answer.problem or not answer.nodes:
        raise SlurmRefused(answer.problem or "sinfo listed no node")
    return answer


def execute(
    args: Any,
    settings: Any,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    api_factory: Callable[[], Any] | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    api = None
    try:
        if api_factory is None:
            from tui.backend import make_api_factory

            api_factory, _simulator = make_api_factory(settings)
        api = api_factory()
        member, name = api.resolve(args.cluster)
        detail = member.describe_cluster(name)
        if not detail.is_slurm:
            raise SlurmRefused(f"{clean(detail.name)} is not a Slurm cluster ({clean(detail.orchestrator)})", 2)
        nodes = member.list_nodes(detail.name)
        answer = read_sinfo(member, detail, nodes, settings)
    except SlurmRefused as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return exc.code
    except Exception as exc:  # noqa: BLE001 - an AWS failure: one line
        from tui.core.errors import classify

        problem = classify(
            exc, operation="DescribeCluster", profile=settings.profile, endpoint=settings.endpoint_url or ""
        )
        print(f"hyperpod-tui: error: {problem.one_line()}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()
    rows = joined_rows(nodes, answer)
    if args.format == "json":
        out.write(json.dumps({"cluster": clean(detail.name), "nodes": rows}, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(as_table(rows))
    if answer.garbage:
        print(f"hyperpod-tui: note: {plural(answer.garbage, 'line')} of sinfo's answer were not sinfo lines", file=err)
    out.flush()
    return 0
