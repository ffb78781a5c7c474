"""Policies from uploaded files through the API: every type stored with its source; bad files change nothing."""

import hashlib
import io

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from policyhub.extensions import db
from policyhub.models import Policy, PolicyFile

TITLE = "滨州市支持高端铝业发展的若干措施"
SENTENCE = "对本市中小微铝加工企业的技术改造项目给予补贴。"


def upload(client, token, filename, data, **form):
    return client.post("/api/v1/policies", headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), filename), **form}, content_type="multipart/form-data")


def big_upload(client, token, filename, data):
    """Like upload(), but closes the spooled request body the test client leaves open on early 413s."""
    builder = EnvironBuilder(path="/api/v1/policies", method="POST", headers={"Authorization": f"Bearer {token}"},
                             data={"file": (io.BytesIO(data), filename)})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def stored(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Policy.id))), db.session.scalar(select(func.count(PolicyFile.id))))


def test_gb18030_text_file(app, client, editor_token):
    data = f"{TITLE}\n\n一、{SENTENCE}\n".encode("gb18030")
    response = upload(client, editor_token, "铝业措施.txt", data)
    assert response.status_code == 201, response.get_json()
    policy = response.get_json()
    assert policy["title"] == TITLE  # the first line, when no title is given
    assert SENTENCE in policy["body"]
    assert policy["files"][0] | {} == {"filename": "铝业措施.txt", "format": "txt", "encoding": "gb18030",
                                       "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "version": 1}
    # The source is kept byte for byte.
    with app.app_context():
        assert db.session.scalar(select(PolicyFile)).data == data


def test_utf8_text_file_with_given_title(client, editor_token):
    response = upload(client, editor_token, "a.txt", ("\ufeff" + SENTENCE).encode("utf-8"), title="给定的标题",
                      doc_number="滨工信发〔2026〕3号", criteria='{"sizes": ["small"]}')
    policy = response.get_json()
    assert response.status_code == 201
    assert policy["title"] == "给定的标题"
    assert policy["body"] == SENTENCE  # BOM gone
    assert policy["doc_number"] == "滨工信发〔2026〕3号"
    assert policy["criteria"]["sizes"] == ["small"]
    assert policy["files"][0]["encoding"] == "utf-8"


def test_docx_file(client, editor_token, documents):
    data = documents["docx"]([TITLE, SENTENCE], table=[["支持对象", "中小微企业"]])
    policy = upload(client, editor_token, "policy.docx", data).get_json()
    assert policy["title"] == TITLE
    assert SENTENCE in policy["body"] and "中小微企业" in policy["body"]
    assert policy["files"][0]["format"] == "docx"


def test_pdf_file(client, editor_token, documents):
    data = documents["pdf"]([TITLE, SENTENCE])
    response = upload(client, editor_token, "policy.pdf", data)
    assert response.status_code == 201, response.get_json()
    policy = response.get_json()
    assert "铝加工企业" in policy["body"]
    assert policy["files"][0]["format"] == "pdf"


def test_html_file_in_gbk(client, editor_token):
    html = (f'<html><head><meta charset="gbk"><title>{TITLE}</title><script>alert(1)</script></head>'
            f"<body><h1>{TITLE}</h1><p>{SENTENCE}</p></body></html>").encode("gbk")
    policy = upload(client, editor_token, "policy.html", html).get_json()
    assert policy["title"] == TITLE
    assert SENTENCE in policy["body"] and "alert" not in policy["body"]
    assert policy["files"][0]["format"] == "html"


def test_uploaded_policy_is_searchable_once_published(client, editor_token):
    policy = upload(client, editor_token, "a.txt", f"{TITLE}\n{SENTENCE}".encode("gb18030")).get_json()
    client.post(f"/api/v1/policies/{policy['id']}/publish", headers={"Authorization": f"Bearer {editor_token}"})
    found = client.get("/api/v1/policies", query_string={"q": "技术改造"}).get_json()
    assert [p["id"] for p in found["items"]] == [policy["id"]]


def test_a_new_file_makes_a_new_version(app, client, editor_token):
    policy = upload(client, editor_token, "a.txt", f"{TITLE}\n旧正文".encode()).get_json()
    response = client.patch(f"/api/v1/policies/{policy['id']}", headers={"Authorization": f"Bearer {editor_token}"},
                            data={"file": (io.BytesIO(f"{TITLE}\n新正文".encode("gb18030")), "b.txt")},
                            content_type="multipart/form-data")
    updated = response.get_json()
    assert updated["version"] == 2 and "新正文" in updated["body"]
    assert [(f["filename"], f["version"]) for f in updated["files"]] == [("a.txt", 1), ("b.txt", 2)]


@pytest.mark.parametrize("filename, data, code, words", [
    ("empty.txt", b"", "empty", "空"),
    ("blank.txt", b"  \n\t\n", "empty", ""),
    ("old.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100, "unsupported_type", ".docx"),
    ("run.exe", b"MZ" + b"\0" * 100, "unsupported_type", ""),
    ("noext", b"hello", "unsupported_type", ""),
    ("fake.pdf", "这不是PDF".encode(), "type_mismatch", "PDF"),
    ("fake.docx", b"PK\x03\x04" + b"\0" * 30, "", ""),
    ("binary.txt", bytes(range(256)) * 4, "", ""),
    ("truncated.pdf", b"%PDF-1.4\n1 0 obj\n<<", "", ""),
])
def test_bad_files_are_422_with_a_chinese_reason_and_store_nothing(app, client, editor_token, filename, data, code,
                                                                   words):
    response = upload(client, editor_token, filename, data)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    if code:
        assert error["code"] == code
    message = error["fields"]["file"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert words in message
    assert stored(app) == (0, 0)


def test_scanned_pdf_without_text_layer_is_422(app, client, editor_token):
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.rect(72, 72, 300, 500, fill=1)  # a "scan": marks on the page, no text
    pdf.showPage()
    pdf.save()
    response = upload(client, editor_token, "scan.pdf", out.getvalue())
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_text_layer"
    assert "扫描" in response.get_json()["error"]["message"]
    assert stored(app) == (0, 0)


def test_file_over_20_mb_is_413_and_stores_nothing(app, client, editor_token):
    data = b"a" * (20 * 1024 * 1024 + 1)
    response = big_upload(client, editor_token, "big.txt", data)
    assert response.status_code == 413
    assert "20 MB" in response.get_json()["error"]["message"]
    assert "file" in response.get_json()["error"]["fields"]
    assert stored(app) == (0, 0)


def test_request_far_over_the_limit_is_413_before_reading(client, editor_token):
    response = big_upload(client, editor_token, "huge.txt", b"a" * (21 * 1024 * 1024))
    assert response.status_code == 413
    assert response.get_json()["error"]["fields"]["file"]


def test_bad_criteria_json_in_multipart(app, client, editor_token):
    response = upload(client, editor_token, "a.txt", SENTENCE.encode(), criteria="{not json")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["criteria"] == "不是有效的 JSON"
    assert stored(app) == (0, 0)


def test_the_form_is_parsed_by_its_model_file_parts_included(app, client, editor_token):
    headers = {"Authorization": f"Bearer {editor_token}"}
    text_for_a_file = client.post("/api/v1/policies", headers=headers, content_type="multipart/form-data",
                                  data={"title": TITLE, "body": SENTENCE, "file": "not a file"})
    assert text_for_a_file.status_code == 422
    assert text_for_a_file.get_json()["error"]["fields"] == {"file": "应为上传的文件"}
    unknown_part = client.post("/api/v1/policies", headers=headers, content_type="multipart/form-data",
                               data={"title": TITLE, "body": SENTENCE, "attachment": (io.BytesIO(b"x"), "a.txt")})
    assert unknown_part.status_code == 422
    assert unknown_part.get_json()["error"]["fields"] == {"attachment": "未知字段"}
    assert stored(app) == (0, 0)
    # A file input left empty is no file; blank fields are not given, as in a JSON body.
    no_file = client.post("/api/v1/policies", headers=headers, content_type="multipart/form-data",
                          data={"title": TITLE, "body": SENTENCE, "doc_number": "", "criteria": " ",
                                "file": (io.BytesIO(b""), "")})
    assert no_file.status_code == 201, no_file.get_json()
    assert no_file.get_json()["doc_number"] is None and no_file.get_json()["files"] == []
