"""cleanup: S3 told us an object is gone (deleted or expired by lifecycle); the record follows.

A TTS output gone -> the job's output is marked expired, so download answers 410 with a message
instead of a broken link. A raw sample gone -> the sample record is removed (a sample without its
audio cannot be analysed or trained on). Events for other keys are ignored; a redelivered event
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import NotFound
from voiceclone.store import Store

logger = Logger(service="voiceclone")

REMOVAL_EVENTS = ("ObjectRemoved:", "LifecycleExpiration:")


@dataclass(frozen=True)
class RemovedObject:
    bucket: str
    key: str  # decoded


def removed_objects(event: dict[str, Any]) -> list[RemovedObject]:
    """The objects an S3 notification event says were removed (keys arrive URL-encoded)."""
    removed = []
    for record in event.get("Records") or []:
        name = str(record.get("eventName", ""))
        if not name.startswith(REMOVAL_EVENTS):
            continue
        s3 = record.get("s3") or {}
        bucket, key = (s3.get("bucket") or {}).get("name"), (s3.get("object") or {}).get("key")
        if bucket and key:
            removed.append(RemovedObject(bucket=bucket, key=unquote_plus(key)))
    return removed


def record_removal(store: Store, settings: Settings, removed: RemovedObject) -> str:
    """Update the record the object belonged to; returns what was done (for logs and tests)."""
    if removed.bucket == settings.outputs_bucket and removed.key.startswith("tts/"):
        user_id, job_id = blobs.parse_tts_output_key(removed.key)
        job = store.tts.find(user_id, job_id)
        if job is None or job.output_key != removed.key:
            return "ignored: no tts job has this output"
        store.tts.mark_output_expired(user_id, job_id)
        return f"tts job {job_id} output expired"
    if removed.bucket == settings.samples_bucket and removed.key.startswith("raw/"):
        user_id, sample_id, _ = blobs.parse_raw_sample_key(removed.key)
        sample = store.samples.find(user_id, sample_id)
        if sample is None or sample.s3_key != removed.key:
            return "ignored: no sample has this object"
        try:
            store.samples.delete(user_id, sample_id)
        except NotFound:
            return "ignored: sample already deleted"
        return f"sample {sample_id} deleted"
    return "ignored: not an output or raw sample"


def handle_event(store: Store, settings: Settings, event: dict[str, Any]) -> list[str]:
    outcomes = []
    for removed in removed_objects(event):
        try:
            outcome = record_removal(store, settings, removed)
        except ValueError as exc:  # a key outside our layout
            outcome = f"ignored: {exc}"
        logger.info("object removed", extra={"bucket": removed.bucket, "key": removed.key, "outcome": outcome})
        outcomes.append(outcome)
    return outcomes
