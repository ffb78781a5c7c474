"""Consultation use cases: submit, route, answer, reassign, supplements, deadlines and the SLA scan."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, select, true, update

from notifier import messages, sla
from notifier.workcal import WorkCalendar
from policyhub.extensions import db
from policyhub.inputs import MAX_DB_INT, text_problem
from policyhub.models import Consultation, ConsultationTurn, Department, Enterprise, Policy, User, utcnow
from policyhub.models.consultation import (
    ANSWER,
    ANSWERED,
    AWAITING_SUPPLEMENT,
    ENTERPRISE,
    OPEN,
    STAFF,
    SUPPLEMENT,
    SUPPLEMENT_REQUEST,
)
from policyhub.models.policy import PUBLISHED
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services import audit
from policyhub.services.calendar import current_calendar
from policyhub.services.consultation_files import Upload, attach, check_uploads
from policyhub.services.errors import Conflict, Forbidden, Invalid, NotFound
from policyhub.services.identifiers import (
    IdentifierError,
    mask_email,
    mask_mobile,
    validate_credit_code,
    validate_email,
    validate_mobile,
)
from policyhub.services.tokens import rating_token, status_token

__all__ = [
    "MAX_ANSWER",
    "MAX_QUESTION",
    "answer_consultation",
    "by_tracking_code",
    "can_answer",
    "can_publish_qa",
    "can_see",
    "close_followup",
    "contacts_for",
    "mask_personal",
    "publish_as_qa",
    "qa_draft",
    "rate",
    "rating_url",
    "reassign",
    "staff_search",
    "status_url",
    "recompute_open_deadlines",
    "request_supplement",
    "submit_consultation",
    "submit_supplement",
    "view_status",
    "visible_to",
]

MIN_QUESTION, MAX_QUESTION = 5, 2000
MAX_ANSWER = 5000
# No 0/O/1/I/L: the code is read aloud over the phone and typed from paper.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _tracking_code() -> str:
    return "ZX" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _text(data: Mapping[str, Any], name: str, fields: dict[str, str], *, required: bool, low: int,
          high: int) -> str | None:
    raw = data.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            fields[name] = "必填"
        return None
    if not isinstance(raw, str):
        fields[name] = "应为文本"
        return None
    value = raw.strip()
    if text_problem(value):
        fields[name] = text_problem(value)
    elif len(value) < low:
        fields[name] = f"至少 {low} 个字"
    elif len(value) > high:
        fields[name] = f"最多 {high} 个字（当前 {len(value)} 字）"
    else:
        return value
    return None


def _policy_id(raw: Any) -> int | None:
    """A policy id from JSON or a form: an integer, an integral number or digits; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and abs(raw) <= MAX_DB_INT else None  # inf is not integral
    if isinstance(raw, str):
        text = raw.strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None
    return None


def _triage_department() -> Department:
    code = current_app.config.get("TRIAGE_DEPARTMENT", "yshj")
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        department = db.session.scalar(select(Department).order_by(Department.id))
    if department is None:
        raise Conflict("尚未设置任何部门，无法受理咨询", code="no_department")
    return department


def submit_consultation(data: Mapping[str, Any], *, now: datetime | None = None,
                        calendar: WorkCalendar | None = None) -> Consultation:
    """Accept a question: validate, route to the policy's department (else triage), set the deadline."""
    allowed = {"question", "contact_name", "mobile", "email", "credit_code", "policy_id"}
    fields: dict[str, str] = {name: "未知字段" for name in sorted(set(data) - allowed)}
    question = _text(data, "question", fields, required=True, low=MIN_QUESTION, high=MAX_QUESTION)
    contact_name = _text(data, "contact_name", fields, required=True, low=1, high=50)
    contacts: dict[str, str | None] = {}
    for name, check in (("mobile", validate_mobile), ("email", validate_email), ("credit_code", validate_credit_code)):
        raw = data.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            contacts[name] = None
            continue
        try:
            contacts[name] = check(raw)
        except IdentifierError as exc:
            fields[name] = str(exc)
    if not contacts.get("mobile") and not contacts.get("email") and "mobile" not in fields and "email" not in fields:
        fields["mobile"] = "手机号和邮箱至少填写一项，以便答复"
    policy = None
    raw_policy = data.get("policy_id")
    if raw_policy not in (None, ""):
        policy_id = _policy_id(raw_policy)
        if policy_id is None:
            fields["policy_id"] = "应为政策编号（整数）"
        else:
            policy = db.session.get(Policy, policy_id) if 0 < policy_id <= MAX_DB_INT else None
            if policy is None or policy.status != PUBLISHED:
                fields["policy_id"] = "政策不存在或未发布"
    if fields:
        raise Invalid("咨询内容有误", fields=fields)
    now = now or utcnow()
    calendar = calendar or current_calendar()
    deadline = sla.due_at(now, calendar)
    enterprise = None
    if contacts["credit_code"]:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == contacts["credit_code"]))
    consultation = Consultation(
        tracking_code=_tracking_code(), question=question, contact_name=contact_name,
        mobile=contacts["mobile"], email=contacts["email"], credit_code=contacts["credit_code"],
        enterprise_id=enterprise.id if enterprise else None, policy=policy,
        department=policy.department if policy else _triage_department(), status=OPEN,
        submitted_at=now, clock_started_at=now, due_at=deadline.due_at, due_provisional=deadline.provisional,
    )
    db.session.add(consultation)
    db.session.flush()
    audit.record(None, "consultation.submit", "consultation", consultation.id,
                 department=consultation.department.code, due_at=deadline.due_at.isoformat())
    _send_receipt(consultation, now)
    return consultation


def _turn(consultation: Consultation, author: str, kind: str, body: str, user: User | None,
          now: datetime) -> ConsultationTurn:
    """Add a turn to the thread, in the current clock round."""
    turn = ConsultationTurn(consultation_id=consultation.id, clock_round=consultation.clock_round, author=author,
                            kind=kind, body=body, user_id=user.id if user else None, created_at=now)
    db.session.add(turn)
    db.session.flush()
    db.session.expire(consultation, ["turns"])
    return turn


def rating_url(consultation: Consultation) -> str:
    """The signed link that lets the enterprise rate the answer (好差评)."""
    return absolute_url(f"/consultations/{consultation.tracking_code}/rate?r={rating_token(consultation.id)}")


def rate(consultation: Consultation, score: Any, comment: Any = None, *, now: datetime | None = None,
         calendar: WorkCalendar | None = None) -> Consultation:
    """The enterprise rates the answer once on the five national levels; a 差评 opens a follow-up (回访整改).

    The follow-up has its own clock: 2 working days from the rating, for the answering department.
    """
    fields: dict[str, str] = {}
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        fields["score"] = "应为 1 到 5 的整数（5 非常满意 … 1 非常不满意）"
    text = None
    if comment not in (None, ""):
        text = _text({"comment": comment}, "comment", fields, required=False, low=1, high=500)
    if consultation.status != ANSWERED:
        raise Conflict("咨询尚未答复，暂不能评价", code="not_answered")
    if consultation.rating is not None:
        raise Conflict("该答复已评价", code="already_rated")
    if fields:
        raise Invalid("评价内容有误", fields=fields)
    now = now or utcnow()
    consultation.rating, consultation.rating_comment, consultation.rated_at = score, text, now
    if score <= 2:
        consultation.followup_due_at = sla.due_at(now, calendar or current_calendar()).due_at
    db.session.flush()
    audit.record(None, "consultation.rate", "consultation", consultation.id, score=score,
                 followup=consultation.followup_due_at is not None)
    return consultation


def close_followup(actor: User, consultation: Consultation, note: str, *, now: datetime | None = None) -> Consultation:
    """The department records what it did about a 差评 (回访整改), closing the follow-up."""
    if not can_answer(actor, consultation):
        raise Forbidden("只能办理本部门的回访整改")
    if consultation.followup_due_at is None or consultation.followup_closed_at is not None:
        raise Conflict("没有待办的回访整改", code="no_followup")
    fields: dict[str, str] = {}
    text = _text({"note": note}, "note", fields, required=True, low=2, high=1000)
    if fields:
        raise Invalid("回访整改记录有误", fields=fields)
    consultation.followup_note, consultation.followup_closed_at = text, now or utcnow()
    db.session.flush()
    audit.record(actor, "consultation.followup", "consultation", consultation.id,
                 on_time=consultation.followup_closed_at <= consultation.followup_due_at)
    return consultation


def status_url(consultation: Consultation) -> str:
    """The enterprise's signed link to its consultation's status page (no sign-in needed)."""
    return absolute_url(f"/consultations/{consultation.tracking_code}?t={status_token(consultation.id)}")


def _tell_contact(consultation: Consultation, notice: messages.Notice, key: str, now: datetime) -> int:
    """Queue a notice to the enterprise's contact: by SMS when a mobile was given (it was asked on a phone),
    else by email. The key is suffixed with the channel."""
    channel, recipient = ("sms", consultation.mobile) if consultation.mobile else ("email", consultation.email)
    if not recipient:
        return 0
    return enqueue([outgoing(notice, channel=channel, recipient=recipient, key=f"{key}:{channel}",
                             consultation_id=consultation.id, enterprise_id=consultation.enterprise_id)], now=now)


def _send_receipt(consultation: Consultation, now: datetime) -> None:
    notice = messages.consultation_received(
        contact_name=consultation.contact_name, tracking_code=consultation.tracking_code,
        department=consultation.department.name, due_at=consultation.due_at, status_url=status_url(consultation))
    _tell_contact(consultation, notice, f"receipt:{consultation.id}", now)


def staff_search(query: str) -> ColumnElement[bool] | None:
    """SQL condition for the staff look-up box: a tracking code, or a mobile (full, or its last 4+ digits).

    None when the query is neither, so the caller can say so rather than list everything.
    """
    text = (query or "").strip().upper()
    if not text or len(text) > 16 or not text.isascii():
        return None
    if text.startswith("ZX"):
        return Consultation.tracking_code == text
    if text.isdigit() and 4 <= len(text) <= 11:
        return Consultation.mobile == text if len(text) == 11 else Consultation.mobile.endswith(text)
    return None


def by_tracking_code(code: str, contact: str) -> Consultation:
    """The consultation with this tracking code, if the contact (mobile or email) matches; else NotFound."""
    code = (code or "").strip().upper()
    contact = (contact or "").strip()
    consultation = None
    if 0 < len(code) <= 16 and 0 < len(contact) <= 254:
        consultation = db.session.scalar(select(Consultation).where(Consultation.tracking_code == code))
    if consultation is not None:
        try:
            normalised = validate_mobile(contact) if "@" not in contact else validate_email(contact)
        except IdentifierError:
            normalised = None
        known = {consultation.mobile, (consultation.email or "").lower()}
        if normalised and (normalised in known or normalised.lower() in known):
            return consultation
    # One answer for both cases, so codes cannot be probed without the contact.
    raise NotFound("查询码或联系方式不正确", fields={"tracking_code": "未找到"})


def view_status(consultation: Consultation, now: datetime) -> str:
    """open / at_risk / overdue / answered_on_time / answered_late / awaiting_supplement."""
    if consultation.status == AWAITING_SUPPLEMENT:
        return AWAITING_SUPPLEMENT
    return sla.status(consultation.due_at, consultation.answered_at, now)


def can_answer(user: User | None, consultation: Consultation) -> bool:
    """Admins, and answerers of the department it is routed to."""
    if user is None:
        return False
    return user.role == "admin" or (user.role == "answerer" and user.department_id == consultation.department_id)


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition for the consultations this staff user may see: answerers only their department's.

    The one rule for the API, the inbox, the detail pages and the exports.
    """
    if user.role == "answerer":
        return Consultation.department_id == user.department_id
    return true()


def can_see(user: User | None, consultation: Consultation) -> bool:
    """Whether this staff user may see the consultation at all (the Python form of visible_to)."""
    if user is None:
        return False
    return user.role != "answerer" or user.department_id == consultation.department_id


def contacts_for(user: User | None, consultation: Consultation, *, detail: bool) -> dict[str, str | None]:
    """The mobile and email as this user may see them: full only on a detail view for whoever answers it."""
    full = detail and can_answer(user, consultation)

    def shown(value: str | None, mask) -> str | None:
        if not value or full:
            return value
        try:
            return mask(value)
        except ValueError:
            return "***"

    return {"mobile": shown(consultation.mobile, mask_mobile), "email": shown(consultation.email, mask_email)}


def can_publish_qa(user: User | None, consultation: Consultation) -> bool:
    """Admins, and editors or answerers of the consultation's department."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role in ("editor", "answerer") and user.department_id == consultation.department_id


def answer_consultation(actor: User, consultation: Consultation, answer: str, *, files: list[Upload] | None = None,
                        now: datetime | None = None) -> Consultation:
    """Record the answer (with up to 3 files); on time when given by the deadline."""
    if not can_answer(actor, consultation):
        raise Forbidden("只能答复本部门的咨询")
    if consultation.status == ANSWERED:
        raise Conflict("该咨询已答复", code="already_answered")
    fields: dict[str, str] = {}
    text = _text({"answer": answer}, "answer", fields, required=True, low=2, high=MAX_ANSWER)
    if fields:
        raise Invalid("答复内容有误", fields=fields)
    check_uploads(files or [])  # before anything changes
    now = now or utcnow()
    # A conditional update: of two answerers submitting at once, one answers and the other gets the 409.
    claimed = db.session.execute(
        update(Consultation).where(Consultation.id == consultation.id, Consultation.status != ANSWERED)
        .values(answer=text, answered_at=now, answered_by_id=actor.id, on_time=now <= consultation.due_at,
                status=ANSWERED)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not claimed:
        raise Conflict("该咨询已答复", code="already_answered")
    db.session.refresh(consultation)
    attach(_turn(consultation, STAFF, ANSWER, text, actor, now), files or [])
    _tell_enterprise(consultation, now)
    audit.record(actor, "consultation.answer", "consultation", consultation.id, on_time=consultation.on_time)
    return consultation


def _tell_enterprise(consultation: Consultation, now: datetime) -> None:
    """Queue the "your question is answered" notice by email if given, else SMS."""
    url = status_url(consultation)
    notice = messages.consultation_answered(enterprise_name=consultation.contact_name,
                                            question=consultation.question,
                                            department=consultation.department.name, answer_url=url,
                                            rating_url=rating_url(consultation))
    channel, recipient = ("email", consultation.email) if consultation.email else ("sms", consultation.mobile)
    if recipient:
        enqueue([outgoing(notice, channel=channel, recipient=recipient, key=f"answer:{consultation.id}:{channel}",
                consultation_id=consultation.id, enterprise_id=consultation.enterprise_id)], now=now)


def reassign(actor: User, consultation: Consultation, department_code: str, reason: str) -> Consultation:
    """Send a question to another department, with the reason on record; the deadline stays."""
    if actor.role not in ("admin", "supervisor") and not can_answer(actor, consultation):
        raise Forbidden("只能转办本部门的咨询")
    if consultation.status == ANSWERED:
        raise Conflict("已答复的咨询不能转办", code="already_answered")
    fields: dict[str, str] = {}
    reason_text = _text({"reason": reason}, "reason", fields, required=True, low=2, high=500)
    department = db.session.scalar(select(Department).where(Department.code == (department_code or "")))
    if department is None:
        fields["department"] = "部门不存在"
    elif department.id == consultation.department_id:
        fields["department"] = "已在该部门"
    if fields:
        raise Invalid("转办信息有误", fields=fields)
    before = consultation.department.code
    consultation.department = department
    consultation.assignee_id = None
    db.session.flush()
    audit.record(actor, "consultation.reassign", "consultation", consultation.id, before=before,
                 after=department.code, reason=reason_text)
    return consultation


def request_supplement(actor: User, consultation: Consultation, request_text: str, *,
                       now: datetime | None = None) -> Consultation:
    """Ask the enterprise for more information (told by SMS or email); the clock pauses until it arrives."""
    now = now or utcnow()
    if not can_answer(actor, consultation):
        raise Forbidden("只能处理本部门的咨询")
    if consultation.status != OPEN:
        raise Conflict("只有待答复的咨询可以要求补充材料", code="wrong_status")
    fields: dict[str, str] = {}
    text = _text({"request": request_text}, "request", fields, required=True, low=2, high=1000)
    if fields:
        raise Invalid("补充要求有误", fields=fields)
    consultation.status = AWAITING_SUPPLEMENT
    consultation.supplement_request = text
    _turn(consultation, STAFF, SUPPLEMENT_REQUEST, text, actor, now)
    notice = messages.supplement_requested(
        contact_name=consultation.contact_name, tracking_code=consultation.tracking_code,
        department=consultation.department.name, request=text, reply_url=status_url(consultation))
    _tell_contact(consultation, notice, f"supplement-request:{consultation.id}:r{consultation.clock_round}", now)
    audit.record(actor, "consultation.request_supplement", "consultation", consultation.id)
    return consultation


def submit_supplement(consultation: Consultation, text: str, *, files: list[Upload] | None = None,
                      now: datetime | None = None, calendar: WorkCalendar | None = None) -> Consultation:
    """The enterprise's reply (text and up to 3 files): the clock resumes with a fresh 2 working days from now."""
    if consultation.status != AWAITING_SUPPLEMENT:
        raise Conflict("该咨询未要求补充材料", code="wrong_status")
    fields: dict[str, str] = {}
    value = _text({"supplement": text}, "supplement", fields, required=True, low=2, high=MAX_QUESTION)
    if fields:
        raise Invalid("补充内容有误", fields=fields)
    check_uploads(files or [])  # before anything changes
    now = now or utcnow()
    deadline = sla.due_at(now, calendar or current_calendar())
    consultation.supplement = value
    turn = _turn(consultation, ENTERPRISE, SUPPLEMENT, value, None, now)
    attach(turn, files or [])
    consultation.status = OPEN
    consultation.clock_started_at = now
    consultation.due_at = deadline.due_at
    consultation.due_provisional = deadline.provisional
    consultation.reminder_sent_at = consultation.escalation_sent_at = None
    consultation.supervisor_escalation_sent_at = None
    # A new clock round: its reminders and escalations get keys of their own (see sla_scan).
    consultation.clock_round += 1
    db.session.flush()
    audit.record(None, "consultation.supplement", "consultation", consultation.id,
                 due_at=deadline.due_at.isoformat())
    return consultation


_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_CREDIT_CODE_RE = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2})[0-9A-HJ-NPQRTUWXY]{12}([0-9A-HJ-NPQRTUWXY]{4})(?![0-9A-Z])")


def mask_personal(text: str, names: tuple[str, ...] = ()) -> str:
    """Text fit for the public: mobiles as 138****1234, credit codes as 91************12, the given names as 张**."""
    text = _MOBILE_RE.sub(r"\1****\2", text)
    text = _CREDIT_CODE_RE.sub(lambda m: m.group(1) + "*" * 12 + m.group(2), text)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, name[0] + "*" * (len(name) - 1))
    return text


def qa_draft(consultation: Consultation) -> tuple[str, str]:
    """The public question and answer as first proposed: the stored review if any, else masked automatically."""
    names = tuple(n for n in (consultation.contact_name,
                              consultation.enterprise.name if consultation.enterprise else None) if n)
    question = consultation.qa_question or mask_personal(consultation.question, names)
    answer = consultation.qa_answer or mask_personal(consultation.answer or "", names)
    return question, answer


def publish_as_qa(actor: User, consultation: Consultation, published: bool = True, *, question: str | None = None,
                  answer: str | None = None) -> Consultation:
    """Show (or hide) an answered question on its policy's page, as staff edited it (masked again on the way)."""
    if not can_publish_qa(actor, consultation):
        raise Forbidden("只能公开本部门的咨询答复")
    if consultation.status != ANSWERED or consultation.policy_id is None:
        raise Conflict("只有针对某项政策且已答复的咨询可以公开为问答", code="wrong_status")
    if published:
        draft_question, draft_answer = qa_draft(consultation)
        fields: dict[str, str] = {}
        public_question = _text({"question": draft_question if question is None else question}, "question", fields,
                                required=True, low=MIN_QUESTION, high=MAX_QUESTION)
        public_answer = _text({"answer": draft_answer if answer is None else answer}, "answer", fields,
                              required=True, low=2, high=MAX_ANSWER)
        if fields:
            raise Invalid("公开的问答内容有误", fields=fields)
        names = (consultation.contact_name, consultation.enterprise.name if consultation.enterprise else "")
        consultation.qa_question = mask_personal(public_question or "", names)
        consultation.qa_answer = mask_personal(public_answer or "", names)
    consultation.published_as_qa = published
    db.session.flush()
    audit.record(actor, "consultation.publish_qa", "consultation", consultation.id, published=published)
    return consultation


@dataclass(frozen=True)
class Recomputed:
    changed: int
    total: int


def recompute_open_deadlines(actor: User | None, *, calendar: WorkCalendar | None = None,
                             reason: str = "") -> Recomputed:
    """After a calendar change, every open deadline from its clock start again; audited."""
    calendar = calendar or current_calendar()
    changed = total = 0
    for consultation in db.session.scalars(select(Consultation).where(Consultation.status == OPEN)):
        total += 1
        deadline = sla.due_at(consultation.clock_started_at, calendar)
        if (deadline.due_at, deadline.provisional) != (consultation.due_at, consultation.due_provisional):
            consultation.due_at, consultation.due_provisional = deadline.due_at, deadline.provisional
            changed += 1
    db.session.flush()
    audit.record(actor, "consultation.recompute_deadlines", "calendar", "open", changed=changed, total=total,
                 reason=reason)
    return Recomputed(changed, total)
