"""Notifications API: delivery rows with status, attempts and the last error."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.inputs import InputError, parse_int
from policyhub.models import Notification
from policyhub.models.notification import NOTIFICATION_STATUSES
from policyhub.services.errors import Invalid
from policyhub.services.identifiers import mask_email, mask_mobile
from policyhub.web.api import api
from policyhub.web.api.auth import require_roles
from policyhub.web.api.validation import page_args

STAFF = ("editor", "answerer", "supervisor")


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


def notification_filters() -> list:
    """?status=&channel=&policy_id= as SQL conditions, validated."""
    fields: dict[str, str] = {}
    conditions = []
    status = request.args.get("status", "").strip()
    if status:
        if status not in NOTIFICATION_STATUSES:
            fields["status"] = f"应为 {', '.join(NOTIFICATION_STATUSES)} 之一"
        conditions.append(Notification.status == status)
    channel = request.args.get("channel", "").strip()
    if channel:
        if channel not in ("sms", "email"):
            fields["channel"] = "应为 sms 或 email"
        conditions.append(Notification.channel == channel)
    policy_id = request.args.get("policy_id", "").strip()
    if policy_id:
        try:
            conditions.append(Notification.policy_id == parse_int(policy_id, "policy_id"))
        except InputError as exc:
            fields["policy_id"] = exc.reason
    if fields:
        raise Invalid("筛选条件有误", fields=fields)
    return conditions


@api.get("/notifications")
@require_roles(*STAFF)
def list_notifications():
    page, per_page = page_args()
    stmt = select(Notification).where(*notification_filters())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return jsonify(items=[notification_json(r) for r in rows], total=total, page=page, per_page=per_page)
