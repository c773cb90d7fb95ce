"""What the API shows of stored records (internal bookkeeping left out)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def public(record: BaseModel, *, exclude: set[str] | None = None) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude=exclude)


def page_view(page, **extra: Any) -> dict[str, Any]:
    return {"items": [public(item) for item in page.items], "next_cursor": page.next_cursor, **extra}
