"""The supplement round through the API: staff ask (补充材料), the enterprise replies with text and files, the clock
restarts from the reply; every refusal names its field and changes nothing."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Consultation, ConsultationFile, ConsultationTurn, Notification

SH = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def desk(make_user, make_department, bearer):
    make_department("yshj", "滨州市优化营商环境办公室")
    return {"answerer": bearer(make_user("answerer", "answerer", "yshj")),
            "outsider": bearer(make_user("outsider", "answerer", "gxj")),
            "editor": bearer(make_user("yshj-editor", "editor", "yshj"))}


def ask(client, when: str = "2025-09-26 10:00", **contact) -> dict:
    with time_machine.travel(at(when), tick=False):
        made = client.post("/api/v1/consultations", json={
            "question": "请问技术改造补贴需要哪些申报材料？", "contact_name": "张经理",
            **(contact or {"mobile": "13800001234"})})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def ask_for_supplement(client, desk, consultation: dict, when: str = "2025-09-29 10:00"):
    with time_machine.travel(at(when), tick=False):
        return client.post(f"/api/v1/consultations/{consultation['id']}/supplement-request",
                           json={"request": "请补充项目备案证明"}, headers=desk["answerer"])


def status_link_token(app, consultation_id: int) -> str:
    """The `t` of the status link in the message that told the enterprise what to supplement."""
    with app.app_context():
        told = db.session.scalar(select(Notification).where(Notification.kind == "supplement_requested",
                                                            Notification.consultation_id == consultation_id))
        assert "请补充项目备案证明" in told.body_text
        return re.search(r"[?&]t=([\w.\-]+)", told.body_text).group(1)


def test_the_enterprise_replies_with_a_file_through_the_api_and_the_clock_restarts_from_the_reply(
        app, client, desk, documents):
    consultation = ask(client)
    asked = ask_for_supplement(client, desk, consultation)
    assert asked.status_code == 200, asked.get_json()
    assert asked.get_json()["status"] == "awaiting_supplement"
    assert [t["kind"] for t in asked.get_json()["turns"]] == ["supplement_request"]
    token = status_link_token(app, consultation["id"])
    pdf = documents["pdf"](["项目备案证明"])
    # Tuesday 30 September 2025: 1-8 October are the National Day holiday, so the two working days are 9 and 10 October.
    with time_machine.travel(at("2025-09-30 15:00"), tick=False):
        reply = client.post(f"/api/v1/consultations/{consultation['tracking_code']}/supplement",
                            content_type="multipart/form-data",
                            data={"token": token, "supplement": "已附项目备案证明和现场照片。",
                                  "files": [(io.BytesIO(pdf), "备案证明.pdf"), (io.BytesIO(PNG), "现场.png")]})
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    assert body["status"] == "open" and body["clock_round"] == 2
    assert datetime.fromisoformat(body["due_at"]).astimezone(SH) == at("2025-10-10 23:59:59")
    assert [(f["filename"], f["kind"], f["size"]) for f in body["files"]] == [
        ("备案证明.pdf", "pdf", len(pdf)), ("现场.png", "png", len(PNG))]
    # The first deadline (Monday 29 September: Sunday the 28th was a 调休 working day) has passed while the clock
    # was paused; it no longer holds, the clock started again at the reply.
    assert datetime.fromisoformat(consultation["due_at"]).astimezone(SH) == at("2025-09-29 23:59:59")

    with time_machine.travel(at("2025-10-09 10:00"), tick=False):  # past the first deadline, within the new one
        detail = client.get(f"/api/v1/consultations/{consultation['id']}", headers=desk["answerer"]).get_json()
    assert detail["clock_round"] == 2 and detail["status"] == "open"
    assert [(t["author"], t["kind"], t["clock_round"], len(t["files"])) for t in detail["turns"]] == [
        ("staff", "supplement_request", 1, 0), ("enterprise", "supplement", 1, 2)]
    assert detail["turns"][1]["body"] == "已附项目备案证明和现场照片。"
    file_id = body["files"][0]["id"]
    with client.session_transaction() as session:
        session.clear()
    page = client.get(f"/consultations/{consultation['tracking_code']}?t={token}").get_data(as_text=True)
    assert "已附项目备案证明和现场照片。" in page and "备案证明.pdf" in page
    got = client.get(f"/consultations/{consultation['tracking_code']}/files/{file_id}?t={token}")
    assert got.status_code == 200 and got.data == pdf
    with app.app_context():
        stored = db.session.get(Consultation, consultation["id"])
        assert stored.supplement == "已附项目备案证明和现场照片。" and stored.clock_started_at == at("2025-09-30 15:00")
        # The new round's reminders start clean.
        assert stored.reminder_sent_at is None and stored.escalation_sent_at is None
    # Answered on 10 October: on time by the new clock.
    with time_machine.travel(at("2025-10-10 16:00"), tick=False):
        done = client.post(f"/api/v1/consultations/{consultation['id']}/answer", json={"answer": "材料齐全，请按期申报。"},
                           headers=desk["answerer"])
    assert done.get_json()["on_time"] is True


def test_a_reply_by_contact_as_json_and_every_refusal_names_its_field(app, client, desk):
    consultation = ask(client, email="zhang@example.com")
    code = consultation["tracking_code"]
    url = f"/api/v1/consultations/{code}/supplement"
    early = client.post(url, json={"supplement": "主动补充一些情况。", "contact": "zhang@example.com"})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "wrong_status"
    assert ask_for_supplement(client, desk, consultation).status_code == 200

    def refused(status: int, field: str, **kwargs):
        response = client.post(url, **kwargs)
        assert response.status_code == status, response.get_json()
        assert field in response.get_json()["error"]["fields"], response.get_json()

    refused(422, "token", json={"supplement": "已补充。"})
    refused(422, "supplement", json={"contact": "zhang@example.com"})
    refused(422, "files_extra", json={"supplement": "已补充。", "contact": "zhang@example.com", "files_extra": 1})
    refused(404, "tracking_code", json={"supplement": "已补充。", "contact": "li@example.com"})
    refused(404, "token", json={"supplement": "已补充。", "token": "1.forged"})
    refused(400, "body", data="not json", content_type="text/plain")
    exe = b"MZ\x90\x00" + b"\x00" * 100
    refused(422, "files", content_type="multipart/form-data", data={
        "contact": "zhang@example.com", "supplement": "见附件。", "files": [(io.BytesIO(exe), "证明.pdf")]})
    refused(422, "files", content_type="multipart/form-data", data={
        "contact": "zhang@example.com", "supplement": "见附件。",
        "files": [(io.BytesIO(PNG), f"{i}.png") for i in range(4)]})
    refused(422, "attachment", content_type="multipart/form-data", data={
        "contact": "zhang@example.com", "supplement": "见附件。", "attachment": (io.BytesIO(PNG), "a.png")})
    with app.app_context():
        stored = db.session.get(Consultation, consultation["id"])
        assert stored.status == "awaiting_supplement" and stored.clock_round == 1
        assert db.session.scalar(select(func.count()).select_from(ConsultationFile)) == 0
        assert db.session.scalar(select(func.count()).select_from(ConsultationTurn)) == 1

    ok = client.post(url, json={"supplement": "营业执照号已核对无误。", "contact": "ZHANG@example.com"})
    assert ok.status_code == 201 and ok.get_json()["files"] == [] and ok.get_json()["clock_round"] == 2
    again = client.post(url, json={"supplement": "再补充一次。", "contact": "zhang@example.com"})
    assert again.status_code == 409


def test_only_the_departments_answerers_ask_for_a_supplement(app, client, desk):
    consultation = ask(client)
    path = f"/api/v1/consultations/{consultation['id']}/supplement-request"
    assert client.post(path, json={"request": "请补充材料"}).status_code == 401
    assert client.post(path, json={"request": "请补充材料"}, headers=desk["editor"]).status_code == 403
    assert client.post(path, json={"request": "请补充材料"}, headers=desk["outsider"]).status_code == 403
    empty = client.post(path, json={"request": " "}, headers=desk["answerer"])
    assert empty.status_code == 422 and "request" in empty.get_json()["error"]["fields"]
    assert client.post(path, json={"request": "请补充材料", "x": 1},
                       headers=desk["answerer"]).get_json()["error"]["fields"] == {"x": "未知字段"}
    with app.app_context():
        assert db.session.get(Consultation, consultation["id"]).status == "open"
    assert client.post(path, json={"request": "请补充材料"}, headers=desk["answerer"]).status_code == 200
    twice = client.post(path, json={"request": "请再补充材料"}, headers=desk["answerer"])
    assert twice.status_code == 409


def test_the_answer_carries_files_and_the_enterprise_reads_the_thread_by_its_token(app, client, desk, documents):
    consultation = ask(client)
    code = consultation["tracking_code"]
    assert ask_for_supplement(client, desk, consultation).status_code == 200
    token = status_link_token(app, consultation["id"])
    pdf = documents["pdf"](["项目备案证明"])
    client.post(f"/api/v1/consultations/{code}/supplement", content_type="multipart/form-data",
                data={"token": token, "supplement": "已附备案证明。", "files": [(io.BytesIO(pdf), "备案证明.pdf")]})
    exe = b"MZ\x90\x00" + b"\x00" * 100
    answer_url = f"/api/v1/consultations/{consultation['id']}/answer"
    refused = client.post(answer_url, headers=desk["answerer"], content_type="multipart/form-data",
                          data={"answer": "答复如下。", "files": [(io.BytesIO(exe), "指南.pdf")]})
    assert refused.status_code == 422 and "files" in refused.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.get(Consultation, consultation["id"]).status == "open"
    done = client.post(answer_url, headers=desk["answerer"], content_type="multipart/form-data",
                       data={"answer": "材料齐全，请按附件指南申报。", "files": [(io.BytesIO(PNG), "申报指南.png")]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "answered"
    assert [(f["filename"], f["kind"]) for f in done.get_json()["files"]] == [("申报指南.png", "png")]

    thread_url = f"/api/v1/consultations/{code}/thread"
    thread = client.get(thread_url, query_string={"token": token})
    assert thread.status_code == 200, thread.get_json()
    body = thread.get_json()
    assert body["status"] in ("answered_on_time", "answered_late") and body["answer"] == "材料齐全，请按附件指南申报。"
    assert [(t["author"], t["kind"], t["body"]) for t in body["turns"]] == [
        ("staff", "supplement_request", "请补充项目备案证明"), ("enterprise", "supplement", "已附备案证明。"),
        ("staff", "answer", "材料齐全，请按附件指南申报。")]
    assert "contact_name" not in body and "mobile" not in body  # the enterprise's own view, no staff fields
    guide = body["turns"][2]["files"][0]
    assert guide["filename"] == "申报指南.png"
    assert client.get(guide["url"]).data == PNG  # the page's download, by the same signed link
    assert client.get(body["turns"][1]["files"][0]["url"]).data == pdf
    missing = client.get(thread_url)
    assert missing.status_code == 422 and "token" in missing.get_json()["error"]["fields"]
    assert client.get(thread_url, query_string={"token": "1.forged"}).status_code == 404
    other = ask(client, mobile="13900002222")
    assert client.get(f"/api/v1/consultations/{other['tracking_code']}/thread",
                      query_string={"token": token}).status_code == 404
