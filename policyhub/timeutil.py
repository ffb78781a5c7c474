"""Time helpers: storage is UTC, the calendar and display are Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "local_date", "parse_aware", "to_local"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_local(moment: datetime) -> datetime:
    """The moment in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI)


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment."""
    return moment.astimezone(SHANGHAI).date()


def parse_aware(text: str) -> datetime:
    """An ISO 8601 time with an offset (Z accepted), as UTC; ValueError for naive or malformed text."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("time must carry a UTC offset, e.g. 2026-11-26T09:00:00+08:00")
    # Far from the ends of datetime's range, so the shift to UTC (and a deadline after it) cannot overflow.
    if not 1900 <= moment.year <= 2200:
        raise ValueError("year must be within 1900-2200")
    return moment.astimezone(UTC)
