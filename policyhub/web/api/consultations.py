"""Consultations, calendar and SLA API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from flask import jsonify, request, url_for
from pydantic import BaseModel
from sqlalchemy import func, select

from notifier import sla
from policyhub.extensions import db, limiter
from policyhub.inputs import check_year
from policyhub.models import Consultation, ConsultationFile, ConsultationTurn, Department, utcnow
from policyhub.services import consultations as service
from policyhub.services.calendar import current_calendar, set_override
from policyhub.services.consultation_files import MAX_FILE_BYTES, Upload
from policyhub.services.errors import Invalid, NotFound
from policyhub.services.sla_report import Period, state_condition, summary
from policyhub.services.tokens import read_rating_token, read_status_token
from policyhub.timeutil import SHANGHAI
from policyhub.web.api import api
from policyhub.web.api.auth import current_api_user, require_roles
from policyhub.web.api.validation import json_body, multipart_body, query_args, takes_query, validate
from policyhub.web.queries import (
    CONSULTATION_LIST_STATUSES,
    ConsultationListQuery,
    DeadlineQuery,
    SlaQuery,
    ThreadQuery,
)
from policyhub.web.ratelimits import CONSULTATION_LIMIT_PER_ADDRESS, CONSULTATION_LIMIT_PER_CONTACT, contact_key
from policyhub.web.schemas import (
    AnswerForm,
    AnswerIn,
    ConsultationIn,
    OverrideIn,
    RatingIn,
    ReassignIn,
    SupplementForm,
    SupplementIn,
    SupplementRequestIn,
)

T = TypeVar("T", bound=BaseModel)

STAFF = ("editor", "answerer", "supervisor")
LIST_STATUSES = CONSULTATION_LIST_STATUSES
PERIOD_ERROR = "统计区间有误"


def consultation_json(consultation: Consultation, now: datetime, *, staff: bool,
                      detail: bool = False) -> dict[str, Any]:
    """The JSON form; staff see the contacts, masked except on a detail view for whoever answers it."""
    data = {
        "id": consultation.id,
        "tracking_code": consultation.tracking_code,
        "submitted_at": consultation.submitted_at.isoformat(),
        "due_at": consultation.due_at.isoformat(),
        "due_provisional": consultation.due_provisional,
        "status": service.view_status(consultation, now),
        "department": {"code": consultation.department.code, "name": consultation.department.name},
        "policy_id": consultation.policy_id,
        "question": consultation.question,
        "answer": consultation.answer,
        "answered_at": consultation.answered_at.isoformat() if consultation.answered_at else None,
        "on_time": consultation.on_time,
    }
    if staff:
        data |= {"contact_name": consultation.contact_name,
                 **service.contacts_for(current_api_user(), consultation, detail=detail),
                 "credit_code": consultation.credit_code, "published_as_qa": consultation.published_as_qa}
    if detail:
        data["clock_round"] = consultation.clock_round
        data["turns"] = [turn_json(turn) for turn in consultation.turns]
    return data


def file_json(stored: ConsultationFile) -> dict[str, Any]:
    return {"id": stored.id, "filename": stored.filename, "kind": stored.kind, "size": stored.size}


def turn_json(turn: ConsultationTurn) -> dict[str, Any]:
    """One turn of the thread: a supplement request, the enterprise's reply, the answer; with its files."""
    return {"id": turn.id, "clock_round": turn.clock_round, "author": turn.author, "kind": turn.kind,
            "body": turn.body, "created_at": turn.created_at.isoformat(),
            "files": [file_json(f) for f in turn.files]}


@api.post("/consultations")
@limiter.limit(CONSULTATION_LIMIT_PER_ADDRESS)
@limiter.limit(CONSULTATION_LIMIT_PER_CONTACT, key_func=contact_key)
def submit_consultation():
    question = validate(ConsultationIn, json_body())
    consultation = service.submit_consultation(question.model_dump(exclude_unset=True))
    db.session.commit()
    body = consultation_json(consultation, consultation.submitted_at, staff=False)
    return jsonify({k: body[k] for k in ("id", "tracking_code", "submitted_at", "due_at", "due_provisional",
                                         "status", "department")}), 201


def _get(consultation_id: int, *, scoped: bool = False) -> Consultation:
    """The consultation; scoped: as NotFound when the caller may not see it (as if it did not exist)."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or (scoped and not service.can_see(current_api_user(), consultation)):
        raise NotFound(f"咨询 {consultation_id} 不存在")
    return consultation


@api.get("/consultations")
@require_roles(*STAFF)
@takes_query(ConsultationListQuery)
def list_consultations(query: ConsultationListQuery):
    page, per_page = query.page, query.per_page
    now = utcnow()
    c = Consultation
    stmt = select(c)
    if query.status:
        stmt = stmt.where(state_condition(query.status, now))
    stmt = stmt.where(service.visible_to(current_api_user()))
    if query.q is not None:
        found = service.staff_search(query.q)
        if found is None:
            raise Invalid("检索词有误", fields={"q": "应为查询码（ZX 开头）或手机号（完整或后 4 位以上）"})
        stmt = stmt.where(found)
    if query.department:
        stmt = stmt.join(Department).where(Department.code == query.department)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(c.due_at, c.id).limit(per_page).offset((page - 1) * per_page))
    return jsonify(items=[consultation_json(i, now, staff=True) for i in items], total=total, page=page,
                   per_page=per_page)


@api.get("/consultations/<int:consultation_id>")
@require_roles(*STAFF)
def get_consultation(consultation_id: int):
    return jsonify(consultation_json(_get(consultation_id, scoped=True), utcnow(), staff=True, detail=True))




@api.post("/consultations/<tracking_code>/rating")
@limiter.limit("10 per hour")
def rate_consultation(tracking_code: str):
    """好差评 by the enterprise: 5 非常满意 … 1 非常不满意; a 1 or 2 opens a follow-up for the department."""
    data = validate(RatingIn, json_body())
    consultation = None
    if data.token:
        consultation_id = read_rating_token(data.token)
        consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
        if consultation is not None and consultation.tracking_code != tracking_code.strip().upper():
            consultation = None
    elif data.contact:
        consultation = service.by_tracking_code(tracking_code, data.contact)
    if consultation is None:
        raise NotFound("查询码、评价链接或联系方式不正确", fields={"token": "未找到"})
    service.rate(consultation, data.score, data.comment)
    db.session.commit()
    return jsonify(tracking_code=consultation.tracking_code, score=consultation.rating,
                   rated_at=consultation.rated_at.isoformat(), followup_due_at=(
                       consultation.followup_due_at.isoformat() if consultation.followup_due_at else None)), 201




def _turn_body(json_model: type[T], form_model: type[T]) -> tuple[T, list[Upload]]:
    """A turn's fields and files: JSON (text only), or a multipart form with up to 3 `files`."""
    if request.mimetype != "multipart/form-data":
        return validate(json_model, json_body()), []
    form = multipart_body(form_model)
    # One byte past the limit is enough for check_uploads to refuse it by name.
    return form, [Upload(part.filename or "", part.read(MAX_FILE_BYTES + 1)) for part in form.files]


def _asker_consultation(tracking_code: str, token: str | None, contact: str | None) -> Consultation:
    """The consultation the enterprise proves it asked: by its status link's token, or by code and contact."""
    if not token and not contact:
        raise Invalid("请提供状态链接中的 token，或提问时填写的手机号或邮箱（contact）",
                      fields={"token": "token 与 contact 至少填写一项"})
    if token:
        consultation_id = read_status_token(token)
        consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
        if consultation is not None and consultation.tracking_code == tracking_code.strip().upper():
            return consultation
        raise NotFound("查询码或状态链接不正确", fields={"token": "未找到"})
    return service.by_tracking_code(tracking_code, contact or "")


@api.post("/consultations/<tracking_code>/supplement")
@limiter.limit("10 per hour")
def reply_with_supplement(tracking_code: str):
    """The enterprise's reply to a supplement request (补充材料): text and up to 3 files; the clock resumes."""
    data, uploads = _turn_body(SupplementIn, SupplementForm)
    consultation = _asker_consultation(tracking_code, data.token, data.contact)
    service.submit_supplement(consultation, data.supplement, files=uploads)
    db.session.commit()
    turn = db.session.scalar(select(ConsultationTurn).where(ConsultationTurn.consultation_id == consultation.id)
                             .order_by(ConsultationTurn.id.desc()).limit(1))
    files = db.session.scalars(select(ConsultationFile).where(ConsultationFile.turn_id == turn.id)
                               .order_by(ConsultationFile.id)).all()
    return jsonify(tracking_code=consultation.tracking_code, status=consultation.status,
                   clock_round=consultation.clock_round, due_at=consultation.due_at.isoformat(),
                   due_provisional=consultation.due_provisional, files=[file_json(f) for f in files]), 201


@api.post("/consultations/<int:consultation_id>/supplement-request")
@require_roles("answerer")
def request_supplement(consultation_id: int):
    data = validate(SupplementRequestIn, json_body())
    consultation = service.request_supplement(current_api_user(), _get(consultation_id), data.request)
    db.session.commit()
    return jsonify(consultation_json(consultation, utcnow(), staff=True, detail=True))



@api.post("/consultations/<int:consultation_id>/answer")
@require_roles("answerer")
def answer_consultation(consultation_id: int):
    """The answer: JSON `{answer}`, or multipart with `answer` and up to 3 `files` (checked as the enterprise's)."""
    data, uploads = _turn_body(AnswerIn, AnswerForm)
    consultation = service.answer_consultation(current_api_user(), _get(consultation_id), data.answer, files=uploads)
    db.session.commit()
    files = [file_json(f) for turn in consultation.turns if turn.kind == "answer" for f in turn.files]
    return jsonify(status="answered", answered_at=consultation.answered_at.isoformat(), on_time=consultation.on_time,
                   files=files)


@api.get("/consultations/<tracking_code>/thread")
@limiter.limit("60 per minute")
@takes_query(ThreadQuery, "请提供状态链接中的 token")
def enterprise_thread(tracking_code: str, query: ThreadQuery):
    """What the enterprise's status page shows, for its signed link's token (?token=, the `t` of the link)."""
    token = query.token
    consultation = _asker_consultation(tracking_code, token, None)
    data = consultation_json(consultation, utcnow(), staff=False)
    data["policy"] = {"id": consultation.policy.id, "title": consultation.policy.title} if consultation.policy else None
    data["clock_round"] = consultation.clock_round
    data["turns"] = [turn_json(turn) | {"files": [
        file_json(f) | {"url": url_for("consultations.enterprise_file", code=consultation.tracking_code, file_id=f.id,
                                       t=token)} for f in turn.files]} for turn in consultation.turns]
    return jsonify(data)


@api.post("/consultations/<int:consultation_id>/reassign")
@require_roles("answerer", "supervisor")
def reassign_consultation(consultation_id: int):
    data = validate(ReassignIn, json_body())
    consultation = service.reassign(current_api_user(), _get(consultation_id), data.department, data.reason)
    db.session.commit()
    return jsonify(consultation_json(consultation, utcnow(), staff=True))


@api.get("/calendar/deadline")
@takes_query(DeadlineQuery, "时间有误")
def calendar_deadline(query: DeadlineQuery):
    submitted = query.submitted_at
    try:
        deadline = sla.due_at(submitted, current_calendar())
    except (ValueError, OverflowError) as exc:
        raise Invalid("无法计算期限", fields={"submitted_at": str(exc)}) from exc
    return jsonify(submitted_at=submitted.isoformat(), due_at=deadline.due_at.isoformat(),
                   due_at_local=deadline.due_at.astimezone(SHANGHAI).isoformat(), provisional=deadline.provisional)



@api.put("/calendar/overrides/<day>")
@require_roles("admin")
def put_override(day: str):
    try:
        parsed = date.fromisoformat(day)
        check_year(parsed, "date")
    except ValueError as exc:
        raise Invalid("日期格式有误", fields={"date": "应为 YYYY-MM-DD，年份在 1900 到 2200 之间"}) from exc
    data = validate(OverrideIn, json_body())
    actor = current_api_user()
    set_override(actor, parsed, data.workday, data.note)
    recomputed = service.recompute_open_deadlines(actor, reason=f"override {parsed.isoformat()}")
    db.session.commit()
    return jsonify(date=parsed.isoformat(), workday=data.workday, note=data.note,
                   open_deadlines_recomputed=recomputed.total, open_deadlines_changed=recomputed.changed)


def period_from_args(now: datetime) -> Period:
    """The period the request's ?from=&to= ask for (the pages)."""
    return period_from(query_args(SlaQuery, PERIOD_ERROR), now)


def period_from(query: SlaQuery, now: datetime) -> Period:
    """?from=&to= (dates, `to` counting its whole day, or ISO times); default the last 30 days."""
    end = _moment(query.to, next_day=True) if query.to else now
    start = _moment(query.from_, next_day=False) if query.from_ else end - timedelta(days=30)
    if start >= end:
        raise Invalid(PERIOD_ERROR, fields={"from": "应早于 to"})
    return Period(start, end)


def _moment(bound: date | datetime, *, next_day: bool) -> datetime:
    """A bound as a moment: a day starts at its midnight in Shanghai (the day after, for an end)."""
    if isinstance(bound, datetime):
        return bound
    return datetime.combine(bound + timedelta(days=1 if next_day else 0), datetime.min.time(), tzinfo=SHANGHAI)


@api.get("/sla/summary")
@require_roles("supervisor")
@takes_query(SlaQuery, PERIOD_ERROR)
def sla_summary(query: SlaQuery):
    now = utcnow()
    return jsonify(summary(now, period_from(query, now)))
