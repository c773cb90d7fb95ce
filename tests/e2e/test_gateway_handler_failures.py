"""A handler that crashes, hangs or returns something HTTP cannot carry: the gateway answers JSON
(500, 504, 502) over a real socket and keeps serving the other handler modules. (A hung handler's
thread cannot be stopped: the next call into that same module waits for it, as a busy Lambda would.)"""

from __future__ import annotations

import json
import time
import types

import httpx
import pytest

from voiceclone import auth
from voiceclone.local.gateway import Gateway, GatewayServer, RouteTable
from voiceclone.local.http_server import ServerLimits

ISSUER, AUDIENCE = "http://127.0.0.1:8000/auth", "voiceclone"
LIMITS = ServerLimits(handler_timeout_s=0.5, idle_timeout_s=1.0, request_timeout_s=1.0, linger_s=0.2)


def misbehaving_handler(event, context):
    action = event["rawPath"].rsplit("/", 1)[-1]
    if action == "crash":
        raise RuntimeError("boom")
    if action == "hang":
        time.sleep(LIMITS.handler_timeout_s * 3)
    if action == "not-a-status":
        return {"statusCode": "teapot", "body": "{}"}
    if action == "newline-header":
        return {"statusCode": 200, "headers": {"x-bad": "a\r\nset-cookie: injected=1"}, "body": "{}"}
    if action == "informational":
        return {"statusCode": 101, "body": ""}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps({"ok": True})}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    key = auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)
    modules = {name: types.ModuleType(name) for name in ("misbehaving", "healthy", "sleepy")}
    for module in modules.values():
        module.lambda_handler = misbehaving_handler
    routes = RouteTable.from_mapping({"misbehaving": ["/api/x"], "healthy": ["/api/y"], "sleepy": ["/api/z"]})
    gateway = Gateway(routes, key.verifier(), key.jwks(), load_module=modules.__getitem__)
    running = GatewayServer(gateway, "127.0.0.1", 0, LIMITS)
    running.start()
    running.token = key.issue_token("alice")
    yield running
    running.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {server.token}"}) as c:
        yield c


@pytest.mark.parametrize(
    ("action", "status", "code"),
    [
        ("crash", 500, "internal_error"),
        ("not-a-status", 502, "invalid_handler_response"),
        ("newline-header", 502, "invalid_handler_response"),
        ("informational", 502, "invalid_handler_response"),
    ],
)
def test_a_misbehaving_handler_is_a_json_error_and_the_gateway_keeps_serving(client, action, status, code):
    response = client.get(f"/api/x/{action}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert "injected" not in response.headers.get("set-cookie", "")
    assert client.get("/api/y/fine").json() == {"ok": True}


def test_a_hung_handler_is_a_504_and_its_module_answers_again_once_it_returns(client):
    started = time.monotonic()
    response = client.get("/api/z/hang")
    assert (response.status_code, response.json()["error"]["code"]) == (504, "gateway_timeout")
    assert client.get("/api/y/fine").status_code == 200  # other modules are not held up
    while time.monotonic() - started < LIMITS.handler_timeout_s * 3 + 0.2:
        time.sleep(0.1)
    assert client.get("/api/z/fine").json() == {"ok": True}


def test_a_crash_keeps_the_connection_alive(client):
    assert client.get("/api/x/crash").status_code == 500
    assert client.get("/api/x/fine").status_code == 200
    assert client.get("/api/x/crash").headers.get("connection") != "close"
