"""Issue 15 item 1: node health signals (both HMA record shapes, EventBridge, status), the join and clearing rules,
and the recommended next step for each rule."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tui.core import health as h
from tui.core.event_stream import parse_envelope
from tui.core.events import ClusterEvent
from tui.core.models import Node

T0 = 1_790_000_000.0  # an epoch in 2026

SLURM_XID = {
    "level": "info",
    "ts": "2026-07-20T22:53:17Z",
    "msg": "DCGM Policy Violation found ",
    "condition: ": "XID Error",
    "data: ": {"ErrNum": 79},
    "HealthMonitoringAgentDetectionEvent": "HealthEvent",
}
EKS_REPLACE = {
    "level": "info",
    "ts": "2026-07-20T22:53:17Z",
    "msg": "Health event detected",
    "Event detail": {"Action": "replace", "Type": "NvidiaGPUUnhealthy", "Reason": "GPU fell off the bus"},
    "HealthMonitoringAgentDetectionEvent": "HealthEvent",
}
NPD_NVLINK = {
    "level": "info",
    "ts": "2024-08-21T18:35:35Z",
    "msg": "NPD caught event",
    "details": {
        "severity": "warn",
        "reason": "XidHardwareFailure",
        "message": "NVRM: Xid (PCI:0000:b9:00): 71, NVLink: fatal error detected on link 6",
    },
    "HealthMonitoringAgentDetectionEvent": "HealthEvent",
}


def stamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def fault(source: str = h.HMA, at: float = T0, fault_class: str = h.HARDWARE, short: str = "GPU XID 79", **kw):
    return h.Signal(source, at, kw.pop("severity", h.FAULT), short, fault=fault_class, **kw)


def healthy(source: str = h.HMA, at: float = T0) -> h.Signal:
    return h.Signal(source, at, h.OK, "healthy")


# --- HMA records -----------------------------------------------------------------------------------------


def test_slurm_record_with_colon_keys_is_a_gpu_xid_fault() -> None:
    signal = h.parse_hma_record(json.dumps(SLURM_XID), 5)
    assert signal is not None
    assert (signal.source, signal.severity, signal.short, signal.fault) == (h.HMA, h.FAULT, "GPU XID 79", h.HARDWARE)
    assert signal.time == stamp("2026-07-20T22:53:17Z")  # the record's ts, not the event's timestamp
    assert "XID Error" in signal.text


def test_eks_record_reads_event_detail_action_and_type() -> None:
    signal = h.parse_hma_record(json.dumps(EKS_REPLACE), 0)
    assert signal is not None
    assert (signal.short, signal.action, signal.severity) == ("NvidiaGPUUnhealthy", "replace", h.FAULT)
    assert "fell off the bus" in signal.text


def test_node_problem_detector_record_finds_the_xid_in_its_message() -> None:
    signal = h.parse_hma_record(json.dumps(NPD_NVLINK), 0)
    assert signal is not None and signal.short == "GPU XID 71" and signal.fault == h.HARDWARE


def test_record_without_ts_takes_the_event_timestamp() -> None:
    record = {k: v for k, v in SLURM_XID.items() if k != "ts"}
    signal = h.parse_hma_record(json.dumps(record), 1_790_000_123_000)
    assert signal is not None and signal.time == 1_790_000_123.0


@pytest.mark.parametrize(
    "message",
    [
        "",
        "not json",
        "[1, 2]",
        '"a string"',
        json.dumps({**SLURM_XID, "HealthMonitoringAgentDetectionEvent": "Other"}),  # not a detection record
        json.dumps({k: v for k, v in SLURM_XID.items() if k != "HealthMonitoringAgentDetectionEvent"}),
        json.dumps({"HealthMonitoringAgentDetectionEvent": "HealthEvent"}),  # says nothing
        json.dumps({**SLURM_XID, "msg": "x" * 70_000}),  # longer than any record
        None,
        12,
        b"\xff\xfe",
    ],
)
def test_malformed_records_are_ignored_never_raise(message: object) -> None:
    assert h.parse_hma_record(message, 0) is None


@pytest.mark.parametrize(
    "record",
    [
        {**SLURM_XID, "ts": 12, "data: ": {"ErrNum": "79"}, "condition: ": ["x"]},
        {**EKS_REPLACE, "Event detail": {"Action": 5, "Type": None}},
        {**NPD_NVLINK, "details": {"severity": None, "reason": {"a": 1}, "message": 7}},
        {**SLURM_XID, "level": None, "msg": 5},
    ],
)
def test_odd_field_types_do_not_raise(record: dict) -> None:
    signal = h.parse_hma_record(json.dumps(record), 1000)
    assert signal is None or isinstance(signal, h.Signal)


def test_record_text_is_cleaned() -> None:
    record = {**EKS_REPLACE, "Event detail": {"Action": "reboot", "Type": "\x1b]52;c;eA==\x07[bold]x[/]" + "y" * 50}}
    signal = h.parse_hma_record(json.dumps(record), 0)
    assert signal is not None
    assert "\x1b" not in signal.short + signal.text and "\x07" not in signal.text
    assert len(signal.short) <= h.SHORT_LIMIT


def test_healthy_record_is_an_ok_signal() -> None:
    record = {**EKS_REPLACE, "Event detail": {"Action": "none", "Type": "Healthy"}}
    signal = h.parse_hma_record(json.dumps(record), 0)
    assert signal is not None and signal.healthy


def test_stream_name_gives_the_instance() -> None:
    assert h.hma_instance("SagemakerHealthMonitoringAgent/worker-group-1/i-0abc") == "i-0abc"
    assert h.hma_instance("LifecycleConfig/worker-group-1/i-0abc") == ""
    assert h.hma_instance("SagemakerHealthMonitoringAgent/") == ""
    assert h.hma_instance(None) == ""


# --- EventBridge -----------------------------------------------------------------------------------------


def node_health_envelope(summary: dict, *, event_time: object = None) -> str:
    return json.dumps(
        {
            "source": "aws.sagemaker",
            "detail-type": "SageMaker HyperPod Cluster Node Health Event",
            "time": "2026-07-20T22:53:17Z",
            "detail": {"ClusterName": "ml", "InstanceId": "i-1", "HealthSummary": summary, "EventTime": event_time},
        }
    )


def test_eventbridge_event_with_null_fields_is_a_repair_in_progress() -> None:
    item = parse_envelope(
        node_health_envelope(
            {
                "HealthStatus": "Unhealthy",
                "HealthStatusReason": None,
                "RepairAction": "Replace",
                "Recommendation": "HyperPod is working on repairing the unhealthy node.",
            }
        )
    )
    signal = h.eventbridge_signal(item)
    assert signal is not None
    assert (signal.short, signal.severity, signal.repairing) == ("replace pending", h.FAULT, True)
    assert signal.time == stamp("2026-07-20T22:53:17Z")  # EventTime null: the envelope's time
    assert h.signal_label(signal, signal.time + 240) == "replace pending · HyperPod 4m"


def test_eventbridge_fault_type_and_recommendation() -> None:
    item = parse_envelope(
        node_health_envelope(
            {
                "HealthStatus": "Unhealthy",
                "HealthStatusReason": "HyperPod Health Monitoring Agent (HMA) has detected fault type "
                "NvidiaErrorTerminate on this node and is unhealthy.",
                "RepairAction": "None",
                "Recommendation": "Please Replace the Faulty Node.",
            }
        )
    )
    signal = h.eventbridge_signal(item)
    assert signal is not None and signal.short == "NvidiaErrorTerminate" and not signal.repairing
    assert h.eventbridge_signal(parse_envelope(node_health_envelope({}))) is not None  # every field missing


def test_eventbridge_healthy_is_ok() -> None:
    signal = h.eventbridge_signal(parse_envelope(node_health_envelope({"HealthStatus": "Healthy"})))
    assert signal is not None and signal.healthy


# --- status and events -----------------------------------------------------------------------------------


def test_status_signals() -> None:
    (dhc,) = h.status_signals("Failure", "Instance failed deep health check InstanceStress: GPU stress test failed")
    assert (dhc.source, dhc.short, dhc.fault) == (h.DHC, "DHC failed: InstanceStress", h.DHC_FAILED)
    assert h.signal_label(dhc, T0) == "DHC failed: InstanceStress"  # no time: no age, no repeated source
    (running,) = h.status_signals("DeepHealthCheckInProgress", "")
    assert running.severity == h.PROGRESS
    (failed,) = h.status_signals("Failure", "")
    assert failed.fault == h.FAILED
    (script,) = h.status_signals("Failure", "Lifecycle scripts did not run successfully. To view …")
    assert script.short == "lifecycle script failed" and script.fault == h.LIFECYCLE
    assert "log (l)" in h.judge("i-1", [script]).step.reason
    assert h.status_signals("Running", "anything") == []


def test_cluster_events() -> None:
    def event(level: str, text: str, resource: str = "Instance") -> ClusterEvent | None:
        return ClusterEvent.from_api(
            {
                "EventId": "e1",
                "EventTime": datetime.fromtimestamp(T0, UTC),
                "ClusterName": "c",
                "ResourceType": resource,
                "EventLevel": level,
                "Description": text,
                "InstanceId": "i-1",
            }
        )

    error = h.event_signal(event("Error", "Instance i-1 EFA health check failed"))
    assert error is not None and error.severity == h.FAULT and error.fault == h.HARDWARE and error.time == T0
    assert error.short == "EFA health check failed" and "Instance i-1" in error.text
    ok = h.event_signal(event("Info", "Instance i-1 rebooted successfully"))
    assert ok is not None and ok.healthy
    assert h.event_signal(event("Warn", "something")) is None
    assert h.event_signal(event("Error", "x", resource="InstanceGroup")) is None


# --- the join --------------------------------------------------------------------------------------------


def test_worst_current_signal_wins_and_the_verdict_names_it() -> None:
    warn = fault(h.EVENTBRIDGE, T0 + 10, "", "odd", severity=h.WARN)
    xid = fault(h.HMA, T0)
    verdict = h.judge("i-1", [warn, xid])
    assert verdict.signal == xid and verdict.severity == h.FAULT
    assert verdict.signals == (warn, xid)  # every signal, newest first


def test_a_specific_source_beats_a_general_one_at_equal_severity() -> None:
    status = fault(h.STATUS, 0.0, h.FAILED, "Failure")
    xid = fault(h.HMA, T0)
    assert h.judge("i-1", [status, xid]).signal == xid


def test_later_healthy_signal_clears_an_older_fault_from_the_same_source() -> None:
    verdict = h.judge("i-1", [fault(h.HMA, T0), healthy(h.HMA, T0 + 60)])
    assert verdict.healthy and verdict.cell(T0 + 100) == ()


def test_healthy_signal_from_another_source_does_not_clear() -> None:
    xid = fault(h.HMA, T0)
    verdict = h.judge("i-1", [xid, healthy(h.EVENTBRIDGE, T0 + 60)])
    assert verdict.signal == xid and not verdict.healthy


def test_older_healthy_signal_does_not_clear_a_later_fault() -> None:
    xid = fault(h.HMA, T0 + 60)
    assert h.judge("i-1", [healthy(h.HMA, T0), xid]).signal == xid


def test_signal_from_before_the_instance_launched_is_dropped() -> None:
    old = fault(h.HMA, T0 - 3600)
    verdict = h.judge("i-1", [old], launched=T0)
    assert verdict.healthy and verdict.signals == (old,)  # still listed in the detail, but not current


def test_cell_names_short_text_source_and_age() -> None:
    verdict = h.judge("i-1", [fault(h.HMA, T0)])
    assert verdict.cell(T0 + 240) == (("GPU XID 79 · HMA 4m", "Failure"),)


# --- the next step, one test per rule --------------------------------------------------------------------


def step(signals, **kw) -> h.Step:
    return h.judge("i-1", signals, **kw).step


def test_hardware_fault_means_replace() -> None:
    assert step([fault(h.HMA, T0)]).action == "replace"


def test_failed_deep_health_check_means_replace() -> None:
    (dhc,) = h.status_signals("Failure", "deep health check InstanceConnectivity failed")
    assert step([dhc], status="Failure").action == "replace"


def test_unresponsive_node_means_reboot() -> None:
    assert step([fault(h.EVENT, T0, h.UNRESPONSIVE, "unresponsive")]).action == "reboot"


def test_software_fault_means_reboot() -> None:
    assert step([fault(h.HMA, T0, h.SOFTWARE, "GPU count mismatch")]).action == "reboot"
    assert h.classify_fault("GPU device count mismatch") == h.SOFTWARE


def test_repeat_after_a_recovery_means_replace() -> None:
    software = [fault(h.HMA, T0, h.SOFTWARE, "hang"), healthy(h.HMA, T0 + 60), fault(h.HMA, T0 + 120, h.SOFTWARE)]
    verdict = h.judge("i-1", software)
    assert verdict.repeat and verdict.step.action == "replace"
    assert h.judge("i-1", software[2:]).step.action == "reboot"  # the same fault, the first time


def test_recovery_in_progress_means_wait() -> None:
    repairing = fault(h.EVENTBRIDGE, T0, "", "replace pending", action="replace", repairing=True)
    assert step([repairing, fault(h.HMA, T0)]).action == "wait"
    assert step([fault(h.HMA, T0)], status="ShuttingDown").action == "wait"
    assert step([fault(h.HMA, T0)], status="DeepHealthCheckInProgress").action == "wait"


def test_node_recovery_none_needs_manual_action() -> None:
    manual = step([fault(h.HMA, T0)], node_recovery="None")
    assert manual.action == "replace" and manual.manual and manual.text == "replace (needs manual action)"
    assert not step([fault(h.HMA, T0)], node_recovery="Automatic").manual


def test_source_asking_for_an_action_is_followed() -> None:
    asked = fault(h.HMA, T0, "", "NvidiaGPUUnhealthy", action="reboot")
    assert step([asked]).action == "reboot"
    advised = fault(h.EVENTBRIDGE, T0, "", "unhealthy", recommendation="Please Replace the Faulty Node.")
    assert step([advised]).action == "replace"


def test_unknown_fault_means_investigate_and_healthy_means_nothing() -> None:
    assert step([fault(h.HMA, T0, "", "something odd")]).action == "investigate"
    assert step([healthy()]).action == ""


# --- per listed node -------------------------------------------------------------------------------------


def listed(status: str = "Running", message: str = "", launched: float = T0 - 86_400) -> Node:
    return Node("i-1", "workers", "ml.p5.48xlarge", status, message, launched, "ip-10-0-0-1")


def test_node_verdict_is_none_for_a_node_nothing_is_said_about() -> None:
    assert h.node_verdict(listed(), h.HealthContext()) is None


def test_node_verdict_joins_external_signals_and_status() -> None:
    context = h.HealthContext(node_recovery="None", now=T0 + 60, signals={"i-1": [fault(h.HMA, T0)]})
    verdict = h.node_verdict(listed(), context)
    assert verdict is not None and verdict.step.manual and verdict.cell(context.now)[0][0] == "GPU XID 79 · HMA 1m"
    dhc = h.node_verdict(listed("DeepHealthCheckInProgress"), h.HealthContext())
    assert dhc is not None and dhc.cell(T0) == (("DHC running", "Pending"),) and dhc.step.action == "wait"


# --- in the snapshot -------------------------------------------------------------------------------------


def test_snapshot_marks_a_health_change_of_an_unchanged_node_and_keeps_age_only_changes_quiet() -> None:
    from tui.core.snapshot import HEALTH_INDEX, build_snapshot

    node = listed()
    first = build_snapshot("c", [node], None, T0)
    assert first.rows["i-1"].values[HEALTH_INDEX] == () and not first.verdicts
    sick = h.HealthContext(now=T0 + 60, signals={"i-1": [fault(h.HMA, T0)]})
    second = build_snapshot("c", [node], first, T0 + 60, sick)
    assert second.diff.changed == ("i-1",) and "i-1" not in second.quiet  # a new fault: repainted and flashed
    assert second.rows["i-1"].values[HEALTH_INDEX] == (("GPU XID 79 · HMA 1m", "Failure"),)
    older = h.HealthContext(now=T0 + 180, signals=sick.signals)
    third = build_snapshot("c", [node], second, T0 + 180, older)
    assert third.diff.changed == ("i-1",) and third.quiet == {"i-1"}  # only the age moved: no flash
    same = build_snapshot("c", [node], third, T0 + 190, h.HealthContext(now=T0 + 190, signals=sick.signals))
    assert same.diff.changed == () and same.rows["i-1"] is third.rows["i-1"]
    cleared = build_snapshot("c", [node], same, T0 + 200, h.HealthContext(now=T0 + 200))
    assert cleared.diff.changed == ("i-1",) and cleared.rows["i-1"].values[HEALTH_INDEX] == ()


def test_snapshot_reuses_a_verdict_only_while_its_inputs_stay_the_same() -> None:
    from tui.core.snapshot import build_snapshot

    node = listed()
    xid = {"i-1": [fault(h.HMA, T0)]}
    first = build_snapshot("c", [node], None, T0, h.HealthContext("Automatic", T0, xid))
    again = build_snapshot("c", [node], first, T0 + 5, h.HealthContext("Automatic", T0 + 5, {"i-1": list(xid["i-1"])}))
    assert again.verdicts["i-1"] is first.verdicts["i-1"]  # equal inputs: not judged again
    manual = build_snapshot("c", [node], again, T0 + 10, h.HealthContext("None", T0 + 10, xid))
    assert manual.verdicts["i-1"].step.manual  # NodeRecovery changed: judged again
    more = {"i-1": [*xid["i-1"], h.Signal(h.EVENTBRIDGE, T0 + 1, h.FAULT, "replace pending", repairing=True)]}
    repairing = build_snapshot("c", [node], manual, T0 + 15, h.HealthContext("None", T0 + 15, more))
    assert repairing.verdicts["i-1"].step.action == "wait"  # a new signal: judged again
    failed = replace(node, status="Failure", message="deep health check InstanceStress failed")
    changed = build_snapshot("c", [failed], repairing, T0 + 20, h.HealthContext("None", T0 + 20, more))
    assert changed.verdicts["i-1"].signal.source in (h.DHC, h.EVENTBRIDGE)
    assert any(s.source == h.DHC for s in changed.verdicts["i-1"].signals)  # the node changed: judged again
