"""我的政策 shows the near misses too: what is missing, and where to add it."""

from __future__ import annotations

import re

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Notification

MOBILE = "13800138000"
OPEN = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}


def _sign_in(client, app, credit_code: str) -> None:
    client.post("/me/sign-in", data={"credit_code": credit_code, "mobile": MOBILE})
    with app.app_context():
        row = db.session.scalars(select(Notification).where(Notification.kind == "sign_in")
                                 .order_by(Notification.id.desc())).first()
        code = re.search(r"验证码为 (\d{6})", row.body_text).group(1)
    assert client.post("/me/sign-in", data={"step": "code", "credit_code": credit_code, "code": code}).status_code == 302


def test_my_policies_lists_the_near_misses_with_what_is_missing(client, app, make_enterprise, make_policy):
    make_policy(title="滨州市制造业数字化转型奖补办法", body="对制造业企业给予奖补。", criteria=OPEN | {"industries": ["C"]})
    make_policy(title="滨州市小微工业企业技改补助", body="对小型、微型工业企业给予补助。",
                criteria=OPEN | {"industries": ["C"], "sizes": ["small", "micro"]})
    firm = make_enterprise(5, mobile=MOBILE, channels=["sms"], employees=120, revenue_wan=None)
    _sign_in(client, app, firm["credit_code"])
    page = client.get("/me").get_data(as_text=True)
    matched, near = page.split('id="near-misses"')
    assert "滨州市制造业数字化转型奖补办法" in matched and "滨州市小微工业企业技改补助" not in matched
    assert "差一点（1）" in near and "滨州市小微工业企业技改补助" in near and "请补充营业收入以确定规模" in near
    assert 'href="/me/profile"' in near


def test_no_near_miss_section_when_there_is_none(client, app, make_enterprise, make_policy):
    make_policy(title="滨州市制造业数字化转型奖补办法", body="对制造业企业给予奖补。", criteria=OPEN | {"industries": ["C"]})
    firm = make_enterprise(6, mobile=MOBILE, channels=["sms"])
    _sign_in(client, app, firm["credit_code"])
    assert 'id="near-misses"' not in client.get("/me").get_data(as_text=True)
