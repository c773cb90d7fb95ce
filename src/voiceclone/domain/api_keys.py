"""Personal API keys: long-lived credentials for server-to-server clients (docs/api.md, "API keys").

A key is `vc_live_` + 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored, with the
first characters (`prefix`) so a user can tell keys apart; the secret is shown once, at creation.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from voiceclone.domain.base import Record
from voiceclone.principal import API_KEY_PREFIX, SCOPE_READ, SCOPE_TRAINING, SCOPE_TTS, ApiKeyGrant

API_KEY_ID_PREFIX = "key"
SHOWN_PREFIX_CHARS = len(API_KEY_PREFIX) + 6  # "vc_live_Ab3xYz"
MAX_ACTIVE_KEYS = 25  # per user: enough for every service of a team, few enough to list on one page


class ApiKeyScope(StrEnum):
    TTS = SCOPE_TTS
    TRAINING = SCOPE_TRAINING
    READ = SCOPE_READ


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

