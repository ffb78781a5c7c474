"""What a policy's push reached: matched firms, messages queued, sent, failed, 不相关 and unsubscribes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select

from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, PolicyMatch, Subscription
from policyhub.models.match import ELIGIBLE, NEED_MORE_INFO
from policyhub.models.notification import CANCELLED, DEAD, FAILED, PENDING, SENDING, SENT

__all__ = ["Reach", "ReachRow", "policy_reach", "reach_rows"]


@dataclass(frozen=True)
class Reach:
    """One policy's reach as counts (firms for matches, messages for deliveries)."""

    matched: int = 0  # active eligible matches
    need_more_info: int = 0
    queued: int = 0  # messages waiting or being sent
    sent: int = 0
    failed: int = 0  # failed for now or given up
    cancelled: int = 0
    not_relevant: int = 0  # firms that said 不相关
    unsubscribed: int = 0  # messages whose channel the firm left after the message was made
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)  # messages by their stored status

    @property
    def peak(self) -> int:
        """The largest count, the scale of the page's bars."""
        return max(self.matched, self.need_more_info, self.queued, self.sent, self.failed, self.cancelled,
                   self.not_relevant, self.unsubscribed, 1)


def _unsubscribed_after():
    return and_(Subscription.enterprise_id == Notification.enterprise_id, Subscription.channel == Notification.channel,
                Subscription.active.is_(False), Subscription.unsubscribed_at >= Notification.created_at)


def policy_reach(policy_id: int) -> Reach:
    """The counts for one policy, read from the match state and the outbox."""
    matches = dict(db.session.execute(
        select(PolicyMatch.eligibility, func.count()).where(PolicyMatch.policy_id == policy_id,
                                                            PolicyMatch.active.is_(True))
        .group_by(PolicyMatch.eligibility)).all())
    not_relevant = db.session.scalar(select(func.count(PolicyMatch.id)).where(
        PolicyMatch.policy_id == policy_id, PolicyMatch.not_relevant_at.is_not(None))) or 0
    deliveries = dict(db.session.execute(
        select(Notification.status, func.count()).where(Notification.policy_id == policy_id)
        .group_by(Notification.status)).all())
    by_channel = dict(db.session.execute(
        select(Notification.channel, func.count()).where(Notification.policy_id == policy_id,
                                                         Notification.status == SENT)
        .group_by(Notification.channel)).all())
    unsubscribed = db.session.scalar(
        select(func.count(Notification.id)).join(Subscription, _unsubscribed_after())
        .where(Notification.policy_id == policy_id)) or 0
    return Reach(
        matched=matches.get(ELIGIBLE, 0), need_more_info=matches.get(NEED_MORE_INFO, 0),
        queued=deliveries.get(PENDING, 0) + deliveries.get(SENDING, 0), sent=deliveries.get(SENT, 0),
        failed=deliveries.get(FAILED, 0) + deliveries.get(DEAD, 0), cancelled=deliveries.get(CANCELLED, 0),
        not_relevant=not_relevant, unsubscribed=unsubscribed, sent_by_channel=by_channel, by_status=deliveries,
    )


@dataclass(frozen=True)
class ReachRow:
    """One matched firm and, when it was messaged, one of its messages."""

    credit_code: str
    name: str
    eligibility: str
    active: bool
    not_relevant_at: datetime | None
    channel: str | None
    status: str | None
    sent_at: datetime | None
    unsubscribed_at: datetime | None


def reach_rows(policy_id: int) -> Iterator[ReachRow]:
    """Every firm ever matched to the policy, one row per message (or one without), by firm."""
    stmt = (
        select(Enterprise.credit_code, Enterprise.name, PolicyMatch.eligibility, PolicyMatch.active,
               PolicyMatch.not_relevant_at, Notification.channel, Notification.status, Notification.sent_at,
               Subscription.unsubscribed_at)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .outerjoin(Notification, and_(Notification.policy_id == PolicyMatch.policy_id,
                                      Notification.enterprise_id == PolicyMatch.enterprise_id))
        .outerjoin(Subscription, _unsubscribed_after())
        .where(PolicyMatch.policy_id == policy_id)
        .order_by(Enterprise.credit_code, Notification.channel)
    )
    for row in db.session.execute(stmt):
        yield ReachRow(*row)
