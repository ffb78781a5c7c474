"""The outbox dispatcher: claim due rows under a lease, check they still hold, send, record; never twice.

Claiming is one UPDATE ... WHERE id IN (SELECT ... LIMIT n) [FOR UPDATE SKIP LOCKED on PostgreSQL],
committed before anything is sent, so several workers on several machines share the work and a
worker killed mid-batch only delays its rows until the lease runs out. Every result is committed
as soon as it is known. The idempotency key travels with each message, so a provider that honours
it (the SMS gateway, Aliyun's OutId) does not send twice when a lost answer makes us retry.

Send-time truth (push.checks): a claimed row whose policy was withdrawn or expired, whose match is
inactive or 不相关, or whose channel was unsubscribed is cancelled, not sent; the rows still in hand
are checked again while a slow batch goes on. The batch's lease is renewed once half of it is spent; a
batch whose renewal or result finds a row no longer its own (another worker took the rows over) stops at once. A channel found down
opens its circuit (channel_circuit, shared by every worker): the channel pauses, doubling up to a
cap, and then one worker probes it with one message; only the message that met the failure spends
an attempt, so a long outage does not turn the queue dead.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError

from notifier.channels import Channel, DeliveryError, OutgoingMessage, PermanentError, TransientError, open_batch
from notifier.delivery import (
    DEFAULT_BASE,
    DEFAULT_CAP,
    DEFAULT_MAX_ATTEMPTS,
    RateLimiter,
    next_attempt_at,
    quiet_until,
    should_give_up,
)
from policyhub.extensions import db
from policyhub.models import ChannelCircuit, Notification, utcnow
from policyhub.models.notification import CANCELLED, DEAD, FAILED, PENDING, SENDING, SENT
from policyhub.push.checks import stale

__all__ = ["UNQUIET_KINDS", "DispatchReport", "Dispatcher", "claim", "worker_id"]

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_CIRCUIT_WAIT = timedelta(minutes=1)
DEFAULT_CIRCUIT_MAX_WAIT = timedelta(minutes=30)
# While a batch goes on, the rows still in hand are checked against the truth again this often.
RECHECK_EVERY = 2.0


def worker_id() -> str:
    """host:pid, to tell whose lease a row is under."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


# Messages the person is waiting for at that moment: sent during quiet hours too.
UNQUIET_KINDS = ("sign_in",)


def claim(*, now: datetime, limit: int, lease: timedelta, owner: str, channels: tuple[str, ...],
          kinds: tuple[str, ...] | None = None) -> list[Notification]:
    """Lease up to `limit` due rows (pending and due, or under an expired lease) for this worker; only these kinds if given."""
    if not channels or limit < 1:
        return []
    due = and_(Notification.channel.in_(channels), or_(
        and_(Notification.status == PENDING, Notification.next_attempt_at <= now),
        and_(Notification.status == SENDING, Notification.leased_until < now),
    ))
    if kinds is not None:
        due = and_(due, Notification.kind.in_(kinds))
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
    lease_lost: int = 0
    paused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "dead", "released", "cancelled", "lease_lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.paused += [c for c in other.paused if c not in self.paused]
        self.errors += other.errors


class _ChannelDown(Exception):
    """Raised inside a batch when the channel failed for everything: stop, open the circuit."""

    def __init__(self, error: DeliveryError) -> None:
        super().__init__(str(error))
        self.error = error


class _LeaseLost(Exception):
    """The batch's lease ran out and another worker holds its rows now: stop, touch nothing of theirs."""


def _row_id(row: Notification) -> int:
    """A claimed row's id without reading the row again.

    Every commit (a lease renewal before each send, each record) expires the batch's rows, and reading
    ``row.id`` on an expired row SELECTs it back: a batch of 100 read every row in hand again before each
    send (5,000 SELECTs a batch). The id is in the row's identity key, which a commit leaves alone.
    """
    return inspect(row).identity[0]


@dataclass(frozen=True)
class _Item:
    """What sending a claimed row needs, read once: the commits of a batch then leave nothing to load again."""

    id: int
    channel: str
    kind: str
    policy_id: int | None
    enterprise_id: int | None
    attempts: int
    message: OutgoingMessage


def _key(row: Notification | _Item) -> int:
    return row.id if isinstance(row, _Item) else _row_id(row)


# A delivery recorded while the row is still ours. Built once: building and caching an UPDATE per message
# was a tenth of a worker's time.
_SENT = (update(Notification)
         .where(Notification.id == bindparam("row_id"), Notification.lease_owner == bindparam("owner"),
                Notification.status == SENDING)
         .values(status=SENT, sent_at=bindparam("at"), provider_message_id=bindparam("message_id"),
                 last_error=None, leased_until=None))

_SENT_PG = (f"UPDATE notification SET status = '{SENT}', sent_at = %s, provider_message_id = %s, last_error = NULL, "
            f"leased_until = NULL WHERE id = %s AND lease_owner = %s AND status = '{SENDING}'")


class _Ledger:
    """A batch's own database connection for what it writes per message: leases and results.

    Through the session each of those commits handed its connection back to the pool, and the next
    statement checked one out again with a ping (a sixth of a batch's time). Each write here is one
    statement, atomic alone, so the connection runs in autocommit: one round trip per write, not two.
    """

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._driver = (self.connection.connection.driver_connection
                        if self.connection.dialect.name == "postgresql" else None)

    def close(self) -> None:
        self.connection.close()

    def _ours(self, ids: list[int]):
        return and_(Notification.id.in_(ids), Notification.lease_owner == self.owner, Notification.status == SENDING)

    def renew(self, ids: list[int], until: datetime) -> set[int]:
        """Extend the lease on these rows; the ids still ours."""
        kept = set(self.connection.scalars(update(Notification).where(self._ours(ids))
                                           .values(leased_until=until).returning(Notification.id)))
        return kept

    def record(self, row_id: int, **values) -> bool:
        """Store a result while the row is still ours; whether it was."""
        done = self.connection.execute(update(Notification).where(self._ours([row_id]))
                                       .values(leased_until=None, **values)).rowcount
        return done == 1

    def sent(self, row_id: int, at: datetime, provider_message_id: str | None) -> bool:
        """``record`` of a delivery, the one write per message: one statement built once, only its values bound.

        On PostgreSQL a server-side prepared statement on the driver's connection (autocommit as this one).
        """
        if self._driver is not None:
            with self._driver.cursor() as cursor:
                cursor.execute(_SENT_PG, (at.astimezone(UTC), provider_message_id, row_id, self.owner), prepare=True)
                return cursor.rowcount == 1
        done = self.connection.execute(_SENT, {"row_id": row_id, "owner": self.owner, "at": at,
                                               "message_id": provider_message_id}).rowcount
        return done == 1

    def release(self, ids: list[int]) -> int:
        """Give back rows not tried: no attempt spent; how many were still ours."""
        released = self.connection.execute(update(Notification).where(self._ours(ids)).values(
            status=PENDING, leased_until=None, lease_owner=None, attempts=Notification.attempts - 1)).rowcount
        return released or 0


class Dispatcher:
    """Sends what the outbox holds through the channels configured for the app."""

    def __init__(self, channels: Mapping[str, Channel], *, batch_size: int = 100, lease: timedelta = DEFAULT_LEASE,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, rate_limiter: RateLimiter | None = None,
                 owner: str | None = None, quiet_hours: bool = True, sms_templates: Mapping[str, str] | None = None,
                 backoff_base: timedelta = DEFAULT_BASE, backoff_cap: timedelta = DEFAULT_CAP,
                 circuit_wait: timedelta = DEFAULT_CIRCUIT_WAIT,
                 circuit_max_wait: timedelta = DEFAULT_CIRCUIT_MAX_WAIT) -> None:
        self.channels = dict(channels)
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.rate_limiter = rate_limiter
        self.owner = owner or worker_id()
        self.quiet_hours = quiet_hours
        # Template-only SMS providers (Aliyun) need an approved template per kind of message.
        self.sms_templates = dict(sms_templates or {})
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.circuit_wait = circuit_wait
        self.circuit_max_wait = circuit_max_wait

    # --- one batch -------------------------------------------------------------------------------

    def run_once(self, now: datetime | None = None) -> DispatchReport:
        """One batch: claim what is due on the channels that are up, drop what no longer holds, send, record.

        Given `now`, every time the batch records (sent_at, the next attempt, leases) is that instant,
        so a backfill or a test replays exactly; without it each record reads the clock when it happens.
        """
        clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
        now = clock()
        quiet = bool(self.quiet_hours and quiet_until(now))
        wanted = tuple(c for c in self.channels if not (c == "sms" and quiet))
        report = DispatchReport()
        open_channels, probes = self._circuits(wanted, now, report)
        rows = claim(now=now, limit=self.batch_size, lease=self.lease, owner=self.owner, channels=open_channels)
        if quiet and "sms" in self.channels:
            # A sign-in code is asked for by the person who reads it now, and is void in minutes: never held.
            rows += claim(now=now, limit=self.batch_size, lease=self.lease, owner=self.owner, channels=("sms",),
                          kinds=UNQUIET_KINDS)
        for channel in probes:
            # A paused channel is tried again with a single message.
            rows += claim(now=now, limit=1, lease=self.lease, owner=self.owner, channels=(channel,))
        report.claimed = len(rows)
        if rows:
            rows = self._drop_stale(rows, now, report)
        items: list[_Item] = []
        if rows:
            from policyhub.push.render import render_deferred

            empty = render_deferred(rows, now, commit=False)
            # The words as rendered, read before the commit expires the rows (no SELECT of them again).
            items = self._items([r for r in rows if _row_id(r) not in empty])
            db.session.commit()
            if empty:
                self._cancel([r for r in rows if _row_id(r) in empty], "no match left to tell", report)
        for channel_name in sorted({i.channel for i in items}):
            self._send_channel(channel_name, [i for i in items if i.channel == channel_name], report, clock,
                               claimed_at=now, probing=channel_name in probes)
        return report

    def _items(self, rows: list[Notification]) -> list[_Item]:
        """The rows in hand as items, in claim order.

        Rows a commit since the claim expired (a cancel) are read again in one SELECT, not one each.
        """
        if not rows:
            return []
        ids = [_row_id(r) for r in rows]
        if any(inspect(r).expired_attributes for r in rows):
            found = {r.id: r for r in db.session.scalars(select(Notification).where(Notification.id.in_(ids)))}
        else:
            found = dict(zip(ids, rows, strict=True))
        return [_Item(id=i, channel=r.channel, kind=r.kind, policy_id=r.policy_id, enterprise_id=r.enterprise_id,
                      attempts=r.attempts, message=_message(r, self.sms_templates))
                for i in ids if (r := found.get(i)) is not None]

    def drain(self, now: datetime | None = None, max_batches: int = 1000) -> DispatchReport:
        """Batches until nothing due is left (or max_batches)."""
        total = DispatchReport()
        for _ in range(max_batches):
            report = self.run_once(now)
            total.add(report)
            if report.claimed == 0 or report.claimed == report.released or report.lease_lost:
                break
        return total

    # --- send-time truth -------------------------------------------------------------------------

    def _drop_stale(self, rows: list, now: datetime, report: DispatchReport) -> list:
        """The rows (or items) that still hold; the others cancelled."""
        reasons = stale(rows, now)
        for reason in sorted(set(reasons.values())):
            self._cancel([r for r in rows if reasons.get(_key(r)) == reason], reason, report)
        return [r for r in rows if _key(r) not in reasons]

    def _cancel(self, rows: list, reason: str, report: DispatchReport) -> None:
        """Cancel claimed rows that must not go (no longer true); no attempt spent."""
        if not rows:
            return
        db.session.execute(update(Notification).where(Notification.id.in_([_key(r) for r in rows]),
                                                      Notification.lease_owner == self.owner,
                                                      Notification.status == SENDING)
                           .values(status=CANCELLED, leased_until=None, last_error=reason,
                                   attempts=Notification.attempts - 1))
        db.session.commit()
        report.cancelled += len(rows)

    # --- circuits --------------------------------------------------------------------------------

    def _circuits(self, channels: tuple[str, ...], now: datetime,
                  report: DispatchReport) -> tuple[tuple[str, ...], list[str]]:
        """(channels that are up, paused channels this worker probes now)."""
        if not channels:
            return (), []
        circuits = {c.channel: c for c in db.session.scalars(
            select(ChannelCircuit).where(ChannelCircuit.channel.in_(channels)))}
        up: list[str] = []
        probes: list[str] = []
        for name in channels:
            circuit = circuits.get(name)
            if circuit is None or circuit.open_until is None:
                up.append(name)
            elif circuit.open_until > now:
                report.paused.append(name)
            else:
                # Take the probe: move open_until on, so the other workers keep waiting meanwhile.
                taken = db.session.execute(
                    update(ChannelCircuit).where(ChannelCircuit.channel == name,
                                                 ChannelCircuit.open_until == circuit.open_until)
                    .values(open_until=now + self._pause(circuit.failures + 1), updated_at=now)).rowcount
                if taken == 1:
                    probes.append(name)
                else:
                    report.paused.append(name)
        db.session.commit()
        return tuple(up), probes

    def _pause(self, failures: int) -> timedelta:
        seconds = self.circuit_wait.total_seconds() * 2.0 ** min(max(failures - 1, 0), 32)
        return timedelta(seconds=min(seconds, self.circuit_max_wait.total_seconds()))

    def _trip(self, channel: str, error: DeliveryError, now: datetime) -> None:
        """The channel is down: pause it for every worker (longer each time in a row)."""
        reason = str(error)[:500]
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        for _ in range(2):
            circuit = db.session.get(ChannelCircuit, channel)
            if circuit is None:
                circuit = ChannelCircuit(channel=channel, failures=0)
                db.session.add(circuit)
            circuit.failures += 1
            wait = max(self._pause(circuit.failures), retry_after or timedelta(0))
            circuit.open_until = now + wait
            circuit.last_error = reason
            circuit.updated_at = now
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()  # another worker opened it first: count on theirs
                continue
            log.warning("dispatch: %s channel paused for %ss: %s", channel, int(wait.total_seconds()), reason)
            return

    def _close(self, channel: str, now: datetime) -> None:
        db.session.execute(update(ChannelCircuit).where(ChannelCircuit.channel == channel)
                           .values(failures=0, open_until=None, updated_at=now))
        db.session.commit()

    # --- sending ---------------------------------------------------------------------------------

    def _send_channel(self, name: str, items: list[_Item], report: DispatchReport,
                      clock: Callable[[], datetime], *, claimed_at: datetime, probing: bool = False) -> None:
        """Send the items of one channel in claim order, recording each result as soon as it is known.

        The lease is renewed once half of it is spent (not before every send: renewing every row in hand
        cost a quarter of a batch's time), and a renewal or a record that finds a row no longer ours stops the
        batch: another worker took it over after our lease ran out (a stalled process), and its rows are theirs.
        """
        channel = self.channels[name]
        ledger = _Ledger(self.owner)
        try:
            self._send_with(ledger, channel, name, items, report, clock, claimed_at=claimed_at, probing=probing)
        finally:
            ledger.close()

    def _send_with(self, ledger: _Ledger, channel: Channel, name: str, items: list[_Item], report: DispatchReport,
                   clock: Callable[[], datetime], *, claimed_at: datetime, probing: bool) -> None:
        pending = list(items)
        checked_at = time.monotonic()
        delivered = False
        # The claim leased every row until claimed_at + lease; a channel sent after another may be past half.
        renew_at = claimed_at + self.lease / 2
        try:
            with open_batch(channel) as batch:
                while pending:
                    if self.rate_limiter is not None:
                        wait = self.rate_limiter.delay(name)
                        if wait:
                            time.sleep(min(wait, 1.0))
                            continue
                    now = clock()
                    if now >= renew_at:
                        kept = ledger.renew([i.id for i in pending], now + self.lease)
                        if pending[0].id not in kept:
                            raise _LeaseLost()
                        pending = [i for i in pending if i.id in kept]
                        renew_at = now + self.lease / 2
                    if time.monotonic() - checked_at > RECHECK_EVERY:
                        # A slow batch: what was true at claim may not be any more.
                        pending = self._drop_stale(pending, now, report)
                        db.session.commit()  # end the read: no transaction left open while the batch sends
                        checked_at = time.monotonic()
                        if not pending:
                            break
                    item = pending.pop(0)
                    try:
                        result = batch.send(item.message)
                    except DeliveryError as error:
                        self._failed(ledger, item, error, report, clock())
                        if error.channel_wide:
                            raise _ChannelDown(error) from error
                    else:
                        if not ledger.sent(item.id, clock(), result.provider_message_id):
                            raise _LeaseLost()
                        report.sent += 1
                        if probing and not delivered:
                            self._close(name, clock())
                        delivered = True
        except _LeaseLost:
            report.lease_lost += len(pending)
            report.errors.append(f"{name}: lease lost; batch stopped")
            log.error("dispatch: %s batch outlived its lease; stopped with %d rows in hand", name, len(pending))
        except _ChannelDown as down:
            report.errors.append(f"{name}: {down.error}")
            self._trip(name, down.error, clock())
        except DeliveryError as error:
            # Opening or closing the batch failed: the channel is down for everything still in hand.
            report.errors.append(f"{name}: {error}")
            log.warning("dispatch: %s channel failed: %s", name, error)
            if error.channel_wide or not delivered:
                self._trip(name, error, clock())
        if pending:
            report.released += ledger.release([i.id for i in pending])

    def _failed(self, ledger: _Ledger, row: _Item, error: DeliveryError, report: DispatchReport,
                now: datetime) -> None:
        reason = str(error)[:500]
        report.errors.append(f"{row.id}: {reason}")
        if isinstance(error, PermanentError) and error.channel_wide:
            # Bad credentials, no balance: the channel's fault, not this message's. Keep it, no attempt spent.
            log.error("dispatch: %s channel refuses everything: %s", row.channel, reason)
            ledger.record(row.id, status=PENDING, last_error=reason, attempts=Notification.attempts - 1)
            report.released += 1
        elif isinstance(error, PermanentError):
            ledger.record(row.id, status=FAILED, last_error=reason)
            report.failed += 1
        elif should_give_up(row.attempts, self.max_attempts):
            ledger.record(row.id, status=DEAD, last_error=reason)
            report.dead += 1
        else:
            # The message that met an outage spends one attempt and steps back, so the next probe
            # tries another message (a message that itself breaks the provider dies in time).
            retry_after = error.retry_after if isinstance(error, TransientError) else None
            ledger.record(row.id, status=PENDING, last_error=reason,
                          next_attempt_at=next_attempt_at(row.attempts, now, base=self.backoff_base,
                                                          cap=self.backoff_cap, retry_after=retry_after))
            report.retried += 1
