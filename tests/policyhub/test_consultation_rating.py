"""好差评: the signed link in the answer message, the five levels, a 差评's follow-up clock, the dashboard figures."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Consultation, Notification, User
from policyhub.services import consultations as service
from policyhub.services.errors import Conflict, Invalid
from policyhub.services.sla_report import Period, summary

SH = ZoneInfo("Asia/Shanghai")
PASSWORD = "correct-horse-battery"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def desk(make_user, make_department):
    make_department("yshj", "滨州市优化营商环境办公室")
    make_department("gxj", "滨州市工业和信息化局")
    make_user("answerer", "answerer", "yshj", password=PASSWORD)
    make_user("boss", "supervisor", "yshj", password=PASSWORD)


def answered(app, when="2025-11-18 10:00", answer_at="2025-11-19 10:00", **fields):
    data = {"question": "请问技术改造补贴的申报材料有哪些？", "contact_name": "张经理", "email": "zhang@example.com"}
    with app.app_context():
        consultation = service.submit_consultation(data | fields, now=at(when))
        user = db.session.scalar(select(User).where(User.username == "answerer"))
        service.answer_consultation(user, consultation, "请提交项目备案、合同和发票。", now=at(answer_at))
        db.session.commit()
        return consultation.id, consultation.tracking_code


def test_the_answer_message_links_to_a_rating_page_and_a_bad_rating_opens_a_follow_up(app, client, desk):
    consultation_id, code = answered(app)
    with app.app_context():
        notice = db.session.scalar(select(Notification).where(Notification.kind == "consultation_answered"))
        link = re.search(r"(http\S+/rate\?r=\S+)", notice.body_text).group(1)
    path = link.removeprefix(app.config["BASE_URL"])
    page = client.get(path).get_data(as_text=True)
    assert "请提交项目备案、合同和发票。" in page
    assert [label in page for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意")] == [True] * 5
    assert client.get(f"/consultations/{code}/rate?r=forged").status_code == 404
    bad = client.post(f"/consultations/{code}/rate", data={"r": path.split("r=")[1], "score": "9"})
    assert bad.status_code == 422 and "1 到 5" in bad.get_data(as_text=True)
    done = client.post(f"/consultations/{code}/rate", data={"r": path.split("r=")[1], "score": "2",
                                                           "comment": "答复太笼统"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "您的评价：<strong>不满意</strong>" in text and "回访整改" in text
    again = client.post(f"/consultations/{code}/rate", data={"r": path.split("r=")[1], "score": "5"})
    assert again.status_code == 409
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert (consultation.rating, consultation.rating_comment) == (2, "答复太笼统")
        assert consultation.followup_due_at is not None and consultation.followup_closed_at is None
    client.post("/login", data={"username": "answerer", "password": PASSWORD})
    staff = client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)
    assert "不满意：答复太笼统" in staff and "待回访整改" in staff
    client.post(f"/staff/consultations/{consultation_id}/followup", data={"note": "已电话回访，补充了申报指南。"})
    assert "已电话回访，补充了申报指南。" in client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)


def test_the_follow_up_clock_is_two_working_days_from_the_rating(app, desk):
    consultation_id, _ = answered(app)
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        with pytest.raises(Invalid) as wrong:
            service.rate(consultation, True, now=at("2025-11-21 16:00"))
        assert "score" in wrong.value.fields and consultation.rating is None
        service.rate(consultation, 1, "没有解决", now=at("2025-11-21 16:00"))  # Friday → Monday, Tuesday
        assert consultation.followup_due_at.astimezone(SH) == at("2025-11-25 23:59:59")
        with pytest.raises(Conflict):
            service.rate(consultation, 5, now=at("2025-11-21 17:00"))
    good_id, _ = answered(app, mobile="13800001234", email=None)
    with app.app_context():
        good = db.session.get(Consultation, good_id)
        service.rate(good, 4, now=at("2025-11-21 16:00"))
        assert good.followup_due_at is None
        db.session.commit()


def test_the_dashboard_shows_satisfaction_beside_timeliness_and_ranks_on_both(app, desk):
    first, _ = answered(app)
    second, _ = answered(app, mobile="13800001234", email=None)
    third, _ = answered(app, mobile="13800005678", email=None)
    with app.app_context():
        for consultation_id, score in ((first, 5), (second, 4), (third, 1)):
            service.rate(db.session.get(Consultation, consultation_id), score, now=at("2025-11-20 10:00"))
        db.session.commit()
        period = Period(at("2025-11-01 00:00"), at("2025-12-01 00:00"))
        before = summary(at("2025-11-21 10:00"), period)  # follow-up due Monday 11-24
        after = summary(at("2025-11-25 10:00"), period)
    assert before["rated"] == 3 and before["satisfaction_rate"] == round(2 / 3, 4)
    assert (before["followups_open"], before["followups_overdue"]) == (1, 0)
    assert after["followups_overdue"] == 1
    yshj = next(d for d in after["departments"] if d["code"] == "yshj")
    assert yshj["satisfaction_rate"] == round(2 / 3, 4) and yshj["satisfaction_rank"] == 1
    assert yshj["on_time_rate"] == 1.0 and yshj["rank"] == 1


def test_the_rating_api_takes_the_signed_token_or_the_contact(app, client, desk):
    consultation_id, code = answered(app)
    from policyhub.services.tokens import rating_token

    with app.app_context():
        token = rating_token(consultation_id)
    url = f"/api/v1/consultations/{code}/rating"
    assert client.post(url, json={"score": 3, "token": "forged"}).status_code == 404
    assert client.post(url, json={"score": 3, "contact": "other@example.com"}).status_code == 404
    assert client.post(url, json={"score": 3}).status_code == 404
    bad = client.post(url, json={"score": 6, "token": token})
    assert bad.status_code == 422 and "score" in bad.get_json()["error"]["fields"]
    done = client.post(url, json={"score": 1, "comment": "没解决", "token": token})
    assert done.status_code == 201 and done.get_json()["followup_due_at"]
    assert client.post(url, json={"score": 5, "contact": "zhang@example.com"}).status_code == 409
    other_id, other_code = answered(app, mobile="13800001234", email=None)
    ok = client.post(f"/api/v1/consultations/{other_code}/rating", json={"score": 5, "contact": "13800001234"})
    assert ok.status_code == 201 and ok.get_json()["followup_due_at"] is None
    # A token for one consultation does not rate another.
    assert client.post(f"/api/v1/consultations/{other_code}/rating", json={"score": 5, "token": token}).status_code == 404


def test_the_dashboard_lists_each_open_follow_up_until_the_department_closes_it(app, client, desk):
    bad_id, bad_code = answered(app)
    good_id, good_code = answered(app, mobile="13800001234", email=None)
    with app.app_context():
        service.rate(db.session.get(Consultation, bad_id), 2, "答复太笼统", now=at("2025-11-20 10:00"))
        service.rate(db.session.get(Consultation, good_id), 5, now=at("2025-11-20 10:00"))
        db.session.commit()
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    page = client.get("/staff/sla").get_data(as_text=True)
    listed = page[page.index('id="followup-list"'):]
    assert bad_code in listed and "不满意：答复太笼统" in listed and "2025-11-24" in listed
    assert good_code not in listed
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "answerer"))
        service.close_followup(user, db.session.get(Consultation, bad_id), "已电话回访。", now=at("2025-11-21 10:00"))
        db.session.commit()
    page = client.get("/staff/sla").get_data(as_text=True)
    listed = page[page.index('id="followup-list"'):]
    assert bad_code not in listed and "暂无待回访整改" in listed
