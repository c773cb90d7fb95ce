"""Job life cycle shared by training and TTS jobs: statuses and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

from voiceclone.domain.errors import InvalidTransition, UserFacingError


class JobCancelled(UserFacingError):
    """The user cancelled the job: whatever runs it (a workflow step, a worker, an engine through its
    progress callback) stops now and keeps nothing; the job stays cancelled. The class name is the
    error Step Functions' Catch sees (a worker reports it as `Cancelled`)."""

    error_name = "Cancelled"


class JobStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.PROCESSING, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.PROCESSING: frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}

ACTIVE_STATUSES: frozenset[JobStatus] = frozenset({JobStatus.PENDING, JobStatus.PROCESSING})
TERMINAL_STATUSES: frozenset[JobStatus] = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}
)


def can_transition(current: JobStatus | str, target: JobStatus | str) -> bool:
    return JobStatus(target) in ALLOWED_TRANSITIONS[JobStatus(current)]


def check_transition(kind: str, job_id: str, current: JobStatus | str, target: JobStatus | str) -> None:
    """Raise InvalidTransition unless `current -> target` is allowed."""
    if not can_transition(current, target):
        raise InvalidTransition(kind, job_id, str(JobStatus(current)), str(JobStatus(target)))


def predecessors(target: JobStatus | str) -> list[str]:
    """Statuses from which `target` may be reached (the condition of an atomic transition)."""
    target = JobStatus(target)
    return sorted(str(status) for status, nexts in ALLOWED_TRANSITIONS.items() if target in nexts)
