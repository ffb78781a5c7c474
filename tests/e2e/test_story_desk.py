"""The service desk in a real browser: ask on a phone → receipt → supplement request → reply with a file → answer →
不满意 → the follow-up on the supervisor's dashboard.

1. Before asking, on a phone 390 px wide, the form offers (as the question is typed) the published Q&A and the
   policy passage that already touch the question; the person opens the Q&A, comes back and asks all the same,
   with an email as the contact (email, not SMS: SMS waits out the quiet hours, and the story runs at any hour).
2. The receipt reaches the mailbox at once: the tracking code, the deadline in words, the status link.
3. The department's answerer asks for a supplement (补充材料); the clock pauses; the request reaches the mailbox.
4. The person follows that link on the phone, replies with text and a photo of the invoice; the clock restarts.
5. The answerer sees the reply and downloads the file, then answers; the answer reaches the mailbox with a rating link.
6. The person rates the answer 不满意 with a comment; the page says the department will follow it up.
7. The supervisor's dashboard shows the follow-up (回访整改) with the code and the comment, satisfaction 0.0%, and the
   opened answer that did not end the visit.

Every step asserts on what a page or a received message shows and ends with a screenshot in test-output/e2e/desk/;
a failing step names itself and prints what the page showed (Story in conftest.py).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("end-to-end tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium "
                "fonts-wqy-microhei); the tests never download a browser", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the playwright package (pip install -e '.[dev]')")

from playwright.sync_api import expect  # noqa: E402

PHONE_WIDTH = 390
TITLE = "滨州市工业企业技术改造设备购置补助实施细则"
BODY = ("一、支持对象：在本市登记注册的工业企业。\n"
        "二、支持内容：对企业购置生产设备实施技术改造的，按设备购置发票金额的10%给予补助，单个企业最高100万元。\n"
        "三、申报材料：技术改造项目备案证明、设备购置发票及付款凭证、企业上年度财务报表。")
EARLIER_QUESTION = "请问设备购置补助需要提交哪些申报材料？"
EARLIER_ANSWER = "需提交技术改造项目备案证明、设备购置发票及付款凭证、企业上年度财务报表。"
QUESTION = "我们今年新购置了两台数控机床，设备购置补助的申报材料有哪些？发票是分期开的可以吗？"
CONTACT = {"name": "周会计", "email": "zhou@hengtai-jx.cn"}
SUPPLEMENT_REQUEST = "请上传分期开具的设备购置发票照片，以便核对开票时间和金额。"
SUPPLEMENT = "已上传第一期设备发票照片，第二期发票将于下月开具。"
ANSWER = "分期开具的发票可以申报，以申报截止前已开具的发票金额计算补助；第二期发票开具后可在下一批次补报。"
COMMENT = "没有说明下一批次的申报时间。"


@pytest.fixture(scope="module")
def output_dir() -> Path:
    """test-output/e2e/desk, emptied first: the other story's module empties test-output/e2e at its own start."""
    import shutil

    folder = Path(__file__).resolve().parents[2] / "test-output" / "e2e" / "desk"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def invoice_png() -> bytes:
    """A real (small) photo-like PNG, as a phone camera upload would be after conversion."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 310, 190), outline="black", width=3)
    draw.text((24, 24), "INVOICE 2026-001  CNC x2", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def publish_policy_with_an_answered_question(site) -> int:
    """A published policy, and an earlier question on it answered and published as a Q&A (through the services)."""
    from sqlalchemy import select

    from policyhub.extensions import db
    from policyhub.models import User
    from policyhub.services import consultations as service

    made = site.api("POST", "/api/v1/policies", site.tokens["wangmin"], json={"title": TITLE, "body": BODY})
    assert made.status_code == 201, made.text
    policy_id = made.json()["id"]
    published = site.api("POST", f"/api/v1/policies/{policy_id}/publish", site.tokens["wangmin"])
    assert published.status_code in (200, 202), published.text
    with site.control.app_context():
        answerer = db.session.scalar(select(User).where(User.username == "liuyang"))
        earlier = service.submit_consultation({"question": EARLIER_QUESTION, "contact_name": "吴经理",
                                               "email": "wu@example.cn", "policy_id": policy_id})
        service.answer_consultation(answerer, earlier, EARLIER_ANSWER)
        service.publish_as_qa(answerer, earlier)
        db.session.commit()
        db.session.remove()
    return policy_id


def deadlines_in_words(site, moments: list[datetime]) -> set[str]:
    """The deadline as the receipt words it, for a question arriving at any of these moments."""
    from notifier import sla
    from notifier.messages import deadline_in_words
    from policyhub.services.calendar import current_calendar

    with site.control.app_context():
        calendar = current_calendar()
        return {deadline_in_words(sla.due_at(m, calendar).due_at) for m in moments}


def deadlines_on_the_page(site, moments: list[datetime]) -> set[str]:
    """The deadline as the status page shows it (the |local filter), for a clock started at any of these moments."""
    from notifier import sla
    from policyhub.services.calendar import current_calendar
    from policyhub.timeutil import to_local

    with site.control.app_context():
        calendar = current_calendar()
        return {f"{to_local(sla.due_at(m, calendar).due_at):%Y-%m-%d %H:%M}" for m in moments}


def now_utc() -> datetime:
    from policyhub.models import utcnow

    return utcnow()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page is {width} px wide on a {PHONE_WIDTH} px phone: it scrolls sideways"


@pytest.mark.e2e
def test_desk_story_from_question_to_follow_up(story, site, tmp_path):
    policy_id = publish_policy_with_an_answered_question(site)
    photo = tmp_path / "设备发票-第一期.png"
    photo.write_bytes(invoice_png())

    # --- 1 ---------------------------------------------------------------------------------------
    phone = story.page(phone=True)
    phone.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    with story.step("1 on a phone, the form offers the answers that exist; the person asks anyway",
                    shot="desk-form-answers"):
        phone.goto(site.url(f"/policies/{policy_id}"))
        phone.get_by_role("link", name="咨询此政策").click()
        expect(phone.locator("h1")).to_have_text("政策咨询")
        phone.get_by_label("咨询内容").fill(QUESTION)
        answers = phone.locator("#answers-before-asking")
        # Typed, not submitted: answers.js asked /api/v1/answers as the text changed.
        expect(answers.locator("h2")).to_have_text("这些已有解答可能就是您要找的")
        qa = answers.locator(".found-qa")
        expect(qa).to_have_count(1)
        expect(qa.get_by_role("link")).to_have_text(f"问：{EARLIER_QUESTION}")
        expect(qa).to_contain_text(EARLIER_ANSWER)
        # Through the counter of opened answers, for this showing of the form.
        expect(qa.get_by_role("link")).to_have_attribute("href", re.compile(r"^/consultations/answers/qa/\d+\?v=[\w-]{16}$"))
        passage = answers.locator(".found-policy")
        expect(passage.get_by_role("link")).to_have_text(TITLE)
        expect(passage.locator("mark").first).to_be_visible()
        expect(passage.locator(".snippet")).to_contain_text("设备购置发票")
        no_sideways_scroll(phone)
        story.shot(phone, "desk-answers-while-typing")
        # The person reads the earlier answer on the policy's page, comes back and asks about the part it leaves open.
        qa.get_by_role("link").click()
        phone.wait_for_url(re.compile(rf"/policies/{policy_id}#qa-\d+$"))
        expect(phone.locator(".qa").filter(has_text=EARLIER_QUESTION)).to_contain_text(EARLIER_ANSWER)
        phone.go_back()
        expect(phone.locator("h1")).to_have_text("政策咨询")
        phone.get_by_label("咨询内容").fill(QUESTION)

        phone.get_by_label("联系人").fill(CONTACT["name"])
        phone.get_by_label("电子邮箱").fill(CONTACT["email"])
        before = now_utc()
        phone.get_by_role("button", name="提交咨询").click()
        after = now_utc()
        expect(phone.locator("h1")).to_have_text("咨询已提交")
        code = phone.locator(".tracking").inner_text()
        assert re.fullmatch(r"ZX[2-9A-HJKMNP-Z]{8}", code), code
        expect(phone.locator("main")).to_contain_text("承办部门：滨州市工业和信息化局")
        no_sideways_scroll(phone)

    # --- 2 ---------------------------------------------------------------------------------------
    with story.step("2 the receipt arrives at once: tracking code, deadline in words, status link"):
        receipt = story.mail.wait_for(CONTACT["email"], f"咨询已受理（查询码 {code}）")
        text = story.mail.text(receipt)
        assert f"查询码：{code}" in text, text
        deadline = re.search(r"答复期限：(\S+?)（2 个工作日内答复）", text).group(1)
        assert deadline in deadlines_in_words(site, [before, after]), (deadline, text)
        assert re.fullmatch(r"\d{1,2}月\d{1,2}日（周[一二三四五六日]）24时前", deadline), deadline
        assert "滨州市工业和信息化局" in text, text
        first_status_link = story.mail.link_after(text, "查看办理进度：")
        assert first_status_link.startswith(site.url(f"/consultations/{code}?t=")), first_status_link

    # --- 3 ---------------------------------------------------------------------------------------
    answerer = story.page()
    with story.step("3 the answerer asks for a supplement; the clock pauses; the request reaches the person",
                    shot="desk-supplement-requested"):
        story.login(answerer, "liuyang")
        answerer.get_by_placeholder("ZX… 或手机号（可填后 4 位）").fill(code)
        answerer.get_by_placeholder("ZX… 或手机号（可填后 4 位）").press("Enter")
        row = answerer.locator("table.list tbody tr", has_text=code)
        expect(row).to_have_count(1)
        expect(row).not_to_contain_text(CONTACT["email"])  # masked in lists
        row.get_by_role("link", name=code).click()
        expect(answerer.locator("h1")).to_have_text(f"咨询 {code}")
        expect(answerer.locator(".body").first).to_have_text(QUESTION)
        expect(answerer.locator("main")).to_contain_text(f"相关政策：{TITLE}")
        answerer.locator("details summary", has_text="请企业补充材料").click()
        answerer.get_by_label("需要企业补充的内容").fill(SUPPLEMENT_REQUEST)
        answerer.get_by_role("button", name="发送补充要求").click()
        expect(answerer.locator(".flash-success")).to_have_text("已请企业补充材料，期限暂停计算")
        expect(answerer.locator(".row .status")).to_have_text("待企业补充材料")
        expect(answerer.locator(".turn-supplement_request")).to_contain_text(SUPPLEMENT_REQUEST)

        told = story.mail.wait_for(CONTACT["email"], f"请补充材料：您的咨询（查询码 {code}）")
        text = story.mail.text(told)
        assert SUPPLEMENT_REQUEST in text and "补充后将重新计算 2 个工作日的答复期限" in text, text
        reply_link = story.mail.link_after(text, "在线补充（可上传文件）：")
        assert reply_link.startswith(site.url(f"/consultations/{code}?t=")), reply_link

    # --- 4 ---------------------------------------------------------------------------------------
    with story.step("4 the person replies on the phone with text and a photo; the clock restarts",
                    shot="desk-supplement-sent"):
        story.current = phone
        phone.goto(reply_link)
        expect(phone.locator("h1")).to_have_text(f"咨询 {code}")
        expect(phone.locator(".row .status")).to_have_text("待企业补充材料")
        expect(phone.locator(".turn-supplement_request")).to_contain_text(SUPPLEMENT_REQUEST)
        phone.get_by_label("补充材料").fill(SUPPLEMENT)
        phone.locator("input[type=file]").set_input_files(photo)
        no_sideways_scroll(phone)
        replied_from = now_utc()
        phone.get_by_role("button", name="提交补充材料").click()
        replied_to = now_utc()
        expect(phone.locator(".flash-success")).to_have_text("补充材料已提交，我们将在 2 个工作日内答复")
        expect(phone.locator(".row .status")).to_have_text("办理中")
        reply = phone.locator(".turn-supplement")
        expect(reply.locator(".body")).to_have_text(SUPPLEMENT)
        expect(reply.get_by_role("link", name=photo.name)).to_be_visible()
        meta = phone.locator(".meta").first.inner_text()
        shown = re.search(r"答复期限 (\d{4}-\d{2}-\d{2} \d{2}:\d{2})", meta).group(1)
        assert shown in deadlines_on_the_page(site, [replied_from, replied_to]), (shown, meta)

    # --- 5 ---------------------------------------------------------------------------------------
    with story.step("5 the answerer sees the reply, downloads the photo, answers", shot="desk-answered-staff"):
        story.current = answerer
        answerer.reload()
        expect(answerer.locator(".row .status")).to_have_text("办理中")
        turn = answerer.locator(".turn-supplement")
        expect(turn).to_contain_text("第 1 轮 · 企业补充")
        expect(turn.locator(".body")).to_have_text(SUPPLEMENT)
        with answerer.expect_download() as download:
            turn.get_by_role("link", name=photo.name).click()
        assert Path(download.value.path()).read_bytes() == photo.read_bytes()
        answerer.get_by_label("答复内容").fill(ANSWER)
        answerer.get_by_role("button", name="提交答复").click()
        expect(answerer.locator(".flash-success")).to_have_text("已答复，已通知企业（按时）")
        expect(answerer.locator(".turn-answer .body")).to_have_text(ANSWER)

        told = story.mail.wait_for(CONTACT["email"], "您的咨询已答复")
        text = story.mail.text(told)
        assert "滨州市工业和信息化局" in text, text
        rating_link = story.mail.link_after(text, "请评价（非常满意 … 非常不满意）：")
        assert rating_link.startswith(site.url(f"/consultations/{code}/rate?r=")), rating_link

    # --- 6 ---------------------------------------------------------------------------------------
    with story.step("6 the person reads the answer and rates it 不满意", shot="desk-rated"):
        story.current = phone
        phone.goto(rating_link)
        expect(phone.locator("h1")).to_have_text(f"评价答复（查询码 {code}）")
        expect(phone.locator(".answer")).to_have_text(ANSWER)
        phone.get_by_label("不满意", exact=True).check()
        phone.get_by_label("意见建议（选填，500 字以内）").fill(COMMENT)
        no_sideways_scroll(phone)
        phone.get_by_role("button", name="提交评价").click()
        expect(phone.locator(".flash-success")).to_have_text("感谢您的评价，我们将在 2 个工作日内回访整改")
        expect(phone.locator(".rated")).to_have_text(f"您的评价：不满意（{COMMENT}）")
        expect(phone.locator(".followup")).to_contain_text("滨州市工业和信息化局将于")

    # --- 7 ---------------------------------------------------------------------------------------
    supervisor = story.page()
    with story.step("7 the supervisor's dashboard shows the follow-up", shot="desk-dashboard-followup"):
        story.login(supervisor, "chenjing")
        supervisor.goto(site.url("/staff/sla"))
        expect(supervisor.locator("h1")).to_have_text("咨询答复督办看板")
        expect(supervisor.locator("#followups")).to_have_text("1")
        expect(supervisor.locator("#satisfaction")).to_have_text("0.0%")
        # The earlier answer was opened once, and that visit asked all the same.
        expect(supervisor.locator("#ended-by-answers")).to_have_text("0")
        expect(supervisor.locator(".tile", has=supervisor.locator("#ended-by-answers"))).to_contain_text("打开已有解答 1 次")
        ranking = supervisor.locator("#ranking tbody tr", has_text="滨州市工业和信息化局")
        expect(ranking.locator("td").nth(7)).to_have_text("1")
        followup = supervisor.locator("#followup-list tbody tr")
        expect(followup).to_have_count(1)
        expect(followup.locator("td").nth(0)).to_have_text(code)
        expect(followup.locator("td").nth(1)).to_have_text("滨州市工业和信息化局")
        expect(followup.locator("td").nth(2)).to_have_text(f"不满意：{COMMENT}")
        story.shot(supervisor, "desk-dashboard")
        followup.get_by_role("link", name=code).click()
        expect(supervisor.locator("h1")).to_have_text(f"咨询 {code}")
        expect(supervisor.locator(".rating")).to_contain_text(f"不满意：{COMMENT}")
        expect(supervisor.locator(".followup")).to_contain_text("待回访整改，期限")
