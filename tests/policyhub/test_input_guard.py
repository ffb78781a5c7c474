"""Issue 13: text the database cannot hold or the JSON encoder cannot write is refused, naming the field."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Consultation, Policy

PASSWORD = "correct-horse-battery"
MOBILE = "13800001234"


@pytest.fixture
def two_departments(make_department):
    make_department("gxj", "滨州市工业和信息化局")
    make_department("yshj", "滨州市优化营商环境办公室")


def send(client, method: str, url: str, body, **kwargs):
    """JSON as a hostile client writes it: ASCII with \\u escapes, lone surrogates included."""
    return client.open(url, method=method, data=json.dumps(body), content_type="application/json", **kwargs)


# --- 4. text the database cannot hold or the JSON encoder cannot write ------------------------------


BAD_TEXT = ["\ud800", "a\udfffb", "\x00", "x\ufffe", "\U0010ffff", "\ufdd0"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_text_in_evidence_is_refused_naming_the_field(client, app, editor_token, bearer, bad):
    criteria = {"evidence": [{"field": "sizes", "value": "small", "sentence": "小型企业" + bad}]}
    response = send(client, "POST", "/api/v1/policies", headers=bearer(editor_token),
                           body={"title": "测试政策", "body": "对小型企业给予奖励。", "criteria": criteria})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "criteria.evidence.0.sentence" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Policy.id))) == 0
    assert client.get("/api/v1/policies").status_code == 200


@pytest.mark.parametrize("evidence, field", [
    ([{"field": ["sizes"], "value": "small", "sentence": "小型"}], "criteria.evidence.0.field"),
    ([{"field": "sizes", "value": "small", "sentence": {"a": 1}}], "criteria.evidence.0.sentence"),
    (["小型"], "criteria.evidence.0"),
    ([{"field": "sizes", "value": "small", "sentence": "小型", "extra": "x"}], "criteria.evidence.0.extra"),
    ([{"field": "nonsense", "value": "small", "sentence": "小型"}], "criteria.evidence.0.field"),
])
def test_evidence_items_are_validated_fully(client, editor_token, bearer, evidence, field):
    response = send(client, "POST", "/api/v1/policies", headers=bearer(editor_token),
                           body={"title": "测试政策", "body": "对小型企业给予奖励。", "criteria": {"evidence": evidence}})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_text_in_enterprise_topics_and_text_fields_is_refused(client, make_enterprise, bearer, make_user,
                                                                  new_credit_code, bad):
    token = make_user("reg", "editor", "gxj")
    body = {"credit_code": new_credit_code(7), "name": "滨州测试铝业有限公司", "industry_code": "3252",
            "channels": ["sms"], "mobile": "13800001234", "topics": ["技改" + bad]}
    response = send(client, "POST", "/api/v1/enterprises", headers=bearer(token), body=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "topics.0" in response.get_json()["error"]["fields"]
    enterprise = make_enterprise(seq=8)
    patched = send(client, "PATCH", f"/api/v1/enterprises/{enterprise['id']}", headers=bearer(token),
                           body={"business_scope": "铝材" + bad})
    assert patched.status_code == 422
    assert "business_scope" in patched.get_json()["error"]["fields"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_text_in_a_consultation_is_refused(client, app, two_departments, bad):
    response = send(client, "POST", "/api/v1/consultations", body={
        "question": "请问如何申报补贴？" + bad, "contact_name": "张", "mobile": MOBILE})
    assert response.status_code == 422
    assert "question" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Consultation.id))) == 0


def test_json_keys_are_checked_too(client, two_departments):
    response = send(client, "POST", "/api/v1/consultations", body={"\ud800": "x", "question": "请问如何申报补贴？",
                                                          "contact_name": "张", "mobile": MOBILE})
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/?department=%00", "/?q=%00", "/consultations/ZX%00", "/consultations/new?x=%00"])
def test_nul_in_query_and_path_is_refused_on_pages(client, url):
    response = client.get(url)
    assert response.status_code in (404, 422), response.status_code


def test_nul_in_forms_is_refused(client, make_user, two_departments):
    make_user("ed", "editor", "gxj")
    assert client.post("/login", data={"username": "ed\x00", "password": PASSWORD}).status_code == 422
    response = client.post("/consultations/new", data={"question": "请问如何申报补贴？\x00", "contact_name": "张",
                                                       "mobile": MOBILE})
    assert response.status_code == 422
    assert client.post("/register", data={"name": "\x00"}).status_code == 422
    assert client.post("/consultations/status", data={"tracking_code": "ZX\x00", "contact": MOBILE}).status_code == 422


# --- multipart fields whose bytes are not UTF-8 --------------------------------------------------------

BOUNDARY = b"policyhub-probe"


def multipart(*parts: tuple[bytes, bytes]) -> bytes:
    """A multipart body as a hostile client writes it: each (Content-Disposition parameters, raw bytes)."""
    body = b"".join(b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data; " + disposition + b"\r\n\r\n"
                    + value + b"\r\n" for disposition, value in parts)
    return body + b"--" + BOUNDARY + b"--\r\n"


def post_multipart(client, url: str, *parts: tuple[bytes, bytes], **kwargs):
    return client.post(url, data=multipart(*parts), content_type=f"multipart/form-data; boundary={BOUNDARY.decode()}",
                       **kwargs)


TITLE = (b'name="title"', "测试政策".encode())
BODY = (b'name="body"', "对小型企业给予奖励。".encode())


@pytest.mark.parametrize("parts, field", [
    ((TITLE, (b'name="body"', "对小型企业".encode() + b"\xff\xfe" + "给予奖励。".encode())), "body"),
    (((b'name="title"', "测试".encode("gb18030")), BODY), "title"),  # GBK bytes are not UTF-8 either
    ((TITLE, (b'name="body"', b"\xed\xa0\x80")), "body"),  # an encoded surrogate: no UTF-8 decoder takes it
    ((TITLE, (b"name=\"file\"; filename*=utf-8''%FF%FE.txt", "正文".encode())), "file"),
    ((TITLE, (b'name="file"; filename="\xff\xfe.txt"', "正文".encode())), "form"),
    ((TITLE, (b'name="\xff"', b"x"), BODY), "form"),
])
def test_multipart_text_that_is_not_utf8_is_refused_naming_the_field(client, app, editor_token, bearer, parts,
                                                                      field):
    response = post_multipart(client, "/api/v1/policies", *parts, headers=bearer(editor_token))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "UTF-8" in response.get_json()["error"]["fields"][field]
    with app.app_context():
        assert db.session.scalar(select(func.count(Policy.id))) == 0


def test_multipart_utf8_is_kept_as_sent(client, editor_token, bearer):
    upload = (b"name=\"file\"; filename*=utf-8''%E6%94%BF%E7%AD%96.txt", "对小型企业给予奖励。".encode())
    response = post_multipart(client, "/api/v1/policies", TITLE, upload, headers=bearer(editor_token))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["title"] == "测试政策"
    assert response.get_json()["files"][0]["filename"] == "政策.txt"


def test_a_page_form_that_is_not_utf8_is_refused(client, app, editor_token, make_user):
    make_user("ed", "editor", "gxj")
    client.post("/login", data={"username": "ed", "password": PASSWORD})
    response = post_multipart(client, "/staff/policies/new", TITLE, (b'name="body"', b"\xc3\x28"))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "不是有效的 UTF-8 文本" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Policy.id))) == 0
