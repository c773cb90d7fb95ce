"""Generic repository: a pydantic record per document, `_id` = the record's prefixed id, scoped by user id."""

from __future__ import annotations

import builtins
from typing import Any, ClassVar, Generic, TypeVar

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database

from voiceclone.domain.base import Record
from voiceclone.domain.errors import NotFound
from voiceclone.domain.timeutil import utcnow
from voiceclone.store.pagination import Page, find_page

T = TypeVar("T", bound=Record)


class Repository(Generic[T]):
    collection_name: ClassVar[str]
    model: type[T]
    id_field: ClassVar[str]
    kind: ClassVar[str]  # human name used in errors ("sample", "voice", ...)

    def __init__(self, database: Database):
        self.collection: Collection = database[self.collection_name]

    def _to_doc(self, record: T) -> dict[str, Any]:
        doc = record.model_dump()
        doc["_id"] = doc[self.id_field]
        return doc

    def _from_doc(self, doc: dict[str, Any]) -> T:
        doc = dict(doc)
        doc.pop("_id", None)
        return self.model.model_validate(doc)

    def _scoped(self, user_id: str, object_id: str, **extra: Any) -> dict[str, Any]:
        return {"_id": object_id, "user_id": user_id, **extra}

    def insert(self, record: T) -> T:
        self.collection.insert_one(self._to_doc(record))
        return record

    def find(self, user_id: str, object_id: str) -> T | None:
        doc = self.collection.find_one(self._scoped(user_id, object_id))
        return self._from_doc(doc) if doc else None

    def get(self, user_id: str, object_id: str) -> T:
        """The user's record; another user's (or a missing) one raises NotFound."""
        record = self.find(user_id, object_id)
        if record is None:
            raise NotFound(self.kind, object_id)
        return record

    def list(self, user_id: str, *, limit: int = 20, cursor: str | None = None, status: str | None = None) -> Page[T]:
        query: dict[str, Any] = {"user_id": user_id}
        if status is not None:
            query["status"] = status
        docs, next_cursor = find_page(self.collection, query, limit, cursor)
        return self._page([self._from_doc(d) for d in docs], next_cursor)

    def _page(self, items: builtins.list[T], next_cursor: str | None) -> Page[T]:
        # Parametrised with the concrete record class at run time; mypy has no type for `Page[self.model]`.
        page_model: type[Page[T]] = Page[self.model]  # type: ignore[name-defined]
        return page_model(items=items, next_cursor=next_cursor)

    def _update(self, query: dict[str, Any], fields: dict[str, Any], **operators: Any) -> T | None:
        """Conditional update; the updated record, or None when `query` matched nothing."""
        update: dict[str, Any] = {"$set": {**fields, "updated_at": utcnow()}, **operators}
        doc = self.collection.find_one_and_update(query, update, return_document=ReturnDocument.AFTER)
        return self._from_doc(doc) if doc else None
