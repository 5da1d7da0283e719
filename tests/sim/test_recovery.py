"""Issue 15 item 6: the simulator's node recovery. With NodeRecovery Automatic (llm-pretrain-slurm) the XID 79
node is replaced by HyperPod after its fault and the replacement comes back healthy; with None (genai-eks-prod)
the EFA fault stays until the user acts; both say so on the EventBridge queue as Node Health Events. scale-10k
has 50 unhealthy nodes spread over its groups."""

from __future__ import annotations

import json

from tests.sim.conftest import wired_session
from tui.core import event_stream, events_setup
from tui.core.health import parse_hma_record
from tui.sim.model import RUNNING


def _health_events(sim, sqs, url) -> list:
    got: list = []
    worker = event_stream.StreamWorker(sqs, url, on_event=got.append)
    while worker.poll_once():
        pass
    return [item for item in got if isinstance(item, event_stream.NodeHealth)]


def test_automatic_recovery_replaces_the_faulty_node_and_the_replacement_is_healthy_and_on_the_queue(quiet_demo):
    sim = quiet_demo
    session = wired_session(sim)
    sqs = session.client("sqs")
    setup = events_setup.apply(sqs, session.client("events"), "demo")
    slurm = sim.world.clusters[sim.landmarks["slurm_cluster"]]
    faulty = sim.landmarks["health_event_node"]
    eks = sim.world.clusters[sim.landmarks["eks_cluster"]]
    efa = sim.landmarks["efa_fault_node"]
    assert slurm.node_recovery == "Automatic" and eks.node_recovery == "None"
    assert slurm.nodes[faulty].status == RUNNING  # the fault is HMA's; the status still says Running
    sim.clock.advance(50)
    sim.handle("sagemaker", "ListClusters", {})  # the world moves on when asked
    assert slurm.nodes[faulty].operation == "replace"
    events = _health_events(sim, sqs, setup.queue_url)
    by_node = {(e.instance_id, e.repair_action) for e in events}
    assert (faulty, "Replace") in by_node  # HyperPod says it is repairing it
    assert (efa, "") in {(e.instance_id, e.repair_action) for e in events}  # recovery off: no repair
    sim.clock.advance(200)
    sim.handle("sagemaker", "ListClusters", {})
    fresh = sim.landmarks["recovered"][faulty]
    assert faulty not in slurm.nodes and slurm.nodes[fresh].status == RUNNING
    assert slurm.nodes[fresh].launch_time > sim.world.start  # a new launch
    healthy = [e for e in _health_events(sim, sqs, setup.queue_url) if e.instance_id == fresh]
    assert healthy and healthy[-1].health_status == "Healthy"
    # recovery off: the EFA node is untouched, still Running with its fault
    assert eks.nodes[efa].status == RUNNING and eks.nodes[efa].operation is None


def test_scale_10k_has_50_unhealthy_nodes_over_its_groups(scale):
    cluster = scale.world.clusters[scale.landmarks["scale_cluster"]]
    sick = scale.landmarks["scale_unhealthy_nodes"]
    assert len(set(sick)) == 50
    assert len({cluster.nodes[i].group.name for i in sick}) == len(cluster.groups)
    store = scale.world.logs.groups[cluster.log_group]
    for instance in sick[:5]:
        node = cluster.nodes[instance]
        stream = store.streams[f"SagemakerHealthMonitoringAgent/{node.group.name}/{instance}"]
        messages = [stream.source.message(i) for i in range(len(stream.source))]
        assert any(parse_hma_record(m) is not None for m in messages), json.dumps(messages)[:300]
