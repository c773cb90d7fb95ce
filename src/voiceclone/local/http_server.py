"""The local gateway's HTTP/1.1 front: asyncio connections parsed by h11, handlers on a bounded thread pool.

Why not `http.server` or uvicorn: see docs/decisions/0008-local-gateway-server.md. What it guarantees:
- no read waits forever: a connection that sends nothing is closed after `idle_timeout_s`; a request
  whose head and body have not all arrived `request_timeout_s` after its first byte gets 408;
- waiting connections cost no thread: only complete requests reach the `workers` threads, and beyond
  `max_connections` open connections a new one gets 503 at once;
- every failure of the HTTP layer is an `{"error": {"code", "message"}}` JSON response (see
  docs/gateway.md for the list), and a connection closed after an error is half-closed and drained
  first, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import h11

from voiceclone.local.events import HttpRequest, HttpResponse, error_response

logger = logging.getLogger(__name__)

# API Gateway HTTP API answers these methods on ANY routes; others get 405.
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ALLOW_HEADER = ("allow", ", ".join(ALLOWED_METHODS))
REQUEST_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [^\s]+ HTTP/[0-9]\.[0-9]")
NOT_IN_A_REQUEST_LINE = re.compile(rb"[\x00-\x08\x0a-\x0c\x0e-\x1f\x7f-\xff]")  # e.g. a TLS handshake
READ_CHUNK = 65536


@dataclass(frozen=True)
class ServerLimits:
    """Sizes and timeouts of the HTTP layer; the defaults follow API Gateway's HTTP API quotas."""

    max_head_bytes: int = 10240  # API Gateway: request line + header values together
    max_raw_head_bytes: int = 65536  # what is buffered before a head must be complete
    max_body_bytes: int = 10 * 1024 * 1024  # API Gateway's payload limit
    idle_timeout_s: float = 5.0  # a new or kept-alive connection that sends nothing is closed
    request_timeout_s: float = 10.0  # first byte of a request to its last, else 408
    write_timeout_s: float = 10.0  # a client that does not read its response is dropped
    handler_timeout_s: float = 30.0  # API Gateway's integration timeout, else 504
    linger_s: float = 1.0  # drain time before closing after an error
    workers: int = 16
    max_connections: int = 512
    backlog: int = 1024


class HttpError(Exception):
    """A request the HTTP layer answers itself, then closes the connection."""

    def __init__(self, status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.response = error_response(status, code, message, headers)


class _Timeout(Exception):
    """No (more) bytes in time; `started` tells a stalled request (408) from an idle connection."""

    def __init__(self, started: bool) -> None:
        self.started = started


Handle = Callable[[HttpRequest], HttpResponse]


class HttpServer:
    """Serves `handle` on `host:port` (0 = a free port) from a background thread."""

    def __init__(self, handle: Handle, host: str = "127.0.0.1", port: int = 8000,
                 limits: ServerLimits | None = None) -> None:
        self.handle = handle
        self.limits = limits or ServerLimits()
        self._socket = socket.create_server((host, port), backlog=self.limits.backlog)
        self.server_address: tuple[str, int] = self._socket.getsockname()[:2]
        self._pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="gateway-worker")
        self._connections: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}"

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the gateway did not start serving on {self.url}")

    def stop(self) -> None:
        """Stop accepting, cancel open connections, close the socket; safe to call twice."""
        loop, self._loop = self._loop, None
        if loop is not None and self._stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(5)
        # Running handlers finish on their own (a thread cannot be stopped); queued ones are dropped.
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._socket.close()

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        # start_server listens again with its own backlog (default 100): pass ours.
        server = await asyncio.start_server(self._accept, sock=self._socket, backlog=self.limits.backlog)
        self._ready.set()
        async with server:
            await self._stopped.wait()
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._connections) >= self.limits.max_connections:
            await self._close_with(writer, reader, error_response(
                503, "server_busy", f"The gateway already holds {self.limits.max_connections} connections; retry."))
            return
        self._connections.add(task)
        try:
            await _Connection(self, reader, writer).serve()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except Exception:
            logger.exception("gateway connection failed")
        finally:
            self._connections.discard(task)
            writer.close()

    async def _close_with(self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader,
                          response: HttpResponse, head_only: bool = False) -> None:
        """Send `response` with `connection: close`, half-close, drain what the client still sends, close.

        Closing a socket with unread input makes the kernel send a reset, which can destroy the answer
        before the client reads it; draining for `linger_s` first avoids that.
        """
        with contextlib.suppress(ConnectionError, TimeoutError, OSError):
            writer.write(serialize_closing(response, head_only))
            await asyncio.wait_for(writer.drain(), self.limits.write_timeout_s)
            if writer.can_write_eof():
                writer.write_eof()
            deadline = time.monotonic() + self.limits.linger_s
            while (left := deadline - time.monotonic()) > 0:
                drained: bytes = await asyncio.wait_for(reader.read(READ_CHUNK), left)
                if not drained:
                    break
        writer.close()


class _Connection:
    """One client connection: requests in order (pipelined ones too), one at a time."""

    def __init__(self, server: HttpServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server, self.limits = server, server.limits
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=self.limits.max_raw_head_bytes)
        peer = writer.get_extra_info("peername")
        self.source_ip = peer[0] if peer else "127.0.0.1"
        self._started: float | None = None  # when the current request's first byte arrived

    async def serve(self) -> None:
        while True:
            method = "GET"
            try:
                request = await self._read_request()
                if request is None:
                    return  # closed, or idle too long
                method = request.method
                response = await self._respond(request)
            except HttpError as error:
                await self.server._close_with(self.writer, self.reader, error.response, head_only=method == "HEAD")
                return
            except _Timeout as timeout:
                if timeout.started:
                    await self.server._close_with(self.writer, self.reader, error_response(
                        408, "request_timeout",
                        f"The request did not arrive within {self.limits.request_timeout_s:g} s of its first byte."))
                return
            if not await self._send(response, head_only=method == "HEAD"):
                return

    # -- reading -----------------------------------------------------------------------------------
    async def _read_request(self) -> HttpRequest | None:
        self._started = time.monotonic() if self.h11.trailing_data[0] else None  # pipelined bytes
        event = await self._next_event()
        if isinstance(event, h11.ConnectionClosed):
            return None
        assert isinstance(event, h11.Request), event
        method = event.method.decode("ascii")
        _check_head(event, self.limits)
        if method not in ALLOWED_METHODS:
            raise HttpError(405, "method_not_allowed", f"Method {method} is not supported; use one of "
                            f"{', '.join(ALLOWED_METHODS)}.", (ALLOW_HEADER,))
        path, query = _split_target(event.target)
        if self.h11.they_are_waiting_for_100_continue:
            await self._write(self.h11.send(h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")))
        body = await self._read_body()
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers.raw_items()]
        return HttpRequest(method, path, query, headers, body, self.source_ip)

    async def _read_body(self) -> bytes:
        body = bytearray()
        while isinstance(event := await self._next_event(), h11.Data):
            body += event.data
        assert isinstance(event, h11.EndOfMessage), event
        return bytes(body)

    async def _next_event(self) -> h11.Event:
        while True:
            if self.h11.their_state is h11.IDLE:  # before h11 parses: our codes for a bad request line
                _check_request_line(self.h11.trailing_data[0], self.limits)
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as error:
                raise _protocol_error(error) from None
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            data = await self._receive()
            if not data and self.h11.their_state is h11.SEND_BODY:
                raise HttpError(400, "incomplete_body", "The connection closed before the whole body arrived.")
            self.h11.receive_data(data)

    async def _receive(self) -> bytes:
        if self._started is None:
            timeout, started = self.limits.idle_timeout_s, False
        else:
            timeout, started = self._started + self.limits.request_timeout_s - time.monotonic(), True
        try:
            data = await asyncio.wait_for(self.reader.read(READ_CHUNK), max(timeout, 0))
        except TimeoutError:
            raise _Timeout(started) from None
        if data and self._started is None:
            self._started = time.monotonic()
        return data

    # -- answering ---------------------------------------------------------------------------------
    async def _respond(self, request: HttpRequest) -> HttpResponse:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.server._pool, self.server.handle, request),
                                          self.limits.handler_timeout_s)
        except TimeoutError:
            return error_response(504, "gateway_timeout",
                                  f"The handler did not answer within {self.limits.handler_timeout_s:g} s.")
        except Exception:
            logger.exception("gateway failed on %s %s", request.method, request.path)
            return error_response(500, "internal_error", "The gateway failed; see the server log.")

    async def _send(self, response: HttpResponse, head_only: bool) -> bool:
        """Send a response; True when the connection stays open for the next request."""
        headers = [(name, value) for name, value in response.headers
                   if name.lower() not in ("content-length", "connection", "transfer-encoding")]
        headers.append(("content-length", str(len(response.body))))
        try:
            data = self.h11.send(h11.Response(status_code=response.status, headers=headers,
                                              reason=_reason(response.status)))
        except h11.LocalProtocolError as error:  # e.g. a newline in a header value from the handler
            logger.error("invalid response from the handler: %s", error)
            await self.server._close_with(self.writer, self.reader, error_response(
                502, "invalid_handler_response", "The handler returned a response HTTP cannot carry."), head_only)
            return False
        if not head_only and response.body:
            data += self.h11.send(h11.Data(data=response.body))
        data += self.h11.send(h11.EndOfMessage())
        await self._write(data)
        if self.h11.our_state is h11.MUST_CLOSE or self.h11.their_state is not h11.DONE:
            return False
        self.h11.start_next_cycle()
        return True

    async def _write(self, data: bytes) -> None:
        self.writer.write(data)
        try:
            await asyncio.wait_for(self.writer.drain(), self.limits.write_timeout_s)
        except TimeoutError:
            raise ConnectionError("the client does not read its response") from None


def _check_request_line(buffered: bytes, limits: ServerLimits) -> None:
    """Refuse a bad request line as soon as it is complete (an HTTP/0.9 `GET /` would otherwise wait)."""
    end = buffered.find(b"\n")
    line = buffered if end < 0 else buffered[:end].rstrip(b"\r")
    if len(line) > limits.max_head_bytes:
        raise HttpError(414, "uri_too_long", f"The request line is longer than {limits.max_head_bytes} bytes.")
    if (end >= 0 and not REQUEST_LINE.fullmatch(line)) or NOT_IN_A_REQUEST_LINE.search(line):
        raise HttpError(400, "malformed_request_line",
                        "The request line must be 'METHOD /path HTTP/1.1' (HTTP/0.9 is not supported).")


def _check_head(event: h11.Request, limits: ServerLimits) -> None:
    if event.http_version not in (b"1.0", b"1.1"):
        raise HttpError(400, "unsupported_http_version",
                        f"HTTP/{event.http_version.decode()} is not supported; use HTTP/1.1.")
    size = len(event.method) + len(event.target) + len(b"HTTP/1.1") + 2
    if size > limits.max_head_bytes:
        raise HttpError(414, "uri_too_long", f"The request line is longer than {limits.max_head_bytes} bytes.")
    size += sum(len(value) for _, value in event.headers)
    if size > limits.max_head_bytes:
        raise HttpError(431, "headers_too_large",
                        f"The request line and header values exceed {limits.max_head_bytes} bytes together.")
    if any(name == b"transfer-encoding" for name, _ in event.headers):
        raise HttpError(411, "length_required", "Send a Content-Length; chunked bodies are not accepted.")
    length = next((int(value) for name, value in event.headers if name == b"content-length"), 0)
    if length > limits.max_body_bytes:
        raise HttpError(413, "payload_too_large", f"Request bodies are limited to {limits.max_body_bytes} bytes.")


def _split_target(target: bytes) -> tuple[str, str]:
    """Path and query of an origin-form (`/a?b`) or absolute-form (`http://host/a?b`) target."""
    text = target.decode("latin-1")
    if text == "*":  # OPTIONS *: no route serves the whole server
        return text, ""
    if text.startswith("/"):
        path, _, query = text.partition("?")
        return path, query
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text)
        return parts.path or "/", parts.query
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


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def serialize_closing(response: HttpResponse, head_only: bool = False) -> bytes:
    """A whole response with `connection: close`, written without h11 (its state may be ERROR here)."""
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status).decode()}"]
    lines += [f"{name}: {value}" for name, value in response.headers
              if name.lower() not in ("content-length", "connection", "transfer-encoding")]
    lines += [f"content-length: {len(response.body)}", "connection: close"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + response.body
