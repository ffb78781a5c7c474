"""Recording audit events inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from policyhub.extensions import db
from policyhub.models import AuditEvent, User

__all__ = ["record"]


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
