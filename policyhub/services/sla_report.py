"""The supervisor's figures: open, at risk, overdue, on time and late, per department and per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select

from notifier import sla
from notifier.workcal import WorkCalendar
from policyhub.extensions import db
from policyhub.models import AnswerVisit, Consultation, Department
from policyhub.models.consultation import ANSWERED, AWAITING_SUPPLEMENT, OPEN
from policyhub.services.calendar import current_calendar
from policyhub.timeutil import SHANGHAI

__all__ = ["AT_RISK_WINDOW", "STATES", "Period", "followup_list", "overdue_list", "state_condition", "summary",
           "weekly_trend"]

# "At risk" = unanswered and due within this window (the due day has begun); as notifier.sla.status.
AT_RISK_WINDOW = timedelta(hours=24)


STATES = ("open", "at_risk", "overdue", "answered", "awaiting_supplement", "pending")


def state_condition(state: str, now: datetime) -> ColumnElement[bool]:
    """SQL for a consultation's state as seen at `now` (as notifier.sla.status decides it for one).

    open, at_risk (due within AT_RISK_WINDOW) and overdue are disjoint; pending = unanswered of any kind.
    """
    c = Consultation
    unanswered = c.status == OPEN
    conditions = {
        "open": and_(unanswered, c.due_at > now + AT_RISK_WINDOW),
        "at_risk": and_(unanswered, c.due_at >= now, c.due_at <= now + AT_RISK_WINDOW),
        "overdue": and_(unanswered, c.due_at < now),
        "answered": c.status == ANSWERED,
        "awaiting_supplement": c.status == AWAITING_SUPPLEMENT,
        "pending": c.status.in_((OPEN, AWAITING_SUPPLEMENT)),
    }
    return conditions[state]


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

    Two grouped queries, each read through an index: the unanswered ones (status, due_at) and the
    ones answered in the period (answered_at); the bulk of old answered rows is never touched.
    """
    c = Consultation
    overdue = state_condition("overdue", now)
    backlog = {row.department_id: row for row in db.session.execute(
        select(c.department_id,
               *(_count(state_condition(state, now)).label(state)
                 for state in ("open", "at_risk", "overdue", "awaiting_supplement")),
               _count(and_(overdue, c.due_at >= period.start, c.due_at < period.end)).label("missed"))
        .where(state_condition("pending", now)).group_by(c.department_id))}
    answered = {row.department_id: row for row in db.session.execute(
        select(c.department_id, _count(c.on_time.is_(True)).label("on_time"),
               _count(c.on_time.is_(False)).label("late"))
        # answered_at is set only on answering: no status test, so the index alone answers the query.
        .where(c.answered_at >= period.start, c.answered_at < period.end)
        .group_by(c.department_id))}
    ratings = _ratings(now, period)
    totals = _figures(None) | _satisfaction(None)
    departments = []
    for department in db.session.scalars(select(Department).order_by(Department.code)):
        if department.id not in backlog and department.id not in answered and department.id not in ratings:
            continue
        figures = _figures(backlog.get(department.id), answered.get(department.id)) | _satisfaction(
            ratings.get(department.id))
        for key in totals:
            if key not in ("on_time_rate", "satisfaction_rate"):
                totals[key] += figures[key]
        departments.append({"code": department.code, "name": department.name} |
                           {k: v for k, v in figures.items() if k not in ("missed", "satisfied")})
    # 好差评 ranking: best satisfaction first, then fewer follow-ups overdue; departments with no ratings last.
    departments.sort(key=lambda d: (d["satisfaction_rate"] is None, -(d["satisfaction_rate"] or 0),
                                    d["followups_overdue"], d["code"]))
    for rank, department in enumerate(departments, start=1):
        department["satisfaction_rank"] = rank
    # Dezhou-style ranking: best on-time rate first; then fewer overdue; departments with no answers last.
    departments.sort(key=lambda d: (d["on_time_rate"] is None, -(d["on_time_rate"] or 0), d["overdue"], d["code"]))
    for rank, department in enumerate(departments, start=1):
        department["rank"] = rank
    denominator = totals["answered_on_time"] + totals["answered_late"] + totals["missed"]
    return {
        "from": period.start.isoformat(), "to": period.end.isoformat(), "now": now.isoformat(),
        "open": totals["open"], "at_risk": totals["at_risk"], "overdue": totals["overdue"],
        "awaiting_supplement": totals["awaiting_supplement"],
        "answered_on_time": totals["answered_on_time"], "answered_late": totals["answered_late"],
        "compliance_rate": round(totals["answered_on_time"] / denominator, 4) if denominator else None,
        "rated": totals["rated"],
        "satisfaction_rate": round(totals["satisfied"] / totals["rated"], 4) if totals["rated"] else None,
        "followups_open": totals["followups_open"], "followups_overdue": totals["followups_overdue"],
        "answers_before_asking": answers_before_asking_figures(now, period),
        "departments": departments,
    }


# A visit that opened an offered answer and has not asked within this long is over: the answer ended it.
VISIT_OVER = timedelta(minutes=30)


def answers_before_asking_figures(now: datetime, period: Period) -> dict[str, int]:
    """Visits to the form in the period that opened an offered answer, and those of them that asked nothing after."""
    v = AnswerVisit
    opened, ended = db.session.execute(select(
        func.count(v.id), _count(and_(v.asked_at.is_(None), v.first_clicked_at < now - VISIT_OVER))).where(
        v.first_clicked_at >= period.start, v.first_clicked_at < period.end)).one()
    return {"visits_opened_answer": opened or 0, "ended_without_question": ended or 0}


def _ratings(now: datetime, period: Period) -> dict[int, Any]:
    """Per department: answers rated in the period, how many 满意 or better, follow-ups open and overdue now."""
    c = Consultation
    rated_in_period = and_(c.rated_at >= period.start, c.rated_at < period.end)
    followup_open = and_(c.followup_due_at.is_not(None), c.followup_closed_at.is_(None))
    return {row.department_id: row for row in db.session.execute(
        select(c.department_id, _count(rated_in_period).label("rated"),
               _count(and_(rated_in_period, c.rating >= 4)).label("satisfied"),
               _count(followup_open).label("followups_open"),
               _count(and_(followup_open, c.followup_due_at < now)).label("followups_overdue"))
        .where(rated_in_period | followup_open).group_by(c.department_id))}


def _satisfaction(row: Any) -> dict[str, Any]:
    """满意率 = (非常满意 + 满意) / rated, as the national 好差评 system counts it."""
    rated = row.rated if row is not None else 0
    satisfied = row.satisfied if row is not None else 0
    return {"rated": rated, "satisfied": satisfied,
            "satisfaction_rate": round(satisfied / rated, 4) if rated else None,
            "followups_open": row.followups_open if row is not None else 0,
            "followups_overdue": row.followups_overdue if row is not None else 0}


def _figures(backlog: Any, answered: Any = None) -> dict[str, Any]:
    on_time = answered.on_time if answered is not None else 0
    late = answered.late if answered is not None else 0
    missed = backlog.missed if backlog is not None else 0
    denominator = on_time + late + missed
    return {
        "open": backlog.open if backlog is not None else 0,
        "at_risk": backlog.at_risk if backlog is not None else 0,
        "overdue": backlog.overdue if backlog is not None else 0,
        "awaiting_supplement": backlog.awaiting_supplement if backlog is not None else 0,
        "answered_on_time": on_time, "answered_late": late, "missed": missed,
        "on_time_rate": round(on_time / denominator, 4) if denominator else None,
    }


def overdue_list(now: datetime, calendar: WorkCalendar | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The oldest overdue questions first, with their age in working days."""
    calendar = calendar or current_calendar()
    rows = db.session.scalars(select(Consultation).where(Consultation.status == OPEN, Consultation.due_at < now)
                              .order_by(Consultation.due_at).limit(limit))
    ages: dict[datetime, int] = {}  # deadlines repeat (23:59:59 of a day): count each once
    out = []
    for row in rows:
        if row.due_at not in ages:
            ages[row.due_at] = sla.working_days_overdue(row.due_at, now, calendar)
        out.append({"consultation": row, "working_days_overdue": ages[row.due_at]})
    return out


def followup_list(limit: int = 100) -> list[Consultation]:
    """The open follow-ups of 差评 (回访整改), the soonest due first: what the supervisors chase."""
    return list(db.session.scalars(select(Consultation).where(
        Consultation.followup_due_at.is_not(None), Consultation.followup_closed_at.is_(None))
        .order_by(Consultation.followup_due_at, Consultation.id).limit(limit)))


def weekly_trend(now: datetime, weeks: int = 12) -> list[dict[str, Any]]:
    """Per week (Monday to Sunday, Shanghai): questions submitted, answered on time, answered late.

    One range count per week on the submitted_at and answered_at indexes: cheaper than grouping
    every row of the period by a computed week.
    """
    today = now.astimezone(SHANGHAI).date()
    monday = today - timedelta(days=today.weekday())
    out = []
    for back in range(weeks - 1, -1, -1):
        first = monday - timedelta(weeks=back)
        start = datetime.combine(first, time.min, tzinfo=SHANGHAI)
        end = start + timedelta(weeks=1)
        submitted = db.session.scalar(select(func.count(Consultation.id)).where(
            Consultation.submitted_at >= start, Consultation.submitted_at < end))
        on_time, late = db.session.execute(select(_count(Consultation.on_time.is_(True)),
                                                  _count(Consultation.on_time.is_(False))).where(
            Consultation.answered_at >= start, Consultation.answered_at < end)).one()
        out.append({"week": first.isoformat(), "submitted": submitted, "on_time": on_time, "late": late})
    return out
