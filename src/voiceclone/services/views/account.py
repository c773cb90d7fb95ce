"""Views of an account (plan, limits, usage) and of the platform's statistics (admins)."""

from __future__ import annotations

from datetime import datetime

from voiceclone.domain.users import PlanLimits, UsageTotals
from voiceclone.services.views.base import View


class UsageView(View):
    month: str
    characters: int
    characters_remaining: int
    tts_jobs: int
    voices: int
    active_jobs: int


class AccountView(View):
    user_id: str
    plan: str
    limits: PlanLimits
    usage: UsageView
    totals: UsageTotals
    created_at: datetime


class PlatformStats(View):
    users: int
    training_jobs: dict[str, int]
    tts_jobs: dict[str, int]
    voices: int
    samples: int
