"""What one AWS answer may cost, and what it must look like: a size cap, a time cap on reading it, and its shape.

Installed on every client the facade creates (`install`):

- Over HTTP the body is read in chunks by a wrapper around the endpoint's HTTP session, and refused as soon as it
  passes `MAX_RESPONSE_BYTES` (a declared Content-Length above the cap is refused before a byte of the body is
  read), or when reading it takes longer than `BODY_DEADLINE` (a read timeout bounds each read, not their sum).
  botocore reads every non-streaming body whole inside `URLLib3Session.send`; no public event runs before that.
- Before parsing (`before-parse`, which also sees the in-process simulator's answers): the same size cap, and a
  success answer must be a JSON object, or empty for an operation that returns nothing.
- After parsing (`after-call`): every member the operation's output shape requires is present. Stock botocore
  turns a body that is not JSON into `{}` (or `{"message": body}`) without a word; an answer without its
  required members is then an error here, never an empty list. (The fast parser in `botocore_speedups` also
  refuses invalid JSON outright.)

The caps: a ListClusterNodes page of 100 nodes is ~50 KB, a DescribeCluster answer a few KB, and a GetLogEvents
answer at most 1 MB of events by the API's own limit; 4 MB refuses nothing real.
"""

from __future__ import annotations

import time
from typing import Any

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
BODY_DEADLINE = 20.0  # seconds from the request to the end of the body
CHUNK = 64 * 1024
ENDPOINT_KEY = "hyperpod_tui_endpoint"  # set in the response dict before parsing, for the parser's errors


class MalformedResponse(Exception):
    """An answer that is not what the operation returns: not JSON, the wrong type, members missing."""

    code = "MalformedResponse"
    lead = "malformed response from"

    def __init__(self, detail: str, *, endpoint: str | None = None, operation: str | None = None) -> None:
        self.detail = detail
        self.endpoint = endpoint
        self.operation = operation
        where = f" ({operation})" if operation else ""
        super().__init__(f"{self.lead} {endpoint or 'the AWS endpoint'}{where}: {detail}")

    def naming(self, endpoint: str | None, operation: str | None) -> MalformedResponse:
        """The same failure, naming where it came from (for one raised where that was not known)."""
        named = type(self).__new__(type(self))
        MalformedResponse.__init__(named, self.detail, endpoint=endpoint, operation=operation)
        return named


class ResponseTooLarge(MalformedResponse):
    code = "ResponseTooLarge"
    lead = "response too large from"

    def __init__(self, size: int | None, *, endpoint: str | None = None, operation: str | None = None) -> None:
        what = f"{size:,} bytes" if size is not None else "a body"
        super().__init__(
            f"{what}, larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB; refused unparsed",
            endpoint=endpoint,
            operation=operation,
        )


class ListingStopped(Exception):
    """A paginated listing hit its page cap or its time cap: what it had is not the whole list."""

    code = "ListingStopped"

    def __init__(self, operation: str, pages: int, why: str) -> None:
        self.operation = operation
        self.pages = pages
        super().__init__(f"listing stopped after {pages} pages ({operation}, {why}); the list is incomplete")


# --- reading the body --------------------------------------------------------------------------------------


class BoundedHttpSession:
    """An endpoint's HTTP session whose non-streaming answers are read in chunks, within the caps."""

    def __init__(self, inner: Any, endpoint: str | None) -> None:
        self._inner = inner
        self._endpoint = endpoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send(self, request: Any) -> Any:
        started = time.monotonic()
        if request.stream_output:
            return self._inner.send(request)
        request.stream_output = True  # the inner session then leaves the body unread
        try:
            response = self._inner.send(request)
        finally:
            request.stream_output = False
        try:
            response._content = self._read(response, request, started)
        except BaseException:
            _discard(response)
            raise
        return response

    def _read(self, response: Any, request: Any, started: float) -> bytes:
        from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
        from urllib3.exceptions import ProtocolError
        from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

        declared = response.headers.get("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise ResponseTooLarge(int(declared), endpoint=self._endpoint)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(CHUNK):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise ResponseTooLarge(None, endpoint=self._endpoint)
                if time.monotonic() - started > BODY_DEADLINE:
                    raise ReadTimeoutError(endpoint_url=request.url, error=f"body not read in {BODY_DEADLINE:g}s")
                chunks.append(chunk)
        except Urllib3ReadTimeout as exc:
            raise ReadTimeoutError(endpoint_url=request.url, error=exc) from exc
        except ProtocolError as exc:
            raise ConnectionClosedError(error=exc, request=request, endpoint_url=request.url) from exc
        return b"".join(chunks)


def _discard(response: Any) -> None:
    """Drop the connection of an answer left unread (returning it to the pool would hand the rest to the next)."""
    raw = getattr(response, "raw", None)
    for name in ("close", "release_conn"):
        method = getattr(raw, name, None)
        if method is not None:
            try:
                method()
            except Exception:  # noqa: BLE001 - best effort on a connection being abandoned anyway
                pass


# --- the answer's shape ------------------------------------------------------------------------------------


def check_body(endpoint: str | None, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """`before-parse`: the size cap and a JSON object for a success answer."""
    if response_dict.get("status_code", 0) >= 300 or operation_model.has_streaming_output:
        return
    response_dict[ENDPOINT_KEY] = endpoint
    body = response_dict.get("body") or b""
    name = operation_model.name
    if len(body) > MAX_RESPONSE_BYTES:
        raise ResponseTooLarge(len(body), endpoint=endpoint, operation=name)
    start = body[:64].lstrip()[:1]
    if not start:
        output = operation_model.output_shape
        if output is not None and output.members:
            raise MalformedResponse("empty body", endpoint=endpoint, operation=name)
        return
    if start != b"{":
        headers = response_dict.get("headers") or {}
        kind = headers.get("content-type") or headers.get("Content-Type") or "no content type"
        raise MalformedResponse(f"{kind} body, not a JSON object", endpoint=endpoint, operation=name)


def check_members(endpoint: str | None, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
    """`after-call`: a success answer has every member its output shape requires."""
    if getattr(http_response, "status_code", 200) >= 300 or model.has_streaming_output:
        return
    output = model.output_shape
    if output is None:
        return
    missing = [name for name in output.required_members if name not in parsed]
    if missing:
        raise MalformedResponse(f"no {', '.join(missing)}", endpoint=endpoint, operation=model.name)


def install(client: Any) -> None:
    """Put the caps and the shape checks on one botocore client."""
    from functools import partial

    endpoint = client.meta.endpoint_url
    inner = getattr(client, "_endpoint", None)
    if inner is not None and hasattr(inner, "http_session"):
        inner.http_session = BoundedHttpSession(inner.http_session, endpoint)
    events = client.meta.events
    events.register("before-parse", partial(check_body, endpoint), unique_id="hyperpod-tui-check-body")
    events.register("after-call", partial(check_members, endpoint), unique_id="hyperpod-tui-check-members")


def strict_json(raw: bytes, endpoint: str | None = None) -> Any:
    """A success body as JSON, or MalformedResponse (stock botocore answers `{"message": body}` instead)."""
    import json

    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise MalformedResponse(f"invalid JSON ({exc})", endpoint=endpoint) from exc
    if not isinstance(value, dict):
        raise MalformedResponse(f"a JSON {type(value).__name__}, not an object", endpoint=endpoint)
    return value
