"""Training: start a job on the caller's ready samples, read, list, cancel, check samples, stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voiceclone.config import Settings
from voiceclone.domain.errors import Forbidden, QuotaExceeded, SamplesNotUsable
from voiceclone.domain.ids import TRAINING_JOB_PREFIX, VOICE_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.languages import Language
from voiceclone.domain.samples import VoiceSample
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.training import ModelType, TrainingConfig, TrainingJob
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.services import quotas
from voiceclone.services.launch import cancel, launch
from voiceclone.services.views import page_view, public
from voiceclone.store import Store

MAX_SAMPLES = 100
# Recommended total speech per model type (seconds): below it, quality suffers (a warning, not an error).
RECOMMENDED_SECONDS = {ModelType.XTTS_V2: 120.0, ModelType.XTTS_V2_INSTANT: 6.0}


class StartTrainingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    voice_name: str = Field(min_length=1, max_length=100, examples=["My Voice"])
    sample_ids: list[str] = Field(min_length=1, max_length=MAX_SAMPLES)
    training_config: TrainingConfig = Field(default_factory=TrainingConfig)
    language: Language = "en"

    @field_validator("sample_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("sample_ids must not repeat")
        return value


class ValidateSamplesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_ids: list[str] = Field(min_length=1, max_length=MAX_SAMPLES)
    model_type: ModelType = ModelType.XTTS_V2


def _usable_samples(store: Store, user_id: str, sample_ids: list[str]) -> dict[str, VoiceSample]:
    """The requested samples if all are the caller's ready, suitable ones; else SamplesNotUsable."""
    found = store.samples.get_many(user_id, sample_ids)
    problems: dict[str, str] = {}
    for sample_id in sample_ids:
        sample = found.get(sample_id)
        reason = "not found" if sample is None else sample.unusable_reason()
        if reason:
            problems[sample_id] = reason
    if problems:
        raise SamplesNotUsable(problems)
    return found


def start_training(store: Store, settings: Settings, user_id: str, request: StartTrainingRequest) -> dict[str, Any]:
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    _usable_samples(store, user_id, request.sample_ids)
    quotas.check_voice_count(store, user_id, limits)
    quotas.check_concurrent_jobs(store, user_id, limits)
    job_id, voice_id = new_id(TRAINING_JOB_PREFIX), new_id(VOICE_PREFIX)
    model_type = request.training_config.model_type
    store.voices.create(
        VoiceModel(
            voice_id=voice_id,
            user_id=user_id,
            name=request.voice_name,
            model_type=str(model_type),
            languages=[request.language],
            training_job_id=job_id,
            sample_ids=request.sample_ids,
        )
    )
    store.training.create(
        TrainingJob(
            job_id=job_id,
            user_id=user_id,
            voice_name=request.voice_name,
            sample_ids=request.sample_ids,
            config=request.training_config,
            language=request.language,
            voice_id=voice_id,
            deadline_at=utcnow() + timedelta(seconds=settings.training_job_deadline_s),
        ),
        admitting=True,
    )
    try:
        quotas.admit_job(store, store.training, user_id, job_id, limits)
    except QuotaExceeded:  # lost the race for a slot: leave nothing behind
        store.training.discard(user_id, job_id)
        store.voices.discard(user_id, voice_id)
        raise
    store.users.count_training_job(user_id)

    def voice_failed(message: str) -> None:
        store.voices.mark_failed(user_id, voice_id, message)

    job = launch(store.training, settings.training_state_machine_arn, user_id, job_id, voice_failed)
    return public(job)


def get_job(store: Store, user_id: str, job_id: str) -> dict[str, Any]:
    return public(store.training.get(user_id, job_id))


def list_jobs(store: Store, user_id: str, limit: int, cursor: str | None, status: JobStatus | None) -> dict[str, Any]:
    return page_view(store.training.list(user_id, limit=limit, cursor=cursor, status=status and str(status)))


def cancel_job(store: Store, user_id: str, job_id: str) -> dict[str, Any]:
    job = cancel(store.training, user_id, job_id)
    if job.voice_id:
        voice = store.voices.find(user_id, job.voice_id)
        if voice is not None and voice.status == VoiceStatus.TRAINING:
            store.voices.mark_failed(user_id, job.voice_id, "training cancelled")
    return public(job)


def suitable_samples(store: Store, user_id: str) -> dict[str, Any]:
    samples = store.samples.list_suitable(user_id)
    return {
        "items": [public(s) for s in samples],
        "total_duration_s": round(sum(s.duration_s or 0.0 for s in samples), 2),
    }


def validate_samples(store: Store, user_id: str, request: ValidateSamplesRequest) -> dict[str, Any]:
    """Say which samples can train and whether there is enough speech, without starting anything."""
    found = store.samples.get_many(user_id, request.sample_ids)
    report, total = [], 0.0
    for sample_id in request.sample_ids:
        sample = found.get(sample_id)
        reason = "not found" if sample is None else sample.unusable_reason()
        if sample is not None and reason is None:
            total += sample.duration_s or 0.0
        report.append({"sample_id": sample_id, "usable": reason is None, "reason": reason})
    recommended = RECOMMENDED_SECONDS[request.model_type]
    warnings = []
    if total < recommended:
        warnings.append(f"{total:.1f} s of usable speech; {recommended:.0f} s or more is recommended for {request.model_type}")
    return {
        "valid": all(item["usable"] for item in report),
        "samples": report,
        "total_duration_s": round(total, 2),
        "recommended_duration_s": recommended,
        "warnings": warnings,
    }


def stats(store: Store, user_id: str, platform: bool = False, is_admin: bool = False) -> dict[str, Any]:
    """The caller's training figures; with platform=True (admins only) the whole platform's."""
    if platform and not is_admin:
        raise Forbidden("platform-wide stats are for the admin group")
    scope = None if platform else user_id
    by_status = store.training.count_by_status(scope)
    result: dict[str, Any] = {"scope": "platform" if platform else "user", "jobs": by_status, "total": sum(by_status.values())}
    if not platform:
        result["voices_owned"] = store.voices.count_owned(user_id)
        result["suitable_samples"] = len(store.samples.list_suitable(user_id))
    return result

