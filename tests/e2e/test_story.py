"""The whole story in a real browser, as a newcomer sees it: upload → match → email → question → answer → SLA.

1. An editor logs in, uploads a .docx policy for small and micro aluminium manufacturers, sees the
   criteria the engine read with their evidence sentences, corrects one (the industries), publishes.
2. The matched enterprise's email reaches the SMTP server with the title and why it matched; a small
   textile firm and a large aluminium group get nothing; the staff pages show the delivery.
3. The enterprise follows the link in that email on a phone (375×812), reads the policy, asks a
   question through the form, gets a tracking code and a deadline.
4. An answerer answers from the inbox; the link in the "answered" email shows the enterprise the answer.
5. The supervisor's dashboard shows the counts; a question submitted three weeks earlier is overdue,
   and the SLA scan run with a later --now escalates it by email to the department's mailbox.
6. Hostile text (<script>, <img onerror>) typed into the forms shows as text everywhere it appears,
   and no script runs (a dialog or a window flag would tell).

Each step asserts on what the page shows and ends with a screenshot in test-output/e2e/; a failing
step names itself and prints what the page showed (see Story in conftest.py).
"""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("end-to-end tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium "
                "fonts-wqy-microhei); the tests never download a browser", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the playwright package (pip install -e '.[dev]')")

from playwright.sync_api import expect  # noqa: E402

TITLE = "滨州市支持中小微铝加工企业技术改造的若干措施"
DOC_NUMBER = "滨工信发〔2026〕18号"
PARAGRAPHS = [
    "为加快全市铝产业向高端化、轻量化发展，支持中小微企业实施技术改造，制定本措施。",
    "一、支持对象",
    "在滨州市行政区域内依法登记注册、从事铝压延加工、铝冶炼的小型、微型制造业企业。",
    "二、支持内容",
    "对企业实施的技术改造项目，按设备投资额的10%给予补助，单个企业最高200万元。",
    "三、申报程序",
    "企业于每年6月30日前向所在县（市、区）工业和信息化部门提交申报材料，经审核后拨付资金。",
]
CORRECTED_INDUSTRIES = "3216;3252"  # 铝冶炼; 铝压延加工 — narrower than what the engine read

QUESTION = "我公司是博兴县的铝板带加工企业，去年购置的轧机设备能否按本措施申请技术改造补助？需要哪些材料？"
ANSWER = ("可以申请。请于6月30日前向博兴县工业和信息化局提交：技术改造项目备案文件、设备购置发票及付款凭证、"
          "企业近一年财务报表。补助按设备投资额的10%核定，最高200万元。")

# <script> and <img onerror> in every field that is shown again: each would set window.__xss or open a dialog.
HOSTILE_QUESTION = ('<script>window.__xss="question";alert("xss-question")</script>'
                    '请问<img src=x onerror="window.__xss=\'img\';alert(\'xss-img\')">如何申报？')
HOSTILE_NAME = "<b>赵</b><script>alert('xss-name')</script>"
HOSTILE_ANSWER = ('请按通知申报。<script>window.__xss="answer";alert("xss-answer")</script>'
                  '<img src=x onerror="alert(\'xss-answer-img\')">')


def credit_code(seq: int, region: str) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015), as tests/conftest.py builds them."""
    from policyhub.services.identifiers import credit_code_check_char, org_code_check_char

    body = f"{seq:08d}"
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


MATCHED = {  # a small aluminium rolling firm in 博兴县: the policy is for it
    "credit_code": credit_code(71001, "371625"), "name": "滨州鑫铝精密材料有限公司", "industry_code": "3252",
    "employees": 120, "revenue_wan": 1500, "region_code": "371625",
    "business_scope": "铝板、铝带、铝箔压延加工及销售", "mobile": "13905431001", "email": "caiwu@xinlv-bz.cn",
    "channels": ["email"],
}
TEXTILE = {  # small, but bedding (1771): the engine's first reading (all manufacturing) would have matched it
    "credit_code": credit_code(71002, "371602"), "name": "滨州锦绣家纺有限公司", "industry_code": "1771",
    "employees": 80, "revenue_wan": 900, "region_code": "371602",
    "business_scope": "床上用品、家用纺织品制造", "mobile": "13905431002", "email": "office@jinxiu-jf.cn",
    "channels": ["email"],
}
LARGE = {  # aluminium, but a large group: not small or micro
    "credit_code": credit_code(71003, "371681"), "name": "滨州宏源铝业集团有限公司", "industry_code": "3216",
    "employees": 5200, "revenue_wan": 2_600_000, "region_code": "371681",
    "business_scope": "铝锭冶炼、铝合金锭生产及销售", "mobile": "13905431003", "email": "ir@hongyuan-al.cn",
    "channels": ["email"],
}

# The README's screenshots: story screenshot name → docs/screenshots/ file.
DOCS = {
    "policy-review": "1-policy-review.png",
    "policy-from-email": "2-policy-from-email-phone.png",
    "consultation-form": "3-consultation-form-phone.png",
    "answered-status": "4-answer-status-phone.png",
    "sla-dashboard": "5-sla-dashboard.png",
}


def docx_file(folder: Path) -> Path:
    """The policy as an editor gets it: a Word file with a title paragraph (made with python-docx)."""
    import docx

    document = docx.Document()
    document.core_properties.title = TITLE
    document.add_heading(TITLE, level=0)
    for paragraph in PARAGRAPHS:
        document.add_paragraph(paragraph)
    path = folder / "滨工信发2026-18号-铝加工技改措施.docx"
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def criterion(page, name: str):
    """The value shown for one criterion (适用行业, 企业规模, …) in a page's criteria list."""
    return page.locator(f"dl.criteria dt:text-is('{name}') + dd")


def assert_inert(page) -> None:
    """No script was injected into the page and none ran (the templates themselves have no <script>)."""
    assert page.locator("script").count() == 0, page.content()
    assert page.locator("img[onerror]").count() == 0, page.content()
    assert page.evaluate("() => window.__xss === undefined"), f"a script ran: window.__xss = {page.evaluate('window.__xss')}"


def expected_deadlines(site, moments: list[datetime]) -> set[str]:
    """The deadline text the submitted page should show for a question sent at one of these moments."""
    from notifier import sla
    from policyhub.services.calendar import current_calendar
    from policyhub.timeutil import to_local

    with site.control.app_context():
        calendar = current_calendar()
        return {f"{to_local(sla.due_at(m, calendar).due_at):%Y年%m月%d日 %H:%M}" for m in moments}


def now_utc() -> datetime:
    from policyhub.models import utcnow

    return utcnow()


def submit_old_question(site, policy_id: int, weeks_ago: int = 3) -> tuple[str, datetime, datetime]:
    """A question submitted weeks ago (as if through the form then): returns its code, due time and a scan time.

    The scan time is 10:00 (Shanghai) on the first working day after the deadline: office hours,
    when an escalation may go out, and still in the past.
    """
    from policyhub.extensions import db
    from policyhub.services.calendar import current_calendar
    from policyhub.services.consultations import submit_consultation
    from policyhub.timeutil import SHANGHAI, to_local

    submitted = datetime.combine((now_utc() - timedelta(weeks=weeks_ago)).astimezone(SHANGHAI).date(), time(9, 30),
                                 tzinfo=SHANGHAI)
    with site.control.app_context():
        consultation = submit_consultation({
            "question": "铝箔轧制企业新上的退火炉节能改造项目，是否属于本措施支持的技术改造范围？",
            "contact_name": "孙经理", "mobile": "13905431009", "policy_id": str(policy_id),
        }, now=submitted)
        db.session.commit()
        code, due = consultation.tracking_code, consultation.due_at
        scan_day = current_calendar().next_workday(to_local(due).date())
        db.session.remove()
    scan_at = datetime.combine(scan_day, time(10, 0), tzinfo=SHANGHAI)
    assert due < scan_at < now_utc(), (due, scan_at)
    return code, due, scan_at


@pytest.mark.e2e
def test_story_from_upload_to_answered_question(story, site, tmp_path):
    editor_token = site.tokens["wangmin"]
    for enterprise in (MATCHED, TEXTILE, LARGE):
        response = site.api("POST", "/api/v1/enterprises", editor_token, json=enterprise)
        assert response.status_code == 201, response.text
    assert {(e["name"], e["size"]) for e in (site.api("GET", "/api/v1/enterprises", editor_token).json()["items"])} == {
        (MATCHED["name"], "small"), (TEXTILE["name"], "small"), (LARGE["name"], "large")}

    # --- 1 ---------------------------------------------------------------------------------------
    editor = story.page()
    with story.step("1 editor uploads a .docx, reviews and corrects the criteria, publishes", shot="policy-review"):
        story.login(editor, "wangmin")
        expect(editor.locator(".who")).to_have_text("王敏（政策编辑 · 滨州市工业和信息化局）")
        editor.get_by_role("link", name="上传政策").click()
        expect(editor.locator("h1")).to_have_text("上传政策")
        editor.get_by_label("文号").fill(DOC_NUMBER)
        editor.locator("input[type=file]").set_input_files(docx_file(tmp_path))
        editor.get_by_role("button", name="保存草稿").click()
        editor.wait_for_url(re.compile(r"/staff/policies/\d+$"))
        policy_id = int(editor.url.rsplit("/", 1)[1])
        expect(editor.locator(".flash-success")).to_contain_text("草稿已保存")
        expect(editor.locator("h1")).to_have_text(TITLE)  # read from the Word file: the title field was left empty
        expect(editor.locator(".row .status")).to_have_text("草稿")
        expect(editor.locator(".meta").first).to_contain_text(DOC_NUMBER)

        # What the engine read, each with the sentence it read it from.
        expect(criterion(editor, "企业规模")).to_have_text("小型、微型")
        expect(criterion(editor, "适用行业")).not_to_have_text("不限")
        evidence = editor.locator("ul.evidence li")
        expect(evidence.filter(has_text="从事铝压延加工、铝冶炼的小型、微型制造业企业").first).to_be_visible()
        assert evidence.count() >= 2, evidence.all_inner_texts()
        story.shot(editor, "draft-criteria")

        # The engine read "manufacturing" from 制造业企业; the policy means the two aluminium classes.
        editor.locator("details summary", has_text="核对并修改适用条件").click()
        editor.get_by_label(re.compile("^适用行业")).fill(CORRECTED_INDUSTRIES)
        expect(editor.get_by_label("小型")).to_be_checked()
        expect(editor.get_by_label("微型")).to_be_checked()
        expect(editor.get_by_label("大型")).not_to_be_checked()
        editor.get_by_role("button", name="保存适用条件").click()
        expect(editor.locator(".flash-success")).to_have_text("适用条件已更新")
        expect(criterion(editor, "适用行业")).to_have_text("3216 铝冶炼、3252 铝压延加工")
        expect(criterion(editor, "企业规模")).to_have_text("小型、微型")

        # Before the push, the page says whom it would reach and asks to confirm that number.
        confirm = editor.locator("#confirm-reach")
        expect(confirm).to_have_text(re.compile("将推送给 1 家企业，确认发布"))
        confirm.locator("input").check()
        editor.get_by_role("button", name="发布").click()
        expect(editor.locator(".flash-success")).to_have_text("已发布；匹配企业 1 家，待推送 1 条")
        expect(editor.locator(".row .status")).to_have_text("已发布")
        matches = editor.locator("#matches table tbody tr")
        expect(matches).to_have_count(1)
        expect(matches.first).to_contain_text(MATCHED["name"])
        reasons = matches.first.locator("ul.reasons li").all_inner_texts()
        assert reasons, "the match shows no reasons"
        expect(editor.locator("#matches")).not_to_contain_text(TEXTILE["name"])
        expect(editor.locator("#matches")).not_to_contain_text(LARGE["name"])

    # --- 2 ---------------------------------------------------------------------------------------
    with story.step("2 the matched enterprise's email arrives, the others get nothing, staff see it sent",
                    shot="deliveries"):
        alert = story.mail.wait_for(MATCHED["email"], TITLE)
        text = story.mail.text(alert)
        assert MATCHED["name"] in text and f"《{TITLE}》" in text and "滨州市工业和信息化局" in text, text
        assert "匹配原因" in text and all(reason in text for reason in reasons), (reasons, text)
        policy_link = story.mail.link_after(text, "查看政策全文：")
        assert policy_link.startswith(site.url(f"/policies/{policy_id}?m=")), policy_link

        # The staff view of the outbox: one message for this policy, delivered, the address masked.
        story.current = editor
        editor.get_by_role("link", name="推送记录").click()
        editor.get_by_placeholder("政策编号").fill(str(policy_id))
        editor.get_by_role("button", name="筛选").click()
        row = editor.locator("table.list tbody tr")
        expect(row).to_have_count(1)
        for _ in range(50):  # the dispatcher records "sent" just after the SMTP server has the message
            if "已发送" in row.inner_text():
                break
            editor.wait_for_timeout(200)
            editor.reload()
        expect(row).to_contain_text("政策匹配提醒")  # kinds are named in Chinese
        expect(row).to_contain_text("邮件")
        expect(row.locator(".status")).to_have_text("已发送")
        expect(row).not_to_contain_text(MATCHED["email"])  # masked in lists
        expect(editor.locator("main")).to_contain_text("待发送 0 · 发送中 0 · 已发送 1 · 失败 0")

        # Nobody else heard of it: by email or by SMS.
        assert story.mail.recipients() == [MATCHED["email"]], story.mail.recipients()
        assert not story.gateway.requests, [r.body for r in story.gateway.requests]
        editor.goto(site.url(f"/staff/policies/{policy_id}"))
        expect(editor.locator("#matches")).to_contain_text("推送：已发送 1")
        editor.goto(site.url(f"/staff/notifications?policy_id={policy_id}"))

    # --- 3 ---------------------------------------------------------------------------------------
    phone = story.page(phone=True)
    with story.step("3 the enterprise follows the link on a phone and asks a question", shot="consultation-submitted"):
        phone.goto(policy_link)
        expect(phone.locator("h1")).to_have_text(TITLE)
        expect(phone.locator(".meta").first).to_contain_text(f"滨州市工业和信息化局 · {DOC_NUMBER}")
        expect(criterion(phone, "适用行业")).to_have_text("3216 铝冶炼、3252 铝压延加工")
        expect(criterion(phone, "企业规模")).to_have_text("小型、微型")
        expect(phone.locator(".body")).to_contain_text("按设备投资额的10%给予补助")
        expect(phone.get_by_role("button", name="与本企业无关，不再推送")).to_be_visible()  # the email's own link
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways on a phone"
        story.shot(phone, "policy-from-email")

        phone.get_by_role("link", name="咨询此政策").click()
        expect(phone.locator("h1")).to_have_text("政策咨询")
        expect(phone.get_by_text(f"咨询政策编号：{policy_id}")).to_be_visible()
        phone.get_by_label("咨询内容").fill(QUESTION)
        phone.get_by_label("联系人").fill("李会计")
        phone.get_by_label("手机号").fill(MATCHED["mobile"])
        phone.get_by_label("电子邮箱").fill(MATCHED["email"])
        phone.get_by_label("统一社会信用代码（选填）").fill(MATCHED["credit_code"])
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "the form scrolls sideways on a phone"
        story.shot(phone, "consultation-form")
        before = now_utc()
        phone.get_by_role("button", name="提交咨询").click()
        expect(phone.locator("h1")).to_have_text("咨询已提交")
        code = phone.locator(".tracking").inner_text()
        assert re.fullmatch(r"ZX[2-9A-HJKMNP-Z]{8}", code), code
        deadline = phone.locator(".deadline").inner_text()
        assert deadline in expected_deadlines(site, [before, now_utc()]), deadline
        expect(phone.locator("main")).to_contain_text("承办部门：滨州市工业和信息化局")

    # --- 4 ---------------------------------------------------------------------------------------
    answerer = story.page()
    with story.step("4 an answerer answers from the inbox; the enterprise reads the answer", shot="answered-status"):
        story.login(answerer, "liuyang")
        answerer.get_by_role("link", name="咨询办理").click()
        row = answerer.locator("table.list tbody tr", has_text=code)
        expect(row).to_contain_text("滨州市工业和信息化局")
        expect(row).to_contain_text(QUESTION[:20])
        expect(row.locator(".status")).to_have_text("办理中")
        row.get_by_role("link", name=code).click()
        expect(answerer.locator(".body").first).to_have_text(QUESTION)
        expect(answerer.locator("main")).to_contain_text(f"相关政策：{TITLE}")
        answerer.get_by_label("答复内容").fill(ANSWER)
        answerer.get_by_role("button", name="提交答复").click()
        expect(answerer.locator(".flash-success")).to_have_text("已答复，已通知企业（按时）")
        expect(answerer.locator(".answer")).to_have_text(ANSWER)

        told = story.mail.wait_for(MATCHED["email"], "您的咨询已答复")
        status_link = story.mail.link_after(story.mail.text(told), "查看答复：")
        assert status_link.startswith(site.url(f"/consultations/{code}?t=")), status_link
        story.current = phone
        phone.goto(status_link)
        expect(phone.locator("h1")).to_have_text(f"咨询 {code}")
        expect(phone.locator(".row .status")).to_have_text("已按时答复")
        expect(phone.locator(".answer")).to_have_text(ANSWER)
        expect(phone.locator(".body").first).to_have_text(QUESTION)

    # --- 5 ---------------------------------------------------------------------------------------
    # The dashboard counts against the real clock, so the overdue question is one submitted three
    # weeks ago (through the service, with that time); the scan then runs as of a later --now.
    supervisor = story.page()
    with story.step("5 the supervisor's dashboard counts; the scan escalates the overdue question", shot="sla-dashboard"):
        old_code, _, scan_at = submit_old_question(site, policy_id)
        story.login(supervisor, "chenjing")
        supervisor.get_by_role("link", name="督办看板").click()
        expect(supervisor.locator("h1")).to_have_text("咨询答复督办看板")
        tiles = {"open": "0", "at-risk": "0", "overdue": "1", "on-time": "1", "late": "0", "rate": "50.0%"}
        for tile, value in tiles.items():
            expect(supervisor.locator(f"#{tile}"), f"tile {tile}").to_have_text(value)
        ranking = supervisor.locator("#ranking tbody tr")
        expect(ranking).to_have_count(1)
        # Rank, department, on time, open, overdue; then satisfaction (nobody rated yet), its rank, follow-ups.
        expect(ranking.locator("td")).to_have_text(["1", "滨州市工业和信息化局", "50.0%", "0", "1", "—", "1", "0"])
        overdue_row = supervisor.locator("#overdue-list tbody tr")
        expect(overdue_row).to_have_count(1)
        expect(overdue_row).to_contain_text(old_code)
        days_overdue = int(overdue_row.locator("td").nth(3).inner_text())
        assert days_overdue >= 1, days_overdue

        result = site.control.test_cli_runner().invoke(args=["sla", "scan", "--now", scan_at.isoformat()])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "reminders: 0, escalations: 1, messages queued: 1", result.output
        escalation = story.mail.wait_for("gxj-ban@binzhou-gov.cn", "咨询超期 1 个工作日未答复")
        text = story.mail.text(escalation)
        assert "退火炉节能改造" in text and "孙经理" in text, text
        question_link = story.mail.link_after(text, "查看咨询：")
        supervisor.goto(question_link)  # the supervisor follows the escalation to the question
        expect(supervisor.locator(".row .status")).to_have_text("已超期")
        expect(supervisor.locator("h1")).to_have_text(f"咨询 {old_code}")
        supervisor.get_by_role("link", name="督办看板").click()
        expect(supervisor.locator("#overdue")).to_have_text("1")

    # --- 6 ---------------------------------------------------------------------------------------
    hostile = story.page(phone=True)
    with story.step("6 hostile text typed into the forms shows as text everywhere", shot="hostile-text"):
        hostile.goto(site.url(f"/consultations/new?policy_id={policy_id}"))
        hostile.get_by_label("咨询内容").fill(HOSTILE_QUESTION)
        hostile.get_by_label("联系人").fill(HOSTILE_NAME)
        hostile.get_by_label("电子邮箱").fill("zhao@jinxiu-jf.cn")
        hostile.get_by_role("button", name="提交咨询").click()
        expect(hostile.locator("h1")).to_have_text("咨询已提交")
        hostile_code = hostile.locator(".tracking").inner_text()
        hostile.get_by_role("link", name="查看办理进度").click()
        expect(hostile.locator(".body").first).to_have_text(HOSTILE_QUESTION)
        assert_inert(hostile)

        story.current = answerer
        answerer.get_by_role("link", name="咨询办理").click()
        row = answerer.locator("table.list tbody tr", has_text=hostile_code)
        expect(row.locator("td").nth(1)).to_have_text(HOSTILE_QUESTION[:39] + "…")
        assert_inert(answerer)
        row.get_by_role("link", name=hostile_code).click()
        expect(answerer.locator(".body").first).to_have_text(HOSTILE_QUESTION)
        expect(answerer.locator("main")).to_contain_text(f"联系人 {HOSTILE_NAME}")
        assert_inert(answerer)
        answerer.get_by_label("答复内容").fill(HOSTILE_ANSWER)
        answerer.get_by_role("button", name="提交答复").click()
        expect(answerer.locator(".answer")).to_have_text(HOSTILE_ANSWER)
        assert_inert(answerer)
        answerer.get_by_role("button", name="公开为政策问答").click()
        expect(answerer.get_by_role("button", name="取消公开")).to_be_visible()

        # The public policy page now carries the question and answer as a Q&A, still as text.
        story.current = hostile
        hostile.goto(site.url(f"/policies/{policy_id}"))
        qa = hostile.locator(".qa")
        expect(qa).to_have_count(1)
        expect(qa.locator("p").nth(0)).to_have_text(f"问：{HOSTILE_QUESTION}")
        expect(qa.locator("p").nth(1)).to_have_text(f"答：{HOSTILE_ANSWER}")
        assert_inert(hostile)

        # The "answered" email quotes the question: escaped in its HTML part.
        told = story.mail.wait_for("zhao@jinxiu-jf.cn", "您的咨询已答复")
        html = story.mail.html(told)
        assert "<script" not in html.lower() and "<img" not in html.lower(), html
        assert "&lt;script&gt;" in html, html
        status_link = story.mail.link_after(story.mail.text(told), "查看答复：")
        hostile.goto(status_link)
        expect(hostile.locator(".answer")).to_have_text(HOSTILE_ANSWER)
        expect(hostile.locator("main")).to_contain_text(f"咨询 {hostile_code}")
        assert_inert(hostile)

    story.publish_screenshots(DOCS)
