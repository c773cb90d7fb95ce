"""Indexes for every query the API and the workflows make (created at start-up, idempotent)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

SAMPLES = "voice_samples"
VOICES = "voice_models"
TRAINING_JOBS = "training_jobs"
TTS_JOBS = "tts_jobs"
TTS_BATCHES = "tts_batches"
USERS = "users"
IDEMPOTENCY = "idempotency"
API_KEYS = "api_keys"
ENGINE_STATUS = "engine_status"  # a handful of documents read whole: no index beyond _id

_NEWEST_FIRST = [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
# On job collections, user_status also serves count_active and the concurrent-jobs admission queue.

INDEXES: dict[str, list[IndexModel]] = {
    SAMPLES: [
        IndexModel(_NEWEST_FIRST, name="user_newest"),
        IndexModel([("user_id", ASCENDING), ("status", ASCENDING)], name="user_status"),
        IndexModel([("status", ASCENDING), ("updated_at", ASCENDING)], name="status_updated"),
    ],
    VOICES: [
        IndexModel(_NEWEST_FIRST, name="user_newest"),
        IndexModel([("user_id", ASCENDING), ("status", ASCENDING)], name="user_status"),
        IndexModel(
            [("visibility", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)], name="public_ready"
        ),
    ],
    TRAINING_JOBS: [
        IndexModel(_NEWEST_FIRST, name="user_newest"),
        IndexModel([("user_id", ASCENDING), ("status", ASCENDING)], name="user_status"),
        IndexModel([("status", ASCENDING), ("deadline_at", ASCENDING)], name="status_deadline"),
        IndexModel([("status", ASCENDING), ("completed_at", ASCENDING)], name="status_completed"),
    ],
    TTS_JOBS: [
        IndexModel(_NEWEST_FIRST, name="user_newest"),
        IndexModel([("user_id", ASCENDING), ("status", ASCENDING)], name="user_status"),
        IndexModel([("status", ASCENDING), ("deadline_at", ASCENDING)], name="status_deadline"),
        IndexModel([("status", ASCENDING), ("completed_at", ASCENDING)], name="status_completed"),
        IndexModel([("output_key", ASCENDING)], name="output_key", sparse=True),
    ],
    API_KEYS: [
        # The authenticator's lookup; unique so one secret can never name two keys.
        IndexModel([("secret_hash", ASCENDING)], name="secret_hash", unique=True),
        IndexModel(_NEWEST_FIRST, name="user_newest"),
    ],
    TTS_BATCHES: [
        IndexModel(_NEWEST_FIRST, name="user_newest"),
        IndexModel([("user_id", ASCENDING), ("status", ASCENDING)], name="user_status"),
        IndexModel([("status", ASCENDING), ("deadline_at", ASCENDING)], name="status_deadline"),
        IndexModel([("status", ASCENDING), ("completed_at", ASCENDING)], name="status_completed"),
    ],
    IDEMPOTENCY: [
        # TTL: MongoDB removes a record once `expires_at` has passed.
        IndexModel([("expires_at", ASCENDING)], name="ttl", expireAfterSeconds=0),
    ],
}


def ensure_indexes(database: Database) -> None:
    for collection, models in INDEXES.items():
        database[collection].create_indexes(models)
