"""User repository (collection users): plan, monthly usage, totals.

Methods: get_or_create(user_id), set_plan, charge_characters(user_id, job_id, characters, monthly_limit)
(idempotent per job: a retried charge counts once), refund_characters(user_id, job_id, characters, month),
refund_part(user_id, charge_id, part_id, characters, month) (one item of a batch, once),
usage_this_month(user_id), count_training_job.
"""

from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from voiceclone.domain.errors import NotFound, QuotaExceeded
from voiceclone.domain.timeutil import month_key, utcnow
from voiceclone.domain.users import MonthlyUsage, User
from voiceclone.store import indexes
from voiceclone.store.base import Repository

UPSERT_ATTEMPTS = 5


class UserRepository(Repository[User]):
    collection_name = indexes.USERS
    model = User
    id_field = "user_id"
    kind = "user"

    def get_or_create(self, user_id: str, plan: str = "free") -> User:
        """The user's record, created on first sight; safe when first requests arrive concurrently."""
        now = utcnow()
        insert = {"$setOnInsert": {"user_id": user_id, "plan": plan, "created_at": now, "updated_at": now}}
        for _ in range(UPSERT_ATTEMPTS):
            try:
                doc = self.collection.find_one_and_update(
                    {"_id": user_id}, insert, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:  # two first requests at once: the other one inserted it
                doc = None
            # A lost upsert race may answer nothing (or DuplicateKeyError): the winner's insert is there now.
            doc = doc or self.collection.find_one({"_id": user_id})
            if doc is not None:
                return self._from_doc(doc)
        raise RuntimeError(f"user {user_id!r} could be neither created nor read")

    def set_plan(self, user_id: str, plan: str) -> User:
        self.get_or_create(user_id)
        updated = self._update({"_id": user_id}, {"plan": plan})
        if updated is None:
            raise NotFound(self.kind, user_id)
        return updated

    def charge_characters(
        self, user_id: str, job_id: str, characters: int, monthly_limit: int | None = None, month: str | None = None
    ) -> bool:
        """Count `characters` of job `job_id` against this month; True if charged now, False if already.

        One conditional update on the user document: the job id must not be recorded yet and (with a
        limit) the month's total must leave room; so concurrent requests cannot overshoot the limit.
        Raises QuotaExceeded when the limit leaves no room.
        """
        month = month or month_key()
        self.get_or_create(user_id)
        prefix = f"usage.{month}"
        query: dict = {"_id": user_id, f"{prefix}.job_ids": {"$ne": job_id}}
        if monthly_limit is not None:
            query[f"{prefix}.characters"] = {"$not": {"$gt": monthly_limit - characters}}
        update = {
            "$inc": {
                f"{prefix}.characters": characters,
                f"{prefix}.tts_jobs": 1,
                "totals.characters": characters,
                "totals.tts_jobs": 1,
            },
            "$push": {f"{prefix}.job_ids": job_id},
            "$set": {"updated_at": utcnow()},
        }
        if self.collection.update_one(query, update).modified_count == 1:
            return True
        user = self.get(user_id, user_id)
        if job_id in user.usage.get(month, {}).get("job_ids", []):
            return False
        used = user.usage_for(month).characters
        raise QuotaExceeded(
            "monthly_characters",
            monthly_limit or 0,
            f"{characters} characters requested, {used} of {monthly_limit} used this month",
        )

    def refund_characters(self, user_id: str, job_id: str, characters: int, month: str | None = None) -> bool:
        """Undo a charge (job failed or cancelled before speaking); True if refunded now."""
        prefix = f"usage.{month or month_key()}"
        result = self.collection.update_one(
            {"_id": user_id, f"{prefix}.job_ids": job_id},
            {
                "$inc": {f"{prefix}.characters": -characters, "totals.characters": -characters},
                "$pull": {f"{prefix}.job_ids": job_id},
                "$set": {"updated_at": utcnow()},
            },
        )
        return result.modified_count == 1

    def refund_part(self, user_id: str, charge_id: str, part_id: str, characters: int, month: str | None = None) -> bool:
        """Give back `characters` of the charge `charge_id` (a batch) for one part of it (an item): once
        per part, and only while the charge stands; True if refunded now."""
        prefix = f"usage.{month or month_key()}"
        result = self.collection.update_one(
            {"_id": user_id, f"{prefix}.job_ids": charge_id, f"{prefix}.refunded_parts": {"$ne": part_id}},
            {
                "$inc": {f"{prefix}.characters": -characters, "totals.characters": -characters},
                "$push": {f"{prefix}.refunded_parts": part_id},
                "$set": {"updated_at": utcnow()},
            },
        )
        return result.modified_count == 1

    def count_training_job(self, user_id: str) -> None:
        self.get_or_create(user_id)
        self.collection.update_one({"_id": user_id}, {"$inc": {"totals.training_jobs": 1}})

    def usage_this_month(self, user_id: str) -> MonthlyUsage:
        return self.get_or_create(user_id).usage_for(month_key())

    def get(self, user_id: str, object_id: str | None = None) -> User:
        doc = self.collection.find_one({"_id": user_id})
        if doc is None:
            raise NotFound(self.kind, user_id)
        return self._from_doc(doc)

    def count_users(self) -> int:
        return self.collection.estimated_document_count()
