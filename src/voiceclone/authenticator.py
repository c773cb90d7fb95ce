"""The Authenticator: request headers → `voiceclone.principal.Principal`, or an `AuthError`.

Accepted: `Authorization: Bearer <JWT>` (verified by `voiceclone.auth.JwtVerifier`),
`Authorization: Bearer vc_live_…` and `X-API-Key: vc_live_…` (`Authorization` wins when both are sent).
A key is looked up by the SHA-256 of the secret through an `ApiKeyLookup` (MongoDB:
`voiceclone.store.api_keys`) and remembered in process for `KEY_CACHE_TTL_S` seconds, found or not: a
revoked key stops working within that many seconds. Expiry is checked on every request. Failures raise
`voiceclone.auth.AuthError` subclasses (401 with `{"error": {"code", "message"}}`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from voiceclone.auth import AuthError, MalformedToken, MissingToken, bearer_token
from voiceclone.principal import (
    API_KEY_PREFIX,
    ApiKeyGrant,
    ApiKeyLookup,
    Principal,
    hash_secret,
    is_api_key,
    principal_from_claims,
    refusal_context,
)

API_KEY_HEADER = "x-api-key"
KEY_CACHE_TTL_S = 5.0  # the longest a revoked key keeps working (per process)
KEY_CACHE_MAX_ENTRIES = 10_000
LAST_USED_INTERVAL_S = 60.0  # last_used_at is written at most this often per key


class TokenVerifier(Protocol):
    """voiceclone.auth.JwtVerifier (a JWKS in hand) or voiceclone.jwks.IssuerJwtVerifier (the issuer's)."""

    def verify(self, token: str) -> dict[str, Any]: ...


class InvalidApiKey(AuthError):
    code = "invalid_api_key"


class ApiKeyRevoked(AuthError):
    code = "api_key_revoked"


class ApiKeyExpired(AuthError):
    code = "api_key_expired"


class Authenticator:
    """Headers → Principal (or an AuthError). Thread-safe; one per process."""

    def __init__(
        self,
        verifier: TokenVerifier,
        keys: ApiKeyLookup | None = None,
        *,
        cache_ttl_s: float = KEY_CACHE_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._verifier = verifier
        self._keys = keys
        self._cache_ttl_s = cache_ttl_s
        self._clock = clock
        self._grants: OrderedDict[str, tuple[float, ApiKeyGrant | None]] = OrderedDict()
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        authorization = _header(headers, "authorization")
        if authorization is None and (api_key := _header(headers, API_KEY_HEADER)) is not None:
            return self._by_key(api_key.strip())
        if authorization is None:
            raise MissingToken(
                "No credentials: send 'Authorization: Bearer <JWT or API key>' or 'X-API-Key: <API key>'."
            )
        credential = bearer_token(authorization)
        if is_api_key(credential):
            return self._by_key(credential)
        return principal_from_claims(self._verifier.verify(credential))

    def _by_key(self, secret: str) -> Principal:
        if not is_api_key(secret):
            raise MalformedToken(f"An API key starts with {API_KEY_PREFIX!r}.")
        grant = self._grant(hash_secret(secret))
        if grant is None:
            raise InvalidApiKey("The API key is not known.")
        now = self._clock()
        if grant.revoked_at is not None:
            raise ApiKeyRevoked("The API key has been revoked.")
        if grant.expires_at is not None and grant.expires_at.timestamp() <= now:
            raise ApiKeyExpired("The API key has expired.")
        self._touch(grant, now)
        return Principal(grant.user_id, (), grant.scopes, "api_key", grant.key_id)

    def _grant(self, secret_hash: str) -> ApiKeyGrant | None:
        if self._keys is None:
            return None
        now = self._clock()
        with self._lock:
            cached = self._grants.get(secret_hash)
            if cached is not None and now - cached[0] < self._cache_ttl_s:
                return cached[1]
        grant = self._keys.find_grant(secret_hash)  # outside the lock: a slow lookup blocks no one else
        with self._lock:
            self._grants[secret_hash] = (now, grant)
            self._grants.move_to_end(secret_hash)
            while len(self._grants) > KEY_CACHE_MAX_ENTRIES:
                self._grants.popitem(last=False)
        return grant

    def _touch(self, grant: ApiKeyGrant, now: float) -> None:
        with self._lock:
            if now - self._touched.get(grant.key_id, float("-inf")) < LAST_USED_INTERVAL_S:
                return
            self._touched[grant.key_id] = now
        assert self._keys is not None
        self._keys.touch(grant.user_id, grant.key_id, datetime.fromtimestamp(now, UTC), LAST_USED_INTERVAL_S)


def authorizer_context(authenticator: Authenticator, headers: Mapping[str, str]) -> dict[str, str]:
    """What the Lambda authorizer (and the local gateway) hands the handler: the principal's context,
    or the refusal's code and message."""
    try:
        return authenticator.authenticate(headers).to_context()
    except AuthError as refused:
        return refusal_context(refused.code, refused.message)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)
