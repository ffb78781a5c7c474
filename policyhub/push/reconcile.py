"""Who is matched to what: publish-time matching with its alerts, re-matching changed profiles, 不相关."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from matcher.criteria import Criteria
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyMatch, Subscription, utcnow
from policyhub.models.match import ELIGIBLE
from policyhub.models.notification import CANCELLED, PENDING
from policyhub.models.policy import PUBLISHED
from policyhub.push.index import PROFILE_COLUMNS, current_index, profile
from policyhub.push.outbox import Outgoing, enqueue
from policyhub.services import audit
from policyhub.services.bulk import bulk_insert
from policyhub.timeutil import local_date

__all__ = [
    "MatchOutcome",
    "cancel_policy_notifications",
    "mark_not_relevant",
    "match_policy",
    "profiles_changed",
]


def _policy_text(policy: Policy) -> str:
    return f"{policy.title}\n{policy.body}"


@dataclass(frozen=True)
class MatchOutcome:
    matched: int
    eligible: int
    notifications_queued: int


def _active(policy: Policy, now: datetime) -> bool:
    return policy.status == PUBLISHED and (policy.effective_to is None or policy.effective_to >= local_date(now))


def match_policy(policy: Policy, *, now: datetime | None = None) -> MatchOutcome:
    """Link a just-published policy to every enterprise it concerns and queue the instant alerts.

    Match rows and outbox rows go in with executemany inside the caller's transaction.
    """
    now = now or utcnow()
    if not _active(policy, now):
        return MatchOutcome(0, 0, 0)
    index = current_index()
    criteria = Criteria.from_dict(policy.criteria)
    result = index.match_arrays(criteria, _policy_text(policy))
    if len(result) == 0:
        return MatchOutcome(0, 0, 0)
    existing = set(db.session.scalars(select(PolicyMatch.enterprise_id).where(PolicyMatch.policy_id == policy.id)))
    explain = _explainer(index, criteria)
    rows = []
    for i in range(len(result)):
        enterprise_id = int(result.enterprise_ids[i])
        if enterprise_id in existing:
            continue
        eligible = bool(result.eligible[i])
        rows.append({
            "policy_id": policy.id, "enterprise_id": enterprise_id,
            "eligibility": ELIGIBLE if eligible else "need_more_info", "score": round(float(result.scores[i]), 6),
            "reasons": list(explain(int(result.rows[i]))), "missing": _missing_names(int(result.missing[i])),
            "created_at": now,
        })
    bulk_insert(PolicyMatch.__table__, rows)
    queued = _queue_alerts(policy, now)
    eligible_count = sum(1 for r in rows if r["eligibility"] == ELIGIBLE)
    return MatchOutcome(len(rows), eligible_count, queued)


def _explainer(index: Any, criteria: Criteria):
    from matcher.engine import _Explainer

    return _Explainer(index, criteria)


_NOTHING_MISSING: list[str] = []  # shared, so a bulk insert encodes it once


def _missing_names(bits: int) -> list[str]:
    from matcher.engine import _MISSING_FIELDS

    return [name for bit, name in _MISSING_FIELDS if bits & bit] if bits else _NOTHING_MISSING


def _queue_alerts(policy: Policy, now: datetime, enterprise_ids: Iterable[int] | None = None) -> int:
    """One alert per eligible, still-relevant match and active instant channel, unless already queued."""
    stmt = (
        select(PolicyMatch.enterprise_id, Subscription.channel, Enterprise.mobile, Enterprise.email)
        .join(Subscription, Subscription.enterprise_id == PolicyMatch.enterprise_id)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.policy_id == policy.id, PolicyMatch.eligibility == ELIGIBLE,
               PolicyMatch.not_relevant_at.is_(None), Subscription.active.is_(True),
               Subscription.frequency == "instant")
    )
    if enterprise_ids is not None:
        stmt = stmt.where(PolicyMatch.enterprise_id.in_(list(enterprise_ids)))
    messages = [Outgoing(kind="policy_match", channel=channel, recipient=recipient, policy_id=policy.id,
                         enterprise_id=enterprise_id, key=f"match:{policy.id}:{enterprise_id}:{channel}")
                for enterprise_id, channel, mobile, email in db.session.execute(stmt)
                if (recipient := mobile if channel == "sms" else email)]
    return enqueue(messages, now=now)


def profiles_changed(enterprise_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Match changed or new profiles against the active published policies; returns alerts queued.

    Eligibility per changed profile with the matcher's own rules; relevance for all of them at once
    per policy (one policy vector, not one per enterprise).
    """
    from matcher.evaluate import rule_verdict

    ids = list(dict.fromkeys(enterprise_ids))
    if not ids:
        return 0
    now = now or utcnow()
    policies = [p for p in db.session.scalars(select(Policy).where(Policy.status == PUBLISHED)) if _active(p, now)]
    if not policies:
        return 0
    db.session.flush()
    index = current_index()
    profiles = []
    for chunk in range(0, len(ids), 1000):
        profiles += [profile(e) for e in db.session.execute(
            select(*PROFILE_COLUMNS).where(Enterprise.id.in_(ids[chunk:chunk + 1000])))]
    queued = 0
    for policy in policies:
        criteria = Criteria.from_dict(policy.criteria)
        verdicts = [(p.id, v) for p in profiles if (v := rule_verdict(p, criteria)) is not None]
        if not verdicts:
            continue
        matched = select(PolicyMatch.enterprise_id).where(PolicyMatch.policy_id == policy.id)
        if len(verdicts) <= 1000:
            # One changed profile must not read the policy's 100,000 existing matches, only its own.
            matched = matched.where(PolicyMatch.enterprise_id.in_([i for i, _ in verdicts]))
        have = set(db.session.scalars(matched))
        verdicts = [(i, v) for i, v in verdicts if i not in have]
        if not verdicts:
            continue
        scores = index.scores_of(_policy_text(policy), [i for i, _ in verdicts])
        explain = _explainer(index, criteria)
        rows = [{"policy_id": policy.id, "enterprise_id": enterprise_id, "eligibility": verdict,
                 "score": round(float(score), 6), "reasons": list(explain(index.row_of_[enterprise_id])),
                 "missing": [], "created_at": now}
                for (enterprise_id, verdict), score in zip(verdicts, scores, strict=True)]
        bulk_insert(PolicyMatch.__table__, rows)
        queued += _queue_alerts(policy, now, [r["enterprise_id"] for r in rows] if len(rows) <= 1000 else None)
    return queued


def cancel_policy_notifications(policy_id: int) -> int:
    """Cancel every undelivered message about a policy (it was withdrawn)."""
    result = db.session.execute(
        update(Notification).where(Notification.policy_id == policy_id, Notification.status == PENDING)
        .values(status=CANCELLED, last_error="policy withdrawn")
    )
    return result.rowcount or 0


def mark_not_relevant(policy_id: int, enterprise_id: int, *, now: datetime | None = None) -> bool:
    """The enterprise says a pushed policy is not for it: no further pushes of it; True if newly marked."""
    match = db.session.scalar(select(PolicyMatch).where(PolicyMatch.policy_id == policy_id,
                                                        PolicyMatch.enterprise_id == enterprise_id))
    if match is None or match.not_relevant_at is not None:
        return False
    match.not_relevant_at = now or utcnow()
    db.session.execute(update(Notification).where(
        Notification.policy_id == policy_id, Notification.enterprise_id == enterprise_id,
        Notification.status == PENDING).values(status=CANCELLED, last_error="marked not relevant"))
    db.session.flush()
    audit.record(None, "match.not_relevant", "policy", policy_id, enterprise_id=enterprise_id)
    return True
