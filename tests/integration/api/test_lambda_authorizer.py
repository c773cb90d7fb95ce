"""The AWS path of authentication: the Lambda authorizer (functions/api/authorizer.py) with the issuer's
JWKS over real HTTP (OIDC discovery) and keys in SecantusDB, and its context handed to the handlers as
API Gateway does (`requestContext.authorizer.lambda`): principals reach the routes, refusals are 401
with the platform's error body, scopes are enforced."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from functions.api import authorizer
from tests.integration.api.conftest import FakeLambdaContext, http_event
from voiceclone import auth, config
from voiceclone.services import api_keys
from voiceclone.services.api_keys import CreateApiKeyRequest


class Issuer:
    """An OIDC issuer over HTTP: discovery document and JWKS of a local signing key; counts JWKS reads."""

    def __init__(self, signing_key_dir) -> None:
        self.jwks_reads = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/keys"}
                elif self.path == "/keys":
                    issuer.jwks_reads += 1
                    body = issuer.key.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.key = auth.LocalSigningKey.load_or_create(signing_key_dir, self.url, "voiceclone-api")
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer(tmp_path) -> Iterator[Issuer]:
    running = Issuer(tmp_path)
    yield running
    running.close()


@pytest.fixture
def configured(settings, issuer, monkeypatch):
    monkeypatch.setenv("VOICECLONE_JWT_ISSUER", issuer.url)
    monkeypatch.setenv("VOICECLONE_JWT_AUDIENCE", "voiceclone-api")
    config.get_settings.cache_clear()
    authorizer.authenticator.cache_clear()
    yield config.get_settings()
    authorizer.authenticator.cache_clear()


def authorize(headers: dict[str, str]) -> dict:
    # Payload 2.0 as API Gateway sends it: lower-cased header names, no identity sources.
    event = {"version": "2.0", "type": "REQUEST", "routeArn": "arn:aws:execute-api:...", "identitySource": None,
             "routeKey": "ANY /api/me", "rawPath": "/api/me", "headers": headers,
             "requestContext": {"http": {"method": "GET", "path": "/api/me"}}}
    return authorizer.lambda_handler(event, FakeLambdaContext())


def call_handler(module, method: str, path: str, context: dict, body=None) -> tuple[int, dict, dict]:
    event = http_event(method, path, user=None, body=body)
    event["requestContext"]["authorizer"] = {"lambda": context}
    result = module.lambda_handler(event, FakeLambdaContext())
    return result["statusCode"], result.get("headers") or {}, json.loads(result["body"] or "null")


def new_key(store, user: str, scopes: list[str]) -> str:
    created = api_keys.create_key(store, user, CreateApiKeyRequest(name="server", scopes=scopes))
    return created.secret


def test_a_jwt_from_the_issuer_is_its_subject_with_every_scope(configured, issuer):
    answer = authorize({"authorization": f"Bearer {issuer.key.issue_token('alice', ['admin'])}"})
    assert answer == {"isAuthorized": True, "context": {
        "user_id": "alice", "groups": "admin", "scopes": "read training tts", "via": "jwt", "key_id": ""}}
    authorize({"authorization": f"Bearer {issuer.key.issue_token('bob')}"})
    assert issuer.jwks_reads == 1, "the JWKS is read once per execution environment"


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
def test_a_key_from_the_database_is_its_owner_with_its_scopes(configured, store, header):
    secret = new_key(store, "alice", ["tts"])
    value = f"Bearer {secret}" if header == "authorization" else secret
    context = authorize({header: value})["context"]
    assert (context["user_id"], context["via"], context["scopes"], context["groups"]) == ("alice", "api_key", "tts", "")
    assert context["key_id"].startswith("key_")


@pytest.mark.parametrize("headers, code", [
    ({}, "missing_token"),
    ({"authorization": "Bearer not.a.jwt"}, "malformed_token"),
    ({"x-api-key": "vc_live_" + "0" * 43}, "invalid_api_key"),
])
def test_refused_credentials_pass_as_a_refusal_the_handler_answers_with_401(configured, headers, code):
    from functions.api import account

    answer = authorize(headers)
    assert answer["isAuthorized"] is True and answer["context"]["auth_error"] == code
    status, response_headers, body = call_handler(account, "GET", "/api/me", answer["context"])
    assert status == 401 and body["error"]["code"] == code and body["error"]["message"]
    assert response_headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_a_token_of_another_issuer_is_refused(configured, tmp_path):
    stranger = auth.LocalSigningKey.load_or_create(tmp_path / "stranger", "https://elsewhere", "voiceclone-api")
    answer = authorize({"authorization": f"Bearer {stranger.issue_token('mallory')}"})
    assert answer["context"]["auth_error"] == "unknown_signing_key"


def test_a_revoked_key_is_refused_once_the_cache_entry_is_stale(configured, store, monkeypatch):
    from voiceclone import authenticator

    secret = new_key(store, "alice", ["read"])
    assert authorize({"x-api-key": secret})["context"]["via"] == "api_key"
    key_id = store.api_keys.list_active("alice").items[0].key_id
    api_keys.revoke_key(store, "alice", key_id)
    clock = [authenticator.time.time() + authenticator.KEY_CACHE_TTL_S + 0.01]
    monkeypatch.setattr(authorizer.authenticator(), "_clock", lambda: clock[0])
    assert authorize({"x-api-key": secret})["context"]["auth_error"] == "api_key_revoked"


def test_the_principal_reaches_the_routes_and_its_scopes_are_enforced(configured, store):
    from functions.api import account, keys, samples, tts

    context = authorize({"x-api-key": new_key(store, "alice", ["read"])})["context"]
    status, _, body = call_handler(account, "GET", "/api/me", context)
    assert status == 200 and body["user_id"] == "alice"
    status, _, body = call_handler(samples, "POST", "/api/samples", context, {"name": "n", "filename": "a.wav"})
    assert status == 403 and body["error"]["code"] == "insufficient_scope"
    status, _, body = call_handler(tts, "POST", "/api/tts/generate", context, {"text": "Hi.", "voice_model_id": "v"})
    assert status == 403 and body["error"]["code"] == "insufficient_scope"
    status, _, body = call_handler(keys, "GET", "/api/keys", context)
    assert status == 403 and body["error"]["code"] == "insufficient_scope"


def test_a_jwt_principal_manages_keys_and_another_users_key_is_404(configured, store, issuer):
    from functions.api import keys

    alice = authorize({"authorization": f"Bearer {issuer.key.issue_token('alice')}"})["context"]
    bob = authorize({"authorization": f"Bearer {issuer.key.issue_token('bob')}"})["context"]
    status, _, created = call_handler(keys, "POST", "/api/keys", alice, {"name": "ci", "scopes": ["tts"]})
    assert status == 201 and created["secret"].startswith("vc_live_")
    status, _, body = call_handler(keys, "DELETE", f"/api/keys/{created['key_id']}", bob)
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _, listed = call_handler(keys, "GET", "/api/keys", alice)
    assert [item["key_id"] for item in listed["items"]] == [created["key_id"]]
    assert "secret" not in listed["items"][0] and "secret_hash" not in listed["items"][0]


def test_the_issuers_rotated_keys_are_read_again_at_most_every_refresh_interval(issuer, tmp_path):
    from voiceclone.jwks import REFRESH_INTERVAL_S, IssuerJwtVerifier

    now = [1000.0]
    verifier = IssuerJwtVerifier(issuer.url, ["voiceclone-api"], clock=lambda: now[0])
    assert verifier.verify(issuer.key.issue_token("alice"))["sub"] == "alice"
    issuer.key = auth.LocalSigningKey.load_or_create(tmp_path / "rotated", issuer.url, "voiceclone-api")
    rotated = issuer.key.issue_token("alice")
    with pytest.raises(auth.UnknownSigningKey):
        verifier.verify(rotated)  # a forged kid must not make every request read the JWKS
    assert issuer.jwks_reads == 1
    now[0] += REFRESH_INTERVAL_S
    assert verifier.verify(rotated)["sub"] == "alice"
    assert issuer.jwks_reads == 2


def test_every_authenticated_handler_answers_the_authorizers_refusals():
    """The authorizer lets refused requests through: each handler module's resolver must refuse them."""
    import importlib

    from functions.api import routes
    from functions.api.common import ApiResolver

    for module_name, prefixes in routes.ROUTES.items():
        if any(routes.requires_auth(prefix) for prefix in prefixes):
            assert isinstance(importlib.import_module(module_name).app, ApiResolver), module_name
