"""Views of voice samples and their upload form."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from voiceclone.domain.samples import SampleQuality, SampleStatus
from voiceclone.services.views.base import View, ViewModel


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
