"""The gateway authorizes like the platform's Lambda authorizer and hands the handler a v2 event."""

import json
import threading
import time
import types

import httpx
import pytest

from voiceclone import auth
from voiceclone.local.events import HttpRequest
from voiceclone.local.gateway import Gateway, GatewayServer, RouteTable

ISSUER, AUDIENCE = "http://127.0.0.1:8000/auth", "voiceclone"


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    return auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)


class RecordingHandler:
    """A handler module that answers with what it received (and can be told to crash or be slow)."""

    def __init__(self):
        self.events = []
        self.active = 0
        self.max_active = 0
        self.module = types.ModuleType("recording")
        self.module.lambda_handler = self.handle

    def handle(self, event, context):
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if event["rawPath"].endswith("/crash"):
                raise RuntimeError("boom")
            if event["rawPath"].endswith("/slow"):
                time.sleep(0.05)
            self.events.append(event)
            return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
        finally:
            self.active -= 1


@pytest.fixture
def handler():
    return RecordingHandler()


@pytest.fixture
def gateway(signing_key, handler):
    routes = RouteTable.from_mapping(
        {"app.things": ["/api/things"], "app.docs": ["/api/docs"]}, public_paths=["/api/docs"]
    )
    return Gateway(routes, signing_key.verifier(), signing_key.jwks(), load_module=lambda name: handler.module)


def call(gateway, path, token=None, method="GET", body=b"", headers=()):
    all_headers = list(headers)
    if token is not None:
        all_headers.append(("Authorization", f"Bearer {token}"))
    path, _, query = path.partition("?")
    return gateway.handle(HttpRequest(method, path, query, all_headers, body))


def test_valid_token_reaches_the_handler_as_the_lambda_authorizers_principal(gateway, handler, signing_key):
    response = call(gateway, "/api/things/abc?limit=2", signing_key.issue_token("alice", ["admin"]))
    assert response.status == 200
    event = json.loads(response.body)
    assert event["requestContext"]["authorizer"] == {"lambda": {
        "user_id": "alice", "groups": "admin", "scopes": "read training tts", "via": "jwt", "key_id": ""}}
    assert event["routeKey"] == "ANY /api/things/{proxy+}"
    assert event["pathParameters"] == {"proxy": "abc"}
    assert event["queryStringParameters"] == {"limit": "2"}


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "missing_token"),
        ("Bearer not.a.jwt", "malformed_token"),
        ("Basic Zm9vOmJhcg==", "malformed_token"),
    ],
)
def test_requests_without_a_valid_token_are_401_and_never_reach_the_handler(gateway, handler, authorization, code):
    headers = [("Authorization", authorization)] if authorization else []
    response = call(gateway, "/api/things", headers=headers)
    assert response.status == 401
    assert json.loads(response.body)["error"]["code"] == code
    assert dict(response.headers)["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert handler.events == []


def test_expired_token_is_401(gateway, handler, signing_key):
    token = signing_key.issue_token("alice", ttl=-10)
    response = call(gateway, "/api/things", token)
    assert response.status == 401
    assert json.loads(response.body)["error"]["code"] == "token_expired"
    assert handler.events == []


def test_docs_need_no_token_and_get_no_claims(gateway, handler):
    response = call(gateway, "/api/docs")
    assert response.status == 200
    assert "authorizer" not in json.loads(response.body)["requestContext"]


def test_jwks_is_served(gateway, signing_key):
    response = call(gateway, "/.well-known/jwks.json")
    assert response.status == 200
    assert json.loads(response.body) == signing_key.jwks()


def test_unknown_path_is_a_404_json(gateway, signing_key):
    response = call(gateway, "/api/nothing-here", signing_key.issue_token("alice"))
    assert response.status == 404
    assert json.loads(response.body)["error"]["code"] == "route_not_found"


def test_prefix_must_end_at_a_path_segment(gateway, signing_key):
    assert call(gateway, "/api/thingsandmore", signing_key.issue_token("alice")).status == 404


def test_a_crashing_handler_is_a_500_json(gateway, signing_key):
    response = call(gateway, "/api/things/crash", signing_key.issue_token("alice"))
    assert response.status == 500
    assert json.loads(response.body)["error"]["code"] == "internal_error"


def test_calls_into_one_handler_module_are_serialised(gateway, handler, signing_key):
    token = signing_key.issue_token("alice")
    threads = [threading.Thread(target=call, args=(gateway, "/api/things/slow", token)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(handler.events) == 4
    assert handler.max_active == 1


def test_served_over_http_with_keep_alive(gateway, signing_key):
    server = GatewayServer(gateway, "127.0.0.1", 0)
    server.start()
    try:
        with httpx.Client(base_url=server.url) as client:
            token = signing_key.issue_token("alice")
            posted = client.post("/api/things/x", content=b'{"a": 1}', headers={
                "authorization": f"Bearer {token}", "content-type": "application/json"})
            assert posted.status_code == 200
            assert json.loads(posted.json()["body"]) == {"a": 1}
            assert client.get("/api/things").status_code == 401
            assert client.head("/.well-known/jwks.json").status_code == 200
    finally:
        server.stop()


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_a_bad_content_length_is_a_400_json(gateway, length):
    import socket

    server = GatewayServer(gateway, "127.0.0.1", 0)
    server.start()
    try:
        with socket.create_connection(server.server_address[:2], timeout=5) as sock:
            sock.sendall(f"POST /api/things HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode())
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), reply
        assert json.loads(body)["error"]["code"] == "bad_content_length"
    finally:
        server.stop()
