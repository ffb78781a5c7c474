"""Writing messages to the outbox, inside the caller's transaction (the transactional outbox)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from notifier.messages import Notice
from policyhub.extensions import db
from policyhub.models import Notification, utcnow

__all__ = ["absolute_url", "enqueue"]


def absolute_url(path: str) -> str:
    """A link for a message: the configured public base URL plus an app path."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def enqueue(notice: Notice, *, channel: str, recipient: str, key: str, now: datetime | None = None,
            policy_id: int | None = None, enterprise_id: int | None = None, consultation_id: int | None = None,
            user_id: int | None = None) -> Notification | None:
    """Add one message unless one with this idempotency key exists; returns the new row or None."""
    if db.session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is not None:
        return None
    email = channel == "email"
    row = Notification(
        kind=notice.kind, channel=channel, idempotency_key=key, recipient=recipient,
        subject=notice.email.subject if email else "",
        body_text=notice.email.text if email else notice.sms.text,
        body_html=notice.email.html if email else None,
        headers={"unsubscribe_url": notice.unsubscribe_url,
                 "template_params": dict(notice.sms.template_params) if not email else {}},
        policy_id=policy_id, enterprise_id=enterprise_id, consultation_id=consultation_id, user_id=user_id,
        status="pending", next_attempt_at=now or utcnow(), created_at=now or utcnow(),
    )
    db.session.add(row)
    return row
