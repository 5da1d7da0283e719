"""The simulator over HTTP: one endpoint for all three services, as `--endpoint-url` sends them.

Any path and any Host header are accepted (boto3 and the AWS CLI send SageMaker, Logs and SSM to the same
URL); the X-Amz-Target header alone routes a request. HTTP/1.1 keep-alive, an exact Content-Length on every
answer, and a request id header, so urllib3's connection pool reuses connections as it does with AWS.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

from tui.sim.errors import SimError
from tui.sim.faults import AnswerLost
from tui.sim.protocol import error_response, new_request_id

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle on, the body waits for the client's delayed ACK.
    disable_nagle_algorithm = True
    server_version = "hyperpod-sim"
    sys_version = ""

    @property
    def sim_server(self) -> SimServer:
        return cast("SimServer", self.server)

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._send(*error_response(SimError("SerializationException", "Bad Content-Length."), new_request_id()))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        try:
            answer = self.sim_server.simulator.respond(self.headers, body)
        except AnswerLost as lost:  # executed; the answer comes late or never (faults.lose_answer)
            if lost.lost.how == "reset":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            time.sleep(lost.lost.delay_s)
            self.close_connection = lost.lost.how == "timeout"  # the client has given up on this connection
            try:
                self._send(*lost.answer)
            except OSError:  # the client closed the connection meanwhile
                self.close_connection = True
            return
        self._send(*answer)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("", "/health", "/ping"):
            body = json.dumps({"status": "ok", "scenario": self.sim_server.simulator.scenario}).encode()
            self._send(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body)
            return
        self._send(
            *error_response(
                SimError("UnknownOperationException", "Use POST with an X-Amz-Target header.", 404), new_request_id()
            )
        )

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        # One write for status line, headers and body: one TCP segment for a small answer, one syscall.
        self.log_request(status)
        reason = self.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}", f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if "Content-Length" not in headers:  # a response fault's undeclared length: the body ends at the close
            lines.append("Connection: close")
            self.close_connection = True
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def log_message(self, format: str, *args) -> None:
        if self.sim_server.verbose:
            log.info("%s %s", self.address_string(), format % args)


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Many clients (the app's per-group parallel listing, benchmarks) connect at once.
    request_queue_size = 128

    def __init__(self, simulator, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.simulator = simulator
        self.verbose = verbose

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        host = self.server_address[0]
        return f"http://{host if isinstance(host, str) else host.decode()}:{self.port}"
