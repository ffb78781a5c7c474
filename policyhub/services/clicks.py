"""Clicks on the links in pushed messages: which firm opened which policy's message, on which channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from policyhub.extensions import db
from policyhub.models import PolicyClick

__all__ = ["record_click"]


def record_click(policy_id: int, enterprise_id: int, channel: str, now: datetime) -> None:
    """Count one click: the first sets first_clicked_at, every one moves last_clicked_at and adds one.

    One statement (INSERT … ON CONFLICT DO UPDATE), so two clicks at once both count and neither fails.
    """
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    table = PolicyClick.__table__
    stmt = insert(table).values(policy_id=policy_id, enterprise_id=enterprise_id, channel=channel, clicks=1,
                                first_clicked_at=now, last_clicked_at=now)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[table.c.policy_id, table.c.enterprise_id, table.c.channel],
        set_={"clicks": table.c.clicks + 1, "last_clicked_at": stmt.excluded.last_clicked_at}))
