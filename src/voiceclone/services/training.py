"""Training: start a job on the caller's ready samples, read, list, cancel, check samples, stats."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voiceclone.config import Settings
from voiceclone.domain.errors import Forbidden, InvalidInput, QuotaExceeded, SamplesNotUsable
from voiceclone.domain.ids import TRAINING_JOB_PREFIX, VOICE_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.languages import Language
from voiceclone.domain.readiness import infer_language, training_problems, verdict_for
from voiceclone.domain.registry import REGISTRY, TrainingStep, spec_of
from voiceclone.domain.samples import VoiceSample
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.training import (
    ModelType,
    QualityTarget,
    TrainableModelType,
    TrainingConfig,
    TrainingJob,
    untrainable_reason,
)
from voiceclone.domain.voices import VoiceModel, VoiceStatus
from voiceclone.services import quotas
from voiceclone.services.launch import cancel, launch
from voiceclone.services.views.base import Page, page_of
from voiceclone.services.views.samples import SampleView
from voiceclone.services.views.training import (
    SampleCheck,
    SamplesValidation,
    SuitableSamples,
    TrainingJobView,
    TrainingStats,
)
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.samples import SampleRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module

MAX_SAMPLES = 100


class StartTrainingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    voice_name: str = Field(min_length=1, max_length=100, examples=["My Voice"])
    sample_ids: list[str] = Field(min_length=1, max_length=MAX_SAMPLES)
    training_config: TrainingConfig = Field(default_factory=TrainingConfig)
    language: Language | None = Field(
        default=None, description="the voice's language; default: the language most of the samples' speech is in"
    )

    @field_validator("sample_ids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("sample_ids must not repeat")
        return value


class ValidateSamplesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_ids: list[str] = Field(min_length=1, max_length=MAX_SAMPLES)
    model_type: TrainableModelType = ModelType.XTTS_V2
    quality_target: QualityTarget = QualityTarget.MEDIUM


def _usable_samples(
    store: Store, settings: Settings, user_id: str, sample_ids: list[str], config: TrainingConfig
) -> list[VoiceSample]:
    """The requested samples if all can train `config`'s model type at its target; else SamplesNotUsable."""
    found = store.samples.get_many(user_id, sample_ids)
    problems: dict[str, str] = {}
    for sample_id in sample_ids:
        found_problems = training_problems(
            found.get(sample_id), config.model_type, config.quality_target, bool(settings.asr_model)
        )
        if found_problems:
            problems[sample_id] = "; ".join(found_problems)
    if problems:
        raise SamplesNotUsable(problems)
    return [found[sample_id] for sample_id in sample_ids]


def remote_clone_unavailable(settings: Settings, model_type: str) -> str | None:
    """Why training cannot clone `model_type` at its provider here (no key configured); None when it can
    or when the model type does not clone remotely."""
    spec = spec_of(model_type)
    if spec is None or spec.training_step != TrainingStep.REMOTE_CLONE:
        return None
    from voiceclone.engines.remote.keys import load_provider_keys  # no network: the environment or the secret

    if load_provider_keys(settings.provider_keys_secret_arn).configured(spec.engine):
        return None
    return f"{model_type} has no API key configured on this platform: it cannot clone voices here"


def _check_engine_here(settings: Settings, model_type: ModelType) -> None:
    """A model type cloned at a remote engine trains only where the platform has that engine's key."""
    refused = remote_clone_unavailable(settings, model_type)
    if refused:
        raise InvalidInput(refused)


def start_training(store: Store, settings: Settings, user_id: str, request: StartTrainingRequest) -> TrainingJobView:
    _check_engine_here(settings, request.training_config.model_type)
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    samples = _usable_samples(store, settings, user_id, request.sample_ids, request.training_config)
    language = infer_language(samples, request.language)
    quotas.check_voice_count(store, user_id, limits)
    quotas.check_concurrent_jobs(store, user_id, limits)
    job_id, voice_id = new_id(TRAINING_JOB_PREFIX), new_id(VOICE_PREFIX)
    model_type = request.training_config.model_type
    store.voices.create(
        VoiceModel(
            voice_id=voice_id,
            user_id=user_id,
            name=request.voice_name,
            engine=REGISTRY[model_type].engine,
            model_type=model_type,
            languages=[language.language],
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
            language=language.language,
            language_shares=language.shares,
            warnings=language.warnings,
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
    return TrainingJobView.of(job)


def get_job(store: Store, user_id: str, job_id: str) -> TrainingJobView:
    return TrainingJobView.of(store.training.get(user_id, job_id))


def list_jobs(store: Store, user_id: str, limit: int, cursor: str | None, status: JobStatus | None) -> Page[TrainingJobView]:
    return page_of(TrainingJobView, store.training.list(user_id, limit=limit, cursor=cursor, status=status and str(status)))


def cancel_job(store: Store, user_id: str, job_id: str) -> TrainingJobView:
    job = cancel(store.training, user_id, job_id)
    if job.voice_id:
        voice = store.voices.find(user_id, job.voice_id)
        if voice is not None and voice.status == VoiceStatus.TRAINING:
            store.voices.mark_failed(user_id, job.voice_id, "training cancelled")
    return TrainingJobView.of(job)


def suitable_samples(
    store: Store, settings: Settings, user_id: str, model_type: ModelType, target: QualityTarget
) -> SuitableSamples:
    """The caller's ready samples that can train `model_type` at `target`."""
    refused = untrainable_reason(model_type)
    if refused:
        raise InvalidInput(refused)
    _check_engine_here(settings, model_type)
    asr = bool(settings.asr_model)
    samples = [s for s in store.samples.list_ready(user_id) if not training_problems(s, model_type, target, asr)]
    return SuitableSamples(
        items=[SampleView.of(s) for s in samples],
        total_duration_s=round(sum(s.duration_s or 0.0 for s in samples), 2),
        model_type=str(model_type),
        quality_target=str(target),
    )


def validate_samples(store: Store, settings: Settings, user_id: str, request: ValidateSamplesRequest) -> SamplesValidation:
    """Say which samples can train `model_type` at `quality_target`, and whether there is enough speech,
    without starting anything."""
    found = store.samples.get_many(user_id, request.sample_ids)
    report, total, usable = [], 0.0, []
    for sample_id in request.sample_ids:
        sample = found.get(sample_id)
        problems = training_problems(sample, request.model_type, request.quality_target, bool(settings.asr_model))
        verdict = verdict_for(sample, request.quality_target) if sample is not None else None
        if sample is not None and not problems:
            total += sample.duration_s or 0.0
            usable.append(sample)
        report.append(
            SampleCheck(
                sample_id=sample_id,
                usable=not problems,
                reason="; ".join(problems) or None,
                problems=problems,
                advice=verdict.advice if verdict else [],
                quality_score=verdict.quality_score if verdict else None,
            )
        )
    recommended = REGISTRY[request.model_type].recommended_speech_s or 0.0
    language = infer_language(usable or [s for s in found.values()])
    warnings = list(language.warnings)
    if total < recommended:
        warnings.append(f"{total:.1f} s of usable speech; {recommended:.0f} s or more is recommended for {request.model_type}")
    return SamplesValidation(
        valid=all(item.usable for item in report),
        model_type=str(request.model_type),
        quality_target=str(request.quality_target),
        samples=report,
        total_duration_s=round(total, 2),
        recommended_duration_s=recommended,
        language=language.language,
        language_shares=language.shares,
        warnings=warnings,
    )


def stats(store: Store, user_id: str, platform: bool = False, is_admin: bool = False) -> TrainingStats:
    """The caller's training figures; with platform=True (admins only) the whole platform's."""
    if platform and not is_admin:
        raise Forbidden("platform-wide stats are for the admin group")
    scope = None if platform else user_id
    by_status = store.training.count_by_status(scope)
    result = TrainingStats(scope="platform" if platform else "user", jobs=by_status, total=sum(by_status.values()))
    if not platform:
        result.voices_owned = store.voices.count_owned(user_id)
        result.suitable_samples = len(store.samples.list_suitable(user_id))
    return result

