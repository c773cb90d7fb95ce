"""Personal API keys over real HTTP to the local gateway (an in-process LocalStack on SecantusDB):
created with a JWT, used with `Authorization: Bearer` and `X-API-Key` on every route family, refused
without the route's scope, revoked (401 within the cache TTL), expired, isolated, hashed at rest."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from voiceclone.authenticator import KEY_CACHE_TTL_S
from voiceclone.local.stack import LocalConfig, LocalStack
from voiceclone.store import get_store

ALL = ["read", "training", "tts"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[LocalStack]:
    config = LocalConfig(data_dir=Path(tmp_path_factory.mktemp("api-keys")), port=0, run_demo=False)
    with LocalStack(config) as running:
        yield running


def session(stack: LocalStack, user: str, groups: list[str] | None = None) -> httpx.Client:
    token = stack.issue_token(user, groups)
    return httpx.Client(base_url=stack.url, timeout=30, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def alice(stack) -> Iterator[httpx.Client]:
    with session(stack, "alice") as client:
        yield client


@pytest.fixture(scope="module")
def bob(stack) -> Iterator[httpx.Client]:
    with session(stack, "bob") as client:
        yield client


def create_key(client: httpx.Client, scopes: list[str], name: str = "server", **extra) -> dict:
    answer = client.post("/api/keys", json={"name": name, "scopes": scopes, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def with_key(stack: LocalStack, secret: str, header: str = "bearer") -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if header == "bearer" else {"X-API-Key": secret}
    return httpx.Client(base_url=stack.url, timeout=30, headers=headers)


def error_code(answer: httpx.Response) -> str:
    assert answer.headers["content-type"] == "application/json", answer
    return answer.json()["error"]["code"]


def test_a_created_key_is_shown_once_and_listed_without_its_secret(alice):
    created = create_key(alice, ["tts", "read", "tts"], name="render farm")
    secret = created["secret"]
    assert secret.startswith("vc_live_") and len(secret) >= 40
    assert created["prefix"] == secret[:14] and created["scopes"] == ["read", "tts"]
    assert created["last_used_at"] is None and created["expires_at"] is None
    listed = alice.get("/api/keys").json()["items"]
    mine = next(item for item in listed if item["key_id"] == created["key_id"])
    assert set(mine) == {"key_id", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at"}
    assert secret not in json.dumps(listed)


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_key_with_every_scope_works_on_every_route_family(stack, alice, header):
    secret = create_key(alice, ALL)["secret"]
    with with_key(stack, secret, header) as key:
        created = key.post("/api/samples", json={"name": "by key", "filename": "a.wav"})
        assert created.status_code == 201, created.text
        sample_id = created.json()["sample"]["sample_id"]
        assert key.get(f"/api/samples/{sample_id}").status_code == 200
        assert alice.get(f"/api/samples/{sample_id}").status_code == 200  # the key's sample is alice's
        assert key.get("/api/training/jobs").status_code == 200
        assert key.post("/api/training/validate-samples", json={"sample_ids": [sample_id]}).status_code == 200
        assert key.get("/api/tts/jobs").status_code == 200
        # past the scope check: the voice is what is missing
        spoken = key.post("/api/tts/generate", json={"text": "Hello.", "voice_model_id": "voice_missing"})
        assert spoken.status_code == 404, spoken.text
        assert key.get("/api/voices").status_code == 200
        assert key.patch("/api/voices/voice_missing", json={"name": "x"}).status_code == 404
        me = key.get("/api/me")
        assert me.status_code == 200 and me.json()["user_id"] == "alice"
        assert key.head("/api/me").status_code == 200
        assert key.delete(f"/api/samples/{sample_id}").status_code == 204


@pytest.mark.parametrize("scopes, method, path, body", [
    (["read"], "POST", "/api/tts/generate", {"text": "Hello.", "voice_model_id": "voice_x"}),
    (["read"], "POST", "/api/samples", {"name": "n", "filename": "a.wav"}),
    (["read", "tts"], "POST", "/api/training/start", {"voice_name": "v", "sample_ids": ["smp_x"]}),
    (["tts"], "GET", "/api/me", None),
    (["training"], "GET", "/api/voices", None),
    (["tts", "read"], "DELETE", "/api/voices/voice_x", None),
])
def test_a_key_without_the_routes_scope_is_403(stack, alice, scopes, method, path, body):
    secret = create_key(alice, scopes)["secret"]
    with with_key(stack, secret, "x-api-key") as key:
        answer = key.request(method, path, json=body)
    assert answer.status_code == 403 and error_code(answer) == "insufficient_scope", answer.text


def test_a_key_cannot_list_create_or_revoke_keys(stack, alice):
    created = create_key(alice, ALL)
    with with_key(stack, created["secret"]) as key:
        for answer in (key.get("/api/keys"), key.post("/api/keys", json={"name": "more", "scopes": ["tts"]}),
                       key.delete(f"/api/keys/{created['key_id']}")):
            assert answer.status_code == 403 and error_code(answer) == "insufficient_scope"


def test_a_key_is_its_owner_only(stack, alice, bob):
    theirs = bob.post("/api/samples", json={"name": "bob's", "filename": "b.wav"}).json()["sample"]["sample_id"]
    secret = create_key(alice, ALL)["secret"]
    with with_key(stack, secret) as key:
        assert key.get(f"/api/samples/{theirs}").status_code == 404
        assert theirs not in key.get("/api/samples").text
        assert key.delete(f"/api/samples/{theirs}").status_code == 404
    assert bob.get(f"/api/samples/{theirs}").status_code == 200


def test_an_admins_key_is_not_an_admin(stack):
    with session(stack, "root", ["admin"]) as root:
        assert root.get("/api/admin/stats").status_code == 200
        secret = create_key(root, ALL)["secret"]
    with with_key(stack, secret) as key:
        answer = key.get("/api/admin/stats")
    assert answer.status_code == 403 and error_code(answer) == "forbidden"


def test_another_users_key_cannot_be_revoked_and_is_not_listed(alice, bob):
    created = create_key(alice, ["read"])
    answer = bob.delete(f"/api/keys/{created['key_id']}")
    assert answer.status_code == 404 and error_code(answer) == "not_found"
    assert created["key_id"] not in bob.get("/api/keys").text
    assert created["key_id"] in alice.get("/api/keys").text


def test_a_revoked_key_is_refused_within_the_cache_ttl(stack, alice):
    created = create_key(alice, ["read"])
    with with_key(stack, created["secret"]) as key:
        assert key.get("/api/me").status_code == 200  # now in the gateway's key cache
        assert alice.delete(f"/api/keys/{created['key_id']}").status_code == 204
        revoked_at = time.monotonic()
        while (answer := key.get("/api/me")).status_code == 200:
            assert time.monotonic() - revoked_at < KEY_CACHE_TTL_S + 1, "still accepted after the cache TTL"
            time.sleep(0.2)
    assert answer.status_code == 401 and error_code(answer) == "api_key_revoked"
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert created["key_id"] not in alice.get("/api/keys").text
    assert alice.delete(f"/api/keys/{created['key_id']}").status_code == 404  # revoked already


def test_an_expired_key_is_401(stack, alice):
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    created = create_key(alice, ["read"], expires_at=expires.isoformat())
    with with_key(stack, created["secret"], "x-api-key") as key:
        assert key.get("/api/me").status_code == 200
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
        answer = key.get("/api/me")
    assert answer.status_code == 401 and error_code(answer) == "api_key_expired"


@pytest.mark.parametrize("headers, code", [
    ({"X-API-Key": "vc_live_" + "x" * 43}, "invalid_api_key"),
    ({"Authorization": "Bearer vc_live_nope"}, "invalid_api_key"),
    ({"X-API-Key": "not-a-key"}, "malformed_token"),
    ({}, "missing_token"),
])
def test_unknown_or_malformed_keys_are_401(stack, headers, code):
    answer = httpx.get(f"{stack.url}/api/me", headers=headers)
    assert answer.status_code == 401 and error_code(answer) == code


@pytest.mark.parametrize("body", [
    {"name": "", "scopes": ["tts"]},
    {"name": "n", "scopes": []},
    {"name": "n", "scopes": ["admin"]},
    {"name": "n", "scopes": ["tts"], "expires_at": "2020-01-01T00:00:00Z"},
    {"name": "n", "scopes": ["tts"], "expires_at": "2999-01-01T00:00:00"},  # no time zone
    {"name": "n", "scopes": ["tts"], "secret": "vc_live_mine"},
])
def test_invalid_create_requests_are_422(alice, body):
    answer = alice.post("/api/keys", json=body)
    assert answer.status_code == 422 and error_code(answer) == "validation_error", answer.text


def test_keys_are_hashed_at_rest_and_last_use_is_recorded(stack, alice):
    created = create_key(alice, ["read"])
    with with_key(stack, created["secret"]) as key:
        assert key.get("/api/me").status_code == 200
    documents = list(get_store(stack.settings).database["api_keys"].find({}))
    assert documents
    stored = json.dumps(documents, default=str)
    assert created["secret"] not in stored and created["secret"][14:] not in stored
    mine = next(doc for doc in documents if doc["key_id"] == created["key_id"])
    assert mine["secret_hash"] == hashlib.sha256(created["secret"].encode()).hexdigest()
    assert mine["user_id"] == "alice" and mine["prefix"] == created["prefix"]
    listed = next(item for item in alice.get("/api/keys").json()["items"] if item["key_id"] == created["key_id"])
    assert listed["last_used_at"] is not None


def test_active_keys_are_limited_per_user(stack):
    from voiceclone.domain.api_keys import MAX_ACTIVE_KEYS

    with session(stack, "collector") as collector:
        keys = [create_key(collector, ["read"], name=f"k{n}") for n in range(MAX_ACTIVE_KEYS)]
        refused = collector.post("/api/keys", json={"name": "one more", "scopes": ["read"]})
        assert refused.status_code == 403 and error_code(refused) == "limit_exceeded"
        assert collector.delete(f"/api/keys/{keys[0]['key_id']}").status_code == 204
        create_key(collector, ["read"], name="after a revocation")
