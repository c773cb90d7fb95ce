"""Training and TTS job repositories.

Methods (all scoped by user id): create(job, admitting), get, find, list(limit, cursor, status),
transition(user_id, job_id, to_status, **fields), update_progress(user_id, job_id, progress, stage),
set_execution_arn, count_active; for the concurrent-jobs admission: active_places, set_ticket, discard
(and `admission_queue(user_id, *repositories)` across both job collections).
System-wide, for the sweeper only: list_past_deadline(now), list_finished_before(cutoff), purge(user_id, job_id).
Training only: count_active_using_sample(user_id, sample_id). TTS only: mark_output_expired(user_id, job_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import (
    ACTIVE_STATUSES,
    TERMINAL_STATUSES,
    JobStatus,
    check_transition,
    predecessors,
)
from voiceclone.domain.timeutil import utcnow
from voiceclone.domain.training import TrainingJob
from voiceclone.domain.tts import TtsJob
from voiceclone.store import indexes
from voiceclone.store.base import Repository

J = TypeVar("J", bound=TrainingJob | TtsJob)

# A job's place in its user's admission queue: None while it is being taken (absent on jobs never queued).
TICKET_FIELD = "admission_ticket"

# Progress is written only when it moved at least this much (or the stage changed): callers may report often.
PROGRESS_STEP = 0.01


def _plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


@dataclass(frozen=True)
class QueuePlace:
    """An active job as the admission queue sees it (see services.quotas.admit_job)."""

    job_id: str
    ticket: int | None
    queued: bool  # False: created without admission (older records), it holds its slot unconditionally
    created_at: datetime


def _active(user_id: str) -> dict[str, Any]:
    return {"user_id": user_id, "status": {"$in": [str(s) for s in ACTIVE_STATUSES]}}


class JobRepository(Repository[J]):
    id_field = "job_id"

    def create(self, job: J, *, admitting: bool = False) -> J:
        """Insert the job; `admitting`: it still has to take a ticket in the user's admission queue."""
        doc = self._to_doc(job)
        if admitting:
            doc[TICKET_FIELD] = None
        self.collection.insert_one(doc)
        return job

    def active_places(self, user_id: str) -> list[QueuePlace]:
        """This user's pending or processing jobs with their admission tickets (index user_status)."""
        docs = self.collection.find(_active(user_id), {TICKET_FIELD: 1, "created_at": 1})
        return [QueuePlace(d["_id"], d.get(TICKET_FIELD), TICKET_FIELD in d, d["created_at"]) for d in docs]

    def set_ticket(self, user_id: str, job_id: str, ticket: int) -> None:
        self.collection.update_one(self._scoped(user_id, job_id), {"$set": {TICKET_FIELD: ticket}})

    def discard(self, user_id: str, job_id: str) -> bool:
        """Remove a job that was never admitted (no execution started); True if removed now."""
        query = self._scoped(user_id, job_id, status=str(JobStatus.PENDING), execution_arn=None)
        return self.collection.delete_one(query).deleted_count == 1

    def transition(self, user_id: str, job_id: str, to_status: JobStatus | str, **fields: Any) -> J:
        """Atomically move the job to `to_status` if its current status allows it.

        The update is conditional on the current status being an allowed predecessor, so of two racing
        transitions (cancel vs. completion) exactly one wins; the loser gets InvalidTransition (409).
        Raises NotFound when the job is not this user's.
        """
        target = JobStatus(to_status)
        now = utcnow()
        stamps: dict[str, Any] = {}
        if target == JobStatus.PROCESSING:
            stamps["started_at"] = now
        if target in TERMINAL_STATUSES:
            stamps["completed_at"] = now
        if target == JobStatus.COMPLETED:
            stamps["progress"] = 1.0
        update = {**stamps, **{k: _plain(v) for k, v in fields.items()}, "status": str(target)}
        updated = self._update(
            self._scoped(user_id, job_id, status={"$in": predecessors(target)}), update
        )
        if updated is not None:
            return updated
        current = self.get(user_id, job_id)
        check_transition(self.kind, job_id, current.status, target)
        # Allowed now but not when we tried: the status moved underneath us.
        raise InvalidTransition(self.kind, job_id, str(current.status), str(target))

    def update_progress(self, user_id: str, job_id: str, progress: float, stage: str | None = None) -> bool:
        """Record progress of a running job; a no-op (False) when nothing moved or the job is not active."""
        progress = min(max(float(progress), 0.0), 1.0)
        moved: list[dict[str, Any]] = [{"progress": {"$lte": progress - PROGRESS_STEP}}]
        fields: dict[str, Any] = {"progress": progress}
        if stage is not None:
            moved.append({"stage": {"$ne": stage}})
            fields["stage"] = stage
        query = self._scoped(user_id, job_id, status={"$in": [str(s) for s in ACTIVE_STATUSES]}, **{"$or": moved})
        return self._update(query, fields) is not None

    def set_execution_arn(self, user_id: str, job_id: str, execution_arn: str) -> J:
        updated = self._update(self._scoped(user_id, job_id), {"execution_arn": execution_arn})
        return updated if updated is not None else self.get(user_id, job_id)

    def count_active(self, user_id: str) -> int:
        return self.collection.count_documents(_active(user_id))

    def count_by_status(self, user_id: str | None = None) -> dict[str, int]:
        """Jobs per status, for one user or (user_id None: admin stats) the whole platform."""
        query = {"user_id": user_id} if user_id is not None else {}
        return {str(s): self.collection.count_documents({**query, "status": str(s)}) for s in JobStatus}

    def list_past_deadline(self, now: datetime | None = None, limit: int = 100) -> list[J]:
        """Active jobs whose deadline has passed, across all users (the sweeper fails them)."""
        query = {
            "status": {"$in": [str(s) for s in ACTIVE_STATUSES]},
            "deadline_at": {"$lt": now or utcnow()},
        }
        return [self._from_doc(d) for d in self.collection.find(query).limit(limit)]

    def list_finished_before(self, cutoff: datetime, limit: int = 100) -> list[J]:
        """Finished jobs (completed/failed/cancelled) that ended before `cutoff`, all users (sweeper purge)."""
        query = {"status": {"$in": [str(s) for s in TERMINAL_STATUSES]}, "completed_at": {"$lt": cutoff}}
        return [self._from_doc(d) for d in self.collection.find(query).limit(limit)]

    def purge(self, user_id: str, job_id: str) -> bool:
        """Remove a finished job record for good (sweeper); an active job is never removed."""
        query = self._scoped(user_id, job_id, status={"$in": [str(s) for s in TERMINAL_STATUSES]})
        return self.collection.delete_one(query).deleted_count == 1


def admission_queue(user_id: str, *repositories: JobRepository) -> list[QueuePlace]:
    """The user's active jobs across the given job collections (training and TTS share one limit)."""
    return [place for repository in repositories for place in repository.active_places(user_id)]


class TrainingJobRepository(JobRepository[TrainingJob]):
    collection_name = indexes.TRAINING_JOBS
    model = TrainingJob
    kind = "training job"

    def count_active_using_sample(self, user_id: str, sample_id: str) -> int:
        """Pending or processing jobs training on this sample (its audio must stay until they end)."""
        statuses = [str(s) for s in ACTIVE_STATUSES]
        return self.collection.count_documents({"user_id": user_id, "sample_ids": sample_id, "status": {"$in": statuses}})


class TtsJobRepository(JobRepository[TtsJob]):
    collection_name = indexes.TTS_JOBS
    model = TtsJob
    kind = "tts job"

    def mark_output_expired(self, user_id: str, job_id: str) -> TtsJob | None:
        """The output object expired or was deleted: downloads answer 410 from now on."""
        return self._update(self._scoped(user_id, job_id), {"output_expired": True})
