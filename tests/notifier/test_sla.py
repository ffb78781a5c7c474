"""Tests for notifier.sla: deadlines worked out by hand from the published schedules."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from notifier import sla
from notifier.sla import (
    Deadline,
    due_at,
    escalation_due,
    reminder_due,
    status,
    working_days_overdue,
)
from notifier.workcal import Override, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def end_of(day: str) -> datetime:
    """23:59:59 Shanghai of the day, in UTC (15:59:59Z)."""
    return datetime.fromisoformat(f"{day}T15:59:59+00:00")


# --- due_at ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted_at", "due_day"),
    [
        pytest.param(sh(2025, 3, 10, 10, 0), "2025-03-12", id="ordinary Monday -> Wednesday"),
        pytest.param(sh(2025, 3, 14, 8, 0), "2025-03-18", id="Friday morning -> Tuesday"),
        pytest.param(sh(2025, 3, 14, 23, 0), "2025-03-18", id="Friday evening -> Tuesday"),
        pytest.param(sh(2025, 3, 15, 11, 0), "2025-03-18", id="Saturday -> Tuesday"),
        pytest.param(sh(2025, 10, 3, 9, 0), "2025-10-10", id="on 国庆 holiday -> 10-09, 10-10"),
        pytest.param(sh(2025, 5, 3, 9, 0), "2025-05-07", id="on 劳动节 Saturday -> 05-06, 05-07"),
        pytest.param(sh(2025, 1, 27, 17, 0), "2025-02-06", id="day before 春节 -> 02-05, 02-06"),
        pytest.param(sh(2025, 1, 24, 17, 0), "2025-01-27", id="make-up Sunday 01-26 counts"),
        pytest.param(sh(2025, 10, 10, 15, 0), "2025-10-13", id="make-up Saturday 10-11 counts"),
        pytest.param(sh(2025, 9, 29, 10, 0), "2025-10-09", id="before 国庆 -> 09-30, 10-09"),
        pytest.param(sh(2026, 2, 13, 10, 0), "2026-02-24", id="2026 春节: 02-14 Saturday, then 02-24"),
        pytest.param(datetime(2025, 3, 9, 16, 30, tzinfo=UTC), "2025-03-12", id="00:30 Monday Shanghai"),
        pytest.param(datetime(2025, 3, 9, 15, 59, tzinfo=UTC), "2025-03-11", id="23:59 Sunday Shanghai"),
    ],
)
def test_due_at(submitted_at, due_day):
    assert due_at(submitted_at, CALENDAR) == Deadline(end_of(due_day), provisional=False)


def test_due_at_is_in_utc_at_the_end_of_the_shanghai_day():
    deadline = due_at(sh(2025, 3, 14, 20, 0), CALENDAR).due_at
    assert deadline == datetime(2025, 3, 18, 15, 59, 59, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline.astimezone(SH) == sh(2025, 3, 18, 23, 59, 59)


def test_working_days_is_a_parameter():
    assert due_at(sh(2025, 3, 10, 10), CALENDAR, working_days=1).due_at == end_of("2025-03-11")
    assert due_at(sh(2025, 3, 10, 10), CALENDAR, working_days=5).due_at == end_of("2025-03-17")
    with pytest.raises(ValueError):
        due_at(sh(2025, 3, 10, 10), CALENDAR, working_days=0)


def test_overrides_change_the_deadline():
    tuesday_off = WorkCalendar([Override(date(2025, 3, 11), False, "停电")])
    assert due_at(sh(2025, 3, 10, 10), tuesday_off).due_at == end_of("2025-03-13")
    saturday_on = WorkCalendar([Override(date(2025, 3, 15), True, "专项服务日")])
    assert due_at(sh(2025, 3, 14, 10), saturday_on).due_at == end_of("2025-03-17")


def test_provisional_year_skips_weekends_and_computed_holidays():
    # 2031-10-01..03 国庆 (Wed-Fri), 10-04/05 weekend: 10-06 Mon, 10-07 Tue.
    assert due_at(sh(2031, 9, 30, 10), CALENDAR) == Deadline(end_of("2031-10-07"), provisional=True)
    assert due_at(sh(2031, 3, 7, 10), CALENDAR) == Deadline(end_of("2031-03-11"), provisional=True)


def test_span_reaching_into_a_provisional_year_is_provisional_until_loaded():
    # 2026-12-31 Thursday; 2027-01-01 元旦 (computed), weekend, then Mon 01-04, Tue 01-05.
    assert due_at(sh(2026, 12, 31, 10), CALENDAR) == Deadline(end_of("2027-01-05"), provisional=True)
    # With 2027 loaded (and, in this made-up schedule, no day off on 01-01) it is final.
    loaded = WorkCalendar(loaded_years=[2027])
    assert due_at(sh(2026, 12, 31, 10), loaded) == Deadline(end_of("2027-01-04"), provisional=False)


def test_naive_datetimes_are_rejected():
    naive = datetime(2025, 3, 10, 10)
    aware = sh(2025, 3, 10, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(naive, CALENDAR)
    with pytest.raises(ValueError):
        status(naive, None, aware)
    with pytest.raises(ValueError):
        status(aware, naive, aware)
    with pytest.raises(ValueError):
        status(aware, None, naive)
    with pytest.raises(ValueError):
        working_days_overdue(aware, naive, CALENDAR)
    with pytest.raises(ValueError):
        reminder_due(naive, aware, CALENDAR)
    with pytest.raises(ValueError):
        escalation_due(aware, naive, CALENDAR)


# --- status ---------------------------------------------------------------------------------

DUE = end_of("2025-03-18")  # Tuesday 23:59:59 Shanghai
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("answered_at", "now", "expected"),
    [
        pytest.param(DUE, DUE + timedelta(days=3), "answered_on_time", id="answered exactly at due_at"),
        pytest.param(DUE + SECOND, DUE + SECOND, "answered_late", id="answered one second late"),
        pytest.param(sh(2025, 3, 15, 9), DUE + timedelta(days=9), "answered_on_time", id="early answer"),
        pytest.param(None, DUE, "at_risk", id="unanswered exactly at due_at"),
        pytest.param(None, DUE + SECOND, "overdue", id="unanswered one second after"),
        pytest.param(None, sh(2025, 3, 18, 0, 0, 0), "at_risk", id="due day begins in Shanghai"),
        pytest.param(None, sh(2025, 3, 17, 23, 59, 59), "open", id="the evening before"),
        pytest.param(None, sh(2025, 3, 14, 10), "open", id="just submitted"),
    ],
)
def test_status(answered_at, now, expected):
    assert status(DUE, answered_at, now) == expected


def test_status_at_risk_before_widens_the_window():
    assert status(DUE, None, sh(2025, 3, 17, 18), at_risk_before=timedelta(hours=30)) == "at_risk"
    assert status(DUE, None, sh(2025, 3, 17, 17), at_risk_before=timedelta(hours=30)) == "open"


def test_status_accepts_any_timezone():
    assert status(DUE.astimezone(SH), None, datetime(2025, 3, 17, 16, 0, tzinfo=UTC)) == "at_risk"


# --- working days overdue -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        pytest.param(end_of("2025-03-14"), sh(2025, 3, 14, 12), 0, id="not yet due"),
        pytest.param(end_of("2025-03-14"), sh(2025, 3, 15, 10), 0, id="overdue over the weekend only"),
        pytest.param(end_of("2025-03-14"), sh(2025, 3, 17, 0, 0, 1), 1, id="Monday has begun"),
        pytest.param(end_of("2025-03-14"), sh(2025, 3, 18, 16), 2, id="Tuesday"),
        pytest.param(end_of("2025-09-30"), sh(2025, 10, 9, 10), 1, id="国庆 holiday not counted"),
        pytest.param(end_of("2025-10-10"), sh(2025, 10, 11, 10), 1, id="make-up Saturday counted"),
    ],
)
def test_working_days_overdue(due, now, expected):
    assert working_days_overdue(due, now, CALENDAR) == expected


# --- reminders and escalations --------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(sh(2025, 3, 18, 8, 59, 59), False, id="before 09:00"),
        pytest.param(sh(2025, 3, 18, 9, 0), True, id="09:00 on the due day"),
        pytest.param(datetime(2025, 3, 18, 1, 0, tzinfo=UTC), True, id="09:00 Shanghai in UTC"),
        pytest.param(datetime(2025, 3, 18, 0, 59, 59, tzinfo=UTC), False, id="08:59:59 Shanghai in UTC"),
        pytest.param(sh(2025, 3, 18, 17, 59, 59), True, id="end of office hours"),
        pytest.param(sh(2025, 3, 18, 18, 0), False, id="18:00"),
        pytest.param(sh(2025, 3, 18, 23, 0), False, id="never at 23:00"),
        pytest.param(sh(2025, 3, 17, 10, 0), False, id="the day before"),
        pytest.param(sh(2025, 3, 19, 10, 0), False, id="after the deadline"),
    ],
)
def test_reminder_due(now, expected):
    assert reminder_due(DUE, now, CALENDAR) is expected


def test_reminder_is_sent_once():
    assert not reminder_due(DUE, sh(2025, 3, 18, 10), CALENDAR, sent=True)


def test_reminder_on_a_make_up_sunday():
    # Submitted Thu 2025-01-23: Fri 01-24, make-up Sun 01-26 -> due on that Sunday.
    due = due_at(sh(2025, 1, 23, 10), CALENDAR).due_at
    assert due == end_of("2025-01-26")
    assert reminder_due(due, sh(2025, 1, 26, 9, 30), CALENDAR)


def test_reminder_moves_to_the_previous_working_day_when_the_due_day_is_switched_off():
    calendar = WorkCalendar([Override(date(2025, 3, 18), False)])
    assert reminder_due(DUE, sh(2025, 3, 17, 10), calendar)
    assert not reminder_due(DUE, sh(2025, 3, 18, 10), calendar)


FRIDAY_DUE = end_of("2025-03-14")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(sh(2025, 3, 14, 10), False, id="not yet overdue"),
        pytest.param(sh(2025, 3, 15, 0, 0, 0), False, id="Saturday midnight"),
        pytest.param(sh(2025, 3, 15, 10), False, id="Saturday"),
        pytest.param(sh(2025, 3, 16, 10), False, id="never on a Sunday"),
        pytest.param(sh(2025, 3, 17, 8, 59, 59), False, id="Monday before 09:00"),
        pytest.param(sh(2025, 3, 17, 9, 0), True, id="Monday 09:00"),
        pytest.param(sh(2025, 3, 17, 17, 59, 59), True, id="Monday 17:59:59"),
        pytest.param(sh(2025, 3, 17, 18, 0), False, id="Monday 18:00"),
        pytest.param(sh(2025, 3, 17, 23, 0), False, id="never at 23:00"),
        pytest.param(sh(2025, 3, 18, 11), True, id="still on Tuesday until sent"),
    ],
)
def test_escalation_due(now, expected):
    assert escalation_due(FRIDAY_DUE, now, CALENDAR) is expected


def test_a_higher_rung_waits_further_working_days():
    # Due Friday: the head's rung on Monday, the supervisors' (one working day later) on Tuesday.
    assert not escalation_due(FRIDAY_DUE, sh(2025, 3, 17, 10), CALENDAR, after_workdays=1)
    assert escalation_due(FRIDAY_DUE, sh(2025, 3, 18, 9), CALENDAR, after_workdays=1)
    assert not escalation_due(FRIDAY_DUE, sh(2025, 3, 18, 19), CALENDAR, after_workdays=1)
    assert not escalation_due(FRIDAY_DUE, sh(2025, 3, 18, 9), CALENDAR, after_workdays=2)
    with pytest.raises(ValueError):
        escalation_due(FRIDAY_DUE, sh(2025, 3, 18, 9), CALENDAR, after_workdays=-1)


def test_escalation_is_sent_once():
    assert not escalation_due(FRIDAY_DUE, sh(2025, 3, 17, 10), CALENDAR, sent=True)


def test_escalation_waits_out_a_holiday_and_works_on_a_make_up_saturday():
    due = end_of("2025-09-30")
    assert not escalation_due(due, sh(2025, 10, 1, 10), CALENDAR)
    assert not escalation_due(due, sh(2025, 10, 8, 10), CALENDAR)
    assert escalation_due(due, sh(2025, 10, 9, 9), CALENDAR)
    assert escalation_due(end_of("2025-10-10"), sh(2025, 10, 11, 10), CALENDAR)


# --- the library stays a library ------------------------------------------------------------


def test_sla_imports_no_application_code():
    tree = ast.parse(Path(sla.__file__).read_text(encoding="utf-8"))
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not {m.split(".")[0] for m in modules} & {"policyhub", "flask", "sqlalchemy", "flask_sqlalchemy"}
