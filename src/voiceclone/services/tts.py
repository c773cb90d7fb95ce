"""TTS: start a generation with an own or public voice, read, list, cancel, result and download, voices available."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voiceclone import blobs
from voiceclone.config import Settings
from voiceclone.domain.availability import NO_WEIGHTS
from voiceclone.domain.errors import Conflict, EngineUnavailable, Gone, InvalidInput, NotFound, QuotaExceeded
from voiceclone.domain.ids import TTS_JOB_PREFIX, new_id
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.languages import Language
from voiceclone.domain.pricing import estimate_tts
from voiceclone.domain.registry import EngineSpec, spec_of
from voiceclone.domain.text import speakable_text
from voiceclone.domain.timestamps import Timestamps
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.tts import OutputFormat, TtsJob, VoiceSettings
from voiceclone.quality.report import ResultQuality
from voiceclone.services import engines as engine_registry
from voiceclone.services import quotas
from voiceclone.services.launch import cancel, launch
from voiceclone.services.tts_text import check_style, choose_language
from voiceclone.services.views.base import Page, page_of
from voiceclone.services.views.engines import AvailableModels, EngineView, ModelInfo
from voiceclone.services.views.tts import TtsJobView, TtsResult
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module

# Hard cap before any plan applies (the plan's max_text_length is usually lower).
MAX_TEXT_CHARACTERS = 100_000


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARACTERS, examples=["Hello from my cloned voice."])
    voice_model_id: str = Field(min_length=1, max_length=100)
    output_format: OutputFormat = OutputFormat.MP3
    voice_settings: VoiceSettings = Field(default_factory=VoiceSettings)
    language: Language | None = Field(default=None, description="omitted: detected from the text (a text mixing "
                                      "languages is spoken part by part in each)")
    style_sample_id: str | None = Field(default=None, min_length=1, max_length=100,
                                        description="another ready sample of yours whose prosody the voice takes on")
    style_instructions: str | None = Field(default=None, min_length=1, max_length=1000,
                                           description="free-text style for engines that take instructions")

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        return speakable_text(value)


def _speaker(store: Store, settings: Settings, user_id: str, request: GenerateRequest) -> tuple[EngineView, str, str]:
    """The engine, voice id and default language of the request's voice: a catalogue voice (its engine
    must be usable: a remote one probed fine, a self-hosted one with weights in place; GPU workers may
    scale from zero) or the caller's own or a public voice."""
    engines = engine_registry.engines_now(store, settings)
    catalogue = engine_registry.find_catalogue_voice(engines, request.voice_model_id)
    if catalogue is not None:
        engine, entry = catalogue
        if not engine.available and (engine.remote or engine.unavailable_reason == NO_WEIGHTS):
            raise EngineUnavailable(f"engine {engine.model_type} is not available: {engine.unavailable_reason}")
        language = (entry.language or "en").split("-")[0].lower()
        return engine, request.voice_model_id, language
    voice = store.voices.get_usable(user_id, request.voice_model_id)
    spec = spec_of(voice.model_type)
    if spec is None:
        raise InvalidInput(f"voice '{voice.voice_id}' has model type {voice.model_type}, which no engine serves")
    return engines.views[spec.model_type], voice.voice_id, voice.languages[0] if voice.languages else "en"


def generate(store: Store, settings: Settings, user_id: str, request: GenerateRequest) -> TtsJobView:
    limits = quotas.limits_of(store, user_id, settings.default_plan)
    characters = len(request.text)
    quotas.check_text_length(characters, limits)
    engine, voice_id, voice_language = _speaker(store, settings, user_id, request)
    engine_registry.check_request_fits(engine, characters, request.output_format)
    spec: EngineSpec = spec_of(engine.model_type)  # type: ignore[assignment]  # views come from the registry
    check_style(store, user_id, spec, request.style_sample_id, request.style_instructions)
    spoken = choose_language(request.text, request.language, spec, voice_language)
    quotas.check_concurrent_jobs(store, user_id, limits)
    estimate = estimate_tts(engine.model_type, characters, request.voice_settings.speed)
    job_id = new_id(TTS_JOB_PREFIX)
    month = month_key()
    store.tts.create(
        TtsJob(
            job_id=job_id,
            user_id=user_id,
            voice_model_id=voice_id,
            engine=engine.model_type,
            text=request.text,
            characters=characters,
            language=spoken.language,
            language_detected=spoken.detected,
            language_confidence=spoken.confidence,
            language_parts=spoken.parts,
            style_sample_id=request.style_sample_id,
            style_instructions=request.style_instructions,
            output_format=request.output_format,
            voice_settings=request.voice_settings,
            estimated_duration_s=estimate.audio_duration_s,
            estimated_cost_usd=estimate.cost_usd,
            deadline_at=utcnow() + timedelta(seconds=settings.tts_job_deadline_s),
        ),
        admitting=True,
    )
    try:
        quotas.admit_job(store, store.tts, user_id, job_id, limits)
        # Charged before it runs (one conditional update): concurrent requests cannot overshoot the month.
        store.users.charge_characters(user_id, job_id, characters, limits.monthly_characters, month)
    except QuotaExceeded:  # no slot or no characters left: no job, no charge
        store.tts.discard(user_id, job_id)
        raise

    def refund(_message: str) -> None:
        store.users.refund_characters(user_id, job_id, characters, month)

    return TtsJobView.of(launch(store.tts, settings.tts_state_machine_arn, user_id, job_id, refund))


def get_job(store: Store, user_id: str, job_id: str) -> TtsJobView:
    return TtsJobView.of(store.tts.get(user_id, job_id))


def list_jobs(store: Store, user_id: str, limit: int, cursor: str | None, status: JobStatus | None) -> Page[TtsJobView]:
    return page_of(TtsJobView, store.tts.list(user_id, limit=limit, cursor=cursor, status=status and str(status)))


def cancel_job(store: Store, user_id: str, job_id: str) -> TtsJobView:
    job = cancel(store.tts, user_id, job_id)
    store.users.refund_characters(user_id, job_id, job.characters, month_key(job.created_at))
    return TtsJobView.of(job)


def _output_key(store: Store, settings: Settings, user_id: str, job_id: str) -> tuple[TtsJob, str]:
    """The completed job and its output key; 409 while not completed, 410 once the output is gone."""
    job = store.tts.get(user_id, job_id)
    if job.status != JobStatus.COMPLETED:
        raise Conflict(f"tts job '{job_id}' is {job.status}; the result exists once it is completed")
    if job.output_expired or not job.output_key:
        raise Gone(f"the output of tts job '{job_id}' has expired or was deleted")
    if not blobs.object_exists(settings.outputs_bucket, job.output_key):
        store.tts.mark_output_expired(user_id, job_id)
        raise Gone(f"the output of tts job '{job_id}' has expired or was deleted")
    return job, job.output_key


def result(store: Store, settings: Settings, user_id: str, job_id: str) -> TtsResult:
    job, key = _output_key(store, settings, user_id, job_id)
    return TtsResult(
        job_id=job.job_id,
        status=job.status,
        output_format=job.output_format,
        download_url=download_url(store, settings, user_id, job_id, job_and_key=(job, key)),
        expires_in=settings.download_url_expiry_s,
        duration_s=job.actual_duration_s,
        cost_usd=job.actual_cost_usd if job.actual_cost_usd is not None else job.estimated_cost_usd,
        quality_score=job.quality_score,
        characters=job.characters,
        quality=ResultQuality.model_validate(job.quality) if job.quality is not None else None,
    )


def download_url(
    store: Store, settings: Settings, user_id: str, job_id: str, job_and_key: tuple[TtsJob, str] | None = None
) -> str:
    job, key = job_and_key or _output_key(store, settings, user_id, job_id)
    filename = f"{job.job_id}.{job.output_format}"
    return blobs.presign_download(settings, settings.outputs_bucket, key, filename=filename)


def _timing_file(store: Store, settings: Settings, user_id: str, job_id: str, key: str) -> bytes:
    """A completed job's timing file; 409/410 like its result, 404 when its engine wrote none."""
    job, _ = _output_key(store, settings, user_id, job_id)
    body = blobs.read_object(settings.outputs_bucket, key)
    if body is None:
        raise NotFound(f"timestamps of tts job (engine {job.engine}; remote engines give none)", job_id)
    return body


def timestamps(store: Store, settings: Settings, user_id: str, job_id: str) -> Timestamps:
    """When each sentence of the result is spoken."""
    key = blobs.tts_timestamps_key(user_id, job_id)
    return Timestamps.model_validate_json(_timing_file(store, settings, user_id, job_id, key))


def subtitles(store: Store, settings: Settings, user_id: str, job_id: str) -> str:
    """The result's sentences as WebVTT cues."""
    return _timing_file(store, settings, user_id, job_id, blobs.tts_subtitles_key(user_id, job_id)).decode()


def available_models(store: Store, settings: Settings, user_id: str) -> AvailableModels:
    return engine_registry.available_models(store, settings, user_id)


def model_info(store: Store, settings: Settings, user_id: str, model_id: str) -> ModelInfo:
    return engine_registry.model_info(store, settings, user_id, model_id)
