"""Consultation pages: the public form and status page, the inbox, answering, Q&A, and hostile text."""

import re

import pytest
from sqlalchemy import select

from notifier.workcal import library_years
from policyhub.extensions import db
from policyhub.models import Consultation, utcnow
from policyhub.services.tokens import status_token
from policyhub.timeutil import local_date

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)">'


@pytest.fixture
def answerer(make_user, make_department):
    make_department("yshj", "滨州市优化营商环境办公室")
    make_user("answerer", "answerer", "gxj", password="correct-horse-battery")


def ask(client, **fields):
    data = {"question": "请问技术改造补贴的申报材料有哪些？", "contact_name": "张经理", "mobile": "13800001234"} | fields
    return client.post("/consultations/new", data=data)


def test_form_gives_tracking_code_and_deadline(client, answerer):
    page = client.get("/consultations/new").get_data(as_text=True)
    assert "政策咨询" in page and "2 个工作日" in page
    response = ask(client)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    code = re.search(r'class="tracking">(ZX\w+)<', text).group(1)
    assert re.search(r'class="deadline">\d{4}年\d{2}月\d{2}日 23:59<', text)
    link = re.search(r'href="(/consultations/ZX\w+\?t=[^"]+)"', text).group(1)
    status = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert code in status and "办理中" in status


def test_form_errors_next_to_fields(client, answerer):
    response = ask(client, question="短", mobile="123", email="")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for name in ("question", "mobile"):
        block = re.search(rf'<div class="field has-error">\s*<label for="{name}">.*?</div>', text, re.S)
        assert block and 'class="error"' in block.group(0), name


def test_lookup_needs_the_right_contact(client, app, answerer):
    ask(client)
    with app.app_context():
        code = db.session.scalar(select(Consultation.tracking_code))
    wrong = client.post("/consultations/status", data={"tracking_code": code, "contact": "13999999999"})
    assert wrong.status_code == 404
    right = client.post("/consultations/status", data={"tracking_code": code.lower(), "contact": "138 0000 1234"})
    assert right.status_code == 302
    assert client.get("/consultations/" + code + "?t=forged").status_code == 404


def test_answer_in_the_inbox_shows_on_the_status_page_and_as_qa(client, app, answerer, make_policy, make_user):
    policy = make_policy()
    ask(client, policy_id=str(policy["id"]))
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        consultation_id, code = consultation.id, consultation.tracking_code
        token = status_token(consultation.id)
    client.post("/login", data={"username": "answerer", "password": "correct-horse-battery"})
    inbox = client.get("/staff/consultations").get_data(as_text=True)
    assert code in inbox
    done = client.post(f"/staff/consultations/{consultation_id}/answer",
                       data={"answer": "请提交项目备案、合同和发票。"}, follow_redirects=True)
    assert "已答复" in done.get_data(as_text=True)
    status = client.get(f"/consultations/{code}?t={token}").get_data(as_text=True)
    assert "请提交项目备案、合同和发票。" in status and "已按时答复" in status
    client.post(f"/staff/consultations/{consultation_id}/publish-qa")
    public = client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    assert "政策问答" in public and "请提交项目备案、合同和发票。" in public


def test_hostile_text_stays_inert_everywhere(client, app, answerer, make_user):
    ask(client, question=HOSTILE + "请问如何申报", contact_name=HOSTILE[:40])
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        token = status_token(consultation.id)
        consultation_id, code = consultation.id, consultation.tracking_code
    pages = [client.get(f"/consultations/{code}?t={token}").get_data(as_text=True)]
    make_user("boss", "supervisor", "yshj", password="correct-horse-battery")
    client.post("/login", data={"username": "boss", "password": "correct-horse-battery"})
    pages += [client.get(url).get_data(as_text=True) for url in
              ("/staff/consultations", f"/staff/consultations/{consultation_id}", "/staff/sla")]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in pages[0]


def test_calendar_page_for_admins(client, make_user):
    make_user("admin", "admin", None, password="correct-horse-battery")
    client.post("/login", data={"username": "admin", "password": "correct-horse-battery"})
    page = client.get("/staff/calendar").get_data(as_text=True)
    # This year and next: a year that neither chinesecalendar nor a loaded schedule covers gets the banner.
    today = local_date(utcnow())
    provisional = [y for y in (today.year, today.year + 1) if y not in library_years()]
    for year in provisional:
        assert f"{year} 年放假安排尚未载入" in page
    if not provisional:
        assert "年放假安排尚未载入" not in page
    saved = client.post("/staff/calendar", data={"action": "override", "override-day": "2026-12-31",
                                                 "override-workday": "0", "override-note": "测试"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已保存" in saved and "2026-12-31" in saved


def test_qa_is_reviewed_before_publishing_with_personal_details_masked(client, app, answerer, make_policy):
    from policyhub.services.consultations import mask_personal

    assert mask_personal("张经理，电话13812345678，代码91371600MA3C1234X5", ("张经理",)) == \
        "张**，电话138****5678，代码91************34X5"
    policy = make_policy()
    ask(client, policy_id=str(policy["id"]), question="您好，我是张经理，电话13812345678，请问补贴怎么申报？")
    with app.app_context():
        consultation_id = db.session.scalar(select(Consultation)).id
    client.post("/login", data={"username": "answerer", "password": "correct-horse-battery"})
    client.post(f"/staff/consultations/{consultation_id}/answer", data={"answer": "张经理您好，请提交项目备案。"})
    detail = client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)
    preview = detail[detail.index('id="qa-preview"'):]
    assert "138****5678" in preview and "张**" in preview and "13812345678" not in preview
    empty = client.post(f"/staff/consultations/{consultation_id}/publish-qa",
                        data={"published": "1", "qa_question": "", "qa_answer": "答复"}, follow_redirects=True)
    assert "必填" in empty.get_data(as_text=True)
    assert "政策问答" not in client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    client.post(f"/staff/consultations/{consultation_id}/publish-qa", data={
        "published": "1", "qa_question": "请问补贴怎么申报？联系13812345678", "qa_answer": "请提交项目备案。"})
    public = client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    assert "请问补贴怎么申报？联系138****5678" in public and "请提交项目备案。" in public
    assert "张经理" not in public and "13812345678" not in public
