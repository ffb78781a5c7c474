"""The working-day calendar as a month grid: holidays, 调休 days and overrides; the admin toggles a day."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import AuditEvent, CalendarOverride, Consultation
from policyhub.timeutil import to_local


def _login(client, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": "correct-horse-battery"}).status_code == 302


def _cell(page: str, day: str) -> str:
    return page.split(f'id="day-{day}"', 1)[1].split("</td>", 1)[0]


def _classes(page: str, day: str) -> set[str]:
    return set(re.search(rf'id="day-{day}" class="([^"]+)"', page).group(1).split())


@pytest.fixture
def admin(client, make_user):
    make_user("root", "admin", None)
    _login(client, "root")
    return client


def test_staff_see_a_month_with_holidays_makeup_days_and_navigation(client, make_user):
    make_user("editor", "editor", "gxj")
    _login(client, "editor")
    page = client.get("/staff/calendar/month?month=2026-02").get_data(as_text=True)
    assert "2026 年 2 月" in page
    assert _classes(page, "2026-02-17") >= {"day", "holiday"} and "春节" in _cell(page, "2026-02-17")
    assert _classes(page, "2026-02-14") >= {"day", "makeup"} and "调休上班" in _cell(page, "2026-02-14")
    assert "调休" in _cell(page, "2026-02-23")  # a Monday off in exchange for the make-up Saturdays
    assert "weekend" in _classes(page, "2026-02-01") and "workday" in _classes(page, "2026-02-02")
    assert page.count('id="day-') == 28 and page.count('class="pad"') == 6 + 1  # Sunday the 1st, Saturday the 28th
    assert 'href="/staff/calendar/month?month=2026-01"' in page and 'href="/staff/calendar/month?month=2026-03"' in page
    assert "calendar/month?month=2027-01" in client.get("/staff/calendar/month?month=2026-12").get_data(as_text=True)
    assert "设为休" not in page and 'action="/staff/calendar/month"' not in page  # only admins toggle
    assert client.post("/staff/calendar/month", data={"day": "2026-02-02"}).status_code == 403
    provisional = client.get("/staff/calendar/month?month=2031-10").get_data(as_text=True)
    assert "2031 年放假安排尚未载入" in provisional and "国庆节" in _cell(provisional, "2031-10-01")


@pytest.mark.parametrize("month", ["2026-13", "26-02", "2026-1x", "3000-01", "２０２６-０２"])
def test_a_bad_month_is_a_422_naming_the_field(admin, month):
    response = admin.get(f"/staff/calendar/month?month={month}")
    assert response.status_code == 422 and "月份应为 YYYY-MM" in response.get_data(as_text=True)


def test_the_admin_toggles_a_day_and_back_deadlines_follow_and_both_are_audited(app, admin, make_department):
    from policyhub.services.consultations import submit_consultation

    make_department("yshj", "滨州市优化营商环境办公室")
    with app.app_context():
        # Tuesday 29 December 2026, 10:00 in Shanghai: due at the end of Thursday the 31st.
        asked = submit_consultation({"question": "请问技术改造补贴如何申报？需要哪些材料？", "contact_name": "张经理",
                                     "mobile": "13800000001"}, now=datetime(2026, 12, 29, 2, 0, tzinfo=UTC))
        db.session.commit()
        asked_id = asked.id
        assert to_local(asked.due_at).date().isoformat() == "2026-12-31"
    page = admin.get("/staff/calendar/month?month=2026-12").get_data(as_text=True)
    assert "设为休" in _cell(page, "2026-12-31") and "workday" in _classes(page, "2026-12-31")
    toggled = admin.post("/staff/calendar/month", data={"day": "2026-12-31"})
    assert toggled.status_code == 302 and toggled.headers["Location"].endswith("/staff/calendar/month?month=2026-12")
    page = admin.get("/staff/calendar/month?month=2026-12").get_data(as_text=True)
    assert _classes(page, "2026-12-31") >= {"holiday", "override"} and "已调整" in _cell(page, "2026-12-31")
    assert "设为班" in _cell(page, "2026-12-31") and "重新计算 1 件待办咨询的期限，其中 1 件有变化" in page
    with app.app_context():
        assert [(o.day.isoformat(), o.workday) for o in db.session.scalars(select(CalendarOverride))] == [
            ("2026-12-31", False)]
        # 1 January 2027 is 元旦 and then a weekend: the answer is now due on Monday the 4th.
        assert to_local(db.session.get(Consultation, asked_id).due_at).date().isoformat() == "2027-01-04"
    # Toggling back returns the day to the State Council's schedule: no override is left behind.
    assert admin.post("/staff/calendar/month", data={"day": "2026-12-31"}).status_code == 302
    page = admin.get("/staff/calendar/month?month=2026-12").get_data(as_text=True)
    assert "override" not in _classes(page, "2026-12-31") and "workday" in _classes(page, "2026-12-31")
    with app.app_context():
        assert db.session.scalars(select(CalendarOverride)).all() == []
        assert to_local(db.session.get(Consultation, asked_id).due_at).date().isoformat() == "2026-12-31"
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.override")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.object_id, e.details["workday"], e.details["before"]) for e in events] == [
            ("2026-12-31", False, None), ("2026-12-31", None, False)]


def test_toggling_a_holiday_makes_it_a_working_day_that_keeps_its_name(app, admin):
    assert admin.post("/staff/calendar/month", data={"day": "2026-10-01"}).status_code == 302
    page = admin.get("/staff/calendar/month?month=2026-10").get_data(as_text=True)
    assert _classes(page, "2026-10-01") >= {"workday", "override"} and "国庆节" in _cell(page, "2026-10-01")


@pytest.mark.parametrize("day", ["2026-02-30", "", "1800-01-01", "not-a-date"])
def test_a_bad_day_is_a_422_naming_the_field_and_changes_nothing(app, admin, day):
    response = admin.post("/staff/calendar/month", data={"day": day})
    assert response.status_code == 422 and "日期" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(CalendarOverride)).all() == []


def test_the_toggle_needs_the_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("root", "admin", None)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "root", "password": "correct-horse-battery", "csrf_token": token})
    month = client.get("/staff/calendar/month?month=2026-12").get_data(as_text=True)
    assert client.post("/staff/calendar/month", data={"day": "2026-12-31"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', _cell(month, "2026-12-31")).group(1)
    assert client.post("/staff/calendar/month", data={"day": "2026-12-31", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert [o.workday for o in db.session.scalars(select(CalendarOverride))] == [False]
