"""The words enterprises and staff receive: email and SMS bodies for alerts, digests, answers, reminders, escalations.

Every builder returns a ``Notice``: an email (subject, plain text, HTML with every piece of
user content escaped) and a short SMS (title cut with "…", link kept) with the template
parameters a template-only provider (Aliyun) needs.  SMS length follows GSM 03.38 / 3GPP
23.040: a text with any character outside the GSM 7-bit alphabet (any Chinese) is sent as
UCS-2, 70 characters in one segment or 67 per segment of a longer one; GSM-7 text fits 160,
or 153 per segment.  The provider adds the signature (【签名】), which counts too.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from notifier.channels.base import OutgoingMessage

__all__ = [
    "PLATFORM",
    "SMS_MAX_SEGMENTS",
    "TEMPLATE_PARAM_MAX",
    "EmailBody",
    "Notice",
    "PolicyMatch",
    "SmsBody",
    "SmsStyle",
    "answer_reminder",
    "consultation_answered",
    "consultation_received",
    "daily_digest",
    "deadline_reminder",
    "deadline_in_words",
    "escalation",
    "followed_policy_changed",
    "policy_match_alert",
    "sign_in_code",
    "sms_encoding",
    "sms_length",
    "sms_segments",
    "supplement_requested",
    "truncate",
    "welcome",
]

PLATFORM = "滨州市惠企政策平台"
# Two segments: room for a policy title and its link, at twice the price of one.
SMS_MAX_SEGMENTS = 2
# Template variables: Aliyun allows 35 characters for notices, other providers 20.
TEMPLATE_PARAM_MAX = 20
# What an SMS keeps of a title, a department or a question before the segment budget applies.
_TITLE_CAP = 30
_NAME_CAP = 15
_QUESTION_CAP = 20
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_WEEKDAYS = "一二三四五六日"
_ELLIPSIS = "…"

# GSM 03.38 default alphabet, and the extension table whose characters take two septets.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

Kind = Literal["policy_match", "welcome", "daily_digest", "consultation_answered", "answer_reminder", "escalation",
               "sign_in", "deadline_reminder", "followed_change"]


# --- SMS length ----------------------------------------------------------------------------


def sms_encoding(text: str) -> Literal["GSM-7", "UCS-2"]:
    """GSM-7 when every character is in the GSM alphabet, else UCS-2 (all Chinese text)."""
    return "GSM-7" if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text) else "UCS-2"


def _units(text: str, encoding: str) -> list[int]:
    if encoding == "GSM-7":
        return [2 if ch in _GSM_EXTENDED else 1 for ch in text]
    # UCS-2 on the wire is UTF-16: a character beyond the BMP (an emoji) takes two units.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_length(text: str) -> int:
    """The length as the network counts it: septets for GSM-7, UTF-16 units for UCS-2."""
    if sms_encoding(text) == "GSM-7":
        return len(text) + sum(ch in _GSM_EXTENDED for ch in text)
    return len(text.encode("utf-16-le")) // 2  # what _units counts, without a list per character


def sms_segments(text: str) -> int:
    """How many SMS segments the text takes (1 for an empty text)."""
    encoding = sms_encoding(text)
    single, multi = _LIMITS[encoding]
    units = _units(text, encoding)
    if sum(units) <= single:
        return 1
    # Packed greedily: a two-unit character is never split across segments.
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


def _budget(segments: int) -> int:
    """UCS-2 units that fit in that many segments."""
    single, multi = _LIMITS["UCS-2"]
    return single if segments == 1 else multi * segments


def truncate(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters, ending in "…" when cut."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


# --- what a builder returns ----------------------------------------------------------------


@dataclass(frozen=True)
class EmailBody:
    """An email's subject, plain text and HTML."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class SmsBody:
    """An SMS text, and the parameters for a template-only provider's approved template.

    The parameters never carry the link: Aliyun and the carriers require links to be fixed
    text in the approved template.
    """

    text: str
    template_params: Mapping[str, str] = field(default_factory=dict)

    @property
    def segments(self) -> int:
        return sms_segments(self.text)


@dataclass(frozen=True)
class Notice:
    """One notice in both forms; ``email_message()`` / ``sms_message()`` address it to someone."""

    kind: Kind
    email: EmailBody
    sms: SmsBody
    unsubscribe_url: str | None = None

    def email_message(self, recipient: str, *, idempotency_key: str | None = None) -> OutgoingMessage:
        """The email to one address, with List-Unsubscribe when the notice has an unsubscribe link."""
        return OutgoingMessage(channel="email", recipient=recipient, subject=self.email.subject,
                               text=self.email.text, html=self.email.html, idempotency_key=idempotency_key,
                               unsubscribe_url=self.unsubscribe_url)

    def sms_message(self, recipient: str, *, idempotency_key: str | None = None,
                    template_code: str | None = None) -> OutgoingMessage:
        """The SMS to one number; ``template_code`` is the provider's approved template for this kind."""
        return OutgoingMessage(channel="sms", recipient=recipient, text=self.sms.text,
                               idempotency_key=idempotency_key, template_code=template_code,
                               template_params=self.sms.template_params)


@dataclass(frozen=True)
class PolicyMatch:
    """A policy matched to an enterprise, and why (the matcher's reasons, in Chinese)."""

    title: str
    department: str
    url: str
    reasons: Sequence[str] = ()


@dataclass(frozen=True)
class SmsStyle:
    """How an SMS presents itself: the 【签名】 in front (unless the provider adds it, as Aliyun does),
    a short link instead of the long one, and how to stop (退订)."""

    signature: str = ""
    link: str | None = None
    opt_out: str = ""

    def wrap(self, pattern: str) -> str:
        """The pattern with the signature in front and the opt-out after (braces in them kept literal)."""
        def literal(text: str) -> str:
            return text.replace("{", "{{").replace("}", "}}")

        head = f"【{literal(_sms_safe(self.signature))}】" if self.signature.strip() else ""
        tail = literal(self.opt_out) if self.opt_out else ""
        return head + pattern + tail


_PLAIN = SmsStyle()
_REASON_CAP = 14


# --- the builders --------------------------------------------------------------------------


def policy_match_alert(match: PolicyMatch, *, enterprise_name: str, unsubscribe_url: str,
                       platform: str = PLATFORM, sms: SmsStyle = _PLAIN, new: bool = True) -> Notice:
    """A policy concerns the enterprise: title, department, why it matched, link, unsubscribe.

    ``new`` says whether the policy itself is new (just published); when it is not (the firm's profile
    changed, or the policy's criteria did), the message says the firm now qualifies for a policy in force
    instead of calling it new. With an ``sms`` style the SMS carries the signature, the first reason in a
    few words, the short link and the opt-out.
    """
    _check_urls(match.url, unsubscribe_url, *([sms.link] if sms.link else []))
    if new:
        subject = f"新政策推送：《{truncate(match.title, 60)}》"
        lead = f"{platform}为贵企业匹配到一项新发布的政策："
    else:
        subject = f"政策匹配提醒：贵企业现符合《{truncate(match.title, 60)}》"
        lead = f"{platform}提示：贵企业现已符合一项现行政策的条件："
    reasons = list(match.reasons)
    text_lines = [
        f"{enterprise_name}：",
        "",
        lead,
        "",
        f"《{match.title}》",
        f"发布部门：{match.department}",
    ]
    if reasons:
        text_lines += ["", "匹配原因：", *(f"· {reason}" for reason in reasons)]
    text_lines += ["", f"查看政策全文：{match.url}"]
    body = [
        _p(f"{_e(enterprise_name)}："),
        _p(_e(lead)),
        _policy_html(match, heading=True),
    ]
    opening = "新政策《{}》" if new else "贵企业现符合现行政策《{}》"
    if sms is _PLAIN:
        text = _sms_fit("惠企政策提醒：《{}》（{}）与贵企业相关，详见 {}", match.title, match.department, match.url,
                        caps=(_TITLE_CAP, _NAME_CAP))
    elif reasons:
        template = opening + ("与贵企业相关（{}），详见 {}" if new else "（{}），详见 {}")
        text = _sms_fit(sms.wrap(template), match.title, _short_reason(reasons[0]),
                        sms.link or match.url, caps=(_TITLE_CAP, _REASON_CAP))
    else:
        template = opening + ("（{}）与贵企业相关，详见 {}" if new else "（{}），详见 {}")
        text = _sms_fit(sms.wrap(template), match.title, match.department,
                        sms.link or match.url, caps=(_TITLE_CAP, _NAME_CAP))
    params = {"title": _param(match.title), "department": _param(match.department)}
    return Notice("policy_match", _email(subject, text_lines, body, platform, unsubscribe_url),
                  SmsBody(text, params), unsubscribe_url)


def _short_reason(reason: str) -> str:
    """A matcher reason in a few words: "行业：3252 铝压延加工（…）" → "行业 3252 铝压延加工"."""
    head = reason.split("（", 1)[0].split("(", 1)[0]
    return head.replace("：", " ").replace(":", " ").strip() or reason


def daily_digest(matches: Sequence[PolicyMatch], *, enterprise_name: str, day: date, digest_url: str,
                 unsubscribe_url: str, platform: str = PLATFORM, weekly: bool = False,
                 sms: SmsStyle = _PLAIN) -> Notice:
    """Today's (or, weekly, this week's) new matches in one message; the SMS names the first and links to the list.

    With an ``sms`` style the SMS carries the signature and the opt-out (its link stays the list's).
    """
    if not matches:
        raise ValueError("a digest needs at least one match")
    _check_urls(digest_url, unsubscribe_url, *(m.url for m in matches))
    count = len(matches)
    day_text = f"{day.month}月{day.day}日"
    report, period = ("周报", "本周") if weekly else ("日报", "今日")
    subject = f"惠企政策{report}（{day_text}）：{count} 项新政策与贵企业相关"
    when = f"截至{day_text}的一周内" if weekly else day_text
    text_lines = [f"{enterprise_name}：", "", f"{when}，{platform}为贵企业匹配到 {count} 项新政策：", ""]
    for number, match in enumerate(matches, 1):
        text_lines += [f"{number}. 《{match.title}》", f"   发布部门：{match.department}"]
        text_lines += [f"   匹配原因：{reason}" for reason in match.reasons]
        text_lines += [f"   {match.url}", ""]
    text_lines += [f"全部匹配政策：{digest_url}"]
    body = [
        _p(f"{_e(enterprise_name)}："),
        _p(f"{when}，{_e(platform)}为贵企业匹配到 {count} 项新政策："),
        "<ol>" + "".join(f"<li>{_policy_html(m, heading=False)}</li>" for m in matches) + "</ol>",
        _p(f'<a href="{_e(digest_url)}">查看全部匹配政策</a>'),
    ]
    first = matches[0]
    link = sms.link or digest_url
    if count == 1:
        text = _sms_fit(sms.wrap(f"惠企政策{report}：《{{}}》与贵企业相关，详见 {{}}"), first.title, link,
                        caps=(_TITLE_CAP,))
    else:
        text = _sms_fit(sms.wrap(f"惠企政策{report}：{period} {count} 项新政策与贵企业相关，含《{{}}》等，详见 {{}}"),
                        first.title, link, caps=(_TITLE_CAP,))
    params = {"count": str(count), "title": _param(first.title)}
    return Notice("daily_digest", _email(subject, text_lines, body, platform, unsubscribe_url),
                  SmsBody(text, params), unsubscribe_url)


def welcome(matches: Sequence[PolicyMatch], *, enterprise_name: str, list_url: str, unsubscribe_url: str,
            platform: str = PLATFORM, sms: SmsStyle = _PLAIN) -> Notice:
    """A newly registered firm's one message: the policies in force that concern it now (none called new)."""
    if not matches:
        raise ValueError("a welcome needs at least one match")
    _check_urls(list_url, unsubscribe_url, *(m.url for m in matches))
    count = len(matches)
    subject = f"欢迎使用{platform}：{count} 项现行政策与贵企业相关"
    text_lines = [f"{enterprise_name}：", "", f"欢迎使用{platform}。根据贵企业登记的信息，目前有 {count} 项现行政策与贵企业相关：",
                  ""]
    for number, match in enumerate(matches, 1):
        text_lines += [f"{number}. 《{match.title}》", f"   发布部门：{match.department}"]
        text_lines += [f"   匹配原因：{reason}" for reason in match.reasons]
        text_lines += [f"   {match.url}", ""]
    text_lines += ["今后有与贵企业相关的新政策发布时，我们会及时通知。", f"全部匹配政策：{list_url}"]
    body = [
        _p(f"{_e(enterprise_name)}："),
        _p(f"欢迎使用{_e(platform)}。根据贵企业登记的信息，目前有 {count} 项现行政策与贵企业相关："),
        "<ol>" + "".join(f"<li>{_policy_html(m, heading=False)}</li>" for m in matches) + "</ol>",
        _p("今后有与贵企业相关的新政策发布时，我们会及时通知。"),
        _p(f'<a href="{_e(list_url)}">查看全部匹配政策</a>'),
    ]
    first = matches[0]
    link = sms.link or (first.url if count == 1 else list_url)
    if count == 1:
        text = _sms_fit(sms.wrap("欢迎使用惠企政策平台：现行政策《{}》与贵企业相关，详见 {}"), first.title, link,
                        caps=(_TITLE_CAP,))
    else:
        text = _sms_fit(sms.wrap(f"欢迎使用惠企政策平台：{count} 项现行政策与贵企业相关，含《{{}}》等，详见 {{}}"),
                        first.title, link, caps=(_TITLE_CAP,))
    params = {"count": str(count), "title": _param(first.title)}
    return Notice("welcome", _email(subject, text_lines, body, platform, unsubscribe_url),
                  SmsBody(text, params), unsubscribe_url)


def consultation_answered(*, enterprise_name: str, question: str, department: str, answer_url: str,
                          rating_url: str | None = None, platform: str = PLATFORM) -> Notice:
    """The enterprise's question has an answer: where to read it, and where to rate it (好差评)."""
    _check_urls(answer_url, *([rating_url] if rating_url else []))
    subject = f"您的咨询已答复：{truncate(question, 40)}"
    text_lines = [
        f"{enterprise_name}：",
        "",
        f"您在{platform}提交的咨询已由{department}答复。",
        "",
        f"咨询内容：{truncate(question, 200)}",
        "",
        f"查看答复：{answer_url}",
    ]
    body = [
        _p(f"{_e(enterprise_name)}："),
        _p(f"您在{_e(platform)}提交的咨询已由<strong>{_e(department)}</strong>答复。"),
        _quote(truncate(question, 200)),
        _p(f'<a href="{_e(answer_url)}">查看答复</a>'),
    ]
    if rating_url:
        text_lines += ["", f"答复是否解决了您的问题？请评价（非常满意 … 非常不满意）：{rating_url}"]
        body.append(_p(f'答复是否解决了您的问题？<a href="{_e(rating_url)}">请评价</a>（非常满意 … 非常不满意）'))
    # One link fits an SMS: the rating page shows the answer too.
    sms = _sms_fit("您的咨询“{}”已由{}答复，查看并评价 {}" if rating_url else "您的咨询“{}”已由{}答复，查看 {}",
                   question, department, rating_url or answer_url,
                   caps=(_QUESTION_CAP, _NAME_CAP))
    params = {"question": _param(question), "department": _param(department)}
    return Notice("consultation_answered", _email(subject, text_lines, body, platform, None), SmsBody(sms, params))


def deadline_reminder(*, title: str, apply_until: date, days_left: int, policy_url: str, enterprise_name: str,
                      unsubscribe_url: str, platform: str = PLATFORM, sms: SmsStyle = _PLAIN) -> Notice:
    """A followed policy's 申报截止 is near: how many days are left and where to read it.

    With an ``sms`` style the SMS carries the signature and the opt-out (and the style's link, if any).
    """
    _check_urls(policy_url, unsubscribe_url, *([sms.link] if sms.link else []))
    until = f"{apply_until.year}年{apply_until.month}月{apply_until.day}日"
    left = "明天截止" if days_left == 1 else f"还剩 {days_left} 天"
    subject = f"申报提醒：《{truncate(title, 40)}》{left}"
    text_lines = [f"{enterprise_name}：", "", f"贵企业关注的政策《{title}》申报截止日期为{until}，{left}。", "",
                  f"查看政策：{policy_url}"]
    body = [_p(f"{_e(enterprise_name)}："),
            _p(f"贵企业关注的政策《{_e(title)}》申报截止日期为<strong>{until}</strong>，{left}。"),
            _p(f'<a href="{_e(policy_url)}">查看政策</a>')]
    text = _sms_fit(sms.wrap(f"申报提醒：您关注的《{{}}》{until}截止（{left}），详见 {{}}"), title,
                    sms.link or policy_url, caps=(_TITLE_CAP,))
    params = {"title": _param(title), "until": until, "left": left}
    return Notice("deadline_reminder", _email(subject, text_lines, body, platform, unsubscribe_url),
                  SmsBody(text, params), unsubscribe_url)


def followed_policy_changed(*, title: str, withdrawn: bool, policy_url: str, enterprise_name: str,
                            unsubscribe_url: str, reason: str = "", platform: str = PLATFORM,
                            followed: bool = True, sms: SmsStyle = _PLAIN) -> Notice:
    """A followed policy was amended (a new version) or withdrawn; with ``followed=False``, a policy we
    pushed to the firm was withdrawn (it did not follow it, but it was told of it).

    With an ``sms`` style the SMS carries the signature and the opt-out (and the style's link, if any).
    """
    _check_urls(policy_url, unsubscribe_url, *([sms.link] if sms.link else []))
    what = "已撤回" if withdrawn else "已修订"
    whose, whose_sms = ("贵企业关注的政策", "您关注的政策") if followed else ("此前向贵企业推送的政策", "此前推送的政策")
    subject = f"{'您关注的政策' if followed else '此前推送给您的政策'}{what}：《{truncate(title, 40)}》"
    why = f"撤回原因：{truncate(reason, 200)}" if withdrawn and reason else ""
    text_lines = [f"{enterprise_name}：", "", f"{whose}《{title}》{what}。", *([why] if why else []), "",
                  f"查看政策：{policy_url}"]
    body = [_p(f"{_e(enterprise_name)}："), _p(f"{whose}《{_e(title)}》<strong>{what}</strong>。"),
            *([_p(_e(why))] if why else []), _p(f'<a href="{_e(policy_url)}">查看政策</a>')]
    text = _sms_fit(sms.wrap(f"{whose_sms}《{{}}》{what}，详见 {{}}"), title, sms.link or policy_url,
                    caps=(_TITLE_CAP,))
    return Notice("followed_change", _email(subject, text_lines, body, platform, unsubscribe_url),
                  SmsBody(text, {"title": _param(title), "change": what}), unsubscribe_url)


def sign_in_code(code: str, *, minutes: int, link: str | None = None, platform: str = PLATFORM) -> Notice:
    """A sign-in code (SMS) or one-time sign-in link (email) for the enterprise's own pages."""
    if link:
        _check_urls(link)
    subject = f"{platform}登录验证"
    action = f"登录链接：{link}" if link else f"验证码：{code}"
    text_lines = [f"您正在登录{platform}企业空间。", "", action, "",
                  f"{minutes} 分钟内有效，仅可使用一次。如非本人操作，请忽略本邮件。"]
    shown = f'<a href="{_e(link)}">点击登录</a>' if link else f"验证码：<strong>{_e(code)}</strong>"
    body = [_p(f"您正在登录{_e(platform)}企业空间。"), _p(shown),
            _p(f"{minutes} 分钟内有效，仅可使用一次。如非本人操作，请忽略本邮件。")]
    sms = f"您的登录验证码为 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"
    return Notice("sign_in", _email(subject, text_lines, body, platform, None),
                  SmsBody(sms, {"code": code, "minutes": str(minutes)}))


def deadline_in_words(due_at: datetime) -> str:
    """A deadline as people say it, in Shanghai time: "12月4日（周五）24时前" (a 23:59:59 deadline is 24时)."""
    due = _local(due_at)
    day = f"{due.month}月{due.day}日（周{_WEEKDAYS[due.weekday()]}）"
    if (due.hour, due.minute) == (23, 59):
        return f"{day}24时前"
    return f"{day}{due:%H:%M}前"


def consultation_received(*, contact_name: str, tracking_code: str, department: str, due_at: datetime,
                          status_url: str, platform: str = PLATFORM) -> Notice:
    """The receipt sent the moment a question arrives: its tracking code, the deadline in words, the status link."""
    _check_urls(status_url)
    deadline = deadline_in_words(due_at)
    subject = f"咨询已受理（查询码 {tracking_code}），将于{deadline}答复"
    text_lines = [
        f"{contact_name}：",
        "",
        f"您在{platform}提交的咨询已受理，由{department}办理。",
        f"查询码：{tracking_code}",
        f"答复期限：{deadline}（2 个工作日内答复）",
        "",
        f"查看办理进度：{status_url}",
    ]
    body = [
        _p(f"{_e(contact_name)}："),
        _p(f"您在{_e(platform)}提交的咨询已受理，由<strong>{_e(department)}</strong>办理。"),
        _p(f"查询码：<strong>{_e(tracking_code)}</strong>"),
        _p(f"答复期限：<strong>{_e(deadline)}</strong>（2 个工作日内答复）"),
        _p(f'<a href="{_e(status_url)}">查看办理进度</a>'),
    ]
    sms = _sms_fit(f"您的咨询已受理，查询码{tracking_code}，{deadline}答复，进度 {{}}", status_url, caps=())
    params = {"code": tracking_code, "deadline": deadline}
    return Notice("consultation_received", _email(subject, text_lines, body, platform, None), SmsBody(sms, params))


def supplement_requested(*, contact_name: str, tracking_code: str, department: str, request: str,
                         reply_url: str, platform: str = PLATFORM) -> Notice:
    """The department needs more from the enterprise: what it asks, and where to reply (the clock waits)."""
    _check_urls(reply_url)
    subject = f"请补充材料：您的咨询（查询码 {tracking_code}）"
    text_lines = [
        f"{contact_name}：",
        "",
        f"{department}办理您的咨询时需要您补充以下内容：",
        "",
        truncate(request, 1000),
        "",
        "补充后将重新计算 2 个工作日的答复期限。",
        f"在线补充（可上传文件）：{reply_url}",
    ]
    body = [
        _p(f"{_e(contact_name)}："),
        _p(f"<strong>{_e(department)}</strong>办理您的咨询时需要您补充以下内容："),
        _quote(truncate(request, 1000)),
        _p("补充后将重新计算 2 个工作日的答复期限。"),
        _p(f'<a href="{_e(reply_url)}">在线补充（可上传文件）</a>'),
    ]
    sms = _sms_fit("您的咨询需补充：“{}”，请在线补充 {}", request, reply_url, caps=(40,))
    params = {"code": tracking_code, "request": _param(request)}
    return Notice("supplement_requested", _email(subject, text_lines, body, platform, None), SmsBody(sms, params))


def answer_reminder(*, department: str, question: str, enterprise_name: str, due_at: datetime, question_url: str,
                    platform: str = PLATFORM) -> Notice:
    """To the answering department on the due day: a question must be answered by ``due_at``."""
    _check_urls(question_url)
    due = _local(due_at)
    due_text = f"{due.month}月{due.day}日（周{_WEEKDAYS[due.weekday()]}）{due:%H:%M}"
    subject = f"今日到期：待答复咨询“{truncate(question, 40)}”"
    text_lines = [
        f"{department}：",
        "",
        f"{enterprise_name}的咨询将于 {due_text} 到期，请在到期前答复（2 个工作日答复承诺）。",
        "",
        f"咨询内容：{truncate(question, 200)}",
        "",
        f"前往答复：{question_url}",
    ]
    body = [
        _p(f"{_e(department)}："),
        _p(f"{_e(enterprise_name)}的咨询将于 <strong>{due_text}</strong> 到期，请在到期前答复（2 个工作日答复承诺）。"),
        _quote(truncate(question, 200)),
        _p(f'<a href="{_e(question_url)}">前往答复</a>'),
    ]
    sms = _sms_fit(f"咨询待答复提醒：“{{}}”今天 {due:%H:%M} 前到期，请及时答复 {{}}", question, question_url,
                   caps=(_QUESTION_CAP,))
    params = {"question": _param(question), "time": f"{due:%H:%M}"}
    return Notice("answer_reminder", _email(subject, text_lines, body, platform, None), SmsBody(sms, params))


def escalation(*, department: str, question: str, enterprise_name: str, due_at: datetime,
               working_days_overdue: int, question_url: str, platform: str = PLATFORM) -> Notice:
    """To the supervisor: a question is overdue, by how many working days, at which department."""
    if working_days_overdue < 1:
        raise ValueError(f"an escalation needs at least 1 working day overdue, got {working_days_overdue}")
    _check_urls(question_url)
    due = _local(due_at)
    due_text = f"{due.month}月{due.day}日 {due:%H:%M}"
    days = working_days_overdue
    subject = f"咨询超期 {days} 个工作日未答复：{department}“{truncate(question, 30)}”"
    text_lines = [
        "督办提醒：",
        "",
        f"{enterprise_name}的咨询应由{department}于 {due_text} 前答复，现已超期 {days} 个工作日，请督促办理。",
        "",
        f"咨询内容：{truncate(question, 200)}",
        "",
        f"查看咨询：{question_url}",
    ]
    body = [
        _p("督办提醒："),
        _p(f"{_e(enterprise_name)}的咨询应由<strong>{_e(department)}</strong>于 {due_text} 前答复，"
           f"现已超期 <strong>{days}</strong> 个工作日，请督促办理。"),
        _quote(truncate(question, 200)),
        _p(f'<a href="{_e(question_url)}">查看咨询</a>'),
    ]
    sms = _sms_fit(f"咨询超期督办：{{}}“{{}}”已超期 {days} 个工作日，请督促办理 {{}}", department, question,
                   question_url, caps=(_NAME_CAP, _QUESTION_CAP))
    params = {"department": _param(department), "question": _param(question), "days": str(days)}
    return Notice("escalation", _email(subject, text_lines, body, platform, None), SmsBody(sms, params))


# --- helpers -------------------------------------------------------------------------------


def _sms_fit(pattern: str, *fields: str, caps: Sequence[int], max_segments: int = SMS_MAX_SEGMENTS) -> str:
    """Fill ``{}`` slots; the last slot is a link and is never cut, the others are cut to their cap
    and then share what is left of ``max_segments``."""
    *texts, link = [_sms_safe(value) for value in fields]
    texts = [truncate(text, cap) for text, cap in zip(texts, caps, strict=True)]
    budget = _budget(max_segments)
    fixed = sms_length(pattern.format(*([""] * len(texts)), link))
    room = budget - fixed
    # Each text gets an equal share, and what a short one leaves goes to the others.
    limits = [4] * len(texts)
    if room > 4 * len(texts):
        remaining, pending = room, sorted(range(len(texts)), key=lambda i: len(texts[i]))
        while pending:
            share = remaining // len(pending)
            index = pending.pop(0)
            limits[index] = max(4, min(len(texts[index]), share))
            remaining -= limits[index]
    return pattern.format(*(truncate(text, limit) for text, limit in zip(texts, limits, strict=True)), link)


def _sms_safe(value: str) -> str:
    # 【】 is where the signature goes: inside the text, carriers read it as a forged signature.
    return " ".join(value.split()).replace("【", "（").replace("】", "）")


def _param(value: str) -> str:
    return truncate(_sms_safe(value), TEMPLATE_PARAM_MAX)


def _check_urls(*urls: str) -> None:
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"links must be absolute http(s) URLs, got {url!r}")


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"due_at must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(_SHANGHAI)


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _p(inner_html: str) -> str:
    return f"<p>{inner_html}</p>"


def _quote(text: str) -> str:
    return f'<blockquote style="margin:0 0 1em;padding-left:1em;border-left:3px solid #ccc">{_e(text)}</blockquote>'


def _policy_html(match: PolicyMatch, *, heading: bool) -> str:
    title = f'<a href="{_e(match.url)}">《{_e(match.title)}》</a>'
    parts = [f"<h2 style=\"font-size:18px\">{title}</h2>" if heading else f"<strong>{title}</strong>",
             _p(f"发布部门：{_e(match.department)}")]
    if match.reasons:
        parts.append(_p("匹配原因：") + _list(match.reasons))
    if heading:
        parts.append(_p(f'<a href="{_e(match.url)}">查看政策全文</a>'))
    return "".join(parts)


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _email(subject: str, text_lines: list[str], body_html: list[str], platform: str,
           unsubscribe_url: str | None) -> EmailBody:
    footer_text = ["", "——", f"本邮件由{platform}自动发送，请勿直接回复。"]
    footer_html = f"本邮件由{_e(platform)}自动发送，请勿直接回复。"
    if unsubscribe_url:
        footer_text.append(f"不想再收到政策推送？退订：{unsubscribe_url}")
        footer_html += f'不想再收到政策推送？<a href="{_e(unsubscribe_url)}">退订</a>'
    text = "\n".join([*text_lines, *footer_text]) + "\n"
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8">'
        f"<title>{_e(subject)}</title></head>\n"
        '<body style="font-family:sans-serif;font-size:15px;line-height:1.6;color:#222">\n'
        + "\n".join(body_html)
        + f'\n<hr><p style="font-size:12px;color:#777">{footer_html}</p>\n</body>\n</html>\n'
    )
    return EmailBody(subject, text, page)
