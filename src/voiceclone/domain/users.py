"""Users, their plan and what they used this month."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from voiceclone.domain.base import Record


class PlanLimits(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_voices: int = Field(description="voice models a user may own (not deleted)")
    monthly_characters: int = Field(description="characters of TTS text per calendar month (UTC)")
    concurrent_jobs: int = Field(description="training + TTS jobs pending or processing at once")
    max_text_length: int = Field(description="characters in one TTS request")


PLANS: dict[str, PlanLimits] = {
    "free": PlanLimits(max_voices=3, monthly_characters=10_000, concurrent_jobs=2, max_text_length=1_000),
    "pro": PlanLimits(max_voices=30, monthly_characters=500_000, concurrent_jobs=10, max_text_length=5_000),
    "enterprise": PlanLimits(
        # A book chapter in one request: long texts are spoken sentence by sentence (docs/long-form.md).
        max_voices=1_000, monthly_characters=10_000_000, concurrent_jobs=100, max_text_length=100_000
    ),
}


def limits_for(plan: str) -> PlanLimits:
    return PLANS.get(plan, PLANS["free"])


class MonthlyUsage(BaseModel):
    month: str
    characters: int = 0
    tts_jobs: int = 0


class UsageTotals(BaseModel):
    characters: int = 0
    tts_jobs: int = 0
    training_jobs: int = 0


class User(Record):
    plan: str = "free"
    # Per month ("YYYY-MM"): {"characters": n, "tts_jobs": n, "job_ids": [...]}; job_ids make charging idempotent.
    usage: dict[str, dict] = Field(default_factory=dict)
    totals: UsageTotals = Field(default_factory=UsageTotals)

    @property
    def limits(self) -> PlanLimits:
        return limits_for(self.plan)

    def usage_for(self, month: str) -> MonthlyUsage:
        counters = self.usage.get(month, {})
        return MonthlyUsage(
            month=month,
            characters=int(counters.get("characters", 0)),
            tts_jobs=int(counters.get("tts_jobs", 0)),
        )
