"""Base model of stored records: tolerant of fields added by newer code."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.timeutil import utcnow


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    user_id: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
