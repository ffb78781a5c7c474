"""Bulk import: CSV in UTF-8 or GB18030 and XLSX; good rows in, bad rows reported, unreadable files change nothing."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Enterprise, Subscription

HEADER = "credit_code,name,industry_code,employees,revenue_wan,region_code,mobile,email,channels,qualifications"


def post(client, token, filename, data):
    return client.post("/api/v1/enterprises/import", headers={"Authorization": f"Bearer {token}"},
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def count(app, model=Enterprise):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def rows(new_credit_code):
    return [
        f"{new_credit_code(1)},邹平宏泰铝业有限公司,3252,120,1500,371626,13800001111,a@example.com,sms;email,高新技术企业",
        f"{new_credit_code(2)},博兴县金穗粮油有限公司,1331,30,800,371625,,,,",
        "91371600MA3C123456,校验码错误的公司,3252,10,10,371626,,,,",
        f"{new_credit_code(3)},行业代码错误的公司,32A,10,10,371626,,,,",
        f"{new_credit_code(4)},手机号错误的公司,3252,10,10,371626,12345,,sms,",
        f"{new_credit_code(1)},重复的公司,3252,10,10,371626,,,,",
    ]


def test_mixed_file_reports_each_bad_row_and_stores_the_good_ones(app, client, editor_token, rows):
    data = ("\n".join([HEADER, *rows]) + "\n").encode("gb18030")
    response = post(client, editor_token, "企业.csv", data)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["created"], report["updated"], report["rows"]) == (2, 0, 6)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (4, "credit_code"), (5, "industry_code"), (6, "mobile"), (7, "credit_code")]
    assert "重复" in report["errors"][3]["message"]
    assert count(app) == 2
    with app.app_context():
        aluminium = db.session.scalar(select(Enterprise).where(Enterprise.name == "邹平宏泰铝业有限公司"))
        assert aluminium.size == "small" and aluminium.qualifications == ["高新技术企业"]
        assert sorted(aluminium.channels) == ["email", "sms"]
        assert {s.consent_source for s in aluminium.subscriptions} == {"import"}


def test_reimport_updates_only_the_given_columns(app, client, editor_token, new_credit_code):
    first = f"credit_code,name,industry_code,employees,revenue_wan,mobile,channels\n" \
            f"{new_credit_code(1)},滨州甲公司,3252,120,1500,13800001111,sms\n"
    post(client, editor_token, "a.csv", first.encode())
    second = f"credit_code,name,industry_code,revenue_wan\n{new_credit_code(1)},滨州甲公司（更名）,3252,250\n"
    report = post(client, editor_token, "b.csv", second.encode("utf-8-sig")).get_json()
    assert (report["created"], report["updated"]) == (0, 1)
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise))
        assert enterprise.name == "滨州甲公司（更名）"
        assert enterprise.employees == 120  # kept: not in the second file
        assert enterprise.revenue_wan == 250
        # Re-derived from the merged figures: X=120 is 小型, Y=250 万元 is below 工业's 300 → 微型.
        assert enterprise.size == "micro" and enterprise.above_scale is False
        assert enterprise.channels == ["sms"]  # channels column absent: subscriptions untouched


def test_channels_column_replaces_the_active_set(app, client, editor_token, new_credit_code):
    code = new_credit_code(1)
    post(client, editor_token, "a.csv", f"credit_code,name,industry_code,mobile,email,channels\n"
                                        f"{code},滨州甲公司,3252,13800001111,a@example.com,sms;email\n".encode())
    post(client, editor_token, "b.csv", f"credit_code,name,industry_code,channels\n{code},滨州甲公司,3252,email\n"
         .encode())
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise))
        assert enterprise.channels == ["email"]
        sms = next(s for s in enterprise.subscriptions if s.channel == "sms")
        assert not sms.active and sms.unsubscribed_at is not None


def test_xlsx_import(app, client, editor_token, new_credit_code):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["credit_code", "name", "industry_code", "employees", "revenue_wan"])
    sheet.append([new_credit_code(1), "无棣县某水产有限公司", "0412", 25, 600.5])
    sheet.append([new_credit_code(2), "", "0412", 25, 600])
    out = io.BytesIO()
    workbook.save(out)
    report = post(client, editor_token, "企业.xlsx", out.getvalue()).get_json()
    assert report["created"] == 1
    assert report["errors"] == [{"row": 3, "field": "name", "message": "必填"}]
    with app.app_context():
        assert db.session.scalar(select(Enterprise.revenue_wan)) == 600.5


@pytest.mark.parametrize("filename, data, words", [
    ("a.csv", b"", "空"),
    ("a.csv", "名称,代码\n甲,1\n".encode(), "未知列"),
    ("a.csv", b"credit_code,name\n", "industry_code"),
    ("a.csv", b"credit_code,name,industry_code,name\n", "重复列"),
    ("a.csv", b"\xff\xfe\x00\x00garbage\x00\x81", "编码"),
    ("a.xlsx", b"PK\x03\x04 not really a workbook", "XLSX"),
    ("a.pdf", b"%PDF-1.4", "CSV"),
])
def test_unreadable_files_are_422_and_change_nothing(app, client, editor_token, filename, data, words):
    response = post(client, editor_token, filename, data)
    assert response.status_code == 422, response.get_json()
    assert words in response.get_json()["error"]["fields"]["file"]
    assert count(app) == 0


def test_cli_import_with_progress(app, runner, tmp_path, rows):
    path = tmp_path / "enterprises.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="gb18030")
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created: 2" in result.output and "errors: 4" in result.output
    assert "row 4: credit_code" in result.output
    assert count(app) == 2
    assert count(app, Subscription) == 2


def test_import_needs_staff(client, new_credit_code):
    response = client.post("/api/v1/enterprises/import", data={"file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 401
