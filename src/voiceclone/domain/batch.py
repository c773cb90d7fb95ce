"""Batch TTS: many texts spoken in one orchestration, one record holding every item and its outcome.

A batch is charged once for all its characters; each item that fails or is cancelled is refunded on
its own (keyed by `refund_part_id`). Items are grouped per voice (`group_key`) so a worker loads a
voice once and speaks all of its items in one go.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record
from voiceclone.domain.jobs import ACTIVE_STATUSES, JobStatus
from voiceclone.domain.tts import OutputFormat, VoiceSettings

BATCH_PREFIX = "bat"
MAX_BATCH_ITEMS = 100
GROUP_MAX_ITEMS = 25  # items one worker message speaks (a large batch spreads over several workers)


class BatchItem(BaseModel):
    """One text of a batch, as resolved at request time (voice, engine, language, format all fixed)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    index: int = Field(ge=0)
    text: str
    characters: int
    voice_model_id: str
    engine: str
    language: str
    output_format: OutputFormat
    voice_settings: VoiceSettings = Field(default_factory=VoiceSettings)
    status: JobStatus = JobStatus.PENDING
    output_key: str | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    quality_score: float | None = None
    error_message: str | None = None
    completed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TtsBatch(Record):
    batch_id: str
    items: list[BatchItem]
    characters: int  # all items' characters: what was charged
    status: JobStatus = JobStatus.PENDING
    progress: float = Field(default=0.0, ge=0.0, le=1.0)
    stage: str | None = None
    estimated_cost_usd: float | None = None
    error_message: str | None = None
    zip_key: str | None = None
    zip_items: int = 0  # how many finished items the stored zip holds
    execution_arn: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    deadline_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def counts(self) -> dict[str, int]:
        """Items per status (every status present, zeros included)."""
        tally = {str(status): 0 for status in JobStatus}
        for item in self.items:
            tally[str(item.status)] += 1
        return tally

    def finished_items(self) -> list[BatchItem]:
        return [item for item in self.items if item.status == JobStatus.COMPLETED and item.output_key]


def group_key(item: BatchItem) -> tuple[str, str]:
    """Items sharing a voice (and so an engine) go to one worker message."""
    return item.voice_model_id, item.engine


def refund_part_id(batch_id: str, index: int) -> str:
    """The idempotency key of one item's refund within the batch's charge."""
    return f"{batch_id}#{index}"


def item_output_key(user_id: str, batch_id: str, index: int, output_format: str) -> str:
    return f"{batch_prefix(user_id, batch_id)}{index:03d}.{output_format}"


def batch_prefix(user_id: str, batch_id: str) -> str:
    return f"batches/{user_id}/{batch_id}/"


def zip_key(user_id: str, batch_id: str, items: int) -> str:
    # Named by how many results it holds: a zip built while items were still running is never reused later.
    return f"{batch_prefix(user_id, batch_id)}batch-{items:03d}.zip"


def item_file_name(item: BatchItem) -> str:
    return f"{item.index:03d}.{item.output_format}"
