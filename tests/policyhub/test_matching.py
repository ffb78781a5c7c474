"""Publish → match → outbox, re-matching changed profiles, withdraw, and "not relevant"."""

import pytest
from sqlalchemy import func, select

from policyhub.delivery import CaptureChannel
from policyhub.extensions import db
from policyhub.models import Notification, PolicyMatch
from policyhub.push.dispatch import Dispatcher
from policyhub.services.tokens import feedback_token

ALUMINIUM = ("滨州市支持中小微铝加工企业技术改造的若干措施",
             "一、支持对象\n本市行政区域内从事铝压延加工的中小微企业。\n二、支持标准\n按设备投资额的 10% 给予补助。")


@pytest.fixture
def firms(make_enterprise):
    return {
        "small_aluminium": make_enterprise(1, name="邹平宏泰铝业有限公司", industry_code="3252", employees=120,
                                           revenue_wan=1500, region_code="371626", mobile="13800000001",
                                           email="hongtai@example.com", channels=["sms", "email"],
                                           business_scope="铝型材、铝板带的生产、加工、销售"),
        "large_aluminium": make_enterprise(2, name="滨州巨铝集团有限公司", industry_code="3252", employees=5000,
                                           revenue_wan=900000, region_code="371602", mobile="13800000002",
                                           channels=["sms"]),
        "textile": make_enterprise(3, name="博兴县锦绣家纺有限公司", industry_code="1771", employees=80,
                                   revenue_wan=900, region_code="371625", email="jinxiu@example.com",
                                   channels=["email"]),
        "unknown_size": make_enterprise(4, name="滨州某铝材加工厂", industry_code="3252", region_code="371603",
                                        employees=None, revenue_wan=None, mobile="13800000004", channels=["sms"]),
    }


def publish(client, token, title, body, **fields):
    headers = {"Authorization": f"Bearer {token}"}
    policy = client.post("/api/v1/policies", headers=headers, json={"title": title, "body": body, **fields}).get_json()
    result = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=headers).get_json()
    return policy, result


def test_criteria_are_read_from_the_text_with_evidence(client, editor_token):
    policy = client.post("/api/v1/policies", headers={"Authorization": f"Bearer {editor_token}"},
                         json={"title": ALUMINIUM[0], "body": ALUMINIUM[1]}).get_json()
    criteria = policy["criteria"]
    assert criteria["sizes"] == ["medium", "small", "micro"]
    assert "3252" in criteria["industries"]
    fields = {e["field"] for e in criteria["evidence"]}
    assert {"sizes", "industries"} <= fields
    assert any("中小微企业" in e["sentence"] for e in criteria["evidence"])


def test_publish_matches_the_right_enterprises_and_queues_alerts(app, client, editor_token, firms, bearer):
    policy, result = publish(client, editor_token, *ALUMINIUM)
    assert result["matched"] == 2  # the small one, and the one whose size is unknown
    assert result["notifications_queued"] == 2  # small_aluminium: sms + email
    matches = client.get(f"/api/v1/policies/{policy['id']}/matches", headers=bearer(editor_token)).get_json()
    by_name = {m["enterprise"]["name"]: m for m in matches["items"]}
    assert set(by_name) == {"邹平宏泰铝业有限公司", "滨州某铝材加工厂"}
    small = by_name["邹平宏泰铝业有限公司"]
    assert small["eligibility"] == "eligible"
    assert any(r.startswith("行业：3252") for r in small["reasons"])
    assert any(r.startswith("规模：小型") for r in small["reasons"])
    assert by_name["滨州某铝材加工厂"]["eligibility"] == "need_more_info"
    assert matches["items"][0]["enterprise"]["name"] == "邹平宏泰铝业有限公司"  # eligible ranked first
    with app.app_context():
        rows = db.session.scalars(select(Notification).order_by(Notification.channel)).all()
        assert [(n.channel, n.recipient) for n in rows] == [("email", "hongtai@example.com"), ("sms", "13800000001")]
        # Queued unrendered in the publishing transaction; rendered, stored, then sent by the dispatcher.
        assert all(n.body_text == "" for n in rows)
        Dispatcher({"sms": CaptureChannel("sms"), "email": CaptureChannel("email")}, quiet_hours=False).drain()
        db.session.expire_all()
        rows = db.session.scalars(select(Notification).order_by(Notification.channel)).all()
        assert [n.status for n in rows] == ["sent", "sent"]
        assert all(ALUMINIUM[0][:10] in (n.subject + n.body_text) for n in rows)
        assert rows[0].headers["unsubscribe_url"].startswith("http://127.0.0.1:5000/unsubscribe/")


def test_all_means_all(client, editor_token, firms):
    _, result = publish(client, editor_token, "滨州市优化营商环境若干措施", "全市各类市场主体均可享受本措施。",
                        criteria={"regions": []})
    assert result["matched"] == 4


def test_a_new_profile_is_matched_against_published_policies(app, client, editor_token, firms, make_enterprise,
                                                             bearer):
    policy, _ = publish(client, editor_token, *ALUMINIUM)
    newcomer = make_enterprise(9, name="无棣县新铝科技有限公司", industry_code="3252", employees=50, revenue_wan=800,
                               region_code="371623", mobile="13800000009", channels=["sms"])
    listed = client.get(f"/api/v1/enterprises/{newcomer['id']}/matches", headers=bearer(editor_token)).get_json()
    assert [m["policy"]["id"] for m in listed["items"]] == [policy["id"]]
    with app.app_context():
        assert db.session.scalar(select(Notification.recipient).where(
            Notification.enterprise_id == newcomer["id"])) == "13800000009"


def test_changing_a_profile_makes_it_match(app, client, editor_token, firms, bearer):
    policy, _ = publish(client, editor_token, *ALUMINIUM)
    large = firms["large_aluminium"]
    client.patch(f"/api/v1/enterprises/{large['id']}", headers=bearer(editor_token),
                 json={"employees": 100, "revenue_wan": 1200})
    with app.app_context():
        assert db.session.scalar(select(func.count(PolicyMatch.id)).where(
            PolicyMatch.policy_id == policy["id"], PolicyMatch.enterprise_id == large["id"])) == 1


def test_withdraw_cancels_undelivered_messages(client, editor_token, firms):
    policy, result = publish(client, editor_token, *ALUMINIUM)
    withdrawn = client.post(f"/api/v1/policies/{policy['id']}/withdraw",
                            headers={"Authorization": f"Bearer {editor_token}"}).get_json()
    assert withdrawn["notifications_cancelled"] == result["notifications_queued"] == 2


def test_not_relevant_stops_pushes_and_is_counted(app, client, editor_token, firms, bearer):
    policy, _ = publish(client, editor_token, *ALUMINIUM)
    small = firms["small_aluminium"]
    with app.test_request_context():
        token = feedback_token(policy["id"], small["id"])
    page = client.get(f"/policies/{policy['id']}?m={token}").get_data(as_text=True)
    assert "与本企业无关" in page
    assert "与本企业无关" not in client.get(f"/policies/{policy['id']}?m=forged").get_data(as_text=True)
    client.post(f"/policies/{policy['id']}/not-relevant", data={"m": token})
    matches = client.get(f"/api/v1/policies/{policy['id']}/matches", headers=bearer(editor_token)).get_json()
    assert matches["not_relevant"] == 1
    with app.app_context():
        statuses = set(db.session.scalars(select(Notification.status).where(
            Notification.enterprise_id == small["id"])))
        assert statuses == {"cancelled"}
    assert client.post(f"/policies/{policy['id']}/not-relevant", data={"m": "forged"}).status_code == 404


def test_staff_page_shows_matches_with_reasons(client, editor_token, firms):
    policy, _ = publish(client, editor_token, *ALUMINIUM)
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    page = client.get(f"/staff/policies/{policy['id']}").get_data(as_text=True)
    assert "匹配企业" in page and "邹平宏泰铝业有限公司" in page and "规模：小型" in page
    assert "符合条件 1 家" in page and "待补充信息 1 家" in page
