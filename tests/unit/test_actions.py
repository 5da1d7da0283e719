"""core.actions: the plan (chunks, refusals, call counts) and its execution against a scripted client."""

from __future__ import annotations

import json
import threading
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from tui.core import actions
from tui.core.actions import (
    DELETE,
    DRY_RUN,
    FAILED,
    REBOOT,
    REPLACE,
    SUCCESSFUL,
    UNREPORTED,
    CallContext,
    call_summary,
    consequences,
    plan_action,
    run_plan,
)
from tui.core.journal import Journal
from tui.core.models import ClusterDetail, InstanceGroup, Node

ARN = "arn:aws:sagemaker:us-west-2:123456789012:cluster/abcdef123456"


def detail(orchestrator: str = "Slurm", workers: int = 200) -> ClusterDetail:
    groups = (
        InstanceGroup("controller-machine", "ml.m5.12xlarge", 1, 1, "InService", slurm_node_type="Controller"),
        InstanceGroup("workers", "ml.g5.8xlarge", workers, workers, "InService", slurm_node_type="Compute"),
        InstanceGroup("spare", "ml.g5.8xlarge", 3, 3, "InService", slurm_node_type="Compute"),
    )
    return ClusterDetail("train", ARN, "InService", 0.0, "", orchestrator, "", "", "", groups)


def nodes(count: int, group: str = "workers", status: str = "Running") -> list[Node]:
    return [
        Node(f"i-{group[:3]}{n:014x}", group, "ml.g5.8xlarge", status, "", 0.0, f"ip-10-0-0-{n}") for n in range(count)
    ]


def error(code: str, message: str = "nope", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "req-err", "HTTPStatusCode": status},
        },
        "BatchRebootClusterNodes",
    )


class ScriptedClient:
    """Answers Batch* calls from a script: each entry a response dict, an exception, or a callable(ids)."""

    def __init__(self, *script, delay: float = 0.0) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict]] = []
        self.delay = delay
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def _answer(self, name: str, **params):
        with self._lock:
            self.calls.append((name, params))
            self.active += 1
            self.peak = max(self.peak, self.active)
            step = self.script.pop(0) if self.script else (lambda ids: {"Successful": ids, "Failed": []})
        try:
            time.sleep(self.delay)
            if isinstance(step, BaseException):
                raise step
            return step(params["NodeIds"]) if callable(step) else step
        finally:
            with self._lock:
                self.active -= 1

    def __getattr__(self, name: str):
        if name.startswith("batch_"):
            return lambda **params: self._answer(name, **params)
        raise AttributeError(name)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


CONTEXT = CallContext(profile="ops", region="us-west-2", endpoint=None)

# --- planning -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count, sizes", [(1, [1]), (25, [25]), (26, [25, 1]), (60, [25, 25, 10]), (100, [25] * 4)])
def test_reboot_and_replace_chunk_by_25(count, sizes):
    for kind in (REBOOT, REPLACE):
        plan = plan_action(kind, detail(), nodes(count))
        assert [len(chunk) for chunk in plan.chunks] == sizes
        assert plan.call_count == len(sizes)
        assert [n for chunk in plan.chunks for n in chunk] == list(plan.node_ids)
        assert not plan.refused


def test_delete_is_one_call_up_to_99_and_refused_above():
    assert plan_action(DELETE, detail(), nodes(99)).call_count == 1
    assert not plan_action(DELETE, detail(), nodes(99)).refused
    refused = plan_action(DELETE, detail(), nodes(100))
    assert refused.refused and "100 nodes" in refused.refusals[0] and "AWS Support" in refused.refusals[0]
    assert not plan_action(REBOOT, detail(), nodes(100)).refused  # reboot has no total limit, only chunks


@pytest.mark.parametrize("kind", [REPLACE, DELETE])
def test_slurm_controller_is_refused_for_replace_and_delete(kind):
    targets = nodes(2) + nodes(1, "controller-machine")
    plan = plan_action(kind, detail(), targets)
    assert plan.refused
    assert "controller" in plan.refusals[0] and targets[-1].instance_id in plan.refusals[0]


def test_controller_may_be_rebooted_and_eks_has_no_controller():
    targets = nodes(1, "controller-machine")
    assert not plan_action(REBOOT, detail(), targets).refused
    assert not plan_action(REPLACE, detail("EKS"), targets).refused


def test_a_small_reboot_needs_no_typed_name_but_replace_and_delete_always_do():
    plan = plan_action(REBOOT, detail(), nodes(25), cluster_nodes=204)
    assert not plan.needs_typed_name and plan.typed_name_reasons == ()
    for kind in (REPLACE, DELETE):
        assert plan_action(kind, detail(), nodes(1), cluster_nodes=204).needs_typed_name


def test_more_than_25_nodes_need_the_typed_name():
    plan = plan_action(REBOOT, detail(), nodes(26), cluster_nodes=204)
    assert plan.needs_typed_name and plan.typed_name_reasons == ("26 nodes: more than 25 at once.",)


def test_every_node_of_the_cluster_needs_the_typed_name():
    plan = plan_action(REBOOT, detail(workers=3), nodes(3), cluster_nodes=3)
    assert plan.needs_typed_name and plan.typed_name_reasons == ("Every node of the cluster (3 of 3).",)
    assert not plan_action(REBOOT, detail(workers=3), nodes(2), cluster_nodes=3).needs_typed_name
    assert not plan_action(REBOOT, detail(workers=3), nodes(3)).needs_typed_name  # the size is not known


def test_a_reboot_including_the_controller_needs_the_name_and_lists_it_first():
    controller = nodes(1, "controller-machine")[0]
    plan = plan_action(REBOOT, detail(), [*nodes(2), controller], cluster_nodes=204)
    assert plan.needs_typed_name and not plan.refused
    assert plan.node_ids[0] == controller.instance_id and plan.controllers == (controller.instance_id,)
    [reason] = plan.typed_name_reasons
    assert "Slurm controller" in reason and controller.instance_id in reason
    eks = plan_action(REBOOT, detail("EKS"), [*nodes(2), controller], cluster_nodes=204)
    assert not eks.needs_typed_name and eks.controllers == ()


@pytest.mark.parametrize("kind", [REPLACE, DELETE])
def test_a_refused_controller_is_still_listed_first_and_no_typed_name_is_asked(kind):
    controller = nodes(1, "controller-machine")[0]
    plan = plan_action(kind, detail(), [*nodes(2), controller], cluster_nodes=204)
    assert plan.refused and not plan.needs_typed_name and plan.node_ids[0] == controller.instance_id
    assert plan.typed_name_reasons == ()


def test_targets_in_an_abnormal_state_are_listed_first_in_their_order():
    running = nodes(3)
    odd = [*nodes(1, "spare", status="Failure"), *nodes(1, "workers", status="Pending")]
    odd[1] = Node("i-pend0000000000001", "workers", "ml.g5.8xlarge", "Pending", "", 0.0, "ip-10-0-1-1")
    controller = nodes(1, "controller-machine")[0]
    for kind in (REBOOT, REPLACE, DELETE):
        plan = plan_action(kind, detail(), [running[0], odd[0], running[1], controller, odd[1], running[2]])
        assert plan.node_ids == tuple(
            n.instance_id for n in (controller, odd[0], odd[1], running[0], running[1], running[2])
        )


def test_plan_freezes_targets_dedupes_and_counts_hidden():
    targets = nodes(3)
    plan = plan_action(REBOOT, detail(), targets + targets[:1], dry_run=True, hidden_by_filter=2)
    assert plan.node_ids == tuple(n.instance_id for n in targets)
    assert plan.nodes[0].hostname == "ip-10-0-0-0" and plan.nodes[0].status == "Running"
    assert plan.dry_run and plan.hidden_by_filter == 2
    assert plan.target == ARN and plan.cluster == "train" and plan.orchestrator == "Slurm"
    with pytest.raises(AttributeError):
        plan.nodes = ()  # type: ignore[misc]


def test_empty_plan_is_refused():
    assert plan_action(REBOOT, detail(), []).refused


def test_unsettled_nodes_get_a_caution_not_a_refusal():
    plan = plan_action(REBOOT, detail(), nodes(2) + nodes(1, status="Pending"))
    assert not plan.refused and "Pending" in plan.cautions[0]
    assert not plan_action(REBOOT, detail(), nodes(2) + nodes(1, status="Failure")).cautions


def test_delete_says_what_capacity_goes():
    plan = plan_action(DELETE, detail(workers=10), nodes(2) + nodes(1, "spare"))
    assert {(c.group, c.target_before, c.target_after) for c in plan.capacity} == {("workers", 10, 8), ("spare", 3, 2)}
    text = "\n".join(consequences(plan))
    assert "workers: target count 10 → 8" in text and "target count drops" in text


def test_consequences_and_call_summary_name_the_api_rules():
    assert "root and secondary" in " ".join(consequences(plan_action(REPLACE, detail(), nodes(1))))
    assert "UpdateClusterSoftware" in " ".join(consequences(plan_action(REPLACE, detail(), nodes(1))))
    assert (
        call_summary(plan_action(REBOOT, detail(), nodes(60)))
        == "3 calls to BatchRebootClusterNodes (at most 25 nodes per call, 3 at a time)."
    )
    assert (
        call_summary(plan_action(REBOOT, detail(), nodes(3)))
        == "1 call to BatchRebootClusterNodes (at most 25 nodes per call)."
    )
    assert "at most 99" in call_summary(plan_action(DELETE, detail(), nodes(3)))


# --- execution ----------------------------------------------------------------------------------------------


def test_per_node_outcomes_read_errorcode_for_reboot_and_code_for_delete(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    targets = nodes(3)
    ids = [n.instance_id for n in targets]
    reboot = ScriptedClient(
        {
            "Successful": ids[:2],
            "Failed": [{"NodeId": ids[2], "ErrorCode": "InstanceIdInUse", "Message": "busy"}],
            "ResponseMetadata": {"RequestId": "req-1"},
        }
    )
    result = run_plan(plan_action(REBOOT, detail(), targets), reboot, journal, CONTEXT)
    assert result.succeeded == ids[:2] and result.failed == ids[2:]
    assert result.outcomes[ids[2]].code == "InstanceIdInUse" and result.outcomes[ids[2]].message == "busy"
    assert reboot.calls == [("batch_reboot_cluster_nodes", {"ClusterName": ARN, "NodeIds": ids})]
    delete = ScriptedClient(
        {"Successful": ids[:1], "Failed": [{"NodeId": ids[1], "Code": "NodeIdInUse", "Message": "m"}]}
    )
    result = run_plan(plan_action(DELETE, detail(), targets), delete, journal, CONTEXT)
    assert result.outcomes[ids[1]].code == "NodeIdInUse"
    assert result.outcomes[ids[2]].outcome == UNREPORTED  # in neither list: never silently "fine"
    assert result.failed == ids[1:]


def test_an_intent_before_and_a_result_after_each_call_and_no_secrets(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    targets = nodes(30)
    seen_before: list[int] = []

    def answer(ids):
        seen_before.append(len(lines(journal.path)))  # what was on disk when the request went out
        return {"Successful": ids, "Failed": [], "ResponseMetadata": {"RequestId": f"req-{len(ids)}"}}

    client = ScriptedClient(answer, answer)
    plan = plan_action(REPLACE, detail(), targets)
    run_plan(plan, client, journal, CONTEXT, clock=lambda: 1_795_176_000.25, max_concurrent=1)
    entries = lines(journal.path)
    assert [e["kind"] for e in entries] == ["intent", "result", "intent", "result"]
    assert seen_before == [1, 3]  # each request only after its own intent
    intents = [e for e in entries if e["kind"] == "intent"]
    assert sorted(n for e in intents for n in e["node_ids"]) == sorted(n.instance_id for n in targets)
    first = intents[0]
    assert first["time"] == "2026-11-20T12:00:00.250Z" and first["call"] == "1/2" and first["chunk"] == 0
    assert (
        first["operation"] == "BatchReplaceClusterNodes" and first["cluster"] == "train" and first["cluster_arn"] == ARN
    )
    assert first["profile"] == "ops" and first["region"] == "us-west-2" and first["dry_run"] is False
    assert first["attempt"] == 1 and first["action"] == intents[1]["action"]
    assert set(first) == {
        "time",
        "kind",
        "id",
        "action",
        "profile",
        "region",
        "endpoint",
        "cluster",
        "cluster_arn",
        "operation",
        "node_ids",
        "dry_run",
        "call",
        "chunk",
        "attempt",
    }
    result = entries[1]
    assert result["id"] == first["id"] and result["outcome"] == "Successful" and result["request_id"] == "req-25"
    assert [n["node_id"] for n in result["nodes"]] == first["node_ids"]
    assert {n["outcome"] for n in result["nodes"]} == {"Successful"}
    assert isinstance(result["duration_ms"], int) and "error" not in result


def test_whole_call_failure_is_every_node_of_that_chunk(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    targets = nodes(30)
    client = ScriptedClient(error("AccessDeniedException", "not allowed"), delay=0.0)
    result = run_plan(plan_action(REBOOT, detail(), targets), client, journal, CONTEXT, max_concurrent=1)
    first, second = result.calls
    assert first.error_code == "AccessDeniedException" and "not allowed" in first.error_message
    assert all(o.outcome == FAILED and o.code == "AccessDeniedException" for o in first.outcomes)
    assert all(o.outcome == SUCCESSFUL for o in second.outcomes)
    failed_entry = next(e for e in lines(journal.path) if e["call"] == "1/2" and e["kind"] == "result")
    assert failed_entry["error"] == {"code": "AccessDeniedException", "message": "not allowed", "sent": True}
    assert failed_entry["request_id"] == "req-err" and failed_entry["outcome"] == "Failed"


def test_a_connect_failure_is_a_plain_failure_but_no_answer_is_unknown(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    client = ScriptedClient(EndpointConnectionError(endpoint_url="https://x"))
    result = run_plan(plan_action(REBOOT, detail(), nodes(2)), client, journal, CONTEXT)
    assert result.failed == list(plan_action(REBOOT, detail(), nodes(2)).node_ids)
    assert result.calls[0].error_code == "EndpointConnectionError" and not result.unknown
    for lost in (ReadTimeoutError(endpoint_url="https://x"), ConnectionClosedError(endpoint_url="https://x")):
        client = ScriptedClient(lost, lost)
        result = run_plan(plan_action(REBOOT, detail(), nodes(2)), client, journal, CONTEXT, sleep=lambda s: None)
        assert len(client.calls) == 1  # never retried: it may have executed
        assert result.unknown == list(result.plan.node_ids) and result.failed == []
        assert lines(journal.path)[-1]["outcome"] == "unknown, may have executed"


def test_throttling_is_retried_with_backoff_then_given_up(tmp_path):
    sleeps: list[float] = []
    journal = Journal(tmp_path / "j.jsonl")
    client = ScriptedClient(error("ThrottlingException"), error("InternalFailure", status=500))
    result = run_plan(plan_action(REBOOT, detail(), nodes(2)), client, journal, CONTEXT, sleep=sleeps.append)
    assert result.calls[0].attempts == 3 and len(result.succeeded) == 2
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9  # backoff grows (jittered)
    entries = lines(journal.path)  # each attempt its own intent/result pair, one request each
    assert [(e["kind"], e["attempt"]) for e in entries] == [
        ("intent", 1),
        ("result", 1),
        ("intent", 2),
        ("result", 2),
        ("intent", 3),
        ("result", 3),
    ]
    assert [e["outcome"] for e in entries if e["kind"] == "result"] == ["Failed", "Failed", "Successful"]
    assert len({e["id"] for e in entries}) == 3 and len(client.calls) == 3
    stubborn = ScriptedClient(*[error("ThrottlingException")] * 10)
    result = run_plan(plan_action(REBOOT, detail(), nodes(2)), stubborn, journal, CONTEXT, sleep=lambda s: None)
    assert result.calls[0].attempts == actions.THROTTLE_RETRIES + 1
    assert result.calls[0].error_code == "ThrottlingException" and len(result.failed) == 2
    other = ScriptedClient(error("ValidationException"))
    assert run_plan(plan_action(REBOOT, detail(), nodes(2)), other, journal, CONTEXT).calls[0].attempts == 1


def test_calls_are_concurrent_but_bounded(tmp_path):
    client = ScriptedClient(delay=0.05)
    journal = Journal(tmp_path / "j.jsonl")
    result = run_plan(plan_action(REBOOT, detail(), nodes(250)), client, journal, CONTEXT, max_concurrent=4)
    assert len(client.calls) == 10 and len(result.succeeded) == 250
    assert 2 <= client.peak <= 4


def test_dry_run_calls_nothing_and_journals_would_call(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    client = ScriptedClient()
    plan = plan_action(REPLACE, detail(), nodes(60), dry_run=True)
    seen = []
    result = run_plan(plan, client, journal, CONTEXT, on_call=seen.append)
    assert client.calls == [] and len(seen) == 3
    assert all(o.outcome == DRY_RUN for o in result.outcomes.values())
    entries = lines(journal.path)
    assert len(entries) == 6 and all(e["dry_run"] is True for e in entries if e["kind"] == "intent")
    assert {e["outcome"] for e in entries if e["kind"] == "result"} == {"Dry run"}


def test_a_refused_plan_cannot_run():
    with pytest.raises(ValueError):
        run_plan(plan_action(DELETE, detail(), nodes(100)), ScriptedClient(), None, CONTEXT)


def test_no_intent_written_no_call_sent_and_no_later_chunk_either(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("a file where a directory should be")
    client = ScriptedClient()
    plan = plan_action(REBOOT, detail(), nodes(60))
    result = run_plan(plan, client, Journal(blocker / "x" / "actions.jsonl"), CONTEXT, max_concurrent=1)
    assert client.calls == [] and result.succeeded == []
    assert result.not_sent == list(plan.node_ids) and result.failed == []
    assert result.journal_errors and "cannot write the action journal" in result.journal_errors[0]
    assert all(call.attempts == 0 for call in result.calls)
    assert run_plan(plan, client, None, CONTEXT).not_sent == list(plan.node_ids) and client.calls == []


def test_a_journal_that_breaks_mid_action_stops_the_chunks_not_yet_sent(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)

    def break_journal(ids):
        path.unlink()
        path.mkdir()  # from now on every append fails
        return {"Successful": ids, "Failed": []}

    client = ScriptedClient(break_journal)
    result = run_plan(plan_action(REBOOT, detail(), nodes(60)), client, journal, CONTEXT, max_concurrent=1)
    assert len(client.calls) == 1  # the first chunk was sent; its result could not be written
    first, second, third = result.calls
    assert first.journal_error and all(o.outcome == SUCCESSFUL for o in first.outcomes)
    assert second.not_sent and third.not_sent
