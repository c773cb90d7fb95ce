"""Cursor pagination, newest first: the cursor is the (created_at, _id) of the last item, opaque to clients."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pymongo.collection import Collection

from voiceclone.domain.errors import InvalidInput

T = TypeVar("T", bound=BaseModel)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(created_at: datetime, object_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), object_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(created_at in UTC, id) of a cursor this module encoded; InvalidInput for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, object_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(created_at)
        if not isinstance(object_id, str) or moment.tzinfo is None:
            raise ValueError("not a cursor of ours")
        # Dates near year 1 or 9999 overflow when converted to UTC (and BSON dates): not ours either.
        return moment.astimezone(UTC), object_id
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid: pass the next_cursor of a previous page") from exc


def after_cursor(cursor: str | None) -> dict[str, Any]:
    """The filter selecting items strictly older than the cursor position."""
    if not cursor:
        return {}
    created_at, object_id = decode_cursor(cursor)
    return {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": object_id}}]}


def find_page(collection: Collection, query: dict[str, Any], limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
    """Up to `limit` documents newest first, and the cursor of the next page (None on the last)."""
    position = after_cursor(cursor)
    full_query = {"$and": [query, position]} if position else query
    docs = list(
        collection.find(full_query).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1)
    )
    if len(docs) <= limit:
        return docs, None
    docs = docs[:limit]
    last = docs[-1]
    return docs, encode_cursor(last["created_at"], last["_id"])
