"""An alert calls a policy new only when it is: a firm that now qualifies for an old policy is told so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from policyhub.delivery import CaptureChannel
from policyhub.extensions import db
from policyhub.models import Notification, Policy, utcnow
from policyhub.push.dispatch import Dispatcher

OPEN = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}
SMALL = OPEN | {"industries": ["C"], "sizes": ["small", "micro"]}


def _send_all() -> list[Notification]:
    Dispatcher({"sms": CaptureChannel("sms"), "email": CaptureChannel("email")}, quiet_hours=False).drain()
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.kind == "policy_match")
                              .order_by(Notification.channel)).all()


def test_a_profile_change_that_meets_an_old_policy_is_not_called_new(app, client, bearer, make_user, make_policy,
                                                                     make_enterprise):
    old = make_policy(title="滨州市小微工业企业技改补助办法", body="对小型、微型工业企业给予补助。", criteria=SMALL)
    with app.app_context():  # published three months before the firm gives its revenue
        db.session.get(Policy, old["id"]).published_at = utcnow() - timedelta(days=90)
        db.session.commit()
    firm = make_enterprise(7, mobile="13800138007", email="caiwu@xinlv-bz.cn", channels=["sms", "email"],
                           revenue_wan=None)
    editor = bearer(make_user("clerk", "editor", "gxj"))
    assert client.patch(f"/api/v1/enterprises/{firm['id']}", json={"revenue_wan": 1500},
                        headers=editor).status_code == 200
    with app.app_context():
        email, sms = _send_all()
        assert (email.channel, sms.channel) == ("email", "sms") and email.status == sms.status == "sent"
        assert email.subject == "政策匹配提醒：贵企业现符合《滨州市小微工业企业技改补助办法》"
        assert "贵企业现已符合一项现行政策的条件" in email.body_text and "新发布" not in email.body_text
        assert "新发布" not in email.body_html
        assert "贵企业现符合现行政策《滨州市小微工业企业技改补助办法》" in sms.body_text
        assert "新政策" not in sms.body_text and sms.body_text.startswith("【滨州惠企政策】")


def test_a_policy_just_published_is_still_new(app, client, make_policy, make_enterprise):
    make_enterprise(8, mobile="13800138008", channels=["sms"])
    make_policy(title="滨州市小微工业企业技改补助办法", body="对小型、微型工业企业给予补助。", criteria=SMALL)
    with app.app_context():
        [sms] = _send_all()
        assert sms.body_text.startswith("【滨州惠企政策】新政策《滨州市小微工业企业技改补助办法》与贵企业相关")
