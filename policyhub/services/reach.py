"""What a policy's push reached: matched firms, messages queued, sent, failed, clicked, 不相关 and unsubscribes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select

from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, PolicyClick, PolicyMatch, Subscription
from policyhub.models.match import ELIGIBLE, NEED_MORE_INFO
from policyhub.models.notification import CANCELLED, DEAD, FAILED, PENDING, SENDING, SENT

__all__ = ["ChannelReach", "PolicyReachLine", "Reach", "ReachRow", "overall_reach", "policy_reach", "reach_rows"]


@dataclass(frozen=True)
class ChannelReach:
    """One channel's messages about a policy and the firms that followed their link."""

    messages: int = 0  # every message made, cancelled ones aside
    sent: int = 0  # accepted by the SMTP server or the SMS gateway (no carrier receipts are collected)
    failed: int = 0
    clicked: int = 0  # firms that followed the link at least once
    clicks: int = 0

    @property
    def click_rate(self) -> float | None:
        """Clicking firms per message sent, or None before anything was sent."""
        return self.clicked / self.sent if self.sent else None


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
    clicked: int = 0  # firms that followed a message's link, on any channel
    sent_by_channel: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)  # messages by their stored status
    by_channel: dict[str, ChannelReach] = field(default_factory=dict)

    @property
    def peak(self) -> int:
        """The largest count, the scale of the page's bars."""
        return max(self.matched, self.need_more_info, self.queued, self.sent, self.failed, self.cancelled,
                   self.not_relevant, self.unsubscribed, self.clicked, 1)


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
    by_channel_sent = dict(db.session.execute(
        select(Notification.channel, func.count()).where(Notification.policy_id == policy_id,
                                                         Notification.status == SENT)
        .group_by(Notification.channel)).all())
    unsubscribed = db.session.scalar(
        select(func.count(Notification.id)).join(Subscription, _unsubscribed_after())
        .where(Notification.policy_id == policy_id)) or 0
    per_channel: dict[str, dict[str, int]] = {}
    for channel, status, count in db.session.execute(
            select(Notification.channel, Notification.status, func.count()).where(Notification.policy_id == policy_id)
            .group_by(Notification.channel, Notification.status)):
        counts = per_channel.setdefault(channel, {})
        counts[status] = count
    clicks = {channel: (firms, int(total)) for channel, firms, total in db.session.execute(
        select(PolicyClick.channel, func.count(), func.coalesce(func.sum(PolicyClick.clicks), 0))
        .where(PolicyClick.policy_id == policy_id).group_by(PolicyClick.channel))}
    clicked = db.session.scalar(select(func.count(func.distinct(PolicyClick.enterprise_id)))
                                .where(PolicyClick.policy_id == policy_id)) or 0
    by_channel = {
        channel: ChannelReach(
            messages=sum(n for status, n in per_channel.get(channel, {}).items() if status != CANCELLED),
            sent=per_channel.get(channel, {}).get(SENT, 0),
            failed=per_channel.get(channel, {}).get(FAILED, 0) + per_channel.get(channel, {}).get(DEAD, 0),
            clicked=clicks.get(channel, (0, 0))[0], clicks=clicks.get(channel, (0, 0))[1])
        for channel in sorted(set(per_channel) | set(clicks))
    }
    return Reach(
        matched=matches.get(ELIGIBLE, 0), need_more_info=matches.get(NEED_MORE_INFO, 0),
        queued=deliveries.get(PENDING, 0) + deliveries.get(SENDING, 0), sent=deliveries.get(SENT, 0),
        failed=deliveries.get(FAILED, 0) + deliveries.get(DEAD, 0), cancelled=deliveries.get(CANCELLED, 0),
        not_relevant=not_relevant, unsubscribed=unsubscribed, clicked=clicked, sent_by_channel=by_channel_sent,
        by_status=deliveries, by_channel=by_channel,
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
    clicks: int | None = None  # on this channel's link; None when never clicked
    first_clicked_at: datetime | None = None
    last_clicked_at: datetime | None = None


def reach_rows(policy_id: int) -> Iterator[ReachRow]:
    """Every firm ever matched to the policy, one row per message (or one without), by firm."""
    stmt = (
        select(Enterprise.credit_code, Enterprise.name, PolicyMatch.eligibility, PolicyMatch.active,
               PolicyMatch.not_relevant_at, Notification.channel, Notification.status, Notification.sent_at,
               Subscription.unsubscribed_at, PolicyClick.clicks, PolicyClick.first_clicked_at,
               PolicyClick.last_clicked_at)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .outerjoin(Notification, and_(Notification.policy_id == PolicyMatch.policy_id,
                                      Notification.enterprise_id == PolicyMatch.enterprise_id))
        .outerjoin(Subscription, _unsubscribed_after())
        .outerjoin(PolicyClick, and_(PolicyClick.policy_id == PolicyMatch.policy_id,
                                     PolicyClick.enterprise_id == PolicyMatch.enterprise_id,
                                     PolicyClick.channel == Notification.channel))
        .where(PolicyMatch.policy_id == policy_id)
        .order_by(Enterprise.credit_code, Notification.channel)
    )
    for row in db.session.execute(stmt):
        yield ReachRow(*row)


@dataclass(frozen=True)
class PolicyReachLine:
    """One policy's line in the reach of every push: firms matched and told, messages sent and failed."""

    policy_id: int
    title: str
    status: str
    published_at: datetime | None
    department: str
    matched: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    clicked: int = 0
    not_relevant: int = 0
    unsubscribed: int = 0

    @property
    def click_rate(self) -> float | None:
        """Firms that followed a link per message sent, or None before anything was sent."""
        return self.clicked / self.sent if self.sent else None


def overall_reach(department_id: int | None = None) -> list[PolicyReachLine]:
    """Every published, expired or withdrawn policy's reach (of one department if given), newest first.

    One grouped query per count, over all policies at once (not one policy_reach per policy).
    """
    from policyhub.models import Department, Policy
    from policyhub.models.policy import DRAFT, SUBMITTED

    stmt = (select(Policy.id, Policy.title, Policy.status, Policy.published_at, Department.name)
            .join(Department, Policy.department_id == Department.id)
            .where(Policy.status.not_in([DRAFT, SUBMITTED]), Policy.published_at.is_not(None))
            .order_by(Policy.published_at.desc(), Policy.id.desc()))
    if department_id is not None:
        stmt = stmt.where(Policy.department_id == department_id)
    policies = db.session.execute(stmt).all()
    ids = [row[0] for row in policies]
    if not ids:
        return []

    def grouped(query) -> dict[int, int]:
        return {policy_id: n for policy_id, n in db.session.execute(query)}

    matched = grouped(select(PolicyMatch.policy_id, func.count()).where(
        PolicyMatch.policy_id.in_(ids), PolicyMatch.active.is_(True), PolicyMatch.eligibility == ELIGIBLE)
        .group_by(PolicyMatch.policy_id))
    not_relevant = grouped(select(PolicyMatch.policy_id, func.count()).where(
        PolicyMatch.policy_id.in_(ids), PolicyMatch.not_relevant_at.is_not(None)).group_by(PolicyMatch.policy_id))
    statuses: dict[int, dict[str, int]] = {}
    for policy_id, status, n in db.session.execute(
            select(Notification.policy_id, Notification.status, func.count())
            .where(Notification.policy_id.in_(ids)).group_by(Notification.policy_id, Notification.status)):
        statuses.setdefault(policy_id, {})[status] = n
    unsubscribed = grouped(select(Notification.policy_id, func.count(Notification.id))
                           .join(Subscription, _unsubscribed_after())
                           .where(Notification.policy_id.in_(ids)).group_by(Notification.policy_id))
    clicked = grouped(select(PolicyClick.policy_id, func.count(func.distinct(PolicyClick.enterprise_id)))
                      .where(PolicyClick.policy_id.in_(ids)).group_by(PolicyClick.policy_id))
    lines = []
    for policy_id, title, status, published_at, department in policies:
        counts = statuses.get(policy_id, {})
        lines.append(PolicyReachLine(
            policy_id=policy_id, title=title, status=status, published_at=published_at, department=department,
            matched=matched.get(policy_id, 0), queued=counts.get(PENDING, 0) + counts.get(SENDING, 0),
            sent=counts.get(SENT, 0), failed=counts.get(FAILED, 0) + counts.get(DEAD, 0),
            clicked=clicked.get(policy_id, 0), not_relevant=not_relevant.get(policy_id, 0),
            unsubscribed=unsubscribed.get(policy_id, 0)))
    return lines
