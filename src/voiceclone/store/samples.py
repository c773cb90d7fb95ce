"""Voice sample repository (collection voice_samples).

Methods (scoped by user id): create, get, find, get_many, list(limit, cursor, status), list_suitable,
mark_analyzing, mark_analyzed(ready|rejected with quality, reasons, metadata), delete;
list_stuck_analyzing (all users, for the sweeper).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from voiceclone.domain.errors import InvalidTransition, NotFound
from voiceclone.domain.samples import SampleMetadata, SampleQuality, SampleStatus, VoiceSample
from voiceclone.store import indexes
from voiceclone.store.base import Repository


class SampleRepository(Repository[VoiceSample]):
    collection_name = indexes.SAMPLES
    model = VoiceSample
    id_field = "sample_id"
    kind = "sample"

    def create(self, sample: VoiceSample) -> VoiceSample:
        return self.insert(sample)

    def get_many(self, user_id: str, sample_ids: list[str]) -> dict[str, VoiceSample]:
        """The user's samples among `sample_ids`, by id (missing or foreign ids are simply absent)."""
        docs = self.collection.find({"user_id": user_id, "_id": {"$in": list(sample_ids)}})
        return {doc["_id"]: self._from_doc(doc) for doc in docs}

    def list_suitable(self, user_id: str, limit: int = 500) -> list[VoiceSample]:
        query = {"user_id": user_id, "status": str(SampleStatus.READY), "suitable_for_training": True}
        docs = self.collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [self._from_doc(d) for d in docs]

    def list_ready(self, user_id: str, limit: int = 500) -> list[VoiceSample]:
        """Ready samples, suitable at the default target or not (another target may take them)."""
        query = {"user_id": user_id, "status": str(SampleStatus.READY)}
        docs = self.collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        return [self._from_doc(d) for d in docs]

    def update_text(self, user_id: str, sample_id: str, fields: dict[str, Any]) -> VoiceSample:
        """Set what the user says about the recording (transcript, language) and what depends on it."""
        updated = self._update(self._scoped(user_id, sample_id), fields)
        if updated is None:
            raise NotFound(self.kind, sample_id)
        return updated

    def mark_analyzing(self, user_id: str, sample_id: str) -> VoiceSample:
        """The upload arrived: uploading (or a retried analyzing) -> analyzing."""
        allowed = [str(SampleStatus.UPLOADING), str(SampleStatus.ANALYZING)]
        return self._move(user_id, sample_id, allowed, {"status": str(SampleStatus.ANALYZING)})

    def mark_analyzed(
        self,
        user_id: str,
        sample_id: str,
        *,
        status: SampleStatus | str,
        quality: SampleQuality | dict[str, Any] | None = None,
        reasons: list[str] | None = None,
        metadata: SampleMetadata | dict[str, Any] | None = None,
        suitable_for_training: bool | None = None,
    ) -> VoiceSample:
        """Record the analysis: status ready or rejected, quality metrics, reasons and file metadata.

        `suitable_for_training` defaults to (status == ready and no reasons).
        """
        status = SampleStatus(status)
        if status not in (SampleStatus.READY, SampleStatus.REJECTED):
            raise ValueError(f"analysis ends ready or rejected, not {status}")
        reasons = list(reasons or [])
        if suitable_for_training is None:
            suitable_for_training = status == SampleStatus.READY and not reasons
        meta = SampleMetadata.model_validate(metadata or {}).model_dump(exclude_none=True)
        fields: dict[str, Any] = {
            **meta,
            "status": str(status),
            "reasons": reasons,
            "suitable_for_training": bool(suitable_for_training) and status == SampleStatus.READY,
        }
        if quality is not None:
            fields["quality"] = SampleQuality.model_validate(quality).model_dump()
        allowed = [str(SampleStatus.UPLOADING), str(SampleStatus.ANALYZING)]
        return self._move(user_id, sample_id, allowed, fields)

    def list_stuck_analyzing(self, before: datetime, limit: int = 500) -> list[VoiceSample]:
        """Samples of every user still `analyzing` since before `before`: their analysis died."""
        query = {"status": str(SampleStatus.ANALYZING), "updated_at": {"$lt": before}}
        return [self._from_doc(d) for d in self.collection.find(query).sort("updated_at", 1).limit(limit)]

    def delete(self, user_id: str, sample_id: str) -> VoiceSample:
        doc = self.collection.find_one_and_delete(self._scoped(user_id, sample_id))
        if doc is None:
            raise NotFound(self.kind, sample_id)
        return self._from_doc(doc)

    def _move(self, user_id: str, sample_id: str, allowed: list[str], fields: dict[str, Any]) -> VoiceSample:
        updated = self._update(self._scoped(user_id, sample_id, status={"$in": allowed}), fields)
        if updated is not None:
            return updated
        current = self.get(user_id, sample_id)
        raise InvalidTransition(self.kind, sample_id, str(current.status), str(fields["status"]))
