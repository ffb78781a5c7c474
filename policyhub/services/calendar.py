"""The working-day calendar as stored: library data plus admins' overrides and loaded years."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, extract, select

from notifier.workcal import Override, ScheduleError, WorkCalendar, library_years, parse_schedule
from policyhub.extensions import db
from policyhub.models import CalendarOverride, CalendarYear, User, utcnow
from policyhub.services import audit
from policyhub.services.errors import Invalid

__all__ = [
    "clear_override",
    "current_calendar",
    "load_year_schedule",
    "provisional_years_ahead",
    "schedule_error_text",
    "set_override",
    "toggle_day",
]


def current_calendar() -> WorkCalendar:
    """The calendar with every stored override and loaded year."""
    overrides = [Override(o.day, o.workday, o.note) for o in db.session.scalars(select(CalendarOverride))]
    years = list(db.session.scalars(select(CalendarYear.year)))
    return WorkCalendar(overrides=overrides, loaded_years=years)


def provisional_years_ahead(now: datetime, years_ahead: int = 1) -> list[int]:
    """Years from now's year on that neither the library nor a loaded schedule covers (for the admin banner)."""
    loaded = set(db.session.scalars(select(CalendarYear.year)))
    known = set(library_years()) | loaded
    return [y for y in range(now.year, now.year + years_ahead + 1) if y not in known]


def set_override(actor: User | None, day: date, workday: bool, note: str = "",
                 now: datetime | None = None) -> CalendarOverride:
    """Make one date a working day or not; the caller then recomputes open deadlines."""
    if len(note) > 200:
        raise Invalid("备注最多 200 字", fields={"note": "最多 200 字"})
    override = db.session.get(CalendarOverride, day)
    before = None if override is None else override.workday
    if override is None:
        override = CalendarOverride(day=day, workday=workday)
        db.session.add(override)
    override.workday = workday
    override.note = note
    override.updated_by_id = actor.id if actor else None
    override.updated_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "calendar.override", "calendar", day.isoformat(), workday=workday, before=before,
                 note=note)
    return override


def clear_override(actor: User | None, day: date) -> bool:
    """Drop a day's override, so the library or the loaded schedule decides again; False when there was none."""
    override = db.session.get(CalendarOverride, day)
    if override is None:
        return False
    before = override.workday
    db.session.delete(override)
    db.session.flush()
    audit.record(actor, "calendar.override", "calendar", day.isoformat(), workday=None, before=before,
                 note="cleared")
    return True


TOGGLE_NOTE = "在月历上调整"


def toggle_day(actor: User | None, day: date, now: datetime | None = None) -> bool:
    """Flip a day between working day and day off; returns whether it is now a working day.

    Flipping it back to what the library says drops the override instead of storing one that changes
    nothing; in a loaded year the schedule's own rows are overrides, so the day keeps one, and its name.
    """
    calendar = current_calendar()
    info = calendar.describe(day)
    workday = not info.workday
    if info.override is not None and workday == info.base_workday and day.year not in calendar.loaded_years:
        clear_override(actor, day)
    else:
        name = info.name.removesuffix(f"（{TOGGLE_NOTE}）")
        set_override(actor, day, workday, f"{name[:180]}（{TOGGLE_NOTE}）" if name and name != TOGGLE_NOTE else TOGGLE_NOTE,
                     now=now)
    return workday


_SCHEDULE_PROBLEMS = {
    "format": "格式应为“YYYY-MM-DD[..YYYY-MM-DD] on|off 说明”，实际为“{text}”",
    "date": "“{text}”不是有效日期（应为 YYYY-MM-DD）",
    "kind": "日期后应为 on（上班）或 off（放假），实际为“{text}”",
    "reversed": "结束日期 {last} 早于开始日期 {first}",
    "too_long": "一段连续 {days} 天，超过 {limit} 天上限，请核对日期",
    "repeated": "{day} 已在第 {first_line} 行列出",
}


def schedule_error_text(exc: ScheduleError) -> str:
    """A schedule file's error in Chinese, naming the line."""
    template = _SCHEDULE_PROBLEMS.get(exc.problem)
    return f"第 {exc.line} 行：" + (template.format(**exc.values) if template else "无法识别")


def load_year_schedule(actor: User | None, year: int, text: str, source: str = "",
                       now: datetime | None = None) -> int:
    """Replace a year's overrides with a published schedule file and mark the year loaded."""
    try:
        overrides = parse_schedule(text)
    except ScheduleError as exc:
        reason = schedule_error_text(exc)
        raise Invalid(f"日程文件有误：{reason}", fields={"file": reason}) from exc
    outside = sorted({o.day.year for o in overrides} - {year})
    if outside:
        raise Invalid(f"日程文件含有 {year} 年以外的日期（{outside}）", fields={"file": "年份不符"})
    if not overrides:
        raise Invalid("日程文件没有任何日期", fields={"file": "为空"})
    db.session.execute(delete(CalendarOverride).where(extract("year", CalendarOverride.day) == year))
    now = now or utcnow()
    for override in overrides:
        db.session.add(CalendarOverride(day=override.day, workday=override.workday, note=override.note[:200],
                                        updated_by_id=actor.id if actor else None, updated_at=now))
    loaded = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    loaded.loaded_at, loaded.loaded_by_id, loaded.source = now, actor.id if actor else None, source[:200]
    db.session.add(loaded)
    db.session.flush()
    audit.record(actor, "calendar.load_year", "calendar", str(year), days=len(overrides), source=source)
    return len(overrides)
