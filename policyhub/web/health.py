"""What /healthz reports: database, rate-limit storage, scheduler lease, dispatch lag, oldest undelivered message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from policyhub.extensions import db, limiter
from policyhub.models import Notification, SchedulerLease
from policyhub.models.notification import FAILED, PENDING, SENDING

__all__ = ["health_report"]

_UNDELIVERED = (PENDING, SENDING, FAILED)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _redis(app: Flask) -> str:
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not uri.startswith(("redis", "valkey")):
        return "not_used"
    try:
        return "ok" if limiter.storage.check() else "unavailable"
    except Exception as exc:  # report, do not raise
        app.logger.warning("healthz: rate-limit storage unavailable: %s", exc)
        return "unavailable"


def health_report(app: Flask, now: datetime) -> tuple[dict[str, Any], int]:
    """The health body and status: 503 when the database is down, else 200 with `degraded` naming what is not well."""
    degraded: list[str] = []
    report: dict[str, Any] = {"dialect": db.engine.dialect.name}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = "ok"
    except Exception as exc:
        app.logger.warning("healthz: database unavailable: %s", exc)
        db.session.rollback()
        report["database"] = "unavailable"
        degraded.append("database")

    report["redis"] = _redis(app)
    if report["redis"] == "unavailable":
        degraded.append("redis")

    if report["database"] == "ok":
        lease = db.session.get(SchedulerLease, "scheduler")
        expires_at = _aware(lease.expires_at) if lease else None
        state = "none" if lease is None else ("held" if expires_at and expires_at > now else "expired")
        report["scheduler"] = {"lease": state, "owner": lease.owner if lease else None, "expires_at": _iso(expires_at)}
        if state != "held" and app.config.get("HEALTH_REQUIRE_SCHEDULER"):
            degraded.append("scheduler")

        due_first = db.session.scalar(select(func.min(Notification.next_attempt_at))
                                      .where(Notification.status.in_(_UNDELIVERED), Notification.next_attempt_at <= now))
        oldest = db.session.scalar(select(func.min(Notification.created_at))
                                   .where(Notification.status.in_(_UNDELIVERED)))
        due_first, oldest = _aware(due_first), _aware(oldest)
        lag = max(0.0, (now - due_first).total_seconds()) if due_first else 0.0
        report["dispatch"] = {
            "lag_seconds": round(lag, 1),
            "oldest_undelivered_at": _iso(oldest),
            "oldest_undelivered_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        }
        if lag > float(app.config.get("HEALTH_DISPATCH_LAG_SECONDS", 300)):
            degraded.append("dispatch")
        db.session.rollback()  # read-only: end the transaction so the connection goes back clean

    report["degraded"] = degraded
    report["status"] = "ok" if not degraded else "degraded"
    return report, (503 if "database" in degraded else 200)
