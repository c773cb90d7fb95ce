"""Powertools idempotency persistence layer on MongoDB (collection idempotency, TTL on `expires_at`).

Insert-if-absent on the unique `_id` makes two simultaneous requests with one key race safely: one
inserts the in-progress record, the other sees it. Expired or orphaned (in-progress past its Lambda's
deadline) records are replaced with a conditional update, so only one of several callers takes them over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from voiceclone.store.indexes import IDEMPOTENCY


class MongoPersistenceLayer(BasePersistenceLayer):
    def __init__(self, collection: Collection):
        super().__init__()
        self.collection = collection

    @classmethod
    def for_database(cls, database) -> MongoPersistenceLayer:
        return cls(database[IDEMPOTENCY])

    def _to_doc(self, record: DataRecord) -> dict[str, Any]:
        return {
            "_id": record.idempotency_key,
            "status": record.status,
            "expiration": record.expiry_timestamp,
            "expires_at": dt.datetime.fromtimestamp(record.expiry_timestamp or 0, dt.UTC),
            "in_progress_expiration": record.in_progress_expiry_timestamp,
            "validation": record.payload_hash,
            "data": record.response_data,
        }

    @staticmethod
    def _to_record(doc: dict[str, Any]) -> DataRecord:
        return DataRecord(
            idempotency_key=doc["_id"],
            status=doc["status"],
            expiry_timestamp=doc.get("expiration"),
            in_progress_expiry_timestamp=doc.get("in_progress_expiration"),
            response_data=doc.get("data") or "",
            payload_hash=doc.get("validation") or "",
        )

    def _get_record(self, idempotency_key) -> DataRecord:
        doc = self.collection.find_one({"_id": idempotency_key})
        if doc is None:
            raise IdempotencyItemNotFoundError
        return self._to_record(doc)

    def _put_record(self, data_record: DataRecord) -> None:
        doc = self._to_doc(data_record)
        try:
            self.collection.insert_one(doc)
            return
        except DuplicateKeyError:
            pass
        now = dt.datetime.now()
        now_s, now_ms = int(now.timestamp()), int(now.timestamp() * 1000)
        # Take over a record only if it expired, or it is in progress past its Lambda's deadline.
        replaceable = {
            "_id": data_record.idempotency_key,
            "$or": [
                {"expiration": {"$lt": now_s}},
                {"status": STATUS_CONSTANTS["INPROGRESS"], "in_progress_expiration": {"$lt": now_ms}},
            ],
        }
        if self.collection.replace_one(replaceable, doc).modified_count == 1:
            return
        existing = self.collection.find_one({"_id": data_record.idempotency_key})
        if existing is None:  # removed by TTL between our two writes: the caller may retry
            raise IdempotencyItemAlreadyExistsError
        old_record = self._to_record(existing)
        self._validate_payload(data_payload=data_record, stored_data_record=old_record)
        raise IdempotencyItemAlreadyExistsError(old_data_record=old_record)

    def _update_record(self, data_record: DataRecord) -> None:
        self.collection.update_one(
            {"_id": data_record.idempotency_key},
            {
                "$set": {
                    "status": data_record.status,
                    "data": data_record.response_data,
                    "expiration": data_record.expiry_timestamp,
                    "expires_at": dt.datetime.fromtimestamp(data_record.expiry_timestamp or 0, dt.UTC),
                }
            },
        )

    def _delete_record(self, data_record: DataRecord) -> None:
        self.collection.delete_one({"_id": data_record.idempotency_key})
