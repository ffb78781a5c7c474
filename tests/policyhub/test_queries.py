"""Issue 13: query strings are parsed into typed models, refusing what the database cannot hold, naming the field."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from pydantic import ValidationError

from policyhub.inputs import field_errors
from policyhub.web.queries import PageQuery, PolicyListQuery, SlaQuery

STAFF_LISTS = ["/api/v1/enterprises", "/api/v1/consultations", "/api/v1/notifications"]


@pytest.fixture
def staff(make_user, bearer) -> dict[str, str]:
    return bearer(make_user("editor", "editor", "gxj"))


@pytest.mark.parametrize("url", ["/api/v1/policies", "/api/v1/departments", *STAFF_LISTS])
@pytest.mark.parametrize("name, value, label", [
    ("page", "²", "页码"), ("page", "٣", "页码"), ("page", "0", "页码"), ("page", "1_0", "页码"),
    ("page", "18446744073709551616", "页码"), ("per_page", "501", "每页条数"), ("per_page", "-1", "每页条数")])
def test_a_bad_page_is_a_422_naming_the_parameter_in_chinese(client, staff, url, name, value, label):
    response = client.get(f"{url}?{name}={quote(value)}", headers=staff)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert label in error["message"] and label in error["fields"][name]


@pytest.mark.parametrize("url", ["/api/v1/policies", "/api/v1/departments", *STAFF_LISTS])
def test_unknown_and_empty_parameters_are_ignored(client, staff, url):
    response = client.get(f"{url}?_=1733500000&page=&per_page= 7 ", headers=staff)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["page"], response.get_json()["per_page"]) == (1, 7)


@pytest.mark.parametrize("query, field", [
    ("issued_from=0001-01-01", "issued_from"), ("issued_to=9999-12-31", "issued_to"),
    ("issued_from=2026-02-30", "issued_from"), ("q=" + "长" * 201, "q"), ("size=huge", "size")])
def test_policy_search_refuses_what_it_cannot_use(client, query, field):
    response = client.get(f"/api/v1/policies?{query}")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {field}


@pytest.mark.parametrize("value", ["%00", "a%00b", "%EF%BF%BE"])
def test_text_the_database_cannot_hold_is_refused_in_a_query(client, value):
    response = client.get(f"/api/v1/policies?department={value}")
    assert response.status_code in (400, 422)
    assert "department" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["\ud800", "a\x00b", "\ufffe"])
def test_the_models_themselves_refuse_text_the_database_cannot_hold(value):
    with pytest.raises(ValidationError) as caught:
        PolicyListQuery.model_validate({"department": value, "q": value})
    assert set(field_errors(caught.value)) == {"department", "q"}


def test_notification_filters_refuse_an_id_beyond_the_database_integer(client, staff):
    response = client.get("/api/v1/notifications?policy_id=2147483648", headers=staff)
    assert response.status_code == 422 and "政策编号" in response.get_json()["error"]["fields"]["policy_id"]
    assert client.get("/api/v1/notifications?policy_id=2147483647", headers=staff).status_code == 200


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01T00:00:00+14:00", "from=2026-01-01T09:00"])
def test_the_sla_period_refuses_years_outside_1900_2200_and_naive_times(client, make_user, bearer, query):
    headers = bearer(make_user("boss", "supervisor", "yshj"))
    response = client.get(f"/api/v1/sla/summary?{query}", headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {query.split("=")[0]}


def test_the_models_read_the_values_the_api_documents():
    assert PageQuery.model_validate({}).model_dump() == {"page": 1, "per_page": 20}
    query = PolicyListQuery.model_validate({"size": "", "q": "  技改 ", "issued_from": "2026-01-05", "page": "2"})
    assert (query.size, query.q, query.issued_from.isoformat(), query.page) == (None, "技改", "2026-01-05", 2)
    period = SlaQuery.model_validate({"from": "2026-11-01", "to": "2026-11-26T09:00:00+08:00"})
    assert period.from_.isoformat() == "2026-11-01" and period.to.isoformat() == "2026-11-26T01:00:00+00:00"
