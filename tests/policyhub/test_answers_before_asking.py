"""Answers before asking: as a question is typed (API) or looked up without script (the form's button), the
published Q&A and the policy passages that answer it; nothing unpublished, withdrawn or personal is shown."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AnswerVisit, Consultation, User, utcnow
from policyhub.services import consultations as service
from policyhub.services.answers import answers_before_asking
from policyhub.services.sla_report import Period, summary

SUBSIDY = ("滨州市技术改造补贴实施细则", "对企业实施技术改造项目，按设备投资额的10%给予补贴。申报材料包括项目备案证明、设备购置发票和审计报告，"
           "每年3月集中受理。")
HOUSING = ("滨州市人才公寓管理办法", "引进的高层次人才可申请人才公寓，需提交身份证明和劳动合同，租期三年。")


@pytest.fixture
def library(app, make_policy, make_user):
    """Two published policies; on the subsidy one a published Q&A and an answered one not published."""
    make_user("answerer", "answerer", "gxj")
    subsidy = make_policy(title=SUBSIDY[0], body=SUBSIDY[1])
    housing = make_policy(title=HOUSING[0], body=HOUSING[1])
    ids = {"subsidy": subsidy["id"], "housing": housing["id"]}
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "answerer"))

        def answered(question: str, answer: str, policy_id: int, publish: bool) -> int:
            consultation = service.submit_consultation({"question": question, "contact_name": "张经理",
                                                        "mobile": "13800001234", "policy_id": policy_id})
            service.answer_consultation(user, consultation, answer)
            if publish:
                service.publish_as_qa(user, consultation)
            return consultation.id

        ids["qa"] = answered("我是张经理，电话13812345678，请问技术改造补贴的申报材料有哪些？",
                             "技术改造补贴的申报材料为项目备案证明、设备购置发票和审计报告。", subsidy["id"], True)
        ids["private"] = answered("技术改造补贴申报材料能否晚些交？", "可以在受理期内补交申报材料。", subsidy["id"], False)
        ids["housing_qa"] = answered("人才公寓租期多长？", "人才公寓租期三年。", housing["id"], True)
        db.session.commit()
    return ids


def test_the_api_offers_the_published_answer_and_the_policy_passage(client, library):
    found = client.get("/api/v1/answers", query_string={"q": "你好，技术改造补贴要交哪些申报材料"})
    assert found.status_code == 200
    body = found.get_json()
    assert [qa["id"] for qa in body["qa"]] == [library["qa"]]
    qa = body["qa"][0]
    # As published: reviewed and masked, never the asker's name or number.
    assert "138****5678" in qa["question"] and "13812345678" not in found.get_data(as_text=True)
    assert "张经理" not in found.get_data(as_text=True)
    assert qa["url"] == f"/policies/{library['subsidy']}#qa-{library['qa']}"
    assert qa["policy"] == {"id": library["subsidy"], "title": SUBSIDY[0]}
    assert [p["id"] for p in body["policies"]] == [library["subsidy"]]
    assert "<mark>申报材料</mark>" in body["policies"][0]["passage"]
    assert f'id="qa-{library["qa"]}"' in client.get(f"/policies/{library['subsidy']}").get_data(as_text=True)

    housing = client.get("/api/v1/answers", query_string={"q": "人才公寓租期是多久"}).get_json()
    assert [qa["id"] for qa in housing["qa"]] == [library["housing_qa"]]
    assert [p["id"] for p in housing["policies"]] == [library["housing"]]
    for nothing in ("你好，请问一下", "", "出口退税怎么办理"):
        assert client.get("/api/v1/answers", query_string={"q": nothing}).get_json() == {"qa": [], "policies": []}
    too_long = client.get("/api/v1/answers", query_string={"q": "补" * 2001})
    assert too_long.status_code == 422 and "q" in too_long.get_json()["error"]["fields"]


def test_a_withdrawn_policy_takes_its_answers_with_it(app, client, library, editor_token, bearer):
    withdrawn = client.post(f"/api/v1/policies/{library['subsidy']}/withdraw", headers=bearer(editor_token),
                            json={"reason": "已废止"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    with app.app_context():
        found = answers_before_asking("技术改造补贴的申报材料有哪些", utcnow())
    assert not found and found.qa == [] and found.policies == []


def test_without_script_the_form_shows_the_answers_and_sends_nothing(app, client, library):
    form = client.get("/consultations/new").get_data(as_text=True)
    assert 'src="/static/answers.js"' in form and 'data-endpoint="/api/v1/answers"' in form
    assert 'name="action" value="suggest"' in form
    looked = client.post("/consultations/new", data={"question": "技术改造补贴要交哪些申报材料？", "action": "suggest",
                                                     "contact_name": "", "mobile": ""})
    page = looked.get_data(as_text=True)
    assert looked.status_code == 200
    assert f'href="/consultations/answers/qa/{library["qa"]}?v=' in page
    assert "技术改造补贴的申报材料为项目备案证明" in page and "<mark>申报材料</mark>" in page
    assert "技术改造补贴要交哪些申报材料？</textarea>" in page  # kept as typed
    assert "必填" not in page  # a look, not a submission: no field errors
    none = client.post("/consultations/new", data={"question": "出口退税怎么办理？", "action": "suggest"})
    assert "暂未找到相近的已有解答" in none.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 3  # the fixture's only
    asked = client.post("/consultations/new", data={"question": "技术改造补贴要交哪些申报材料？", "contact_name": "李",
                                                    "mobile": "13900001111"})
    assert asked.status_code == 200 and "查询码" in asked.get_data(as_text=True)


def visit_of(page: str) -> str:
    return re.search(r'name="visit" value="([\w-]{16})"', page).group(1)


def test_an_opened_answer_is_counted_and_ends_the_visit_unless_a_question_follows(app, client, library, make_user):
    first = client.get("/consultations/new").get_data(as_text=True)
    visit = visit_of(first)
    assert f'data-visit="{visit}"' in first and 'data-opened="/consultations/answers/"' in first
    looked = client.post("/consultations/new", data={"question": "技术改造补贴要交哪些申报材料？", "action": "suggest",
                                                     "visit": visit}).get_data(as_text=True)
    assert visit_of(looked) == visit  # the same showing of the form
    link = f"/consultations/answers/qa/{library['qa']}?v={visit}"
    assert f'href="{link}"' in looked
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/policies/{library['subsidy']}#qa-{library['qa']}")
    again = client.get(f"/consultations/answers/policy/{library['subsidy']}?v={visit}")
    assert again.headers["Location"].endswith(f"/policies/{library['subsidy']}")
    for wrong in (f"/consultations/answers/qa/{library['private']}?v={visit}",  # answered, never published
                  f"/consultations/answers/faq/{library['qa']}?v={visit}", "/consultations/answers/policy/999999"):
        assert client.get(wrong).status_code == 404, wrong
    assert client.get(f"/consultations/answers/qa/{library['qa']}?v=short").status_code == 302  # not counted
    with app.app_context():
        visits = db.session.scalars(select(AnswerVisit)).all()
        assert [(v.token, v.clicks, v.last_kind, v.asked_at) for v in visits] == [(visit, 2, "policy", None)]

    # Another visit opens an answer, then asks all the same.
    second = visit_of(client.get("/consultations/new").get_data(as_text=True))
    assert second != visit
    client.get(f"/consultations/answers/qa/{library['housing_qa']}?v={second}")
    asked = client.post("/consultations/new", data={"question": "人才公寓租期到期后能续租吗？", "contact_name": "李",
                                                    "mobile": "13900001111", "visit": second})
    assert asked.status_code == 200 and "查询码" in asked.get_data(as_text=True)
    now = utcnow()
    with app.app_context():
        assert db.session.scalar(select(AnswerVisit).where(AnswerVisit.token == second)).asked_at is not None
        period = Period(now - timedelta(days=1), now + timedelta(hours=2))
        # Still within the visit, nothing has ended yet; half an hour on, the first visit ended without a question.
        assert summary(now, period)["answers_before_asking"] == {"visits_opened_answer": 2, "ended_without_question": 0}
        later = summary(now + timedelta(minutes=31), period)["answers_before_asking"]
        assert later == {"visits_opened_answer": 2, "ended_without_question": 1}
    make_user("boss", "supervisor", "yshj", password="correct-horse-battery")
    client.post("/login", data={"username": "boss", "password": "correct-horse-battery"})
    board = client.get("/staff/sla").get_data(as_text=True)
    assert re.search(r'id="ended-by-answers">0</b><span>看了已有解答未再提问（打开已有解答 2 次）', board), board


def test_looking_at_answers_does_not_use_up_the_limit_on_questions(make_app, make_department):
    app = make_app(RATELIMIT_ENABLED=True)
    make_department("yshj", "滨州市优化营商环境办公室")
    client = app.test_client()
    form = {"question": "技术改造补贴要交哪些申报材料？", "contact_name": "张", "mobile": "13800001234"}
    looks = [client.post("/consultations/new", data=form | {"action": "suggest"}).status_code for _ in range(8)]
    assert looks == [200] * 8  # beyond the 3 questions per contact and 5 per minute per address
    asked = client.post("/consultations/new", data=form)
    assert asked.status_code == 200 and "查询码" in asked.get_data(as_text=True)


def test_latin_letters_match_in_any_case(app, client, library):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "answerer"))
        consultation = service.submit_consultation({"question": "通过ISO9001认证有奖励吗？", "contact_name": "王",
                                                    "mobile": "13800001234", "policy_id": library["subsidy"]})
        service.answer_consultation(user, consultation, "通过ISO9001质量管理体系认证的企业给予一次性奖励。")
        service.publish_as_qa(user, consultation)
        db.session.commit()
        qa_id = consultation.id
    found = client.get("/api/v1/answers", query_string={"q": "iso9001"}).get_json()
    assert [qa["id"] for qa in found["qa"]] == [qa_id]
