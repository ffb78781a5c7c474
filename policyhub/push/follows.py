"""Followed policies: reminders 7 days and 1 day before 申报截止, and a notice when one is amended or withdrawn.

A withdrawal is also told to the firms its alert already reached: they may be preparing an application.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import select

from notifier.messages import Notice, SmsStyle, deadline_reminder, followed_policy_changed
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyFollow, Subscription, utcnow
from policyhub.models.notification import SENT
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import Outgoing, absolute_url, enqueue, outgoing
from policyhub.push.render import sms_style
from policyhub.services.tokens import unsubscribe_token
from policyhub.timeutil import local_date

__all__ = ["REMIND_DAYS_BEFORE", "queue_change_notices", "queue_deadline_reminders"]

REMIND_DAYS_BEFORE = (7, 1)


def _to_followers(policy: Policy, build: Callable[..., Notice], key: Callable[[PolicyFollow, str], str]) -> list[Outgoing]:
    """One message per follower of the policy and active channel; build(enterprise_name=, policy_url=,
    unsubscribe_url=, sms=) makes the notice, key(follow, channel) its idempotency key."""
    rows = db.session.execute(select(PolicyFollow, Enterprise).join(Enterprise, Enterprise.id == PolicyFollow.enterprise_id)
                              .where(PolicyFollow.policy_id == policy.id)).all()
    channels: dict[int, list[str]] = {}
    for enterprise_id, channel in db.session.execute(select(Subscription.enterprise_id, Subscription.channel).where(
            Subscription.enterprise_id.in_([e.id for _, e in rows]), Subscription.active.is_(True))):
        channels.setdefault(enterprise_id, []).append(channel)
    return [message for follow, enterprise in rows for channel in channels.get(enterprise.id, [])
            if (message := _about_policy(policy, enterprise, channel, build, key(follow, channel)))]


def _about_policy(policy: Policy, enterprise: Enterprise, channel: str, build: Callable[..., Notice],
                  key: str) -> Outgoing | None:
    """The message to one firm on one channel about a policy it knows of, or None without an address there."""
    recipient = enterprise.mobile if channel == "sms" else enterprise.email
    if not recipient:
        return None
    secret = current_app.config["SECRET_KEY"]
    notice = build(enterprise_name=enterprise.name, policy_url=absolute_url(f"/policies/{policy.id}"),
                   unsubscribe_url=absolute_url(f"/unsubscribe/{unsubscribe_token(secret, enterprise.id, channel)}"),
                   sms=sms_style(None, enterprise.id) if channel == "sms" else SmsStyle())
    # No policy_id: a policy has one row per firm and channel (its alert); the key names the policy.
    return outgoing(notice, channel=channel, recipient=recipient, enterprise_id=enterprise.id, key=key)


def queue_change_notices(policy: Policy, *, withdrawn: bool, now: datetime, reason: str = "") -> int:
    """Tell the firms following a policy that it was amended (this version) or withdrawn, and on a withdrawal
    also the firms whose alert of it was delivered; returns messages queued."""
    change = "withdrawn" if withdrawn else f"v{policy.version}"
    build = partial(followed_policy_changed, title=policy.title, withdrawn=withdrawn, reason=reason)
    messages = _to_followers(policy, build, lambda f, channel: f"followed:{f.id}:{change}:{channel}")
    if withdrawn:
        messages += _to_alerted(policy, partial(build, followed=False))
    return enqueue(messages, now=now)


def _to_alerted(policy: Policy, build: Callable[..., Notice]) -> list[Outgoing]:
    """One message per firm and channel that the policy's alert reached, followers aside (they hear as followers),
    on channels still subscribed."""
    followers = select(PolicyFollow.enterprise_id).where(PolicyFollow.policy_id == policy.id)
    reached = db.session.execute(
        select(Notification.enterprise_id, Notification.channel).distinct()
        .join(Subscription, (Subscription.enterprise_id == Notification.enterprise_id)
              & (Subscription.channel == Notification.channel) & Subscription.active.is_(True))
        .where(Notification.policy_id == policy.id, Notification.kind == "policy_match", Notification.status == SENT,
               Notification.enterprise_id.not_in(followers))).all()
    enterprises = {e.id: e for e in db.session.scalars(
        select(Enterprise).where(Enterprise.id.in_({enterprise_id for enterprise_id, _ in reached})))}
    rows = sorted(((enterprises[i], channel) for i, channel in reached if i in enterprises),
                  key=lambda pair: (pair[0].id, pair[1]))
    return [message for enterprise, channel in rows
            if (message := _about_policy(policy, enterprise, channel, build,
                                         f"withdrawn:{policy.id}:{enterprise.id}:{channel}"))]


def queue_deadline_reminders(now: datetime | None = None) -> int:
    """Queue today's reminders of followed policies whose 申报截止 is 7 or 1 days away; returns messages queued."""
    now = now or utcnow()
    today = local_date(now)
    due = [today + timedelta(days=days) for days in REMIND_DAYS_BEFORE]
    policies = db.session.scalars(select(Policy).where(
        Policy.status == PUBLISHED, Policy.apply_until.in_(due),
        Policy.id.in_(select(PolicyFollow.policy_id)))).all()
    messages = []
    for policy in policies:
        until, days_left = policy.apply_until, (policy.apply_until - today).days
        build = partial(deadline_reminder, title=policy.title, apply_until=until, days_left=days_left)
        messages += _to_followers(
            policy, build, lambda f, channel, u=until, d=days_left: f"deadline:{f.id}:{u.isoformat()}:{d}:{channel}")
    return enqueue(messages, now=now)
