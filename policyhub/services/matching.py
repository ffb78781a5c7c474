"""Matching wired into the app: the per-process index, publish-time matching with the outbox, re-matching.

The index (matcher.engine.MatchIndex) is built once per process from every enterprise profile and
kept current incrementally: before each use it takes in the profiles changed since it last looked
(Enterprise.updated_at), so several web processes never need to tell each other anything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from matcher.criteria import Criteria, EnterpriseProfile
from notifier.messages import PolicyMatch as MatchNotice
from notifier.messages import policy_match_alert
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyMatch, Subscription, utcnow
from policyhub.models.match import ELIGIBLE
from policyhub.models.notification import CANCELLED, PENDING
from policyhub.models.policy import PUBLISHED
from policyhub.services import audit
from policyhub.services.bulk import bulk_insert
from policyhub.services.outbox import absolute_url
from policyhub.services.tokens import feedback_token, unsubscribe_token
from policyhub.timeutil import local_date

__all__ = [
    "MatchOutcome",
    "cancel_policy_notifications",
    "current_index",
    "mark_not_relevant",
    "match_policy",
    "profiles_changed",
    "render_deferred",
    "reset_index",
]

# Rows committed a little after others can carry an older updated_at; look back this far each time.
_LOOK_BACK = timedelta(seconds=30)


@dataclass
class _Cached:
    index: Any  # matcher.engine.MatchIndex (imported on first use: scikit-learn is slow to load)
    synced_at: datetime | None
    # Profiles taken in within the look-back window, and the version taken, so none is applied twice.
    applied: dict[int, datetime] = field(default_factory=dict)

    def take(self, enterprises: Iterable[Any]) -> None:
        for enterprise in enterprises:
            if self.applied.get(enterprise.id) == enterprise.updated_at:
                continue
            profile = _profile(enterprise)
            if profile.id in self.index.row_of_:
                self.index.update(profile)
            else:
                self.index.add(profile)
            self.applied[enterprise.id] = enterprise.updated_at
            if self.synced_at is None or enterprise.updated_at > self.synced_at:
                self.synced_at = enterprise.updated_at
        if self.synced_at is not None:
            horizon = self.synced_at - _LOOK_BACK
            self.applied = {k: v for k, v in self.applied.items() if v >= horizon}


_indexes: dict[str, _Cached] = {}
_lock = threading.Lock()


_PROFILE_COLUMNS = (Enterprise.id, Enterprise.name, Enterprise.industry_code, Enterprise.size,
                    Enterprise.region_code, Enterprise.qualifications, Enterprise.above_scale,
                    Enterprise.business_scope, Enterprise.employees, Enterprise.revenue_wan, Enterprise.assets_wan,
                    Enterprise.updated_at)


def _profile(e: Any) -> EnterpriseProfile:
    """The matcher's plain profile of an Enterprise, or of a row of _PROFILE_COLUMNS."""
    return EnterpriseProfile(
        id=e.id, name=e.name, industry_code=e.industry_code, size=e.size, region_code=e.region_code,
        qualifications=frozenset(e.qualifications or ()), above_scale=e.above_scale,
        business_scope=e.business_scope or "", employees=e.employees, revenue_wan=e.revenue_wan,
        assets_wan=e.assets_wan,
    )


def reset_index() -> None:
    """Forget every cached index (tests; after a bulk change made outside the app)."""
    with _lock:
        _indexes.clear()


def current_index() -> Any:
    """This process's index (a matcher.engine.MatchIndex) for this database, up to date with changed profiles."""
    from matcher.engine import MatchIndex

    key = str(db.engine.url)
    with _lock:
        cached = _indexes.get(key)
        if cached is None:
            # Plain column rows, not ORM objects: a million profiles load in seconds, not minutes.
            enterprises = db.session.execute(select(*_PROFILE_COLUMNS)).all()
            index = MatchIndex().fit([_profile(e) for e in enterprises])
            synced = max((e.updated_at for e in enterprises), default=None)
            cached = _Cached(index, synced, {e.id: e.updated_at for e in enterprises
                                             if synced is not None and e.updated_at >= synced - _LOOK_BACK})
            _indexes[key] = cached
            return index
        stmt = select(*_PROFILE_COLUMNS).order_by(Enterprise.updated_at)
        if cached.synced_at is not None:
            # Look back only while late commits are still possible; after that, strictly newer rows.
            if utcnow() - cached.synced_at < _LOOK_BACK:
                stmt = stmt.where(Enterprise.updated_at >= cached.synced_at - _LOOK_BACK)
            else:
                stmt = stmt.where(Enterprise.updated_at > cached.synced_at)
        cached.take(db.session.execute(stmt))
        return cached.index


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


# A big fan-out renders its messages when they are sent, not when they are queued: the row (recipient,
# channel, idempotency key) is written in the publishing transaction; subject and body are filled in
# by render_deferred() just before the dispatcher sends it, and then stay in the row as sent.
DEFERRED = "deferred"


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
    queued = select(Notification.enterprise_id, Notification.channel).where(Notification.policy_id == policy.id)
    if enterprise_ids is not None:
        ids = list(enterprise_ids)
        stmt = stmt.where(PolicyMatch.enterprise_id.in_(ids))
        # A re-match of a few profiles must not read every message already queued for the policy.
        queued = queued.where(Notification.enterprise_id.in_(ids))
    already = set(db.session.execute(queued).all())
    rows: list[dict[str, Any]] = []
    deferred = {DEFERRED: True}  # one object for every row: encoded once
    for enterprise_id, channel, mobile, email in db.session.execute(stmt):
        recipient = mobile if channel == "sms" else email
        if not recipient or (enterprise_id, channel) in already:
            continue
        rows.append({
            "kind": "policy_match", "channel": channel, "idempotency_key": f"match:{policy.id}:{enterprise_id}:{channel}",
            "policy_id": policy.id, "enterprise_id": enterprise_id, "recipient": recipient,
            "subject": "", "body_text": "", "body_html": None, "headers": deferred,
            "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        })
    bulk_insert(Notification.__table__, rows)
    return len(rows)


def render_deferred(rows: list[Notification]) -> None:
    """Fill in the subject and body of match alerts queued unrendered; stored before they are sent."""
    todo = [r for r in rows if (r.headers or {}).get(DEFERRED) and r.policy_id and r.enterprise_id]
    if not todo:
        return
    policies = {p.id: p for p in db.session.scalars(select(Policy).where(
        Policy.id.in_({r.policy_id for r in todo})))}
    found = db.session.execute(
        select(PolicyMatch.policy_id, PolicyMatch.enterprise_id, PolicyMatch.reasons, Enterprise.name)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.enterprise_id.in_({r.enterprise_id for r in todo}),
               PolicyMatch.policy_id.in_(set(policies)))).all()
    details = {(policy_id, enterprise_id): (reasons, name) for policy_id, enterprise_id, reasons, name in found}
    secret = current_app.config["SECRET_KEY"]
    for row in todo:
        policy = policies[row.policy_id]
        reasons, name = details.get((row.policy_id, row.enterprise_id), ((), ""))
        notice = policy_match_alert(
            MatchNotice(title=policy.title, department=policy.department.name, reasons=tuple(reasons or ()),
                        url=absolute_url(f"/policies/{policy.id}?m={feedback_token(policy.id, row.enterprise_id)}")),
            enterprise_name=name or "贵企业",
            unsubscribe_url=absolute_url(f"/unsubscribe/{unsubscribe_token(secret, row.enterprise_id, row.channel)}"),
        )
        email = row.channel == "email"
        row.subject = notice.email.subject if email else ""
        row.body_text = notice.email.text if email else notice.sms.text
        row.body_html = notice.email.html if email else None
        row.headers = {"unsubscribe_url": notice.unsubscribe_url,
                       "template_params": {} if email else dict(notice.sms.template_params)}
    db.session.commit()


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
        profiles += [_profile(e) for e in db.session.execute(
            select(*_PROFILE_COLUMNS).where(Enterprise.id.in_(ids[chunk:chunk + 1000])))]
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
