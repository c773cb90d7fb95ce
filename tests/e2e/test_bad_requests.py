"""A bad-request corpus sent over raw sockets to the local gateway in front of the real API (an in-process
LocalStack): every case gets a JSON error in the documented shape, or a prompt close, never a hang.

The corpus runs against a second `GatewayServer` on the stack's own `Gateway` with one-second timeouts
(the same code as `make run`, shorter clocks); `test_the_default_limits_time_out_stalled_requests`
checks the stack's own server with its default limits.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceclone.local.gateway import GatewayServer
from voiceclone.local.http_server import ServerLimits
from voiceclone.local.stack import LocalConfig, LocalStack

SHORT = ServerLimits(idle_timeout_s=1.0, request_timeout_s=1.0, linger_s=0.2)
HANG_GUARD_S = 8.0  # a socket read this long means the server hung: the test fails instead of waiting


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[LocalStack]:
    config = LocalConfig(data_dir=Path(tmp_path_factory.mktemp("bad-requests")), port=0, run_demo=False)
    with LocalStack(config) as running:
        yield running


@pytest.fixture(scope="module")
def server(stack) -> Iterator[GatewayServer]:
    assert stack.gateway is not None
    short = GatewayServer(stack.gateway.gateway, "127.0.0.1", 0, SHORT)
    short.start()
    yield short
    short.stop()


@pytest.fixture(scope="module")
def token(stack) -> str:
    return stack.issue_token("corpus-user")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error_code(self) -> str:
        assert self.headers.get("content-type") == "application/json", self
        document = json.loads(self.body)
        assert set(document) == {"error"} and set(document["error"]) == {"code", "message"}, document
        assert document["error"]["message"], document
        return document["error"]["code"]


@dataclass
class Exchange:
    replies: list[Reply]
    closed: bool  # the server closed the connection (EOF) before HANG_GUARD_S
    raw: bytes


def parse_replies(raw: bytes, head_only: tuple[int, ...] = ()) -> list[Reply]:
    """The responses in `raw`, in order; indexes in `head_only` answered a HEAD (no body follows)."""
    replies, rest = [], raw
    while rest:
        head, separator, rest = rest.partition(b"\r\n\r\n")
        assert separator, f"incomplete response head: {head!r}"
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, status, _ = status_line.split(" ", 2)
        assert version == "HTTP/1.1", status_line
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if len(replies) in head_only or status.startswith("1") else int(headers["content-length"])
        replies.append(Reply(int(status), headers, rest[:length]))
        rest = rest[length:]
    return replies


def exchange(address, *pieces: bytes, pause_s: float = 0.0, shut_write: bool = False,
             head_only: tuple[int, ...] = ()) -> Exchange:
    """Send `pieces` (pausing between them), then read until the server closes or HANG_GUARD_S passes."""
    with socket.create_connection(address, timeout=HANG_GUARD_S) as sock:
        for index, piece in enumerate(pieces):
            if index and pause_s:
                time.sleep(pause_s)
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed mid-send: read what it said
        if shut_write:
            sock.shutdown(socket.SHUT_WR)
        raw, closed = b"", False
        try:
            while chunk := sock.recv(65536):
                raw += chunk
            closed = True
        except TimeoutError:
            pass
    return Exchange(parse_replies(raw, head_only), closed, raw)


def single_error(result: Exchange) -> tuple[int, str]:
    assert result.closed, f"the server did not close the connection within {HANG_GUARD_S} s: {result.raw!r}"
    assert len(result.replies) == 1, result.raw
    (reply,) = result.replies
    assert reply.headers.get("connection") == "close", reply
    return reply.status, reply.error_code()


HOST = b"Host: localhost\r\n"
BIG = 20_000

# (case, bytes sent, expected status, expected error code): answered and closed.
CORPUS = [
    ("stalled body", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n{}", 408,
     "request_timeout"),
    ("declared body never sent", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: 10\r\n\r\n", 408,
     "request_timeout"),
    ("stalled header", b"GET /api/me HTTP/1.1\r\n" + HOST + b"X-Half: ab", 408, "request_timeout"),
    ("request line without end", b"GET /api/me HTTP/1.1", 408, "request_timeout"),
    ("HTTP/0.9 request line", b"GET /\r\n", 400, "malformed_request_line"),
    ("HTTP/0.9 request line and blank line", b"GET /api/me\r\n\r\n", 400, "malformed_request_line"),
    ("garbage request line", b"HELLO\r\n\r\n", 400, "malformed_request_line"),
    ("no space before the version", b"GET /HTTP/1.1\r\n" + HOST + b"\r\n", 400, "malformed_request_line"),
    ("lower-case version", b"GET / http/1.1\r\n" + HOST + b"\r\n", 400, "malformed_request_line"),
    ("a TLS handshake", bytes.fromhex("16030100a5010000a10303") + bytes(16), 400, "malformed_request_line"),
    ("empty request line", b"\r\n\r\n", 400, "malformed_request_line"),
    ("non-ASCII target", "GET /ä HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400, "malformed_request_line"),
    ("HTTP/2.0 version", b"GET / HTTP/2.0\r\n" + HOST + b"\r\n", 400, "unsupported_http_version"),
    ("HTTP/2 prior knowledge", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "unsupported_http_version"),
    ("no Host header", b"GET /api/me HTTP/1.1\r\n\r\n", 400, "malformed_request"),
    ("header line without a colon", b"GET / HTTP/1.1\r\n" + HOST + b"Not a header\r\n\r\n", 400,
     "malformed_request"),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed_request"),
    ("NUL in a header value", b"GET / HTTP/1.1\r\n" + HOST + b"X: a\x00b\r\n\r\n", 400, "malformed_request"),
    ("target not a path", b"GET api/me HTTP/1.1\r\n" + HOST + b"\r\n", 400, "malformed_request_target"),
    ("huge URI", b"GET /api/" + b"a" * BIG + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "uri_too_long"),
    ("huge URI, line unfinished", b"GET /api/" + b"a" * BIG, 414, "uri_too_long"),
    ("huge query", b"GET /api/voices?q=" + b"a" * BIG + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "uri_too_long"),
    ("huge header", b"GET /api/me HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * BIG + b"\r\n\r\n", 431,
     "headers_too_large"),
    ("many headers", b"GET /api/me HTTP/1.1\r\n" + HOST + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 40)
                                                                   for i in range(400)) + b"\r\n", 431,
     "headers_too_large"),
    ("endless unfinished head", b"GET /api/me HTTP/1.1\r\n" + b"X-Pad: aaaaaaaaaa\r\n" * 5000, 431,
     "headers_too_large"),
    ("negative Content-Length", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: -5\r\n\r\n{}", 400,
     "bad_content_length"),
    ("non-numeric Content-Length", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: abc\r\n\r\n{}",
     400, "bad_content_length"),
    ("plus-signed Content-Length", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: +2\r\n\r\n{}",
     400, "bad_content_length"),
    ("conflicting Content-Lengths", b"POST /api/samples HTTP/1.1\r\n" + HOST
     + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "bad_content_length"),
    ("Content-Length over 10 MB", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: 10485761\r\n\r\n",
     413, "payload_too_large"),
    ("chunked body", b"POST /api/samples HTTP/1.1\r\n" + HOST
     + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 411, "length_required"),
    ("chunked and Content-Length", b"POST /api/samples HTTP/1.1\r\n" + HOST
     + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}", 411, "length_required"),
    ("gzip transfer coding", b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\n", 411,
     "length_required"),
    ("TRACE", b"TRACE /api/me HTTP/1.1\r\n" + HOST + b"\r\n", 405, "method_not_allowed"),
    ("CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405, "method_not_allowed"),
    ("unknown method", b"BREW /api/me HTTP/1.1\r\n" + HOST + b"\r\n", 405, "method_not_allowed"),
    ("lower-case method", b"get /api/me HTTP/1.1\r\n" + HOST + b"\r\n", 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("case", "data", "status", "code"), CORPUS, ids=[case for case, *_ in CORPUS])
def test_bad_request_gets_a_json_error_and_a_close(server, case, data, status, code):
    assert single_error(exchange(server.server_address, data)) == (status, code)


def test_405_names_the_allowed_methods(server):
    (reply,) = exchange(server.server_address, b"TRACE / HTTP/1.1\r\n" + HOST + b"\r\n").replies
    assert reply.headers["allow"] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


def test_body_cut_short_by_the_client_is_a_400(server):
    result = exchange(server.server_address,
                      b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n{\"na", shut_write=True)
    assert single_error(result) == (400, "incomplete_body")


def test_slowloris_trickle_still_times_out(server):
    """Bytes that keep coming, slowly, do not extend the request's deadline."""
    head = b"GET /api/me HTTP/1.1\r\n" + HOST + b"X-Slow: " + b"a" * 12
    started = time.monotonic()
    result = exchange(server.server_address, *[bytes([byte]) for byte in head], pause_s=0.1)
    assert single_error(result) == (408, "request_timeout")
    assert time.monotonic() - started < HANG_GUARD_S


def test_a_connection_that_sends_nothing_is_closed_without_a_reply(server):
    result = exchange(server.server_address)
    assert result.closed and result.raw == b""


def test_head_answers_like_get_without_a_body(server, token):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    get = exchange(server.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST + auth + b"Connection: close\r\n\r\n")
    head = exchange(server.server_address, b"HEAD /api/me HTTP/1.1\r\n" + HOST + auth + b"Connection: close\r\n\r\n",
                    head_only=(0,))
    (got,), (headed,) = get.replies, head.replies
    assert got.status == headed.status == 200
    assert json.loads(got.body)["user_id"] == "corpus-user"
    assert headed.headers["content-length"] == got.headers["content-length"] != "0"
    assert head.raw.endswith(b"\r\n\r\n"), "a HEAD reply must carry no body"


def test_head_of_an_unknown_route_is_the_same_404_without_a_body(server):
    result = exchange(server.server_address, b"HEAD /nowhere HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n",
                      head_only=(0,))
    (reply,) = result.replies
    assert reply.status == 404 and reply.body == b"" and int(reply.headers["content-length"]) > 0


@pytest.mark.parametrize("path", [b"/nowhere", b"/api", b"/apix", b"/api/me-not"])
def test_unknown_route_is_404_route_not_found(server, token, path):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    result = exchange(server.server_address, b"GET " + path + b" HTTP/1.1\r\n" + HOST + auth
                      + b"Connection: close\r\n\r\n")
    (reply,) = result.replies
    assert (reply.status, reply.error_code()) == (404, "route_not_found")


def test_options_asterisk_is_no_route(server):
    (reply,) = exchange(server.server_address, b"OPTIONS * HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n").replies
    assert (reply.status, reply.error_code()) == (404, "route_not_found")


def test_pipelined_requests_are_answered_in_order(server, token):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    requests = (b"GET /api/me HTTP/1.1\r\n" + HOST + auth + b"\r\n"
                + b"HEAD /api/voices HTTP/1.1\r\n" + HOST + auth + b"\r\n"
                + b"GET /api/me HTTP/1.1\r\n" + HOST + b"\r\n"
                + b"GET /nowhere HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    result = exchange(server.server_address, requests, head_only=(1,))
    assert result.closed
    assert [reply.status for reply in result.replies] == [200, 200, 401, 404]
    assert json.loads(result.replies[0].body)["user_id"] == "corpus-user"
    assert result.replies[2].error_code() == "missing_token"


def test_pipelined_good_request_then_garbage(server, token):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    result = exchange(server.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST + auth + b"\r\nGET /\r\n")
    assert result.closed
    assert [reply.status for reply in result.replies] == [200, 400]
    assert result.replies[1].error_code() == "malformed_request_line"


def test_kept_alive_connection_closes_after_the_idle_timeout(server, token):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    result = exchange(server.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST + auth + b"\r\n")
    assert result.closed and [reply.status for reply in result.replies] == [200]


def test_absolute_form_target_reaches_its_route(server, token):
    auth = f"Authorization: Bearer {token}\r\n".encode()
    result = exchange(server.server_address, b"GET http://localhost/api/me HTTP/1.1\r\n" + HOST + auth
                      + b"Connection: close\r\n\r\n")
    assert [reply.status for reply in result.replies] == [200]


def test_expect_100_continue_gets_continue_then_the_answer(server, token):
    body = json.dumps({"name": "x"}).encode()
    head = (b"POST /api/samples HTTP/1.1\r\n" + HOST + f"Authorization: Bearer {token}\r\n".encode()
            + b"Content-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body))
    with socket.create_connection(server.server_address, timeout=HANG_GUARD_S) as sock:
        sock.sendall(head)
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    (reply,) = parse_replies(raw)
    assert 400 <= reply.status < 500 and reply.error_code()  # the handler's validation error, as JSON


def test_http_1_0_is_answered_and_closed(server, token):
    result = exchange(server.server_address,
                      b"GET /api/me HTTP/1.0\r\n" + f"Authorization: Bearer {token}\r\n\r\n".encode())
    assert result.closed and [reply.status for reply in result.replies] == [200]


def test_token_with_a_numeric_string_exp_is_refused_over_the_wire(stack, server):
    import jwt

    key = stack.signing_key
    now = int(time.time())
    claims = {"sub": "mallory", "iss": key.issuer, "aud": key.audience, "iat": now, "exp": str(now + 600)}
    forged = jwt.api_jws.PyJWS().encode(json.dumps(claims).encode(), key._private_key, algorithm="RS256",
                                        headers={"kid": key.kid, "typ": "JWT"})
    result = exchange(server.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST
                      + f"Authorization: Bearer {forged}\r\nConnection: close\r\n\r\n".encode())
    (reply,) = result.replies
    assert (reply.status, reply.error_code()) == (401, "invalid_claim")
    assert reply.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_stalled_connections_hold_no_threads_and_do_not_block_others(server, token):
    """200 connections stuck mid-header: the thread count stays put and a real request still answers."""
    threads_before = threading.active_count()
    stalled = [socket.create_connection(server.server_address, timeout=HANG_GUARD_S) for _ in range(200)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Stall: ")
        auth = f"Authorization: Bearer {token}\r\n".encode()
        result = exchange(server.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST + auth
                          + b"Connection: close\r\n\r\n")
        assert [reply.status for reply in result.replies] == [200]
        assert threading.active_count() <= threads_before + SHORT.workers
        replies = [sock.recv(65536) for sock in stalled]  # each stalled one gets its 408, none hangs
        assert all(reply.startswith(b"HTTP/1.1 408 ") for reply in replies)
    finally:
        for sock in stalled:
            sock.close()


def test_beyond_max_connections_a_new_one_gets_503_at_once(stack):
    assert stack.gateway is not None
    limits = ServerLimits(idle_timeout_s=1.0, request_timeout_s=1.0, linger_s=0.2, max_connections=8)
    small = GatewayServer(stack.gateway.gateway, "127.0.0.1", 0, limits)
    small.start()
    held = [socket.create_connection(small.server_address, timeout=HANG_GUARD_S) for _ in range(8)]
    try:
        for sock in held:
            sock.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\n")
        deadline = time.monotonic() + HANG_GUARD_S
        while small.open_connections < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        result = exchange(small.server_address, b"GET /api/me HTTP/1.1\r\n" + HOST + b"\r\n")
        assert single_error(result) == (503, "server_busy")
    finally:
        for sock in held:
            sock.close()
        small.stop()


def test_the_default_limits_time_out_stalled_requests(stack):
    """`make run`'s own server (default limits): a stalled body gets its 408 after request_timeout_s."""
    limits = ServerLimits()
    assert stack.gateway is not None and stack.gateway.limits == limits
    started = time.monotonic()
    with socket.create_connection(stack.gateway.server_address, timeout=limits.request_timeout_s + 10) as sock:
        sock.sendall(b"POST /api/samples HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n{}")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    (reply,) = parse_replies(raw)
    assert (reply.status, reply.error_code()) == (408, "request_timeout")
    assert limits.request_timeout_s <= time.monotonic() - started < limits.request_timeout_s + 10
