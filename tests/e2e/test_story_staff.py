"""The staff's story in a real browser: two keys to publish, the preview, the reach and a click through the email.

1. The admin (the one account made from the command line) turns on approval for 市工信局 on the
   departments page and creates an editor and a reviewer on the users page; the editor's API token
   is shown once, and it works.
2. The editor drafts a policy for aluminium rolling firms, sees the preview (whom it would reach,
   by county, with a sample and reasons), and submits it; the editor has no publish button.
3. The reviewer finds it waiting on the home page, confirms "将推送给 2 家企业" and publishes.
4. Both matched firms' emails reach the SMTP server; the reach page shows the two sends and no click.
5. One firm follows the link in its email (read from aiosmtpd): it lands on the policy's page, and
   the reach page shows one firm clicked, by email, out of two sent.
6. The admin opens the working-day calendar's month view, goes to the next month and turns a
   working day into a day off from the grid.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("end-to-end tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium "
                "fonts-wqy-microhei); the tests never download a browser", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the playwright package (pip install -e '.[dev]')")

from playwright.sync_api import expect  # noqa: E402

TITLE = "滨州市支持铝压延加工企业智能化改造的若干措施"
BODY = ("为推动全市铝压延加工企业智能化改造，制定本措施。\n"
        "一、支持对象：在本市登记注册、从事铝压延加工的企业。\n"
        "二、支持内容：对企业实施的智能化改造项目，按设备投资额的10%给予补助。")
ADMIN = ("guanli", "系统管理员", "admin-e2e-2026")
EDITOR = ("zhaoli", "赵丽", "zhaoli-e2e-2026")
REVIEWER = ("sunhao", "孙浩", "sunhao-e2e-2026")


def credit_code(seq: int, region: str) -> str:
    from policyhub.services.identifiers import credit_code_check_char, org_code_check_char

    body = f"{seq:08d}"
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


FIRMS = [
    {"credit_code": credit_code(72001, "371625"), "name": "滨州华铝板带有限公司", "industry_code": "3252",
     "employees": 150, "revenue_wan": 2000, "region_code": "371625", "email": "office@hualv-bz.cn",
     "channels": ["email"]},
    {"credit_code": credit_code(72002, "371681"), "name": "邹平金箔铝业有限公司", "industry_code": "3252",
     "employees": 60, "revenue_wan": 800, "region_code": "371681", "email": "jinbo@jinbo-al.cn",
     "channels": ["email"]},
    {"credit_code": credit_code(72003, "371602"), "name": "滨州锦程家纺有限公司", "industry_code": "1771",
     "employees": 80, "revenue_wan": 900, "region_code": "371602", "email": "office@jincheng-jf.cn",
     "channels": ["email"]},
]


@pytest.fixture(scope="module")
def admin_account(site):
    """The first admin, as `flask users create … --role admin` makes it on a new installation."""
    from policyhub.extensions import db
    from policyhub.services.users import create_user

    username, display_name, password = ADMIN
    with site.control.app_context():
        create_user(username, "admin", password=password, display_name=display_name)
        db.session.commit()
        db.session.remove()
    site.passwords[username] = password
    return username


def reach_cell(page, channel: str, column: str):
    return page.locator(f"#reach-channel-{channel} td.{column}")


@pytest.mark.e2e
def test_staff_story_two_keys_preview_reach_and_a_click(story, site, admin_account):
    # --- 1 ---------------------------------------------------------------------------------------
    admin = story.page()
    with story.step("1 the admin requires approval for 工信局 and creates an editor and a reviewer", shot="admin-users"):
        story.login(admin, admin_account)
        admin.get_by_role("link", name="部门").click()
        row = admin.locator("table.departments tbody tr", has_text="gxj")
        row.get_by_label(re.compile("发布须经审核")).check()
        row.get_by_role("button", name="保存").click()
        expect(admin.locator("table.departments tbody tr", has_text="gxj")).to_contain_text("发布须审核")

        admin.get_by_role("link", name="用户", exact=True).click()
        tokens = {}
        for (username, display_name, password), role in ((EDITOR, "政策编辑"), (REVIEWER, "政策审核人")):
            admin.get_by_label("用户名").fill(username)
            admin.get_by_label("姓名").fill(display_name)
            admin.get_by_label("角色", exact=True).select_option(label=role)
            admin.get_by_label("部门", exact=True).select_option(value="gxj")
            admin.get_by_label(re.compile("^初始密码")).fill(password)
            admin.get_by_role("button", name="创建").click()
            shown = admin.locator("#new-token")
            expect(shown).to_contain_text("仅显示这一次")
            tokens[username] = shown.locator("code").inner_text().strip()
            site.passwords[username] = password
            expect(admin.locator("table.users")).to_contain_text(display_name)
        admin.reload()
        expect(admin.locator("#new-token")).to_have_count(0)  # shown once, then never again

    # The editor's token works on the API: the firms are registered with it.
    for firm in FIRMS:
        response = site.api("POST", "/api/v1/enterprises", tokens[EDITOR[0]], json=firm)
        assert response.status_code == 201, response.text

    # --- 2 ---------------------------------------------------------------------------------------
    editor = story.page()
    with story.step("2 the editor drafts, sees the preview and submits", shot="editor-preview"):
        story.login(editor, EDITOR[0])
        expect(editor.locator(".who")).to_contain_text("赵丽（政策编辑 · 滨州市工业和信息化局）")
        editor.get_by_role("link", name="上传政策").click()
        editor.get_by_label("标题").fill(TITLE)
        editor.get_by_label("发文部门").select_option(label="滨州市工业和信息化局")
        editor.get_by_label("正文").fill(BODY)
        editor.get_by_role("button", name="保存草稿").click()
        editor.wait_for_url(re.compile(r"/staff/policies/\d+$"))
        policy_id = int(editor.url.rsplit("/", 1)[1])
        expect(editor.locator(".row .status")).to_have_text("草稿")
        preview = editor.locator("#preview")
        expect(preview.locator("h2")).to_have_text("发布预览：现在发布将推送给 2 家企业")
        expect(preview.locator("table.sample")).to_contain_text(FIRMS[0]["name"])
        expect(preview.locator("table.sample")).to_contain_text(FIRMS[1]["name"])
        expect(preview).not_to_contain_text(FIRMS[2]["name"])
        expect(preview.locator("table.reach-county")).to_contain_text("博兴县")
        expect(editor.get_by_role("button", name="发布")).to_have_count(0)  # two keys: the editor only submits
        editor.get_by_role("button", name="提交审核").click()
        expect(editor.locator(".flash-success")).to_contain_text("等待本部门审核人审核")
        expect(editor.locator(".review-state")).to_contain_text("待审核")

    # --- 3 ---------------------------------------------------------------------------------------
    reviewer = story.page()
    with story.step("3 the reviewer confirms the reach and publishes", shot="reviewer-published"):
        story.login(reviewer, REVIEWER[0])
        waiting = reviewer.locator("#awaiting-review")
        expect(waiting).to_contain_text("待审核（1）")
        waiting.get_by_role("link", name=TITLE).click()
        reviewer.wait_for_url(re.compile(rf"/staff/policies/{policy_id}$"))
        publish = reviewer.locator(f"form[action='/staff/policies/{policy_id}/publish']")
        if publish.locator("input[name=confirm_review]").count():
            publish.locator("input[name=confirm_review]").check()
        confirm = reviewer.locator("#confirm-reach")
        expect(confirm).to_have_text(re.compile("将推送给 2 家企业，确认发布"))
        confirm.locator("input").check()
        reviewer.get_by_role("button", name="审核通过并发布").click()
        expect(reviewer.locator(".flash-success")).to_have_text("已发布；匹配企业 2 家，待推送 2 条")
        expect(reviewer.locator(".row .status")).to_have_text("已发布")

    # --- 4 ---------------------------------------------------------------------------------------
    with story.step("4 both emails arrive; the reach page shows the sends and no click yet", shot="reach-sent"):
        letters = {firm["email"]: story.mail.wait_for(firm["email"], TITLE) for firm in FIRMS[:2]}
        assert FIRMS[2]["email"] not in story.mail.recipients(), story.mail.recipients()
        reviewer.get_by_role("link", name="推送效果").click()
        reviewer.wait_for_url(re.compile(rf"/staff/policies/{policy_id}/reach$"))
        for _ in range(50):  # the dispatcher records "sent" just after the SMTP server has the message
            if reach_cell(reviewer, "email", "sent").count() and reach_cell(reviewer, "email", "sent").inner_text() == "2":
                break
            reviewer.wait_for_timeout(200)
            reviewer.reload()
        expect(reviewer.locator("#reach-matched td").nth(1)).to_have_text("2")
        expect(reviewer.locator("#reach-sent td").nth(1)).to_have_text("2")
        expect(reach_cell(reviewer, "email", "sent")).to_have_text("2")
        expect(reach_cell(reviewer, "email", "clicked")).to_have_text("0")
        expect(reviewer.locator("#reach-clicked td").nth(1)).to_have_text("0")

    # --- 5 ---------------------------------------------------------------------------------------
    firm = story.page(phone=True)
    with story.step("5 a firm follows its email's link; the reach page counts the click", shot="reach-clicked"):
        text = story.mail.text(letters[FIRMS[0]["email"]])
        link = story.mail.link_after(text, "查看政策全文：")
        assert link.startswith(site.url(f"/policies/{policy_id}?m=")) and "&c=" in link, link
        firm.goto(link)
        expect(firm.locator("h1")).to_have_text(TITLE)
        assert "c=" not in firm.url, firm.url  # the counter redirected to the page itself
        expect(firm.get_by_role("button", name=re.compile("与本企业无关"))).to_be_visible()
        firm.reload()  # reading the page again is not a second click

        story.current = reviewer
        reviewer.reload()
        expect(reviewer.locator("#reach-clicked td").nth(1)).to_have_text("1")
        expect(reach_cell(reviewer, "email", "clicked")).to_have_text("1")
        expect(reach_cell(reviewer, "email", "clicks")).to_have_text("1")
        expect(reach_cell(reviewer, "email", "rate")).to_have_text("50%")

    # --- 6 ---------------------------------------------------------------------------------------
    story.current = admin
    with story.step("6 the admin turns a working day into a day off on the month view", shot="calendar-month"):
        admin.get_by_role("link", name="工作日历").first.click()
        admin.wait_for_url(re.compile(r"/staff/calendar/month"))
        expect(admin.locator("table.month")).to_be_visible()
        admin.locator("#month-next").click()
        admin.wait_for_url(re.compile(r"/staff/calendar/month\?month=\d{4}-\d{2}$"))
        heading = admin.locator("h1").inner_text()
        cell = admin.locator("td.day.workday").first
        day_id = cell.get_attribute("id")
        cell.get_by_role("button", name=re.compile("设为休息日")).click()
        expect(admin.locator(".flash-success")).to_contain_text("已设为休息日")
        expect(admin.locator("h1")).to_have_text(heading)  # back on the same month
        changed = admin.locator(f"#{day_id}")
        expect(changed).to_have_class(re.compile(r"\boverride\b"))
        expect(changed).to_have_attribute("data-workday", "0")
        expect(changed).to_contain_text("已调整")
