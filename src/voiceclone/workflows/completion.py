"""The last step of each state machine: record the worker's result on the job.

Both are safe to retry: a job already completed with this result is answered again, and the TTS
charge is keyed by job id (charged once, whatever the retries).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobCancelled, JobStatus
from voiceclone.domain.pricing import pricing_for
from voiceclone.domain.timeutil import month_key
from voiceclone.domain.voices import VoiceStatus
from voiceclone.quality.embeddings import VOICE, SpeakerEmbeddings
from voiceclone.quality.report import for_target
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository
from voiceclone.workers.messages import SynthResult, TrainResult
from voiceclone.workflows.errors import JobNotRunnable

logger = Logger(service="voiceclone")

STAGE_COMPLETED = "completed"


def _complete(jobs: JobRepository, user_id: str, job_id: str, **fields: Any):
    """processing -> completed with `fields`; an already completed job is returned as it is."""
    try:
        return jobs.transition(user_id, job_id, JobStatus.COMPLETED, stage=STAGE_COMPLETED, **fields)
    except InvalidTransition:
        job = jobs.get(user_id, job_id)
        if job.status == JobStatus.COMPLETED:
            return job
        if job.status == JobStatus.CANCELLED:
            raise JobCancelled(f"{jobs.kind} '{job_id}' was cancelled by the user") from None
        raise JobNotRunnable(f"{jobs.kind} '{job_id}' is {job.status}; its result is not recorded") from None


def register_voice(store: Store, settings: Settings, user_id: str, job_id: str, result: TrainResult) -> dict[str, Any]:
    """Job completed with its voice; the voice ready with its artifacts, metrics and quality report (at the
    job's quality target: below it the voice is still ready, with passed: false), its reference embedding
    stored."""
    job = _complete(store.training, user_id, job_id, result_model_id=result.voice_id)
    voice = store.voices.find(user_id, result.voice_id)
    if voice is not None and voice.status == VoiceStatus.TRAINING:
        quality = dict(result.quality or {})
        reference = quality.pop("reference_embedding", None)
        if quality:
            quality = for_target(quality, str(job.config.quality_target))
        voice = store.voices.mark_ready(
            user_id,
            result.voice_id,
            artifact_keys=result.artifact_keys,
            quality_report={**result.metrics, "model_type": result.model_type, **quality},
            languages=[result.language],
        )
        if reference:  # what the similarity API compares samples with
            SpeakerEmbeddings(store.database).put(user_id, VOICE, result.voice_id, reference["encoder"], reference["embedding"])
    _remove_scratch(settings, user_id, job_id)
    return {"job_id": job.job_id, "status": str(job.status), "voice_id": result.voice_id,
            "voice_status": str(voice.status) if voice else "deleted"}


def _remove_scratch(settings: Settings, user_id: str, job_id: str) -> None:
    """Enhanced clips and checkpoints served their purpose once the voice exists."""
    try:
        blobs.delete_prefix(settings.samples_bucket, blobs.prepared_prefix(user_id, job_id))
        blobs.delete_prefix(settings.models_bucket, blobs.checkpoint_prefix(user_id, job_id))
    except Exception:  # leftovers are purged by the sweeper; the voice is what matters
        logger.exception("could not remove training scratch objects", extra={"job_id": job_id})


def finalize_tts(store: Store, user_id: str, job_id: str, result: SynthResult) -> dict[str, Any]:
    """Job completed with its output, actual duration and cost; the month's usage charged once."""
    current = store.tts.get(user_id, job_id)
    cost = round(current.characters / 1000 * pricing_for(current.engine).usd_per_1k_characters, 6)
    job = _complete(
        store.tts,
        user_id,
        job_id,
        output_key=result.output_key,
        actual_duration_s=round(result.duration_s, 3),
        actual_cost_usd=cost,
        quality_score=_quality_score(result.metrics),
        quality=result.quality,
    )
    # The API charged at request time; this is a no-op then, and charges once if it did not.
    charged_now = store.users.charge_characters(user_id, job_id, job.characters, month=month_key(job.created_at))
    return {"job_id": job.job_id, "status": str(job.status), "output_key": job.output_key, "charged_now": charged_now}


def _quality_score(metrics: dict[str, float]) -> float | None:
    score = metrics.get("quality_score")
    return None if score is None else min(max(float(score), 0.0), 1.0)
