"""The listeners that stand for simulated nodes' ports: what listens where, remote hosts resolved among the
cluster's nodes, refusals named, and the bound on listeners (the oldest closed first)."""

from __future__ import annotations

import socket

from tui.sim import node_ports
from tui.sim.node_ports import MAX_LISTENERS, NodePorts, PortNode
from tui.sim.plugin_ports import port_facts

HEAD = PortNode("i-0000000000000000a", "ip-10-1-0-1.us-west-2.compute.internal", True)
WORKER = PortNode("i-0000000000000000b", "ip-10-1-0-2.us-west-2.compute.internal", False)


def facts(ports: NodePorts, document: str, parameters: dict, node: PortNode = WORKER) -> dict:
    return port_facts("wss://x/y?a=b" + ports.stream_param(document, parameters, node, [HEAD, WORKER]))


def connect(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    return socket.create_connection((host, int(port)), timeout=5)


def test_port_22_everywhere_dashboards_on_the_head_node_only_other_ports_refused():
    ports = NodePorts()
    try:
        assert "addr" in facts(ports, node_ports.SSH_DOCUMENT, {"portNumber": ["22"]})
        assert "refused" in facts(ports, node_ports.PORT_DOCUMENT, {"portNumber": ["3000"]})  # not on a worker
        grafana = facts(ports, node_ports.PORT_DOCUMENT, {"portNumber": ["3000"]}, HEAD)
        with connect(grafana["addr"]) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK") and b"Grafana on ip-10-1-0-1:3000" in answer
        assert facts(ports, node_ports.PORT_DOCUMENT, {"portNumber": ["70000"]})["refused"].startswith("portNumber")
        assert facts(ports, "AWS-StartNonInteractiveCommand", {"portNumber": ["22"]}) == {}
    finally:
        ports.close()


def test_a_remote_host_is_found_by_ip_short_name_or_localhost_and_an_unknown_one_is_refused():
    ports = NodePorts()
    try:
        doc = node_ports.REMOTE_HOST_DOCUMENT
        by_ip = facts(ports, doc, {"host": ["10.1.0.1"], "portNumber": ["8265"]})
        by_name = facts(ports, doc, {"host": ["ip-10-1-0-1"], "portNumber": ["8265"]})
        assert by_ip["addr"] == by_name["addr"]  # the head node's Ray dashboard, one listener
        assert "refused" in facts(ports, doc, {"host": ["localhost"], "portNumber": ["8265"]})  # the worker itself
        assert "no such host" in facts(ports, doc, {"host": ["db.internal"], "portNumber": ["5432"]})["refused"]
    finally:
        ports.close()


def test_listeners_are_bounded_and_the_oldest_is_closed_first():
    ports = NodePorts()
    try:
        nodes = [PortNode(f"i-{n:017x}", f"ip-10-2-0-{n}", False) for n in range(MAX_LISTENERS + 3)]
        first = ports.address(nodes[0], 22)
        for node in nodes[1:]:
            ports.address(node, 22)
        assert len(ports._listeners) == MAX_LISTENERS
        assert first is not None
        try:
            connect(first).close()
            still_open = True
        except OSError:
            still_open = False
        assert not still_open
    finally:
        ports.close()
