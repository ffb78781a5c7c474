"""Issue 13's crash list: each request once answered 500; now a 4xx naming the field, and nothing changes."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Consultation, Enterprise, Policy

PASSWORD = "correct-horse-battery"

API_LISTS = ["/api/v1/policies", "/api/v1/departments", "/api/v1/enterprises", "/api/v1/consultations",
             "/api/v1/notifications", "/api/v1/policies/1/matches", "/api/v1/enterprises/1/matches"]
PAGE_LISTS = ["/staff/", "/staff/consultations", "/staff/enterprises", "/staff/notifications"]


@pytest.fixture
def admin(make_user, make_department):
    make_department("yshj", "滨州市优化营商环境办公室")
    return make_user("admin", "admin", None, password=PASSWORD)


@pytest.mark.parametrize("url", API_LISTS)
@pytest.mark.parametrize("query", ["page=²", "per_page=²", "page=٣", "page=99999999999999999999", "page=-1",
                                   "page=0"])
def test_paging_that_is_not_a_number_is_422(client, admin, bearer, make_policy, make_enterprise, url, query):
    make_policy()
    make_enterprise()
    response = client.get(f"{url}?{query}", headers=bearer(admin))
    assert response.status_code == 422, (url, query, response.status_code)
    name = query.split("=")[0]
    assert name in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("url", PAGE_LISTS)
def test_paging_on_pages(client, admin, url):
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert client.get(f"{url}?page=²").status_code == 422


def test_public_list_paging(client):
    assert client.get("/?page=²").status_code == 422
    assert client.get("/api/v1/policies?per_page=²").status_code == 422


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "2147483648"])
def test_id_filters(client, admin, bearer, value):
    response = client.get(f"/api/v1/notifications?policy_id={value}", headers=bearer(admin))
    assert response.status_code == 422
    assert "policy_id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("number", ["18446744073709551616", "2147483648", "9" * 5000])
@pytest.mark.parametrize("template", ["/api/v1/policies/{}", "/api/v1/enterprises/{}", "/api/v1/consultations/{}",
                                      "/api/v1/policies/{}/matches", "/staff/policies/{}", "/policies/{}",
                                      "/staff/consultations/{}", "/staff/enterprises/{}"])
def test_ids_beyond_the_database_integer_are_404(client, admin, bearer, template, number):
    client.post("/login", data={"username": "admin", "password": PASSWORD})
    response = client.get(template.format(number), headers=bearer(admin))
    assert response.status_code == 404


def test_the_largest_id_is_still_looked_up(client, admin, bearer):
    response = client.get(f"/api/v1/policies/{2**31 - 1}", headers=bearer(admin))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def deep(levels: int) -> str:
    return '{"question": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize("url", ["/api/v1/consultations", "/api/v1/policies", "/api/v1/enterprises",
                                 "/api/v1/departments"])
@pytest.mark.parametrize("levels", [20, 1000, 100_000])
def test_deeply_nested_json_is_400(client, app, admin, bearer, url, levels):
    response = client.post(url, data=deep(levels), content_type="application/json", headers=bearer(admin))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["body"].startswith("JSON 嵌套过深")
    with app.app_context():
        assert db.session.scalar(select(func.count(Consultation.id))) == 0


def test_broken_json_is_400_naming_the_body(client, admin):
    response = client.post("/api/v1/consultations", data='{"question": ', content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("policy_id", ["1e400", "-1e400", "1.5", "true", '"²"', '"1e3"', "[1]", "NaN"])
def test_policy_id_that_is_not_an_id(client, app, admin, policy_id):
    body = ('{"question": "请问如何申报补贴？", "contact_name": "张", "mobile": "13800001234", "policy_id": '
            + policy_id + "}")
    response = client.post("/api/v1/consultations", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "policy_id" in response.get_json()["error"]["fields"]


def test_empty_business_scope_patch(client, make_enterprise, bearer, admin):
    enterprise = make_enterprise(business_scope="铝材加工")
    response = client.patch(f"/api/v1/enterprises/{enterprise['id']}", json={"business_scope": ""},
                            headers=bearer(admin))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["business_scope"] == ""


def test_oversized_csv_field_is_422_and_imports_nothing(client, app, admin, bearer, new_credit_code):
    rows = ["credit_code,name,industry_code,business_scope",
            f"{new_credit_code(1)},滨州测试一有限公司,3252,铝材",
            f'{new_credit_code(2)},滨州测试二有限公司,3252,"{"铝" * 140_000}"']
    data = {"file": (io.BytesIO("\n".join(rows).encode()), "firms.csv")}
    response = client.post("/api/v1/enterprises/import", data=data, headers=bearer(admin),
                           content_type="multipart/form-data")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "file" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Enterprise.id))) == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                    "1899-12-31T00:00:00+08:00", "2201-01-01T00:00:00Z"])
def test_deadline_for_times_out_of_range(client, moment):
    response = client.get("/api/v1/calendar/deadline", query_string={"submitted_at": moment})
    assert response.status_code == 422
    assert "submitted_at" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "to=9999-12-31T23:59:59+00:00",
                                   "from=0001-01-01T00:00:00+14:00"])
def test_sla_summary_out_of_range(client, make_user, bearer, query):
    token = make_user("boss", "supervisor", "gxj")
    response = client.get(f"/api/v1/sla/summary?{query}", headers=bearer(token))
    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["error"]["fields"]


def test_dates_out_of_range_on_policies(client, editor_token, bearer):
    response = client.post("/api/v1/policies", headers=bearer(editor_token),
                           json={"title": "测试", "body": "正文内容。", "effective_to": "9999-12-31"})
    assert response.status_code == 422
    assert "effective_to" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/policies?issued_from=0001-01-01").status_code == 422


def test_stored_evidence_with_a_list_field_still_renders(client, app, make_policy, make_user):
    policy = make_policy()
    with app.app_context():
        stored = db.session.get(Policy, policy["id"])
        stored.criteria = stored.criteria | {"evidence": [{"field": ["sizes"], "value": 1, "sentence": ["x"]}]}
        db.session.commit()
    make_user("ed2", "editor", "gxj", password=PASSWORD)
    client.post("/login", data={"username": "ed2", "password": PASSWORD})
    assert client.get(f"/staff/policies/{policy['id']}").status_code == 200


def test_a_registration_racing_another_is_409(client, app, admin, bearer, new_credit_code, monkeypatch):
    from policyhub.services import enterprises

    body = {"credit_code": new_credit_code(3), "name": "滨州测试三有限公司", "industry_code": "3252"}
    assert client.post("/api/v1/enterprises", json=body, headers=bearer(admin)).status_code == 201
    # The second request passed its uniqueness check before the first one committed.
    monkeypatch.setattr(enterprises, "enterprise_by_credit_code", lambda code: None)
    response = client.post("/api/v1/enterprises", json=body, headers=bearer(admin))
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"credit_code": "已登记"}
    with app.app_context():
        assert db.session.scalar(select(func.count(Enterprise.id))) == 1


def test_override_day_out_of_range(client, admin, bearer):
    response = client.put("/api/v1/calendar/overrides/0001-01-01", headers=bearer(admin),
                          data=json.dumps({"workday": True}), content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("criteria, reason", [("[" * 1000 + "]" * 1000, "嵌套过深"), ("{", "不是有效的 JSON"),
                                              ('{"evidence": [{"field": "sizes", "value": "\\ud800", "sentence": "x"}]}',
                                               "代理字符")])
def test_multipart_criteria_is_parsed_like_a_json_body(client, app, editor_token, bearer, criteria, reason):
    response = client.post("/api/v1/policies", headers=bearer(editor_token), content_type="multipart/form-data",
                           data={"title": "测试政策", "body": "对小型企业给予奖励。", "criteria": criteria})
    assert response.status_code == 422
    assert any(reason in message for message in response.get_json()["error"]["fields"].values())
    with app.app_context():
        assert db.session.scalar(select(func.count(Policy.id))) == 0
