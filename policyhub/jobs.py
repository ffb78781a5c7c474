"""Scheduled jobs (APScheduler): the one scheduler process, or inline in the dev server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError

from policyhub.extensions import db
from policyhub.models import SchedulerLease
from policyhub.push.digest import queue_digests
from policyhub.push.follows import queue_deadline_reminders
from policyhub.services.policies import expire_policies
from policyhub.services.sla_scan import scan
from policyhub.timeutil import SHANGHAI

__all__ = ["JOBS", "acquire_lease", "configure_scheduler", "release_lease", "run_job"]

log = logging.getLogger(__name__)


def _expire() -> None:
    expired = expire_policies()
    if expired:
        log.info("expired %d policies: %s", len(expired), expired)


def _sla_scan() -> None:
    result = scan()
    if result.reminders or result.escalations:
        log.info("sla scan: %d reminders, %d escalations", result.reminders, result.escalations)


def _dispatch() -> None:
    from flask import current_app

    from policyhub.delivery import build_dispatcher

    report = build_dispatcher(current_app).drain(max_batches=20)
    if report.claimed:
        log.info("dispatch: claimed %d, sent %d, retried %d, failed %d, dead %d", report.claimed, report.sent,
                 report.retried, report.failed, report.dead)


def _fanout() -> None:
    import os

    from policyhub.push.fanout import run_pending

    ran = run_pending(f"scheduler:{os.getpid()}")
    if ran:
        log.info("fanout: %d jobs run", ran)


def _digest() -> None:
    queued = queue_digests()
    if queued:
        log.info("digest: %d messages queued", queued)


def _deadline_reminders() -> None:
    queued = queue_deadline_reminders()
    if queued:
        log.info("deadline reminders: %d messages queued", queued)


# name → (function, trigger arguments); every job runs in an app context and commits once.
JOBS: dict[str, tuple[Callable[[], None], dict]] = {
    "expire_policies": (_expire, {"trigger": CronTrigger(hour=0, minute=5, timezone=SHANGHAI)}),
    # Reminders and escalations only go out in office hours; the scan itself may run any time.
    "sla_scan": (_sla_scan, {"trigger": "interval", "minutes": 10}),
    # Fan-outs left by a publish (FANOUT=worker, or an inline run that ran out of time or crashed).
    "fanout": (_fanout, {"trigger": "interval", "seconds": 5}),
    "dispatch": (_dispatch, {"trigger": "interval", "seconds": 5}),
    "digest": (_digest, {"trigger": CronTrigger(hour=17, minute=30, timezone=SHANGHAI)}),
    "deadline_reminders": (_deadline_reminders, {"trigger": CronTrigger(hour=9, minute=0, timezone=SHANGHAI)}),
}


def run_job(app: Flask, name: str) -> None:
    """Run one job now inside an app context; failures are logged and rolled back, never raised."""
    function, _ = JOBS[name]
    with app.app_context():
        try:
            function()
            db.session.commit()
            # One line per run: operators (and scripts/prod_smoke.py) count runs from it.
            log.info("job %s done", name)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


LEASE_NAME = "scheduler"


def acquire_lease(owner: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the scheduler lease; False while another live process holds it."""
    now = now or datetime.now(UTC)
    try:
        lease = db.session.get(SchedulerLease, LEASE_NAME)
        if lease is None:
            db.session.add(SchedulerLease(name=LEASE_NAME, owner=owner, expires_at=now + ttl))
            db.session.commit()
            return True
        taken = db.session.execute(
            update(SchedulerLease).where(SchedulerLease.name == LEASE_NAME,
                                         or_(SchedulerLease.owner == owner, SchedulerLease.expires_at < now))
            .values(owner=owner, expires_at=now + ttl)
        ).rowcount
        db.session.commit()
        return taken == 1
    except IntegrityError:
        # Another process inserted the first lease at the same moment.
        db.session.rollback()
        return False


def release_lease(owner: str) -> None:
    """Give the lease up (on a clean shutdown) so a standby takes over at once."""
    db.session.execute(delete(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, SchedulerLease.owner == owner))
    db.session.commit()


def configure_scheduler(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Add every job to the scheduler (not started); each first runs at start, then on its trigger."""
    for name, (_, trigger) in JOBS.items():
        # Where dispatch workers run (`flask notify dispatch`), the scheduler leaves delivery to them.
        if name == "dispatch" and not app.config.get("SCHEDULER_DISPATCH", True):
            continue
        scheduler.add_job(run_job, args=(app, name), id=name, name=name, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=3600,
                          next_run_time=datetime.now(UTC), **trigger)
    return scheduler
