"""API key repository (collection api_keys): the keys of a user, and the lookup by secret hash.

Every query but `find_grant` is scoped by user id; `find_grant(secret_hash)` is the authenticator's
(the hash has a unique index). `touch` writes `last_used_at` only when the stored one is older than the
interval, so a busy key costs one write a minute, not one per request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from voiceclone.domain.api_keys import ApiKey, ApiKeyGrant
from voiceclone.domain.timeutil import utcnow
from voiceclone.store import indexes
from voiceclone.store.base import Repository
from voiceclone.store.pagination import Page, find_page


class ApiKeyRepository(Repository[ApiKey]):
    collection_name = indexes.API_KEYS
    model = ApiKey
    id_field = "key_id"
    kind = "API key"

    def list_active(self, user_id: str, *, limit: int = 20, cursor: str | None = None) -> Page[ApiKey]:
        """The user's keys not revoked (expired ones included: they show when they expired), newest first."""
        docs, next_cursor = find_page(self.collection, {"user_id": user_id, "revoked_at": None}, limit, cursor)
        return self._page([self._from_doc(doc) for doc in docs], next_cursor)

    def count_active(self, user_id: str) -> int:
        return self.collection.count_documents({"user_id": user_id, "revoked_at": None})

    def revoke(self, user_id: str, key_id: str) -> ApiKey | None:
        """Mark the user's key revoked; None when the user has no such key (or it was revoked already)."""
        now = utcnow()
        return self._update(self._scoped(user_id, key_id, revoked_at=None), {"revoked_at": now})

    def find_grant(self, secret_hash: str) -> ApiKeyGrant | None:
        doc = self.collection.find_one({"secret_hash": secret_hash})
        return self._from_doc(doc).grant() if doc else None

    def touch(self, user_id: str, key_id: str, now: datetime, min_interval_s: float) -> None:
        older = now - timedelta(seconds=min_interval_s)
        self.collection.update_one(
            {**self._scoped(user_id, key_id),
             "$or": [{"last_used_at": None}, {"last_used_at": {"$lt": older}}]},
            {"$set": {"last_used_at": now}},
        )
