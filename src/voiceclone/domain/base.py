"""Base model of stored records: tolerant of fields added by newer code."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.timeutil import utcnow


class Record(BaseModel):
    # Deferred: a request validates the one or two collections it reads; the others' validators are
    # never built in that process (every API handler imports every repository through the Store).
    model_config = ConfigDict(extra="ignore", validate_assignment=True, defer_build=True)

    user_id: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
