"""API keys: create (the secret shown once), list, revoke; every call is the signed-in user's own."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from voiceclone.domain.api_keys import (
    API_KEY_ID_PREFIX,
    MAX_ACTIVE_KEYS,
    ApiKey,
    ApiKeyScope,
    hash_secret,
    new_secret,
    shown_prefix,
)
from voiceclone.domain.errors import LimitExceeded, NotFound
from voiceclone.domain.ids import new_id
from voiceclone.domain.timeutil import utcnow
from voiceclone.services.views.api_keys import ApiKeyView, CreatedApiKey
from voiceclone.services.views.base import Page, page_of
from voiceclone.store import Store
from voiceclone.store.api_keys import ApiKeyRepository  # noqa: F401  a repository used here: loads with the module


class CreateApiKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, examples=["render farm"])
    scopes: list[ApiKeyScope] = Field(
        min_length=1, max_length=3, examples=[["tts", "read"]],
        description="tts: speak (POST /api/tts/…); training: samples, training, voice changes; read: every GET",
    )
    expires_at: AwareDatetime | None = Field(default=None, description="after this the key is refused; none: never")

    @field_validator("scopes")
    @classmethod
    def _distinct(cls, scopes: list[ApiKeyScope]) -> list[ApiKeyScope]:
        return sorted(set(scopes))

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, expires_at: datetime | None) -> datetime | None:
        if expires_at is not None and expires_at <= utcnow():
            raise ValueError("expires_at must be in the future")
        return expires_at


def create_key(store: Store, user_id: str, request: CreateApiKeyRequest) -> CreatedApiKey:
    active = store.api_keys.count_active(user_id)
    if active >= MAX_ACTIVE_KEYS:
        raise LimitExceeded("api_keys", MAX_ACTIVE_KEYS, f"you have {active} API keys; revoke one first")
    secret = new_secret()
    key = store.api_keys.insert(ApiKey(
        user_id=user_id, key_id=new_id(API_KEY_ID_PREFIX), name=request.name, prefix=shown_prefix(secret),
        secret_hash=hash_secret(secret), scopes=request.scopes, expires_at=request.expires_at,
    ))
    return CreatedApiKey(**ApiKeyView.of(key).model_dump(), secret=secret)


def list_keys(store: Store, user_id: str, limit: int, cursor: str | None) -> Page[ApiKeyView]:
    return page_of(ApiKeyView, store.api_keys.list_active(user_id, limit=limit, cursor=cursor))


def revoke_key(store: Store, user_id: str, key_id: str) -> None:
    """Revoked at once in the database; authenticators stop accepting it within their cache TTL."""
    if store.api_keys.revoke(user_id, key_id) is None:
        raise NotFound("API key", key_id)
