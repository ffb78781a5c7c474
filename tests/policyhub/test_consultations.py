"""Consultations: deadlines on real calendar dates, answering, routing, supplements, overrides, the form."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Consultation, Notification
from policyhub.services import consultations as service

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at('2025-09-30 10:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def departments(make_department):
    make_department("gxj", "滨州市工业和信息化局")
    make_department("yshj", "滨州市优化营商环境办公室")


def submit(app, when: str, **fields):
    data = {"question": "请问铝加工企业技术改造补贴如何申报？", "contact_name": "张经理", "mobile": "13800001234"} | fields
    with app.app_context():
        consultation = service.submit_consultation(data, now=at(when))
        db.session.commit()
        return consultation.id, consultation.tracking_code, consultation.due_at.astimezone(SH), \
            consultation.due_provisional


@pytest.mark.parametrize("submitted, due", [
    # An ordinary Tuesday: Wednesday and Thursday are the two working days.
    ("2025-11-18 10:00", "2025-11-20 23:59:59"),
    # Friday evening: Monday and Tuesday.
    ("2025-11-21 22:30", "2025-11-25 23:59:59"),
    # Just before National Day + Mid-Autumn 2025 (10-01..10-08 off): 10-09 and 10-10.
    ("2025-09-30 10:00", "2025-10-10 23:59:59"),
    # The make-up Saturday 2025-10-11 counts: Friday 10-10 → Saturday 10-11 and Monday 10-13.
    ("2025-10-10 09:00", "2025-10-13 23:59:59"),
    # Spring Festival 2025 (01-28..02-04 off): a Monday submission is due on Thursday 02-06.
    ("2025-01-27 15:00", "2025-02-06 23:59:59"),
    # The make-up Sunday 2025-01-26 counts: Friday 01-24 → Sunday 01-26 and Monday 01-27.
    ("2025-01-24 11:00", "2025-01-27 23:59:59"),
    # New Year across years: 2025-12-31 (Wed) → 2026-01-01 is a holiday (01-01..01-03 off), 01-04 (Sun) a
    # make-up workday: 01-04 and 01-05.
    ("2025-12-31 16:00", "2026-01-05 23:59:59"),
    # 00:30 on a Monday in Shanghai is still Sunday in UTC; the Shanghai date counts.
    ("2025-11-17 00:30", "2025-11-19 23:59:59"),
])
def test_deadlines_on_the_real_calendar(app, departments, submitted, due):
    _, _, due_at, provisional = submit(app, submitted)
    assert due_at == at(due)
    assert provisional is False


def test_routing_to_the_policy_department_else_triage(app, client, departments, make_policy):
    policy = make_policy()
    with app.app_context():
        routed = service.submit_consultation({"question": "关于该政策的申报条件？", "contact_name": "李",
                                              "email": "li@example.com", "policy_id": policy["id"]})
        triaged = service.submit_consultation({"question": "一般性问题咨询？", "contact_name": "王",
                                               "mobile": "13800001111"})
        assert routed.department.code == "gxj"
        assert triaged.department.code == "yshj"


def test_provisional_year_then_recomputed_after_the_schedule_is_loaded(app, client, departments, make_user,
                                                                      bearer, tmp_path):
    # 2027 is beyond chinesecalendar's data: weekends and computed holidays (除夕 02-05, 春节 02-06..08) off.
    consultation_id, _, due_at, provisional = submit(app, "2027-02-03 10:00")
    assert (due_at, provisional) == (at("2027-02-09 23:59:59"), True)
    schedule = tmp_path / "2027.txt"
    schedule.write_text("# test schedule\n2027-02-04..2027-02-11 off 春节\n2027-02-13 on 春节调休\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "load", str(schedule), "--year", "2027"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        # 02-12 (Fri) is the first working day after 02-03 now, the make-up Saturday 02-13 the second.
        assert consultation.due_at.astimezone(SH) == at("2027-02-13 23:59:59")
        assert consultation.due_provisional is False
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.load_year"))


def test_override_via_api_recomputes_open_deadlines(app, client, departments, make_user, bearer):
    admin = bearer(make_user("admin", "admin", None))
    consultation_id, _, due_at, _ = submit(app, "2025-11-18 10:00")
    assert due_at == at("2025-11-20 23:59:59")
    response = client.put("/api/v1/calendar/overrides/2025-11-19", headers=admin,
                          json={"workday": False, "note": "临时停工"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["open_deadlines_changed"] == 1
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).due_at.astimezone(SH) == at("2025-11-21 23:59:59")
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.override"))
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.recompute_deadlines"))
    assert client.put("/api/v1/calendar/overrides/2025-11-19", json={"workday": False}).status_code == 401
    bad = client.put("/api/v1/calendar/overrides/2025-13-40", headers=admin, json={"workday": "yes"})
    assert bad.status_code == 422 and "date" in bad.get_json()["error"]["fields"]
    strict = client.put("/api/v1/calendar/overrides/2025-11-20", headers=admin, json={"workday": "yes"})
    assert strict.status_code == 422 and "workday" in strict.get_json()["error"]["fields"]


def test_deadline_endpoint(client):
    body = client.get("/api/v1/calendar/deadline", query_string={"submitted_at": "2025-09-30T10:00:00+08:00"})
    assert body.get_json()["due_at"] == "2025-10-10T15:59:59+00:00"
    assert body.get_json()["provisional"] is False
    far = client.get("/api/v1/calendar/deadline", query_string={"submitted_at": "2031-10-01T09:00:00Z"}).get_json()
    assert far["provisional"] is True
    for bad in ("", "2025-09-30T10:00:00", "tomorrow", "9999-12-31T23:59:59+00:00"):
        response = client.get("/api/v1/calendar/deadline", query_string={"submitted_at": bad})
        assert response.status_code == 422, bad
        assert "submitted_at" in response.get_json()["error"]["fields"]


def test_api_submit_and_answer_on_time(app, client, departments, make_user, bearer):
    response = client.post("/api/v1/consultations", json={
        "question": "请问专精特新中小企业奖励的申报时间？", "contact_name": "赵", "email": "zhao@example.com"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "open" and body["tracking_code"].startswith("ZX")
    check = client.get("/api/v1/calendar/deadline", query_string={"submitted_at": body["submitted_at"]}).get_json()
    assert body["due_at"] == check["due_at"]
    answerer = bearer(make_user("answerer", "answerer", "yshj"))
    answered = client.post(f"/api/v1/consultations/{body['id']}/answer", headers=answerer,
                           json={"answer": "申报时间为每年 3 月，详见通知。"})
    assert answered.status_code == 200
    assert answered.get_json()["on_time"] is True
    again = client.post(f"/api/v1/consultations/{body['id']}/answer", headers=answerer, json={"answer": "再答"})
    assert again.status_code == 409
    with app.app_context():
        notice = db.session.scalar(select(Notification).where(Notification.kind == "consultation_answered"))
        assert notice.channel == "email" and notice.recipient == "zhao@example.com"
        assert f"/consultations/{body['tracking_code']}?t=" in notice.body_text


def test_late_answer_is_recorded_late(app, departments, make_user):
    make_user("answerer", "answerer", "yshj")
    consultation_id, *_ = submit(app, "2025-11-18 10:00")
    with app.app_context():
        from policyhub.models import User

        user = db.session.scalar(select(User).where(User.username == "answerer"))
        consultation = service.answer_consultation(user, db.session.get(Consultation, consultation_id), "迟到的答复",
                                                   now=at("2025-11-21 09:00"))
        assert consultation.on_time is False


def test_answerer_of_another_department_is_refused(client, departments, make_user, bearer):
    body = client.post("/api/v1/consultations", json={"question": "一般性问题咨询？", "contact_name": "王",
                                                      "mobile": "13800001111"}).get_json()
    other = bearer(make_user("gxj-answerer", "answerer", "gxj"))
    response = client.post(f"/api/v1/consultations/{body['id']}/answer", headers=other, json={"answer": "答复"})
    assert response.status_code == 403


@pytest.mark.parametrize("fields, field, reason", [
    ({"question": "短"}, "question", "至少"),
    ({"question": "问" * 2001}, "question", "最多 2000"),
    ({"contact_name": ""}, "contact_name", "必填"),
    ({"mobile": "", "email": ""}, "mobile", "至少填写一项"),
    ({"mobile": "1234"}, "mobile", ""),
    ({"mobile": "", "email": "not-an-email"}, "email", ""),
    ({"credit_code": "91371600MA3C123456"}, "credit_code", ""),
    ({"policy_id": 999999}, "policy_id", "不存在"),
    ({"policy_id": "abc"}, "policy_id", "整数"),
    ({"attachment": "x"}, "attachment", "未知"),
    ({"question": ["not", "text"]}, "question", "文本"),
])
def test_bad_input_names_the_field_and_stores_nothing(app, client, departments, fields, field, reason):
    body = {"question": "请问如何申报？", "contact_name": "张", "mobile": "13800001234"} | fields
    response = client.post("/api/v1/consultations", json=body)
    assert response.status_code == 422, response.get_json()
    assert reason in response.get_json()["error"]["fields"][field]
    with app.app_context():
        assert db.session.scalar(select(func.count(Consultation.id))) == 0


def test_burst_is_rate_limited_per_contact_and_per_address(make_app, make_department):
    app = make_app(RATELIMIT_ENABLED=True)
    make_department("yshj", "营商办")
    client = app.test_client()
    body = {"question": "请问如何申报？", "contact_name": "张", "mobile": "13800001234"}
    codes = [client.post("/api/v1/consultations", json=body).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]  # 3 per 10 minutes for one contact
    others = [client.post("/api/v1/consultations", json=body | {"mobile": f"1380000{i:04d}"}).status_code
              for i in range(3)]
    assert others == [201, 201, 429]  # 5 per minute from one address, the refused one included
    assert client.post("/api/v1/consultations", json=body).get_json()["error"]["code"] == "too_many_requests"


def test_reassign_with_reason(app, client, departments, make_user, bearer):
    consultation_id, *_ = submit(app, "2025-11-18 10:00")
    supervisor = bearer(make_user("boss", "supervisor", "yshj"))
    response = client.post(f"/api/v1/consultations/{consultation_id}/reassign", headers=supervisor,
                           json={"department": "gxj", "reason": "属工信局职责"})
    assert response.status_code == 200
    assert response.get_json()["department"]["code"] == "gxj"
    no_reason = client.post(f"/api/v1/consultations/{consultation_id}/reassign", headers=supervisor,
                            json={"department": "yshj", "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.reassign"))
        assert event.details == {"before": "yshj", "after": "gxj", "reason": "属工信局职责"}


def test_supplement_pauses_and_restarts_the_clock(app, departments, make_user):
    make_user("answerer", "answerer", "yshj")
    consultation_id, *_ = submit(app, "2025-11-18 10:00")
    with app.app_context():
        from policyhub.models import User

        user = db.session.scalar(select(User).where(User.username == "answerer"))
        consultation = db.session.get(Consultation, consultation_id)
        service.request_supplement(user, consultation, "请补充营业执照复印件")
        assert service.view_status(consultation, at("2025-11-25 10:00")) == "awaiting_supplement"
        service.submit_supplement(consultation, "已补充营业执照。", now=at("2025-11-27 20:00"))
        # Thursday evening: Friday 11-28 and Monday 12-01.
        assert consultation.due_at.astimezone(SH) == at("2025-12-01 23:59:59")
        assert consultation.status == "open"


def test_list_by_status(app, client, departments, make_user, bearer):
    submit(app, "2025-11-18 10:00")
    staff = bearer(make_user("boss", "supervisor", "yshj"))
    assert client.get("/api/v1/consultations?status=overdue", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/consultations?status=open", headers=staff).get_json()["total"] == 0
    assert client.get("/api/v1/consultations?status=late", headers=staff).status_code == 422
    assert client.get("/api/v1/consultations").status_code == 401


def test_the_admin_banner_names_the_years_ahead_that_no_schedule_covers(app):
    from notifier.workcal import library_years
    from policyhub.services.calendar import provisional_years_ahead

    last_known = library_years()[-1]
    with app.app_context():
        assert provisional_years_ahead(datetime(last_known, 12, 2, tzinfo=SH)) == [last_known + 1]
        assert provisional_years_ahead(datetime(last_known - 1, 12, 2, tzinfo=SH)) == []
        assert provisional_years_ahead(datetime(last_known + 3, 1, 2, tzinfo=SH)) == [last_known + 3, last_known + 4]


def test_the_receipt_goes_at_once_with_code_deadline_in_words_and_status_link(app, client, departments):
    # Tuesday 2026-12-01 → due Thursday 12-03; asked on a phone, so the receipt is an SMS.
    consultation_id, code, _, _ = submit(app, "2026-12-01 10:00")
    _, email_code, _, _ = submit(app, "2026-12-02 10:00", mobile=None, email="li@example.com")  # due Fri 12-04
    with app.app_context():
        sms = db.session.scalar(select(Notification).where(Notification.consultation_id == consultation_id))
        assert (sms.kind, sms.channel, sms.recipient) == ("consultation_received", "sms", "13800001234")
        assert code in sms.body_text and "12月3日（周四）24时前" in sms.body_text
        link = sms.body_text.split()[-1]
        mail = db.session.scalar(select(Notification).where(Notification.recipient == "li@example.com"))
        assert mail.channel == "email" and email_code in mail.subject and "12月4日（周五）24时前" in mail.body_text
    path = link.removeprefix(app.config["BASE_URL"])
    assert path.startswith(f"/consultations/{code}?t=")
    assert code in client.get(path).get_data(as_text=True)


def test_a_supplement_request_reaches_the_enterprise_with_the_question(app, departments, make_user):
    make_user("answerer", "answerer", "yshj")
    consultation_id, code, *_ = submit(app, "2025-11-18 10:00")
    with app.app_context():
        from policyhub.models import User

        user = db.session.scalar(select(User).where(User.username == "answerer"))
        service.request_supplement(user, db.session.get(Consultation, consultation_id), "请补充营业执照复印件",
                                   now=at("2025-11-19 10:00"))
        db.session.commit()
        notice = db.session.scalar(select(Notification).where(Notification.kind == "supplement_requested"))
        assert notice.channel == "sms" and notice.recipient == "13800001234"
        assert "请补充营业执照复印件" in notice.body_text and f"/consultations/{code}?t=" in notice.body_text


def test_staff_look_up_by_phone_or_code_within_what_they_may_see(app, client, departments, make_user, bearer):
    _, code, *_ = submit(app, "2025-11-18 10:00")
    submit(app, "2025-11-18 11:00", mobile="13911112222")
    staff = bearer(make_user("boss", "supervisor", "yshj"))
    by_phone = client.get("/api/v1/consultations?q=13800001234", headers=staff).get_json()
    assert by_phone["total"] == 1 and by_phone["items"][0]["tracking_code"] == code
    assert client.get("/api/v1/consultations?q=2222", headers=staff).get_json()["total"] == 1
    assert client.get(f"/api/v1/consultations?q={code.lower()}", headers=staff).get_json()["total"] == 1
    bad = client.get("/api/v1/consultations?q=张", headers=staff)
    assert bad.status_code == 422 and "q" in bad.get_json()["error"]["fields"]
    other = bearer(make_user("other", "answerer", "gxj"))  # routed to yshj (triage): not visible to gxj
    assert client.get("/api/v1/consultations?q=13800001234", headers=other).get_json()["total"] == 0
    make_user("desk", "answerer", "yshj", password="correct-horse-battery")
    client.post("/login", data={"username": "desk", "password": "correct-horse-battery"})
    page = client.get("/staff/consultations?q=1234")
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    assert client.get("/staff/consultations?q=ab").status_code == 422
