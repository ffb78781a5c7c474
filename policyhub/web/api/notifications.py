"""Notifications API: delivery rows with status, attempts and the last error."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Notification
from policyhub.services.identifiers import mask_email, mask_mobile
from policyhub.web.api import api
from policyhub.web.api.auth import require_roles
from policyhub.web.api.validation import takes_query
from policyhub.web.queries import NotificationListQuery

STAFF = ("editor", "answerer", "supervisor")
FILTER_ERROR = "筛选条件有误"


def masked_recipient(row: Notification) -> str:
    try:
        return mask_email(row.recipient) if row.channel == "email" else mask_mobile(row.recipient)
    except ValueError:
        return "***"


def notification_json(row: Notification) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "channel": row.channel, "recipient": masked_recipient(row),
        "policy_id": row.policy_id, "enterprise_id": row.enterprise_id, "consultation_id": row.consultation_id,
        "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "provider_message_id": row.provider_message_id,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None, "created_at": row.created_at.isoformat(),
    }


def notification_filters(query: NotificationListQuery) -> list:
    """?status=&channel=&policy_id= as SQL conditions."""
    conditions = []
    if query.status:
        conditions.append(Notification.status == query.status)
    if query.channel:
        conditions.append(Notification.channel == query.channel)
    if query.policy_id is not None:
        conditions.append(Notification.policy_id == query.policy_id)
    return conditions


@api.get("/notifications")
@require_roles(*STAFF)
@takes_query(NotificationListQuery, FILTER_ERROR)
def list_notifications(query: NotificationListQuery):
    page, per_page = query.page, query.per_page
    stmt = select(Notification).where(*notification_filters(query))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return jsonify(items=[notification_json(r) for r in rows], total=total, page=page, per_page=per_page)
