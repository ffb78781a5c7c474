"""Admin pages: accounts (create, role, disable, password, token shown once), departments, the audit log."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Department, User


@pytest.fixture
def admin(client, make_user):
    make_user("root", "admin", None)
    assert client.post("/login", data={"username": "root", "password": "correct-horse-battery"}).status_code == 302
    return client


def _user(app, username: str) -> User:
    with app.app_context():
        return db.session.scalars(select(User).where(User.username == username)).one()


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_only_admins_reach_the_admin_pages(client, make_user):
    make_user("editor", "editor", "gxj")
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    for url in ("/staff/admin/users", "/staff/admin/departments", "/staff/admin/audit", "/staff/admin/audit.csv"):
        assert client.get(url).status_code == 403
    assert client.post("/staff/admin/users", data={"new-username": "x", "new-role": "admin"}).status_code == 403


def test_admin_creates_an_editor_whose_token_is_shown_once_and_works(app, admin, make_department, bearer):
    make_department("gxj")
    created = admin.post("/staff/admin/users", data={
        "new-username": "wang", "new-display_name": "王编辑", "new-role": "editor", "new-department": "gxj",
        "new-password": "wang-password-1", "new-email": "", "new-mobile": ""})
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    token = re.search(r'id="new-token".*?<code>([^<]+)</code>', page, re.S).group(1)
    assert admin.get("/api/v1/notifications", headers=bearer(token)).status_code == 200
    assert token not in admin.get("/staff/admin/users").get_data(as_text=True)
    assert "王编辑" in admin.get("/staff/admin/users").get_data(as_text=True)

    user = _user(app, "wang")
    rotated = admin.post(f"/staff/admin/users/{user.id}/token").get_data(as_text=True)
    fresh = re.search(r'id="new-token".*?<code>([^<]+)</code>', rotated, re.S).group(1)
    assert fresh != token
    assert admin.get("/api/v1/notifications", headers=bearer(token)).status_code == 401
    assert admin.get("/api/v1/notifications", headers=bearer(fresh)).status_code == 200
    assert _actions(app)[-2:] == ["user.create", "user.token_rotate"]


def test_bad_account_input_names_the_field_and_changes_nothing(app, admin, make_department):
    make_department("gxj")
    refused = admin.post("/staff/admin/users", data={
        "new-username": "a b", "new-role": "editor", "new-department": "", "new-password": "short"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "用户名须为" in text and "密码至少 8 位" in text and "须属于一个部门" in text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "a b")) is None


def test_role_disable_password_reset_are_audited(app, admin, client, make_user, make_department):
    make_department("tax", "滨州市税务局")
    make_user("li", "answerer", "gxj")
    li = _user(app, "li")
    assert admin.post(f"/staff/admin/users/{li.id}/role", data={
        f"u{li.id}-role": "editor", f"u{li.id}-department": "tax"}).status_code == 302
    li = _user(app, "li")
    assert li.role == "editor"
    with app.app_context():
        assert db.session.get(User, li.id).department.code == "tax"
    refused = admin.post(f"/staff/admin/users/{li.id}/role", data={
        f"u{li.id}-role": "answerer", f"u{li.id}-department": ""})
    assert refused.status_code == 422 and "须属于一个部门" in refused.get_data(as_text=True)
    assert _user(app, "li").role == "editor"

    short = admin.post(f"/staff/admin/users/{li.id}/password", data={"password": "1234"})
    assert short.status_code == 422 and "密码至少 8 位" in short.get_data(as_text=True)
    assert admin.post(f"/staff/admin/users/{li.id}/password", data={"password": "new-password-9"}).status_code == 302
    assert admin.post(f"/staff/admin/users/{li.id}/active", data={"active": "0"}).status_code == 302
    assert _user(app, "li").is_active_account is False
    root = _user(app, "root")
    itself = admin.post(f"/staff/admin/users/{root.id}/active", data={"active": "0"})
    assert itself.status_code == 422 and "不能停用自己的账号" in itself.get_data(as_text=True)
    assert admin.post(f"/staff/admin/users/{li.id}/active", data={"active": "maybe"}).status_code == 422
    assert _actions(app)[-3:] == ["user.role_change", "user.password_reset", "user.disable"]
    with app.app_context():
        reset = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).one()
        assert "new-password-9" not in str(reset.details)

    other = app.test_client()
    assert other.post("/login", data={"username": "li", "password": "new-password-9"}).status_code != 302
    admin.post(f"/staff/admin/users/{li.id}/active", data={"active": "1"})
    assert other.post("/login", data={"username": "li", "password": "new-password-9"}).status_code == 302


def test_departments_created_and_their_escalation_contacts_changed(app, admin):
    assert admin.post("/staff/admin/departments", data={
        "new-code": "kjj", "new-name": "滨州市科学技术局", "new-email": "kjj@example.com", "new-phone": ""}
    ).status_code == 302
    bad = admin.post("/staff/admin/departments", data={"new-code": "科技", "new-name": ""})
    assert bad.status_code == 422
    assert "部门代码须为字母" in bad.get_data(as_text=True) and "请填写部门名称" in bad.get_data(as_text=True)
    taken = admin.post("/staff/admin/departments", data={"new-code": "kjj", "new-name": "重复"})
    assert taken.status_code == 409
    with app.app_context():
        department = db.session.scalars(select(Department).where(Department.code == "kjj")).one()
    wrong = admin.post(f"/staff/admin/departments/{department.id}", data={
        f"d{department.id}-name": "滨州市科学技术局", f"d{department.id}-email": "not-an-email"})
    assert wrong.status_code == 422 and "邮箱格式有误" in wrong.get_data(as_text=True)
    assert admin.post(f"/staff/admin/departments/{department.id}", data={
        f"d{department.id}-name": "滨州市科学技术局", f"d{department.id}-email": "duban@example.com",
        f"d{department.id}-phone": "0543-3160000"}).status_code == 302
    with app.app_context():
        department = db.session.get(Department, department.id)
        assert (department.email, department.phone) == ("duban@example.com", "0543-3160000")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "department.update")).one()
        assert event.details["before"]["email"] == "kjj@example.com"
        assert event.details["after"]["email"] == "duban@example.com"
    assert "0543-3160000" in admin.get("/staff/admin/departments").get_data(as_text=True)


def test_audit_log_filters_by_who_what_when_and_exports_csv(app, admin, make_department):
    make_department("gxj")
    with app.app_context():
        for moment, actor, action in (
            (datetime(2026, 3, 1, 15, 59, tzinfo=UTC), "li", "policy.publish"),  # 3-01 23:59 in Shanghai
            (datetime(2026, 3, 1, 16, 1, tzinfo=UTC), "li", "policy.withdraw"),  # 3-02 00:01 in Shanghai
            (datetime(2026, 3, 5, 2, 0, tzinfo=UTC), "wang", "user.create"),
        ):
            db.session.add(AuditEvent(occurred_at=moment, actor_name=actor, action=action, object_type="policy",
                                      object_id="7", details={"reason": "条款调整"}))
        db.session.commit()
    page = admin.get("/staff/admin/audit", query_string={"actor": "li", "since": "2026-03-02", "until": "2026-03-02"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2026-03-02 至 2026-03-02（北京时间，含首尾两日）" in text and "共 1 条" in text
    assert "撤回" in text.split('class="list events"')[1] and "发布" not in text.split('class="list events"')[1]
    prefix = admin.get("/staff/admin/audit", query_string={"action": "policy.", "until": "2026-03-04"})
    assert "共 2 条" in prefix.get_data(as_text=True)
    bad = admin.get("/staff/admin/audit", query_string={"since": "2026-13-01", "page": "x"})
    assert bad.status_code == 422 and "日期格式应为 YYYY-MM-DD" in bad.get_data(as_text=True)
    assert "页码须为正整数" in bad.get_data(as_text=True)
    reversed_range = admin.get("/staff/admin/audit", query_string={"since": "2026-03-05", "until": "2026-03-01"})
    assert reversed_range.status_code == 422 and "结束日期不能早于开始日期" in reversed_range.get_data(as_text=True)

    exported = admin.get("/staff/admin/audit.csv", query_string={"actor": "li"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间（北京时间）", "操作人", "操作"]
    assert [r[3] for r in rows[1:]] == ["policy.withdraw", "policy.publish"]
    assert rows[1][0] == "2026-03-02 00:01:00" and rows[1][2] == "撤回" and "条款调整" in rows[1][6]
    assert admin.get("/staff/admin/audit.csv", query_string={"until": "bad"}).status_code == 422
