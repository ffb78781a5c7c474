"""The policy store through the JSON API: drafts, versions, publish, withdraw, expiry, bad input."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Policy, PolicyFile, PolicyVersion


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_draft_with_criteria(client, editor_token, bearer):
    response = client.post("/api/v1/policies", headers=bearer(editor_token), json={
        "title": "滨州市支持高端铝业发展的若干措施", "body": "对铝加工中小企业给予补贴。",
        "doc_number": "滨工信发〔2026〕12号", "issued_on": "2026-03-15", "effective_to": "2028-03-14",
        "criteria": {"industries": ["C3216", "3252"], "sizes": ["small", "micro"], "regions": ["371600"]},
    })
    assert response.status_code == 201
    policy = response.get_json()
    assert policy["status"] == "draft"
    assert policy["version"] == 1
    assert policy["department"]["code"] == "gxj"
    assert policy["criteria"]["industries"] == ["3216", "3252"]  # C3216 means 3216
    assert policy["criteria"]["sizes"] == ["small", "micro"]
    assert policy["criteria"]["above_scale_only"] is False
    assert policy["effective_to"] == "2028-03-14"


def test_draft_is_not_public(client, make_policy):
    policy = make_policy(publish=False)
    assert client.get(f"/api/v1/policies/{policy['id']}").status_code == 404
    assert client.get("/api/v1/policies").get_json()["total"] == 0


@pytest.mark.parametrize("body, field, reason", [
    ({"body": "正文"}, "title", "必填"),
    ({"title": "标题"}, "body", "必填"),
    ({"title": "x" * 301, "body": "正文"}, "title", "300"),
    ({"title": "标题", "body": "正文", "issued_on": "2026-13-01"}, "issued_on", "YYYY-MM-DD"),
    ({"title": "标题", "body": "正文", "colour": "red"}, "colour", "未知字段"),
    ({"title": "标题", "body": "正文", "criteria": {"industries": ["32A"]}}, "criteria.industries", "32A"),
    ({"title": "标题", "body": "正文", "criteria": {"sizes": ["huge"]}}, "criteria.sizes", "huge"),
    ({"title": "标题", "body": "正文", "criteria": {"regions": ["3716"]}}, "criteria.regions", "6 位"),
    ({"title": "标题", "body": "正文", "criteria": {"above_scale_only": "yes"}}, "criteria.above_scale_only", "true"),
    ({"title": "标题", "body": "正文", "criteria": {"bogus": 1}}, "criteria.bogus", "未知"),
    ({"title": "标题", "body": "正文", "effective_from": "2026-05-01", "effective_to": "2026-04-01"},
     "effective_to", "早于"),
    ({"title": "标题", "body": "正文", "department": "nope"}, "department", "不存在"),
])
def test_bad_policy_input_names_the_field_and_changes_nothing(app, client, editor_token, bearer, body, field,
                                                              reason):
    events = count(app, AuditEvent)
    response = client.post("/api/v1/policies", json=body, headers=bearer(editor_token))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert reason in error["fields"][field]
    assert count(app, Policy) == 0
    assert count(app, AuditEvent) == events


@pytest.mark.parametrize("data, content_type", [
    ("not json", "application/json"),
    ("[1, 2]", "application/json"),
    ("title=x", "text/plain"),
])
def test_malformed_body_is_400(client, editor_token, bearer, data, content_type):
    response = client.post("/api/v1/policies", data=data, content_type=content_type, headers=bearer(editor_token))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["body"]


def test_doc_number_is_unique_per_department(client, make_user, make_policy, bearer):
    make_policy(doc_number="滨工信发〔2026〕1号", publish=False)
    again = client.post("/api/v1/policies", headers=bearer(make_user("e2", "editor", "gxj")),
                        json={"title": "另一政策", "body": "正文", "doc_number": "滨工信发〔2026〕1号"})
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"]["doc_number"] == "文号已存在"
    other_department = client.post("/api/v1/policies", headers=bearer(make_user("tax-editor", "editor", "tax")),
                                   json={"title": "税务政策", "body": "正文", "doc_number": "滨工信发〔2026〕1号"})
    assert other_department.status_code == 201


def test_edit_makes_a_new_version_with_who_and_what(app, client, editor_token, make_policy, bearer):
    policy = make_policy(publish=False)
    response = client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                            json={"title": "滨州市支持高端铝业发展的若干措施（修订）", "criteria": {"sizes": ["micro"]}})
    assert response.status_code == 200
    assert response.get_json()["version"] == 2
    versions = client.get(f"/api/v1/policies/{policy['id']}/versions", headers=bearer(editor_token)).get_json()
    assert [v["version"] for v in versions["items"]] == [1, 2]
    assert set(versions["items"][1]["changed_fields"]) == {"title", "criteria"}
    assert versions["items"][1]["edited_by"] == "editor"
    unchanged = client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token),
                             json={"title": "滨州市支持高端铝业发展的若干措施（修订）"})
    assert unchanged.get_json()["version"] == 2  # nothing changed, no new version
    with app.app_context():
        assert db.session.scalar(select(func.count(PolicyVersion.id))) == 2
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy.edit")).details[
            "version"] == 2


def test_publish_then_withdraw(app, client, editor_token, make_policy, bearer):
    policy = make_policy(publish=False)
    published = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token))
    assert published.status_code == 200
    assert published.get_json().items() >= {"status": "published", "matched": 0, "notifications_queued": 0}.items()
    assert client.get(f"/api/v1/policies/{policy['id']}").get_json()["status"] == "published"
    assert client.get("/api/v1/policies").get_json()["total"] == 1
    twice = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token))
    assert twice.status_code == 409
    withdrawn = client.post(f"/api/v1/policies/{policy['id']}/withdraw", headers=bearer(editor_token),
                            json={"reason": "政策调整"})
    assert withdrawn.get_json().items() >= {"status": "withdrawn", "notifications_cancelled": 0}.items()
    assert client.get(f"/api/v1/policies/{policy['id']}").status_code == 404
    assert client.get("/api/v1/policies").get_json()["total"] == 0
    edit = client.patch(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token), json={"title": "x"})
    assert edit.status_code == 409
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-3:] == ["policy.create", "policy.publish", "policy.withdraw"]


def test_policy_past_its_expiry_cannot_be_published(client, editor_token, make_policy, bearer):
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    policy = make_policy(publish=False, effective_to=yesterday)
    response = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(editor_token))
    assert response.status_code == 409
    assert "effective_to" in response.get_json()["error"]["fields"]


def test_expiry_job_expires_published_policies(app, client, make_policy, editor_token, bearer):
    policy = make_policy(effective_to=(date.today() + timedelta(days=30)).isoformat())
    keep = make_policy(title="长期有效的政策", body="长期")
    with app.app_context():
        row = db.session.get(Policy, policy["id"])
        row.effective_to = date.today() - timedelta(days=2)
        db.session.commit()
    # Already out of the public list before the job runs …
    assert [p["id"] for p in client.get("/api/v1/policies").get_json()["items"]] == [keep["id"]]
    from policyhub.jobs import run_job

    run_job(app, "expire_policies")
    assert client.get(f"/api/v1/policies/{policy['id']}", headers=bearer(editor_token)).get_json()[
        "status"] == "expired"
    assert client.get(f"/api/v1/policies/{keep['id']}").get_json()["status"] == "published"


def test_paging_arguments_are_validated(client):
    for query in ("page=0", "per_page=501", "page=abc", "per_page=-1"):
        response = client.get(f"/api/v1/policies?{query}")
        assert response.status_code == 422, query
        assert set(response.get_json()["error"]["fields"]) <= {"page", "per_page"}


def test_departments_api(client, make_user, bearer):
    admin = make_user("admin", "admin", None)
    created = client.post("/api/v1/departments", headers=bearer(admin),
                          json={"code": "kjj", "name": "滨州市科学技术局", "email": "kjj@example.gov.cn"})
    assert created.status_code == 201
    assert created.get_json()["name"] == "滨州市科学技术局"
    assert client.post("/api/v1/departments", headers=bearer(admin),
                       json={"code": "kjj", "name": "重复"}).status_code == 409
    bad = client.post("/api/v1/departments", headers=bearer(admin), json={"code": "KJ J", "name": ""})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"code", "name"}
    listing = client.get("/api/v1/departments").get_json()
    assert "kjj" in [d["code"] for d in listing["items"]]


def test_no_file_rows_for_text_policies(app, make_policy):
    make_policy()
    assert count(app, PolicyFile) == 0
