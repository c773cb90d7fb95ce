"""Account: the caller's plan, limits and usage this month; platform-wide stats for admins."""

from __future__ import annotations

from typing import Any

from voiceclone.config import Settings
from voiceclone.domain.errors import Forbidden
from voiceclone.domain.timeutil import month_key
from voiceclone.store import Store


def me(store: Store, settings: Settings, user_id: str) -> dict[str, Any]:
    user = store.users.get_or_create(user_id, settings.default_plan)
    limits = user.limits
    usage = user.usage_for(month_key())
    return {
        "user_id": user.user_id,
        "plan": user.plan,
        "limits": limits.model_dump(),
        "usage": {
            "month": usage.month,
            "characters": usage.characters,
            "characters_remaining": max(limits.monthly_characters - usage.characters, 0),
            "tts_jobs": usage.tts_jobs,
            "voices": store.voices.count_owned(user_id),
            "active_jobs": store.training.count_active(user_id) + store.tts.count_active(user_id),
        },
        "totals": user.totals.model_dump(),
        "created_at": user.created_at.isoformat(),
    }


def platform_stats(store: Store, is_admin: bool) -> dict[str, Any]:
    if not is_admin:
        raise Forbidden("platform stats are for the admin group")
    return {
        "users": store.users.count_users(),
        "training_jobs": store.training.count_by_status(None),
        "tts_jobs": store.tts.count_by_status(None),
        "voices": store.voices.collection.count_documents({"status": {"$ne": "deleted"}}),
        "samples": store.samples.collection.estimated_document_count(),
    }
