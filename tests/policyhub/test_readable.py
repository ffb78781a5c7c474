"""Readable operations: Chinese names for codes, time and policy columns, each role's landing page,
the phone menu, the period the SLA figures cover, calendar file errors in Chinese."""

import io
from pathlib import Path

import pytest

from notifier.workcal import ScheduleError, parse_schedule

STATIC = Path(__file__).resolve().parents[2] / "policyhub" / "web" / "static" / "style.css"


def _login(client, username: str) -> str:
    response = client.post("/login", data={"username": username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    return response.headers["Location"]


def test_notification_list_shows_time_policy_and_chinese_kind_and_status(client, make_user, make_enterprise,
                                                                          make_policy):
    make_enterprise(1, channels=["email"], email="a@example.com", region_code="371625")
    make_policy(title="滨州市铝压延加工企业技术改造补贴办法", criteria={"industries": ["3252"]})
    _login(client, "editor")
    page = client.get("/staff/notifications").get_data(as_text=True)
    table = page.split('class="list notifications"')[1].split("</table>")[0]
    assert "<th>时间</th><th>政策</th>" in table
    assert "滨州市铝压延加工企业技术改造补贴办法" in table
    assert "政策匹配提醒" in table and "待发送" in table and "电子邮件" in table
    assert "policy_match" not in table and ">pending<" not in table
    detail_id = table.split("/staff/notifications/")[1].split('"')[0]
    detail = client.get(f"/staff/notifications/{detail_id}").get_data(as_text=True)
    assert "政策匹配提醒" in detail and "待发送" in detail and "滨州市铝压延加工企业技术改造补贴办法" in detail


@pytest.mark.parametrize(("role", "department", "home"), [
    ("answerer", "gxj", "/staff/consultations"),
    ("supervisor", None, "/staff/sla"),
    ("editor", "gxj", "/staff/"),
])
def test_each_role_lands_on_its_own_work(client, make_user, role, department, home):
    make_user("someone", role, department)
    assert _login(client, "someone") == home
    assert client.get(home).status_code == 200


def test_an_asked_for_page_still_wins_over_the_role_home(client, make_user):
    make_user("someone", "answerer", "gxj")
    response = client.post("/login?next=/staff/notifications",
                           data={"username": "someone", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/staff/notifications"


def test_staff_menu_folds_on_a_phone_without_script(client, make_user):
    make_user("editor", "editor", "gxj")
    _login(client, "editor")
    page = client.get("/staff/").get_data(as_text=True)
    assert 'id="nav-toggle"' in page and '<label for="nav-toggle"' in page and "<script" not in page
    css = STATIC.read_text(encoding="utf-8")
    phone = css.split("@media (max-width: 720px)")[1]
    assert "nav.menu { display: none;" in phone and ".nav-toggle:checked ~ nav.menu { display: flex; }" in phone


def test_sla_dashboard_says_which_period_it_covers(client, make_user):
    make_user("boss", "supervisor", None)
    _login(client, "boss")
    page = client.get("/staff/sla", query_string={"from": "2026-03-01", "to": "2026-03-10"}).get_data(as_text=True)
    assert "统计区间：2026-03-01 00:00 至 2026-03-11 00:00（北京时间）" in page
    default = client.get("/staff/sla").get_data(as_text=True)
    assert "未选日期时为最近 30 天" in default


def test_a_bad_calendar_file_answers_in_chinese_naming_the_line(client, make_user):
    make_user("admin", "admin", None)
    _login(client, "admin")
    text = "2027-02-06..2027-02-13 off 春节\n2027-02-30 on 调休\n"
    response = client.post("/staff/calendar", data={
        "action": "schedule", "schedule-year": "2027",
        "schedule-file": (io.BytesIO(text.encode("utf-8")), "2027.txt")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "第 2 行：“2027-02-30”不是有效日期（应为 YYYY-MM-DD）" in page
    assert "not a valid date" not in page


@pytest.mark.parametrize(("text", "problem", "line"), [
    ("2027-02-30 off", "date", 1),
    ("\n2027-02-06 maybe", "kind", 2),
    ("春节放假", "format", 1),
    ("2027-02-08..2027-02-06 off", "reversed", 1),
    ("2027-02-06 off\n2027-02-06 on", "repeated", 2),
])
def test_schedule_errors_carry_the_problem_for_translation(text, problem, line):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert (caught.value.problem, caught.value.line) == (problem, line)
