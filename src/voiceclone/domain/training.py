"""Training jobs: turn a user's samples into a voice model."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record
from voiceclone.domain.jobs import JobStatus


class ModelType(StrEnum):
    XTTS_V2 = "xtts_v2"  # fine-tune the GPT part of XTTS v2 on the samples
    XTTS_V2_INSTANT = "xtts_v2_instant"  # zero-shot: speaker latents from the samples, no training


class QualityTarget(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FineTuneSettings(BaseModel):
    """The fine-tune knobs a user may set; the one definition the API, the messages and the engines share."""

    epochs: int = Field(default=100, ge=1, le=1000, strict=True)
    batch_size: int = Field(default=4, ge=1, le=64, strict=True)
    learning_rate: float = Field(default=5e-6, gt=0, le=1e-2, strict=True)


class TrainingConfig(FineTuneSettings):
    """A training job's settings as the API takes them and the job record keeps them."""

    model_config = ConfigDict(extra="forbid")

    model_type: ModelType = ModelType.XTTS_V2
    quality_target: QualityTarget = QualityTarget.MEDIUM


class FineTuneConfig(FineTuneSettings):
    """What a fine-tune runs with: the user's knobs and the operator's checkpoint interval.

    The train message carries it and the engine reads it; unknown fields are ignored so an older
    message (one that still carried the quality target) parses.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    checkpoint_every_steps: int = Field(default=50, ge=1, description="checkpoint to the models bucket this often")


class TrainingJob(Record):
    job_id: str
    voice_name: str
    sample_ids: list[str]
    config: TrainingConfig = Field(default_factory=TrainingConfig)
    language: str = "en"
    language_shares: dict[str, float] = Field(default_factory=dict, description="share of the speech per language")
    warnings: list[str] = Field(default_factory=list)
    status: JobStatus = JobStatus.PENDING
    progress: float = Field(default=0.0, ge=0.0, le=1.0)
    stage: str | None = None
    voice_id: str | None = None  # the voice record created with the job (status training)
    result_model_id: str | None = None
    error_message: str | None = None
    execution_arn: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    deadline_at: datetime | None = None
