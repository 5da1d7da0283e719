"""The demo plugin's port sessions: what `session-manager-plugin` does for the SSH and port-forwarding documents,
with the simulated node's port standing at a local address (tui/sim/node_ports.py, named in the StreamUrl).

- `AWS-StartSSHSession` (the plugin's StandardStreamForwarding): stdin goes to the node's port, the port's bytes to
  stdout, until either side ends — what ssh's ProxyCommand needs.
- `AWS-StartPortForwardingSession[ToRemoteHost]` (MuxPortForwarding): listen on localhost:`localPortNumber` (0 or
  absent: any free port), print `Port N opened for sessionId S.` and `Waiting for connections...`, and carry each
  accepted connection to the node's port; when nothing listens there, print `Connection to destination port
  failed, check SSM Agent logs.` and close that connection (the real plugin's words, portsession/*.go).

Bounded: at most MAX_CONNECTIONS forwarded connections at once; every pump is a daemon thread; SIGTERM, SIGHUP or
SIGINT ends the process ("Terminate signal received, exiting."), as the real plugin's control-signal handler does.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import signal
import socket
import sys
import threading
from typing import Any, BinaryIO, TextIO
from urllib.parse import parse_qs, urlsplit

from tui.sim.node_ports import PARAM, SSH_DOCUMENT

MAX_CONNECTIONS = 16
DESTINATION_FAILED = "\nConnection to destination port failed, check SSM Agent logs.\n"


def port_facts(stream_url: str) -> dict:
    values = parse_qs(urlsplit(stream_url).query).get(PARAM)
    if not values:
        return {}
    raw = values[0]
    try:
        facts = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return facts if isinstance(facts, dict) else {}


def _connect(facts: dict) -> socket.socket | None:
    address = facts.get("addr")
    if not isinstance(address, str) or ":" not in address:
        return None
    host, _, port = address.rpartition(":")
    try:
        return socket.create_connection((host, int(port)), timeout=5)
    except (OSError, ValueError):
        return None


def _pump(source: Any, write: Any, done: threading.Event) -> None:
    """Copy until EOF or an error, then tell the other side."""
    try:
        while True:
            data = source(65536)
            if not data:
                break
            write(data)
    except OSError:
        pass
    finally:
        done.set()


def standard_stream(facts: dict, stdin: BinaryIO, stdout: BinaryIO, out: TextIO) -> int:
    conn = _connect(facts)
    if conn is None:
        out.write(f"Cannot perform start session: {facts.get('refused') or 'connection refused'}\n")
        out.flush()
        return 0
    conn.settimeout(None)
    done = threading.Event()

    def to_stdout(data: bytes) -> None:
        stdout.write(data)
        stdout.flush()

    reader = getattr(stdin, "read1", stdin.read)
    sent = threading.Event()

    def half_close() -> None:
        # stdin ended: say so to the node's port (as a TCP half-close) and keep its answer coming
        _pump(reader, conn.sendall, sent)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)

    threading.Thread(target=half_close, daemon=True).start()
    threading.Thread(target=_pump, args=(conn.recv, to_stdout, done), daemon=True).start()
    done.wait()
    conn.close()
    return 0


def _carry(client: socket.socket, facts: dict, out: TextIO, slots: threading.BoundedSemaphore) -> None:
    try:
        remote = _connect(facts)
        if remote is None:
            out.write(DESTINATION_FAILED)
            out.flush()
            return
        remote.settimeout(None)
        done = threading.Event()
        threading.Thread(target=_pump, args=(client.recv, remote.sendall, done), daemon=True).start()
        threading.Thread(target=_pump, args=(remote.recv, client.sendall, done), daemon=True).start()
        done.wait()
        remote.close()
    finally:
        client.close()
        slots.release()


def _end_on_signals(out: TextIO) -> None:
    def terminate(_signum: int, _frame: object) -> None:
        out.write("Terminate signal received, exiting.\n")
        out.flush()
        os._exit(0)  # the pumps are daemon threads blocked in reads: no interpreter teardown to wait for

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, terminate)


def port_forwarding(facts: dict, parameters: dict, session_id: str, out: TextIO) -> int:
    values = parameters.get("localPortNumber") or ["0"]
    text = str(values[0]) if values else "0"
    local = int(text) if text.isdigit() and int(text) <= 65535 else -1
    if local < 0:
        out.write(f"Cannot perform start session: invalid localPortNumber {text[:20]!r}\n")
        out.flush()
        return 0
    try:
        listener = socket.create_server(("127.0.0.1", local))
    except OSError as error:
        reason = "address already in use" if "in use" in str(error) else (error.strerror or str(error))
        out.write(f"Cannot perform start session: listen tcp 127.0.0.1:{local}: bind: {reason}\n")
        out.flush()
        return 0
    _end_on_signals(out)
    port = listener.getsockname()[1]
    out.write(f"Port {port} opened for sessionId {session_id}.\nWaiting for connections...\n")
    out.flush()
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    first = True
    while True:
        client, _ = listener.accept()
        if not slots.acquire(blocking=False):
            client.close()
            continue
        if first:
            first = False
            out.write(f"\nConnection accepted for session [{session_id}]\n")
            out.flush()
        threading.Thread(target=_carry, args=(client, facts, out, slots), daemon=True).start()


def run(document: str, parameters: dict, session_id: str, stream_url: str, out: TextIO) -> int:
    facts = port_facts(stream_url)
    if document == SSH_DOCUMENT:
        return standard_stream(facts, sys.stdin.buffer, sys.stdout.buffer, out)
    return port_forwarding(facts, parameters, session_id, out)
