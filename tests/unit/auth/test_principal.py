"""Principal and Authenticator: JWTs and keys from either header, scopes per route family, the context round trip.

The key store here is a dict-backed lookup so the cache's clock can be driven; the same Authenticator
against MongoDB is in tests/integration/api/test_api_keys.py.
"""

from datetime import UTC, datetime

import pytest

from voiceclone import auth
from voiceclone.authenticator import ApiKeyExpired, ApiKeyRevoked, Authenticator, InvalidApiKey
from voiceclone.principal import (
    ALL_SCOPES,
    ApiKeyGrant,
    InsufficientScope,
    Principal,
    check_access,
    hash_secret,
    required_scope,
)

ISSUER = "http://127.0.0.1:8000/auth"
AUDIENCE = "voiceclone"
SECRET = "vc_live_" + "k" * 43


class Keys:
    """An ApiKeyLookup over a dict; counts lookups and touches."""

    def __init__(self):
        self.grants: dict[str, ApiKeyGrant] = {}
        self.lookups = 0
        self.touches: list[str] = []

    def find_grant(self, secret_hash):
        self.lookups += 1
        return self.grants.get(secret_hash)

    def touch(self, user_id, key_id, now, min_interval_s):
        self.touches.append(key_id)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory):
    return auth.LocalSigningKey.load_or_create(tmp_path_factory.mktemp("keys"), ISSUER, AUDIENCE)


@pytest.fixture
def keys():
    store = Keys()
    store.grants[hash_secret(SECRET)] = ApiKeyGrant("alice", "key_1", frozenset({"tts"}))
    return store


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def authenticator(signing_key, keys, clock):
    return Authenticator(signing_key.verifier(), keys, cache_ttl_s=5.0, clock=clock)


def test_a_jwt_is_a_principal_with_every_scope_and_its_groups(authenticator, signing_key):
    token = signing_key.issue_token("alice", ["admin"])
    principal = authenticator.authenticate({"Authorization": f"Bearer {token}"})
    assert principal == Principal("alice", ("admin",), ALL_SCOPES, "jwt", None)


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {SECRET}"}, {"X-API-Key": SECRET},
                                     {"x-api-key": f" {SECRET} "}])
def test_a_key_from_either_header_is_its_owner_with_its_scopes(authenticator, headers):
    principal = authenticator.authenticate(headers)
    assert principal == Principal("alice", (), frozenset({"tts"}), "api_key", "key_1")
    assert principal.allows("tts") and not principal.allows("read")


def test_authorization_wins_over_x_api_key(authenticator, signing_key):
    token = signing_key.issue_token("bob")
    principal = authenticator.authenticate({"authorization": f"Bearer {token}", "x-api-key": SECRET})
    assert (principal.user_id, principal.via) == ("bob", "jwt")


@pytest.mark.parametrize("headers, error", [
    ({}, auth.MissingToken),
    ({"X-API-Key": "vc_live_unknown"}, InvalidApiKey),
    ({"X-API-Key": "not-a-key"}, auth.MalformedToken),
    ({"Authorization": "Bearer not.a.jwt"}, auth.MalformedToken),
])
def test_refusals_are_auth_errors_with_codes(authenticator, headers, error):
    with pytest.raises(error) as raised:
        authenticator.authenticate(headers)
    assert raised.value.code and raised.value.message


def test_a_revoked_key_fails_once_the_cache_entry_is_older_than_the_ttl(authenticator, keys, clock):
    authenticator.authenticate({"X-API-Key": SECRET})
    grant = keys.grants[hash_secret(SECRET)]
    keys.grants[hash_secret(SECRET)] = ApiKeyGrant(grant.user_id, grant.key_id, grant.scopes,
                                                   revoked_at=datetime.now(UTC))
    clock.now += 4.9
    assert authenticator.authenticate({"X-API-Key": SECRET}).key_id == "key_1"  # still cached
    clock.now += 0.2
    with pytest.raises(ApiKeyRevoked):
        authenticator.authenticate({"X-API-Key": SECRET})
    assert keys.lookups == 2


def test_an_expired_key_fails_even_from_the_cache(authenticator, keys, clock):
    expires = datetime.fromtimestamp(clock.now + 1, UTC)
    keys.grants[hash_secret(SECRET)] = ApiKeyGrant("alice", "key_1", frozenset({"tts"}), expires_at=expires)
    authenticator.authenticate({"X-API-Key": SECRET})
    clock.now += 1
    with pytest.raises(ApiKeyExpired):
        authenticator.authenticate({"X-API-Key": SECRET})


def test_last_used_is_written_at_most_once_a_minute(authenticator, keys, clock):
    for _ in range(3):
        authenticator.authenticate({"X-API-Key": SECRET})
        clock.now += 10
    clock.now += 31
    authenticator.authenticate({"X-API-Key": SECRET})
    assert keys.touches == ["key_1", "key_1"]


@pytest.mark.parametrize("method, path, scope", [
    ("GET", "/api/samples", "read"), ("HEAD", "/api/voices/v1", "read"), ("GET", "/api/me", "read"),
    ("POST", "/api/tts/generate", "tts"), ("POST", "/api/tts/job/t1/cancel", "tts"),
    ("POST", "/v1/audio/speech", "tts"),
    ("POST", "/api/samples", "training"), ("PATCH", "/api/samples/s1", "training"),
    ("POST", "/api/training/start", "training"), ("DELETE", "/api/voices/v1", "training"),
])
def test_route_families_need_their_scope(method, path, scope):
    assert required_scope(method, path) == scope
    check_access(Principal("alice", (), frozenset({scope}), "api_key", "key_1"), method, path)
    others = ALL_SCOPES - {scope}
    with pytest.raises(InsufficientScope) as refused:
        check_access(Principal("alice", (), others, "api_key", "key_1"), method, path)
    assert refused.value.status_code == 403 and scope in refused.value.message


@pytest.mark.parametrize("method, path", [("GET", "/api/keys"), ("POST", "/api/keys"), ("DELETE", "/api/keys/k")])
def test_only_a_jwt_manages_keys(method, path):
    check_access(Principal("alice", (), ALL_SCOPES, "jwt"), method, path)
    with pytest.raises(InsufficientScope):
        check_access(Principal("alice", (), ALL_SCOPES, "api_key", "key_1"), method, path)


@pytest.mark.parametrize("principal", [Principal("alice", ("admin", "ops"), ALL_SCOPES, "jwt"),
                                       Principal("bob", (), frozenset({"read"}), "api_key", "key_9")])
def test_the_authorizer_context_round_trips(principal):
    context = principal.to_context()
    assert all(isinstance(value, str) for value in context.values())
    assert Principal.from_context(context) == principal


def test_a_context_without_a_user_is_not_a_principal():
    with pytest.raises(ValueError):
        Principal.from_context({"via": "jwt"})
