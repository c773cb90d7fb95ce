"""The local gateway's HTTP/1.1 front: uvicorn (h11) serving an ASGI app, with the hardening of issue 16.

Why uvicorn, and what it does not do itself: docs/decisions/0011-asgi-local-gateway.md. uvicorn owns the
connection loop, keep-alive, pipelining, flow control, chunked streaming responses and the WebSocket
upgrade. `GatewayProtocol` (a subclass of uvicorn's h11 protocol) adds what it lacks:
- no read waits forever: a new connection that sends nothing is closed after `idle_timeout_s` (uvicorn
  only times out kept-alive ones); a request whose head and body have not all arrived
  `request_timeout_s` after its first byte gets 408 (a trickle of bytes does not extend it);
- beyond `max_connections` open connections a new one gets 503 at once;
- every failure of the HTTP layer is an `{"error": {"code", "message"}}` JSON response (uvicorn's own
  400 is plain text): malformed request lines are refused before h11 parses them, h11's refusals are
  mapped to codes, and the head's sizes, method, version, target and framing are checked before the
  app runs (docs/gateway.md has the list);
- a connection closed after an error is half-closed and drained first, so the client reads the answer
  instead of a reset; a client that does not read a response for `write_timeout_s` is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from voiceclone.local.asgi_app import ASGIApp, Handle, HandlerApp, gateway_asgi_app
from voiceclone.local.events import HttpResponse, error_response

logger = logging.getLogger(__name__)

# API Gateway HTTP API answers these methods on ANY routes; others get 405.
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ALLOW_HEADER = ("allow", ", ".join(ALLOWED_METHODS))
REQUEST_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^\s]+ HTTP/[0-9]\.[0-9]")
NOT_IN_A_REQUEST_LINE = re.compile(rb"[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f-\xff]")  # e.g. a TLS handshake


@dataclass(frozen=True)
class ServerLimits:
    """Sizes and timeouts of the HTTP layer; the defaults follow API Gateway's HTTP API quotas."""

    max_head_bytes: int = 10240  # API Gateway: request line + header values together
    max_raw_head_bytes: int = 65536  # what is buffered before a head must be complete (h11's limit)
    max_body_bytes: int = 10 * 1024 * 1024  # API Gateway's payload limit
    idle_timeout_s: float = 5.0  # a new or kept-alive connection that sends nothing is closed
    request_timeout_s: float = 10.0  # first byte of a request to its last, else 408
    write_timeout_s: float = 10.0  # a client that does not read its response is dropped
    handler_timeout_s: float = 30.0  # API Gateway's integration timeout, else 504
    linger_s: float = 1.0  # drain time before closing after an error
    workers: int = 16  # threads running the (synchronous) handlers
    max_connections: int = 512
    backlog: int = 1024
    ws_max_message_bytes: int = 1024 * 1024  # a WebSocket message (text or audio) at most
    ws_ping_interval_s: float = 20.0  # keeps idle WebSockets alive; a peer that misses a pong is closed


class HttpError(Exception):
    """A request the HTTP layer answers itself, then closes the connection."""

    def __init__(self, status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.response = error_response(status, code, message, headers)


class _RecordingConnection(h11.Connection):
    """h11's connection, keeping the last refusal: uvicorn drops it before answering its plain-text 400."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as error:
            self.last_error = error
            raise


class GatewayProtocol(H11Protocol):
    """uvicorn's h11 protocol with the gateway's timeouts, limits and JSON errors (module docstring)."""

    limits: ServerLimits = ServerLimits()  # set per server by `HttpServer` (uvicorn builds protocols itself)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn: _RecordingConnection = _RecordingConnection(
            h11.SERVER, max_incomplete_event_size=self.limits.max_raw_head_bytes)
        self.timeout_keep_alive = self.limits.idle_timeout_s  # type: ignore[assignment]  # call_later takes floats
        self.app = self._checked(self.app)
        self._deadline: asyncio.TimerHandle | None = None
        self._lingering = False
        self._upgraded = False  # the transport belongs to a WebSocket protocol now

    # -- connection events -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn writes a response's head and body apart; with Nagle on, the body waits for the client's
        # delayed ACK (40 ms). asyncio sets TCP_NODELAY only on sockets made with proto=IPPROTO_TCP.
        if (sock := transport.get_extra_info("socket")) is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if len(self.connections) > self.limits.max_connections:
            self.refuse(error_response(
                503, "server_busy", f"The gateway already holds {self.limits.max_connections} connections; retry."))
            return
        # uvicorn arms its keep-alive timer only after a response: a silent new connection would stay.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def data_received(self, data: bytes) -> None:
        if not self._lingering:  # else: drained and dropped
            super().data_received(data)

    def handle_events(self) -> None:
        if self._lingering or self._upgraded:
            return
        if self.conn.their_state is h11.IDLE:  # before h11 parses: our codes for a bad request line
            try:
                _check_request_line(self.conn.trailing_data[0], self.limits)
            except HttpError as error:
                self.refuse(error.response)
                return
        self._update_deadline()
        super().handle_events()
        if not self._upgraded:
            self._update_deadline()

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio.Protocol's: True keeps it open
        if not self._lingering and self.conn.their_state is h11.SEND_BODY and self.conn.our_state is h11.SEND_RESPONSE:
            self.refuse(error_response(400, "incomplete_body", "The connection closed before the whole body arrived."))
            return True  # keep the transport until the answer is written
        return None  # the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """h11 refused the request: the JSON error for its reason instead of uvicorn's plain text."""
        error = self.conn.last_error
        self.refuse(_protocol_error(error).response if error else error_response(400, "malformed_request", msg))

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._upgraded = True
        self._cancel_deadline()  # the WebSocket protocol has its own pings and close timeouts
        super().handle_websocket_upgrade(event)

    # -- refusing ----------------------------------------------------------------------------------
    def refuse(self, response: HttpResponse, head_only: bool = False) -> None:
        """Send `response` with `connection: close`, half-close, drain for `linger_s`, close.

        Closing a socket with unread input makes the kernel send a reset, which can destroy the answer
        before the client reads it; draining first avoids that.
        """
        if self._lingering or self.transport.is_closing():
            return
        self._lingering = True
        self._cancel_deadline()
        self._unset_keepalive_if_required()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app's receive() ends, its sends are dropped
            self.cycle.message_event.set()
        self.transport.write(serialize_closing(response, head_only))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.transport.resume_reading()
        self.loop.call_later(self.limits.linger_s, self.transport.close)

    # -- the request deadline ----------------------------------------------------------------------
    def _update_deadline(self) -> None:
        """Armed from a request's first byte until its last; a request still arriving when it fires gets 408."""
        state = self.conn.their_state
        arriving = state is h11.SEND_BODY or (state is h11.IDLE and bool(self.conn.trailing_data[0]))
        if arriving and self._deadline is None:
            self._deadline = self.loop.call_later(self.limits.request_timeout_s, self._request_timed_out)
        elif not arriving:
            self._cancel_deadline()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _request_timed_out(self) -> None:
        self._deadline = None
        if self.conn.our_state is h11.SEND_BODY:
            return  # the app already answers (a stream that does not wait for the body)
        self.refuse(error_response(
            408, "request_timeout",
            f"The request did not arrive within {self.limits.request_timeout_s:g} s of its first byte."))

    # -- the checks before the app, and the app's sends ---------------------------------------------
    def _checked(self, app: ASGIApp) -> ASGIApp:
        async def checked_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            try:
                _check_head(scope, self.limits)
            except HttpError as error:
                self.refuse(error.response, head_only=scope["method"] == "HEAD")
                return
            await app(scope, receive, self._timed_send(send))

        return checked_app

    def _timed_send(self, send: Any) -> Any:
        async def timed_send(message: dict[str, Any]) -> None:
            if not self.flow.write_paused:  # the common case: the write cannot block
                await send(message)
                return
            try:
                await asyncio.wait_for(send(message), self.limits.write_timeout_s)
            except TimeoutError:
                logger.warning("dropped a client that did not read its response for %g s", self.limits.write_timeout_s)
                if self.cycle is not None:
                    self.cycle.disconnected = True
                self.transport.abort()

        return timed_send


def protocol_for(limits: ServerLimits) -> type[GatewayProtocol]:
    return type("BoundGatewayProtocol", (GatewayProtocol,), {"limits": limits})


class HttpServer:
    """Serves `handle` with uvicorn on `host:port` (0 = a free port) from a background thread.

    Every path goes to `handle` (on `limits.workers` threads) except the prefixes of `mounts`
    ({"/v1": an ASGI app}), which go to their apps: WebSocket and streamed responses live there.
    """

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 8000,
                 limits: ServerLimits | None = None, mounts: Mapping[str, ASGIApp] | None = None) -> None:
        self.handle = handle
        self.limits = limits or ServerLimits()
        self.mounts = dict(mounts or {})
        self._handler_app = HandlerApp(handle, self.limits.workers, self.limits.handler_timeout_s)
        self._socket = socket.create_server((host, port), backlog=self.limits.backlog)
        self.server_address: tuple[str, int] = self._socket.getsockname()[:2]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}"

    @property
    def open_connections(self) -> int:
        return len(self._server.server_state.connections) if self._server else 0

    def mount(self, prefix: str, app: ASGIApp) -> None:
        """Serve `app` under `prefix` (e.g. "/v1"); before `start()`."""
        if self._server is not None:
            raise RuntimeError("mount apps before the server starts")
        self.mounts[prefix] = app

    def start(self) -> None:
        self._server = uvicorn.Server(self._uvicorn_config())
        self._thread = threading.Thread(target=self._run, args=(self._server,), name="gateway", daemon=True)
        self._thread.start()
        for _ in range(1000):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self._server.started:
            raise RuntimeError(f"the gateway did not start serving on {self.url}")

    def stop(self) -> None:
        """Stop accepting, close open connections (in-flight ones get 2 s), close the socket; safe twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()
        self._handler_app.close()

    def _uvicorn_config(self) -> uvicorn.Config:
        limits = self.limits
        return uvicorn.Config(
            gateway_asgi_app(self._handler_app, self.mounts), http=protocol_for(limits), ws="websockets-sansio",
            lifespan="on", backlog=limits.backlog, h11_max_incomplete_event_size=limits.max_raw_head_bytes,
            timeout_keep_alive=max(1, round(limits.idle_timeout_s)), timeout_graceful_shutdown=2,
            ws_max_size=limits.ws_max_message_bytes, ws_ping_interval=limits.ws_ping_interval_s,
            ws_ping_timeout=limits.ws_ping_interval_s, ws_per_message_deflate=False,
            log_config=None, access_log=False, server_header=False, proxy_headers=False,
        )

    def _run(self, server: uvicorn.Server) -> None:
        try:
            asyncio.run(server.serve(sockets=[self._socket]))
        except BaseException:  # SystemExit on a failed lifespan startup included
            logger.exception("the gateway's server stopped")


def _check_request_line(buffered: bytes, limits: ServerLimits) -> None:
    """Refuse a bad request line as soon as it is complete (an HTTP/0.9 `GET /` would otherwise wait)."""
    end = buffered.find(b"\n")
    line = buffered if end < 0 else buffered[:end].rstrip(b"\r")
    if len(line) > limits.max_head_bytes:
        raise HttpError(414, "uri_too_long", f"The request line is longer than {limits.max_head_bytes} bytes.")
    if (end >= 0 and not REQUEST_LINE.fullmatch(line)) or NOT_IN_A_REQUEST_LINE.search(line):
        raise HttpError(400, "malformed_request_line",
                        "The request line must be 'METHOD /path HTTP/1.1' (HTTP/0.9 is not supported).")


def _check_head(scope: dict[str, Any], limits: ServerLimits) -> None:
    """What API Gateway refuses before an integration runs; normalises an absolute-form target in `scope`."""
    method, headers = scope["method"], scope["headers"]
    if scope["http_version"] not in ("1.0", "1.1"):
        raise HttpError(400, "unsupported_http_version",
                        f"HTTP/{scope['http_version']} is not supported; use HTTP/1.1.")
    target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
    size = len(method) + len(target) + len(b"HTTP/1.1") + 2
    if size > limits.max_head_bytes:
        raise HttpError(414, "uri_too_long", f"The request line is longer than {limits.max_head_bytes} bytes.")
    if size + sum(len(value) for _, value in headers) > limits.max_head_bytes:
        raise HttpError(431, "headers_too_large",
                        f"The request line and header values exceed {limits.max_head_bytes} bytes together.")
    if method not in ALLOWED_METHODS:
        raise HttpError(405, "method_not_allowed", f"Method {method} is not supported; use one of "
                        f"{', '.join(ALLOWED_METHODS)}.", (ALLOW_HEADER,))
    _normalise_target(scope)
    if any(name == b"transfer-encoding" for name, _ in headers):
        raise HttpError(411, "length_required", "Send a Content-Length; chunked bodies are not accepted.")
    length = next((int(value) for name, value in headers if name == b"content-length"), 0)
    if length > limits.max_body_bytes:
        raise HttpError(413, "payload_too_large", f"Request bodies are limited to {limits.max_body_bytes} bytes.")


def _normalise_target(scope: dict[str, Any]) -> None:
    """Origin form (`/a?b`) stays; absolute form (`http://host/a?b`) becomes its path; `*` stays (no route)."""
    raw: bytes = scope["raw_path"]
    if raw == b"*" or raw.startswith(b"/"):
        return
    text = raw.decode("latin-1")
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""))
        scope["raw_path"] = (parts.path or "/").encode("latin-1")
        scope["path"] = parts.path or "/"
        scope["query_string"] = parts.query.encode("latin-1")
        return
    raise HttpError(400, "malformed_request_target", "The request target must be a path starting with '/'.")


def _protocol_error(error: h11.RemoteProtocolError) -> HttpError:
    reason = str(error)
    if "Content-Length" in reason:
        return HttpError(400, "bad_content_length", "Content-Length must be one non-negative integer.")
    if "Transfer-Encoding" in reason:
        return HttpError(411, "length_required", "Send a Content-Length; chunked bodies are not accepted.")
    if error.error_status_hint == 431:
        return HttpError(431, "headers_too_large", "The request head is too large.")
    return HttpError(400, "malformed_request", f"The request is not valid HTTP/1.1: {reason[:200]}.")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def serialize_closing(response: HttpResponse, head_only: bool = False) -> bytes:
    """A whole response with `connection: close`, written without h11 (its state may be ERROR here)."""
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
    lines += [f"{name}: {value}" for name, value in response.headers
              if name.lower() not in ("content-length", "connection", "transfer-encoding")]
    lines += [f"content-length: {len(response.body)}", "connection: close"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + response.body
