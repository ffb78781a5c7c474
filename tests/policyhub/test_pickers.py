"""The industry and county pickers: the suggestion list, the app's own script, and the forms without script."""

from __future__ import annotations

import re

from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Enterprise

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def registration(new_credit_code, **overrides) -> dict:
    data = {"credit_code": new_credit_code(41), "name": "博兴县鑫铝材料有限公司", "industry_code": "3252",
            "employees": "120", "revenue_wan": "1500", "region_code": "371625", "mobile": "13800004444",
            "channels": ["sms"], "frequency": "instant", "consent": "y"}
    return data | overrides


def test_suggestions_list_classes_for_a_typed_name(client):
    response = client.get("/industries/suggest", query_string={"q": "铝"})
    assert response.status_code == 200 and response.is_json
    items = response.get_json()["items"]
    assert [item["code"] for item in items] == ["3216", "0916", "3252"]
    assert items[2] == {"code": "3252", "name": "铝压延加工", "division": "有色金属冶炼和压延加工业"}
    assert len(client.get("/industries/suggest", query_string={"q": "制造"}).get_json()["items"]) == 12
    for empty in ("", "   ", "不存在的行当", "\u00b2" * 500):
        assert client.get("/industries/suggest", query_string={"q": empty}).get_json() == {"items": []}


def test_the_picker_pages_load_the_apps_own_script_and_nothing_inline(client):
    for path in ("/calculator", "/register"):
        page = client.get(path)
        text = page.get_data(as_text=True)
        tags = SCRIPT_TAG.findall(text)
        assert tags == ['<script src="/static/picker.js" defer>'], (path, tags)
        assert re.search(r"<script[^>]*>\s*</script>", text)  # the tag is empty: no inline code
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert 'data-industry-search="/industries/suggest"' in text and 'data-county-search="1"' in text
    with client.get("/static/picker.js") as script:
        assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
        body = script.get_data(as_text=True)
    assert "data-industry-search" in body and "data-county-search" in body
    assert not re.search(r"https?://", body)  # nothing fetched from elsewhere: the URL is the page's own
    # Pages without a picker carry no script at all; the question form only its own (answers before asking).
    for path in ("/", "/me/sign-in"):
        assert not SCRIPT_TAG.search(client.get(path).get_data(as_text=True)), path
    assert SCRIPT_TAG.findall(client.get("/consultations/new").get_data(as_text=True)) == [
        '<script src="/static/answers.js" defer>']


def test_without_script_the_county_is_a_select_of_names(client):
    text = client.get("/calculator").get_data(as_text=True)
    select_block = re.search(r'<select id="region_code".*?</select>', text, re.S).group(0)
    assert re.search(r'<option value="371625"\s*>博兴县</option>', select_block), select_block


def test_without_script_registration_takes_a_unique_industry_name(app, client, new_credit_code):
    response = client.post("/register", data=registration(new_credit_code, industry_code="铝压延加工"))
    assert response.status_code == 200 and "登记成功" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Enterprise.industry_code)) == "3252"


def test_without_script_an_ambiguous_name_lists_the_choices_with_every_other_error(app, client, new_credit_code):
    data = registration(new_credit_code, industry_code="铝", mobile="12")
    del data["consent"]
    response = client.post("/register", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "“铝”对应多个行业，请填写其中一个的代码：3216 铝冶炼、0916 铝矿采选、3252 铝压延加工" in text
    assert "请阅读并勾选同意" in text  # all errors at once, as before
    mobile_block = re.search(r'<div class="field has-error">\s*<label for="mobile">.*?</div>', text, re.S)
    assert mobile_block and 'class="error"' in mobile_block.group(0)
    assert 'value="铝"' in text  # what was typed stays in the field
    with app.app_context():
        assert db.session.scalar(select(Enterprise.id)) is None


def test_without_script_an_unknown_name_says_so(client, new_credit_code):
    response = client.post("/register", data=registration(new_credit_code, industry_code="不存在的行当"))
    assert response.status_code == 422
    assert "未找到名为“不存在的行当”的行业" in response.get_data(as_text=True)


def test_a_code_is_still_taken_as_a_code(app, client, new_credit_code):
    response = client.post("/register", data=registration(new_credit_code, industry_code="C3252"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Enterprise.industry_code)) == "3252"


def test_calculator_without_script_offers_the_best_classes_first(client):
    text = client.post("/calculator", data={"industry_name": "铝"}).get_data(as_text=True)
    offered = re.findall(r'name="industry_code" value="(\d{4})"', text)
    assert offered == ["3216", "0916", "3252"]


def test_registration_names_a_carried_code(client):
    carried = client.get("/register", query_string={"industry_code": "3252"}).get_data(as_text=True)
    assert '<small class="picked" data-for="industry_code" aria-live="polite">已选择：3252 铝压延加工</small>' in carried
    for odd in ("铝", "32A", "9999", "\u00b2"):
        page = client.get("/register", query_string={"industry_code": odd})
        assert page.status_code == 200
        assert 'aria-live="polite"></small>' in page.get_data(as_text=True), odd  # named nothing
