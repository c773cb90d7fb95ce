"""What the batch API shows: a batch with its items (a finished item with its download URL), and the
short form the listing gives. No S3 keys, execution ARNs, deadlines or admission tickets."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from voiceclone.domain.jobs import JobStatus
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.services.views.base import ViewModel


class BatchItemView(ViewModel):
    index: int
    text: str
    characters: int
    voice_model_id: str
    engine: str
    language: str
    output_format: OutputFormat
    voice_settings: VoiceSettings
    status: JobStatus
    duration_s: float | None = None
    size_bytes: int | None = None
    quality_score: float | None = None
    error_message: str | None = None
    completed_at: datetime | None = None
    download_url: str | None = Field(default=None, description="presigned (1 h) once the item is completed")


class BatchCounts(ViewModel):
    pending: int = 0
    processing: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0


class BatchSummaryView(ViewModel):
    batch_id: str
    status: JobStatus
    progress: float = Field(description="share of items that ended (completed, failed or cancelled)")
    stage: str | None = None
    characters: int = Field(description="charged for the whole batch; failed and cancelled items are refunded")
    estimated_cost_usd: float | None = None
    item_count: int
    counts: BatchCounts
    error_message: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None


class BatchView(BatchSummaryView):
    items: list[BatchItemView]
    zip_available: bool = Field(description="GET .../download gives a zip of the completed items")
