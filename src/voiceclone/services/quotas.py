"""Plan limits checked before work starts (403 for hard limits, 429 for ones that free up later)."""

from __future__ import annotations

from voiceclone.domain.errors import LimitExceeded, QuotaExceeded
from voiceclone.domain.users import PlanLimits
from voiceclone.store import Store


def limits_of(store: Store, user_id: str, default_plan: str = "free") -> PlanLimits:
    return store.users.get_or_create(user_id, default_plan).limits


def check_concurrent_jobs(store: Store, user_id: str, limits: PlanLimits) -> None:
    active = store.training.count_active(user_id) + store.tts.count_active(user_id)
    if active >= limits.concurrent_jobs:
        raise QuotaExceeded(
            "concurrent_jobs",
            limits.concurrent_jobs,
            f"{active} jobs are pending or processing; wait for one to finish or cancel one",
        )


def check_voice_count(store: Store, user_id: str, limits: PlanLimits) -> None:
    owned = store.voices.count_owned(user_id)
    if owned >= limits.max_voices:
        raise LimitExceeded("max_voices", limits.max_voices, f"you own {owned} voices; delete one to train another")


def check_text_length(characters: int, limits: PlanLimits) -> None:
    if characters > limits.max_text_length:
        raise LimitExceeded(
            "max_text_length", limits.max_text_length, f"text has {characters} characters; split it into shorter requests"
        )
