"""Training jobs: turn a user's samples into a voice model."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record
from voiceclone.domain.jobs import JobStatus

# ModelType is defined in domain.model_types; the other layers import it from here or from there.
from voiceclone.domain.model_types import ModelType


def untrainable_reason(model_type: ModelType) -> str | None:
    """Why training cannot make a voice with this model type (the registry gives it no training step)."""
    # The registry's table loads where a model type is checked (the training routes import it anyway),
    # not with every module that names a training job (samples and account only count them).
    from voiceclone.domain.registry import REGISTRY, trainable_model_types

    spec = REGISTRY[model_type]
    if spec.training_step is not None:
        return None
    can = ", ".join(trainable_model_types())
    if not spec.can_clone:
        return f"{model_type} cannot clone a voice: it speaks only its own preset voices (model types that train: {can})"
    return f"{model_type} can clone a voice, but training on this platform does not run it yet (model types that train: {can})"


def _trainable(model_type: ModelType) -> ModelType:
    reason = untrainable_reason(model_type)
    if reason:
        raise ValueError(reason)
    return model_type


# A model type a training job may ask for: one the registry gives a training step.
TrainableModelType = Annotated[ModelType, AfterValidator(_trainable)]


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

    model_type: TrainableModelType = ModelType.XTTS_V2
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
