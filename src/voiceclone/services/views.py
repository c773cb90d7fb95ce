"""What the API shows: one output model per resource, separate from the stored records.

A view declares the fields a client sees; everything else a record holds (S3 keys, execution ARNs,
deadlines, admission tickets, the owner's id) stays inside. `ViewModel.of(record)` builds a view
from a record (or any object with those attributes).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.api_keys import ApiKeyScope
from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.long_form import LanguagePart
from voiceclone.domain.registry import EngineSpec, Price
from voiceclone.domain.samples import SampleQuality, SampleStatus
from voiceclone.domain.training import TrainingConfig
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.domain.users import PlanLimits, UsageTotals
from voiceclone.domain.voices import Visibility, VoiceStatus
from voiceclone.quality.report import ResultQuality, VoiceQualityReport

V = TypeVar("V", bound="ViewModel")


class View(BaseModel):
    """Base of every view. One handler module serves a few routes, each answering a view or two: a view's
    validator is built when a request first uses it, not when the module loads (the cold start)."""

    model_config = ConfigDict(defer_build=True)


class ViewModel(View):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: Any, **extra: Any) -> Self:
        view = cls.model_validate(record, from_attributes=True)
        return view.model_copy(update=extra) if extra else view


class Page(View, Generic[V]):
    items: list[V]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page; null on the last")


def page_of(view: type[V], page: Any) -> Page[V]:
    # Parametrised at run time so pydantic serialises the concrete view's fields; mypy has no type for that.
    model: type[Page[V]] = Page[view]  # type: ignore[valid-type]
    return model(items=[view.of(item) for item in page.items], next_cursor=page.next_cursor)


class ErrorDetail(View):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["body.text: String should have at least 1 character"])


class ErrorBody(View):
    """Every error answer: a stable code and a readable message."""

    error: ErrorDetail


# --- samples ---------------------------------------------------------------------------------------


class SampleView(ViewModel):
    sample_id: str
    name: str
    filename: str
    content_type: str
    status: SampleStatus
    language: str | None = None
    transcript: str | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    format: str | None = None
    size_bytes: int | None = None
    quality: SampleQuality | None = None
    suitable_for_training: bool = Field(description="at the default quality target (medium)")
    reasons: list[str] = Field(description="what blocks training, each with what to do")
    created_at: datetime
    updated_at: datetime


class UploadForm(View):
    url: str = Field(description="POST a multipart form here: every field below, then the file as `file`")
    fields: dict[str, str]
    max_bytes: int
    expires_in: int = Field(description="seconds the form stays valid")


class CreatedSample(View):
    sample: SampleView
    upload: UploadForm


# --- training --------------------------------------------------------------------------------------


class TrainingJobView(ViewModel):
    job_id: str
    voice_name: str
    sample_ids: list[str]
    config: TrainingConfig
    language: str
    language_shares: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    status: JobStatus
    progress: float
    stage: str | None = None
    voice_id: str | None = None
    result_model_id: str | None = None
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None


class SuitableSamples(View):
    items: list[SampleView]
    total_duration_s: float
    model_type: str
    quality_target: str


class SampleCheck(View):
    sample_id: str
    usable: bool
    reason: str | None = Field(description="the problems joined; null when usable")
    problems: list[str]
    advice: list[str]
    quality_score: float | None


class SamplesValidation(View):
    valid: bool
    model_type: str
    quality_target: str
    samples: list[SampleCheck]
    total_duration_s: float
    recommended_duration_s: float
    language: str = Field(description="the language a voice trained on the usable samples would speak")
    language_shares: dict[str, float]
    warnings: list[str]


class TrainingStats(View):
    scope: str
    jobs: dict[str, int]
    total: int
    voices_owned: int | None = None
    suitable_samples: int | None = None


# --- voices ----------------------------------------------------------------------------------------


class VoiceView(ViewModel):
    voice_id: str
    name: str
    engine: str
    model_type: str
    status: VoiceStatus
    visibility: Visibility
    languages: list[str]
    quality_report: dict[str, Any] | None = None
    quality: QualityHeadline | None = Field(default=None, description="headline figures of the quality report")
    owned: bool = True
    training_job_id: str | None = Field(default=None, description="only for your own voices")
    sample_ids: list[str] | None = Field(default=None, description="only for your own voices")
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def for_user(cls, voice: Any, user_id: str) -> VoiceView:
        headline = QualityHeadline.of_report(voice.quality_report)
        view = cls.of(voice, owned=voice.user_id == user_id, quality=headline)
        if view.owned:
            return view
        return view.model_copy(update={"training_job_id": None, "sample_ids": None, "error_message": None})


# --- tts -------------------------------------------------------------------------------------------


class TtsJobView(ViewModel):
    job_id: str
    voice_model_id: str
    engine: str
    text: str
    characters: int
    language: str
    language_detected: bool = Field(default=False, description="true: found in the text (the request gave none)")
    language_confidence: float | None = Field(default=None, description="the detector's, when detected")
    language_parts: list[LanguagePart] = Field(
        default_factory=list, description="runs of the text by language [start, end) when it mixes languages")
    style_sample_id: str | None = None
    style_instructions: str | None = None
    output_format: OutputFormat
    voice_settings: VoiceSettings
    status: JobStatus
    progress: float
    stage: str | None = None
    estimated_duration_s: float | None = None
    estimated_cost_usd: float | None = None
    actual_duration_s: float | None = None
    actual_cost_usd: float | None = None
    quality_score: float | None = None
    output_expired: bool = False
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None


class TtsResult(View):
    job_id: str
    status: JobStatus
    output_format: OutputFormat
    download_url: str
    expires_in: int
    duration_s: float | None
    cost_usd: float | None
    quality_score: float | None
    characters: int
    quality: ResultQuality | None = Field(default=None, description="measured on this result by the synth worker")


class VoiceSource(StrEnum):
    OWN = "own"
    PUBLIC = "public"  # another user's public voice
    CATALOGUE = "catalogue"  # a provider's preset voice (OpenAI, Azure, Bark speaker prompts)


class EngineView(EngineSpec):
    """A registry row with its availability (from engine_status, checked off the request path)."""

    available: bool
    unavailable_reason: str | None = Field(
        default=None, examples=["no API key configured", "weights not in place", "no worker serving it"]
    )
    checked_at: datetime | None = None


class AvailableVoice(View):
    voice_id: str = Field(description="the voice_model_id /api/tts/generate takes (e.g. openai:alloy for a catalogue voice)")
    voice_model_id: str
    name: str
    source: VoiceSource
    engine: str
    model_type: str
    languages: list[str]
    visibility: Visibility
    owned: bool
    status: VoiceStatus
    available: bool  # its engine's availability
    gender: str | None = None
    usd_per_1k_characters: float


class AvailableModels(View):
    voices: list[AvailableVoice]
    engines: list[EngineView]


class ModelInfo(View):
    """An engine's (model_id = a model type) or a voice's full specification and price."""

    model_id: str
    kind: str = Field(examples=["engine", "voice"])
    engine: EngineView
    price: Price
    voice: AvailableVoice | None = None
    created_at: datetime | None = None
    quality_report: dict[str, Any] | None = None


# --- account ---------------------------------------------------------------------------------------


class UsageView(View):
    month: str
    characters: int
    characters_remaining: int
    tts_jobs: int
    voices: int
    active_jobs: int


class AccountView(View):
    user_id: str
    plan: str
    limits: PlanLimits
    usage: UsageView
    totals: UsageTotals
    created_at: datetime


class PlatformStats(View):
    users: int
    training_jobs: dict[str, int]
    tts_jobs: dict[str, int]
    voices: int
    samples: int


# --- quality ---------------------------------------------------------------------------------------


class QualityHeadline(View):
    """A voice's quality in a few figures (the voice listing shows these)."""

    evaluated: bool = Field(description="false: the voice was made before quality reports")
    passed: bool | None = Field(description="whether the voice reaches its quality target")
    quality_target: str | None = None
    speaker_similarity: float | None = None
    same_speaker_probability: float | None = None
    dnsmos_ovrl: float | None = None
    wer: float | None = None
    quality_score: float | None = None

    @classmethod
    def of_report(cls, report: dict[str, Any] | None) -> QualityHeadline:
        if not report or not report.get("evaluated"):  # none, or an evaluation that could not run
            return cls(evaluated=False, passed=report.get("passed") if report else None)
        headline = report.get("headline") or {}
        return cls(evaluated=True, passed=report.get("passed"), quality_target=report.get("quality_target"), **headline)


class VoiceQualityView(View):
    voice_id: str
    status: VoiceStatus
    evaluated: bool
    message: str | None = Field(default=None, description="why there is no report, when there is none")
    report: VoiceQualityReport | None = None
    training: dict[str, Any] = Field(default_factory=dict, description="the training's own figures (steps, loss...)")


class SimilarityView(View):
    voice_id: str
    sample_id: str
    encoder: str
    score: float = Field(description="cosine similarity (SECS) of the sample's and the voice's speaker embeddings")
    same_speaker_probability: float = Field(ge=0, le=1, description="calibrated on real speakers")
    same_speaker: bool = Field(description="score at or above the equal-error-rate threshold")
    threshold: float


# --- API keys --------------------------------------------------------------------------------------


class ApiKeyView(ViewModel):
    """A key as listed: never the secret, never its hash."""

    key_id: str
    name: str
    prefix: str = Field(description="the key's first characters, to tell keys apart", examples=["vc_live_Ab3xYz"])
    scopes: list[ApiKeyScope]
    created_at: datetime
    last_used_at: datetime | None = Field(default=None, description="updated at most once a minute")
    expires_at: datetime | None = None


class CreatedApiKey(ApiKeyView):
    secret: str = Field(description="the key itself: shown in this answer only, store it now")
