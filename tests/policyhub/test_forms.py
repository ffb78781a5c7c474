"""Page forms answer in Chinese: a choice not offered or a date that is not one is refused in words people read."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import wtforms
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import User
from policyhub.web.forms import WTFORMS_MESSAGES

PASSWORD = "correct-horse-battery"
ENGLISH = re.compile(r"not a valid|valid choice|could not coerce|field is required|CSRF token|must be", re.IGNORECASE)


def sign_in(client, make_user, username: str, role: str, department: str | None = "gxj") -> None:
    make_user(username, role, department)
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def refused(response, *messages: str) -> str:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code in (400, 422), (response.status_code, page[:500])
    for message in messages:
        assert message in page, page
    found = ENGLISH.search(page)
    assert found is None, page[max(0, found.start() - 200):found.end() + 200]
    return page


NOT_OFFERED = "不是可选的值"


def test_a_department_not_offered_on_the_policy_form(client, make_user):
    sign_in(client, make_user, "ed", "editor")
    refused(client.post("/staff/policies/new", data={"title": "测试政策", "body": "对小型企业给予奖励。",
                                                     "department": "nope"}), NOT_OFFERED)


def test_a_size_not_offered_in_the_criteria(client, make_user, make_policy):
    policy = make_policy(publish=False)
    sign_in(client, make_user, "ed2", "editor")
    refused(client.post(f"/staff/policies/{policy['id']}/criteria", data={"sizes": ["small", "huge"]}),
            f"'huge' {NOT_OFFERED}")


@pytest.mark.parametrize("field, value", [("channels", ["sms", "fax"]), ("frequency", "hourly")])
def test_a_channel_or_frequency_not_offered_at_registration(client, new_credit_code, field, value):
    form = {"credit_code": new_credit_code(1), "name": "滨州某公司", "industry_code": "3252", "mobile": "13800001234",
            "channels": ["sms"], "frequency": "instant", "consent": "y", field: value}
    refused(client.post("/register", data=form), NOT_OFFERED)


@pytest.mark.parametrize("override, message", [
    ({"override-day": "2026-02-30", "override-workday": "1"}, "日期格式应为 YYYY-MM-DD"),
    ({"override-day": "2026-02-02", "override-workday": "2"}, NOT_OFFERED),
    ({"override-day": "", "override-workday": "1"}, "请选择日期"),
])
def test_the_calendar_override_form(client, make_user, override, message):
    sign_in(client, make_user, "root", "admin", None)
    refused(client.post("/staff/calendar", data={"action": "override", **override}), message)


@pytest.mark.parametrize("day, message", [("2026-02-30", "日期格式应为 YYYY-MM-DD"), ("not-a-day", "日期格式应为 YYYY-MM-DD"),
                                          ("", "请选择日期")])
def test_the_calendar_day_form(client, make_user, day, message):
    sign_in(client, make_user, "root", "admin", None)
    refused(client.post("/staff/calendar/month", data={"day": day}), message)


def test_a_role_not_offered_to_a_new_account(client, make_user):
    sign_in(client, make_user, "root", "admin", None)
    refused(client.post("/staff/admin/users", data={"new-username": "clerk", "new-display_name": "张三",
                                                    "new-role": "king", "new-department": "gxj",
                                                    "new-password": PASSWORD}), NOT_OFFERED)


def test_a_role_not_offered_to_an_account(app, client, make_user):
    sign_in(client, make_user, "root", "admin", None)
    make_user("clerk", "answerer")
    with app.app_context():
        clerk = db.session.scalar(select(User).where(User.username == "clerk")).id
    refused(client.post(f"/staff/admin/users/{clerk}/role", data={f"u{clerk}-role": "king"}), NOT_OFFERED)


def test_every_message_of_the_wtforms_fields_has_a_chinese_one():
    source = Path(wtforms.__file__).parent
    said = set()
    for path in [*(source / "fields").glob("*.py"), *(source / "csrf").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        said |= set(re.findall(r'gettext\(\s*"([^"]+)"', text))
        said |= {m for pair in re.findall(r'ngettext\(\s*"([^"]+)",\s*"([^"]+)"', text) for m in pair}
    said -= {"Week"}  # not a message: the label of a field nobody here uses
    assert said, "the WTForms sources moved"
    assert sorted(said - set(WTFORMS_MESSAGES)) == []
