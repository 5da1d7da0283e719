"""Local listeners that stand for a simulated node's TCP ports, for the SSH and port-forwarding documents.

The simulator's StartSession (tui/sim/ssm.py) asks `NodePorts.stream_param` where the session's data goes: for
`AWS-StartSSHSession` and `AWS-StartPortForwardingSession` the node's own `portNumber`, for
`AWS-StartPortForwardingSessionToRemoteHost` the `host` resolved among the cluster's nodes (its hostname, short
name or IP; `localhost` is the node itself). It answers `sim-port=<urlsafe base64 JSON>` for the StreamUrl:
`{"addr": "127.0.0.1:N"}` when something listens there, or `{"refused": why}` — the stand-in plugin
(tui/sim/plugin_ports.py) connects to it, as the agent on the node would.

What listens: port 22 on every node, an sshd stand-in (it speaks the SSH identification line, then echoes what it
gets; to a real ssh client it answers a clean SSH_MSG_DISCONNECT saying it is a demo); on the Slurm controller
(and the first node of an EKS cluster) port 3000 (a Grafana stand-in) and 8265 (a Ray dashboard stand-in), tiny
HTTP servers. Nothing else: another port is "refused".

Bounded: a listener per (node, port) made on first use, at most MAX_LISTENERS (the oldest closed first), each
with at most MAX_CONNECTIONS at once, idle connections cut after IDLE_S, an echo stops after ECHO_CAP bytes. Every
thread is a daemon, so they end with the process that hosts the simulator (the app under --demo,
`python -m tui.sim serve`, or the `python -m tui.sim aws` stand-in); `close()` ends them sooner.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass

PARAM = "sim-port"
SSH_DOCUMENT = "AWS-StartSSHSession"
PORT_DOCUMENT = "AWS-StartPortForwardingSession"
REMOTE_HOST_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost"
PORT_DOCUMENTS = frozenset({SSH_DOCUMENT, PORT_DOCUMENT, REMOTE_HOST_DOCUMENT})
SSH_PORT = 22
DASHBOARDS = {3000: "Grafana", 8265: "Ray dashboard"}
MAX_LISTENERS = 32
MAX_CONNECTIONS = 8
IDLE_S = 60.0
ECHO_CAP = 1 << 20
SSH_BANNER = "SSH-2.0-OpenSSH_9.6p1 hyperpod-tui-sim"
DISCONNECT_TEXT = "hyperpod-tui demo: this sshd stand-in only shows that bytes reach the node through SSM; no login"


@dataclass(frozen=True, slots=True)
class PortNode:
    """What a listener needs to know of its node."""

    instance_id: str
    hostname: str
    head: bool  # the Slurm controller (or an EKS cluster's first node): the dashboards run here


def encode(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _disconnect_packet(text: str) -> bytes:
    """SSH_MSG_DISCONNECT (RFC 4253 §11.1) as an unencrypted binary packet (before key exchange, block size 8)."""
    body = text.encode()
    payload = bytes([1]) + struct.pack(">I", 2) + struct.pack(">I", len(body)) + body + struct.pack(">I", 0)
    padding = 8 - ((len(payload) + 5) % 8)
    padding += 8 if padding < 4 else 0
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + os.urandom(padding)


def _serve_ssh(conn: socket.socket, node: PortNode) -> None:
    conn.sendall(f"{SSH_BANNER} {node.hostname.split('.')[0] or node.instance_id}\r\n".encode())
    first = b""
    while not first.endswith(b"\n") and len(first) < 256:
        chunk = conn.recv(1)
        if not chunk:
            return
        first += chunk
    if first.startswith(b"SSH-"):
        conn.sendall(_disconnect_packet(DISCONNECT_TEXT))
        return
    sent = 0
    data = first
    while data and sent < ECHO_CAP:
        conn.sendall(data)
        sent += len(data)
        data = conn.recv(65536)


def _serve_http(conn: socket.socket, node: PortNode, port: int) -> None:
    request = b""
    while b"\r\n\r\n" not in request and b"\n\n" not in request and len(request) < 8192:
        chunk = conn.recv(4096)
        if not chunk:
            break
        request += chunk
    name = DASHBOARDS.get(port, "service")
    host = node.hostname.split(".")[0] or node.instance_id
    body = (
        f"<!doctype html><title>{name} (demo)</title><h1>{name} on {host}:{port}</h1>"
        "<p>A hyperpod-tui simulator stand-in, reached through an SSM port forward.</p>\n"
    ).encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nServer: hyperpod-tui-sim\r\n\r\n"
    ).encode()
    conn.sendall(head + body)


class _Listener:
    def __init__(self, node: PortNode, port: int) -> None:
        self.node, self.port = node, port
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()
        threading.Thread(target=self._accept, name=f"sim-port-{port}", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), name="sim-port-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(IDLE_S)
            if self.port == SSH_PORT:
                _serve_ssh(conn, self.node)
            else:
                _serve_http(conn, self.node, self.port)
        except OSError:
            pass
        finally:
            conn.close()
            self._slots.release()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # stops listening now, and wakes the accepting thread
        self.socket.close()


class NodePorts:
    """The listeners of one simulated world."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: OrderedDict[tuple[str, int], _Listener] = OrderedDict()

    @staticmethod
    def listens(node: PortNode, port: int) -> bool:
        return port == SSH_PORT or (node.head and port in DASHBOARDS)

    def address(self, node: PortNode, port: int) -> str | None:
        if not self.listens(node, port):
            return None
        key = (node.instance_id, port)
        with self._lock:
            listener = self._listeners.get(key)
            if listener is None:
                listener = self._listeners[key] = _Listener(node, port)
                while len(self._listeners) > MAX_LISTENERS:
                    _key, oldest = self._listeners.popitem(last=False)
                    oldest.close()
            else:
                self._listeners.move_to_end(key)
            return listener.address

    def close(self) -> None:
        with self._lock:
            listeners, self._listeners = list(self._listeners.values()), OrderedDict()
        for listener in listeners:
            listener.close()

    def stream_param(self, document: str | None, parameters: dict, node: PortNode, peers: list[PortNode]) -> str:
        """`&sim-port=…` for a port document's StreamUrl; '' for any other document."""
        if document not in PORT_DOCUMENTS:
            return ""
        values = parameters.get("portNumber") or [str(SSH_PORT) if document == SSH_DOCUMENT else ""]
        text = str(values[0]) if values else ""
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            return f"&{PARAM}={encode({'refused': f'portNumber {text[:20]!r} is not a port'})}"
        port = int(text)
        if document == REMOTE_HOST_DOCUMENT:
            host = str((parameters.get("host") or [""])[0]).casefold()
            found = _resolve(host, node, peers)
            if found is None:
                why = f"dial tcp: lookup {host[:80]}: no such host"
                return f"&{PARAM}={encode({'refused': why})}"
            node = found
        address = self.address(node, port)
        if address is None:
            return f"&{PARAM}={encode({'refused': f'dial tcp {port}: connect: connection refused'})}"
        return f"&{PARAM}={encode({'addr': address})}"


def _resolve(host: str, node: PortNode, peers: list[PortNode]) -> PortNode | None:
    if host in ("localhost", "127.0.0.1", "::1", ""):
        return node
    for peer in peers:
        full = peer.hostname.casefold()
        short = full.split(".")[0]
        ip = short.removeprefix("ip-").replace("-", ".") if short.startswith("ip-") else ""
        if host in (full, short, ip, peer.instance_id):
            return peer
    return None
