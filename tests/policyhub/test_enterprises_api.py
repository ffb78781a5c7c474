"""Enterprise profiles through the API: validation per field, size by the 2017 standard, subscriptions."""

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Enterprise


@pytest.fixture
def staff(make_user, bearer):
    return bearer(make_user("clerk", "answerer", "gxj"))


def test_register_derives_size_from_the_standard(client, staff, new_credit_code):
    response = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(7), "name": "邹平宏泰铝业有限公司", "industry_code": "C3252",
        "employees": 350, "revenue_wan": 1500, "region_code": "371626", "qualifications": ["高新技术企业"],
        "mobile": "+86 138-0000-1234", "email": "Info@Example.COM", "channels": ["sms", "email"],
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # 工业: X=350 is 中型 on its own, Y=1500 万元 only 小型; the standard takes the lower tier.
    assert (body["size"], body["size_source"], body["size_flag"]) == ("small", "derived", None)
    assert body["industry_code"] == "3252"
    assert body["above_scale"] is False  # 规上工业 needs 2000 万元
    assert body["mobile"] == "13800001234"
    assert body["email"] == "Info@example.com"
    assert body["channels"] == ["email", "sms"]
    assert all(s["consent_source"] == "api" for s in body["subscriptions"])


def test_declared_size_is_used_without_figures_and_flagged_when_contradicted(client, staff, new_credit_code):
    declared = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(1), "name": "阳信县某牧业有限公司", "industry_code": "0311", "size": "micro"})
    assert declared.get_json()["size"] == "micro"
    assert declared.get_json()["size_source"] == "declared"
    contradicted = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(2), "name": "博兴县某粮油有限公司", "industry_code": "1331", "size": "micro",
        "employees": 1200, "revenue_wan": 50000})
    body = contradicted.get_json()
    assert (body["size"], body["size_source"]) == ("large", "derived")
    assert "申报规模为微型" in body["size_flag"] and "大型" in body["size_flag"]
    assert body["above_scale"] is True


def test_out_of_scope_industry_has_unknown_size(client, staff, new_credit_code):
    body = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(3), "name": "滨州某小额贷款有限公司", "industry_code": "6636",
        "employees": 30, "revenue_wan": 900}).get_json()
    assert (body["size"], body["size_source"]) == (None, "unknown")


@pytest.mark.parametrize("field, value, reason", [
    ("credit_code", "91371600MA3C123456", "校验"),
    ("credit_code", "91371600MA3C12345", "18 位"),
    ("credit_code", "91371600MA3CI23456", "I"),
    ("industry_code", "32A", ""),
    ("industry_code", "9999", ""),
    ("mobile", "12345678901", ""),
    ("mobile", "1380000123", ""),
    ("email", "not-an-email", ""),
    ("email", "a b@example.com", ""),
    ("employees", -1, "负数"),
    ("employees", "12.5", "整数"),
    ("revenue_wan", "lots", "数字"),
    ("size", "huge", "large"),
    ("region_code", "3716", ""),
    ("qualifications", ["皇家认证"], "未知资质"),
    ("channels", ["fax"], "渠道"),
    ("name", "x", "至少"),
    ("nickname", "x", "未知字段"),
])
def test_bad_fields_are_422_naming_the_field_and_store_nothing(app, client, staff, new_credit_code, field, value,
                                                              reason):
    body = {"credit_code": new_credit_code(5), "name": "滨州某公司", "industry_code": "3252", field: value}
    response = client.post("/api/v1/enterprises", headers=staff, json=body)
    assert response.status_code == 422, response.get_json()
    message = response.get_json()["error"]["fields"][field]
    assert reason in message
    with app.app_context():
        assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_non_finite_numbers_are_refused(client, staff, new_credit_code):
    # Python's json accepts the non-standard Infinity/NaN literals; the profile must not.
    body = '{"credit_code": "%s", "name": "滨州某公司", "industry_code": "3252", "revenue_wan": Infinity}'
    response = client.post("/api/v1/enterprises", headers=staff, data=body % new_credit_code(5),
                           content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["revenue_wan"] == "应为数字"


def test_channel_needs_its_contact(client, staff, new_credit_code):
    response = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(5), "name": "滨州某公司", "industry_code": "3252", "channels": ["sms"]})
    assert response.status_code == 422
    assert "手机号" in response.get_json()["error"]["fields"]["channels"]


def test_missing_required_fields(client, staff):
    response = client.post("/api/v1/enterprises", headers=staff, json={})
    assert set(response.get_json()["error"]["fields"]) == {"credit_code", "name", "industry_code"}
    assert response.get_json()["error"]["message"] == "企业信息有误"


def test_duplicate_credit_code_is_409(client, make_enterprise, staff):
    first = make_enterprise(9)
    again = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": first["credit_code"], "name": "另一家公司", "industry_code": "3252"})
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"] == {"credit_code": "已登记"}


def test_unknown_but_well_formed_industry_is_accepted_with_a_warning(client, staff, new_credit_code):
    response = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(4), "name": "滨州某新兴公司", "industry_code": "3299"})
    assert response.status_code == 201
    assert response.get_json()["warnings"]


def test_needs_a_staff_token(client, new_credit_code):
    response = client.post("/api/v1/enterprises", json={"credit_code": new_credit_code(1), "name": "某公司",
                                                         "industry_code": "3252"})
    assert response.status_code == 401


def test_edit_rederives_size_and_is_audited(app, client, make_enterprise, staff):
    enterprise = make_enterprise(1, employees=120, revenue_wan=1500)
    assert enterprise["size"] == "small"
    response = client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=staff,
                            json={"employees": 400, "revenue_wan": 3000})
    assert response.get_json()["size"] == "medium"
    refused = client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=staff,
                           json={"credit_code": "91371600MA3C12345X"})
    assert refused.status_code == 422
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enterprise.edit"))
        assert event.details["changed"] == ["employees", "revenue_wan"]


def test_list_masks_contacts_detail_does_not_for_editors(client, make_enterprise, make_user, bearer, staff):
    enterprise = make_enterprise(1, mobile="13800001234", email="zhangsan@example.com")
    listing = client.get("/api/v1/enterprises", headers=staff).get_json()
    assert listing["total"] == 1
    assert listing["items"][0]["mobile"] == "138****1234"
    assert "zhangsan" not in listing["items"][0]["email"]
    editor = bearer(make_user("keeper", "editor", "gxj"))
    detail = client.get(f"/api/v1/enterprises/{enterprise['id']}", headers=editor).get_json()
    assert (detail["mobile"], detail["email"]) == ("13800001234", "zhangsan@example.com")
    # An answerer (the `staff` here) reads the detail masked, like the list.
    assert client.get(f"/api/v1/enterprises/{enterprise['id']}", headers=staff).get_json()["mobile"] == "138****1234"


def test_list_filters(client, make_enterprise, staff):
    make_enterprise(1, industry_code="3252", employees=120, revenue_wan=1500)
    make_enterprise(2, industry_code="1771", employees=5, revenue_wan=100)
    assert client.get("/api/v1/enterprises?industry=C", headers=staff).get_json()["total"] == 2
    assert client.get("/api/v1/enterprises?industry=32", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/enterprises?size=micro", headers=staff).get_json()["total"] == 1
    assert client.get("/api/v1/enterprises?size=giant", headers=staff).status_code == 422


@pytest.mark.parametrize("query, size, row", [
    ("industry_code=3216&employees=1000&revenue_wan=40000", "large", "industry"),
    ("industry_code=3216&employees=999&revenue_wan=40000", "medium", "industry"),
    ("industry_code=C3216&employees=350&revenue_wan=1500", "small", "industry"),
    ("industry_code=3216&employees=15&revenue_wan=5000", "micro", "industry"),
    ("industry_code=5211&employees=300&revenue_wan=20000", "large", None),
    ("industry_code=6311&employees=2000&revenue_wan=100000", "large", None),
])
def test_size_class_endpoint_follows_the_table(client, query, size, row):
    body = client.get(f"/api/v1/size-class?{query}").get_json()
    assert body["size"] == size
    if row:
        assert body["row"] == row
    assert body["indicators"]


def test_size_class_endpoint_says_what_is_missing_and_rejects_bad_input(client):
    missing = client.get("/api/v1/size-class?industry_code=3216&employees=500").get_json()
    assert missing["size"] == "unknown" and missing["missing"] == ["revenue_wan"]
    bad = client.get("/api/v1/size-class?industry_code=32A&employees=-3&revenue_wan=abc")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"industry_code", "employees", "revenue_wan"}


def test_figures_as_text_and_lists_as_separated_text_are_accepted(client, staff, new_credit_code):
    response = client.post("/api/v1/enterprises", headers=staff, json={
        "credit_code": new_credit_code(6), "name": "  邹平某铝业有限公司 ", "industry_code": 3252,
        "employees": "1,200", "revenue_wan": "1500.456", "assets_wan": None, "qualifications": "高新技术企业；",
        "mobile": "13800001234", "channels": "sms", "business_scope": ""})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["name"], body["industry_code"], body["employees"]) == ("邹平某铝业有限公司", "3252", 1200)
    assert (body["revenue_wan"], body["assets_wan"], body["business_scope"]) == (1500.46, None, "")
    assert (body["qualifications"], body["channels"]) == (["高新技术企业"], ["sms"])


@pytest.mark.parametrize("change, field, reason", [
    ({"name": ""}, "name", "必填"), ({"name": None}, "name", "必填"), ({"credit_code": "  "}, "credit_code", "必填"),
    ({"employees": {"n": 1}}, "employees", "应为数字"), ({"channels": [1]}, "channels", "文本列表"),
    ({"business_scope": "经营\x00范围"}, "business_scope", "空字符"),
])
def test_a_change_is_parsed_like_a_registration(client, make_enterprise, staff, change, field, reason):
    enterprise = make_enterprise(1)
    response = client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=staff, json=change)
    assert response.status_code == 422, response.get_json()
    assert reason in response.get_json()["error"]["fields"][field]
    # Cleared optional fields are emptied, the others kept.
    cleared = client.patch(f"/api/v1/enterprises/{enterprise['id']}", headers=staff,
                           json={"business_scope": "", "employees": None})
    assert cleared.status_code == 200, cleared.get_json()
    assert (cleared.get_json()["business_scope"], cleared.get_json()["employees"]) == ("", None)
    assert cleared.get_json()["name"] == enterprise["name"]
