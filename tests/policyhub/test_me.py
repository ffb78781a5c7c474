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


def test_a_staff_token_is_not_an_enterprise_token(client, editor_token, bearer):
    response = client.get("/api/v1/me/policies", headers=bearer(editor_token))
    assert response.status_code == 403 and "Authorization" in response.get_json()["error"]["fields"]


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
    url = f"/me/link/{link.group(1)}/{link.group(2)}"
    for _ in range(2):  # a mail scanner fetching the link does not use it up
        assert "确认登录" in client.get(url).get_data(as_text=True)
    page = client.post(url)
    assert page.status_code == 302 and page.headers["Location"].endswith("/me")
    assert client.get("/api/v1/me").status_code == 200  # the page cookie
    # ...but not for API writes, which are exempt from CSRF: those need the bearer token.
    assert client.patch("/api/v1/me", json={"employees": 5}).status_code == 401
    again = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": link.group(2)})
    assert again.status_code == 401


OPEN = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}
HIGH_TECH = "滨州市高新技术企业研发费用补助办法"
ABOVE_SCALE = "滨州市规上工业企业技术改造奖励"


@pytest.fixture
def policies(make_policy) -> dict[str, dict]:
    return {
        "aluminium": make_policy(title="滨州市支持高端铝业发展的若干措施",
                                 body="对本市铝加工企业给予技术改造补贴。申报截止时间：2099年12月31日。",
                                 criteria=OPEN | {"industries": ["3252"]}),
        "high_tech": make_policy(title=HIGH_TECH, body="对高新技术企业给予研发费用补助。",
                                 criteria=OPEN | {"qualifications": ["高新技术企业"]}),
        "above_scale": make_policy(title=ABOVE_SCALE, body="对规模以上工业企业给予奖励。",
                                   criteria=OPEN | {"above_scale_only": True}),
        "two_short": make_policy(title="滨州市高新技术规上企业双倍奖励", body="对规上高新技术企业给予奖励。",
                                 criteria=OPEN | {"above_scale_only": True, "qualifications": ["高新技术企业"]}),
    }


def _titles(items: list[dict]) -> set[str]:
    return {item["policy"]["title"] for item in items}


def test_my_policies_carry_reasons_deadline_and_newness(client, app, firm, policies, bearer):
    token = sign_in(client, app, firm)
    answer = client.get("/api/v1/me/policies", headers=bearer(token)).get_json()
    assert answer["total"] == len(answer["items"]) == 1
    [item] = answer["items"]
    assert item["policy"]["id"] == policies["aluminium"]["id"]
    assert item["apply_until"] == "2099-12-31" and item["is_new"] is True
    assert item["reasons"] and any("行业" in r for r in item["reasons"]) and item["score"] >= 0
    assert client.get("/api/v1/me/policies").status_code == 401


def test_near_misses_say_what_is_missing_in_words(client, app, firm, policies, bearer):
    token = sign_in(client, app, firm)
    answer = client.get("/api/v1/me/near-misses", headers=bearer(token)).get_json()
    missing = {item["policy"]["title"]: item["missing"] for item in answer["items"]}
    assert missing == {HIGH_TECH: ["需取得高新技术企业认定"], ABOVE_SCALE: ["营业收入达到 2000 万元即为规上工业企业"]}
    assert answer["total"] == 2


def test_a_profile_without_staff_count_is_asked_for_it(client, app, make_enterprise, make_policy, bearer):
    firm = make_enterprise(2, mobile=MOBILE, employees=None, revenue_wan=None)
    make_policy(title="小微企业贷款贴息", body="对小型微型企业给予贴息。", criteria=OPEN | {"sizes": ["small", "micro"]})
    token = sign_in(client, app, firm)
    [item] = client.get("/api/v1/me/near-misses", headers=bearer(token)).get_json()["items"]
    assert item["missing"] == ["请补充从业人员数以确定规模"]


def test_editing_the_profile_rematches_and_pushes_the_new_match(client, app, make_enterprise, policies, bearer):
    firm = make_enterprise(3, mobile=MOBILE, channels=["sms"])
    token = sign_in(client, app, firm)
    before = _titles(client.get("/api/v1/me/policies", headers=bearer(token)).get_json()["items"])
    assert ABOVE_SCALE not in before
    response = client.patch("/api/v1/me", json={"revenue_wan": 2500}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["above_scale"] is True
    after = _titles(client.get("/api/v1/me/policies", headers=bearer(token)).get_json()["items"])
    assert after - before == {ABOVE_SCALE}
    with app.app_context():
        pushed = db.session.scalars(select(Notification).where(
            Notification.enterprise_id == firm["id"], Notification.policy_id == policies["above_scale"]["id"])).all()
        assert [(n.kind, n.channel) for n in pushed] == [("policy_match", "sms")]
    near = _titles(client.get("/api/v1/me/near-misses", headers=bearer(token)).get_json()["items"])
    assert near == {HIGH_TECH, "滨州市高新技术规上企业双倍奖励"}


def test_profile_edits_are_checked_and_contacts_locked(client, app, firm, bearer):
    token = sign_in(client, app, firm)
    response = client.patch("/api/v1/me", json={"employees": -3, "mobile": "13900139000"}, headers=bearer(token))
    assert response.status_code == 422 and "mobile" in response.get_json()["error"]["fields"]
    response = client.patch("/api/v1/me", json={"employees": -3}, headers=bearer(token))
    assert response.status_code == 422 and "employees" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["employees"] == 120


def test_follow_and_unfollow(client, app, firm, policies, bearer):
    token = sign_in(client, app, firm)
    policy_id = policies["aluminium"]["id"]
    assert client.put(f"/api/v1/me/follows/{policy_id}", headers=bearer(token)).get_json()["created"] is True
    assert client.put(f"/api/v1/me/follows/{policy_id}", headers=bearer(token)).get_json()["created"] is False
    [item] = client.get("/api/v1/me/policies", headers=bearer(token)).get_json()["items"]
    assert item["followed"] is True
    assert client.delete(f"/api/v1/me/follows/{policy_id}", headers=bearer(token)).get_json()["removed"] is True
    [item] = client.get("/api/v1/me/policies", headers=bearer(token)).get_json()["items"]
    assert item["followed"] is False
    assert client.put("/api/v1/me/follows/99999", headers=bearer(token)).status_code == 404


def test_preferences_unsubscribe_and_resubscribe(client, app, make_enterprise, bearer):
    firm = make_enterprise(4, mobile=MOBILE, email=EMAIL, channels=["sms", "email"])
    token = sign_in(client, app, firm)
    assert client.get("/api/v1/me/preferences", headers=bearer(token)).get_json()["channels"] == ["email", "sms"]
    off = client.put("/api/v1/me/preferences", json={"channels": []}, headers=bearer(token))
    assert off.status_code == 200 and off.get_json()["channels"] == []
    bad = client.put("/api/v1/me/preferences", json={"channels": ["sms"], "frequency": "hourly"}, headers=bearer(token))
    assert bad.status_code == 422 and "frequency" in bad.get_json()["error"]["fields"]
    assert client.get("/api/v1/me/preferences", headers=bearer(token)).get_json()["channels"] == []
    on = client.put("/api/v1/me/preferences", json={"channels": ["sms"], "frequency": "daily"}, headers=bearer(token))
    assert on.status_code == 200 and on.get_json() | {"available": None} == {
        "channels": ["sms"], "frequency": "daily", "available": None}


def test_preferences_refuse_what_the_model_does_not_know_and_keep_what_is_left_out(client, app, make_enterprise,
                                                                                 bearer):
    firm = make_enterprise(7, mobile=MOBILE, email=EMAIL, channels=["sms"])
    token = sign_in(client, app, firm)
    for body, field, reason in (({"channels": None}, "channels", "应为渠道列表"),
                                ({"channels": ["fax"]}, "channels", "fax 不是有效渠道"),
                                ({"frequency": None}, "frequency", "应为 instant"),
                                ({"colour": "red"}, "colour", "未知字段")):
        refused = client.put("/api/v1/me/preferences", json=body, headers=bearer(token))
        assert refused.status_code == 422, body
        assert refused.get_json()["error"]["fields"][field].startswith(reason), refused.get_json()
    kept = client.put("/api/v1/me/preferences", json={"frequency": "weekly"}, headers=bearer(token))
    assert kept.status_code == 200 and kept.get_json()["channels"] == ["sms"]
    assert kept.get_json()["frequency"] == "weekly"


def test_sign_in_bodies_are_checked_before_the_service_and_still_never_tell_registration(client, app, firm):
    for body, field in (({"mobile": MOBILE}, "credit_code"),
                        ({"credit_code": firm["credit_code"], "mobile": MOBILE, "extra": 1}, "extra"),
                        ({"credit_code": firm["credit_code"], "mobile": "1" * 33}, "mobile")):
        refused = client.post("/api/v1/me/code", json=body)
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"], refused.get_json()
    refused = client.post("/api/v1/me/session", json={"credit_code": firm["credit_code"], "code": 123456})
    assert refused.status_code == 422 and "code" in refused.get_json()["error"]["fields"]
    assert _sign_in_rows(app) == []


def test_eligibility_for_anyone(client, policies):
    answer = client.get("/api/v1/eligibility", query_string={
        "industry_code": "3252", "employees": "120", "revenue_wan": "1500", "qualifications": "高新技术企业"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["size"] == "small" and body["above_scale"] is False
    assert _titles(body["eligible"]) == {"滨州市支持高端铝业发展的若干措施", HIGH_TECH}
    assert {i["policy"]["title"]: i["missing"] for i in body["near_misses"]} == {
        ABOVE_SCALE: ["营业收入达到 2000 万元即为规上工业企业"],
        "滨州市高新技术规上企业双倍奖励": ["营业收入达到 2000 万元即为规上工业企业"]}


def test_eligibility_names_bad_parameters(client):
    response = client.get("/api/v1/eligibility", query_string={"industry_code": "3252", "employees": "many"})
    assert response.status_code == 422 and "employees" in response.get_json()["error"]["fields"]
    response = client.get("/api/v1/eligibility", query_string={"employees": "5"})
    assert response.status_code == 422 and "industry_code" in response.get_json()["error"]["fields"]
    response = client.get("/api/v1/eligibility", query_string={"industry_code": "3252", "color": "red"})
    assert response.status_code == 422 and "color" in response.get_json()["error"]["fields"]


def test_a_sign_in_code_is_sent_in_quiet_hours_other_sms_wait(app, client, make_enterprise, make_policy):
    from policyhub.delivery import CaptureChannel
    from policyhub.push.dispatch import Dispatcher

    firm = make_enterprise(5, mobile=MOBILE, channels=["sms"])
    make_policy(criteria=OPEN | {"industries": ["3252"]})  # queues a policy alert by SMS
    night = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    with app.app_context():
        signin.request_code({"credit_code": firm["credit_code"], "mobile": MOBILE}, now=night)
        db.session.commit()
        report = Dispatcher({"sms": CaptureChannel("sms")}).run_once(night + timedelta(seconds=1))
        assert report.sent == 1
        status = dict(db.session.execute(select(Notification.kind, Notification.status)).all())
        assert status == {"sign_in": "sent", "policy_match": "pending"}


def test_weekly_subscribers_hear_once_on_monday(app, client, make_enterprise, make_policy, bearer):
    from policyhub.push.digest import queue_digests

    firm = make_enterprise(6, mobile=MOBILE, channels=["sms"])
    token = sign_in(client, app, firm)
    answer = client.put("/api/v1/me/preferences", json={"channels": ["sms"], "frequency": "weekly"},
                        headers=bearer(token))
    assert answer.status_code == 200 and answer.get_json()["frequency"] == "weekly"
    make_policy(criteria=OPEN | {"industries": ["3252"]})
    tuesday = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "policy_match")) == 0
        assert queue_digests(tuesday) == 0
        assert queue_digests(tuesday + timedelta(days=6)) == 1  # Monday
        row = db.session.scalar(select(Notification).where(Notification.kind == "daily_digest"))
        # The SMS as any other SMS of ours: 【签名】 first, the link to 我的政策, how to stop.
        assert row.body_text.startswith("【滨州惠企政策】惠企政策周报") and "/me 退订" in row.body_text, row.body_text


def test_followed_policies_remind_seven_days_and_one_day_before_the_deadline(app, client, make_enterprise,
                                                                            make_policy, bearer):
    from policyhub.push.follows import queue_deadline_reminders

    firm = make_enterprise(7, mobile=MOBILE, channels=["sms"])
    policy = make_policy(title="滨州市铝业技改补贴申报通知", body="申报截止时间：2026年12月20日。",
                         criteria=OPEN | {"industries": ["3252"]})
    token = sign_in(client, app, firm)
    client.put(f"/api/v1/me/follows/{policy['id']}", headers=bearer(token))
    shanghai_morning = timedelta(hours=1)  # 09:00 in Shanghai
    with app.app_context():
        def reminders() -> list[str]:
            return [n.body_text for n in db.session.scalars(
                select(Notification).where(Notification.kind == "deadline_reminder").order_by(Notification.id))]

        assert queue_deadline_reminders(datetime(2026, 12, 12, tzinfo=UTC) + shanghai_morning) == 0
        assert queue_deadline_reminders(datetime(2026, 12, 13, tzinfo=UTC) + shanghai_morning) == 1
        assert queue_deadline_reminders(datetime(2026, 12, 13, tzinfo=UTC) + shanghai_morning) == 0  # once
        assert queue_deadline_reminders(datetime(2026, 12, 19, tzinfo=UTC) + shanghai_morning) == 1
        week, day = reminders()
        assert "还剩 7 天" in week and "明天截止" in day and "2026年12月20日" in day
        # The SMS as any other SMS of ours: 【签名】 first, the policy's link, how to stop.
        for text in (week, day):
            assert text.startswith("【滨州惠企政策】申报提醒") and f"/policies/{policy['id']} 退订" in text, text


def test_followers_hear_when_a_policy_is_amended_or_withdrawn(app, client, make_enterprise, make_policy, bearer,
                                                             editor_token):
    firm = make_enterprise(8, mobile=MOBILE, channels=["sms"])
    bystander = make_enterprise(9, mobile="13900139000", channels=["sms"])
    policy = make_policy(criteria=OPEN | {"industries": ["3252"]})
    token = sign_in(client, app, firm)
    client.put(f"/api/v1/me/follows/{policy['id']}", headers=bearer(token))
    edited = client.patch(f"/api/v1/policies/{policy['id']}", json={"body": "对本市铝加工企业给予技术改造补贴，标准提高。"},
                          headers=bearer(editor_token))
    assert edited.status_code == 200
    withdrawn = client.post(f"/api/v1/policies/{policy['id']}/withdraw", json={"reason": "并入新政策"},
                            headers=bearer(editor_token))
    assert withdrawn.status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == "followed_change")
                                  .order_by(Notification.id)).all()
        assert [r.enterprise_id for r in rows] == [firm["id"], firm["id"]]
        assert "已修订" in rows[0].body_text and "已撤回" in rows[1].body_text
        for row in rows:
            assert row.body_text.startswith("【滨州惠企政策】您关注的政策《") and " 退订" in row.body_text, row.body_text
        assert bystander["id"] not in {r.enterprise_id for r in rows}


def test_the_deadline_shown_is_the_policys_own_so_an_editors_correction_counts(client, app, firm, policies, bearer,
                                                                              editor_token):
    # The text says 2099年12月31日; the editor corrects the 申报截止 on the policy.
    aluminium = policies["aluminium"]["id"]
    edit = client.patch(f"/api/v1/policies/{aluminium}", headers=bearer(editor_token),
                        json={"apply_until": "2099-06-30"})
    assert edit.status_code == 200, edit.get_json()
    token = sign_in(client, app, firm)
    [item] = client.get("/api/v1/me/policies", headers=bearer(token)).get_json()["items"]
    assert item["apply_until"] == "2099-06-30"


def test_a_withdrawal_reaches_the_firms_its_alert_reached_once_each(app, client, make_enterprise, make_policy, bearer,
                                                                   editor_token):
    from policyhub.delivery import CaptureChannel
    from policyhub.push.dispatch import Dispatcher

    alerted = make_enterprise(10, mobile="13800138010", channels=["sms"])
    follower = make_enterprise(11, mobile=MOBILE, channels=["sms"])  # sign_in() reads its code
    other_trade = make_enterprise(12, mobile="13800138012", channels=["sms"], industry_code="1331")
    policy = make_policy(criteria=OPEN | {"industries": ["3252"]})
    daytime = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 in Binzhou: SMS may go
    with app.app_context():
        report = Dispatcher({"sms": CaptureChannel("sms")}).run_once(daytime)
        assert report.sent == 2  # the two aluminium firms; the grain firm was never alerted
    client.put(f"/api/v1/me/follows/{policy['id']}", headers=bearer(sign_in(client, app, follower)))
    withdrawn = client.post(f"/api/v1/policies/{policy['id']}/withdraw", json={"reason": "并入新政策"},
                            headers=bearer(editor_token))
    assert withdrawn.status_code == 200
    with app.app_context():
        told = {r.enterprise_id: r.body_text for r in db.session.scalars(
            select(Notification).where(Notification.kind == "followed_change"))}
        assert set(told) == {alerted["id"], follower["id"]}, told  # one each; not the firm never alerted
        assert told[alerted["id"]].startswith("【滨州惠企政策】此前推送的政策《") and "已撤回" in told[alerted["id"]]
        assert told[follower["id"]].startswith("【滨州惠企政策】您关注的政策《")
        assert all(f"/policies/{policy['id']} 退订" in text for text in told.values()), told
        assert other_trade["id"] not in told
