"""Views of personal API keys: never the secret, but once, when it is made."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from voiceclone.domain.api_keys import ApiKeyScope
from voiceclone.services.views.base import ViewModel


class ApiKeyView(ViewModel):
    """A key as listed: never the secret, never its hash."""

    key_id: str
    name: str
    prefix: str = Field(description="the key's first characters, to tell keys apart", examples=["vc_live_Ab3xYz"])
    scopes: list[ApiKeyScope]
    created_at: datetime
    last_used_at: datetime | None = Field(default=None, description="updated at most once a minute")
    expires_at: datetime | None = None


class CreatedApiKey(ApiKeyView):
    secret: str = Field(description="the key itself: shown in this answer only, store it now")
