"""Send-time truth: whether a queued message is still true the moment it would go out.

A message decided earlier may have stopped being true: its policy withdrawn or expired, its match
inactive or marked 不相关, the firm unsubscribed from the channel. The dispatcher asks ``stale()``
about the rows it holds and cancels those it names instead of sending them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_

from policyhub.extensions import db
from policyhub.models import Notification, Policy, PolicyMatch, Subscription
from policyhub.models.match import ELIGIBLE
from policyhub.models.policy import PUBLISHED, WITHDRAWN
from policyhub.timeutil import local_date

__all__ = ["PUSH_KINDS", "stale"]

# Messages that exist because of a subscription to policy pushes (an answer to a question does not).
PUSH_KINDS = frozenset({"policy_match", "welcome", "digest", "daily_digest", "deadline_reminder"})


def stale(rows: Sequence[Notification], now: datetime) -> dict[int, str]:
    """The rows that must not be sent now, each with the reason (English, for the outbox row)."""
    reasons: dict[int, str] = {}
    today = local_date(now)
    # Core rows on the session's connection: these read plain columns, no ORM loading is needed.
    read = db.session.connection().execute
    policy_ids = {r.policy_id for r in rows if r.policy_id is not None}
    if policy_ids:
        policies = {p.id: (p.status, p.effective_to) for p in read(
            select(Policy.id, Policy.status, Policy.effective_to).where(Policy.id.in_(policy_ids)))}
        for row in rows:
            if row.policy_id is None:
                continue
            status, effective_to = policies.get(row.policy_id, (None, None))
            if status == WITHDRAWN or status is None:
                reasons[row.id] = "policy withdrawn"
            elif status != PUBLISHED or (effective_to is not None and effective_to < today):
                reasons[row.id] = "policy expired"
    alerts = [r for r in rows if r.kind == "policy_match" and r.policy_id and r.enterprise_id and r.id not in reasons]
    if alerts:
        pairs = {(r.policy_id, r.enterprise_id) for r in alerts}
        found = {(m.policy_id, m.enterprise_id): m for m in read(
            select(PolicyMatch.policy_id, PolicyMatch.enterprise_id, PolicyMatch.active, PolicyMatch.eligibility,
                   PolicyMatch.not_relevant_at)
            .where(tuple_(PolicyMatch.policy_id, PolicyMatch.enterprise_id).in_(list(pairs))))}
        for row in alerts:
            match = found.get((row.policy_id, row.enterprise_id))
            if match is None or not match.active or match.eligibility != ELIGIBLE:
                reasons[row.id] = "no longer eligible"
            elif match.not_relevant_at is not None:
                reasons[row.id] = "marked not relevant"
    pushes = [r for r in rows if r.kind in PUSH_KINDS and r.enterprise_id and r.id not in reasons]
    if pushes:
        subscribed = set(read(
            select(Subscription.enterprise_id, Subscription.channel).where(
                Subscription.enterprise_id.in_({r.enterprise_id for r in pushes}), Subscription.active.is_(True))
        ).all())
        for row in pushes:
            if (row.enterprise_id, row.channel) not in subscribed:
                reasons[row.id] = "unsubscribed"
    return reasons
