"""Policy facts: what the editor leaves empty is read from the text, with its sentence; the editor's word wins."""

from datetime import date

import pytest

from policyhub.extensions import db
from policyhub.models import Policy
from policyhub.services.policies import apply_window

TITLE = "关于开展中小企业数字化转型奖励申报工作的通知（滨工信发〔2034〕88号）"
BODY = """各县（市、区）工业和信息化局：
为支持中小企业数字化转型，现将有关事项通知如下。
一、支持标准。对通过评审的项目，给予最高200万元奖励。
二、申报时间。申报时间为2035年3月1日至2035年4月30日，逾期不予受理。
三、联系方式。市工业和信息化局企业科，联系电话：0543-3161234。
本通知自2035年1月1日起施行，有效期至2037年12月31日。
滨州市工业和信息化局
2034年12月20日"""


def create(client, token, bearer, **fields):
    response = client.post("/api/v1/policies", headers=bearer(token),
                           json={"title": TITLE, "body": BODY, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_empty_fields_are_read_from_the_text_with_their_sentence(client, editor_token, bearer):
    policy = create(client, editor_token, bearer)
    assert policy["doc_number"] == "滨工信发〔2034〕88号"
    assert policy["issued_on"] == "2034-12-20"
    assert (policy["effective_from"], policy["effective_to"]) == ("2035-01-01", "2037-12-31")
    assert (policy["apply_from"], policy["apply_until"]) == ("2035-03-01", "2035-04-30")
    assert policy["max_support_wan"] == 200
    assert policy["contact"].startswith("市工业和信息化局企业科") and "0543-3161234" in policy["contact"]
    facts = policy["facts"]
    assert set(facts["filled_from_text"]) == {
        "doc_number", "issued_on", "effective_from", "effective_to", "apply_from", "apply_until",
        "max_support_wan", "contact"}
    sentences = {e["field"]: e["sentence"] for e in facts["evidence"]}
    assert "2035年4月30日" in sentences["apply_until"]
    assert "最高200万元" in sentences["max_support_wan"]


def test_what_the_editor_gives_is_kept_and_not_marked_as_read(client, editor_token, bearer):
    policy = create(client, editor_token, bearer, apply_until="2035-05-15", max_support_wan=50, contact="12345")
    assert policy["apply_until"] == "2035-05-15"
    assert policy["max_support_wan"] == 50
    assert policy["contact"] == "12345"
    assert not {"apply_until", "max_support_wan", "contact"} & set(policy["facts"]["filled_from_text"])
    assert policy["apply_from"] == "2035-03-01"  # the one left empty still comes from the text


def test_an_edited_text_moves_what_was_read_but_not_what_the_editor_set(client, editor_token, bearer):
    policy = create(client, editor_token, bearer, contact="市工信局 12345")
    new_body = BODY.replace("2035年4月30日", "2035年6月30日").replace("最高200万元", "最高300万元")
    response = client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                            json={"body": new_body, "max_support_wan": 250})
    assert response.status_code == 200, response.get_json()
    edited = client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token)).get_json()
    assert edited["apply_until"] == "2035-06-30"  # followed the text
    assert edited["max_support_wan"] == 250  # the editor's figure, not the text's 300
    assert edited["contact"] == "市工信局 12345"
    assert "max_support_wan" not in edited["facts"]["filled_from_text"]
    assert "apply_until" in edited["facts"]["filled_from_text"]
    # A later text edit leaves the editor's amount alone.
    client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                 json={"body": new_body.replace("最高300万元", "最高400万元")})
    again = client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token)).get_json()
    assert again["max_support_wan"] == 250


def test_a_validity_read_from_the_text_drives_expiry(client, editor_token, bearer):
    body = "对符合条件的企业给予补贴。\n本通知自2019年1月1日起施行，有效期至2020年12月31日。"
    policy = create(client, editor_token, bearer, body=body, title="滨州市2019年企业补贴政策")
    assert policy["effective_to"] == "2020-12-31"
    response = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token))
    assert response.status_code == 409
    assert "effective_to" in response.get_json()["error"]["fields"]


def test_a_doc_number_another_policy_holds_is_not_taken_from_the_text(client, editor_token, bearer):
    first = create(client, editor_token, bearer)
    second = create(client, editor_token, bearer)
    assert first["doc_number"] == "滨工信发〔2034〕88号"
    assert second["doc_number"] is None
    assert "doc_number" not in second["facts"]["filled_from_text"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"max_support_wan": -1}, "max_support_wan"),
    ({"max_support_wan": "很多"}, "max_support_wan"),
    ({"apply_from": "2035-05-01", "apply_until": "2035-04-01"}, "apply_until"),
    ({"contact": "电" * 301}, "contact"),
    ({"apply_until": "2035-02-30"}, "apply_until"),
])
def test_bad_facts_name_the_field_and_store_nothing(app, client, editor_token, bearer, fields, field):
    response = client.post("/api/v1/policies", headers=bearer(editor_token),
                           json={"title": TITLE, "body": BODY, **fields})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.query(Policy).count() == 0


def test_apply_window_in_words():
    policy = Policy(apply_from=date(2035, 3, 1), apply_until=date(2035, 4, 30))
    assert apply_window(policy, date(2035, 2, 27)) == "2035-03-01 至 2035-04-30（尚未开始，2 天后开始）"
    assert apply_window(policy, date(2035, 4, 20)) == "2035-03-01 至 2035-04-30（申报中，还剩 10 天）"
    assert apply_window(policy, date(2035, 4, 30)) == "2035-03-01 至 2035-04-30（申报中，今天截止）"
    assert apply_window(policy, date(2035, 5, 1)) == "2035-03-01 至 2035-04-30（已截止）"
    assert apply_window(Policy(), date(2035, 5, 1)) is None


def test_pages_show_the_facts(client, editor_token, bearer):
    policy = create(client, editor_token, bearer)
    assert client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token)).status_code == 200
    page = client.get(f"/policies/{policy['id']}").get_data(as_text=True)
    assert "申报时间" in page and "2035-04-30" in page
    assert "200 万元" in page
    assert "0543-3161234" in page


def test_staff_page_shows_what_was_read_and_the_edit_form_keeps_it(client, editor_token, bearer):
    policy = create(client, editor_token, bearer)
    assert client.post("/login", data={"username": "editor", "password": "correct-horse-battery"}).status_code == 302
    page = client.get(f"/staff/policies/{policy['id']}").get_data(as_text=True)
    assert "以下信息读自正文，请核对" in page
    assert "申报截止：2035-04-30" in page
    form = client.get(f"/staff/policies/{policy['id']}/edit").get_data(as_text=True)
    assert 'value="2035-04-30"' in form and 'value="200' in form


def test_a_page_edit_that_resubmits_the_read_values_keeps_them_following_the_text(client, editor_token, bearer):
    policy = create(client, editor_token, bearer)
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    form = {name: policy[name] or "" for name in (
        "title", "doc_number", "issued_on", "effective_from", "effective_to", "apply_from", "apply_until",
        "max_support_wan", "contact")}
    form |= {"department": "gxj", "body": BODY.replace("2035年4月30日", "2035年5月31日")}
    response = client.post(f"/staff/policies/{policy['id']}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    edited = client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token)).get_json()
    assert edited["apply_until"] == "2035-05-31"
    assert "apply_until" in edited["facts"]["filled_from_text"]
    # The editor types a different amount on the page: it is theirs from now on.
    form |= {"max_support_wan": "150", "apply_until": "2035-05-31"}
    assert client.post(f"/staff/policies/{policy['id']}/edit", data=form).status_code == 302
    again = client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token)).get_json()
    assert again["max_support_wan"] == 150
    assert "max_support_wan" not in again["facts"]["filled_from_text"]
