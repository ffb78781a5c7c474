"""Followed policies: reminders 7 days and 1 day before 申报截止, and a notice when one is amended or withdrawn."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from notifier.messages import deadline_reminder, followed_policy_changed
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, PolicyFollow, Subscription, utcnow
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services.tokens import unsubscribe_token
from policyhub.timeutil import local_date

__all__ = ["REMIND_DAYS_BEFORE", "queue_change_notices", "queue_deadline_reminders"]

REMIND_DAYS_BEFORE = (7, 1)


def _followers(policy_id: int) -> list[tuple[PolicyFollow, Enterprise, list[str]]]:
    rows = db.session.execute(select(PolicyFollow, Enterprise).join(Enterprise, Enterprise.id == PolicyFollow.enterprise_id)
                              .where(PolicyFollow.policy_id == policy_id)).all()
    out = []
    for follow, enterprise in rows:
        channels = list(db.session.scalars(select(Subscription.channel).where(
            Subscription.enterprise_id == enterprise.id, Subscription.active.is_(True))))
        out.append((follow, enterprise, channels))
    return out


def _recipient(enterprise: Enterprise, channel: str) -> str | None:
    return enterprise.mobile if channel == "sms" else enterprise.email


def queue_change_notices(policy: Policy, *, withdrawn: bool, now: datetime, reason: str = "") -> int:
    """Tell the firms following a policy that it was amended (this version) or withdrawn; returns messages queued."""
    secret = current_app.config["SECRET_KEY"]
    change = "withdrawn" if withdrawn else f"v{policy.version}"
    messages = []
    for follow, enterprise, channels in _followers(policy.id):
        for channel in channels:
            recipient = _recipient(enterprise, channel)
            if not recipient:
                continue
            notice = followed_policy_changed(
                title=policy.title, withdrawn=withdrawn, reason=reason, enterprise_name=enterprise.name,
                policy_url=absolute_url(f"/policies/{policy.id}"),
                unsubscribe_url=absolute_url(f"/unsubscribe/{unsubscribe_token(secret, enterprise.id, channel)}"))
            messages.append(outgoing(notice, channel=channel, recipient=recipient, enterprise_id=enterprise.id,
                                     key=f"followed:{follow.id}:{change}:{channel}"))
    return enqueue(messages, now=now)


def queue_deadline_reminders(now: datetime | None = None) -> int:
    """Queue today's reminders of followed policies whose 申报截止 is 7 or 1 days away; returns messages queued."""
    now = now or utcnow()
    today = local_date(now)
    due = [today + timedelta(days=days) for days in REMIND_DAYS_BEFORE]
    policies = db.session.scalars(select(Policy).where(
        Policy.status == PUBLISHED, Policy.apply_until.in_(due),
        Policy.id.in_(select(PolicyFollow.policy_id)))).all()
    secret = current_app.config["SECRET_KEY"]
    messages = []
    for policy in policies:
        until = policy.apply_until
        days_left = (until - today).days
        for follow, enterprise, channels in _followers(policy.id):
            for channel in channels:
                recipient = _recipient(enterprise, channel)
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
