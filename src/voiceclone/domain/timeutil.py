"""Time helpers: every timestamp is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    # MongoDB keeps milliseconds: truncate so a stored value reads back equal.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def month_key(moment: datetime | None = None) -> str:
    """Usage is counted per calendar month (UTC), e.g. '2025-03'."""
    return (moment or utcnow()).strftime("%Y-%m")
