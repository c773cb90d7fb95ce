"""What every view shares: the base classes, pages of views, the error body.

A view declares the fields a client sees; everything else a record holds (S3 keys, execution ARNs,
deadlines, admission tickets, the owner's id) stays inside. `ViewModel.of(record)` builds a view
from a record (or any object with those attributes).
"""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

V = TypeVar("V", bound="ViewModel")


class View(BaseModel):
    """Base of every view. One handler module serves a few routes, each answering a view or two: a view's
    validator is built when a request first uses it, not when the module loads (the cold start)."""

    model_config = ConfigDict(defer_build=True)


class ViewModel(View):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: Any, **extra: Any) -> Self:
        view = cls.model_validate(record, from_attributes=True)
        return view.model_copy(update=extra) if extra else view


class Page(View, Generic[V]):
    items: list[V]
    next_cursor: str | None = Field(default=None, description="pass as ?cursor= for the next page; null on the last")


def page_of(view: type[V], page: Any) -> Page[V]:
    # Parametrised at run time so pydantic serialises the concrete view's fields; mypy has no type for that.
    model: type[Page[V]] = Page[view]  # type: ignore[valid-type]
    return model(items=[view.of(item) for item in page.items], next_cursor=page.next_cursor)


class ErrorDetail(View):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["body.text: String should have at least 1 character"])


class ErrorBody(View):
    """Every error answer: a stable code and a readable message."""

    error: ErrorDetail
