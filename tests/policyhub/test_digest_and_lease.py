"""The daily digest, and the scheduler lease that keeps a second scheduler process waiting."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.jobs import acquire_lease, release_lease
from policyhub.models import Notification, PolicyMatch
from policyhub.push.digest import queue_digests

SH = ZoneInfo("Asia/Shanghai")


def test_daily_subscribers_get_one_digest(app, client, editor_token, make_enterprise, bearer):
    enterprise = make_enterprise(1, name="博兴县金穗粮油有限公司", industry_code="1331", region_code="371625",
                                 email="jinsui@example.com", channels=["email"], frequency="daily")
    headers = bearer(editor_token)
    for title in ("滨州市粮油加工企业技术改造补助办法", "滨州市粮油产业链奖励措施"):
        policy = client.post("/api/v1/policies", headers=headers, json={
            "title": title, "body": "支持对象：本市从事粮油加工的企业。", "criteria": {"industries": ["13"]}}).get_json()
        published = client.post(f"/api/v1/policies/{policy['id']}/publish", headers=headers).get_json()
        assert published["matched"] == 1 and published["notifications_queued"] == 0  # daily: no instant alert
    with app.app_context():
        evening = datetime(2026, 11, 26, 17, 30, tzinfo=SH)
        assert queue_digests(evening) == 1
        assert queue_digests(evening + timedelta(minutes=5)) == 0  # once a day, and matches are marked
        db.session.commit()
        digest = db.session.scalar(select(Notification))
        assert digest.kind == "daily_digest" and digest.recipient == "jinsui@example.com"
        assert "2 项新政策" in digest.subject
        assert "滨州市粮油加工企业技术改造补助办法" in digest.body_text and "滨州市粮油产业链奖励措施" in digest.body_text
        assert all(m.digested_at for m in db.session.scalars(select(PolicyMatch).where(
            PolicyMatch.enterprise_id == enterprise["id"])))


def test_scheduler_lease_admits_one_process(app):
    now = datetime(2026, 11, 26, 10, 0, tzinfo=SH)
    ttl = timedelta(seconds=60)
    with app.app_context():
        assert acquire_lease("host-a:1", ttl, now)
        assert not acquire_lease("host-b:2", ttl, now + timedelta(seconds=30))  # a waits for b
        assert acquire_lease("host-a:1", ttl, now + timedelta(seconds=40))  # renewal
        assert not acquire_lease("host-b:2", ttl, now + timedelta(seconds=90))  # renewed until 100 s
        assert acquire_lease("host-b:2", ttl, now + timedelta(seconds=101))  # a died: b takes over
        release_lease("host-b:2")
        assert acquire_lease("host-c:3", ttl, now + timedelta(seconds=102))
