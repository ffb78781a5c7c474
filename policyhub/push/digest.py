"""The digests: one message a day (or, for weekly subscribers, each Monday) per channel listing new matches."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from notifier.messages import PolicyMatch as MatchNotice
from notifier.messages import SmsStyle, daily_digest
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, PolicyMatch, Subscription, utcnow
from policyhub.models.match import ELIGIBLE
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.push.render import policy_link, sms_style
from policyhub.services.tokens import unsubscribe_token
from policyhub.timeutil import local_date

__all__ = ["MAX_ITEMS", "queue_digests"]

MAX_ITEMS = 20
WEEKLY_DAY = 0  # Monday: weekly subscribers hear of the week's new matches then


def queue_digests(now: datetime | None = None) -> int:
    """Queue today's digest for every daily (on Mondays also weekly) subscriber with undigested matches."""
    now = now or utcnow()
    day = local_date(now)
    due = ("daily", "weekly") if day.weekday() == WEEKLY_DAY else ("daily",)
    rows = db.session.execute(
        select(PolicyMatch, Policy, Subscription.channel, Subscription.frequency)
        .join(Policy, Policy.id == PolicyMatch.policy_id)
        .join(Subscription, Subscription.enterprise_id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.digested_at.is_(None), PolicyMatch.eligibility == ELIGIBLE,
               PolicyMatch.active.is_(True), PolicyMatch.not_relevant_at.is_(None), Policy.status == PUBLISHED,
               Subscription.active.is_(True), Subscription.frequency.in_(due))
        .order_by(PolicyMatch.enterprise_id, PolicyMatch.score.desc())
    ).all()
    by_enterprise: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    weekly: set[tuple[int, str]] = set()
    for match, policy, channel, frequency in rows:
        by_enterprise[match.enterprise_id][channel].append((match, policy))
        if frequency == "weekly":
            weekly.add((match.enterprise_id, channel))
    secret = current_app.config["SECRET_KEY"]
    queued = 0
    digested: set[int] = set()
    for enterprise_id, channels in by_enterprise.items():
        enterprise = db.session.get(Enterprise, enterprise_id)
        for channel, items in channels.items():
            recipient = enterprise.mobile if channel == "sms" else enterprise.email
            if not recipient:
                continue
            notices = [MatchNotice(title=p.title, department=p.department.name, reasons=tuple(m.reasons or ()),
                                   url=policy_link(p.id, enterprise_id, channel))
                       for m, p in items[:MAX_ITEMS]]
            notice = daily_digest(notices, enterprise_name=enterprise.name, day=day,
                                  digest_url=absolute_url("/me"), weekly=(enterprise_id, channel) in weekly,
                                  sms=sms_style(None, enterprise_id) if channel == "sms" else SmsStyle(),
                                  unsubscribe_url=absolute_url(
                                      f"/unsubscribe/{unsubscribe_token(secret, enterprise_id, channel)}"))
            queued += enqueue([outgoing(notice, channel=channel, recipient=recipient, enterprise_id=enterprise_id,
                                        key=f"digest:{enterprise_id}:{day.isoformat()}:{channel}")], now=now)
            digested.update(m.id for m, _ in items)
    if digested:
        db.session.execute(update(PolicyMatch).where(PolicyMatch.id.in_(list(digested))).values(digested_at=now))
    return queued
