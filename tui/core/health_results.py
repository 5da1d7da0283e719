"""Deep-health-check results: the `DeepHealthCheckResults/<log_stream_id>` records → per-node, per-check signals.

The streams are in the cluster's log group (`/aws/sagemaker/Clusters/<name>/<id>`), read by core/hma.py's bounded,
incremental FilterLogEvents sweep with this prefix and no filter pattern. A record is a JSON line as the AWS
documentation shows it: `{"level": "error", "ts": "2024-06-18T21:15:22Z", "msg": "Encountered FaultyInstance.
Replace the Instance. … ERROR:Bandwidth has less than threshold: …"}`. Which node and which check it is about is
not documented beyond "the logs show the instance ID that failed" (UNCONFIRMED): this reads an `instanceId` /
`InstanceId` key, else the first instance id in the message, else one in the stream's name; the check from a
`healthCheck` / `DeepHealthCheck` / `check` key, else from the message's words (stress-ng, DCGM → InstanceStress;
EFA, loopback, NCCL/NCCOM on one node → InstanceConnectivity; multi-node → MultiNodeTrainingValidation).

A failed check is a DHC fault (`DHC failed: InstanceStress`, class DHC_FAILED: the step is replace); a passed one is
an ok signal for that check only (`topic`), so a later pass of another check never clears a failure, and of another
run only (`run`: the stream), so a sub-check passing later in the same run does not either. Progress lines
(`Executing …`) are not signals. Parsers never raise. No Textual here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tui.core.health import DHC, DHC_FAILED, FAULT, OK, RECORD_LIMIT, TEXT_LIMIT, Signal, _iso
from tui.core.sanitize import clean

RESULTS_PREFIX = "DeepHealthCheckResults/"
CHECK_TYPES = ("InstanceStress", "InstanceConnectivity", "MultiNodeTrainingValidation")
_INSTANCE = re.compile(r"\bi-[0-9a-f]{8,17}\b")
_CHECK_WORDS = (
    ("MultiNodeTrainingValidation", ("multinode", "multi-node", "multi node", "training validation")),
    ("InstanceStress", ("stress", "dcgm", "gpupci", "gpu pci", "hardware")),
    ("InstanceConnectivity", ("efa", "loopback", "nccl", "nccom", "connectivity", "bandwidth")),
)
_FAILED_WORDS = ("faultyinstance", "failed", "failure", "error:", "replace the instance", "below threshold")
_PASSED_WORDS = ("passed", "success", "successful", "succeeded")


def _key(record: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def results_instance(record: Mapping[str, Any], message: str, stream_name: object) -> str:
    """The instance a results record is about, or ''."""
    named = _key(record, "instanceId", "InstanceId", "instance_id", "EC2InstanceId")
    if _INSTANCE.fullmatch(named):
        return named
    for text in (message, stream_name if isinstance(stream_name, str) else ""):
        found = _INSTANCE.search(text[:4096])
        if found:
            return found.group(0)
    return ""


def results_check(record: Mapping[str, Any], message: str) -> str:
    named = _key(record, "healthCheck", "HealthCheck", "DeepHealthCheck", "deepHealthCheck", "check", "checkType")
    if named in CHECK_TYPES:
        return named
    named_in_text = next((check for check in CHECK_TYPES if check in message), "")
    if named_in_text:
        return named_in_text
    lowered = message.casefold()
    return next((check for check, words in _CHECK_WORDS if any(word in lowered for word in words)), "")


def parse_results_record(
    message: object, timestamp_ms: object = 0, stream_name: object = ""
) -> tuple[str, Signal] | None:
    """One results record → (instance id, signal), or None for a line that is not a result about a known node."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    if not isinstance(message, str) or len(message) > RECORD_LIMIT:
        return None
    try:
        record = json.loads(message)
    except ValueError:
        record = {"msg": message}  # the on-node log's plain `2024-… info … passed` form
    if not isinstance(record, dict):
        return None
    msg = record.get("msg") or record.get("message") or ""
    if not isinstance(msg, str) or not msg.strip():
        return None
    instance = results_instance(record, msg, stream_name)
    if not instance:
        return None
    when = _iso(record.get("ts"))
    if when is None:
        stamp = timestamp_ms if isinstance(timestamp_ms, int | float) and not isinstance(timestamp_ms, bool) else 0
        when = float(stamp) / 1000.0 if stamp > 0 else 0.0
    level = str(record.get("level") or "").casefold()
    lowered = msg.casefold()
    check = results_check(record, msg)
    text = clean(msg, max_len=TEXT_LIMIT)
    run = clean(stream_name, max_len=200) if isinstance(stream_name, str) else ""
    label = check or "a check"
    if level in ("error", "fatal", "critical") or any(word in lowered for word in _FAILED_WORDS):
        short = f"DHC failed: {check}" if check else "DHC failed"
        return instance, Signal(DHC, when, FAULT, short, text, fault=DHC_FAILED, topic=check, run=run)
    if any(word in lowered for word in _PASSED_WORDS):
        return instance, Signal(DHC, when, OK, f"DHC passed: {label}", text, topic=check, run=run)
    return None


__all__ = ["RESULTS_PREFIX", "parse_results_record", "results_check", "results_instance"]
