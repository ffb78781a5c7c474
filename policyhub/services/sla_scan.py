"""The SLA scan: the escalation ladder (assignee, department head, supervisors), each rung once per clock round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from notifier import messages, sla
from notifier.workcal import WorkCalendar
from policyhub.extensions import db
from policyhub.models import Consultation, User, utcnow
from policyhub.models.consultation import OPEN
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services import audit
from policyhub.services.calendar import current_calendar

__all__ = ["ScanResult", "scan", "supervisor_delay"]


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


def _head_recipients(consultation: Consultation) -> list[tuple[str, str, int | None]]:
    """The department's head: its official mailbox."""
    if consultation.department.email:
        return [("email", consultation.department.email, None)]
    return []


def _supervisor_recipients(consultation: Consultation) -> list[tuple[str, str, int | None]]:
    """Every supervisor (the 营商环境 office) who can be reached."""
    supervisors = db.session.scalars(select(User).where(User.role == "supervisor",
                                                        User.is_active_account.is_(True)).order_by(User.id))
    return [(c[0], c[1], u.id) for u in supervisors if (c := _contact(u))]


def supervisor_delay(department_code: str) -> int:
    """Working days between the head's rung and the supervisors' for a department.

    ``SLA_SUPERVISOR_WORKDAYS`` is "1" (everyone) or "1,gxj:2,fgw:0": a default, then per-department values.
    """
    setting = str(current_app.config.get("SLA_SUPERVISOR_WORKDAYS", "1"))
    delay, per_department = 1, {}
    for part in (p.strip() for p in setting.split(",") if p.strip()):
        code, _, days = part.rpartition(":")
        if not days.isdigit():
            raise ValueError(f"SLA_SUPERVISOR_WORKDAYS: {part!r} is not a number of working days")
        if code:
            per_department[code] = int(days)
        else:
            delay = int(days)
    return per_department.get(department_code, delay)


def _key(kind: str, consultation: Consultation, user_id: int | None, channel: str) -> str:
    # Round 1 keeps the keys it always had (rows already queued stay recognised); later rounds add theirs.
    round_part = "" if consultation.clock_round <= 1 else f":r{consultation.clock_round}"
    return f"{kind}:{consultation.id}{round_part}:{user_id or 'dept'}:{channel}"


def _enterprise_name(consultation: Consultation) -> str:
    return consultation.contact_name


def _queue(notice, recipients, kind: str, consultation: Consultation, now: datetime) -> int:
    return enqueue([outgoing(notice, channel=channel, recipient=recipient,
                             key=_key(kind, consultation, user_id, channel),
                             consultation_id=consultation.id, user_id=user_id)
                    for channel, recipient, user_id in recipients], now=now)


def scan(now: datetime | None = None, calendar: WorkCalendar | None = None) -> ScanResult:
    """One pass as of `now`: queue what the escalation ladder says is due and not yet sent this round.

    The ladder, each rung once per clock round: the assignee (else the department's answerers) on
    the due morning; the department head once the deadline has passed; the supervisors one
    working day later (per department: ``SLA_SUPERVISOR_WORKDAYS``).
    """
    now = now or utcnow()
    calendar = calendar or current_calendar()
    reminders = escalations = queued = 0
    open_ones = db.session.scalars(select(Consultation).where(Consultation.status == OPEN)
                                   .order_by(Consultation.due_at))
    for consultation in open_ones:
        link = absolute_url(f"/staff/consultations/{consultation.id}")
        round_no = consultation.clock_round
        if sla.reminder_due(consultation.due_at, now, calendar, sent=consultation.reminder_sent_at is not None):
            notice = messages.answer_reminder(
                department=consultation.department.name, question=consultation.question,
                enterprise_name=_enterprise_name(consultation), due_at=consultation.due_at, question_url=link)
            queued += _queue(notice, _reminder_recipients(consultation), "remind", consultation, now)
            consultation.reminder_sent_at = now
            reminders += 1
            audit.record(None, "consultation.remind", "consultation", consultation.id, round=round_no)
        rungs = (("escalate", "escalation_sent_at", 0, _head_recipients),
                 ("supervise", "supervisor_escalation_sent_at", supervisor_delay(consultation.department.code),
                  _supervisor_recipients))
        for kind, sent_attr, delay, recipients in rungs:
            if not sla.escalation_due(consultation.due_at, now, calendar,
                                      sent=getattr(consultation, sent_attr) is not None, after_workdays=delay):
                continue
            days = max(1, sla.working_days_overdue(consultation.due_at, now, calendar))
            notice = messages.escalation(
                department=consultation.department.name, question=consultation.question,
                enterprise_name=_enterprise_name(consultation), due_at=consultation.due_at,
                working_days_overdue=days, question_url=link)
            queued += _queue(notice, recipients(consultation), kind, consultation, now)
            setattr(consultation, sent_attr, now)
            escalations += 1
            audit.record(None, "consultation.escalate", "consultation", consultation.id, working_days=days,
                         rung="supervisors" if kind == "supervise" else "head", round=round_no)
    db.session.flush()
    return ScanResult(reminders, escalations, queued)
