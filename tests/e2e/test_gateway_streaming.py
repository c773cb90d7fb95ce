"""Streamed responses and WebSocket through the local gateway (uvicorn): an app mounted at `/v1` beside
the API handlers on the same port, over real sockets (httpx, the `websockets` client).

The mounted app is a small Starlette app of this test (the real-time app's own tests are in
tests/integration/realtime; tests/e2e/test_realtime_mount.py checks that the local stack mounts it).
"""

from __future__ import annotations

import asyncio
import json
import time
import types

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from voiceclone import auth
from voiceclone.local.gateway import Gateway, GatewayServer, RouteTable
from voiceclone.local.http_server import ServerLimits

ISSUER, AUDIENCE = "http://127.0.0.1:8000/auth", "voiceclone"
LIMITS = ServerLimits(idle_timeout_s=1.0, request_timeout_s=1.0, linger_s=0.2)


class StreamProbe:
    """A streamed response that sends its second chunk only once the test has read the first."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.release: asyncio.Event | None = None

    async def endpoint(self, request: Request) -> StreamingResponse:
        self.loop, self.release = asyncio.get_running_loop(), asyncio.Event()
        release = self.release

        async def chunks():
            yield b"first chunk\n"
            await release.wait()
            for index in range(3):
                await asyncio.sleep(0.4)  # the whole stream outlasts the 1 s request timeout
                yield f"chunk {index}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    def let_it_finish(self) -> None:
        assert self.loop is not None and self.release is not None
        self.loop.call_soon_threadsafe(self.release.set)


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await websocket.send_text(json.dumps({"echo": message["text"], "path": websocket.url.path}))
        else:
            await websocket.send_bytes(message["bytes"][::-1])


@pytest.fixture(scope="module")
def probe() -> StreamProbe:
    return StreamProbe()


@pytest.fixture(scope="module")
def server(tmp_path_factory, probe):
    key = auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)
    module = types.ModuleType("things")
    module.lambda_handler = lambda event, context: {"statusCode": 200, "headers": {"content-type": "application/json"},
                                                    "body": json.dumps({"path": event["rawPath"]})}
    gateway = Gateway(RouteTable.from_mapping({"things": ["/api/things"]}), key.verifier(), key.jwks(),
                      load_module={"things": module}.__getitem__)
    mounted = Starlette(routes=[Route("/v1/stream", probe.endpoint), WebSocketRoute("/v1/echo", echo)])
    running = GatewayServer(gateway, "127.0.0.1", 0, LIMITS)
    running.mount("/v1", mounted)
    running.start()
    running.token = key.issue_token("alice")
    yield running
    running.stop()


def test_a_streamed_response_arrives_chunk_by_chunk(server, probe):
    with httpx.Client(base_url=server.url, timeout=10) as client, client.stream("GET", "/v1/stream") as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        pieces = response.iter_raw()
        first = next(pieces)
        # read before the app may go on: the first chunk was not held back until the end
        assert first == b"first chunk\n"
        probe.let_it_finish()
        rest = b"".join(pieces)
    assert rest == b"chunk 0\nchunk 1\nchunk 2\n"


def test_the_api_answers_on_the_same_port_while_a_stream_is_open(server, probe):
    with httpx.Client(base_url=server.url, timeout=10) as client, client.stream("GET", "/v1/stream") as response:
        pieces = response.iter_raw()
        assert next(pieces) == b"first chunk\n"
        api = httpx.get(f"{server.url}/api/things/x", headers={"Authorization": f"Bearer {server.token}"}, timeout=10)
        assert (api.status_code, api.json()) == (200, {"path": "/api/things/x"})
        probe.let_it_finish()
        assert b"".join(pieces).endswith(b"chunk 2\n")


def test_a_websocket_upgrade_reaches_the_mounted_app(server):
    with connect(server.url.replace("http://", "ws://") + "/v1/echo", open_timeout=5) as websocket:
        websocket.send("hello")
        assert json.loads(websocket.recv(timeout=5)) == {"echo": "hello", "path": "/v1/echo"}
        websocket.send(b"\x01\x02\x03")
        assert websocket.recv(timeout=5) == b"\x03\x02\x01"
        time.sleep(LIMITS.request_timeout_s + LIMITS.idle_timeout_s)  # no HTTP timeout applies to a WebSocket
        websocket.send("still here")
        assert json.loads(websocket.recv(timeout=5))["echo"] == "still here"


@pytest.mark.parametrize("path", ["/api/things", "/elsewhere"])
def test_a_websocket_outside_the_mounted_app_is_a_json_404_at_the_handshake(server, path):
    with pytest.raises(InvalidStatus) as refused:
        connect(server.url.replace("http://", "ws://") + path, open_timeout=5)
    response = refused.value.response
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    assert json.loads(response.body)["error"]["code"] == "route_not_found"
    assert httpx.get(f"{server.url}/api/things", timeout=5).status_code == 401  # the gateway serves on


def test_a_websocket_the_mounted_app_does_not_route_is_refused_by_it(server):
    """Inside /v1 the mounted app answers itself (Starlette: a close before accepting, a 403)."""
    with pytest.raises(InvalidStatus) as refused:
        connect(server.url.replace("http://", "ws://") + "/v1/nowhere", open_timeout=5)
    assert refused.value.response.status_code == 403


def test_a_mounted_app_gets_the_gateway_limits_too(server):
    """The HTTP layer's checks run before any app: TRACE on /v1 is the same JSON 405."""
    response = httpx.request("TRACE", f"{server.url}/v1/stream", timeout=5)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
