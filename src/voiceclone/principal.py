"""Who is calling: a `Principal`, and the `Authenticator` that makes one from request headers.

A request carries either a JWT (`Authorization: Bearer <JWT>`) or a personal API key
(`Authorization: Bearer vc_live_…` or `X-API-Key: vc_live_…`; `Authorization` wins when both are
sent). JWTs are verified by `voiceclone.auth.JwtVerifier`; keys are looked up by the SHA-256 of the
secret through an `ApiKeyLookup` (MongoDB: `voiceclone.store.api_keys`), remembered in process for
`KEY_CACHE_TTL_S` seconds, so a revoked key stops working within that many seconds.

Failures raise `voiceclone.auth.AuthError` subclasses (401 with `{"error": {"code", "message"}}`);
`check_access(principal, method, path)` raises `InsufficientScope` (403) when a key lacks the scope a
route needs. The AWS Lambda authorizer and the local gateway both hand the principal to handlers as
`requestContext.authorizer.lambda` = `principal.to_context()`; handlers read it back with
`Principal.from_context`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from voiceclone.auth import GROUPS_CLAIM, AuthError, JwtVerifier, MalformedToken, MissingToken, bearer_token
from voiceclone.domain.errors import Forbidden

SCOPE_TTS = "tts"
SCOPE_TRAINING = "training"
SCOPE_READ = "read"
ALL_SCOPES: frozenset[str] = frozenset({SCOPE_TTS, SCOPE_TRAINING, SCOPE_READ})

API_KEY_PREFIX = "vc_live_"
API_KEY_HEADER = "x-api-key"
KEY_CACHE_TTL_S = 5.0  # the longest a revoked key keeps working (per process)
KEY_CACHE_MAX_ENTRIES = 10_000
LAST_USED_INTERVAL_S = 60.0  # last_used_at is written at most this often per key

KEYS_PATH = "/api/keys"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TTS_PATHS = ("/api/tts", "/v1/audio")

Via = Literal["jwt", "api_key"]


class InvalidApiKey(AuthError):
    code = "invalid_api_key"


class ApiKeyRevoked(AuthError):
    code = "api_key_revoked"


class ApiKeyExpired(AuthError):
    code = "api_key_expired"


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. A JWT has every scope; a key has the scopes it was created with."""

    user_id: str
    groups: tuple[str, ...]
    scopes: frozenset[str]
    via: Via
    key_id: str | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def to_context(self) -> dict[str, str]:
        """The Lambda authorizer's `context` (strings only, as API Gateway passes them on)."""
        return {
            "user_id": self.user_id,
            "groups": " ".join(self.groups),
            "scopes": " ".join(sorted(self.scopes)),
            "via": self.via,
            "key_id": self.key_id or "",
        }

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Principal:
        via = context.get("via")
        if via not in ("jwt", "api_key") or not context.get("user_id"):
            raise ValueError(f"not a principal context: {dict(context)!r}")
        return cls(
            user_id=str(context["user_id"]),
            groups=tuple(str(context.get("groups") or "").split()),
            scopes=frozenset(str(context.get("scopes") or "").split()),
            via=via,
            key_id=str(context.get("key_id") or "") or None,
        )


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """A JWT's caller: `sub`, its `cognito:groups` (a list, or API Gateway's flattened "[a b]")."""
    groups = claims.get(GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = groups.strip("[]").replace(",", " ").split()
    return Principal(str(claims["sub"]), tuple(str(group) for group in groups), ALL_SCOPES, "jwt")


def required_scope(method: str, path: str) -> str:
    """The scope a route family needs: `read` to read, `tts` to speak, `training` for every other write."""
    if method.upper() in READ_METHODS:
        return SCOPE_READ
    if any(path == prefix or path.startswith(prefix + "/") for prefix in TTS_PATHS):
        return SCOPE_TTS
    return SCOPE_TRAINING


def check_access(principal: Principal, method: str, path: str) -> None:
    """Raise InsufficientScope (403) when `principal` may not call `method path`."""
    if path == KEYS_PATH or path.startswith(KEYS_PATH + "/"):
        if principal.via != "jwt":
            raise InsufficientScope("managing API keys needs a signed-in session (a JWT), not an API key")
        return
    scope = required_scope(method, path)
    if not principal.allows(scope):
        granted = ", ".join(sorted(principal.scopes)) or "none"
        raise InsufficientScope(f"this API key lacks the '{scope}' scope needed here (it has: {granted})")


def hash_secret(secret: str) -> str:
    """What is stored and looked up: the hex SHA-256 of the whole key (256 random bits: no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIX)


@dataclass(frozen=True)
class ApiKeyGrant:
    """What a stored key grants (never the secret)."""

    user_id: str
    key_id: str
    scopes: frozenset[str]
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyLookup(Protocol):
    def find_grant(self, secret_hash: str) -> ApiKeyGrant | None: ...

    def touch(self, user_id: str, key_id: str, now: datetime, min_interval_s: float) -> None: ...


class Authenticator:
    """Headers → Principal (or an AuthError). Thread-safe; one per process."""

    def __init__(
        self,
        verifier: JwtVerifier,
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


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)
