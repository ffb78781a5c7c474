"""The command line: users create prints a working token; the demo seed is complete and idempotent."""

import re

from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Department, Policy, User, utcnow
from policyhub.services.seed import DEMO_DIR, parse_demo_policy
from policyhub.timeutil import local_date

DEMO_POLICIES = [parse_demo_policy(p.read_text(encoding="utf-8")) for p in sorted((DEMO_DIR / "policies").glob("*.txt"))]


def test_users_create_prints_a_token_that_works(runner, client, make_department):
    make_department("gxj")
    result = runner.invoke(args=["users", "create", "li", "--role", "editor", "--department", "gxj",
                                 "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    token = next(line.split(": ", 1)[1] for line in result.output.splitlines() if line.startswith("token: "))
    response = client.post("/api/v1/policies", json={"title": "标题", "body": "正文"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    login = client.post("/login", data={"username": "li", "password": "a-long-password"})
    assert login.status_code == 302


def test_users_create_refuses_bad_input(runner, make_department):
    make_department("gxj")
    assert runner.invoke(args=["users", "create", "x", "--role", "king"]).exit_code != 0
    result = runner.invoke(args=["users", "create", "li", "--role", "editor", "--department", "nope"])
    assert result.exit_code != 0 and "nope" in result.output
    runner.invoke(args=["users", "create", "li", "--role", "editor", "--department", "gxj"])
    again = runner.invoke(args=["users", "create", "li", "--role", "editor", "--department", "gxj"])
    assert again.exit_code != 0 and "已存在" in again.output


def test_seed_demo_is_complete_and_idempotent(app, runner, client):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "editor" in first.output and "password" in first.output
    with app.app_context():
        policies = db.session.scalar(select(func.count(Policy.id)))
        users = db.session.scalar(select(func.count(User.id)))
        departments = db.session.scalar(select(func.count(Department.id)))
    assert policies == len(DEMO_POLICIES)
    # The demo's policies end on real dates: on any day, those still in force are the public list.
    today = local_date(utcnow())
    in_force = [p for p in DEMO_POLICIES if p["effective_to"] is None or p["effective_to"] >= today]
    listing = client.get("/api/v1/policies?per_page=100").get_json()
    assert listing["total"] == len(in_force)
    second = runner.invoke(args=["seed", "demo"])
    assert "+0 departments, +0 users, +0 policies" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Policy.id))) == policies
        assert db.session.scalar(select(func.count(User.id))) == users
        assert db.session.scalar(select(func.count(Department.id))) == departments


def test_seeded_editor_can_log_in_and_publish(app, runner, client):
    runner.invoke(args=["seed", "demo"])
    assert client.post("/login", data={"username": "editor", "password": "editor-demo-2026"}).status_code == 302
    created = client.post("/staff/policies/new", data={
        "title": "演示：新政策", "department": "gxj", "body": "对本市中小微企业给予支持。"})
    assert created.status_code == 302
    policy_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    # "对本市中小微企业给予支持" names no industry: publishing to every sector waits for the editor's confirmation.
    draft = client.get(f"/staff/policies/{policy_id}").get_data(as_text=True)
    assert "未识别到行业限制，将推送给全部行业的企业" in draft and "我已核对以上提示，确认发布" in draft
    refused = client.post(f"/staff/policies/{policy_id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "发布前请核对适用条件提示并勾选确认" in refused
    assert client.get(f"/api/v1/policies/{policy_id}").status_code == 404  # still a draft
    reach = re.search(r"将推送给 (\d+) 家企业，确认发布", draft).group(1)
    published = client.post(f"/staff/policies/{policy_id}/publish", data={
        "confirm_review": "y", "confirm_reach": "y", "expected_reach": reach}, follow_redirects=True)
    assert "已发布" in published.get_data(as_text=True)
    assert client.get(f"/api/v1/policies/{policy_id}").get_json()["status"] == "published"


def test_users_create_with_contacts_for_escalations(app, runner, make_department):
    make_department("yshj")
    result = runner.invoke(args=["users", "create", "boss", "--role", "supervisor", "--department", "yshj",
                                 "--email", "Boss@Example.com", "--mobile", "+86 139 0000 1111"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        assert (user.email, user.mobile) == ("Boss@example.com", "13900001111")
    bad = runner.invoke(args=["users", "create", "boss2", "--role", "supervisor", "--mobile", "123"])
    assert bad.exit_code != 0 and "mobile" in bad.output
