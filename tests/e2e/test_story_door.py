"""The enterprise's own door in a real browser, on a phone 390 px wide: calculator → register → sign in → 差一点 → told.

1. A small aluminium rolling firm in 博兴县 opens the 政策计算器 on its phone, finds its industry by typing
   "铝压延" (the picker's list, from the app's own script) and its county by typing "博兴", enters its staff
   but not its revenue: one policy fits, another is "差一点" because the revenue is missing.
2. "用这些信息登记" carries the values into registration; the firm adds its name, code and mobile and
   registers; the success page lists the policy it matches.
3. It receives exactly one message, a welcome SMS at the loopback gateway; no alert per policy, no email.
4. It signs in with the 6-digit code the gateway received, and sees 我的政策 with the near miss under it.
5. It adds the missing figure on 企业信息; 我的政策 now lists the second policy, and a new SMS tells it so.
6. With script off, the calculator still finds the industry by name (the server's list) and the county
   is a plain select.

Every page is checked for sideways scrolling at 390 px.  With E2E_UPDATE_SCREENSHOTS=1 the calculator and
我的政策 screenshots are copied (small, 256 colours) to docs/screenshots/ for the README.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("end-to-end tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium "
                "fonts-wqy-microhei); the tests never download a browser", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the playwright package (pip install -e '.[dev]')")

from playwright.sync_api import expect  # noqa: E402

PHONE = {"width": 390, "height": 844}
OPEN = {"industries": [], "sizes": [], "regions": [], "qualifications": [], "above_scale_only": False}

# The 申报截止 of the policy that fits: 45 days after the day the story runs (Asia/Shanghai), so that the
# countdown on 我的政策 reads like a real one; the assertions use the same date.
APPLY_UNTIL = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=45)).date()
FITS = {  # every manufacturer: the firm qualifies from the start
    "title": "滨州市制造业企业数字化转型奖补办法",
    "body": ("对本市制造业企业实施数字化改造项目的，按软硬件投资额的15%给予奖补。"
             f"申报截止时间：{APPLY_UNTIL.year}年{APPLY_UNTIL.month}月{APPLY_UNTIL.day}日。"),
    "criteria": OPEN | {"industries": ["C"]},
}
NEARLY = {  # small and micro manufacturers: the firm's size is unknown until it gives its revenue
    "title": "滨州市小微工业企业技改补助办法",
    "body": "对小型、微型工业企业实施技术改造的，按设备投资额的10%给予补助，单个企业最高100万元。",
    "criteria": OPEN | {"industries": ["C"], "sizes": ["small", "micro"]},
}
ELSEWHERE = {  # software firms in 滨城区: two conditions away, so neither fits nor 差一点
    "title": "滨城区软件企业首版次软件产品奖励办法",
    "body": "对滨城区软件企业的首版次软件产品给予奖励。",
    "criteria": OPEN | {"industries": ["65"], "regions": ["371602"]},
}

FIRM_NAME = "博兴县鑫铝精密材料有限公司"
MOBILE = "13905432001"
MISSING = "请补充营业收入以确定规模"

# The README's screenshots: story screenshot name → docs/screenshots/ file.
DOCS = {"industry-picker": "6-industry-picker-phone.png", "calculator": "7-calculator-phone.png",
        "my-policies": "8-my-policies-near-miss-phone.png"}


def credit_code(seq: int, region: str) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015), as tests/conftest.py builds them."""
    from policyhub.services.identifiers import credit_code_check_char, org_code_check_char

    body = f"{seq:08d}"
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


CREDIT_CODE = credit_code(72001, "371625")


def phone_page(story):
    """A phone-sized browser context (one person, its own cookies), 390 px wide."""
    context = story.browser.new_context(viewport=PHONE, device_scale_factor=1.5, is_mobile=True, has_touch=True,
                                        locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    story.contexts.append(context)
    page = context.new_page()
    page.on("dialog", lambda dialog: (story.dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    story.current = page
    return page


def viewport_shot(story, page, name: str) -> Path:
    """What the phone's screen shows now (Story.shot takes the whole page), numbered with the others."""
    story._count += 1
    path = story.output_dir / f"{story._count:02d}-{name}.png"
    page.screenshot(path=str(path))
    story.shots[name] = path
    return path


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a 390 px phone: {width} px wide"


def sms_to(gateway, mobile: str) -> list[str]:
    """The texts the loopback gateway received for this number, in order."""
    return [r.json()["text"] for r in list(gateway.requests) if r.json().get("to") == mobile]


def wait_for_sms(gateway, mobile: str, contains: str, *, after: int = 0, timeout: float = 30.0) -> str:
    """The first SMS to this number (from the after-th on) whose text contains the words; polls until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        for text in sms_to(gateway, mobile)[after:]:
            if contains in text:
                return text
        if time.monotonic() > deadline:
            raise AssertionError(f"no SMS to {mobile} with {contains!r} within {timeout:.0f} s; "
                                 f"it received: {sms_to(gateway, mobile)}")
        time.sleep(0.2)


def outbox_rows(site, enterprise_name: str) -> list[tuple[str, str, str]]:
    """(kind, channel, status) of every message the outbox holds for the firm: the one writer of messages."""
    from sqlalchemy import select

    from policyhub.extensions import db
    from policyhub.models import Enterprise, Notification

    with site.control.app_context():
        enterprise_id = db.session.scalar(select(Enterprise.id).where(Enterprise.name == enterprise_name))
        rows = db.session.execute(select(Notification.kind, Notification.channel, Notification.status)
                                  .where(Notification.enterprise_id == enterprise_id)
                                  .order_by(Notification.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def wait_until_sent(site, enterprise_name: str, count: int, timeout: float = 30.0) -> list[tuple[str, str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows(site, enterprise_name)
        if len(rows) >= count and all(status == "sent" for _, _, status in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"the outbox did not send {count} message(s) within {timeout:.0f} s: {rows}")
        time.sleep(0.3)


def publish(site, policy: dict) -> int:
    token = site.tokens["wangmin"]
    created = site.api("POST", "/api/v1/policies", token, json=policy)
    assert created.status_code == 201, created.text
    policy_id = created.json()["id"]
    published = site.api("POST", f"/api/v1/policies/{policy_id}/publish", token)
    assert published.status_code == 200, published.text
    assert published.json()["matched"] == 0  # nobody is registered yet
    return policy_id


def pick_industry(page, typed: str, name: str, *, story=None) -> None:
    """Type into the industry field as a person does and choose from the picker's list (shot while open)."""
    field = page.get_by_label(re.compile("^所属行业"))
    field.click()
    field.press_sequentially(typed, delay=60)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option").filter(has_text=name).first
    expect(option).to_be_visible()
    if story is not None:
        viewport_shot(story, page, "industry-picker")
    option.click()


@pytest.mark.e2e
def test_a_firm_comes_in_through_the_calculator_and_is_told_when_it_qualifies(door_story, door_site):
    story, site = door_story, door_site
    publish(site, FITS)
    nearly_id = publish(site, NEARLY)
    publish(site, ELSEWHERE)
    phone = phone_page(story)

    # --- 1 ---------------------------------------------------------------------------------------
    with story.step("1 the calculator on a phone: industry and county by name, one fits, one nearly",
                    shot="calculator"):
        phone.goto(site.url("/calculator"))
        expect(phone.locator("h1")).to_have_text("政策计算器")
        assert phone.locator("script[src='/static/picker.js']").count() == 1
        pick_industry(phone, "铝", "铝压延加工", story=story)  # 铝冶炼, 铝矿采选, 铝压延加工
        expect(phone.locator("input[type=hidden][name=industry_code]")).to_have_value("3252")
        expect(phone.locator(".picked")).to_have_text("已选择：3252 铝压延加工")
        phone.get_by_placeholder(re.compile("输入区县名称")).press_sequentially("博兴", delay=60)
        expect(phone.get_by_label("所在区县")).to_have_value("371625")
        phone.get_by_label("从业人员（人）").fill("120")
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="计算").click()
        result = phone.locator("#result")
        expect(result).to_contain_text("企业规模：暂无法确定")
        expect(result.get_by_role("link", name=FITS["title"])).to_be_visible()
        expect(result).to_contain_text(f"{NEARLY['title']}：{MISSING}")
        expect(result).not_to_contain_text(ELSEWHERE["title"])
        expect(result).to_contain_text("适用的政策（1）")
        expect(result).to_contain_text("差一点（1）")
        assert_fits_the_phone(phone)
        result.scroll_into_view_if_needed()

    # --- 2 ---------------------------------------------------------------------------------------
    with story.step("2 用这些信息登记 carries the values; the firm registers", shot="registered"):
        phone.get_by_role("link", name="用这些信息登记").click()
        expect(phone.locator("h1")).to_have_text("企业信息登记")
        expect(phone.get_by_label(re.compile("^所属行业"))).to_have_value("3252")
        expect(phone.locator(".picked")).to_have_text("已选择：3252 铝压延加工")
        expect(phone.get_by_label("从业人员（人）")).to_have_value("120")
        expect(phone.get_by_label("所在县（市、区）")).to_have_value("371625")
        expect(phone.get_by_label("营业收入（万元）", exact=True)).to_have_value("")
        phone.get_by_label("统一社会信用代码").fill(CREDIT_CODE)
        phone.get_by_label("企业名称").fill(FIRM_NAME)
        phone.get_by_label("手机号").fill(MOBILE)
        phone.get_by_label("短信").check()
        phone.get_by_label(re.compile("^我同意平台")).check()
        assert_fits_the_phone(phone)
        story.shot(phone, "registration-form")
        phone.get_by_role("button", name="提交登记").click()
        expect(phone.locator("h1")).to_have_text("登记成功")
        expect(phone.locator("main")).to_contain_text("与贵企业相关的现行政策（1）")
        expect(phone.get_by_role("link", name=FITS["title"])).to_be_visible()
        assert_fits_the_phone(phone)

    # --- 3 ---------------------------------------------------------------------------------------
    with story.step("3 one welcome SMS, not an alert per policy, and no email"):
        welcome = wait_for_sms(story.gateway, MOBILE, "欢迎")
        assert FITS["title"] in welcome, welcome
        # The outbox, the only writer of messages, holds this one row for the firm, and it went out once.
        assert wait_until_sent(site, FIRM_NAME, 1) == [("welcome", "sms", "sent")]
        assert sms_to(story.gateway, MOBILE) == [welcome]
        assert story.mail.messages() == []

    # --- 4 ---------------------------------------------------------------------------------------
    with story.step("4 sign in with the SMS code; 我的政策 with the near miss under it", shot="my-policies"):
        before = len(sms_to(story.gateway, MOBILE))
        phone.get_by_role("link", name="登录企业空间").click()
        expect(phone.locator("h1")).to_have_text("企业登录")
        phone.get_by_label("统一社会信用代码").fill(CREDIT_CODE)
        phone.get_by_label("登记的手机号").fill(MOBILE)
        phone.get_by_role("button", name="获取验证码").click()
        expect(phone.get_by_label("短信验证码")).to_be_visible()
        text = wait_for_sms(story.gateway, MOBILE, "验证码", after=before)
        code = re.search(r"验证码为 (\d{6})", text).group(1)
        phone.get_by_label("短信验证码").fill(code)
        phone.get_by_role("button", name="登录").click()
        phone.wait_for_url(re.compile(r"/me$"))
        expect(phone.locator("h1")).to_have_text("我的政策")
        matched = phone.locator("article.policy-item").filter(has=phone.get_by_role("link", name=FITS["title"]))
        expect(matched).to_have_count(1)
        expect(matched.locator(".deadline")).to_have_text(re.compile(
            rf"申报截止：{APPLY_UNTIL.isoformat()}（还剩 4[456] 天）"))  # 45, give or take midnight
        assert matched.locator("ul.reasons li").count() >= 1
        near = phone.locator("#near-misses")
        expect(near.locator("h2")).to_have_text("差一点（1）")
        expect(near).to_contain_text(NEARLY["title"])
        expect(near.locator("ul.missing li")).to_have_text([MISSING])
        assert_fits_the_phone(phone)

    # --- 5 ---------------------------------------------------------------------------------------
    with story.step("5 the firm adds its revenue and is told of the policy it now qualifies for",
                    shot="now-qualifies"):
        before = len(sms_to(story.gateway, MOBILE))
        near.get_by_role("link", name="补充企业信息").click()
        expect(phone.locator("h1")).to_have_text("企业信息")
        phone.get_by_label("上年营业收入（万元）").fill("1500")
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="保存并重新匹配").click()
        phone.wait_for_url(re.compile(r"/me$"))
        expect(phone.locator(".flash-success")).to_contain_text("企业信息已保存")
        expect(phone.get_by_role("link", name=NEARLY["title"])).to_be_visible()
        expect(phone.locator("#near-misses")).to_have_count(0)
        alert = wait_for_sms(story.gateway, MOBILE, NEARLY["title"], after=before)
        assert alert.startswith("【"), alert  # the SMS signature
        assert "/s/" in alert or f"/policies/{nearly_id}" in alert, alert  # a link to the policy
        rows = wait_until_sent(site, FIRM_NAME, 3)
        assert [(kind, channel) for kind, channel, _ in rows] == [("welcome", "sms"), ("sign_in", "sms"),
                                                                  ("policy_match", "sms")], rows
        assert story.mail.messages() == []

    # Every SMS as the phone received it, next to the screenshots (to read what a firm is told).
    (story.output_dir / "sms.txt").write_text("\n\n".join(sms_to(story.gateway, MOBILE)) + "\n", encoding="utf-8")
    story.publish_screenshots(DOCS)


@pytest.mark.e2e
def test_the_calculator_works_with_script_off(browser, door_site):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(door_site.url("/calculator"))
        expect(page.locator("ul.suggestions")).to_have_count(0)  # no script ran
        page.get_by_label(re.compile("^所属行业")).fill("铝")
        page.get_by_role("button", name="计算").click()
        # The server lists the classes for the name; the person picks one and calculates again.
        expect(page.get_by_role("group", name="请选择行业")).to_be_visible()
        page.get_by_label("铝压延加工（3252）").check()
        page.get_by_label("所在区县").select_option(label="博兴县")
        page.get_by_label("从业人员（人）").fill("120")
        page.get_by_label("上年营业收入（万元）").fill("1500")
        page.get_by_role("button", name="计算").click()
        expect(page.locator("#result")).to_contain_text("企业规模：小型")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.e2e
def test_the_registration_picker_works_from_the_keyboard(browser, door_site):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(door_site.url("/register"))
        field = page.get_by_label(re.compile("^所属行业"))
        field.press_sequentially("面包", delay=60)
        options = page.get_by_role("listbox").get_by_role("option")
        expect(options).to_have_count(2)  # 糕点、面包制造 (1411); 糕点、面包零售 (5222)
        field.press("ArrowDown")
        field.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        field.press("Enter")  # chooses; does not send the form
        expect(field).to_have_value("5222")
        expect(page.locator(".picked")).to_have_text("已选择：5222 糕点、面包零售")
        expect(page.locator(".has-error")).to_have_count(0)  # a sent, empty form would come back with errors
        expect(page.get_by_role("listbox")).to_be_hidden()
        # The county: typing part of a name narrows the select to it.
        page.get_by_placeholder(re.compile("输入区县名称")).press_sequentially("沾化", delay=60)
        expect(page.get_by_label("所在县（市、区）")).to_have_value("371603")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
