"""The SLA scan at chosen times (who gets what, once) and the supervisor's figures."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Consultation, Notification, User
from policyhub.services import consultations as service
from policyhub.services.sla_report import Period, summary
from policyhub.services.sla_scan import scan

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def setup(app, make_department, make_user):
    make_department("gxj", "滨州市工业和信息化局")
    make_department("yshj", "滨州市优化营商环境办公室")
    make_user("answerer", "answerer", "gxj")
    make_user("boss", "supervisor", "yshj")
    make_user("silent", "supervisor", "yshj")  # no contact: nobody to send to
    with app.app_context():
        from policyhub.models import Department

        db.session.scalar(select(User).where(User.username == "answerer")).email = "answerer@example.com"
        db.session.scalar(select(User).where(User.username == "boss")).mobile = "13900001111"
        db.session.scalar(select(Department).where(Department.code == "gxj")).email = "gxj@example.gov.cn"
        db.session.commit()


def submit(app, when, department="gxj"):
    with app.app_context():
        from policyhub.models import Department

        consultation = service.submit_consultation(
            {"question": "技术改造补贴怎么申报？", "contact_name": "张", "mobile": "13800001234"}, now=at(when))
        consultation.department = db.session.scalar(select(Department).where(Department.code == department))
        db.session.commit()
        return consultation.id


def run_scan(app, when):
    with app.app_context():
        result = scan(at(when))
        db.session.commit()
        return result


def sent(app):
    """What staff were sent (the enterprise's receipts and notices left out)."""
    with app.app_context():
        return sorted((n.kind, n.channel, n.recipient) for n in db.session.scalars(
            select(Notification).where(Notification.user_id.is_not(None) | Notification.recipient.like("%.gov.cn"))))


def test_reminder_on_the_due_morning_escalation_when_overdue_each_once(app, setup):
    submit(app, "2025-11-18 10:00")  # due Thursday 2025-11-20 23:59:59
    assert run_scan(app, "2025-11-19 10:00").messages == 0  # not the due day yet
    assert run_scan(app, "2025-11-20 07:30").messages == 0  # due day, before office hours
    first = run_scan(app, "2025-11-20 09:30")
    assert (first.reminders, first.escalations) == (1, 0)
    assert sent(app) == [("answer_reminder", "email", "answerer@example.com")]
    assert run_scan(app, "2025-11-20 15:00").messages == 0  # once
    assert run_scan(app, "2025-11-20 23:59").messages == 0
    assert run_scan(app, "2025-11-21 03:00").messages == 0  # overdue, but never at night
    late = run_scan(app, "2025-11-21 09:15")  # Friday: the department head
    assert (late.reminders, late.escalations) == (0, 1)
    assert sent(app) == [("answer_reminder", "email", "answerer@example.com"),
                         ("escalation", "email", "gxj@example.gov.cn")]
    assert run_scan(app, "2025-11-21 16:00").messages == 0  # once
    assert run_scan(app, "2025-11-22 10:00").messages == 0  # Saturday: no working day has passed
    top = run_scan(app, "2025-11-24 10:00")  # Monday, one working day later: the supervisors
    assert (top.reminders, top.escalations) == (0, 1)
    assert sent(app)[-1] == ("escalation", "sms", "13900001111") and len(sent(app)) == 3
    assert run_scan(app, "2025-11-25 10:00").messages == 0  # once


def test_a_supplement_starts_a_new_round_whose_ladder_is_sent_again(app, setup):
    consultation_id = submit(app, "2025-11-18 10:00")  # round 1 due Thursday 11-20
    run_scan(app, "2025-11-20 09:30")
    run_scan(app, "2025-11-21 09:30")
    run_scan(app, "2025-11-24 09:30")
    assert len(sent(app)) == 3
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "answerer"))
        consultation = db.session.get(Consultation, consultation_id)
        service.request_supplement(user, consultation, "请补充营业执照复印件", now=at("2025-11-24 11:00"))
        service.submit_supplement(consultation, "已补充营业执照。", now=at("2025-11-24 15:00"))  # due Wed 11-26
        assert consultation.clock_round == 2
        db.session.commit()
    assert run_scan(app, "2025-11-25 10:00").messages == 0
    second = [run_scan(app, when) for when in ("2025-11-26 09:10", "2025-11-27 09:10", "2025-11-28 09:10")]
    assert [(r.reminders, r.escalations, r.messages) for r in second] == [(1, 0, 1), (0, 1, 1), (0, 1, 1)]
    assert sent(app) == [("answer_reminder", "email", "answerer@example.com")] * 2 + [
        ("escalation", "email", "gxj@example.gov.cn")] * 2 + [("escalation", "sms", "13900001111")] * 2
    with app.app_context():
        keys = {n.idempotency_key for n in db.session.scalars(select(Notification))}
        assert f"remind:{consultation_id}:r2:" in " ".join(keys)
        assert run_scan(app, "2025-12-01 09:10").messages == 0  # each rung once per round


def test_the_supervisors_rung_can_wait_longer_for_one_department(app, setup):
    app.config["SLA_SUPERVISOR_WORKDAYS"] = "1,gxj:2"
    submit(app, "2025-11-18 10:00")  # due Thursday 11-20
    run_scan(app, "2025-11-21 09:30")  # the head
    assert run_scan(app, "2025-11-24 10:00").escalations == 0  # gxj waits two working days
    assert run_scan(app, "2025-11-25 10:00").escalations == 1
    app.config["SLA_SUPERVISOR_WORKDAYS"] = "1,gxj:x"
    with app.app_context(), pytest.raises(ValueError, match="SLA_SUPERVISOR_WORKDAYS"):
        from policyhub.services.sla_scan import supervisor_delay

        supervisor_delay("gxj")


def test_no_escalation_on_a_non_working_day(app, setup):
    submit(app, "2025-11-19 10:00")  # Wednesday → due Friday 11-21
    run_scan(app, "2025-11-21 10:00")  # the reminder
    assert run_scan(app, "2025-11-22 10:00").escalations == 0  # Saturday
    assert run_scan(app, "2025-11-23 10:00").escalations == 0  # Sunday
    assert run_scan(app, "2025-11-24 10:00").escalations == 1  # Monday


def test_answered_questions_are_left_alone(app, setup):
    consultation_id = submit(app, "2025-11-18 10:00")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "answerer"))
        service.answer_consultation(user, db.session.get(Consultation, consultation_id), "答复如下。",
                                    now=at("2025-11-19 10:00"))
        db.session.commit()
    assert run_scan(app, "2025-11-20 10:00").messages == 0
    assert run_scan(app, "2025-11-21 10:00").messages == 0


def test_cli_scan_with_now(app, setup):
    submit(app, "2025-11-18 10:00")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sla", "scan", "--now", "2025-11-21T10:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "escalations: 1" in result.output
    bad = runner.invoke(args=["sla", "scan", "--now", "yesterday"])
    assert bad.exit_code != 0


def test_summary_figures_and_ranking(app, setup, client, bearer, make_user):
    ids = [submit(app, "2025-11-17 10:00"), submit(app, "2025-11-17 11:00"), submit(app, "2025-11-18 10:00"),
           submit(app, "2025-11-18 10:00", department="yshj"), submit(app, "2025-11-20 10:00")]
    with app.app_context():
        answerer = db.session.scalar(select(User).where(User.username == "answerer"))
        admin_like = db.session.scalar(select(User).where(User.username == "boss"))
        admin_like.role = "admin"
        service.answer_consultation(answerer, db.session.get(Consultation, ids[0]), "按时答复。",
                                    now=at("2025-11-18 09:00"))
        service.answer_consultation(answerer, db.session.get(Consultation, ids[1]), "超期答复。",
                                    now=at("2025-11-21 09:00"))
        service.answer_consultation(admin_like, db.session.get(Consultation, ids[3]), "按时答复。",
                                    now=at("2025-11-19 09:00"))
        db.session.commit()
        now = at("2025-11-21 12:00")  # ids[2] (due 11-20) overdue; ids[4] (due 11-24) open
        figures = summary(now, Period(at("2025-11-01 00:00"), now))
    assert (figures["open"], figures["at_risk"], figures["overdue"]) == (1, 0, 1)
    assert (figures["answered_on_time"], figures["answered_late"]) == (2, 1)
    # 2 on time of (3 answered + 1 unanswered that fell due in the period)
    assert figures["compliance_rate"] == 0.5
    ranking = [(d["code"], d["rank"], d["on_time_rate"]) for d in figures["departments"]]
    assert ranking == [("yshj", 1, 1.0), ("gxj", 2, round(1 / 3, 4))]


def test_summary_api_and_dashboard_agree(app, setup, client, bearer):
    submit(app, "2025-11-18 10:00")
    supervisor = bearer(make_supervisor_token(app))
    api = client.get("/api/v1/sla/summary", headers=supervisor, query_string={"from": "2025-11-01"}).get_json()
    assert api["overdue"] == 1 and api["departments"][0]["code"] == "gxj"
    assert client.get("/api/v1/sla/summary", headers=supervisor, query_string={"from": "soon"}).status_code == 422
    client.post("/login", data={"username": "boss", "password": "correct-horse-battery"})
    page = client.get("/staff/sla?from=2025-11-01").get_data(as_text=True)
    assert '<b id="overdue">1</b>' in page
    assert "超期清单" in page and "<svg" in page and "http-equiv=\"refresh\"" in page
    export = client.get("/staff/sla.csv?from=2025-11-01")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "查询码" and len(rows) == 2 and rows[1][4] == "已超期"


def make_supervisor_token(app):
    with app.app_context():
        from policyhub.services.users import issue_token

        user = db.session.scalar(select(User).where(User.username == "boss"))
        token = issue_token(user)
        db.session.commit()
        return token
