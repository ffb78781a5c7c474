"""Reminders for followed policies: 7 days and 1 day before 申报截止, one message per channel each time."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from notifier.messages import deadline_reminder
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, PolicyFollow, Subscription, utcnow
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services.me import apply_until
from policyhub.services.tokens import unsubscribe_token
from policyhub.timeutil import local_date

__all__ = ["REMIND_DAYS_BEFORE", "queue_deadline_reminders"]

REMIND_DAYS_BEFORE = (7, 1)


def queue_deadline_reminders(now: datetime | None = None) -> int:
    """Queue today's reminders of followed policies whose 申报截止 is 7 or 1 days away; returns messages queued."""
    now = now or utcnow()
    today = local_date(now)
    rows = db.session.execute(
        select(PolicyFollow, Policy, Enterprise).join(Policy, Policy.id == PolicyFollow.policy_id)
        .join(Enterprise, Enterprise.id == PolicyFollow.enterprise_id).where(Policy.status == PUBLISHED)).all()
    secret = current_app.config["SECRET_KEY"]
    messages = []
    for follow, policy, enterprise in rows:
        until = apply_until(policy)
        if until is None or (until - today).days not in REMIND_DAYS_BEFORE:
            continue
        days_left = (until - today).days
        channels = db.session.scalars(select(Subscription.channel).where(
            Subscription.enterprise_id == enterprise.id, Subscription.active.is_(True))).all()
        for channel in channels:
            recipient = enterprise.mobile if channel == "sms" else enterprise.email
            if not recipient:
                continue
            notice = deadline_reminder(
                title=policy.title, apply_until=until, days_left=days_left, enterprise_name=enterprise.name,
                policy_url=absolute_url(f"/policies/{policy.id}"),
                unsubscribe_url=absolute_url(f"/unsubscribe/{unsubscribe_token(secret, enterprise.id, channel)}"))
            # No policy_id: a policy has one row per firm and channel (its alert); the key names the policy.
            messages.append(outgoing(notice, channel=channel, recipient=recipient, enterprise_id=enterprise.id,
                                     key=f"deadline:{follow.id}:{until.isoformat()}:{days_left}:{channel}"))
    return enqueue(messages, now=now)
