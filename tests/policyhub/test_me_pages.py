"""The enterprise's own pages: sign-in, 我的政策, 差一点, preferences, 政策计算器, registration carried over."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Notification, Subscription

MOBILE = "13800138000"
OPEN = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}
EXTERNAL = re.compile(r'(?:src|href)="(?:https?:)?//', re.I)


@pytest.fixture
def published(make_policy) -> dict[str, dict]:
    return {
        "aluminium": make_policy(title="滨州市支持高端铝业发展的若干措施",
                                 body="对铝加工企业给予补贴。申报截止时间：2099年12月31日。",
                                 criteria=OPEN | {"industries": ["3252"]}),
        "high_tech": make_policy(title="滨州市高新技术企业研发费用补助办法", body="对高新技术企业给予补助。",
                                 criteria=OPEN | {"qualifications": ["高新技术企业"]}),
    }


def _page_sign_in(client, app, credit_code: str) -> None:
    first = client.post("/me/sign-in", data={"credit_code": credit_code, "mobile": MOBILE})
    assert first.status_code == 200 and "短信验证码" in first.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(Notification).where(Notification.kind == "sign_in")
                                 .order_by(Notification.id.desc())).first()
        code = re.search(r"验证码为 (\d{6})", row.body_text).group(1)
    done = client.post("/me/sign-in", data={"step": "code", "credit_code": credit_code, "code": code})
    assert done.status_code == 302 and done.headers["Location"].endswith("/me")


def test_pages_need_sign_in(client):
    for path in ("/me", "/me/near-misses", "/me/preferences", "/me/profile"):
        response = client.get(path)
        assert response.status_code == 302 and "/me/sign-in" in response.headers["Location"]


def test_sign_in_page_answers_alike_for_unknown_firms_and_names_bad_fields(client, new_credit_code):
    unknown = client.post("/me/sign-in", data={"credit_code": new_credit_code(55), "mobile": MOBILE})
    assert unknown.status_code == 200 and "短信验证码" in unknown.get_data(as_text=True)
    bad = client.post("/me/sign-in", data={"credit_code": "123", "mobile": "12"}).get_data(as_text=True)
    assert "统一社会信用代码" in bad and bad.count('class="error"') >= 2
    wrong = client.post("/me/sign-in", data={"step": "code", "credit_code": new_credit_code(55), "code": "123456"})
    assert "验证码错误或已失效" in wrong.get_data(as_text=True)


def test_my_policies_page_with_countdown_follow_and_not_relevant(client, app, make_enterprise, published):
    firm = make_enterprise(1, mobile=MOBILE, channels=["sms"])
    _page_sign_in(client, app, firm["credit_code"])
    page = client.get("/me").get_data(as_text=True)
    assert "我的政策" in page and "滨州市支持高端铝业发展的若干措施" in page
    assert "申报截止：2099-12-31" in page and "还剩" in page and "关注" in page and "不相关" in page
    assert "1 项差一点" in page and not EXTERNAL.search(page)
    policy_id = published["aluminium"]["id"]
    followed = client.post(f"/me/policies/{policy_id}/follow", follow_redirects=True).get_data(as_text=True)
    assert "已关注" in followed and "取消关注" in followed
    gone = client.post(f"/me/policies/{policy_id}/not-relevant", follow_redirects=True).get_data(as_text=True)
    assert "已标记为不相关" in gone and "滨州市支持高端铝业发展的若干措施" not in gone.split("</nav>", 2)[-1]


def test_near_miss_page_says_what_is_missing(client, app, make_enterprise, published):
    firm = make_enterprise(2, mobile=MOBILE)
    _page_sign_in(client, app, firm["credit_code"])
    page = client.get("/me/near-misses").get_data(as_text=True)
    assert "滨州市高新技术企业研发费用补助办法" in page and "需取得高新技术企业认定" in page


def test_preferences_page_resubscribes(client, app, make_enterprise):
    firm = make_enterprise(3, mobile=MOBILE, channels=["sms"])
    _page_sign_in(client, app, firm["credit_code"])
    off = client.post("/me/preferences", data={"frequency": "instant"}, follow_redirects=True)
    assert "您已退订全部推送" in off.get_data(as_text=True)
    bad = client.post("/me/preferences", data={"channels": ["email"], "frequency": "instant"})
    assert "未登记邮箱" in bad.get_data(as_text=True)
    on = client.post("/me/preferences", data={"channels": ["sms"], "frequency": "daily"}, follow_redirects=True)
    assert "推送设置已保存" in on.get_data(as_text=True)
    with app.app_context():
        subscription = db.session.scalar(select(Subscription).where(Subscription.enterprise_id == firm["id"]))
        assert subscription.active and subscription.frequency == "daily" and subscription.consent_source == "self"


def test_calculator_finds_the_industry_by_name_and_carries_values_into_registration(client, published):
    choose = client.post("/calculator", data={"industry_name": "铝压延"})
    text = choose.get_data(as_text=True)
    assert 'value="3252"' in text and "铝压延加工" in text
    result = client.post("/calculator", data={"industry_name": "铝压延", "industry_code": "3252", "employees": "120",
                                              "revenue_wan": "1500", "region_code": "371621"})
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and "小型" in page
    assert "滨州市支持高端铝业发展的若干措施" in page and "需取得高新技术企业认定" in page
    link = re.search(r'href="(/register\?[^"]+)"[^>]*>用这些信息登记', page).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert re.search(r'id="industry_code"[^>]*value="3252"', form) and re.search(r'id="employees"[^>]*value="120"', form)
    assert re.search(r'<option selected value="371621"|<option value="371621" selected', form)
    assert not EXTERNAL.search(page)


def test_calculator_says_when_no_industry_matches_the_name(client):
    response = client.post("/calculator", data={"industry_name": "不存在的行当xyz"})
    assert response.status_code == 422 and "未找到该行业" in response.get_data(as_text=True)


def test_registration_shows_all_errors_at_once_and_known_firms_are_sent_to_sign_in(client, make_enterprise,
                                                                                    new_credit_code):
    data = {"credit_code": new_credit_code(21), "name": "滨州某某科技有限公司", "industry_code": "32A",
            "mobile": "123", "channels": ["sms"], "frequency": "instant"}
    page = client.post("/register", data=data).get_data(as_text=True)
    assert "请阅读并勾选同意后提交" in page and "has-error" in page
    for name in ("industry_code", "mobile"):
        assert re.search(rf'<div class="field has-error">\s*<label for="{name}">', page), name
    assert "*</span>" in page
    firm = make_enterprise(22)
    again = client.post("/register", data=data | {"credit_code": firm["credit_code"], "industry_code": "3252",
                                                   "mobile": MOBILE, "consent": "y"})
    assert again.status_code == 409 and "/me/sign-in?registered=1" in again.get_data(as_text=True)


def test_registration_success_lists_the_matched_policies(client, published, new_credit_code):
    data = {"credit_code": new_credit_code(31), "name": "滨州铝材有限公司", "industry_code": "3252",
            "employees": "100", "revenue_wan": "900", "mobile": MOBILE, "channels": ["sms"], "frequency": "instant",
            "consent": "y"}
    page = client.post("/register", data=data).get_data(as_text=True)
    assert "登记成功" in page and "滨州市支持高端铝业发展的若干措施" in page and "登录企业空间" in page


def test_page_forms_need_the_csrf_token(make_app, new_credit_code):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/me/sign-in").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post("/me/sign-in", data={"credit_code": new_credit_code(41), "mobile": MOBILE})
    assert response.status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    ok = client.post("/me/sign-in", data={"credit_code": new_credit_code(41), "mobile": MOBILE, "csrf_token": token})
    assert ok.status_code == 200


def test_profile_page_adds_the_missing_figure_and_the_firm_is_told(client, app, make_enterprise, make_policy):
    small = make_policy(title="滨州市小微铝加工企业技改补助", body="对小型、微型铝加工企业给予补助。",
                        criteria=OPEN | {"industries": ["3252"], "sizes": ["small", "micro"]})
    firm = make_enterprise(3, mobile=MOBILE, channels=["sms"], employees=None, revenue_wan=None)
    _page_sign_in(client, app, firm["credit_code"])
    near = client.get("/me/near-misses").get_data(as_text=True)
    assert small["title"] in near and "从业人员" in near
    form = client.get("/me/profile").get_data(as_text=True)
    assert "企业信息" in form and 'name="employees"' in form
    bad = client.post("/me/profile", data={"employees": "很多", "revenue_wan": "1500"})
    assert bad.status_code == 200 and 'class="error"' in bad.get_data(as_text=True)
    saved = client.post("/me/profile", data={"employees": "30", "revenue_wan": "1500", "region_code": "371625"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/me")
    assert small["title"] in client.get("/me").get_data(as_text=True)
    with app.app_context():
        told = db.session.scalars(select(Notification).where(
            Notification.policy_id == small["id"], Notification.enterprise_id == firm["id"])).all()
        assert [n.channel for n in told] == ["sms"]
