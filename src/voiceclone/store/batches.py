"""Batch TTS repository (collection tts_batches): one document per batch, its items embedded.

Everything the job repositories do (create with admission, get, list, transition, tickets, deadline and
purge queries for the sweeper), plus per-item transitions: each is one conditional update on the item's
status, so of two racing writers (a worker finishing an item, a cancel) exactly one wins, and only the
winner refunds a failed or cancelled item.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from voiceclone.domain.batch import TtsBatch
from voiceclone.domain.jobs import ACTIVE_STATUSES, TERMINAL_STATUSES, JobStatus
from voiceclone.domain.timeutil import utcnow
from voiceclone.store import indexes
from voiceclone.store.jobs import JobRepository

_ACTIVE = [str(status) for status in ACTIVE_STATUSES]


class BatchRepository(JobRepository[TtsBatch]):  # type: ignore[type-var]  # a batch is a job with items
    collection_name = indexes.TTS_BATCHES
    model = TtsBatch
    id_field = "batch_id"
    kind = "tts batch"

    def update_progress(self, user_id: str, job_id: str, progress: float, stage: str | None = None) -> bool:
        """A worker's progress is its group's, not the batch's: only the stage is kept (progress follows
        the items, see `_item_update`)."""
        if stage is None:
            return False
        query = self._scoped(user_id, job_id, status={"$in": _ACTIVE}, stage={"$ne": stage})
        return self._update(query, {"stage": stage}) is not None

    def start_item(self, user_id: str, batch_id: str, index: int) -> bool:
        """pending -> processing for one item of a processing batch; False if it is not pending (any more)."""
        return self._item_update(user_id, batch_id, index, [str(JobStatus.PENDING)], {"status": str(JobStatus.PROCESSING)})

    def complete_item(self, user_id: str, batch_id: str, index: int, **result: Any) -> bool:
        """The item spoken: completed with its output key, duration, size and quality score. Only while the
        batch runs: a cancelled batch keeps nothing that finished after the cancel."""
        fields = {**result, "status": str(JobStatus.COMPLETED), "error_message": None, "completed_at": utcnow()}
        return self._item_update(user_id, batch_id, index, _ACTIVE, fields, batch_statuses=[str(JobStatus.PROCESSING)])

    def end_item(self, user_id: str, batch_id: str, index: int, status: JobStatus, message: str) -> bool:
        """An active item failed or cancelled with a message; True when this call ended it (the caller
        refunds it then, and only then)."""
        if status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise ValueError(f"an item ends failed or cancelled, not {status}")
        fields = {"status": str(status), "error_message": message, "completed_at": utcnow()}
        return self._item_update(user_id, batch_id, index, _ACTIVE, fields)

    def record_zip(self, user_id: str, batch_id: str, key: str, items: int) -> TtsBatch | None:
        """The zip holding `items` finished results; an older zip with fewer never replaces a newer one."""
        query = self._scoped(user_id, batch_id, zip_items={"$lte": items})
        return self._update(query, {"zip_key": key, "zip_items": items})

    def count_active_items(self, user_id: str, batch_id: str) -> int:
        batch = self.get(user_id, batch_id)
        return sum(1 for item in batch.items if item.active)

    def _item_update(
        self,
        user_id: str,
        batch_id: str,
        index: int,
        from_statuses: list[str],
        fields: dict[str, Any],
        batch_statuses: list[str] | None = None,
    ) -> bool:
        path = f"items.{index}"
        query = self._scoped(
            user_id,
            batch_id,
            **{f"{path}.index": index, f"{path}.status": {"$in": from_statuses}},
            **({"status": {"$in": batch_statuses}} if batch_statuses else {}),
        )
        update = {"$set": {**{f"{path}.{name}": value for name, value in fields.items()}, "updated_at": utcnow()}}
        doc = self.collection.find_one_and_update(query, update, return_document=ReturnDocument.AFTER)
        if doc is None:
            return False
        items = doc.get("items", [])
        done = sum(1 for item in items if item.get("status") in {str(s) for s in TERMINAL_STATUSES})
        # $max: concurrent item updates never move the progress back.
        self.collection.update_one({"_id": batch_id}, {"$max": {"progress": round(done / max(len(items), 1), 4)}})
        return True
