"""The 2-working-day answer promise: deadlines, status, reminders and escalations as functions of now.

All datetimes are timezone-aware (naive ones raise ValueError) and returned in UTC, as stored;
calendar days and office hours are those of Asia/Shanghai.

Pausing: while a question awaits the enterprise's supplement (补充材料) the clock stops; the
caller handles it by calling ``due_at()`` again with the time the supplement arrived, so the
new deadline counts two working days from then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from notifier.workcal import WorkCalendar

__all__ = [
    "OFFICE_CLOSES",
    "OFFICE_OPENS",
    "SHANGHAI",
    "Deadline",
    "Status",
    "due_at",
    "escalation_due",
    "reminder_due",
    "status",
    "working_days_overdue",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Reminders and escalations go out only when someone is at the desk to act on them.
OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(18, 0)
_END_OF_DAY = time(23, 59, 59)

Status = Literal["answered_on_time", "answered_late", "overdue", "at_risk", "open"]


@dataclass(frozen=True)
class Deadline:
    """When an answer is due (UTC), and whether a provisional year's calendar was used."""

    due_at: datetime
    provisional: bool


def due_at(submitted_at: datetime, calendar: WorkCalendar, working_days: int = 2) -> Deadline:
    """23:59:59 Shanghai time of the n-th working day strictly after the Shanghai submission date."""
    if working_days < 1:
        raise ValueError(f"working_days must be at least 1, got {working_days}")
    # The submission day never counts, whatever the hour: only its Shanghai date matters.
    submitted_on = _shanghai(submitted_at, "submitted_at").date()
    due_on = calendar.add_workdays(submitted_on, working_days)
    deadline = datetime.combine(due_on, _END_OF_DAY, tzinfo=SHANGHAI).astimezone(UTC)
    return Deadline(deadline, provisional=bool(calendar.provisional_years(submitted_on, due_on)))


def status(
    due_at: datetime,
    answered_at: datetime | None,
    now: datetime,
    at_risk_before: timedelta = timedelta(hours=24),
) -> Status:
    """One of answered_on_time, answered_late, overdue, at_risk, open.

    An answer at due_at exactly is on time.  Unanswered, it is at_risk once the due day has
    begun in Shanghai or less than at_risk_before is left; with due_at()'s 23:59:59
    deadlines the two agree, the duration matters for a deadline that ends mid-day.
    """
    due = _shanghai(due_at, "due_at")
    if answered_at is not None:
        return "answered_on_time" if _shanghai(answered_at, "answered_at") <= due else "answered_late"
    local_now = _shanghai(now, "now")
    if local_now > due:
        return "overdue"
    if local_now.date() >= due.date() or due - local_now < at_risk_before:
        return "at_risk"
    return "open"


def working_days_overdue(due_at: datetime, now: datetime, calendar: WorkCalendar) -> int:
    """Working days begun since the due day (0 when not overdue, or overdue over a weekend only)."""
    due = _shanghai(due_at, "due_at")
    local_now = _shanghai(now, "now")
    if local_now <= due:
        return 0
    return calendar.workdays_between(due.date(), local_now.date())


def reminder_due(due_at: datetime, now: datetime, calendar: WorkCalendar, sent: bool = False) -> bool:
    """Whether to remind the handler now: office hours of the due day, before the deadline.

    If an override has since made the due day a day off, the reminder goes out on the last
    working day before it instead, so that it is not lost.  The caller asks only about
    unanswered questions.
    """
    due = _shanghai(due_at, "due_at")
    local_now = _shanghai(now, "now")
    if sent or local_now > due:
        return False
    remind_on = due.date() if calendar.is_workday(due.date()) else calendar.previous_workday(due.date())
    return local_now.date() == remind_on and _in_office_hours(local_now, calendar)


def escalation_due(due_at: datetime, now: datetime, calendar: WorkCalendar, sent: bool = False,
                   after_workdays: int = 0) -> bool:
    """Whether to escalate an unanswered question now: overdue, during office hours of a working day.

    ``after_workdays`` holds a higher rung of the ladder back: 0 escalates on the first working
    day after the due day, 1 on the working day after that, and so on.
    """
    if after_workdays < 0:
        raise ValueError(f"after_workdays must not be negative, got {after_workdays}")
    due = _shanghai(due_at, "due_at")
    local_now = _shanghai(now, "now")
    # Never at night or on a day off: nobody would act on it, and it would read as noise.
    if sent or local_now <= due or not _in_office_hours(local_now, calendar):
        return False
    return after_workdays == 0 or working_days_overdue(due_at, now, calendar) > after_workdays


def _in_office_hours(local_now: datetime, calendar: WorkCalendar) -> bool:
    return calendar.is_workday(local_now.date()) and OFFICE_OPENS <= local_now.time() < OFFICE_CLOSES


def _shanghai(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(SHANGHAI)
