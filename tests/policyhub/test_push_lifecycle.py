"""The push stays right as policies and profiles change: each lifecycle case of issue 11, through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from notifier.channels import FakeChannel
from policyhub.extensions import db
from policyhub.models import Notification
from policyhub.push.dispatch import Dispatcher

ALUMINIUM = ("滨州市支持中小微铝加工企业技术改造的若干措施",
             "一、支持对象\n本市行政区域内从事铝压延加工的中小微企业。\n二、支持标准\n按设备投资额的 10% 给予补助。")
OPEN_TO_ALL = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}


class Inbox:
    """What reached people: the dispatcher drained into fake channels that record every send."""

    def __init__(self, app):
        self.app = app
        self.channels = {"sms": FakeChannel("sms"), "email": FakeChannel("email")}

    def deliver(self) -> list[tuple[str, str, str]]:
        """Drain the outbox now; (channel, recipient, text) of every message sent, in order, duplicates kept."""
        with self.app.app_context():
            Dispatcher(self.channels, quiet_hours=False).drain()
        return self.sent()

    def sent(self) -> list[tuple[str, str, str]]:
        return [(m.channel, m.recipient, m.subject + m.text) for c in self.channels.values() for m in c.sent]


@pytest.fixture
def inbox(app) -> Inbox:
    return Inbox(app)


@pytest.fixture
def api(client, editor_token, bearer):
    headers = bearer(editor_token)

    class Api:
        def post(self, path, **json):
            return client.post(f"/api/v1{path}", headers=headers, json=json or None)

        def patch(self, path, **json):
            return client.patch(f"/api/v1{path}", headers=headers, json=json)

        def get(self, path):
            return client.get(f"/api/v1{path}", headers=headers)

        def delete(self, path):
            return client.delete(f"/api/v1{path}", headers=headers)

        def policy(self, title=ALUMINIUM[0], body=ALUMINIUM[1], publish=True, **fields):
            response = self.post("/policies", title=title, body=body, **fields)
            assert response.status_code == 201, response.get_json()
            policy = response.get_json()
            if publish:
                published = self.post(f"/policies/{policy['id']}/publish")
                assert published.status_code == 200, published.get_json()
                policy["publish"] = published.get_json()
            return policy

    return Api()


def outbox(app, **where) -> list[tuple[str, str, str]]:
    """(kind, channel, status) of the outbox rows, optionally for one enterprise or policy."""
    with app.app_context():
        stmt = select(Notification.kind, Notification.channel, Notification.status).order_by(Notification.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(Notification, name) == value)
        return [tuple(r) for r in db.session.execute(stmt)]


def match_of(api, policy_id: int, enterprise_id: int) -> dict | None:
    items = api.get(f"/policies/{policy_id}/matches?include_inactive=1").get_json()["items"]
    return next((m for m in items if m["enterprise"]["id"] == enterprise_id), None)


def test_unknown_size_then_figures_added_is_told_once(app, api, make_enterprise, inbox):
    firm = make_enterprise(4, name="滨州某铝材加工厂", industry_code="3252", region_code="371603", employees=None,
                           revenue_wan=None, mobile="13800000004", channels=["sms"])
    policy = api.policy()
    assert match_of(api, policy["id"], firm["id"])["eligibility"] == "need_more_info"
    assert inbox.deliver() == []
    assert api.patch(f"/enterprises/{firm['id']}", employees=60, revenue_wan=900).status_code == 200
    assert match_of(api, policy["id"], firm["id"])["eligibility"] == "eligible"
    # A later, unrelated change does not tell it again.
    assert api.patch(f"/enterprises/{firm['id']}", business_scope="铝型材加工").status_code == 200
    sent = inbox.deliver()
    assert [(c, r) for c, r, _ in sent] == [("sms", "13800000004")]
    assert ALUMINIUM[0][:8] in sent[0][2]
    assert api.patch(f"/enterprises/{firm['id']}", employees=61).status_code == 200
    assert inbox.deliver() == sent


def test_small_grows_large_alert_cancelled_never_delivered(app, api, make_enterprise, inbox):
    firm = make_enterprise(1, name="邹平宏泰铝业有限公司", industry_code="3252", region_code="371626", employees=120, revenue_wan=1500,
                           mobile="13800000001", email="hongtai@example.com", channels=["sms", "email"])
    policy = api.policy()
    assert policy["publish"]["notifications_queued"] == 2
    assert api.patch(f"/enterprises/{firm['id']}", employees=5000, revenue_wan=900000).status_code == 200
    match = match_of(api, policy["id"], firm["id"])
    assert match["active"] is False and match["deactivated_at"]
    assert match_of(api, policy["id"], firm["id"]) in api.get(
        f"/policies/{policy['id']}/matches?include_inactive=1").get_json()["items"]
    assert api.get(f"/policies/{policy['id']}/matches").get_json()["total"] == 0
    assert sorted(outbox(app, enterprise_id=firm["id"])) == [("policy_match", "email", "cancelled"),
                                                             ("policy_match", "sms", "cancelled")]
    assert inbox.deliver() == []


def test_widening_a_published_policy_tells_the_newly_covered_firm(app, api, make_enterprise, inbox):
    aluminium = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    textile = make_enterprise(3, name="博兴县锦绣家纺有限公司", industry_code="1771", employees=80, revenue_wan=900,
                              email="jinxiu@example.com", channels=["email"])
    policy = api.policy(criteria=OPEN_TO_ALL | {"industries": ["3252"]})
    assert match_of(api, policy["id"], textile["id"]) is None
    assert [r for _, r, _ in inbox.deliver()] == ["13800000001"]
    edited = api.patch(f"/policies/{policy['id']}", criteria=OPEN_TO_ALL | {"industries": ["3252", "1771"]})
    assert edited.status_code == 200, edited.get_json()
    assert match_of(api, policy["id"], textile["id"])["eligibility"] == "eligible"
    assert [r for _, r, _ in inbox.deliver()] == ["13800000001", "jinxiu@example.com"]
    assert match_of(api, policy["id"], aluminium["id"])["active"] is True


def test_narrowing_a_published_policy_cancels_the_dropped_firms_alert(app, api, make_enterprise, inbox):
    make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    textile = make_enterprise(3, name="博兴县锦绣家纺有限公司", industry_code="1771", employees=80, revenue_wan=900,
                              email="jinxiu@example.com", channels=["email"])
    policy = api.policy(criteria=OPEN_TO_ALL | {"industries": ["3252", "1771"]})
    assert policy["publish"]["notifications_queued"] == 2
    edited = api.patch(f"/policies/{policy['id']}", criteria=OPEN_TO_ALL | {"industries": ["3252"]})
    assert edited.status_code == 200
    assert match_of(api, policy["id"], textile["id"])["active"] is False
    assert outbox(app, enterprise_id=textile["id"]) == [("policy_match", "email", "cancelled")]
    assert [r for _, r, _ in inbox.deliver()] == ["13800000001"]


def test_withdraw_then_publish_again_tells_the_cancelled_firms_once(app, api, make_enterprise, inbox):
    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", email="hongtai@example.com",
                           channels=["sms", "email"])
    policy = api.policy()
    withdrawn = api.post(f"/policies/{policy['id']}/withdraw", reason="条款调整").get_json()
    assert withdrawn["notifications_cancelled"] == 2
    assert match_of(api, policy["id"], firm["id"])["active"] is False
    republished = api.post(f"/policies/{policy['id']}/publish").get_json()
    assert republished["matched"] == 1 and republished["notifications_queued"] == 2
    assert sorted(c for c, _, _ in inbox.deliver()) == ["email", "sms"]
    # Withdrawn and published once more after delivery: the firm the alert reached is told of the
    # withdrawal (once per channel), and is not alerted a second time.
    api.post(f"/policies/{policy['id']}/withdraw")
    again = api.post(f"/policies/{policy['id']}/publish").get_json()
    assert again["notifications_queued"] == 0
    everything = inbox.deliver()  # every message sent so far, duplicates kept
    told = [m for m in everything if "已撤回" in m[2]]
    assert len(everything) == 4 and sorted(c for c, _, _ in told) == ["email", "sms"], everything
    assert sorted(outbox(app)) == [("followed_change", "email", "sent"), ("followed_change", "sms", "sent"),
                                   ("policy_match", "email", "sent"), ("policy_match", "sms", "sent")]


def test_double_publish_queues_no_duplicates(app, api, make_enterprise, inbox):
    make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", email="hongtai@example.com",
                    channels=["sms", "email"])
    policy = api.policy()
    second = api.post(f"/policies/{policy['id']}/publish")
    assert second.status_code == 409
    assert len(outbox(app)) == 2
    assert len(inbox.deliver()) == 2


def test_expiry_cancels_undelivered_alerts(app, api, make_enterprise, inbox):
    from datetime import timedelta

    from policyhub.models import Policy, utcnow
    from policyhub.services.policies import expire_policies
    from policyhub.timeutil import local_date

    now = utcnow()
    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    policy = api.policy(effective_to=(local_date(now) + timedelta(days=1)).isoformat())
    assert policy["publish"]["notifications_queued"] == 1
    with app.app_context():
        assert expire_policies(now=now + timedelta(days=3)) == [policy["id"]]
        db.session.commit()
        assert db.session.get(Policy, policy["id"]).status == "expired"
    assert match_of(api, policy["id"], firm["id"])["active"] is False
    assert outbox(app) == [("policy_match", "sms", "cancelled")]
    assert inbox.deliver() == []


def test_not_relevant_stays_silent_through_later_changes(app, api, make_enterprise, inbox):
    from policyhub.push.reconcile import mark_not_relevant

    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    policy = api.policy()
    with app.app_context():
        assert mark_not_relevant(policy["id"], firm["id"])
        db.session.commit()
    api.patch(f"/enterprises/{firm['id']}", employees=5000, revenue_wan=900000)
    api.patch(f"/enterprises/{firm['id']}", employees=100, revenue_wan=1000)
    assert outbox(app) == [("policy_match", "sms", "cancelled")]
    assert inbox.deliver() == []


FIVE = [f"滨州市支持铝加工企业发展的第{n}项措施" for n in "一二三四五"]


def test_a_firm_registering_while_five_policies_match_gets_one_welcome_per_channel(app, api, make_enterprise,
                                                                                 inbox):
    for title in FIVE:
        api.policy(title=title, body="支持本市铝压延加工企业。", criteria=OPEN_TO_ALL | {"industries": ["3252"]})
    firm = make_enterprise(7, name="无棣县新铝科技有限公司", industry_code="3252", region_code="371623",
                           mobile="13800000007", email="xinlv@example.com", channels=["sms", "email"])
    assert sorted(outbox(app, enterprise_id=firm["id"])) == [("welcome", "email", "pending"),
                                                             ("welcome", "sms", "pending")]
    assert len(api.get(f"/enterprises/{firm['id']}/matches").get_json()["items"]) == 5
    sent = inbox.deliver()
    assert sorted((c, r) for c, r, _ in sent) == [("email", "xinlv@example.com"), ("sms", "13800000007")]
    email = next(text for c, _, text in sent if c == "email")
    assert "5 项现行政策" in email and all(title in email for title in FIVE)
    assert "新发布" not in email
    sms = next(text for c, _, text in sent if c == "sms")
    assert "5 项现行政策" in sms
    # Its next change tells it nothing more about the same policies.
    api.patch(f"/enterprises/{firm['id']}", employees=130)
    assert len(inbox.deliver()) == 2


def test_a_welcome_lists_what_holds_when_it_is_sent(app, api, make_enterprise, inbox):
    policies = [api.policy(title=title, body="支持本市铝压延加工企业。", criteria=OPEN_TO_ALL | {"industries": ["3252"]})
                for title in FIVE[:2]]
    make_enterprise(7, industry_code="3252", email="xinlv@example.com", channels=["email"])
    api.post(f"/policies/{policies[0]['id']}/withdraw")
    [(_, _, text)] = inbox.deliver()
    assert FIVE[1] in text and FIVE[0] not in text and "1 项现行政策" in text


def test_a_welcome_with_nothing_left_to_tell_is_cancelled(app, api, make_enterprise, inbox):
    policy = api.policy(criteria=OPEN_TO_ALL | {"industries": ["3252"]})
    firm = make_enterprise(7, industry_code="3252", email="xinlv@example.com", channels=["email"])
    api.post(f"/policies/{policy['id']}/withdraw")
    assert inbox.deliver() == []
    assert outbox(app, enterprise_id=firm["id"]) == [("welcome", "email", "cancelled")]


def _csv(*rows: str) -> bytes:
    return ("credit_code,name,industry_code,employees,revenue_wan,region_code,mobile,channels\n"
            + "\n".join(rows) + "\n").encode("utf-8")


def test_an_import_notifies_only_when_asked_and_then_by_welcome(app, client, api, editor_token, bearer,
                                                                new_credit_code, inbox):
    import io

    for title in FIVE[:3]:
        api.policy(title=title, body="支持本市铝压延加工企业。", criteria=OPEN_TO_ALL | {"industries": ["3252"]})
    quiet = _csv(f"{new_credit_code(21)},滨州静默铝业有限公司,3252,50,800,371626,13800000021,sms")
    told = _csv(f"{new_credit_code(22)},滨州告知铝业有限公司,3252,50,800,371626,13800000022,sms")

    def upload(data: bytes, query: str):
        return client.post(f"/api/v1/enterprises/import{query}", headers=bearer(editor_token),
                           data={"file": (io.BytesIO(data), "firms.csv")}, content_type="multipart/form-data")

    assert upload(quiet, "?notify=maybe").status_code == 422
    assert upload(quiet, "?notify=0").get_json()["notifications_queued"] == 0
    report = upload(told, "").get_json()
    assert report["created"] == 1 and report["notifications_queued"] == 1
    assert [(c, r) for c, r, _ in inbox.deliver()] == [("sms", "13800000022")]
    assert outbox(app) == [("welcome", "sms", "sent")]


def test_withdrawn_while_being_sent_and_failing_is_never_sent_later(app, client, api, make_enterprise):
    from datetime import timedelta

    from notifier.channels import TransientError
    from policyhub.models import utcnow

    make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    policy = api.policy()

    def withdraw_meanwhile(message):
        # The editor withdraws while the message is with the provider, which then times out.
        assert api.post(f"/policies/{policy['id']}/withdraw").get_json()["notifications_cancelled"] == 0
        raise TransientError("read timeout", maybe_sent=False)

    channel = FakeChannel("sms", handler=withdraw_meanwhile)
    with app.app_context():
        first = Dispatcher({"sms": channel}, quiet_hours=False).run_once()
        assert first.retried == 1
        channel.handler = None
        later = Dispatcher({"sms": channel}, quiet_hours=False).drain(utcnow() + timedelta(hours=3))
        assert later.cancelled == 1 and later.sent == 0
        row = db.session.scalar(select(Notification))
        assert (row.status, row.last_error) == ("cancelled", "policy withdrawn")
    assert channel.sent == []


def test_an_unsubscribed_channel_is_not_sent(app, client, api, make_enterprise, inbox):
    from policyhub.services.enterprises import unsubscribe

    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001",
                           email="hongtai@example.com", channels=["sms", "email"])
    api.policy()
    with app.app_context():
        assert unsubscribe(firm["id"], "sms")
        db.session.commit()
    assert [c for c, _, _ in inbox.deliver()] == ["email"]
    assert sorted(outbox(app)) == [("policy_match", "email", "sent"), ("policy_match", "sms", "cancelled")]


def test_resend_failed_leaves_withdrawn_policies_alone(app, client, api, make_enterprise, editor_token):
    from sqlalchemy import update

    make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    live = api.policy()
    gone = api.policy(title="滨州市支持铝加工企业上云的若干措施")
    with app.app_context():
        db.session.execute(update(Notification).values(status="failed", last_error="550"))
        db.session.commit()
    api.post(f"/policies/{gone['id']}/withdraw")
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    assert client.post("/staff/notifications/resend", data={}).status_code == 302
    assert outbox(app, policy_id=live["id"]) == [("policy_match", "sms", "pending")]
    assert outbox(app, policy_id=gone["id"]) == [("policy_match", "sms", "failed")]


def test_an_sms_alert_is_signed_says_why_and_how_to_stop(app, client, api, make_enterprise, inbox):
    from notifier.messages import sms_segments

    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    policy = api.policy()
    [(_, _, text)] = inbox.deliver()
    assert text.startswith("【滨州惠企政策】") and "行业 3252" in text and "退订" in text
    assert sms_segments(text) <= 2
    link = text.split("详见 ", 1)[1].split()[0]
    assert link.startswith("http://127.0.0.1:5000/s/") and len(link) < 50
    landed = client.get(link.removeprefix("http://127.0.0.1:5000"))
    assert landed.status_code == 302
    page = client.get(landed.headers["Location"]).get_data(as_text=True)
    assert policy["title"] in page and "与本企业无关" in page and "退订短信提醒" in page
    assert client.get("/s/1-1-forgedforge").status_code == 404
    unsubscribe = page.split('href="/unsubscribe/', 1)[1].split('"', 1)[0]
    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    with app.app_context():
        from policyhub.models import Enterprise

        assert db.session.get(Enterprise, firm["id"]).channels == []


def test_a_deleted_profile_is_told_nothing_and_never_matched_again(app, client, api, make_enterprise, inbox):
    from sqlalchemy import text

    gone = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    other = make_enterprise(2, industry_code="3252", region_code="371626", mobile="13800000002", channels=["sms"])
    api.policy()
    response = api.delete(f"/enterprises/{gone['id']}")
    assert response.status_code == 200 and response.get_json()["notifications_cancelled"] == 1
    assert api.get(f"/enterprises/{gone['id']}").status_code == 404
    assert api.delete(f"/enterprises/{gone['id']}").status_code == 404
    # Another process deletes one as well: this process's index notices before the next publish.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM enterprise WHERE id = :id"), {"id": other["id"]})
    later = api.policy(title="滨州市支持铝加工企业上云的若干措施")
    assert later["publish"]["matched"] == 0
    assert inbox.deliver() == []



def test_a_revived_alert_goes_to_the_contact_on_file_now(app, api, make_enterprise, inbox):
    firm = make_enterprise(1, industry_code="3252", region_code="371626", mobile="13800000001", channels=["sms"])
    policy = api.policy()
    api.post(f"/policies/{policy['id']}/withdraw")
    api.patch(f"/enterprises/{firm['id']}", mobile="13900000009")
    assert api.post(f"/policies/{policy['id']}/publish").get_json()["notifications_queued"] == 1
    assert [r for _, r, _ in inbox.deliver()] == ["13900000009"]
    with app.app_context():
        row = db.session.scalar(select(Notification))
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
