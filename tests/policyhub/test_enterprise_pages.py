"""Enterprise pages: self-registration with field errors, signed unsubscribe, staff list/detail/import."""

import io
import re

from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Enterprise
from policyhub.services.tokens import unsubscribe_token


def form(new_credit_code, **overrides):
    data = {"credit_code": new_credit_code(11), "name": "惠民县绳网制品有限公司", "industry_code": "1782",
            "employees": "45", "revenue_wan": "900", "region_code": "371621", "business_scope": "绳、网、带的生产销售",
            "mobile": "13800002222", "email": "", "channels": ["sms"], "frequency": "instant", "consent": "y"}
    data.update(overrides)
    return data


def test_registration_succeeds_and_records_consent(app, client, new_credit_code):
    page = client.get("/register").get_data(as_text=True)
    assert "企业信息登记" in page and 'name="consent"' in page
    response = client.post("/register", data=form(new_credit_code))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "登记成功" in text and "小型" in text and "短信" in text
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise))
        assert enterprise.source == "self_registration"
        assert enterprise.subscriptions[0].consent_source == "self_registration"


def test_registration_shows_each_error_next_to_its_field(app, client, new_credit_code):
    response = client.post("/register", data=form(new_credit_code, credit_code="91371600MA3C123456",
                                                  industry_code="32A", mobile="123", employees="-5"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for name in ("credit_code", "industry_code", "mobile", "employees"):
        block = re.search(rf'<div class="field has-error">\s*<label for="{name}">.*?</div>', text, re.S)
        assert block and 'class="error"' in block.group(0), name
    with app.app_context():
        assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_registration_needs_consent(app, client, new_credit_code):
    data = form(new_credit_code)
    del data["consent"]
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert "请阅读并勾选同意" in response.get_data(as_text=True)


def test_registration_is_rate_limited(make_app, new_credit_code):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/register", data=form(new_credit_code, credit_code="bad")).status_code for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429


def test_hostile_registration_text_is_inert(client, app, new_credit_code, editor_token):
    client.post("/register", data=form(new_credit_code, name="<script>alert(1)</script>公司",
                                       business_scope='<img src=x onerror="alert(2)">'))
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    with app.app_context():
        enterprise_id = db.session.scalar(select(Enterprise.id))
    for url in ("/staff/enterprises", f"/staff/enterprises/{enterprise_id}"):
        text = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
        assert "<img src=x" not in text


def test_unsubscribe_link(app, client, make_enterprise):
    enterprise = make_enterprise(1, mobile="13800001234", channels=["sms"])
    token = unsubscribe_token(app.config["SECRET_KEY"], enterprise["id"], "sms")
    page = client.get(f"/unsubscribe/{token}")
    assert "确认退订" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enterprise, enterprise["id"]).channels == ["sms"]  # a GET changes nothing
    done = client.post(f"/unsubscribe/{token}")
    assert "已退订短信推送" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enterprise, enterprise["id"]).channels == []
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subscription.unsubscribe"))


def test_forged_unsubscribe_link_is_404(app, client, make_enterprise):
    enterprise = make_enterprise(1, mobile="13800001234", channels=["sms"])
    forged = unsubscribe_token("another-secret", enterprise["id"], "sms")
    assert client.post(f"/unsubscribe/{forged}").status_code == 404
    assert client.post("/unsubscribe/" + "x" * 300).status_code == 404
    with app.app_context():
        assert db.session.get(Enterprise, enterprise["id"]).channels == ["sms"]


def test_staff_list_masks_and_detail_shows(client, make_enterprise, editor_token):
    enterprise = make_enterprise(1, mobile="13800001234", email="zhangsan@example.com", size="large")
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    listing = client.get("/staff/enterprises").get_data(as_text=True)
    assert "138****1234" in listing and "13800001234" not in listing
    assert "存疑" in listing  # declared large, figures say small
    detail = client.get(f"/staff/enterprises/{enterprise['id']}").get_data(as_text=True)
    assert "13800001234" in detail and "zhangsan@example.com" in detail and "申报规模为大型" in detail


def test_staff_import_page(client, editor_token, new_credit_code):
    client.post("/login", data={"username": "editor", "password": "correct-horse-battery"})
    data = f"credit_code,name,industry_code\n{new_credit_code(1)},滨州甲公司,3252\nbad,乙公司,3252\n".encode()
    response = client.post("/staff/enterprises/import", data={"file": (io.BytesIO(data), "a.csv")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert "新增 1 家" in text and "有误 1 处" in text and "credit_code" in text


def test_one_click_unsubscribe_works_with_csrf_on(make_app, make_user, new_credit_code):
    # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" with no session and no CSRF token.
    app = make_app(WTF_CSRF_ENABLED=True)
    token = make_user("clerk", "answerer", "gxj")
    client = app.test_client()
    created = client.post("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"}, json={
        "credit_code": new_credit_code(3), "name": "滨州某公司", "industry_code": "3252",
        "email": "a@example.com", "channels": ["email"]}).get_json()
    link = unsubscribe_token(app.config["SECRET_KEY"], created["id"], "email")
    response = client.post(f"/unsubscribe/{link}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Enterprise, created["id"]).channels == []
