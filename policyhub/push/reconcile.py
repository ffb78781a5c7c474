"""One reconcile for every trigger: the eligible set computed now, against the match state stored.

Publish, an edit of a published policy, withdraw, republish and expiry reconcile a policy with every
profile (``reconcile_policy``); a profile created, changed or imported reconciles with every live
policy (``reconcile_enterprises``); 不相关 is the firm's own word (``mark_not_relevant``). In each,
the difference with what is stored is all that acts:

- newly eligible (no match before, an inactive match, or one that was ``need_more_info``) → one alert
  per subscribed channel; a cancelled alert comes back to life, a delivered one is never sent again;
  a new firm gets one welcome per channel listing its matches instead of one alert per old policy;
- no longer eligible → the match is kept for history but inactive, its undelivered alerts cancelled
  (eligible → ``need_more_info`` keeps the match and cancels its alerts);
- unchanged → nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, update

from matcher.criteria import Criteria
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, Policy, PolicyMatch, Subscription, utcnow
from policyhub.models.match import ELIGIBLE
from policyhub.models.notification import CANCELLED, PENDING
from policyhub.models.policy import PUBLISHED, WITHDRAWN
from policyhub.push.eligibility import PolicyEligibility, dense
from policyhub.push.outbox import Outgoing, enqueue, enqueue_fanout_alerts
from policyhub.services import audit
from policyhub.services.bulk import bulk_insert, bulk_update
from policyhub.timeutil import local_date

__all__ = [
    "PolicyVerdicts",
    "ReconcileOutcome",
    "is_live",
    "policy_verdicts",
    "reconcile_policy_range",
    "retire",
    "enterprise_deleted",
    "mark_not_relevant",
    "reconcile_enterprises",
    "reconcile_policy",
]

_CHUNK = 1000


@dataclass
class ReconcileOutcome:
    """What one reconcile changed."""

    matched: int = 0  # the policy's active matches afterwards (eligible and need_more_info)
    newly_eligible: int = 0
    deactivated: int = 0
    notifications_queued: int = 0
    notifications_cancelled: int = 0
    welcomes_queued: int = 0

    def add(self, other: ReconcileOutcome) -> None:
        for name in ("matched", "newly_eligible", "deactivated", "notifications_queued",
                     "notifications_cancelled", "welcomes_queued"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Stored(NamedTuple):
    id: int
    enterprise_id: int
    eligibility: str
    active: bool
    not_relevant_at: datetime | None


# score, reasons, missing field names for the enterprises a reconcile writes
Details = Callable[[list[int]], dict[int, tuple[float, list[str], list[str]]]]


def is_live(policy: Policy, now: datetime) -> bool:
    """Published and not past its validity (Asia/Shanghai date): the only policies anyone is told about."""
    return policy.status == PUBLISHED and (policy.effective_to is None or policy.effective_to >= local_date(now))


def _policy_text(policy: Policy) -> str:
    return f"{policy.title}\n{policy.body}"


def _explainer(index: Any, criteria: Criteria):
    from matcher.engine import _Explainer

    return _Explainer(index, criteria)


_NOTHING_MISSING: list[str] = []  # shared, so a bulk insert encodes it once


def _missing_names(bits: int) -> list[str]:
    from matcher.engine import _MISSING_FIELDS

    return [name for bit, name in _MISSING_FIELDS if bits & bit] if bits else _NOTHING_MISSING


def _stored(policy_id: int, enterprise_ids: list[int] | None = None) -> dict[int, _Stored]:
    stmt = select(PolicyMatch.id, PolicyMatch.enterprise_id, PolicyMatch.eligibility, PolicyMatch.active,
                  PolicyMatch.not_relevant_at).where(PolicyMatch.policy_id == policy_id)
    if enterprise_ids is None or len(enterprise_ids) > _CHUNK:
        wanted = None if enterprise_ids is None else set(enterprise_ids)
        return {r.enterprise_id: _Stored(*r) for r in db.session.execute(stmt)
                if wanted is None or r.enterprise_id in wanted}
    # A changed profile must not read the policy's 100,000 existing matches, only its own.
    return {r.enterprise_id: _Stored(*r) for r in db.session.execute(
        stmt.where(PolicyMatch.enterprise_id.in_(enterprise_ids)))}


def _cancel(policy_id: int, enterprise_ids: list[int] | None, reason: str) -> int:
    """Cancel the undelivered messages about a policy (for these enterprises, or all)."""
    stmt = update(Notification).where(Notification.policy_id == policy_id, Notification.status == PENDING)
    if enterprise_ids is None:
        return db.session.execute(stmt.values(status=CANCELLED, last_error=reason)).rowcount or 0
    cancelled = 0
    for start in range(0, len(enterprise_ids), _CHUNK):
        cancelled += db.session.execute(stmt.where(Notification.enterprise_id.in_(
            enterprise_ids[start:start + _CHUNK])).values(status=CANCELLED, last_error=reason)).rowcount or 0
    return cancelled


def _apply(policy: Policy, verdicts: dict[int, str], stored: dict[int, _Stored], details: Details, *,
           now: datetime, alert: bool, span: tuple[int, int | None] | None = None
           ) -> tuple[ReconcileOutcome, list[int]]:
    """Act on the difference between the verdicts (the scope's eligible set) and the stored matches.

    ``span`` (after, upto) says the scope is that range of enterprise ids (a fan-out chunk).
    Returns the outcome and the newly eligible enterprises (for a welcome when ``alert`` is off).
    """
    outcome = ReconcileOutcome(matched=len(verdicts))
    fresh: list[int] = []  # no match row yet
    changed: list[_Stored] = []  # inactive again, or another eligibility
    newly: list[int] = []
    downgraded: list[int] = []
    for enterprise_id, eligibility in verdicts.items():
        found = stored.get(enterprise_id)
        if found is None:
            fresh.append(enterprise_id)
            if eligibility == ELIGIBLE:
                newly.append(enterprise_id)
        elif not found.active or found.eligibility != eligibility:
            changed.append(found)
            if eligibility == ELIGIBLE and found.not_relevant_at is None:
                newly.append(enterprise_id)
            elif eligibility != ELIGIBLE and found.active and found.eligibility == ELIGIBLE:
                downgraded.append(enterprise_id)
    gone = [s for e, s in stored.items() if s.active and e not in verdicts]

    written = details(fresh + [s.enterprise_id for s in changed])
    if fresh:
        bulk_insert(PolicyMatch.__table__, [
            {"policy_id": policy.id, "enterprise_id": e, "eligibility": verdicts[e], "score": written[e][0],
             "reasons": written[e][1], "missing": written[e][2], "created_at": now, "active": True,
             "changed_at": now}
            for e in fresh])
    if changed:
        bulk_update(PolicyMatch.__table__, [
            {"id": s.id, "eligibility": verdicts[s.enterprise_id], "score": written[s.enterprise_id][0],
             "reasons": written[s.enterprise_id][1], "missing": written[s.enterprise_id][2], "active": True,
             "deactivated_at": None, "changed_at": now}
            for s in changed])
    if gone:
        ids = [s.id for s in gone]
        for start in range(0, len(ids), _CHUNK):
            db.session.execute(update(PolicyMatch).where(PolicyMatch.id.in_(ids[start:start + _CHUNK]))
                               .values(active=False, deactivated_at=now, changed_at=now))
    outcome.deactivated = len(gone)
    outcome.newly_eligible = len(newly)
    if gone or downgraded:
        outcome.notifications_cancelled = _cancel(
            policy.id, [s.enterprise_id for s in gone] + downgraded, "no longer eligible")
    if alert and newly:
        outcome.notifications_queued = queue_alerts(policy, newly, now=now, span=span)
    return outcome, newly


def _cancelled_alerts(policy_id: int, enterprise_ids: list[int]) -> list[int]:
    """Those of these firms with a cancelled alert of the policy."""
    ids = sorted(enterprise_ids)
    stmt = select(Notification.enterprise_id).where(Notification.policy_id == policy_id,
                                                    Notification.status == CANCELLED)
    if dense(ids):
        wanted = set(ids)
        rows = db.session.connection().execute(stmt.where(Notification.enterprise_id.between(ids[0], ids[-1])))
        return sorted({e for (e,) in rows if e in wanted})
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        found.update(e for (e,) in db.session.connection().execute(
            stmt.where(Notification.enterprise_id.in_(ids[start:start + _CHUNK]))))
    return sorted(found)


def queue_alerts(policy: Policy, enterprise_ids: Collection[int], *, now: datetime,
                 span: tuple[int, int | None] | None = None) -> int:
    """One alert per instant channel of these newly eligible firms; a cancelled one comes back to life.

    The firms are those ``_apply`` just found newly eligible: their match is eligible, active and not
    marked 不相关 in this transaction, so only their subscriptions are read (a join with the policy's
    matches made SQLite walk every subscription once per fan-out chunk). For a fan-out range
    (``span``) the database writes the new rows itself, and only cancelled ones go through ``enqueue``.
    """
    if span is not None:
        queued = enqueue_fanout_alerts(policy.id, after=span[0], upto=span[1], now=now)
        revivable = _cancelled_alerts(policy.id, list(enterprise_ids))
        return queued + (queue_alerts(policy, revivable, now=now) if revivable else 0)
    stmt = (
        select(Subscription.enterprise_id, Subscription.channel, Enterprise.mobile, Enterprise.email)
        .join(Enterprise, Enterprise.id == Subscription.enterprise_id)
        .where(Subscription.active.is_(True), Subscription.frequency == "instant")
    )
    wanted = set(enterprise_ids)
    if not wanted:
        return 0
    if len(wanted) <= _CHUNK:
        stmt = stmt.where(Subscription.enterprise_id.in_(wanted))
    else:
        # A fan-out chunk: its id range, not the policy's every match.
        stmt = stmt.where(Subscription.enterprise_id.between(min(wanted), max(wanted)))
    messages = [Outgoing(kind="policy_match", channel=channel, recipient=recipient, policy_id=policy.id,
                         enterprise_id=enterprise_id, key=f"match:{policy.id}:{enterprise_id}:{channel}")
                for enterprise_id, channel, mobile, email in db.session.connection().execute(stmt)
                if enterprise_id in wanted and (recipient := mobile if channel == "sms" else email)]
    return enqueue(messages, now=now, revive=True)


@dataclass
class PolicyVerdicts:
    """A live policy's eligible set as computed now: verdict per enterprise (ascending ids) and its details."""

    verdicts: dict[int, str]
    details: Details


def policy_verdicts(policy: Policy) -> PolicyVerdicts:
    """Every profile's verdict on a live policy, read from the committed profiles in the database."""
    eligibility = PolicyEligibility(policy)
    return PolicyVerdicts(eligibility.verdicts(), eligibility.details)


def reconcile_policy_range(policy: Policy, computed: PolicyVerdicts, chunk: dict[int, str], *, after: int,
                           upto: int | None, now: datetime, notify: bool = True) -> ReconcileOutcome:
    """Reconcile the enterprises with ids in (after, upto] (upto None: no end); ``chunk`` holds their verdicts.

    Idempotent: a range already reconciled finds nothing different and writes nothing, so a fan-out
    that crashed inside a chunk simply runs that chunk again.
    """
    stmt = select(PolicyMatch.id, PolicyMatch.enterprise_id, PolicyMatch.eligibility, PolicyMatch.active,
                  PolicyMatch.not_relevant_at).where(PolicyMatch.policy_id == policy.id,
                                                     PolicyMatch.enterprise_id > after)
    if upto is not None:
        stmt = stmt.where(PolicyMatch.enterprise_id <= upto)
    stored = {r.enterprise_id: _Stored(*r) for r in db.session.connection().execute(stmt)}
    outcome, _ = _apply(policy, chunk, stored, computed.details, now=now, alert=notify, span=(after, upto))
    return outcome


def reconcile_policy(policy: Policy, *, now: datetime | None = None, notify: bool = True) -> ReconcileOutcome:
    """Bring one policy's matches in line with every profile in one transaction (withdraw, expiry, small runs).

    Publish and edits of a published policy go through ``push.fanout`` instead: the same reconcile in
    committed chunks, off the request path.
    """
    now = now or utcnow()
    db.session.flush()
    if not is_live(policy, now):
        return retire(policy, now)
    computed = policy_verdicts(policy)
    outcome, _ = _apply(policy, computed.verdicts, _stored(policy.id), computed.details, now=now, alert=notify)
    return outcome


def retire(policy: Policy, now: datetime) -> ReconcileOutcome:
    """A policy nobody may be told about any more: every match inactive, every undelivered message cancelled."""
    reason = "policy withdrawn" if policy.status == WITHDRAWN else "policy expired"
    deactivated = db.session.execute(
        update(PolicyMatch).where(PolicyMatch.policy_id == policy.id, PolicyMatch.active.is_(True))
        .values(active=False, deactivated_at=now, changed_at=now)).rowcount or 0
    return ReconcileOutcome(deactivated=deactivated, notifications_cancelled=_cancel(policy.id, None, reason))


def reconcile_enterprises(enterprise_ids: Iterable[int], *, now: datetime | None = None, notify: bool = True,
                          new: Collection[int] = ()) -> ReconcileOutcome:
    """Bring these profiles' matches in line with every live policy (create, update, import).

    ``new`` names the firms that just registered: told once, by one welcome per channel listing what
    they match, never by one alert per old policy. ``notify=False`` records the state and cancels what
    no longer holds, and tells nobody (an import not asked to notify).
    """
    ids = list(dict.fromkeys(enterprise_ids))
    outcome = ReconcileOutcome()
    if not ids:
        return outcome
    now = now or utcnow()
    db.session.flush()
    policies = [p for p in db.session.scalars(select(Policy).where(Policy.status == PUBLISHED)) if is_live(p, now)]
    if not policies:
        return outcome
    new_ids = set(new)
    welcome: dict[int, int] = {}  # new firm → how many policies it was newly matched to
    for policy in policies:
        eligibility = PolicyEligibility(policy)
        verdicts = eligibility.verdicts(ids)
        done, newly = _apply(policy, verdicts, _stored(policy.id, ids), eligibility.details, now=now, alert=False)
        outcome.add(done)
        if not notify or not newly:
            continue
        told = [e for e in newly if e not in new_ids]
        if told:
            outcome.notifications_queued += queue_alerts(policy, told, now=now)
        for e in newly:
            if e in new_ids:
                welcome[e] = welcome.get(e, 0) + 1
    if welcome:
        outcome.welcomes_queued = queue_welcomes(list(welcome), now=now)
    return outcome


def queue_welcomes(enterprise_ids: list[int], *, now: datetime) -> int:
    """One welcome per subscribed channel of each new firm, listing at send time what it matches then."""
    rows = db.session.execute(
        select(Enterprise.id, Subscription.channel, Enterprise.mobile, Enterprise.email)
        .join(Subscription, Subscription.enterprise_id == Enterprise.id)
        .where(Enterprise.id.in_(enterprise_ids), Subscription.active.is_(True))).all()
    messages = [Outgoing(kind="welcome", channel=channel, recipient=recipient, enterprise_id=enterprise_id,
                         key=f"welcome:{enterprise_id}:{channel}")
                for enterprise_id, channel, mobile, email in rows
                if (recipient := mobile if channel == "sms" else email)]
    # The welcome tells what the daily digest would otherwise call new.
    db.session.execute(update(PolicyMatch).where(PolicyMatch.enterprise_id.in_(enterprise_ids),
                                                 PolicyMatch.active.is_(True), PolicyMatch.digested_at.is_(None))
                       .values(digested_at=now))
    return enqueue(messages, now=now)


def enterprise_deleted(enterprise_id: int, *, now: datetime | None = None) -> ReconcileOutcome:
    """A profile about to be deleted: nothing undelivered goes to it, and no process matches it again.

    Its matches and messages go with the row (ON DELETE CASCADE); a dispatcher holding one of them
    finds it gone and records nothing.
    """
    now = now or utcnow()
    matched = db.session.execute(
        update(PolicyMatch).where(PolicyMatch.enterprise_id == enterprise_id, PolicyMatch.active.is_(True))
        .values(active=False, deactivated_at=now, changed_at=now)).rowcount or 0
    cancelled = db.session.execute(
        update(Notification).where(Notification.enterprise_id == enterprise_id, Notification.status == PENDING)
        .values(status=CANCELLED, last_error="enterprise deleted")).rowcount or 0
    return ReconcileOutcome(deactivated=matched, notifications_cancelled=cancelled)


def mark_not_relevant(policy_id: int, enterprise_id: int, *, now: datetime | None = None) -> bool:
    """The enterprise says a pushed policy is not for it: no further pushes of it; True if newly marked."""
    match = db.session.scalar(select(PolicyMatch).where(PolicyMatch.policy_id == policy_id,
                                                        PolicyMatch.enterprise_id == enterprise_id))
    if match is None or match.not_relevant_at is not None:
        return False
    match.not_relevant_at = now or utcnow()
    match.changed_at = match.not_relevant_at
    _cancel(policy_id, [enterprise_id], "marked not relevant")
    db.session.flush()
    audit.record(None, "match.not_relevant", "policy", policy_id, enterprise_id=enterprise_id)
    return True
