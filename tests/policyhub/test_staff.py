"""Staff policy pages: the preview of who a draft would reach, the confirmed publish, the withdraw reason."""

import re

import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Policy, PolicyMatch


@pytest.fixture
def editor(client, editor_token):
    assert client.post("/login", data={"username": "editor", "password": "correct-horse-battery"}).status_code == 302
    return client


@pytest.fixture
def firms(make_enterprise):
    """Three aluminium firms: two in counties, one known only as in 滨州市; and a textile firm."""
    made = [
        make_enterprise(1, region_code="371625", channels=["email"], email="a@example.com"),
        make_enterprise(2, region_code="371681"),
        make_enterprise(3, name="滨州无区县铝业有限公司", region_code="371600"),
        make_enterprise(4, industry_code="1711", name="滨州家纺有限公司", region_code="371625"),
    ]
    return made


def _draft(make_policy, **fields):
    return make_policy(title="滨州市铝压延加工企业技术改造补贴办法", body="对本市铝压延加工企业给予技术改造补贴。",
                       publish=False, criteria={"industries": ["3252"]}, **fields)


def _matches(app, policy_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(PolicyMatch.id)).where(PolicyMatch.policy_id == policy_id))


def test_a_draft_shows_who_it_would_reach_and_writes_no_match(app, editor, firms, make_policy):
    policy = _draft(make_policy)
    page = editor.get(f"/staff/policies/{policy['id']}").get_data(as_text=True)
    preview = page.split('id="preview"')[1].split("</section>")[0]
    assert "现在发布将推送给 3 家企业" in preview
    assert "将推送给 3 家企业，确认发布" in page
    # By county: 博兴县 1, 邹平市 1, and the firm that gave no county.
    county = preview.split("reach-county")[1].split("</table>")[0]
    assert re.search(r"博兴县</td><td>1<", county) and re.search(r"邹平市</td><td>1<", county)
    assert re.search(r"未填写</td><td>1<", county)
    assert "家纺" not in preview  # the textile firm is not in the reach
    assert re.search(r"C 制造业</td><td>3<", preview.split("reach-section")[1])
    assert "滨州无区县铝业有限公司" in preview and "铝压延加工" in preview  # a sample firm with its reasons
    assert "1 家订阅了即时推送" in preview
    # Four firms, one without a county: a quarter of the profiles can be missed.
    assert "1 / 4 家（25.0%）" in preview
    assert _matches(app, policy["id"]) == 0


def test_publish_needs_the_confirmed_reach(app, editor, firms, make_policy):
    policy = _draft(make_policy)
    url = f"/staff/policies/{policy['id']}/publish"
    unconfirmed = editor.post(url, data={"expected_reach": "3"})
    assert unconfirmed.status_code == 422
    assert "请勾选确认：将推送给 3 家企业" in unconfirmed.get_data(as_text=True)
    stale = editor.post(url, data={"expected_reach": "2", "confirm_reach": "y"})
    assert stale.status_code == 409
    assert "推送范围已变化：现将推送给 3 家企业" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Policy, policy["id"]).status == "draft"
    assert _matches(app, policy["id"]) == 0

    published = editor.post(url, data={"expected_reach": "3", "confirm_reach": "y"}, follow_redirects=True)
    assert "已发布；匹配企业 3 家，待推送 1 条" in published.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Policy, policy["id"]).status == "published"


def test_withdraw_needs_a_reason_which_is_kept_audited_and_shown(app, client, editor, firms, make_policy):
    policy = make_policy(title="滨州市铝压延加工企业技术改造补贴办法", criteria={"industries": ["3252"]})
    url = f"/staff/policies/{policy['id']}/withdraw"
    refused = editor.post(url, data={"reason": "  "})
    assert refused.status_code == 422
    assert "请填写撤回原因" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Policy, policy["id"]).status == "published"

    editor.post(url, data={"reason": "已被新版办法取代"})
    with app.app_context():
        assert db.session.get(Policy, policy["id"]).withdraw_reason == "已被新版办法取代"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "policy.withdraw")).one()
        assert event.details["reason"] == "已被新版办法取代"
    staff_page = editor.get(f"/staff/policies/{policy['id']}").get_data(as_text=True)
    assert "原因：已被新版办法取代" in staff_page
    public = client.get(f"/policies/{policy['id']}")
    assert public.status_code == 410 and "已被新版办法取代" in public.get_data(as_text=True)


def test_reach_page_counts_sends_not_relevant_and_unsubscribes_with_csv(app, editor, firms, make_enterprise,
                                                                       make_policy):
    import csv
    import io
    from datetime import timedelta

    from policyhub.delivery import CaptureChannel
    from policyhub.models import Notification, utcnow
    from policyhub.push.dispatch import Dispatcher
    from policyhub.push.reconcile import mark_not_relevant
    from policyhub.services.enterprises import unsubscribe

    make_enterprise(5, region_code="371681", channels=["email", "sms"], email="e@example.com", mobile="13800000005")
    policy = make_policy(title="滨州市铝压延加工企业技术改造补贴办法", criteria={"industries": ["3252"]})
    with app.app_context():
        Dispatcher({"sms": CaptureChannel("sms"), "email": CaptureChannel("email")}, quiet_hours=False).drain()
        rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [n.status for n in rows] == ["sent", "sent", "sent"]
        unsubscribe(rows[0].enterprise_id, "email", now=utcnow() + timedelta(minutes=5))
        mark_not_relevant(policy["id"], rows[1].enterprise_id)
        db.session.commit()
    page = editor.get(f"/staff/policies/{policy['id']}/reach").get_data(as_text=True)
    assert re.search(r'id="reach-matched"><td>[^<]+</td><td>4<', page)
    assert re.search(r'id="reach-sent"><td>[^<]+</td><td>3<', page)
    assert re.search(r'id="reach-not_relevant"><td>[^<]+</td><td>1<', page)
    assert re.search(r'id="reach-unsubscribed"><td>[^<]+</td><td>1<', page)
    assert re.search(r'id="reach-failed"><td>[^<]+</td><td>0<', page)
    assert "电子邮件 2 · 短信 1" in page or "短信 1 · 电子邮件 2" in page
    assert '<progress max="4" value="3"' in page
    exported = editor.get(f"/staff/policies/{policy['id']}/reach.csv")
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][0] == "统一社会信用代码" and len(table) == 1 + 5  # 4 firms, one of them with two messages
    assert sum(1 for r in table[1:] if r[6] == "已发送") == 3
    assert sum(1 for r in table[1:] if r[8]) == 1 and len({r[0] for r in table[1:] if r[4]}) == 1
    assert "13800000005" not in exported.get_data(as_text=True) and "e@example.com" not in exported.get_data(as_text=True)


@pytest.mark.parametrize("in_list_limit", [1000, 0])
def test_preview_counts_subscribed_firms_either_way(app, firms, make_policy, monkeypatch, in_list_limit):
    import policyhub.push.preview as preview_module
    from policyhub.models import utcnow

    monkeypatch.setattr(preview_module, "IN_LIST_LIMIT", in_list_limit)
    policy = _draft(make_policy)
    with app.app_context():
        preview = preview_module.preview_policy(db.session.get(Policy, policy["id"]), now=utcnow())
    assert (preview.eligible, preview.subscribed, preview.need_more_info) == (3, 1, 0)
