"""Voice model repository (collection voice_models).

Methods (scoped by user id): create, get (own, not deleted), get_usable (own or public, ready),
list(limit, cursor, status), list_available (own ready + public ready), count_owned, update (name,
visibility), mark_ready, mark_failed, delete (soft: status deleted; returns the voice so its
artifacts can be removed), discard (hard: a voice whose training job was never admitted).
"""

from __future__ import annotations

import builtins
from typing import Any

from voiceclone.domain.errors import Conflict, InvalidTransition, NotFound
from voiceclone.domain.voices import Visibility, VoiceModel, VoiceStatus
from voiceclone.store import indexes
from voiceclone.store.base import Repository
from voiceclone.store.pagination import Page, find_page

_DELETED = str(VoiceStatus.DELETED)


class VoiceRepository(Repository[VoiceModel]):
    collection_name = indexes.VOICES
    model = VoiceModel
    id_field = "voice_id"
    kind = "voice"

    def create(self, voice: VoiceModel) -> VoiceModel:
        return self.insert(voice)

    def find(self, user_id: str, voice_id: str) -> VoiceModel | None:
        doc = self.collection.find_one(self._scoped(user_id, voice_id, status={"$ne": _DELETED}))
        return self._from_doc(doc) if doc else None

    def find_visible(self, user_id: str, voice_id: str) -> VoiceModel | None:
        """The user's own voice or a public one (any status but deleted)."""
        query = {
            "_id": voice_id,
            "status": {"$ne": _DELETED},
            "$or": [{"user_id": user_id}, {"visibility": str(Visibility.PUBLIC)}],
        }
        doc = self.collection.find_one(query)
        return self._from_doc(doc) if doc else None

    def get_usable(self, user_id: str, voice_id: str) -> VoiceModel:
        """A voice the user may synthesise with: own or public, and ready (else NotFound / Conflict)."""
        voice = self.find_visible(user_id, voice_id)
        if voice is None:
            raise NotFound(self.kind, voice_id)
        if voice.status != VoiceStatus.READY:
            raise Conflict(f"voice '{voice_id}' is {voice.status}, not ready")
        return voice

    def list(
        self,
        user_id: str,
        *,
        limit: int = 20,
        cursor: str | None = None,
        status: str | None = None,
        visibility: str | None = None,
    ) -> Page[VoiceModel]:
        query: dict[str, Any] = {"user_id": user_id, "status": status or {"$ne": _DELETED}}
        if visibility:
            query["visibility"] = visibility
        docs, next_cursor = find_page(self.collection, query, limit, cursor)
        return Page[VoiceModel](items=[self._from_doc(d) for d in docs], next_cursor=next_cursor)

    def list_public(self, *, limit: int = 20, cursor: str | None = None) -> Page[VoiceModel]:
        """Every user's public, ready voices, newest first (the only query that is not one user's)."""
        query = {"visibility": str(Visibility.PUBLIC), "status": str(VoiceStatus.READY)}
        docs, next_cursor = find_page(self.collection, query, limit, cursor)
        return Page[VoiceModel](items=[self._from_doc(d) for d in docs], next_cursor=next_cursor)

    def count_not_deleted(self) -> int:
        return self.collection.count_documents({"status": {"$ne": _DELETED}})

    def list_available(self, user_id: str, limit: int = 200) -> builtins.list[VoiceModel]:
        query = {
            "status": str(VoiceStatus.READY),
            "$or": [{"user_id": user_id}, {"visibility": str(Visibility.PUBLIC)}],
        }
        docs = self.collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [self._from_doc(d) for d in docs]

    def count_owned(self, user_id: str) -> int:
        """Voices that count against the plan's voice limit (training or ready)."""
        statuses = [str(VoiceStatus.TRAINING), str(VoiceStatus.READY)]
        return self.collection.count_documents({"user_id": user_id, "status": {"$in": statuses}})

    def update(
        self, user_id: str, voice_id: str, *, name: str | None = None, visibility: Visibility | str | None = None
    ) -> VoiceModel:
        fields: dict[str, Any] = {}
        if name is not None:
            fields["name"] = name
        if visibility is not None:
            fields["visibility"] = str(Visibility(visibility))
        updated = self._update(self._scoped(user_id, voice_id, status={"$ne": _DELETED}), fields)
        if updated is None:
            raise NotFound(self.kind, voice_id)
        return updated

    def mark_ready(
        self,
        user_id: str,
        voice_id: str,
        *,
        artifact_keys: dict[str, str],
        quality_report: dict[str, Any] | None = None,
        languages: builtins.list[str] | None = None,
    ) -> VoiceModel:
        fields: dict[str, Any] = {"status": str(VoiceStatus.READY), "artifact_keys": artifact_keys}
        if quality_report is not None:
            fields["quality_report"] = quality_report
        if languages:
            fields["languages"] = languages
        return self._from_training(user_id, voice_id, fields)

    def mark_failed(self, user_id: str, voice_id: str, error_message: str) -> VoiceModel:
        fields = {"status": str(VoiceStatus.FAILED), "error_message": error_message}
        return self._from_training(user_id, voice_id, fields)

    def delete(self, user_id: str, voice_id: str) -> VoiceModel:
        """Soft delete (TTS jobs keep their reference); returns the voice as it was, artifacts included."""
        doc = self.collection.find_one_and_update(
            self._scoped(user_id, voice_id, status={"$nin": [_DELETED, str(VoiceStatus.TRAINING)]}),
            {"$set": {"status": _DELETED}},
        )
        if doc is not None:
            return self._from_doc(doc)
        current = self.get(user_id, voice_id)
        raise Conflict(f"voice '{voice_id}' is {current.status}: cancel its training job before deleting it")

    def discard(self, user_id: str, voice_id: str) -> bool:
        """Remove a voice whose training never started (its job lost the concurrent-jobs race)."""
        query = self._scoped(user_id, voice_id, status=str(VoiceStatus.TRAINING))
        return self.collection.delete_one(query).deleted_count == 1

    def _from_training(self, user_id: str, voice_id: str, fields: dict[str, Any]) -> VoiceModel:
        updated = self._update(self._scoped(user_id, voice_id, status=str(VoiceStatus.TRAINING)), fields)
        if updated is not None:
            return updated
        doc = self.collection.find_one(self._scoped(user_id, voice_id))
        if doc is None:
            raise NotFound(self.kind, voice_id)
        raise InvalidTransition(self.kind, voice_id, doc["status"], fields["status"])
