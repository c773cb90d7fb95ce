"""Queries for reconciling records with the objects they point at (after storage lost objects), across
all users. Reads return small references, not whole records; every write is conditional on the status
the record had when it was read, so a record that moved on meanwhile is left alone.

- voices: `ready_voice_artifacts()`, `fail_ready_voice(voice_id, reason)`;
- samples: `sample_objects(statuses)`, `reject_sample(user_id, sample_id, from_statuses, reason)`;
- TTS jobs: `completed_tts_outputs()` (outputs not yet expired), `expire_tts_output(user_id, job_id)`.
The reasons users read are defined here, so the start-time reconciliation and the workers say the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pymongo.database import Database

from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.samples import SampleStatus
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.voices import VoiceStatus
from voiceclone.store import indexes

VOICE_FILES_MISSING = "the voice's model files are missing; train the voice again"
SAMPLE_FILE_MISSING = "the uploaded file is missing from storage; upload it again"


@dataclass(frozen=True)
class VoiceArtifacts:
    user_id: str
    voice_id: str
    artifact_keys: dict[str, str]


@dataclass(frozen=True)
class SampleObject:
    user_id: str
    sample_id: str
    s3_key: str
    status: str


@dataclass(frozen=True)
class TtsOutput:
    user_id: str
    job_id: str
    output_key: str


class ReconciliationQueries:
    def __init__(self, database: Database) -> None:
        self.voices = database[indexes.VOICES]
        self.samples = database[indexes.SAMPLES]
        self.tts = database[indexes.TTS_JOBS]

    # -- voices ----------------------------------------------------------------------------------
    def ready_voice_artifacts(self) -> Iterator[VoiceArtifacts]:
        query = {"status": str(VoiceStatus.READY)}
        for doc in self.voices.find(query, {"user_id": 1, "artifact_keys": 1}):
            yield VoiceArtifacts(doc["user_id"], doc["_id"], dict(doc.get("artifact_keys") or {}))

    def fail_ready_voice(self, voice_id: str, reason: str) -> bool:
        """A ready voice that cannot speak any more: failed, with the reason; True if it changed now."""
        result = self.voices.update_one(
            {"_id": voice_id, "status": str(VoiceStatus.READY)},
            {"$set": {"status": str(VoiceStatus.FAILED), "error_message": reason, "updated_at": utcnow()}},
        )
        return result.modified_count == 1

    # -- samples ---------------------------------------------------------------------------------
    def sample_objects(self, statuses: Iterable[SampleStatus]) -> Iterator[SampleObject]:
        query = {"status": {"$in": [str(status) for status in statuses]}}
        for doc in self.samples.find(query, {"user_id": 1, "s3_key": 1, "status": 1}):
            yield SampleObject(doc["user_id"], doc["_id"], doc["s3_key"], doc["status"])

    def reject_sample(self, user_id: str, sample_id: str, from_statuses: Iterable[SampleStatus], reason: str) -> bool:
        """Rejected with `reason` (not suitable for training) if still in one of `from_statuses`."""
        result = self.samples.update_one(
            {"_id": sample_id, "user_id": user_id, "status": {"$in": [str(status) for status in from_statuses]}},
            {
                "$set": {
                    "status": str(SampleStatus.REJECTED),
                    "suitable_for_training": False,
                    "reasons": [reason],
                    "updated_at": utcnow(),
                }
            },
        )
        return result.modified_count == 1

    # -- TTS outputs -----------------------------------------------------------------------------
    def completed_tts_outputs(self) -> Iterator[TtsOutput]:
        query = {"status": str(JobStatus.COMPLETED), "output_key": {"$ne": None}, "output_expired": {"$ne": True}}
        for doc in self.tts.find(query, {"user_id": 1, "output_key": 1}):
            yield TtsOutput(doc["user_id"], doc["_id"], doc["output_key"])

    def expire_tts_output(self, user_id: str, job_id: str) -> bool:
        """Downloads answer 410 from now on (as after the cleanup handler saw the object go)."""
        result = self.tts.update_one(
            {"_id": job_id, "user_id": user_id, "output_expired": {"$ne": True}},
            {"$set": {"output_expired": True, "updated_at": utcnow()}},
        )
        return result.modified_count == 1
