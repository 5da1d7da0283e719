"""`hyperpod-tui health CLUSTER --node ID [--json]`: one node's health signals, its verdict and the next step.

The cluster is described, its HMA records and deep-health-check results swept once (core/hma.py, bounded: pages,
bytes, seconds), its nodes listed and joined into verdicts exactly as the TUI does (core/snapshot.py,
core/health.py). The node is found by instance id, NodeLogicalId or hostname (its first label too). Printed: the
node, its status and message, the cluster's NodeRecovery, the verdict and the signal it rests on, the next step and
why, then every signal newest first (source, time, severity, whether still current, text). Exit status 0 when the
node is healthy, 3 when it is not (as `triage`), 1 on failure or an unknown node. No Textual.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from tui.core.sanitize import clean
from tui.headless import ATTENTION, Field, HeadlessError, TableFormat

SIGNAL_FIELDS = (
    Field("time", "TIME", "time"),
    Field("source", "SOURCE", "source"),
    Field("severity", "SEVERITY", "severity"),
    Field("current", "CURRENT", "current"),
    Field("text", "TEXT", "text"),
)


def _iso(epoch: float) -> str | None:
    if epoch <= 0:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _find(snapshot: Any, wanted: str) -> Any:
    for node in snapshot.nodes.values():
        names = {node.key, node.instance_id, node.node_logical_id, node.hostname, node.hostname.split(".")[0]}
        if wanted in names - {""}:
            return node
    raise HeadlessError(f"no node {clean(wanted)!r} in cluster {clean(snapshot.cluster)}")


def node_health(api: Any, cluster: str, wanted: str) -> dict[str, Any]:
    """The node's health as a JSON-ready dict (every text clean)."""
    from tui.core.health import SOURCE_LABELS, signal_label
    from tui.core.hma import HealthSources, HmaBooks
    from tui.core.snapshot import fetch_snapshot

    clock = getattr(api, "clock", None)
    now = clock() if callable(clock) else time.time()
    detail = api.describe_cluster(cluster)
    health = HealthSources(books=HmaBooks(), interval=0.0)
    health.sweep_if_due(api, detail, now)  # never raises: without signals the status still speaks
    snapshot = fetch_snapshot(api, detail, None, now, health)
    node = _find(snapshot, wanted)
    verdict = snapshot.verdicts.get(node.key)
    signals = verdict.signals if verdict is not None else ()
    current = verdict.current if verdict is not None else ()
    worst = verdict.signal if verdict is not None else None
    healthy = verdict is None or verdict.healthy
    return {
        "cluster": clean(detail.name),
        "node": clean(node.key),
        "instance_id": clean(node.instance_id) or None,
        "group": clean(node.group),
        "status": clean(node.status),
        "message": clean(node.message) or None,
        "node_recovery": clean(detail.node_recovery) or None,
        "verdict": {
            "severity": verdict.severity if verdict is not None else "ok",
            "healthy": healthy,
            "signal": signal_label(worst, now) if worst is not None and not healthy else None,
            "source": worst.source if worst is not None and not healthy else None,
            "repeat": bool(verdict is not None and verdict.repeat),
        },
        "step": {
            "action": verdict.step.action if verdict is not None and verdict.step.action else None,
            "text": verdict.step.text if verdict is not None and verdict.step.action else None,
            "reason": verdict.step.reason if verdict is not None and verdict.step.action else None,
            "manual": bool(verdict is not None and verdict.step.manual),
        },
        "signals": [
            {
                "time": _iso(signal.time),
                "source": SOURCE_LABELS.get(signal.source) or signal.source,
                "severity": signal.severity,
                "current": signal in current,
                "short": signal.short,
                "check": signal.topic or None,
                "text": signal.text or signal.short,
            }
            for signal in signals
        ],
    }


def render_text(found: dict[str, Any]) -> str:
    verdict, step = found["verdict"], found["step"]
    lines = [
        f"Node:          {found['node']} ({found['group']}) of {found['cluster']}",
        f"Status:        {found['status']}" + (f": {found['message']}" if found["message"] else ""),
        f"Node recovery: {found['node_recovery'] or '—'}",
        f"Verdict:       {'healthy' if verdict['healthy'] else verdict['severity'] + ': ' + str(verdict['signal'])}",
    ]
    if step["action"]:
        lines.append(f"Next step:     {step['text']}: {step['reason']}")
    rows = [
        {
            "time": signal["time"] or "now (status)",
            "source": signal["source"],
            "severity": signal["severity"],
            "current": "yes" if signal["current"] else "no (cleared)",
            "text": signal["text"],
        }
        for signal in found["signals"]
    ]
    table = [[clean(row[field.name]) for field in SIGNAL_FIELDS] for row in rows]
    body = TableFormat.finish(SIGNAL_FIELDS, [table]) if rows else "No signal: nothing says the node is unhealthy.\n"
    return "\n".join(lines) + "\n\n" + body


def run(args: Any, settings: Any, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    api = None
    try:
        from tui.backend import make_api_factory

        factory, _simulator = make_api_factory(settings)
        api = factory()
        found = node_health(api, args.cluster, args.node)
    except HeadlessError as exc:
        print(f"hyperpod-tui: error: {exc}", file=err)
        return 1
    except Exception as exc:  # noqa: BLE001 - every AWS failure: one line that says what to do
        from tui.core.errors import classify

        problem = classify(
            exc, operation="DescribeCluster", profile=settings.profile, endpoint=settings.endpoint_url or ""
        )
        print(f"hyperpod-tui: error: {problem.one_line()}", file=err)
        return 1
    finally:
        if api is not None:
            api.close()
    text = json.dumps(found, ensure_ascii=True) + "\n" if args.format == "json" else render_text(found)
    out.write(text)
    out.flush()
    return 0 if found["verdict"]["healthy"] else ATTENTION
