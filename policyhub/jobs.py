"""Scheduled jobs (APScheduler): the one scheduler process, or inline in the dev server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from policyhub.extensions import db
from policyhub.services.policies import expire_policies
from policyhub.services.sla_scan import scan
from policyhub.timeutil import SHANGHAI

__all__ = ["JOBS", "configure_scheduler", "run_job"]

log = logging.getLogger(__name__)


def _expire() -> None:
    expired = expire_policies()
    if expired:
        log.info("expired %d policies: %s", len(expired), expired)


def _sla_scan() -> None:
    result = scan()
    if result.reminders or result.escalations:
        log.info("sla scan: %d reminders, %d escalations", result.reminders, result.escalations)


# name → (function, trigger arguments); every job runs in an app context and commits once.
JOBS: dict[str, tuple[Callable[[], None], dict]] = {
    "expire_policies": (_expire, {"trigger": CronTrigger(hour=0, minute=5, timezone=SHANGHAI)}),
    # Reminders and escalations only go out in office hours; the scan itself may run any time.
    "sla_scan": (_sla_scan, {"trigger": "interval", "minutes": 10}),
}


def run_job(app: Flask, name: str) -> None:
    """Run one job now inside an app context; failures are logged and rolled back, never raised."""
    function, _ = JOBS[name]
    with app.app_context():
        try:
            function()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


def configure_scheduler(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Add every job to the scheduler (not started); each first runs at start, then on its trigger."""
    for name, (_, trigger) in JOBS.items():
        scheduler.add_job(run_job, args=(app, name), id=name, name=name, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=3600,
                          next_run_time=datetime.now(UTC), **trigger)
    return scheduler
