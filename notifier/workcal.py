"""Chinese working-day calendar: State Council schedules, admin overrides, provisional years.

Where a day's answer comes from, first match wins:

1. an ``Override`` (admins edit them in the app; the caller loads them and passes them in);
2. the ``chinesecalendar`` package, for the years it covers (``library_years()``): statutory
   holidays off, make-up workdays (调休, often a Saturday or Sunday) on;
3. a *loaded year* (its full schedule was imported as overrides): weekends off, all else on;
4. any other year is *provisional*: weekends off plus the statutory holidays of the
   全国年节及纪念日放假办法 as revised in 2024 (in force from 2025), computed for that year
   by ``statutory_holidays()``.  The State Council's 调休 (bridging days and make-up
   weekends) cannot be predicted, so deadlines in such a year are flagged provisional
   until the schedule is published and loaded.

Schedule files
--------------
When the State Council publishes a year's 放假安排, an admin writes it as a UTF-8 text file
(see ``data/calendar/example-2027.txt``) and imports it with ``parse_schedule()``::

    # 2027 年部分节假日安排 (comments start with '#', blank lines are ignored)
    2027-02-05..2027-02-13  off  春节
    2027-02-20              on   春节调休

Each line is ``DAY[..LAST] on|off [note]``: one day or an inclusive range of days (ISO dates,
``YYYY-MM-DD``), ``off`` for a day off or ``on`` for a working day, and an optional free-text
note (shown to admins).  A day may be listed once per file; a range may span at most 31 days,
which catches a mistyped month.  After importing, the caller records the year as loaded.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType

import chinese_calendar
from lunar_python import Lunar, Solar

__all__ = [
    "DayInfo",
    "Override",
    "ScheduleError",
    "WorkCalendar",
    "library_years",
    "parse_schedule",
    "statutory_holidays",
]

_ONE_DAY = timedelta(days=1)
# Longer than any holiday plus its weekends, short enough that a wrong end month is an error.
_MAX_RANGE_DAYS = 31
# A search for the next working day that runs this long means the overrides switched off
# a whole year: fail loudly instead of looping for ever.
_MAX_SEARCH_DAYS = 400


@dataclass(frozen=True)
class Override:
    """An admin's decision that a day is a working day (True) or a day off (False)."""

    day: date
    workday: bool
    note: str = ""

    def __post_init__(self) -> None:
        _check_date(self.day)


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says of one day, and why: for a month view."""

    day: date
    workday: bool
    kind: str  # "workday", "weekend", "holiday" (a day off on its own account) or "makeup" (调休上班)
    name: str = ""  # the holiday's Chinese name, or the override's note
    override: Override | None = None
    base_workday: bool = True  # what the day would be without the override
    in_lieu: bool = False  # a weekday off in exchange for a make-up working day (调休放假)
    provisional: bool = False


def _holiday_name(english: str | None) -> str:
    try:
        return chinese_calendar.Holiday(english).chinese if english else ""
    except ValueError:
        return english or ""


@cache
def library_years() -> range:
    """The years for which the installed chinesecalendar has the State Council's schedule."""
    # The same bounds chinesecalendar itself checks before raising NotImplementedError.
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@cache
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory days off of a year under the 2025 rules, computed, without 调休."""
    spring_festival = _lunar_to_solar(year, 1, 1)
    days: dict[date, str] = {}

    def add(day: date, name: str) -> None:
        # 中秋 can fall on 国庆 (2031-10-01): keep both names.
        days[day] = f"{days[day]}、{name}" if day in days else name

    add(date(year, 1, 1), "元旦")
    # Since 2025 除夕 is a statutory day too (国务院令第795号), not only 正月初一 to 初三.
    for offset in range(-1, 3):
        add(spring_festival + timedelta(days=offset), "春节")
    add(_qingming(year), "清明")
    # Since 2025 劳动节 is May 1 and 2.
    add(date(year, 5, 1), "劳动节")
    add(date(year, 5, 2), "劳动节")
    add(_lunar_to_solar(year, 5, 5), "端午")
    for day in (1, 2, 3):
        add(date(year, 10, day), "国庆节")
    add(_lunar_to_solar(year, 8, 15), "中秋")
    return MappingProxyType(dict(sorted(days.items())))


def _lunar_to_solar(lunar_year: int, month: int, day: int) -> date:
    # A positive month is the ordinary (not leap) month, which is when the festivals fall.
    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    # The lunar year that contains June holds that Gregorian year's 清明 in its table.
    term = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    return date(term.getYear(), term.getMonth(), term.getDay())


def _check_date(day: object) -> None:
    # A datetime would compare unequal to the date keys; and whose calendar date is it?
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date (in Asia/Shanghai), got {type(day).__name__}: {day!r}")


def _index(overrides: Iterable[Override]) -> dict[date, Override]:
    by_day: dict[date, Override] = {}
    for override in overrides:
        earlier = by_day.get(override.day)
        if earlier is not None and earlier.workday != override.workday:
            raise ValueError(f"conflicting overrides for {override.day}: both on and off")
        by_day[override.day] = override
    return by_day


class WorkCalendar:
    """Working days in mainland China: library schedules, overrides, provisional years."""

    def __init__(self, overrides: Iterable[Override] = (), loaded_years: Iterable[int] = ()) -> None:
        self.overrides: Mapping[date, Override] = MappingProxyType(_index(overrides))
        self.loaded_years: frozenset[int] = frozenset(loaded_years)
        # The calendar never changes once built, so each day's answer is worked out once.
        self._workdays: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        """Whether government offices work on this (Asia/Shanghai) day."""
        known = self._workdays.get(day)
        if known is None:
            known = self._workdays[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> bool:
        _check_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return override.workday
        if day.year in library_years():
            return chinese_calendar.is_workday(day)
        if day.weekday() >= 5:
            return False
        if day.year in self.loaded_years:
            return True
        return day not in statutory_holidays(day.year)

    def describe(self, day: date) -> DayInfo:
        """The day's answer with its reason: holiday name, 调休, override, provisional year."""
        _check_date(day)
        weekend = day.weekday() >= 5
        name, in_lieu = "", False
        if day.year in library_years():
            base = chinese_calendar.is_workday(day)
            name = _holiday_name((chinese_calendar.workdays if base else chinese_calendar.holidays).get(day))
            in_lieu = not base and not weekend and chinese_calendar.is_in_lieu(day)
        elif day.year in self.loaded_years:
            base = not weekend  # the loaded schedule itself is overrides
        else:
            name = statutory_holidays(day.year).get(day, "")
            base = not weekend and not name
        override = self.overrides.get(day)
        workday = base if override is None else override.workday
        if override is not None and override.note:
            name = override.note
        if workday:
            kind = "makeup" if weekend else "workday"
        else:
            kind = "holiday" if name or not weekend else "weekend"
        return DayInfo(day=day, workday=workday, kind=kind, name=name if kind != "workday" or override else "",
                       override=override, base_workday=base, in_lieu=in_lieu and not workday,
                       provisional=self.is_provisional(day))

    def month(self, year: int, month: int) -> list[list[DayInfo | None]]:
        """A month as weeks from Monday to Sunday; None pads the days of the months either side."""
        return [[self.describe(date(year, month, d)) if d else None for d in week]
                for week in stdlib_calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)]

    def is_provisional(self, day: date) -> bool:
        """Whether the day's year has neither a library schedule nor a loaded one."""
        _check_date(day)
        return day.year not in library_years() and day.year not in self.loaded_years

    def provisional_years(self, start: date, end: date) -> list[int]:
        """The provisional years among those from start's to end's, in order."""
        first, last = sorted((start, end))
        return [year for year in range(first.year, last.year + 1) if self.is_provisional(date(year, 1, 1))]

    def next_workday(self, day: date) -> date:
        """The first working day strictly after the day."""
        return self._step(day, _ONE_DAY)

    def previous_workday(self, day: date) -> date:
        """The last working day strictly before the day."""
        return self._step(day, -_ONE_DAY)

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day strictly after the day (the day itself for n == 0)."""
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        for _ in range(n):
            day = self.next_workday(day)
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        _check_date(start)
        _check_date(end)
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            count += self.is_workday(day)
            day += _ONE_DAY
        return count

    def _step(self, day: date, step: timedelta) -> date:
        _check_date(day)
        for _ in range(_MAX_SEARCH_DAYS):
            day += step
            if self.is_workday(day):
                return day
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {day}: check the overrides")


_SCHEDULE_LINE = re.compile(
    r"(?P<first>\S+?)(?:\s*\.\.\s*(?P<last>\S+))?\s+(?P<kind>\S+)(?:\s+(?P<note>.*))?"
)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KINDS = {"on": True, "off": False}


class ScheduleError(ValueError):
    """A schedule file's line that cannot be read: the line number, a problem code and its values.

    The message is English for logs; ``problem`` (``format``, ``date``, ``kind``, ``reversed``, ``too_long``,
    ``repeated``) and ``values`` let an application say the same in its users' language.
    """

    def __init__(self, line: int, problem: str, message: str, **values: object) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.problem = problem
        self.values = values


def parse_schedule(text: str) -> list[Override]:
    """Overrides from a schedule file's text (format in the module docstring); ValueError names the line."""
    overrides: list[Override] = []
    listed_on: dict[date, int] = {}
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _SCHEDULE_LINE.fullmatch(line)
        if match is None:
            raise ScheduleError(number, "format", f"expected 'YYYY-MM-DD[..YYYY-MM-DD] on|off [note]', got {line!r}",
                                text=line)
        first = _parse_day(match["first"], number)
        last = _parse_day(match["last"], number) if match["last"] else first
        kind = match["kind"].lower()
        if kind not in _KINDS:
            raise ScheduleError(number, "kind", f"expected 'on' or 'off' after the dates, got {match['kind']!r}",
                                text=match["kind"])
        if last < first:
            raise ScheduleError(number, "reversed", f"the range ends ({last}) before it starts ({first})",
                                first=first, last=last)
        length = (last - first).days + 1
        if length > _MAX_RANGE_DAYS:
            raise ScheduleError(number, "too_long", f"a range of {length} days is longer than {_MAX_RANGE_DAYS}; "
                                "check the dates", days=length, limit=_MAX_RANGE_DAYS)
        note = (match["note"] or "").strip()
        for offset in range(length):
            day = first + timedelta(days=offset)
            if day in listed_on:
                raise ScheduleError(number, "repeated", f"{day} is already listed on line {listed_on[day]}",
                                    day=day, first_line=listed_on[day])
            listed_on[day] = number
            overrides.append(Override(day, _KINDS[kind], note))
    return overrides


def _parse_day(text: str, number: int) -> date:
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ScheduleError(number, "date", f"{text!r} is not a valid date (YYYY-MM-DD)", text=text) from None
