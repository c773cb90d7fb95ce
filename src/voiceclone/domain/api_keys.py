"""Personal API keys: long-lived credentials for server-to-server clients (docs/api.md, "API keys").

A key is `vc_live_` + 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored, with the
first characters (`prefix`) so a user can tell keys apart; the secret is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from voiceclone.domain.base import Record

SCOPE_TTS = "tts"
SCOPE_TRAINING = "training"
SCOPE_READ = "read"
ALL_SCOPES: frozenset[str] = frozenset({SCOPE_TTS, SCOPE_TRAINING, SCOPE_READ})
API_KEY_PREFIX = "vc_live_"
API_KEY_ID_PREFIX = "key"
SHOWN_PREFIX_CHARS = len(API_KEY_PREFIX) + 6  # "vc_live_Ab3xYz"
MAX_ACTIVE_KEYS = 25  # per user: enough for every service of a team, few enough to list on one page


class ApiKeyScope(StrEnum):
    TTS = SCOPE_TTS
    TRAINING = SCOPE_TRAINING
    READ = SCOPE_READ


@dataclass(frozen=True)
class ApiKeyGrant:
    """What a stored key grants (never the secret)."""

    user_id: str
    key_id: str
    scopes: frozenset[str]
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKey(Record):
    key_id: str
    name: str
    prefix: str
    secret_hash: str
    scopes: list[ApiKeyScope]
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def grant(self) -> ApiKeyGrant:
        return ApiKeyGrant(self.user_id, self.key_id, frozenset(str(scope) for scope in self.scopes),
                           self.expires_at, self.revoked_at)


def new_secret() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def shown_prefix(secret: str) -> str:
    return secret[:SHOWN_PREFIX_CHARS]


def hash_secret(secret: str) -> str:
    """What is stored and looked up: the hex SHA-256 of the whole key (256 random bits: no salt needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_key(credential: str) -> bool:
    return credential.startswith(API_KEY_PREFIX)
