"""Staff accounts: hashed tokens and passwords, throttled login, roles and departments, CSRF."""

import hashlib
import re

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import AuditEvent, User


def login(client, username, password, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def test_token_and_password_are_stored_hashed(app, make_user):
    token = make_user("editor", "editor", "gxj", password="correct-horse-battery")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "editor"))
        assert user.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (user.password_hash or "")
        assert "correct-horse-battery" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_and_logout(client, make_user):
    make_user("editor", "editor", "gxj", password="correct-horse-battery")
    response = login(client, "editor", "correct-horse-battery")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")
    page = client.get("/staff/").get_data(as_text=True)
    assert "政策管理" in page and "政策编辑" in page
    client.post("/logout")
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, make_user):
    make_user("editor", "editor", "gxj", password="correct-horse-battery")
    for username in ("editor", "nobody"):
        response = login(client, username, "wrong-password")
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_locks_after_repeated_failures(app, client, make_user):
    make_user("editor", "editor", "gxj", password="correct-horse-battery")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert login(client, "editor", "guess").status_code == 401
    locked = login(client, "editor", "guess")
    assert locked.status_code == 429
    assert "已锁定" in locked.get_data(as_text=True)
    # Even the right password is refused while locked.
    assert login(client, "editor", "correct-horse-battery").status_code == 429
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked")) is not None


def test_login_rate_limit_per_address(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True)
    make_user("editor", "editor", "gxj")
    client = app.test_client()
    codes = [login(client, f"user{i}", "x").status_code for i in range(21)]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429


def test_open_redirect_after_login_is_refused(client, make_user):
    make_user("editor", "editor", "gxj", password="correct-horse-battery")
    response = login(client, "editor", "correct-horse-battery", query_string={"next": "//evil.example/x"})
    assert response.headers["Location"].endswith("/staff/")


def test_forms_require_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    make_user("editor", "editor", "gxj", password="correct-horse-battery")
    client = app.test_client()
    refused = login(client, "editor", "correct-horse-battery")
    assert refused.status_code == 400
    assert client.get("/staff/").status_code == 302  # not logged in
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"username": "editor", "password": "correct-horse-battery",
                                           "csrf_token": token})
    assert accepted.status_code == 302


def test_api_needs_a_valid_bearer_token(client, make_user, bearer):
    make_user("editor", "editor", "gxj")
    body = {"title": "标题", "body": "正文"}
    missing = client.post("/api/v1/policies", json=body)
    assert missing.status_code == 401
    assert missing.get_json()["error"]["code"] == "unauthorized"
    wrong = client.post("/api/v1/policies", json=body, headers=bearer("not-a-token"))
    assert wrong.status_code == 401
    malformed = client.post("/api/v1/policies", json=body, headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401
    assert "Authorization" in malformed.get_json()["error"]["fields"]


def test_roles_are_enforced(client, make_user, bearer):
    answerer = make_user("answerer", "answerer", "gxj")
    supervisor = make_user("super", "supervisor", "yshj")
    for token in (answerer, supervisor):
        response = client.post("/api/v1/policies", json={"title": "标题", "body": "正文"}, headers=bearer(token))
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    editor = make_user("editor", "editor", "gxj")
    department = client.post("/api/v1/departments", json={"code": "x", "name": "某局"}, headers=bearer(editor))
    assert department.status_code == 403


def test_editor_acts_only_on_own_department(client, make_user, make_policy, bearer):
    other = make_user("tax-editor", "editor", "tax")
    admin = make_user("admin", "admin", None)
    policy = make_policy(publish=False)
    for path, kwargs in ((f"/api/v1/policies/{policy['id']}/publish", {}),
                         (f"/api/v1/policies/{policy['id']}", {"json": {"title": "改"}})):
        method = client.patch if "json" in kwargs else client.post
        response = method(path, headers=bearer(other), **kwargs)
        assert response.status_code == 403, path
    cross = client.post("/api/v1/policies", json={"title": "t", "body": "b", "department": "gxj"},
                        headers=bearer(other))
    assert cross.status_code == 403
    assert cross.get_json()["error"]["fields"] == {"department": "不是本部门"}
    # Admins act on every department's policies.
    assert client.post(f"/api/v1/policies/{policy['id']}/publish", headers=bearer(admin)).status_code == 200


def test_role_change_is_audited(app, runner, make_user):
    make_user("someone", "answerer", "gxj")
    result = runner.invoke(args=["users", "set-role", "someone", "supervisor", "--department", "gxj"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "someone"))
        assert user.role == "supervisor"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_change"))
        assert event.details["before"]["role"] == "answerer" and event.details["after"]["role"] == "supervisor"
