"""Tests for notifier.workcal, written from the State Council's published schedules."""

import ast
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from notifier import workcal
from notifier.workcal import (
    Override,
    WorkCalendar,
    library_years,
    parse_schedule,
    statutory_holidays,
)

REPO = Path(__file__).resolve().parents[2]


def days(first: str, last: str | None = None) -> list[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last or first)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号).
OFF_2025 = [
    *days("2025-01-01"),
    *days("2025-01-28", "2025-02-04"),
    *days("2025-04-04", "2025-04-06"),
    *days("2025-05-01", "2025-05-05"),
    *days("2025-05-31", "2025-06-02"),
    *days("2025-10-01", "2025-10-08"),
]
ON_2025 = [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)]

# Festival dates (正月初一, 清明, 端午, 中秋) as published for 2024-2026.
FESTIVALS = {
    2024: {"春节": date(2024, 2, 10), "清明": date(2024, 4, 4), "端午": date(2024, 6, 10), "中秋": date(2024, 9, 17)},
    2025: {"春节": date(2025, 1, 29), "清明": date(2025, 4, 4), "端午": date(2025, 5, 31), "中秋": date(2025, 10, 6)},
    2026: {"春节": date(2026, 2, 17), "清明": date(2026, 4, 5), "端午": date(2026, 6, 19), "中秋": date(2026, 9, 25)},
}


# --- the library years ---------------------------------------------------------------------


def test_library_covers_2025_and_2026_and_stops_where_chinesecalendar_stops():
    years = library_years()
    assert 2025 in years and 2026 in years
    chinese_calendar.is_workday(date(years[-1], 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 1, 1))


def test_every_day_of_2025_matches_the_published_schedule():
    calendar = WorkCalendar()
    for day in days("2025-01-01", "2025-12-31"):
        expected = day in ON_2025 or (day.weekday() < 5 and day not in OFF_2025)
        assert calendar.is_workday(day) is expected, day


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 4), True),  # Sunday, 元旦调休
        (date(2026, 2, 17), False),  # 正月初一
        (date(2026, 2, 14), True),  # Saturday, 春节调休
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 10), True),  # Saturday, 国庆调休
    ],
)
def test_2026_dates(day, workday):
    assert WorkCalendar().is_workday(day) is workday
    assert not WorkCalendar().is_provisional(day)


# --- computed statutory holidays ------------------------------------------------------------


@pytest.mark.parametrize("year", sorted(FESTIVALS))
def test_computed_festivals_match_the_published_dates(year):
    holidays = statutory_holidays(year)
    for name, day in FESTIVALS[year].items():
        assert name in holidays[day]
    first_day = FESTIVALS[year]["春节"]
    assert [d for d, n in holidays.items() if n == "春节"] == days(
        str(first_day - timedelta(days=1)), str(first_day + timedelta(days=2))
    )


@pytest.mark.parametrize("year", range(2008, library_years().stop))
def test_computed_festivals_are_days_off_in_the_library(year):
    # 清明, 端午 and 中秋 are statutory since 2008, 正月初一 to 初三 for longer; 除夕 only since 2025.
    holidays = statutory_holidays(year)
    festivals = [d for d, n in holidays.items() if any(f in n for f in ("清明", "端午", "中秋"))]
    spring_festival = sorted(d for d, n in holidays.items() if n == "春节")[1:]
    assert len(festivals) == 3 and len(spring_festival) == 3
    for day in festivals + spring_festival:
        assert chinese_calendar.is_holiday(day), day


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_under_the_2025_rules_is_off_in_the_library(year):
    # 除夕 and 5月2日 became statutory days in 2025.
    for day in statutory_holidays(year):
        assert chinese_calendar.is_holiday(day), day


def test_2031_holidays_include_fixed_and_computed_dates():
    holidays = statutory_holidays(2031)
    assert holidays[date(2031, 1, 1)] == "元旦"
    assert holidays[date(2031, 5, 2)] == "劳动节"
    assert "国庆节" in holidays[date(2031, 10, 1)]
    assert holidays[date(2031, 10, 3)] == "国庆节"
    assert len(holidays) >= 12  # fewer only when two festivals share a day


def test_2027_spring_festival_is_february_6():
    assert statutory_holidays(2027)[date(2027, 2, 6)] == "春节"
    assert statutory_holidays(2027)[date(2027, 2, 5)] == "春节"  # 除夕


# --- provisional and loaded years -----------------------------------------------------------


def test_2031_is_provisional_weekends_and_statutory_days_off():
    assert 2031 not in library_years(), "chinesecalendar now covers 2031: pick a later year"
    calendar = WorkCalendar()
    assert calendar.is_provisional(date(2031, 10, 1))
    assert not calendar.is_workday(date(2031, 10, 1))  # Wednesday, 国庆节
    assert not calendar.is_workday(date(2031, 10, 4))  # Saturday
    assert calendar.is_workday(date(2031, 10, 6))  # Monday
    assert not calendar.is_workday(date(2031, 1, 1))  # Wednesday, 元旦
    assert calendar.is_workday(date(2031, 1, 2))


def test_loaded_year_is_not_provisional_and_follows_only_its_schedule():
    overrides = [Override(date(2031, 10, d), False, "国庆节") for d in range(1, 8)]
    calendar = WorkCalendar(overrides + [Override(date(2031, 9, 28), True, "国庆调休")], loaded_years=[2031])
    assert not calendar.is_provisional(date(2031, 6, 24))
    assert calendar.is_workday(date(2031, 6, 24))  # 端午 not in this (made-up) schedule
    assert not calendar.is_workday(date(2031, 10, 7))
    assert calendar.is_workday(date(2031, 9, 28))  # Sunday
    assert not calendar.is_workday(date(2031, 9, 27))  # Saturday


def test_provisional_years_lists_only_uncovered_years():
    calendar = WorkCalendar(loaded_years=[2028])
    assert calendar.provisional_years(date(2025, 12, 30), date(2029, 1, 2)) == [2027, 2029]
    assert calendar.provisional_years(date(2029, 1, 2), date(2025, 12, 30)) == [2027, 2029]
    assert calendar.provisional_years(date(2025, 1, 1), date(2026, 12, 31)) == []


# --- overrides ------------------------------------------------------------------------------


def test_overrides_win_over_the_library():
    calendar = WorkCalendar(
        [
            Override(date(2025, 3, 10), False, "停电"),  # Monday off
            Override(date(2025, 3, 15), True, "专项服务日"),  # Saturday on
            Override(date(2025, 10, 1), True),  # even a statutory holiday
        ]
    )
    assert not calendar.is_workday(date(2025, 3, 10))
    assert calendar.is_workday(date(2025, 3, 15))
    assert calendar.is_workday(date(2025, 10, 1))
    assert calendar.is_workday(date(2025, 3, 11))


def test_conflicting_overrides_are_rejected_identical_ones_accepted():
    WorkCalendar([Override(date(2025, 3, 10), False), Override(date(2025, 3, 10), False, "again")])
    with pytest.raises(ValueError, match="2025-03-10"):
        WorkCalendar([Override(date(2025, 3, 10), False), Override(date(2025, 3, 10), True)])


def test_a_datetime_is_not_a_day():
    with pytest.raises(TypeError):
        WorkCalendar().is_workday(datetime(2025, 3, 10, 12))
    with pytest.raises(TypeError):
        Override(datetime(2025, 3, 10, 12), False)


# --- stepping through working days ----------------------------------------------------------


def test_stepping_over_the_2025_spring_festival():
    calendar = WorkCalendar()
    assert calendar.next_workday(date(2025, 1, 27)) == date(2025, 2, 5)
    assert calendar.add_workdays(date(2025, 1, 27), 2) == date(2025, 2, 6)
    assert calendar.add_workdays(date(2025, 1, 24), 1) == date(2025, 1, 26)  # make-up Sunday
    assert calendar.add_workdays(date(2025, 1, 27), 0) == date(2025, 1, 27)
    assert calendar.previous_workday(date(2025, 2, 5)) == date(2025, 1, 27)
    assert calendar.workdays_between(date(2025, 1, 27), date(2025, 2, 6)) == 2
    assert calendar.workdays_between(date(2025, 2, 6), date(2025, 1, 27)) == -2
    assert calendar.workdays_between(date(2025, 1, 27), date(2025, 1, 27)) == 0
    with pytest.raises(ValueError):
        calendar.add_workdays(date(2025, 1, 27), -1)


def test_stepping_across_into_a_provisional_year():
    calendar = WorkCalendar()
    # 2026-12-31 Thursday; 2027-01-01 元旦; then a weekend.
    assert calendar.next_workday(date(2026, 12, 31)) == date(2027, 1, 4)


def test_overrides_switching_off_everything_fail_loudly():
    everything = [Override(d, False) for d in days("2031-01-01", "2032-03-01")]
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(everything).next_workday(date(2030, 12, 31))


# --- schedule files -------------------------------------------------------------------------


def test_parse_schedule():
    text = (
        "\ufeff# 2027 (made up)\n"
        "\n"
        "2027-02-05..2027-02-07 off 春节  # three days\n"
        "2027-02-20 ON 春节调休\n"
        "2027-10-01 .. 2027-10-02 off\n"
    )
    assert parse_schedule(text) == [
        Override(date(2027, 2, 5), False, "春节"),
        Override(date(2027, 2, 6), False, "春节"),
        Override(date(2027, 2, 7), False, "春节"),
        Override(date(2027, 2, 20), True, "春节调休"),
        Override(date(2027, 10, 1), False, ""),
        Override(date(2027, 10, 2), False, ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# ok\n2027-02-30 off", "line 2: '2027-02-30' is not a valid date"),
        ("2027/02/06 off", "line 1: '2027/02/06' is not a valid date"),
        ("\n\n2027-02-06", "line 3: expected"),
        ("2027-02-06 of 春节", "line 1: expected 'on' or 'off'"),
        ("2027-02-13..2027-02-06 off", "line 1: the range ends"),
        ("2027-02-06..2027-12-13 off", "line 1: a range of 311 days"),
        ("2027-02-06..2027-02-08 off\n2027-02-08 on", "line 2: 2027-02-08 is already listed on line 1"),
    ],
)
def test_parse_schedule_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)


def test_example_schedule_file_is_marked_and_loads():
    text = (REPO / "data" / "calendar" / "example-2027.txt").read_text(encoding="utf-8")
    assert "EXAMPLE" in text and "NOT the official" in text
    overrides = parse_schedule(text)
    assert overrides and {o.day.year for o in overrides} == {2027}
    calendar = WorkCalendar(overrides, loaded_years=[2027])
    assert not calendar.is_provisional(date(2027, 2, 6))
    for override in overrides:
        assert calendar.is_workday(override.day) is override.workday


# --- the library stays a library ------------------------------------------------------------


def test_workcal_imports_no_application_code():
    tree = ast.parse(Path(workcal.__file__).read_text(encoding="utf-8"))
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not {m.split(".")[0] for m in modules} & {"policyhub", "flask", "sqlalchemy", "flask_sqlalchemy"}


def test_describe_names_holidays_makeup_days_and_overrides():
    cal = WorkCalendar(overrides=[Override(date(2026, 12, 31), False, "年终盘点"),
                                  Override(date(2026, 10, 1), True, "")])
    festival = cal.describe(date(2026, 2, 17))
    assert (festival.workday, festival.kind, festival.name, festival.override) == (False, "holiday", "春节", None)
    makeup = cal.describe(date(2026, 2, 28))  # a Saturday worked for 春节 (调休上班)
    assert (makeup.workday, makeup.kind, makeup.name) == (True, "makeup", "春节")
    in_lieu = cal.describe(date(2026, 2, 23))  # a Monday off in exchange
    assert (in_lieu.kind, in_lieu.in_lieu) == ("holiday", True)
    assert cal.describe(date(2026, 3, 7)).kind == "weekend" and cal.describe(date(2026, 3, 2)).kind == "workday"
    closed = cal.describe(date(2026, 12, 31))
    assert (closed.workday, closed.kind, closed.name, closed.base_workday) == (False, "holiday", "年终盘点", True)
    opened = cal.describe(date(2026, 10, 1))  # an override without a note keeps the holiday's name
    assert (opened.workday, opened.kind, opened.name, opened.base_workday) == (True, "workday", "国庆节", False)
    provisional = cal.describe(date(2031, 10, 1))
    assert (provisional.kind, provisional.provisional) == ("holiday", True) and "国庆节" in provisional.name


def test_month_is_weeks_from_monday_agreeing_with_is_workday():
    cal = WorkCalendar(overrides=[Override(date(2026, 2, 16), True, "值班")])
    weeks = cal.month(2026, 2)
    assert [d.day.day if d else None for d in weeks[0]] == [None] * 6 + [1]  # 2026-02-01 is a Sunday
    days = [d for week in weeks for d in week if d]
    assert len(days) == 28 and all(len(week) == 7 for week in weeks)
    assert all(d.workday == cal.is_workday(d.day) for d in days)
    assert [d.day.day for d in days if d.kind == "makeup"] == [14, 28]
    assert next(d for d in days if d.day.day == 16).override is not None
