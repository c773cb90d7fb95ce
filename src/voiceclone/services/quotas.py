"""Plan limits checked before work starts (403 for hard limits, 429 for ones that free up later)."""

from __future__ import annotations

import time
from datetime import timedelta

from voiceclone.domain.errors import LimitExceeded, QuotaExceeded
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.users import PlanLimits
from voiceclone.store import Store
from voiceclone.store.batches import BatchRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.jobs import JobRepository, QueuePlace, admission_queue
from voiceclone.store.users import UserRepository  # noqa: F401  a repository used here: loads with the module
from voiceclone.store.voices import VoiceRepository  # noqa: F401  a repository used here: loads with the module

# How long admission waits for a rival to write its ticket (a crashed request's job stops being waited for).
TICKET_WAIT_S = 2.0
_POLL_S = 0.005


def limits_of(store: Store, user_id: str, default_plan: str = "free") -> PlanLimits:
    return store.users.get_or_create(user_id, default_plan).limits


def check_concurrent_jobs(store: Store, user_id: str, limits: PlanLimits) -> None:
    """The cheap early check (clear 429 before anything is written); admit_job is the one that holds under races."""
    active = store.training.count_active(user_id) + store.tts.count_active(user_id) + store.batches.count_active(user_id)
    if active >= limits.concurrent_jobs:
        raise _busy(active, limits)


def _busy(active: int, limits: PlanLimits) -> QuotaExceeded:
    return QuotaExceeded(
        "concurrent_jobs",
        limits.concurrent_jobs,
        f"{active} jobs are pending or processing; wait for one to finish or cancel one",
    )


def _order(job_id: str, ticket: int) -> tuple[int, str, str]:
    # Equal tickets: the id's time-ordered part after its prefix decides (any fixed total order is correct).
    prefix, _, rest = job_id.partition("_")
    return ticket, rest, prefix


def admit_job(store: Store, jobs: JobRepository, user_id: str, job_id: str, limits: PlanLimits) -> None:
    """Admit the just-inserted job (created with admitting=True) unless `concurrent_jobs` are ahead of it.

    Lamport's bakery over the job records, no counter to drift: the job is visible before it takes
    ticket 1 + the highest ticket among the user's active jobs, so any rival that does not see it yet
    will take a higher ticket. Rivals still taking one are waited for, then the jobs ordered before
    this one are counted. Raises QuotaExceeded (429) when this job lost; the caller removes it.
    """
    places = _queue(store, user_id)
    ticket = 1 + max((p.ticket for p in places if p.ticket is not None), default=0)
    jobs.set_ticket(user_id, job_id, ticket)
    seen = _queue(store, user_id)
    known = {p.job_id for p in seen}
    recent = utcnow() - timedelta(seconds=TICKET_WAIT_S)
    waiting = {p.job_id for p in seen if p.queued and p.ticket is None and p.created_at > recent}
    deadline = time.monotonic() + TICKET_WAIT_S
    while waiting and time.monotonic() < deadline:
        time.sleep(_POLL_S)
        seen = _queue(store, user_id)
        waiting &= {p.job_id for p in seen if p.ticket is None}
    mine = _order(job_id, ticket)
    ahead = sum(1 for p in seen if p.job_id != job_id and _is_ahead(p, known, mine))
    if ahead >= limits.concurrent_jobs:
        raise _busy(ahead, limits)


def _queue(store: Store, user_id: str) -> list[QueuePlace]:
    return admission_queue(user_id, store.training, store.tts, store.batches)  # a batch holds one slot


def _is_ahead(place: QueuePlace, known: set[str], mine: tuple[int, str, str]) -> bool:
    if place.ticket is not None:
        return _order(place.job_id, place.ticket) < mine
    # Ticketless: a record from before admission, or a rival that never finished taking one (safe side).
    # One first seen after this job's ticket was written will take a higher ticket.
    return place.job_id in known


def check_voice_count(store: Store, user_id: str, limits: PlanLimits) -> None:
    owned = store.voices.count_owned(user_id)
    if owned >= limits.max_voices:
        raise LimitExceeded("max_voices", limits.max_voices, f"you own {owned} voices; delete one to train another")


def check_text_length(characters: int, limits: PlanLimits) -> None:
    if characters > limits.max_text_length:
        raise LimitExceeded(
            "max_text_length", limits.max_text_length, f"text has {characters} characters; split it into shorter requests"
        )
