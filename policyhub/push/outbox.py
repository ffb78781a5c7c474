"""The only writer of notification rows: one enqueue, inside the caller's transaction (transactional outbox).

Every kind of message (match alerts, welcomes, digests, receipts, reminders, escalations) goes
through ``enqueue()``. A message is either rendered now (it carries a ``Notice``) or rendered at
send time (``notice=None``: the row holds recipient, channel and idempotency key; ``render`` fills
subject and body just before the dispatcher sends it, from what is true then). At most one row per
idempotency key, and per (policy, enterprise, channel): a key already queued is skipped, unless it
was cancelled and the caller revives it (the firm qualifies again) — it is still sent at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, String, case, cast, literal, select

from notifier.messages import Notice
from policyhub.extensions import db
from policyhub.models import Enterprise, Notification, PolicyMatch, Subscription
from policyhub.models.base import UTCDateTime
from policyhub.models.match import ELIGIBLE
from policyhub.models.notification import CANCELLED, PENDING
from policyhub.services.bulk import bulk_insert, bulk_update

__all__ = ["DEFERRED", "Outgoing", "absolute_url", "enqueue", "enqueue_fanout_alerts", "outgoing"]

# Marks a row whose subject and body are rendered at send time.
DEFERRED = "deferred"
_CHUNK = 1000


def absolute_url(path: str) -> str:
    """A link for a message: the configured public base URL plus an app path."""
    return current_app.config["BASE_URL"].rstrip("/") + path


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to queue: to whom, on which channel, under which idempotency key, about what."""

    kind: str
    channel: str
    recipient: str
    key: str
    notice: Notice | None = None
    policy_id: int | None = None
    enterprise_id: int | None = None
    consultation_id: int | None = None
    user_id: int | None = None


def outgoing(notice: Notice, *, channel: str, recipient: str, key: str, **about: int | None) -> Outgoing:
    """A message rendered now from a notifier Notice."""
    return Outgoing(kind=notice.kind, channel=channel, recipient=recipient, key=key, notice=notice, **about)


def _existing(messages: Sequence[Outgoing]) -> dict[str, tuple[int, str]]:
    """id and status of the rows already holding these keys."""
    keys = [m.key for m in messages]
    policy_ids = {m.policy_id for m in messages}
    found: dict[str, tuple[int, str]] = {}
    if len(keys) > _CHUNK and len(policy_ids) == 1 and None not in policy_ids:
        # A whole policy's fan-out: one read of that policy's rows, not a hundred IN lists.
        stmt = select(Notification.idempotency_key, Notification.id, Notification.status).where(
            Notification.policy_id == next(iter(policy_ids)))
        enterprise_ids = {m.enterprise_id for m in messages}
        if None not in enterprise_ids:
            # A fan-out chunk: only its range of enterprises.
            stmt = stmt.where(Notification.enterprise_id.between(min(enterprise_ids), max(enterprise_ids)))
        wanted = set(keys)
        return {k: (i, s) for k, i, s in db.session.connection().execute(stmt) if k in wanted}
    for start in range(0, len(keys), _CHUNK):
        stmt = select(Notification.idempotency_key, Notification.id, Notification.status).where(
            Notification.idempotency_key.in_(keys[start:start + _CHUNK]))
        found.update({k: (i, s) for k, i, s in db.session.execute(stmt)})
    return found


def _row(message: Outgoing, now: datetime, deferred: dict[str, Any]) -> dict[str, Any]:
    notice = message.notice
    email = message.channel == "email"
    if notice is None:
        subject, text, html, headers = "", "", None, deferred
    else:
        subject = notice.email.subject if email else ""
        text = notice.email.text if email else notice.sms.text
        html = notice.email.html if email else None
        headers = {"unsubscribe_url": notice.unsubscribe_url,
                   "template_params": {} if email else dict(notice.sms.template_params)}
    return {
        "kind": message.kind, "channel": message.channel, "idempotency_key": message.key,
        "policy_id": message.policy_id, "enterprise_id": message.enterprise_id,
        "consultation_id": message.consultation_id, "user_id": message.user_id, "recipient": message.recipient,
        "subject": subject, "body_text": text, "body_html": html, "headers": headers,
        "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
    }


def enqueue(messages: Iterable[Outgoing], *, now: datetime, revive: bool = False) -> int:
    """Queue each message unless its key is already queued; returns how many rows were queued.

    With ``revive``, a row that was cancelled (the policy withdrawn, the firm no longer eligible) is
    queued again as it is now: recipient and rendering are refreshed, attempts start over.
    """
    batch = list({m.key: m for m in messages}.values())
    if not batch:
        return 0
    existing = _existing(batch)
    deferred = {DEFERRED: True}  # one object for every row: a bulk insert encodes it once
    new_rows = [_row(m, now, deferred) for m in batch if m.key not in existing]
    bulk_insert(Notification.__table__, new_rows)
    revived = 0
    if revive:
        again = [(existing[m.key][0], m) for m in batch if m.key in existing and existing[m.key][1] == CANCELLED]
        revived = _revive(again, now, deferred)
    return len(new_rows) + revived


_REFRESHED = ("recipient", "subject", "body_text", "body_html", "headers", "status", "attempts", "next_attempt_at")


def _revive(rows: list[tuple[int, Outgoing]], now: datetime, deferred: dict[str, Any]) -> int:
    """Queue cancelled rows again (one executemany): refreshed recipient and words, attempts from zero."""
    if not rows:
        return 0
    updates = []
    for row_id, message in rows:
        values = _row(message, now, deferred)
        updates.append({"id": row_id, **{name: values[name] for name in _REFRESHED},
                        "last_error": None, "leased_until": None, "lease_owner": None})
    # Only rows still cancelled: they were read so in this transaction, and a claim skips cancelled rows.
    bulk_update(Notification.__table__, updates, where={"status": CANCELLED})
    return len(updates)


def enqueue_fanout_alerts(policy_id: int, *, after: int, upto: int | None, now: datetime) -> int:
    """The alerts of a fan-out range's newly eligible firms, written by the database itself (INSERT … SELECT).

    Newly eligible means what the reconcile of (after, upto] just wrote at ``now``: an eligible, active
    match not marked 不相关 whose ``changed_at`` is ``now``. One row per instant channel with an address,
    rendered at send time, under the same key ``enqueue`` would use; a (policy, firm, channel) that
    already has a row is left to ``enqueue`` (a cancelled one is revived there). Returns rows written.
    """
    n = Notification.__table__
    recipient = case((Subscription.channel == "sms", Enterprise.mobile), else_=Enterprise.email)
    queued = select(n.c.id).where(n.c.policy_id == policy_id, n.c.enterprise_id == Subscription.enterprise_id,
                                  n.c.channel == Subscription.channel).exists()
    source = (
        select(literal("policy_match"), Subscription.channel,
               literal(f"match:{policy_id}:") + cast(Subscription.enterprise_id, String) + literal(":")
               + Subscription.channel,
               literal(policy_id), Subscription.enterprise_id, recipient, literal(""), literal(""),
               literal({DEFERRED: True}, JSON()), literal(PENDING), literal(0), literal(now, UTCDateTime()),
               literal(now, UTCDateTime()))
        .select_from(PolicyMatch)
        .join(Subscription, Subscription.enterprise_id == PolicyMatch.enterprise_id)
        .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.policy_id == policy_id, PolicyMatch.enterprise_id > after,
               *([PolicyMatch.enterprise_id <= upto] if upto is not None else []),
               PolicyMatch.changed_at == literal(now, UTCDateTime()), PolicyMatch.eligibility == ELIGIBLE,
               PolicyMatch.active.is_(True), PolicyMatch.not_relevant_at.is_(None),
               Subscription.active.is_(True), Subscription.frequency == "instant",
               recipient.is_not(None), recipient != "", ~queued)
        .order_by(Subscription.enterprise_id, Subscription.channel)
    )
    names = ["kind", "channel", "idempotency_key", "policy_id", "enterprise_id", "recipient", "subject",
             "body_text", "headers", "status", "attempts", "next_attempt_at", "created_at"]
    # preserve_rowcount: SQLAlchemy keeps an INSERT … SELECT's row count only when asked (psycopg reports it).
    inserted = n.insert().from_select(names, source).execution_options(preserve_rowcount=True)
    return db.session.connection().execute(inserted).rowcount or 0
