"""The back-and-forth: a supplement request told to the enterprise, its reply with files, the thread, who gets a file."""

import io
import re

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Consultation, ConsultationFile, Notification
from policyhub.services.consultation_files import MAX_FILE_BYTES, Upload, check_uploads
from policyhub.services.errors import Invalid
from policyhub.services.tokens import status_token

PASSWORD = "correct-horse-battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def desk(make_user, make_department):
    make_department("yshj", "滨州市优化营商环境办公室")
    make_user("answerer", "answerer", "yshj", password=PASSWORD)
    make_user("outsider", "answerer", "gxj", password=PASSWORD)


def login(client, username):
    client.post("/logout")
    client.post("/login", data={"username": username, "password": PASSWORD})


def ask_and_request_supplement(app, client):
    client.post("/consultations/new", data={"question": "请问技术改造补贴的申报材料有哪些？", "contact_name": "张经理",
                                            "mobile": "13800001234"})
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        ids = consultation.id, consultation.tracking_code, status_token(consultation.id)
    login(client, "answerer")
    client.post(f"/staff/consultations/{ids[0]}/supplement-request", data={"request_text": "请补充项目备案证明"})
    return ids


def test_the_enterprise_replies_with_files_and_the_thread_shows_every_turn(app, client, desk, documents):
    consultation_id, code, token = ask_and_request_supplement(app, client)
    with app.app_context():
        told = db.session.scalar(select(Notification).where(Notification.kind == "supplement_requested"))
        assert "请补充项目备案证明" in told.body_text and told.recipient == "13800001234"
    page = client.get(f"/consultations/{code}?t={token}").get_data(as_text=True)
    assert "请补充项目备案证明" in page and 'type="file"' in page
    pdf = documents["pdf"](["项目备案证明"])
    reply = client.post(f"/consultations/{code}/supplement", content_type="multipart/form-data", data={
        "token": token, "supplement": "已上传备案证明和现场照片。",
        "files": [(io.BytesIO(pdf), "备案证明.pdf"), (io.BytesIO(PNG), "照片.png")]})
    assert reply.status_code == 302
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation.status == "open" and consultation.clock_round == 2
        assert [(t.author, t.kind, len(t.files)) for t in consultation.turns] == [
            ("staff", "supplement_request", 0), ("enterprise", "supplement", 2)]
        stored = db.session.scalars(select(ConsultationFile).order_by(ConsultationFile.id)).all()
        assert [f.kind for f in stored] == ["pdf", "png"]
        pdf_id = stored[0].id
        # Outside the web root: nothing under static/ holds it.
        assert "static" not in app.config["CONSULTATION_FILES_DIR"]
    page = client.get(f"/consultations/{code}?t={token}").get_data(as_text=True)
    assert "已上传备案证明和现场照片。" in page and "备案证明.pdf" in page
    link = re.search(r'href="(/consultations/\w+/files/\d+\?t=[^"]+)"', page).group(1).replace("&amp;", "&")
    client.post("/logout")
    got = client.get(link)
    assert got.status_code == 200 and got.data == pdf and got.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in got.headers["Content-Disposition"]
    assert client.get(f"/consultations/{code}/files/{pdf_id}?t=forged").status_code == 404
    assert client.get(f"/staff/consultations/{consultation_id}/files/{pdf_id}").status_code in (302, 401, 403)
    login(client, "answerer")
    staff_page = client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)
    assert "备案证明.pdf" in staff_page and "第 1 轮" in staff_page
    assert client.get(f"/staff/consultations/{consultation_id}/files/{pdf_id}").data == pdf
    login(client, "outsider")  # another department's answerer
    assert client.get(f"/staff/consultations/{consultation_id}/files/{pdf_id}").status_code == 404
    login(client, "answerer")
    done = client.post(f"/staff/consultations/{consultation_id}/answer", content_type="multipart/form-data",
                       data={"answer": "材料齐全，请于3月申报。", "files": [(io.BytesIO(PNG), "申报指南.png")]})
    assert done.status_code == 302
    page = client.get(f"/consultations/{code}?t={token}").get_data(as_text=True)
    assert page.index("请补充项目备案证明") < page.index("已上传备案证明") < page.index("材料齐全，请于3月申报。")
    assert page.index("材料齐全，请于3月申报。") < page.index("申报指南.png")


def test_a_file_that_is_not_what_it_claims_is_refused_and_changes_nothing(app, client, desk):
    consultation_id, code, token = ask_and_request_supplement(app, client)
    exe = b"MZ\x90\x00" + b"\x00" * 100
    reply = client.post(f"/consultations/{code}/supplement", content_type="multipart/form-data", data={
        "token": token, "supplement": "见附件。", "files": [(io.BytesIO(exe), "证明.pdf")]})
    assert reply.status_code == 422
    assert "按文件内容判断" in reply.get_data(as_text=True)
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation.status == "awaiting_supplement" and consultation.clock_round == 1
        assert db.session.scalar(select(ConsultationFile)) is None
    client.post(f"/consultations/{code}/supplement", data={"token": token, "supplement": "已补充。"})
    refused = client.post(f"/staff/consultations/{consultation_id}/answer", content_type="multipart/form-data",
                          data={"answer": "答复如下。", "files": [(io.BytesIO(exe), "指南.docx")]})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).status == "open"
        assert db.session.scalar(select(ConsultationFile)) is None


def test_upload_limits_name_the_field_and_the_reason():
    with pytest.raises(Invalid) as many:
        check_uploads([Upload(f"{i}.png", PNG) for i in range(4)])
    assert "最多上传 3 个" in many.value.fields["files"]
    with pytest.raises(Invalid) as big:
        check_uploads([Upload("大.png", PNG + b"\x00" * MAX_FILE_BYTES)])
    assert "10 MB" in big.value.fields["files"]
    with pytest.raises(Invalid) as empty:
        check_uploads([Upload("空.pdf", b"")])
    assert "空文件" in empty.value.fields["files"]
    assert check_uploads([Upload("a.png", PNG), Upload("b.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20)]) == ["png", "jpeg"]
