"""Account: the caller's plan, limits and usage this month; platform-wide stats for admins."""

from __future__ import annotations

from voiceclone.config import Settings
from voiceclone.domain.errors import Forbidden
from voiceclone.domain.timeutil import month_key
from voiceclone.services.views.account import AccountView, PlatformStats, UsageView
from voiceclone.store import Store
from voiceclone.store.jobs import JobRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.samples import SampleRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module


def me(store: Store, settings: Settings, user_id: str) -> AccountView:
    user = store.users.get_or_create(user_id, settings.default_plan)
    limits = user.limits
    usage = user.usage_for(month_key())
    return AccountView(
        user_id=user.user_id,
        plan=user.plan,
        limits=limits,
        usage=UsageView(
            month=usage.month,
            characters=usage.characters,
            characters_remaining=max(limits.monthly_characters - usage.characters, 0),
            tts_jobs=usage.tts_jobs,
            voices=store.voices.count_owned(user_id),
            active_jobs=sum(jobs.count_active(user_id) for jobs in (store.training, store.tts, store.batches)),
        ),
        totals=user.totals,
        created_at=user.created_at,
    )


def platform_stats(store: Store, is_admin: bool) -> PlatformStats:
    if not is_admin:
        raise Forbidden("platform stats are for the admin group")
    return PlatformStats(
        users=store.users.count_users(),
        training_jobs=store.training.count_by_status(None),
        tts_jobs=store.tts.count_by_status(None),
        voices=store.voices.count_not_deleted(),
        samples=store.samples.collection.estimated_document_count(),
    )
