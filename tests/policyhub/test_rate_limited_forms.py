"""A refused form (429) comes back as the same page with what was typed and a message in Chinese.

Registration, the 政策计算器, the sign-in code request and the consultation form: each page re-renders its
own form from the refused request (policyhub.web.ratelimits.keep_form); the API keeps its JSON 429.
"""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Consultation, Enterprise
from policyhub.web.ratelimits import refusal_message

REFUSED = "提交过于频繁，请"
KEPT = "您填写的内容已保留"


def form_values(response, index: int = -1) -> dict[str, list[str]]:
    """What the page's form would send: name → values (checked boxes, selected options, typed text)."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    values: dict[str, list[str]] = {}
    for name, value in page.forms[index].form_values():
        # A browser drops the newline that opens a <textarea>'s content; lxml keeps it.
        values.setdefault(name, []).append(value.removeprefix("\r").removeprefix("\n"))
    return values


def refusal(response) -> str:
    page = lxml.html.fromstring(response.get_data(as_text=True))
    found = page.get_element_by_id("refused", None)
    return found.text_content() if found is not None else ""


@pytest.fixture
def limited(make_app, make_department):
    app = make_app(RATELIMIT_ENABLED=True)
    make_department("yshj", "营商办")
    return app


def test_refusal_message_says_when_in_whole_minutes():
    assert refusal_message(1_000 + 61, 1_000).startswith("提交过于频繁，请 2 分钟后再试。")
    assert refusal_message(1_000 + 5, 1_000).startswith("提交过于频繁，请 1 分钟后再试。")
    assert refusal_message(1_000, 1_000 + 3).startswith("提交过于频繁，请 1 分钟后再试。")  # never "0 分钟"
    assert refusal_message(1_000 + 3_600, 1_000).startswith("提交过于频繁，请 60 分钟后再试。")
    assert KEPT in refusal_message(1_060, 1_000)


def test_refused_registration_keeps_every_field_and_stores_nothing(make_app, new_credit_code):
    limited = make_app(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=True)
    client = limited.test_client()
    token = form_values(client.get("/register"))["csrf_token"][0]
    typed = {"csrf_token": token, "credit_code": "bad", "name": "惠民县绳网制品有限公司", "industry_code": "1782", "employees": "45",
             "revenue_wan": "900", "assets_wan": "", "region_code": "371621", "business_scope": "绳、网、带的生产销售",
             "qualifications": ["专精特新中小企业"], "mobile": "13800002222", "email": "sheng@example.cn",
             "channels": ["sms", "email"], "frequency": "daily", "consent": "y"}
    for _ in range(10):
        assert client.post("/register", data=typed).status_code == 422
    typed["credit_code"] = new_credit_code(11)  # corrected, but the hour's ten tries are spent
    response = client.post("/register", data=typed)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    message = refusal(response)
    assert message.startswith(REFUSED) and KEPT in message, message
    assert "企业信息登记" in response.get_data(as_text=True)
    sent_back = form_values(response)
    for name in ("credit_code", "name", "industry_code", "employees", "revenue_wan", "region_code",
                 "business_scope", "mobile", "email", "frequency", "consent"):
        assert sent_back.get(name) == [typed[name]], (name, sent_back.get(name))
    assert sent_back["channels"] == ["sms", "email"] and sent_back["qualifications"] == ["专精特新中小企业"]
    assert sent_back["csrf_token"][0]  # the form can be sent again as it is, once the hour is over
    with limited.app_context():
        assert db.session.scalar(select(func.count(Enterprise.id))) == 0


def test_refused_calculator_keeps_the_figures_and_the_choice(limited):
    client = limited.test_client()
    typed = {"industry_name": "铝压延", "industry_code": "3252", "region_code": "371625", "employees": "120",
             "revenue_wan": "1500", "assets_wan": "800", "qualifications": ["高新技术企业"]}
    codes = [client.post("/calculator", data=typed).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429  # 30 per minute from one address
    response = client.post("/calculator", data=typed)
    assert response.status_code == 429
    assert refusal(response).startswith(REFUSED)
    sent_back = form_values(response, 0)
    for name in ("industry_name", "industry_code", "region_code", "employees", "revenue_wan", "assets_wan"):
        assert sent_back.get(name) == [typed[name]], (name, sent_back.get(name))
    assert sent_back["qualifications"] == ["高新技术企业"]
    assert 'id="result"' not in response.get_data(as_text=True)  # nothing was calculated


@pytest.mark.parametrize("step", ["contact", "code"])
def test_refused_sign_in_keeps_the_code_and_contact(limited, new_credit_code, step):
    client = limited.test_client()
    credit_code = new_credit_code(21)
    typed = ({"credit_code": credit_code, "mobile": "13800138000"} if step == "contact"
             else {"step": "code", "credit_code": credit_code, "code": "000000"})
    codes = [client.post("/me/sign-in", data=typed).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429  # 10 per minute from one address
    response = client.post("/me/sign-in", data=typed)
    assert response.status_code == 429 and refusal(response).startswith(REFUSED)
    sent_back = form_values(response, 0)
    assert sent_back["credit_code"] == [credit_code]
    if step == "contact":
        assert sent_back["mobile"] == ["13800138000"]
        assert "获取验证码" in response.get_data(as_text=True)
    else:
        assert sent_back["step"] == ["code"]  # still the code step: the code already sent stays valid
        assert "短信验证码" in response.get_data(as_text=True)


def test_refused_question_keeps_the_question(limited):
    client = limited.test_client()
    typed = {"question": "去年购置的轧机设备能否申请技术改造补助？", "contact_name": "李会计", "mobile": "13905431001",
             "email": "", "credit_code": ""}
    codes = [client.post("/consultations/new", data=typed).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # 3 per 10 minutes for one contact
    response = client.post("/consultations/new", data=typed)
    assert response.status_code == 429 and refusal(response).startswith(REFUSED)
    text = response.get_data(as_text=True)
    assert "去年购置的轧机设备能否申请技术改造补助？</textarea>" in text
    sent_back = form_values(response)
    assert sent_back["contact_name"] == ["李会计"] and sent_back["mobile"] == ["13905431001"]
    with limited.app_context():
        assert db.session.scalar(select(func.count(Consultation.id))) == 3


def test_the_api_keeps_its_json_429(limited, new_credit_code):
    client = limited.test_client()
    body = {"credit_code": new_credit_code(31), "mobile": "13800138000"}
    codes = [client.post("/api/v1/me/code", json=body).status_code for _ in range(11)]
    assert codes[:10] == [202] * 10 and codes[10] == 429
    refused = client.post("/api/v1/me/code", json=body)
    assert refused.is_json and refused.get_json()["error"]["code"] == "too_many_requests"
