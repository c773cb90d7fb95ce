"""Views of training jobs, sample checks and training statistics."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.training import TrainingConfig
from voiceclone.services.views.base import View, ViewModel
from voiceclone.services.views.samples import SampleView


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
