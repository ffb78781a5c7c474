"""Two keys per department: the editor submits, a reviewer of the department publishes or returns with a comment."""

import re

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Department, Policy

PASSWORD = "correct-horse-battery"


@pytest.fixture
def two_keys(app, client, make_user, make_department):
    """gxj publishes through a reviewer (switched on by the admin on the departments page)."""
    make_department("gxj")
    make_user("root", "admin", None)
    assert client.post("/login", data={"username": "root", "password": PASSWORD}).status_code == 302
    with app.app_context():
        department = db.session.scalars(select(Department).where(Department.code == "gxj")).one()
    saved = client.post(f"/staff/admin/departments/{department.id}", data={
        f"d{department.id}-name": department.name, f"d{department.id}-approval_required": "y"})
    assert saved.status_code == 302
    for username, role in (("editor", "editor"), ("head", "reviewer")):
        created = client.post("/staff/admin/users", data={
            "new-username": username, "new-role": role, "new-department": "gxj", "new-password": PASSWORD})
        assert created.status_code == 201, created.get_data(as_text=True)
    client.post("/logout")
    with app.app_context():
        assert db.session.get(Department, department.id).approval_required is True
    return client


def _as(client, username: str):
    client.post("/logout")
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def _draft(client) -> int:
    created = client.post("/staff/policies/new", data={
        "title": "滨州市铝压延加工企业技术改造补贴办法", "department": "gxj",
        "body": "对本市铝压延加工企业给予技术改造补贴。"})
    assert created.status_code == 302
    return int(re.search(r"/staff/policies/(\d+)", created.headers["Location"]).group(1))


def _publish_data(page: str) -> dict[str, str]:
    reach = re.search(r"现在发布将推送给 (\d+) 家企业", page).group(1)
    return {"confirm_reach": "y", "expected_reach": reach, "confirm_review": "y"}


def _status(app, policy_id: int) -> tuple[str, str | None]:
    with app.app_context():
        policy = db.session.get(Policy, policy_id)
        return policy.status, policy.review_state


def test_editor_submits_reviewer_returns_then_publishes(app, two_keys, bearer):
    client = _as(two_keys, "editor")
    policy_id = _draft(client)
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "提交审核" in page and "发布预览" in page
    assert "确认发布" not in page  # the editor has no publish button here
    refused = client.post(f"/staff/policies/{policy_id}/publish", data=_publish_data(page), follow_redirects=True)
    assert "须经审核人审核后发布" in refused.get_data(as_text=True)
    assert _status(app, policy_id) == ("draft", None)

    assert client.post(f"/staff/policies/{policy_id}/submit").status_code == 302
    assert _status(app, policy_id) == ("draft", "submitted")
    assert "待审核" in client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)

    client = _as(client, "head")
    home = client.get("/staff/").get_data(as_text=True)
    assert "待审核（1）" in home and f"/staff/policies/{policy_id}" in home.split('id="awaiting-review"')[1]
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "审核通过并发布" in page and "退回修改" in page
    empty = client.post(f"/staff/policies/{policy_id}/return", data={"comment": " "})
    assert empty.status_code == 422 and "请填写退回意见" in empty.get_data(as_text=True)
    assert _status(app, policy_id) == ("draft", "submitted")
    assert client.post(f"/staff/policies/{policy_id}/return", data={"comment": "请补充文号"}).status_code == 302
    assert _status(app, policy_id) == ("draft", "returned")
    refused = client.post(f"/staff/policies/{policy_id}/publish", data=_publish_data(page), follow_redirects=True)
    assert "政策尚未提交审核" in refused.get_data(as_text=True)

    client = _as(client, "editor")
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "已退回修改" in page and "请补充文号" in page
    client.post(f"/staff/policies/{policy_id}/submit")

    client = _as(client, "head")
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    published = client.post(f"/staff/policies/{policy_id}/publish", data=_publish_data(page), follow_redirects=True)
    assert "已发布" in published.get_data(as_text=True)
    assert _status(app, policy_id) == ("published", None)
    history = published.get_data(as_text=True).split("版本与操作记录")[1]
    assert "提交审核" in history and "退回修改（第 1 版）：请补充文号" in history and "发布" in history
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.actor_name + ":" + AuditEvent.action).where(
            AuditEvent.object_type == "policy", AuditEvent.object_id == str(policy_id)).order_by(AuditEvent.id)))
    assert actions == ["editor:policy.create", "editor:policy.submit", "head:policy.return", "editor:policy.submit",
                       "head:policy.publish"]


def test_an_edit_after_submission_must_be_submitted_again(app, two_keys):
    client = _as(two_keys, "editor")
    policy_id = _draft(client)
    client.post(f"/staff/policies/{policy_id}/submit")
    edited = client.post(f"/staff/policies/{policy_id}/edit", data={
        "title": "滨州市铝压延加工企业技术改造补贴办法（修订）", "department": "gxj", "body": ""})
    assert edited.status_code == 302
    client = _as(client, "head")
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "之后又有修改，须重新提交" in page and "审核通过并发布" not in page
    with app.app_context():
        from policyhub.models import User
        from policyhub.services.approval import check_publish
        from policyhub.services.errors import Conflict

        head = db.session.scalars(select(User).where(User.username == "head")).one()
        with pytest.raises(Conflict, match="请编辑重新提交"):
            check_publish(head, db.session.get(Policy, policy_id))


def test_the_api_keeps_the_two_keys(app, two_keys, make_user, bearer):
    token = make_user("api-editor", "editor", "gxj")
    created = two_keys.post("/api/v1/policies", json={"title": "滨州市家纺企业品牌建设奖励办法",
                                                      "body": "支持家纺企业品牌建设。"}, headers=bearer(token))
    policy_id = created.get_json()["id"]
    refused = two_keys.post(f"/api/v1/policies/{policy_id}/publish", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "approval_required"
    assert _status(app, policy_id) == ("draft", None)


def test_a_reviewer_of_another_department_cannot_publish_or_return(app, two_keys, make_user):
    make_user("tax-head", "reviewer", "tax")
    client = _as(two_keys, "editor")
    policy_id = _draft(client)
    client.post(f"/staff/policies/{policy_id}/submit")
    client = _as(client, "tax-head")
    page = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "审核通过并发布" not in page
    client.post(f"/staff/policies/{policy_id}/publish", data={"confirm_reach": "y", "expected_reach": "0"})
    client.post(f"/staff/policies/{policy_id}/return", data={"comment": "越权"})
    assert _status(app, policy_id) == ("draft", "submitted")
