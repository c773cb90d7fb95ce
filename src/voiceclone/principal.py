"""Who is calling: a `Principal` (user, groups, scopes, how it authenticated) and what each route needs.

A request carries either a JWT (`Authorization: Bearer <JWT>`) or a personal API key
(`Authorization: Bearer vc_live_…` or `X-API-Key: vc_live_…`). `voiceclone.authenticator.Authenticator`
turns headers into a Principal (also importable from here, lazily: this module stays light for handlers).
`check_access(principal, method, path)` raises `InsufficientScope` (403) when a key lacks the scope a
route family needs, or when a key tries to manage keys. The AWS Lambda authorizer and the local gateway
both hand the principal to handlers as `requestContext.authorizer.lambda` = `principal.to_context()`;
handlers read it back with `Principal.from_context`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from voiceclone.domain.api_keys import (  # re-exported: the scopes and key facts callers use with a Principal
    ALL_SCOPES,
    API_KEY_PREFIX,
    SCOPE_READ,
    SCOPE_TRAINING,
    SCOPE_TTS,
    ApiKeyGrant,
    hash_secret,
    is_api_key,
)
from voiceclone.domain.errors import Forbidden

GROUPS_CLAIM = "cognito:groups"  # as voiceclone.auth (not imported: it pulls in PyJWT)

KEYS_PATH = "/api/keys"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TTS_PATHS = ("/api/tts", "/v1/audio")

Via = Literal["jwt", "api_key"]
# In an authorizer context instead of a principal: why the credentials were refused (the handler answers 401).
AUTH_ERROR_CODE = "auth_error"
AUTH_ERROR_MESSAGE = "auth_message"


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


def refusal_context(code: str, message: str) -> dict[str, str]:
    """The authorizer context of a request whose credentials were refused (see docs/decisions: the
    authorizer lets it through so the handler answers 401 with the platform's error body)."""
    return {AUTH_ERROR_CODE: code, AUTH_ERROR_MESSAGE: message}


def refusal_of(context: Mapping[str, Any]) -> tuple[str, str] | None:
    """(code, message) of a refusal context; None for a principal's."""
    code = context.get(AUTH_ERROR_CODE)
    return (str(code), str(context.get(AUTH_ERROR_MESSAGE) or "not authenticated")) if code else None


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


class ApiKeyLookup(Protocol):
    def find_grant(self, secret_hash: str) -> ApiKeyGrant | None: ...

    def touch(self, user_id: str, key_id: str, now: datetime, min_interval_s: float) -> None: ...


__all__ = [
    "ALL_SCOPES", "API_KEY_PREFIX", "SCOPE_READ", "SCOPE_TRAINING", "SCOPE_TTS", "ApiKeyGrant", "ApiKeyLookup",
    "InsufficientScope", "Principal", "check_access", "hash_secret", "is_api_key", "principal_from_claims",
    "refusal_context", "refusal_of", "required_scope",
]

_LAZY = {"Authenticator", "InvalidApiKey", "ApiKeyRevoked", "ApiKeyExpired"}


def __getattr__(name: str) -> Any:
    # The Authenticator needs PyJWT (tens of ms to import); handlers import this module for Principal only.
    if name in _LAZY:
        from voiceclone import authenticator

        return getattr(authenticator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
