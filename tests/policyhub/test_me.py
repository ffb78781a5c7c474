"""The enterprise's own door: passwordless sign-in and the /api/v1/me endpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Notification, SignInCode
from policyhub.services import signin

MOBILE = "13800138000"
EMAIL = "caiwu@example.com"
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _sign_in_rows(app) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == "sign_in")
                                  .order_by(Notification.id)).all()
        db.session.expunge_all()
        return rows


def _code_of(row: Notification) -> str:
    return re.search(r"验证码为 (\d{6})", row.body_text).group(1)


@pytest.fixture
def firm(make_enterprise) -> dict:
    return make_enterprise(1, mobile=MOBILE, email=EMAIL)


def sign_in(client, app, firm) -> str:
    assert client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": MOBILE}).status_code == 202
    code = _code_of(_sign_in_rows(app)[-1])
    response = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": code})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_code_request_answers_the_same_whether_or_not_the_firm_is_registered(client, app, firm, new_credit_code):
    unknown = client.post("/api/v1/me/code", json={"credit_code": new_credit_code(77), "mobile": MOBILE})
    wrong_mobile = client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": "13900139000"})
    assert _sign_in_rows(app) == []
    known = client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": MOBILE})
    assert unknown.status_code == wrong_mobile.status_code == known.status_code == 202
    assert unknown.get_json() == wrong_mobile.get_json() == known.get_json()
    [row] = _sign_in_rows(app)
    assert row.channel == "sms" and row.recipient == MOBILE and re.fullmatch(r"\d{6}", _code_of(row))
    with app.app_context():
        stored = db.session.scalar(select(SignInCode))
        assert _code_of(row) not in stored.code_hash and len(stored.code_hash) == 64


def test_bad_code_requests_name_the_field_and_send_nothing(client, app, firm):
    response = client.post("/api/v1/me/code", json={"credit_code": "123", "mobile": MOBILE})
    assert response.status_code == 422 and "credit_code" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"]})
    assert response.status_code == 422 and "mobile" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": 138})
    assert response.status_code == 422 and "mobile" in response.get_json()["error"]["fields"]
    assert _sign_in_rows(app) == []


def test_the_code_opens_a_session_once_and_the_token_reads_the_profile(client, app, firm, bearer):
    client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": MOBILE})
    code = _code_of(_sign_in_rows(app)[-1])
    response = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": code})
    assert response.status_code == 200
    token = response.get_json()["token"]
    again = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": code})
    assert again.status_code == 401 and "code" in again.get_json()["error"]["fields"]
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.get_json()["credit_code"] == firm["credit_code"]
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("forged")).status_code == 401


def test_wrong_tries_void_the_code(client, app, firm):
    client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "mobile": MOBILE})
    code = _code_of(_sign_in_rows(app)[-1])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(signin.MAX_ATTEMPTS):
        response = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": wrong})
        assert response.status_code == 401
    response = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": code})
    assert response.status_code == 401


def test_a_code_expires_after_five_minutes(app, firm):
    with app.app_context():
        signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=T0)
        code = _code_of(db.session.scalar(select(Notification).where(Notification.kind == "sign_in")))
        late = T0 + signin.CODE_TTL + timedelta(seconds=1)
        with pytest.raises(signin.SignInRefused):
            signin.open_session({"credit_code": firm["credit_code"], "code": code}, now=late)
        token, enterprise = signin.open_session({"credit_code": firm["credit_code"], "code": code},
                                                now=T0 + signin.CODE_TTL - timedelta(seconds=1))
        assert enterprise.credit_code == firm["credit_code"]
        assert signin.enterprise_for_token(token, now=T0 + timedelta(days=1)).id == enterprise.id
        assert signin.enterprise_for_token(token, now=T0 + signin.SESSION_TTL + timedelta(minutes=5)) is None


def test_sends_are_limited_per_firm(app, firm):
    with app.app_context():
        for minute in range(signin.MAX_SENDS + 2):
            signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=T0 + timedelta(minutes=minute))
        sent = db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "sign_in"))
        assert sent == signin.MAX_SENDS
        signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=T0 + timedelta(hours=1))
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "sign_in")) == sent + 1


def test_only_the_newest_code_counts(app, firm):
    with app.app_context():
        signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=T0)
        signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=T0 + timedelta(minutes=1))
        first, second = db.session.scalars(select(Notification).where(Notification.kind == "sign_in")
                                           .order_by(Notification.id)).all()
        if _code_of(first) != _code_of(second):
            with pytest.raises(signin.SignInRefused):
                signin.open_session({"credit_code": firm["credit_code"], "code": _code_of(first)},
                                    now=T0 + timedelta(minutes=2))
        signin.open_session({"credit_code": firm["credit_code"], "code": _code_of(second)},
                            now=T0 + timedelta(minutes=2))


def test_email_gets_a_one_time_link_that_signs_in(client, app, firm):
    response = client.post("/api/v1/me/code", json={"credit_code": firm["credit_code"], "email": EMAIL.upper()})
    assert response.status_code == 202
    [row] = _sign_in_rows(app)
    assert row.channel == "email" and row.recipient == EMAIL
    link = re.search(r"https?://\S+/me/link/(\S+)/(\S+)", row.body_text)
    assert link and link.group(1) == firm["credit_code"]
    page = client.get(f"/me/link/{link.group(1)}/{link.group(2)}")
    assert page.status_code == 302 and page.headers["Location"].endswith("/me")
    assert client.get("/api/v1/me").status_code == 200  # the page cookie
    again = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": link.group(2)})
    assert again.status_code == 401
