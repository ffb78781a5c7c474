"""Tests for notifier.messages: SMS length and segments, and the bodies of every notice."""

from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser

import pytest

from notifier.channels import render_email
from notifier.messages import (
    SMS_MAX_SEGMENTS,
    TEMPLATE_PARAM_MAX,
    PolicyMatch,
    answer_reminder,
    consultation_answered,
    consultation_received,
    daily_digest,
    deadline_in_words,
    escalation,
    policy_match_alert,
    sms_encoding,
    sms_length,
    sms_segments,
    supplement_requested,
    truncate,
)

URL = "https://zc.binzhou.gov.cn/policies/1024"
UNSUBSCRIBE = "https://zc.binzhou.gov.cn/unsubscribe/8f3a?sig=x1&channel=email"
DUE = datetime(2025, 3, 12, 15, 59, 59, tzinfo=UTC)  # 23:59:59 Shanghai
LONG_TITLE = "滨州市关于支持高端铝业产业链高质量发展的若干政策措施（试行）【2025年修订版】暨专项资金申报指南"
MATCH = PolicyMatch(
    title="滨州市支持高端铝业发展的若干措施",
    department="滨州市工业和信息化局",
    url=URL,
    reasons=("行业：C3252 铝压延加工 属于政策适用的 C32 有色金属冶炼和压延加工业", "规模：中型企业，政策面向中小企业"),
)


# --- SMS length ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "segments"), [
    ("", 1),
    ("政" * 70, 1),
    ("政" * 71, 2),  # concatenated UCS-2: 67 a segment
    ("政" * 134, 2),
    ("政" * 135, 3),
    ("a" * 160, 1),
    ("a" * 161, 2),  # concatenated GSM-7: 153 a segment
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("a" * 159 + "政", 3),  # one Chinese character makes the whole text UCS-2
    ("{" * 80, 1),  # extension characters take two septets
    ("{" * 81, 2),  # 162 septets: 76 two-septet characters in the first segment, 5 in the second
    ("aa" + "{" * 152, 3),  # 306 septets would fill two, but a two-septet character is never split
    ("😀" * 35, 1),  # beyond the BMP: two UTF-16 units each
    ("😀" * 36, 2),
])
def test_sms_segments(text, segments):
    assert sms_segments(text) == segments


def test_sms_encoding_and_length():
    assert sms_encoding("Your code is 1234. €5 [ok]") == "GSM-7"
    assert sms_length("€[]") == 6
    assert sms_encoding("惠企政策") == "UCS-2" and sms_length("惠企政策 A1") == 7
    assert sms_encoding("Ça coûte 5€") == "UCS-2", "û is not in the GSM alphabet"


def test_truncate_marks_the_cut():
    assert truncate("滨州市惠企政策", 10) == "滨州市惠企政策"
    assert truncate("滨州市惠企政策", 5) == "滨州市惠…"
    assert truncate("  多个\n空白  ", 10) == "多个 空白"
    with pytest.raises(ValueError):
        truncate("x", 0)


# --- the notices ---------------------------------------------------------------------------


def all_notices(title: str = MATCH.title, question: str = "请问技改补贴的申报材料有哪些？", department: str = MATCH.department):
    match = PolicyMatch(title, department, URL, MATCH.reasons)
    return {
        "policy_match": policy_match_alert(match, enterprise_name="滨州宏达铝业有限公司", unsubscribe_url=UNSUBSCRIBE),
        "daily_digest": daily_digest([match, MATCH], enterprise_name="滨州宏达铝业有限公司", day=date(2025, 3, 10),
                                     digest_url="https://zc.binzhou.gov.cn/my/matches", unsubscribe_url=UNSUBSCRIBE),
        "consultation_answered": consultation_answered(enterprise_name="滨州宏达铝业有限公司", question=question,
                                                       department=department, answer_url=URL),
        "answer_reminder": answer_reminder(department=department, question=question, enterprise_name="滨州宏达铝业有限公司",
                                           due_at=DUE, question_url=URL),
        "escalation": escalation(department=department, question=question, enterprise_name="滨州宏达铝业有限公司",
                                 due_at=DUE, working_days_overdue=2, question_url=URL),
        "supplement_requested": supplement_requested(contact_name="李", tracking_code="ZX23456789",
                                                     department=department, request=question, reply_url=URL),
    }


def test_a_match_alert_says_what_who_why_and_where():
    notice = policy_match_alert(MATCH, enterprise_name="滨州宏达铝业有限公司", unsubscribe_url=UNSUBSCRIBE)
    assert notice.kind == "policy_match"
    assert notice.email.subject == "新政策推送：《滨州市支持高端铝业发展的若干措施》"
    for part in (notice.email.text, notice.email.html):
        assert "滨州宏达铝业有限公司" in part and MATCH.title in part and "滨州市工业和信息化局" in part
        assert "铝压延加工" in part and "中型企业" in part
    assert f"查看政策全文：{URL}" in notice.email.text and f"退订：{UNSUBSCRIBE}" in notice.email.text
    assert f'href="{URL}"' in notice.email.html
    assert 'href="https://zc.binzhou.gov.cn/unsubscribe/8f3a?sig=x1&amp;channel=email"' in notice.email.html
    assert notice.sms.text == ("惠企政策提醒：《滨州市支持高端铝业发展的若干措施》（滨州市工业和信息化局）与贵企业相关，"
                               f"详见 {URL}")
    assert notice.sms.template_params == {"title": "滨州市支持高端铝业发展的若干措施", "department": "滨州市工业和信息化局"}


def test_user_content_is_escaped_in_html():
    evil = PolicyMatch('<script>alert("x")</script>政策', "工信局 & 财政局", URL, ('理由 "<b>加粗</b>"',))
    notice = policy_match_alert(evil, enterprise_name="<img src=x onerror=1>公司", unsubscribe_url=UNSUBSCRIBE)
    html = notice.email.html
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;政策" in html
    assert "工信局 &amp; 财政局" in html and "&lt;img src=x onerror=1&gt;公司" in html
    assert '<script>alert("x")</script>政策' in notice.email.text, "plain text stays as typed"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "zc.binzhou.gov.cn/p/1", "ftp://zc.binzhou.gov.cn/p/1"])
def test_links_must_be_absolute_http(url):
    with pytest.raises(ValueError, match="http"):
        policy_match_alert(PolicyMatch("标题", "部门", url), enterprise_name="公司", unsubscribe_url=UNSUBSCRIBE)


@pytest.mark.parametrize("kind", ["policy_match", "daily_digest", "consultation_answered", "answer_reminder", "escalation",
                                  "supplement_requested"])
def test_every_sms_stays_short_keeps_its_link_and_cuts_with_an_ellipsis(kind):
    notice = all_notices(title=LONG_TITLE * 3, question="请问" + "技改补贴申报材料" * 30, department="滨州市" + "某某" * 20 + "局")[kind]
    assert notice.kind == kind
    assert sms_segments(notice.sms.text) <= SMS_MAX_SEGMENTS
    assert notice.sms.text.rstrip().endswith(URL) or notice.sms.text.endswith("https://zc.binzhou.gov.cn/my/matches")
    assert "…" in notice.sms.text
    assert "【" not in notice.sms.text and "】" not in notice.sms.text, "【】 is the signature's place"
    for value in notice.sms.template_params.values():
        assert len(value) <= TEMPLATE_PARAM_MAX and "http" not in value


@pytest.mark.parametrize("kind", ["policy_match", "daily_digest", "consultation_answered", "answer_reminder", "escalation",
                                  "supplement_requested"])
def test_every_email_renders_and_reads_back_as_utf8(kind):
    notice = all_notices()[kind]
    message = notice.email_message("li@example.com", idempotency_key=f"{kind}-1")
    raw = render_email(message, "平台 <noreply@zc.binzhou.gov.cn>", date=DUE, message_id_domain="zc.binzhou.gov.cn")
    parsed = BytesParser(policy=policy.default).parsebytes(raw.as_bytes())
    assert parsed["Subject"] == notice.email.subject
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == notice.email.text
    assert parsed.get_body(("html",)).get_content().replace("\r\n", "\n") == notice.email.html
    assert ("List-Unsubscribe" in parsed) is (kind in ("policy_match", "daily_digest"))
    assert notice.email.html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in notice.email.html


def test_the_digest_lists_every_match_and_counts_them():
    notice = all_notices()["daily_digest"]
    assert notice.email.subject == "惠企政策日报（3月10日）：2 项新政策与贵企业相关"
    assert notice.email.text.count("《滨州市支持高端铝业发展的若干措施》") == 2
    assert notice.email.html.count("<li><strong>") == 2
    assert notice.sms.text.startswith("惠企政策日报：今日 2 项新政策与贵企业相关，含《")
    assert notice.sms.template_params["count"] == "2"
    single = daily_digest([MATCH], enterprise_name="公司", day=date(2025, 3, 10),
                          digest_url="https://zc.binzhou.gov.cn/my/matches", unsubscribe_url=UNSUBSCRIBE)
    assert single.sms.text.startswith("惠企政策日报：《滨州市支持高端铝业发展的若干措施》与贵企业相关")
    with pytest.raises(ValueError, match="at least one"):
        daily_digest([], enterprise_name="公司", day=date(2025, 3, 10), digest_url=URL, unsubscribe_url=UNSUBSCRIBE)


def test_the_answer_notice_names_the_department():
    notice = all_notices()["consultation_answered"]
    assert notice.email.subject == "您的咨询已答复：请问技改补贴的申报材料有哪些？"
    assert "已由滨州市工业和信息化局答复" in notice.email.text
    assert notice.sms.text == f"您的咨询“请问技改补贴的申报材料有哪些？”已由滨州市工业和信息化局答复，查看 {URL}"
    assert notice.unsubscribe_url is None
    rated = consultation_answered(enterprise_name="李", question="问题", department="部门", answer_url=URL,
                                  rating_url=URL + "/rate")
    assert rated.sms.text.endswith(URL + "/rate") and "评价" in rated.sms.text
    assert f"{URL}/rate" in rated.email.text and "非常不满意" in rated.email.text


def test_the_reminder_shows_the_deadline_in_shanghai_time():
    notice = all_notices()["answer_reminder"]
    assert "3月12日（周三）23:59 到期" in notice.email.text
    assert "今天 23:59 前到期" in notice.sms.text
    assert notice.sms.template_params["time"] == "23:59"


def test_the_escalation_counts_working_days_overdue():
    notice = all_notices()["escalation"]
    assert notice.email.subject.startswith("咨询超期 2 个工作日未答复：滨州市工业和信息化局")
    assert "现已超期 2 个工作日" in notice.email.text and "3月12日 23:59 前答复" in notice.email.text
    assert "已超期 2 个工作日" in notice.sms.text and notice.sms.template_params["days"] == "2"
    with pytest.raises(ValueError, match="at least 1"):
        escalation(department="局", question="问", enterprise_name="公司", due_at=DUE, working_days_overdue=0,
                   question_url=URL)
    with pytest.raises(ValueError, match="timezone-aware"):
        escalation(department="局", question="问", enterprise_name="公司", due_at=datetime(2025, 3, 12),
                   working_days_overdue=1, question_url=URL)


def test_a_notice_addresses_itself_to_either_channel():
    notice = all_notices()["policy_match"]
    mail = notice.email_message("li@example.com", idempotency_key="n-1")
    assert (mail.channel, mail.recipient, mail.unsubscribe_url, mail.idempotency_key) == \
        ("email", "li@example.com", UNSUBSCRIBE, "n-1")
    assert mail.subject == notice.email.subject and mail.html == notice.email.html
    text = notice.sms_message("13800138000", idempotency_key="n-2", template_code="SMS_1")
    assert (text.channel, text.text, text.template_code) == ("sms", notice.sms.text, "SMS_1")
    assert text.template_params == notice.sms.template_params
    assert notice.sms.segments == sms_segments(notice.sms.text)


def test_the_deadline_in_words_is_shanghai_time_and_24_for_end_of_day():
    assert deadline_in_words(datetime(2026, 12, 4, 15, 59, 59, tzinfo=UTC)) == "12月4日（周五）24时前"
    assert deadline_in_words(datetime(2026, 12, 4, 4, 30, tzinfo=UTC)) == "12月4日（周五）12:30前"


def test_the_receipt_carries_code_deadline_and_link_on_both_channels():
    notice = consultation_received(contact_name="李", tracking_code="ZX23456789", department="滨州市工业和信息化局",
                                   due_at=datetime(2026, 12, 4, 15, 59, 59, tzinfo=UTC), status_url=URL)
    for text in (notice.sms.text, notice.email.text):
        assert "ZX23456789" in text and "12月4日（周五）24时前" in text and URL in text
    assert sms_segments(notice.sms.text) <= SMS_MAX_SEGMENTS
    assert notice.kind == "consultation_received"
