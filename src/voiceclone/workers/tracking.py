"""What a worker reads and writes about its job in MongoDB: the status (to see a cancel) and progress.

Workers depend on the small JobTracker protocol; StoreJobTracker implements it with voiceclone.store.
"""

from __future__ import annotations

import logging
from typing import Protocol

from voiceclone.domain.errors import NotFound
from voiceclone.store import Store

logger = logging.getLogger(__name__)

KIND_TO_REPOSITORY = {"train": "training", "synthesize": "tts", "synthesize_batch": "batches"}


class JobTracker(Protocol):
    def status(self, kind: str, user_id: str, job_id: str) -> str | None:
        """The job's status, or None when the job does not exist (any more)."""

    def report_progress(self, kind: str, user_id: str, job_id: str, progress: float, stage: str) -> None: ...


class StoreJobTracker:
    def __init__(self, store: Store):
        self.store = store

    def _jobs(self, kind: str):
        return getattr(self.store, KIND_TO_REPOSITORY[kind])

    def status(self, kind: str, user_id: str, job_id: str) -> str | None:
        try:
            return str(self._jobs(kind).get(user_id, job_id).status)
        except NotFound:
            return None

    def report_progress(self, kind: str, user_id: str, job_id: str, progress: float, stage: str) -> None:
        self._jobs(kind).update_progress(user_id, job_id, progress, stage)
