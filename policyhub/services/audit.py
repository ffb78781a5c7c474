"""Recording audit events inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, User
from policyhub.timeutil import SHANGHAI

__all__ = ["AuditQuery", "find_events", "record"]


def record(actor: User | None, action: str, obj_type: str, obj_id: object, **details: Any) -> AuditEvent:
    """Add an audit event (flushed with the rest of the unit of work, never committed here)."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system",
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        details=details,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditQuery:
    """Which events to read: by who (username), what (action or its prefix, "user." for all user events),
    which object type, and when (Asia/Shanghai dates, both inclusive)."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    since: date | None = None
    until: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def find_events(query: AuditQuery, *, limit: int | None = 100, offset: int = 0) -> tuple[list[AuditEvent], int]:
    """The events the query selects, newest first, and how many there are in all."""
    stmt = select(AuditEvent)
    if query.actor:
        stmt = stmt.where(AuditEvent.actor_name == query.actor)
    if query.action:
        stmt = stmt.where(AuditEvent.action.startswith(query.action, autoescape=True)
                          if query.action.endswith(".") else AuditEvent.action == query.action)
    if query.object_type:
        stmt = stmt.where(AuditEvent.object_type == query.object_type)
    if query.since:
        stmt = stmt.where(AuditEvent.occurred_at >= _local_midnight(query.since))
    if query.until:
        stmt = stmt.where(AuditEvent.occurred_at < _local_midnight(query.until + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt)), total
