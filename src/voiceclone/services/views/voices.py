"""Views of voices, with the headline figures of their quality report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from voiceclone.domain.voices import Visibility, VoiceStatus
from voiceclone.services.views.base import View, ViewModel


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
