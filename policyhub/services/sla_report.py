"""The supervisor's figures: open, at risk, overdue, on time and late, per department and per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select

from notifier import sla
from notifier.workcal import WorkCalendar
from policyhub.extensions import db
from policyhub.models import Consultation, Department
from policyhub.models.consultation import ANSWERED, AWAITING_SUPPLEMENT, OPEN
from policyhub.services.calendar import current_calendar

__all__ = ["AT_RISK_WINDOW", "Period", "overdue_list", "summary", "weekly_trend"]

# "At risk" = unanswered and due within this window (the due day has begun); as notifier.sla.status.
AT_RISK_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Period:
    """Answers and deadlines counted in [start, end)."""

    start: datetime
    end: datetime


def _count(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summary(now: datetime, period: Period) -> dict[str, Any]:
    """Live backlog (open / at risk / overdue / awaiting supplement, disjoint) and the period's on-time figures.

    compliance_rate = answered on time / (answered in the period + still-unanswered ones that fell due in it),
    so an unanswered overdue question counts against the rate as much as a late answer.
    """
    c = Consultation
    unanswered = c.status == OPEN
    overdue = and_(unanswered, c.due_at < now)
    at_risk = and_(unanswered, c.due_at >= now, c.due_at <= now + AT_RISK_WINDOW)
    open_ = and_(unanswered, c.due_at > now + AT_RISK_WINDOW)
    answered_in = and_(c.status == ANSWERED, c.answered_at >= period.start, c.answered_at < period.end)
    on_time = and_(answered_in, c.on_time.is_(True))
    late = and_(answered_in, c.on_time.is_(False))
    missed_in = and_(overdue, c.due_at >= period.start, c.due_at < period.end)
    columns = (
        _count(open_).label("open"), _count(at_risk).label("at_risk"), _count(overdue).label("overdue"),
        _count(c.status == AWAITING_SUPPLEMENT).label("awaiting_supplement"),
        _count(on_time).label("on_time"), _count(late).label("late"), _count(missed_in).label("missed"),
    )
    totals = db.session.execute(select(*columns)).one()
    per_department = {row.department_id: row for row in db.session.execute(
        select(c.department_id, *columns).group_by(c.department_id))}
    departments = []
    for department in db.session.scalars(select(Department).order_by(Department.code)):
        row = per_department.get(department.id)
        figures = _figures(row)
        if row is None or not any(figures[k] for k in ("open", "at_risk", "overdue", "answered_on_time",
                                                       "answered_late", "awaiting_supplement")):
            continue
        departments.append({"code": department.code, "name": department.name} | figures)
    # Dezhou-style ranking: best on-time rate first; then fewer overdue; departments with no answers last.
    departments.sort(key=lambda d: (d["on_time_rate"] is None, -(d["on_time_rate"] or 0), d["overdue"], d["code"]))
    for rank, department in enumerate(departments, start=1):
        department["rank"] = rank
    figures = _figures(totals)
    return {
        "from": period.start.isoformat(), "to": period.end.isoformat(), "now": now.isoformat(),
        "open": figures["open"], "at_risk": figures["at_risk"], "overdue": figures["overdue"],
        "awaiting_supplement": figures["awaiting_supplement"],
        "answered_on_time": figures["answered_on_time"], "answered_late": figures["answered_late"],
        "compliance_rate": figures["on_time_rate"], "departments": departments,
    }


def _figures(row: Any) -> dict[str, Any]:
    if row is None:
        return {"open": 0, "at_risk": 0, "overdue": 0, "awaiting_supplement": 0, "answered_on_time": 0,
                "answered_late": 0, "on_time_rate": None}
    denominator = row.on_time + row.late + row.missed
    return {"open": row.open, "at_risk": row.at_risk, "overdue": row.overdue,
            "awaiting_supplement": row.awaiting_supplement, "answered_on_time": row.on_time,
            "answered_late": row.late, "on_time_rate": round(row.on_time / denominator, 4) if denominator else None}


def overdue_list(now: datetime, calendar: WorkCalendar | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The oldest overdue questions first, with their age in working days."""
    calendar = calendar or current_calendar()
    rows = db.session.scalars(select(Consultation).where(Consultation.status == OPEN, Consultation.due_at < now)
                              .order_by(Consultation.due_at).limit(limit))
    return [{"consultation": row, "working_days_overdue": sla.working_days_overdue(row.due_at, now, calendar)}
            for row in rows]


def _week_start(column) -> Any:
    """The Monday (Asia/Shanghai) of a UTC timestamp column, as text, in the database's own dialect."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", func.timezone("Asia/Shanghai", column)), "YYYY-MM-DD")
    # SQLite: shift to UTC+8, then back to Monday ('weekday 0' is the next Sunday; minus 6 days).
    return func.date(column, "+8 hours", "weekday 0", "-6 days")


def weekly_trend(now: datetime, weeks: int = 12) -> list[dict[str, Any]]:
    """Per week (Monday, Shanghai): questions submitted, answered on time, answered late."""
    start = now - timedelta(weeks=weeks)
    submitted_week = _week_start(Consultation.submitted_at).label("week")
    answered_week = _week_start(Consultation.answered_at).label("week")
    submitted = dict(db.session.execute(select(submitted_week, func.count()).where(
        Consultation.submitted_at >= start).group_by(literal_column("week"))).all())
    answered: dict[str, list[int]] = {}
    for week, on_time, count in db.session.execute(select(answered_week, Consultation.on_time, func.count()).where(
            Consultation.status == ANSWERED, Consultation.answered_at >= start)
            .group_by(literal_column("week"), Consultation.on_time)):
        answered.setdefault(week, [0, 0])[0 if on_time else 1] += count
    weeks_seen = sorted(set(submitted) | set(answered))[-weeks:]
    return [{"week": w, "submitted": submitted.get(w, 0), "on_time": answered.get(w, [0, 0])[0],
             "late": answered.get(w, [0, 0])[1]} for w in weeks_seen]
