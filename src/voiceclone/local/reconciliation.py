"""At start, every record that points at an S3 object is made to tell the truth about it.

The local S3 keeps every acknowledged object across a crash (s3_durability), but a data folder from
before write-through, a hand-deleted file or an object lost elsewhere leaves records pointing at
nothing. And SQS is in memory: an upload acknowledged just before a crash may have lost its event.
- a ready voice missing any of its artifacts: `failed`, error_message VOICE_FILES_MISSING;
- a sample `analyzing` or `ready` whose raw object is gone: `rejected`, reason SAMPLE_FILE_MISSING;
- a sample `uploading` or `analyzing` whose raw object is there: its upload event is delivered again
  (analysis was never run or was cut short);
- a completed TTS job whose output is gone: output expired (downloads answer 410, as after cleanup).
Jobs left pending/processing are failed by the workflows' start hook (fail_orphaned_jobs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from voiceclone.config import Settings
from voiceclone.domain.samples import SampleStatus
from voiceclone.domain.voices import PROVIDER_VOICE_ARTIFACT
from voiceclone.store import Store
from voiceclone.store.reconciliation import SAMPLE_FILE_MISSING, VOICE_FILES_MISSING, ReconciliationQueries

logger = logging.getLogger(__name__)

LOST_SAMPLE_STATUSES = (SampleStatus.ANALYZING, SampleStatus.READY)
UNANALYSED_STATUSES = (SampleStatus.UPLOADING, SampleStatus.ANALYZING)


@dataclass
class ReconciliationReport:
    failed_voices: list[str] = field(default_factory=list)
    rejected_samples: list[str] = field(default_factory=list)
    redelivered_uploads: list[str] = field(default_factory=list)
    expired_outputs: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.failed_voices, self.rejected_samples, self.redelivered_uploads, self.expired_outputs))


def bucket_keys(s3_client: Any, bucket: str) -> set[str]:
    keys: set[str] = set()
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def upload_event(bucket: str, key: str) -> dict[str, Any]:
    """The ObjectCreated notification S3 sends for an upload (keys URL-encoded), as analyze-sample reads it."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
            }
        ]
    }


def reconcile(
    store: Store, settings: Settings, s3_client: Any, redeliver: Callable[[dict[str, Any]], None] | None = None
) -> ReconciliationReport:
    """Bring every record in line with the objects the buckets hold; `redeliver` queues an upload event."""
    queries = ReconciliationQueries(store.database)
    report = ReconciliationReport()
    _voices(queries, bucket_keys(s3_client, settings.models_bucket), report)
    _samples(queries, settings, bucket_keys(s3_client, settings.samples_bucket), redeliver, report)
    _tts_outputs(queries, bucket_keys(s3_client, settings.outputs_bucket), report)
    if report:
        logger.warning(
            "reconciled records with storage: %d voice(s) failed, %d sample(s) rejected, %d upload(s) "
            "analysed again, %d TTS output(s) expired",
            len(report.failed_voices), len(report.rejected_samples),
            len(report.redelivered_uploads), len(report.expired_outputs),
        )
    return report


def _voices(queries: ReconciliationQueries, model_keys: set[str], report: ReconciliationReport) -> None:
    for voice in queries.ready_voice_artifacts():
        missing = sorted(key for name, key in voice.artifact_keys.items()  # a provider's voice id is no object
                         if name != PROVIDER_VOICE_ARTIFACT and key not in model_keys)
        if missing and queries.fail_ready_voice(voice.voice_id, VOICE_FILES_MISSING):
            logger.warning("voice %s: artifacts missing (%s); marked failed", voice.voice_id, ", ".join(missing))
            report.failed_voices.append(voice.voice_id)


def _samples(
    queries: ReconciliationQueries,
    settings: Settings,
    sample_keys: set[str],
    redeliver: Callable[[dict[str, Any]], None] | None,
    report: ReconciliationReport,
) -> None:
    statuses = set(LOST_SAMPLE_STATUSES) | set(UNANALYSED_STATUSES)
    for sample in list(queries.sample_objects(statuses)):
        present = sample.s3_key in sample_keys
        if not present and sample.status in LOST_SAMPLE_STATUSES:
            if queries.reject_sample(sample.user_id, sample.sample_id, LOST_SAMPLE_STATUSES, SAMPLE_FILE_MISSING):
                report.rejected_samples.append(sample.sample_id)
        elif present and sample.status in UNANALYSED_STATUSES and redeliver is not None:
            redeliver(upload_event(settings.samples_bucket, sample.s3_key))
            report.redelivered_uploads.append(sample.sample_id)


def _tts_outputs(queries: ReconciliationQueries, output_keys: set[str], report: ReconciliationReport) -> None:
    for output in list(queries.completed_tts_outputs()):
        if output.output_key not in output_keys and queries.expire_tts_output(output.user_id, output.job_id):
            report.expired_outputs.append(output.job_id)
