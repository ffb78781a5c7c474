"""The outbox dispatcher: claim due rows under a lease, send, record; retries with backoff; never twice.

Claiming is one UPDATE ... WHERE id IN (SELECT ... LIMIT n) [FOR UPDATE SKIP LOCKED on PostgreSQL],
committed before anything is sent, so several workers on several machines share the work and a
worker killed mid-batch only delays its rows until the lease runs out. Every result is committed
as soon as it is known. The idempotency key travels with each message, so a provider that honours
it (the SMS gateway, Aliyun's OutId) does not send twice when a lost answer makes us retry.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from notifier.channels import Channel, DeliveryError, OutgoingMessage, PermanentError, TransientError, open_batch
from notifier.delivery import RateLimiter, next_attempt_at, quiet_until, should_give_up
from policyhub.extensions import db
from policyhub.models import Notification, utcnow
from policyhub.models.notification import CANCELLED, DEAD, FAILED, PENDING, SENDING, SENT

__all__ = ["DispatchReport", "Dispatcher", "claim", "worker_id"]

log = logging.getLogger(__name__)
CHANNEL_DOWN_WAIT = timedelta(minutes=10)


def worker_id() -> str:
    """host:pid, to tell whose lease a row is under."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def claim(*, now: datetime, limit: int, lease: timedelta, owner: str, channels: tuple[str, ...]) -> list[Notification]:
    """Lease up to `limit` due rows (pending and due, or under an expired lease) for this worker."""
    if not channels:
        return []
    due = and_(Notification.channel.in_(channels), or_(
        and_(Notification.status == PENDING, Notification.next_attempt_at <= now),
        and_(Notification.status == SENDING, Notification.leased_until < now),
    ))
    ids = select(Notification.id).where(due).order_by(Notification.next_attempt_at, Notification.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    claimed = list(db.session.scalars(
        update(Notification).where(Notification.id.in_(ids.scalar_subquery()))
        .values(status=SENDING, leased_until=now + lease, lease_owner=owner, attempts=Notification.attempts + 1)
        .returning(Notification.id)
    ))
    db.session.commit()
    if not claimed:
        return []
    return list(db.session.scalars(select(Notification).where(Notification.id.in_(claimed))
                                   .order_by(Notification.channel, Notification.id)))


def _message(row: Notification, templates: Mapping[str, str]) -> OutgoingMessage:
    headers = row.headers or {}
    return OutgoingMessage(
        channel=row.channel, recipient=row.recipient, text=row.body_text, subject=row.subject or "",
        html=row.body_html, idempotency_key=row.idempotency_key, unsubscribe_url=headers.get("unsubscribe_url"),
        template_params=headers.get("template_params") or {},
        template_code=templates.get(row.kind) if row.channel == "sms" else None,
    )


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "dead", "released", "cancelled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class Dispatcher:
    """Sends what the outbox holds through the channels configured for the app."""

    def __init__(self, channels: Mapping[str, Channel], *, batch_size: int = 100, lease: timedelta = timedelta(minutes=5),
                 max_attempts: int = 8, rate_limiter: RateLimiter | None = None, owner: str | None = None,
                 quiet_hours: bool = True, sms_templates: Mapping[str, str] | None = None) -> None:
        self.channels = dict(channels)
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.rate_limiter = rate_limiter
        self.owner = owner or worker_id()
        self.quiet_hours = quiet_hours
        # Template-only SMS providers (Aliyun) need an approved template per kind of message.
        self.sms_templates = dict(sms_templates or {})

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        """One batch: claim what is due, send it, record each result.

        Given `now`, every time the batch records (sent_at, the next attempt) is that instant, so a
        backfill or a test replays exactly; without it each record reads the clock when it happens.
        """
        clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
        now = clock()
        channels = tuple(c for c in self.channels if not (c == "sms" and self.quiet_hours and quiet_until(now)))
        rows = claim(now=now, limit=self.batch_size, lease=self.lease, owner=self.owner, channels=channels)
        report = DispatchReport(claimed=len(rows))
        if rows:
            from policyhub.push.render import render_deferred

            empty = render_deferred(rows, now)
            if empty:
                self._cancel([r for r in rows if r.id in empty], "no match left to tell", report)
                rows = [r for r in rows if r.id not in empty]
        for channel_name in sorted({r.channel for r in rows}):
            self._send_channel(channel_name, [r for r in rows if r.channel == channel_name], report, clock)
        return report

    def drain(self, now: datetime | None = None, max_batches: int = 1000) -> DispatchReport:
        """Batches until nothing due is left (or max_batches)."""
        total = DispatchReport()
        for _ in range(max_batches):
            report = self.run_once(now)
            total.add(report)
            if report.claimed == 0 or report.claimed == report.released:
                break
        return total

    def _send_channel(self, name: str, rows: list[Notification], report: DispatchReport,
                      clock: Callable[[], datetime]) -> None:
        channel = self.channels[name]
        pending = list(rows)
        try:
            with open_batch(channel) as batch:
                while pending:
                    row = pending[0]
                    if self.rate_limiter is not None:
                        wait = self.rate_limiter.delay(name)
                        if wait:
                            time.sleep(min(wait, 1.0))
                            continue
                    pending.pop(0)
                    try:
                        result = batch.send(_message(row, self.sms_templates))
                    except DeliveryError as error:
                        self._failed(row, error, report, clock())
                        if error.channel_wide:
                            break
                    else:
                        self._record(row, status=SENT, sent_at=clock(), provider_message_id=result.provider_message_id,
                                     last_error=None)
                        report.sent += 1
        except DeliveryError as error:
            # Opening or closing the batch failed: the channel is down for everything still in hand.
            report.errors.append(f"{name}: {error}")
            log.warning("dispatch: %s channel failed: %s", name, error)
        if pending:
            self._release(pending, report)

    def _failed(self, row: Notification, error: DeliveryError, report: DispatchReport, now: datetime) -> None:
        reason = str(error)[:500]
        report.errors.append(f"{row.id}: {reason}")
        if isinstance(error, PermanentError) and error.channel_wide:
            # Bad credentials, no balance: the channel's fault, not this message's. Keep it, try later.
            log.error("dispatch: %s channel refuses everything: %s", row.channel, reason)
            self._record(row, status=PENDING, last_error=reason, attempts=Notification.attempts - 1,
                         next_attempt_at=now + CHANNEL_DOWN_WAIT)
            report.released += 1
        elif isinstance(error, PermanentError):
            self._record(row, status=FAILED, last_error=reason)
            report.failed += 1
        elif should_give_up(row.attempts, self.max_attempts):
            self._record(row, status=DEAD, last_error=reason)
            report.dead += 1
        else:
            retry_after = error.retry_after if isinstance(error, TransientError) else None
            self._record(row, status=PENDING, last_error=reason,
                         next_attempt_at=next_attempt_at(row.attempts, now, retry_after=retry_after))
            report.retried += 1

    def _cancel(self, rows: list[Notification], reason: str, report: DispatchReport) -> None:
        """Cancel claimed rows that must not go (no longer true); no attempt spent."""
        db.session.execute(update(Notification).where(Notification.id.in_([r.id for r in rows]),
                                                      Notification.lease_owner == self.owner,
                                                      Notification.status == SENDING)
                           .values(status=CANCELLED, leased_until=None, last_error=reason,
                                   attempts=Notification.attempts - 1))
        db.session.commit()
        report.cancelled += len(rows)

    def _release(self, rows: list[Notification], report: DispatchReport) -> None:
        """Give back rows that were claimed but not tried (the channel went down): no attempt spent."""
        db.session.execute(update(Notification).where(Notification.id.in_([r.id for r in rows]),
                                                      Notification.lease_owner == self.owner)
                           .values(status=PENDING, leased_until=None, lease_owner=None,
                                   attempts=Notification.attempts - 1))
        db.session.commit()
        report.released += len(rows)

    def _record(self, row: Notification, **values) -> None:
        # Only while our lease holds: a row another worker took over after our lease expired is theirs.
        db.session.execute(update(Notification).where(Notification.id == row.id, Notification.lease_owner == self.owner,
                                                      Notification.status == SENDING)
                           .values(leased_until=None, **values))
        db.session.commit()
