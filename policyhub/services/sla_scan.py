"""The SLA scan: reminders on the due day's morning, escalations once overdue; each sent once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from notifier import messages, sla
from notifier.workcal import WorkCalendar
from policyhub.extensions import db
from policyhub.models import Consultation, User, utcnow
from policyhub.models.consultation import OPEN
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services import audit
from policyhub.services.calendar import current_calendar

__all__ = ["ScanResult", "scan"]


@dataclass(frozen=True)
class ScanResult:
    reminders: int
    escalations: int
    messages: int


def _contact(user: User) -> tuple[str, str] | None:
    if user.email:
        return "email", user.email
    if user.mobile:
        return "sms", user.mobile
    return None


def _reminder_recipients(consultation: Consultation) -> list[tuple[str, str, int | None]]:
    """The assignee, else the department's answerers; the department mailbox when none can be reached."""
    if consultation.assignee is not None:
        users = [consultation.assignee]
    else:
        users = list(db.session.scalars(select(User).where(
            User.department_id == consultation.department_id, User.role == "answerer",
            User.is_active_account.is_(True)).order_by(User.id)))
    out = [(c[0], c[1], u.id) for u in users if (c := _contact(u))]
    if not out and consultation.department.email:
        out.append(("email", consultation.department.email, None))
    return out


def _escalation_recipients(consultation: Consultation) -> list[tuple[str, str, int | None]]:
    """The department's lead (its official mailbox) and every supervisor."""
    out: list[tuple[str, str, int | None]] = []
    if consultation.department.email:
        out.append(("email", consultation.department.email, None))
    supervisors = db.session.scalars(select(User).where(User.role == "supervisor",
                                                        User.is_active_account.is_(True)).order_by(User.id))
    out += [(c[0], c[1], u.id) for u in supervisors if (c := _contact(u))]
    return out


def _enterprise_name(consultation: Consultation) -> str:
    return consultation.contact_name


def scan(now: datetime | None = None, calendar: WorkCalendar | None = None) -> ScanResult:
    """One pass as of `now`: queue the reminders and escalations that are due and not yet sent."""
    now = now or utcnow()
    calendar = calendar or current_calendar()
    reminders = escalations = queued = 0
    open_ones = db.session.scalars(select(Consultation).where(Consultation.status == OPEN)
                                   .order_by(Consultation.due_at))
    for consultation in open_ones:
        link = absolute_url(f"/staff/consultations/{consultation.id}")
        if sla.reminder_due(consultation.due_at, now, calendar, sent=consultation.reminder_sent_at is not None):
            notice = messages.answer_reminder(
                department=consultation.department.name, question=consultation.question,
                enterprise_name=_enterprise_name(consultation), due_at=consultation.due_at, question_url=link)
            for channel, recipient, user_id in _reminder_recipients(consultation):
                key = f"remind:{consultation.id}:{user_id or 'dept'}:{channel}"
                queued += enqueue([outgoing(notice, channel=channel, recipient=recipient, key=key,
                                  consultation_id=consultation.id, user_id=user_id)], now=now)
            consultation.reminder_sent_at = now
            reminders += 1
            audit.record(None, "consultation.remind", "consultation", consultation.id)
        if sla.escalation_due(consultation.due_at, now, calendar,
                              sent=consultation.escalation_sent_at is not None):
            days = max(1, sla.working_days_overdue(consultation.due_at, now, calendar))
            notice = messages.escalation(
                department=consultation.department.name, question=consultation.question,
                enterprise_name=_enterprise_name(consultation), due_at=consultation.due_at,
                working_days_overdue=days, question_url=link)
            for channel, recipient, user_id in _escalation_recipients(consultation):
                key = f"escalate:{consultation.id}:{user_id or 'dept'}:{channel}"
                queued += enqueue([outgoing(notice, channel=channel, recipient=recipient, key=key,
                                  consultation_id=consultation.id, user_id=user_id)], now=now)
            consultation.escalation_sent_at = now
            escalations += 1
            audit.record(None, "consultation.escalate", "consultation", consultation.id, working_days=days)
    db.session.flush()
    return ScanResult(reminders, escalations, queued)
