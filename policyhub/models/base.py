"""Declarative base, naming convention and the UTC datetime type every model uses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["Base", "UTCDateTime", "include_in_autogenerate", "utcnow"]

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of all models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Search structures the first migration creates by hand, which no model describes.
HAND_MADE_INDEXES = frozenset({"ix_policy_search"})
# PostgreSQL only (migration 0015): the generated tsvector the search reads; SQLite has its FTS5 table instead.
HAND_MADE_COLUMNS = frozenset({"search_vector"})
# Migration 0021: the counter triggers move on when public content changes (policyhub/web/pagecache.py).
HAND_MADE_TABLES = frozenset({"content_generation"})


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the hand-made search index, FTS5 tables and content generation alone."""
    return not (name in HAND_MADE_INDEXES or (type_ == "column" and name in HAND_MADE_COLUMNS)
                or (type_ == "table" and (str(name).startswith("policy_fts") or name in HAND_MADE_TABLES)))
