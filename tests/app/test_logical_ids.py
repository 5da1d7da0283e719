"""Nodes known only by NodeLogicalId (a Continuous cluster's capacity shortage), driven against the simulator.

The demo's genai-eks-prod is in Continuous mode and its gpu-workers group waits for two instances: one node's
answers omit InstanceId, the other's send "". The app lists the cluster with IncludeNodeLogicalIds, shows both
rows, sends them to the batch actions as NodeLogicalIds and refuses what needs an instance id.
"""

from __future__ import annotations

from tests.app.test_batch_actions import EKS, batch_calls, journal_calls, open_nodes, result_rows, state_home
from tests.harness import make_app, notices, settle
from tui.screens.main import MainScreen

__all__ = ["state_home"]  # the autouse fixture: no test here writes the real journal

SIZE = (140, 45)


def waiting_ids(app) -> list[str]:
    landmarks = app.simulator.landmarks
    return [landmarks["logical_only_node"], landmarks["empty_instance_id_node"]]


def list_calls(app, cluster: str) -> list:
    return [c for c in app.simulator.calls if c.operation == "ListClusterNodes" and c.params["ClusterName"] == cluster]


async def test_a_continuous_cluster_shows_its_nodes_without_instance_ids():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        table = main.nodes_table
        calls = list_calls(app, EKS)
        assert calls and all(c.params.get("IncludeNodeLogicalIds") is True for c in calls)
        # A cluster not in Continuous mode is listed as before: AWS takes the flag anywhere, but only there it adds.
        slurm_calls = list_calls(app, "llm-pretrain-slurm")
        assert slurm_calls and not any("IncludeNodeLogicalIds" in c.params for c in slurm_calls)
        for logical_id in waiting_ids(app):
            assert logical_id in table.visible_keys
            node = main.state.focus_snapshot.nodes[logical_id]
            assert node.instance_id == "" and node.status == "Pending" and "Insufficient capacity" in node.message
            values = table.row(logical_id).values
            assert str(values[0]) == logical_id and str(values[2]) == "Pending"
        assert len(main.state.focus_snapshot.nodes) == 26  # 24 with instances, 2 waiting


async def test_reboot_of_a_mix_sends_node_ids_and_node_logical_ids_in_their_own_calls(state_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        table = main.nodes_table
        waiting = waiting_ids(app)
        running = next(k for k in table.visible_keys if main.state.focus_snapshot.nodes[k].status == "Running")
        for key in (running, *waiting):
            assert table.move_cursor_to(key)
            await pilot.press("space")
        assert table.marks == {running, *waiting}
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        sent = batch_calls(app.simulator)
        assert len(sent) == 2, [c.params for c in sent]
        by_member = {("NodeIds" if "NodeIds" in c.params else "NodeLogicalIds"): c.params for c in sent}
        assert by_member["NodeIds"]["NodeIds"] == [running] and "NodeLogicalIds" not in by_member["NodeIds"]
        assert sorted(by_member["NodeLogicalIds"]["NodeLogicalIds"]) == sorted(waiting)
        assert "NodeIds" not in by_member["NodeLogicalIds"]
        # Each node's outcome is read from the member it was sent in: the Pending nodes are refused by name
        # (FailedNodeLogicalIds), not "Unreported".
        rows = result_rows(app)
        outcome = {key: " ".join(str(v) for v in values) for key, values in rows.items()}
        assert "Successful" in outcome[running]
        for logical_id in waiting:
            assert "InvalidInstanceStatus" in outcome[logical_id], outcome[logical_id]
        intents = [intent for intent, _ in journal_calls(state_home)]
        assert sorted(map(sorted, (i.get("node_ids") or i.get("node_logical_ids") for i in intents))) == sorted(
            [[running], sorted(waiting)]
        )
        logical_intent = next(i for i in intents if "node_logical_ids" in i)
        assert "node_ids" not in logical_intent


async def test_shell_copy_and_logs_refuse_a_node_without_an_instance_and_say_why():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        logical_id = waiting_ids(app)[1]  # the one whose InstanceId is ""
        assert main.nodes_table.move_cursor_to(logical_id)
        await pilot.pause()
        for key, what in (("s", "SSM session"), ("y", "SSM session"), ("l", "logs")):
            before = len(notices(app))
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), (key, app.screen)
            said = [text for text, _ in notices(app)[before:]]
            assert any("has no instance yet" in text and what in text for text in said), (key, said)
        assert not [c for c in app.simulator.calls if c.operation in ("StartSession", "GetLogEvents")]
        assert main.shells.tabs is None or not main.shells.tabs.sessions


async def test_details_of_a_node_without_an_instance_describe_it_by_logical_id():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = await open_nodes(pilot, EKS)
        logical_id = waiting_ids(app)[0]  # InstanceId omitted
        assert main.nodes_table.move_cursor_to(logical_id)
        await pilot.press("d")
        await settle(pilot)
        described = [c.params for c in app.simulator.calls if c.operation == "DescribeClusterNode"]
        assert described and described[-1].get("NodeLogicalId") == logical_id and "NodeId" not in described[-1]
