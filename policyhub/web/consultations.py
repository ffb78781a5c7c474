"""Consultation pages: the public form and status page; the answerers' inbox; the SLA dashboard; the calendar."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import false, func, select

from notifier import sla
from notifier.workcal import statutory_holidays
from policyhub.extensions import db, limiter
from policyhub.models import (
    CalendarOverride,
    CalendarYear,
    Consultation,
    ConsultationFile,
    ConsultationTurn,
    Department,
    utcnow,
)
from policyhub.models.consultation import RATING_LABELS
from policyhub.services import consultations as service
from policyhub.services.answers import (
    KINDS,
    answer_target,
    answers_before_asking,
    new_visit_token,
    record_asked,
    record_click,
    valid_visit,
)
from policyhub.services.calendar import (
    current_calendar,
    load_year_schedule,
    provisional_years_ahead,
    set_override,
    toggle_day,
)
from policyhub.services.consultation_files import ALLOWED_KINDS, Upload, file_path
from policyhub.services.errors import ServiceError
from policyhub.services.sla_report import followup_list, overdue_list, state_condition, summary, weekly_trend
from policyhub.services.tokens import read_rating_token, read_status_token, status_token
from policyhub.timeutil import local_date, to_local
from policyhub.web.api.consultations import period_from_args
from policyhub.web.api.validation import page_args
from policyhub.web.form_input import form_values, posted_values, reads_form, submitted
from policyhub.web.forms import (
    ActionForm,
    AnswerForm,
    ConsultationForm,
    DayToggleForm,
    LookupForm,
    OverrideForm,
    ReassignForm,
    ScheduleForm,
    SupplementForm,
    SupplementRequestForm,
)
from policyhub.web.helpers import roles_required, show_field_errors
from policyhub.web.ratelimits import (
    CONSULTATION_LIMIT_PER_ADDRESS,
    CONSULTATION_LIMIT_PER_CONTACT,
    contact_key,
    keep_form,
)
from policyhub.web.schemas import (
    AnswerIn,
    ConsultationIn,
    DayOverrideIn,
    DayToggleIn,
    FollowupIn,
    LookupIn,
    PageActionIn,
    PublishQaIn,
    RatingIn,
    ReassignIn,
    ScheduleYearIn,
    SupplementIn,
    SupplementRequestIn,
    VisitIn,
)

__all__ = ["consultations"]

consultations = Blueprint("consultations", __name__)

STATUS_LABELS = {"open": "办理中", "at_risk": "今日到期", "overdue": "已超期", "answered_on_time": "已按时答复",
                 "answered_late": "已答复（超期）", "awaiting_supplement": "待企业补充材料"}


@consultations.app_context_processor
def _labels() -> dict[str, Any]:
    return {"CONSULTATION_STATUS_LABELS": STATUS_LABELS, "RATING_LABELS": RATING_LABELS}


# --- public ---------------------------------------------------------------------------------------


def _looking_only() -> bool:
    """The form's 先看看已有解答 button: a look at the answers, not a question (and not counted as one)."""
    return request.method == "POST" and posted_values(PageActionIn)["action"] == "suggest"


def _question_refused(message: str) -> str:
    """The consultation form as it was sent, with why it was refused (a 429: see ratelimits.keep_form)."""
    visit = valid_visit(posted_values(VisitIn)["visit"]) or new_visit_token()
    return render_template("consultations/new.html", form=ConsultationForm(), refused=message, visit=visit)


@consultations.route("/consultations/new", methods=["GET", "POST"])
@limiter.limit(CONSULTATION_LIMIT_PER_ADDRESS, methods=["POST"], exempt_when=_looking_only,
               on_breach=keep_form(_question_refused))
@limiter.limit(CONSULTATION_LIMIT_PER_CONTACT, key_func=contact_key, methods=["POST"], exempt_when=_looking_only,
               on_breach=keep_form(_question_refused))
@limiter.limit("60 per minute", methods=["POST"], on_breach=keep_form(_question_refused))
@reads_form(ConsultationIn, VisitIn, PageActionIn)
def new():
    form = ConsultationForm()
    wanted_policy = request.args.get("policy_id", "")
    if request.method == "GET" and wanted_policy.isascii() and wanted_policy.isdigit() and len(wanted_policy) <= 10:
        form.policy_id.data = request.args["policy_id"]
    # One showing of the form, kept across its posts: an offered answer opened then is counted against a question
    # sent after it (how often an answer ends the visit without a question).
    visit = valid_visit(posted_values(VisitIn)["visit"]) or new_visit_token()
    if _looking_only():  # PageActionIn: the button pressed
        # Without script: the same form, kept as typed, with what already answers the question; nothing is sent.
        found = answers_before_asking(form.question.data or "", utcnow())
        return render_template("consultations/new.html", form=form, found=found, looked=True, visit=visit)
    status = 200
    if form.validate_on_submit():
        try:
            data = form_values(ConsultationIn)
            consultation = service.submit_consultation(data.model_dump(exclude_unset=True))
            record_asked(visit, consultation.submitted_at)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_field_errors(form, exc.fields)
            status = exc.status
        else:
            return render_template("consultations/submitted.html", consultation=consultation,
                                   token=status_token(consultation.id))
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 422
    return render_template("consultations/new.html", form=form, visit=visit), status


@consultations.get("/consultations/answers/<kind>/<int:target_id>")
@limiter.limit("60 per minute")
def opened_answer(kind: str, target_id: int):
    """An answer offered on the form, opened: counted for its visit (?v=), then the policy page that holds it."""
    now = utcnow()
    target = answer_target(kind, target_id, now) if kind in KINDS else None
    if target is None:
        abort(404)
    visit = valid_visit(request.args.get("v"))
    if visit:
        record_click(visit, kind, target_id, now)
        db.session.commit()
    policy_id, anchor = target
    return redirect(url_for("public.policy_detail", policy_id=policy_id, _anchor=anchor))


@consultations.route("/consultations/status", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@reads_form(LookupIn)
def lookup():
    form = LookupForm()
    asked = submitted(form, LookupIn)
    if asked is not None:
        try:
            consultation = service.by_tracking_code(asked.tracking_code, asked.contact)
        except ServiceError as exc:
            form.tracking_code.errors = [exc.message]
            return render_template("consultations/lookup.html", form=form), 404
        return redirect(url_for("consultations.status", code=consultation.tracking_code,
                                t=status_token(consultation.id)))
    return render_template("consultations/lookup.html", form=form), (422 if request.method == "POST" else 200)


def _by_token(code: str, token: str | None) -> Consultation:
    consultation_id = read_status_token(token or "")
    consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
    if consultation is None or consultation.tracking_code != code:
        abort(404)
    return consultation


@consultations.get("/consultations/<code>")
def status(code: str):
    consultation = _by_token(code, request.args.get("t"))
    form = SupplementForm(token=request.args.get("t"))
    return render_template("consultations/status.html", consultation=consultation, form=form,
                           status=service.view_status(consultation, utcnow()))


@consultations.post("/consultations/<code>/supplement")
@limiter.limit("10 per hour")
@reads_form(SupplementIn)
def supplement(code: str):
    form = SupplementForm()
    consultation = _by_token(code, form.token.data)
    if form.validate_on_submit():
        try:
            reply = form_values(SupplementIn)
            service.submit_supplement(consultation, reply.supplement, files=_uploads("files"))
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_field_errors(form, exc.fields)
        else:
            flash("补充材料已提交，我们将在 2 个工作日内答复", "success")
            return redirect(url_for("consultations.status", code=code, t=form.token.data))
    return render_template("consultations/status.html", consultation=consultation, form=form,
                           status=service.view_status(consultation, utcnow())), 422


def _by_rating_token(code: str, token: str | None) -> Consultation:
    consultation_id = read_rating_token(token or "")
    consultation = db.session.get(Consultation, consultation_id) if consultation_id else None
    if consultation is None or consultation.tracking_code != code:
        abort(404)
    return consultation


@consultations.route("/consultations/<code>/rate", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@reads_form(RatingIn)
def rate(code: str):
    """好差评: the signed link in the answer message; the answer, and the five levels with a comment."""
    token = request.values.get("r")
    consultation = _by_rating_token(code, token)
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        try:
            rating = form_values(RatingIn, names={"token": "r"})
            service.rate(consultation, rating.score, rating.comment)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.fields or {"score": exc.message}
            status_code = exc.status
        else:
            flash("感谢您的评价" + ("，我们将在 2 个工作日内回访整改" if consultation.followup_due_at else ""),
                  "success")
            return redirect(url_for("consultations.rate", code=code, r=token))
    return render_template("consultations/rate.html", consultation=consultation, token=token, errors=errors,
                           labels=RATING_LABELS, status_token=status_token(consultation.id)), status_code


def _uploads(name: str) -> list[Upload]:
    return [Upload(f.filename or "", f.read()) for f in request.files.getlist(name) if f.filename]


def _send_stored(consultation: Consultation, file_id: int) -> Response:
    """A file of this consultation's thread, as a download that a browser never runs or renders inline."""
    stored = db.session.scalar(select(ConsultationFile).join(ConsultationTurn).where(
        ConsultationFile.id == file_id, ConsultationTurn.consultation_id == consultation.id))
    if stored is None or not file_path(stored).is_file():
        abort(404)
    # At most 10 MB: read whole, so no file handle outlives the request.
    response = send_file(io.BytesIO(file_path(stored).read_bytes()), mimetype=ALLOWED_KINDS[stored.kind], as_attachment=True,
                         download_name=stored.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@consultations.get("/consultations/<code>/files/<int:file_id>")
def enterprise_file(code: str, file_id: int):
    return _send_stored(_by_token(code, request.args.get("t")), file_id)


# --- staff ----------------------------------------------------------------------------------------


@consultations.get("/staff/consultations/<int:consultation_id>/files/<int:file_id>")
@roles_required("answerer", "supervisor", "editor")
def staff_file(consultation_id: int, file_id: int):
    return _send_stored(_get(consultation_id), file_id)


@consultations.get("/staff/consultations")
@roles_required("answerer", "supervisor", "editor")
def inbox():
    page, per_page = page_args(default_per_page=50)
    now = utcnow()
    c = Consultation
    stmt = select(c)
    stmt = stmt.where(service.visible_to(current_user))
    wanted = request.args.get("status", "pending")
    if wanted not in ("pending", "overdue", "at_risk", "answered"):
        wanted = "pending"
    query = request.args.get("q", "").strip()
    search_error = None
    if query:
        # A look-up by code or phone searches every state: the caller does not know where it is.
        found = service.staff_search(query)
        if found is None:
            search_error = "请输入查询码（ZX 开头）或手机号（完整或后 4 位以上）"
            found = false()
        stmt = stmt.where(found)
        wanted = "search"
    else:
        stmt = stmt.where(state_condition(wanted, now))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    order = c.answered_at.desc() if wanted == "answered" else c.due_at
    items = db.session.scalars(stmt.order_by(order, c.id).limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("staff/consultations.html", items=items, total=total, wanted=wanted, now=now,
                           view_status=service.view_status, query=query, search_error=search_error), \
        (422 if search_error else 200)


@consultations.get("/staff/consultations/<int:consultation_id>")
@roles_required("answerer", "supervisor", "editor")
def staff_detail(consultation_id: int):
    return _render_detail(_get(consultation_id))


def _get(consultation_id: int) -> Consultation:
    """The consultation, or 404 when it does not exist or this user may not see it."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not service.can_see(current_user, consultation):
        abort(404)
    return consultation


def _render_detail(consultation: Consultation, status_code: int = 200, **forms: Any):
    reassign_form = forms.get("reassign_form") or ReassignForm()
    reassign_form.department.choices = {d.code: d.name for d in
                                        db.session.scalars(select(Department).order_by(Department.code))}
    return render_template(
        "staff/consultation.html", consultation=consultation, now=utcnow(),
        status=service.view_status(consultation, utcnow()), can_answer=service.can_answer(current_user, consultation),
        contacts=service.contacts_for(current_user, consultation, detail=True),
        can_publish_qa=service.can_publish_qa(current_user, consultation),
        qa_draft=service.qa_draft(consultation) if consultation.answer else None,
        answer_form=forms.get("answer_form") or AnswerForm(), reassign_form=reassign_form,
        supplement_form=forms.get("supplement_form") or SupplementRequestForm(), action_form=ActionForm(),
    ), status_code


@consultations.post("/staff/consultations/<int:consultation_id>/answer")
@roles_required("answerer")
@reads_form(AnswerIn)
def answer(consultation_id: int):
    consultation = _get(consultation_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_detail(consultation, 422, answer_form=form)
    try:
        reply = form_values(AnswerIn)
        service.answer_consultation(current_user, consultation, reply.answer, files=_uploads("files"))
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        show_field_errors(form, exc.fields)
        flash(exc.message, "error")
        return _render_detail(_get(consultation_id), exc.status, answer_form=form)
    flash("已答复，已通知企业" + ("（按时）" if consultation.on_time else "（已超期）"), "success")
    return redirect(url_for("consultations.staff_detail", consultation_id=consultation_id))


@consultations.post("/staff/consultations/<int:consultation_id>/reassign")
@roles_required("answerer", "supervisor")
@reads_form(ReassignIn)
def reassign(consultation_id: int):
    consultation = _get(consultation_id)
    form = ReassignForm()
    if form.validate_on_submit():
        try:
            move = form_values(ReassignIn)
            service.reassign(current_user, consultation, move.department, move.reason)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            show_field_errors(form, exc.fields)
            flash(exc.message, "error")
            return _render_detail(_get(consultation_id), exc.status, reassign_form=form)
        flash("已转办", "success")
    return redirect(url_for("consultations.staff_detail", consultation_id=consultation_id))


@consultations.post("/staff/consultations/<int:consultation_id>/supplement-request")
@roles_required("answerer")
@reads_form(SupplementRequestIn)
def supplement_request(consultation_id: int):
    consultation = _get(consultation_id)
    form = SupplementRequestForm()
    if form.validate_on_submit():
        try:
            wanted = form_values(SupplementRequestIn, names={"request": "request_text"})
            service.request_supplement(current_user, consultation, wanted.request)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message + "".join(f"：{why}" for why in (exc.fields or {}).values()), "error")
        else:
            flash("已请企业补充材料，期限暂停计算", "success")
    return redirect(url_for("consultations.staff_detail", consultation_id=consultation_id))


@consultations.post("/staff/consultations/<int:consultation_id>/followup")
@roles_required("answerer")
@reads_form(FollowupIn)
def followup(consultation_id: int):
    """回访整改: the department records what it did about a 差评."""
    consultation = _get(consultation_id)
    if ActionForm().validate_on_submit():
        try:
            service.close_followup(current_user, consultation, form_values(FollowupIn).note)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message + "".join(f"：{why}" for why in (exc.fields or {}).values()), "error")
        else:
            flash("回访整改已记录", "success")
    return redirect(url_for("consultations.staff_detail", consultation_id=consultation_id))


@consultations.post("/staff/consultations/<int:consultation_id>/publish-qa")
@roles_required("answerer", "editor")
@reads_form(PublishQaIn)
def publish_qa(consultation_id: int):
    consultation = _get(consultation_id)
    if ActionForm().validate_on_submit():
        try:
            wanted = form_values(PublishQaIn, keep_empty=("qa_question", "qa_answer"))
            # The form says which state it wants, so a double submission does not flip it back.
            published = not consultation.published_as_qa if wanted.published is None else wanted.published
            service.publish_as_qa(current_user, consultation, published, question=wanted.qa_question,
                                  answer=wanted.qa_answer)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message + "".join(f"：{why}" for why in (exc.fields or {}).values()), "error")
    return redirect(url_for("consultations.staff_detail", consultation_id=consultation_id))


# --- supervisor -----------------------------------------------------------------------------------


@consultations.get("/staff/sla")
@roles_required("supervisor")
def dashboard():
    now = utcnow()
    period = period_from_args(now)
    figures = summary(now, period)
    trend = weekly_trend(now)
    peak = max([w["submitted"] for w in trend] + [w["on_time"] + w["late"] for w in trend] + [1])
    return render_template("staff/sla.html", figures=figures, trend=trend, peak=peak, period=period,
                           overdue=overdue_list(now, limit=50), followups=followup_list(limit=50), now=now,
                           provisional=provisional_years_ahead(now))


@consultations.get("/staff/sla.csv")
@roles_required("supervisor")
def dashboard_csv():
    now = utcnow()
    period = period_from_args(now)
    calendar = current_calendar()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["查询码", "部门", "提交时间", "答复期限", "状态", "答复时间", "是否按时", "超期工作日"])
    stmt = select(Consultation).where(Consultation.submitted_at >= period.start,
                                      Consultation.submitted_at < period.end).order_by(Consultation.submitted_at)
    for c in db.session.scalars(stmt):
        state = service.view_status(c, now)
        writer.writerow([
            c.tracking_code, c.department.name, f"{to_local(c.submitted_at):%Y-%m-%d %H:%M}",
            f"{to_local(c.due_at):%Y-%m-%d %H:%M}", STATUS_LABELS.get(state, state),
            f"{to_local(c.answered_at):%Y-%m-%d %H:%M}" if c.answered_at else "",
            {True: "是", False: "否", None: ""}[c.on_time],
            sla.working_days_overdue(c.due_at, now, calendar) if state == "overdue" else "",
        ])
    # A BOM so Excel on a Chinese Windows opens the UTF-8 file correctly.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=sla-{to_local(now):%Y%m%d}.csv"})


# --- admin: the working-day calendar --------------------------------------------------------------


@consultations.route("/staff/calendar", methods=["GET", "POST"])
@roles_required("admin")
@reads_form(PageActionIn, DayOverrideIn, ScheduleYearIn)
def calendar_admin():
    override_form = OverrideForm(prefix="override")
    schedule_form = ScheduleForm(prefix="schedule")
    status_code = 200
    action = form_values(PageActionIn).action if request.method == "POST" else ""
    if action == "override":
        if override_form.validate_on_submit():
            try:
                override = form_values(DayOverrideIn, prefix="override")
                set_override(current_user, override.day, override.workday, override.note)
                result = service.recompute_open_deadlines(current_user, reason="calendar page")
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                show_field_errors(override_form, exc.fields)
                flash(exc.message + "".join(f"：{why}" for why in exc.fields.values()), "error")
                status_code = exc.status
            else:
                flash(f"已保存；重新计算 {result.total} 件待办咨询的期限，其中 {result.changed} 件有变化", "success")
                return redirect(url_for("consultations.calendar_admin"))
        else:
            status_code = 422
    elif action == "schedule":
        try:
            year = form_values(ScheduleYearIn, prefix="schedule").year
        except ServiceError:
            year = None
        if schedule_form.validate_on_submit() and year is not None:
            file = schedule_form.file.data
            try:
                text = file.read(200_000).decode("utf-8-sig") if file else ""
                days = load_year_schedule(current_user, year, text, source=getattr(file, "filename", "") or "")
                result = service.recompute_open_deadlines(current_user, reason=f"schedule {year}")
                db.session.commit()
            except UnicodeDecodeError:
                flash("日程文件应为 UTF-8 文本", "error")
                status_code = 422
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status_code = exc.status
            else:
                flash(f"已载入 {days} 天的安排；重新计算 {result.total} 件待办咨询的期限", "success")
                return redirect(url_for("consultations.calendar_admin"))
        else:
            flash("请填写年份并选择文件", "error")
            status_code = 422
    now = utcnow()
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc()).limit(200)).all()
    years = db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
    provisional = provisional_years_ahead(now)
    holidays = {year: statutory_holidays(year) for year in provisional}
    return render_template("staff/calendar.html", override_form=override_form, schedule_form=schedule_form,
                           overrides=overrides, years=years, provisional=provisional, holidays=holidays), status_code


MONTH_FORMAT = "应为 YYYY-MM（如 2026-10），年份在 1900 到 2200 之间"


def _month_arg(raw: str, today: date) -> date | None:
    """The first day of ?month=YYYY-MM, today's month when absent, None when malformed."""
    if not raw:
        return today.replace(day=1)
    year, _, month = raw.partition("-")
    if not (year.isascii() and year.isdigit() and len(year) == 4 and month.isascii() and month.isdigit()
            and len(month) <= 2 and 1900 <= int(year) <= 2200 and 1 <= int(month) <= 12):
        return None
    return date(int(year), int(month), 1)


def _render_month(first: date, toggle_form: DayToggleForm, status_code: int = 200, error: str = ""):
    calendar = current_calendar()
    loaded = {y.year: y.loaded_at for y in db.session.scalars(select(CalendarYear))}
    stored = {o.day: o for o in db.session.scalars(select(CalendarOverride).where(
        CalendarOverride.day >= first, CalendarOverride.day < _next_month(first)))}
    # A loaded year's schedule is stored as overrides, all written at the moment it was loaded.
    from_schedule = {day for day, o in stored.items() if loaded.get(day.year) and o.updated_at == loaded[day.year]}
    return render_template(
        "staff/calendar_month.html", first=first, weeks=calendar.month(first.year, first.month),
        previous=(first - timedelta(days=1)).replace(day=1), following=_next_month(first),
        today=local_date(utcnow()), from_schedule=from_schedule, stored=stored,
        provisional=calendar.is_provisional(first), loaded=first.year in loaded, toggle_form=toggle_form,
        error=error), status_code


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@consultations.get("/staff/calendar/month")
@login_required
def calendar_month():
    first = _month_arg(request.args.get("month", "").strip(), local_date(utcnow()))
    if first is None:
        return _render_month(local_date(utcnow()).replace(day=1), DayToggleForm(), 422, error=f"月份{MONTH_FORMAT}")
    return _render_month(first, DayToggleForm())


@consultations.post("/staff/calendar/month")
@roles_required("admin")
@reads_form(PageActionIn, DayToggleIn)
def calendar_toggle():
    form = DayToggleForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        first = _month_arg(form_values(PageActionIn).month, local_date(utcnow())) or \
            local_date(utcnow()).replace(day=1)
        return _render_month(first, form, 422, error="日期：" + "；".join(form.day.errors or ["应为 YYYY-MM-DD"]))
    try:
        day = form_values(DayToggleIn).day
    except ServiceError as exc:
        return _render_month(local_date(utcnow()).replace(day=1), form, 422, error="日期：" + exc.fields["day"])
    try:
        workday = toggle_day(current_user, day)
        result = service.recompute_open_deadlines(current_user, reason=f"month view {day.isoformat()}")
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return _render_month(day.replace(day=1), form, exc.status, error=exc.message)
    flash(f"{day.month} 月 {day.day} 日已设为{'工作日' if workday else '休息日'}；重新计算 {result.total} 件待办咨询的期限，"
          f"其中 {result.changed} 件有变化", "success")
    return redirect(url_for("consultations.calendar_month", month=f"{day:%Y-%m}"))
