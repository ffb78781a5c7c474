"""Issue 13's holes: who sees which consultation and its contacts, the login redirect, Q&A rights, bad text."""

from __future__ import annotations

import pytest

from policyhub.extensions import db
from policyhub.models import Consultation

PASSWORD = "correct-horse-battery"
MOBILE, EMAIL = "13800001234", "zhangsan@example.com"


@pytest.fixture
def two_departments(make_department):
    make_department("gxj", "滨州市工业和信息化局")
    make_department("yshj", "滨州市优化营商环境办公室")


def ask(client, **fields) -> int:
    body = {"question": "请问技术改造补贴如何申报？", "contact_name": "张经理", "mobile": MOBILE, "email": EMAIL} | fields
    response = client.post("/api/v1/consultations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def login(client, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


# --- 1. department scope and masked contacts --------------------------------------------------------


def test_answerer_of_another_department_gets_404_on_the_detail(client, two_departments, make_user, bearer):
    consultation_id = ask(client)  # routed to triage (yshj)
    other = make_user("gxj-answerer", "answerer", "gxj")
    own = make_user("yshj-answerer", "answerer", "yshj")
    response = client.get(f"/api/v1/consultations/{consultation_id}", headers=bearer(other))
    assert response.status_code == 404
    assert MOBILE not in response.get_data(as_text=True)
    assert client.get(f"/api/v1/consultations/{consultation_id}", headers=bearer(own)).status_code == 200

    login(client, "gxj-answerer")
    page = client.get(f"/staff/consultations/{consultation_id}")
    assert page.status_code == 404
    assert MOBILE not in page.get_data(as_text=True) and EMAIL not in page.get_data(as_text=True)


def test_contacts_are_masked_in_lists_for_every_role(client, two_departments, make_user, bearer):
    ask(client)
    for username, role, department in (("admin", "admin", None), ("boss", "supervisor", "yshj"),
                                       ("ed", "editor", "yshj"), ("ans", "answerer", "yshj")):
        token = make_user(username, role, department)
        listed = client.get("/api/v1/consultations", headers=bearer(token)).get_json()
        assert listed["total"] == 1, role
        item = listed["items"][0]
        assert item["mobile"] == "138****1234", role
        assert item["email"] == "z***n@example.com", role


def test_full_contacts_only_on_the_detail_for_whoever_answers(client, two_departments, make_user, bearer):
    consultation_id = ask(client)
    answerer = make_user("ans", "answerer", "yshj")
    supervisor = make_user("boss", "supervisor", "yshj")
    detail = client.get(f"/api/v1/consultations/{consultation_id}", headers=bearer(answerer)).get_json()
    assert (detail["mobile"], detail["email"]) == (MOBILE, EMAIL)
    watched = client.get(f"/api/v1/consultations/{consultation_id}", headers=bearer(supervisor)).get_json()
    assert watched["mobile"] == "138****1234"

    login(client, "ans")
    assert MOBILE in client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)
    client.post("/logout")
    login(client, "boss")
    page = client.get(f"/staff/consultations/{consultation_id}").get_data(as_text=True)
    assert MOBILE not in page and "138****1234" in page


# --- 2. the redirect after login --------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/%09/evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
    "http:evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%00/evil.example", "%2F%2Fevil.example",
    "/\t/evil.example", " //evil.example", "javascript:alert(1)", "///evil.example", "/%5Cevil.example",
    "evil.example", "/\u3000/evil.example", "/%E3%80%80/evil.example", "/\x7f/evil.example",
])
def test_login_redirects_only_to_same_site_paths(client, make_user, target):
    make_user("ed", "editor", "gxj")
    response = client.post(f"/login?next={target}", data={"username": "ed", "password": PASSWORD})
    if "%00" in target:  # refused before the view: no text with NUL goes anywhere
        assert response.status_code == 422
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/", target


@pytest.mark.parametrize("target", ["/staff/consultations?status=overdue", "/staff/policies/3"])
def test_login_keeps_a_local_next(client, make_user, target):
    make_user("ed", "editor", "gxj")
    response = client.post("/login", query_string={"next": target}, data={"username": "ed", "password": PASSWORD})
    assert response.headers["Location"] == target


# --- 3. publishing an answer as public Q&A ----------------------------------------------------------


def _answered(client, app, make_policy, make_user, bearer) -> tuple[int, int]:
    policy = make_policy()  # a gxj policy: the question is routed to gxj
    consultation_id = ask(client, policy_id=policy["id"])
    answerer = make_user("gxj-ans", "answerer", "gxj")
    answered = client.post(f"/api/v1/consultations/{consultation_id}/answer", headers=bearer(answerer),
                           json={"answer": "请提交项目备案和发票。"})
    assert answered.status_code == 200
    return consultation_id, policy["id"]


def test_an_editor_of_another_department_cannot_publish_qa(client, app, two_departments, make_policy, make_user,
                                                           bearer):
    consultation_id, policy_id = _answered(client, app, make_policy, make_user, bearer)
    make_user("yshj-ed", "editor", "yshj")
    login(client, "yshj-ed")
    client.post(f"/staff/consultations/{consultation_id}/publish-qa")
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).published_as_qa is False
    assert "请提交项目备案和发票。" not in client.get(f"/policies/{policy_id}").get_data(as_text=True)

    client.post("/logout")
    make_user("gxj-ed", "editor", "gxj")
    login(client, "gxj-ed")
    client.post(f"/staff/consultations/{consultation_id}/publish-qa")
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).published_as_qa is True


# --- production safety --------------------------------------------------------------------------------


def test_without_a_secret_key_the_app_refuses_a_shared_database(tmp_path, monkeypatch):
    from policyhub import create_app

    monkeypatch.delenv("POLICYHUB_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="POLICYHUB_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://policyhub@db.invalid/policyhub",
                    "INSTANCE_PATH": str(tmp_path / "instance")})
    embedded = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                           "INSTANCE_PATH": str(tmp_path / "instance")})
    assert embedded.config["SECRET_KEY"]


@pytest.mark.parametrize("hops, seen", [(0, "127.0.0.1"), (1, "203.0.113.5")])
def test_proxy_fix_makes_the_client_address_visible(make_app, hops, seen):
    from flask import request

    app = make_app(PROXY_FIX=hops)
    app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    response = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.5"})
    assert response.get_data(as_text=True) == seen


@pytest.mark.parametrize("url", ["/", "/login", "/consultations/new", "/api/v1/policies", "/nowhere"])
def test_security_headers_on_every_answer(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("hops, other_client", [(0, 429), (1, 202)])
def test_behind_the_proxy_rate_limits_count_each_client_not_the_proxy(make_app, new_credit_code, hops,
                                                                       other_client):
    # Without PROXY_FIX every request seems to come from the proxy, so one client's burst stops everyone.
    client = make_app(PROXY_FIX=hops, RATELIMIT_ENABLED=True).test_client()
    body = {"credit_code": new_credit_code(41), "mobile": "13800138000"}

    def send(address: str) -> int:
        return client.post("/api/v1/me/code", json=body, headers={"X-Forwarded-For": address}).status_code

    assert [send("203.0.113.5") for _ in range(11)] == [202] * 10 + [429]
    assert send("198.51.100.7") == other_client


def test_with_the_same_key_every_machine_verifies_the_others_signed_links(tmp_path, monkeypatch):
    from policyhub import create_app
    from policyhub.services.tokens import read_status_token, status_token

    shared = {"SQLALCHEMY_DATABASE_URI": "postgresql://policyhub@db.invalid/policyhub"}
    monkeypatch.setenv("POLICYHUB_SECRET_KEY", "one key for the whole deployment")
    first, second = (create_app(shared | {"INSTANCE_PATH": str(tmp_path / name)}) for name in ("web1", "web2"))
    with first.app_context():
        token = status_token(42)
    with second.app_context():
        assert read_status_token(token) == 42
    monkeypatch.setenv("POLICYHUB_SECRET_KEY", "another deployment")
    with create_app(shared | {"INSTANCE_PATH": str(tmp_path / "web3")}).app_context():
        assert read_status_token(token) is None


def test_no_template_needs_inline_script_or_style():
    """The CSP allows only the app's own files: an inline script, handler or style in a page would not run."""
    import re
    from pathlib import Path

    import policyhub

    inline = {"script without src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
              "event handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
              "style attribute or element": re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I),
              "javascript: URL": re.compile(r"javascript:", re.I)}
    templates = sorted((Path(policyhub.__file__).parent / "web" / "templates").rglob("*.html"))
    assert len(templates) > 20
    found = [f"{path.name}: {what}" for path in templates for what, pattern in inline.items()
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


# --- races ----------------------------------------------------------------------------------------------


def test_a_second_answer_racing_the_first_is_409_and_keeps_the_first(client, app, two_departments, make_user):
    from sqlalchemy import select, update

    from policyhub.models import User
    from policyhub.services import consultations as service
    from policyhub.services.errors import Conflict

    consultation_id = ask(client)
    make_user("ans", "answerer", "yshj")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ans"))
        stale = db.session.get(Consultation, consultation_id)  # read before the other answer lands
        with db.engine.begin() as other:
            other.execute(update(Consultation).where(Consultation.id == consultation_id)
                          .values(status="answered", answer="第一份答复"))
        with pytest.raises(Conflict):
            service.answer_consultation(user, stale, "第二份答复")
        db.session.rollback()
        assert db.session.get(Consultation, consultation_id).answer == "第一份答复"


def test_publishing_qa_twice_keeps_it_published(client, app, two_departments, make_policy, make_user, bearer):
    consultation_id, _ = _answered(client, app, make_policy, make_user, bearer)
    login(client, "gxj-ans")
    for _ in range(2):
        client.post(f"/staff/consultations/{consultation_id}/publish-qa", data={"published": "1"})
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).published_as_qa is True


def test_enterprise_contacts_are_full_only_for_those_who_keep_profiles(client, make_user, make_enterprise, bearer):
    firm = make_enterprise(mobile="13805431234", email="boss@example.com", channels=["sms", "email"])
    answerer = make_user("answerer", "answerer", "gxj")
    editor = make_user("editor2", "editor", "gxj")
    seen = client.get(f"/api/v1/enterprises/{firm['id']}", headers=bearer(answerer)).get_json()
    assert seen["mobile"] != "13805431234" and seen["mobile"].endswith("1234")
    assert seen["email"] != "boss@example.com"
    full = client.get(f"/api/v1/enterprises/{firm['id']}", headers=bearer(editor)).get_json()
    assert (full["mobile"], full["email"]) == ("13805431234", "boss@example.com")
    client.post("/login", data={"username": "answerer", "password": "correct-horse-battery"})
    page = client.get(f"/staff/enterprises/{firm['id']}").get_data(as_text=True)
    assert "13805431234" not in page and "boss@example.com" not in page
    client.get("/logout")
    client.post("/login", data={"username": "editor2", "password": "correct-horse-battery"})
    assert "13805431234" in client.get(f"/staff/enterprises/{firm['id']}").get_data(as_text=True)
