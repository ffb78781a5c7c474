"""Staff pages: the department's policies, upload, edit, criteria review, publish and withdraw."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Department, Enterprise, Notification, PolicyFile, PolicyMatch
from policyhub.models.base import utcnow
from policyhub.push import fanout
from policyhub.services import policies as service
from policyhub.services.errors import Invalid, ServiceError
from policyhub.services.search import search_policies
from policyhub.web.api.policies import policy_query_from_args
from policyhub.web.forms import CriteriaForm, PolicyForm, PublishForm, WithdrawForm
from policyhub.web.helpers import roles_required, show_field_errors

__all__ = ["staff"]

staff = Blueprint("staff", __name__, url_prefix="/staff")


def _department_choices() -> dict[str, str]:
    if current_user.role == "admin":
        departments = db.session.scalars(select(Department).order_by(Department.code))
        return {d.code: d.name for d in departments}
    department = current_user.department
    return {department.code: department.name} if department else {}


def _policy_values(form: PolicyForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "doc_number": form.doc_number.data,
        "department": form.department.data,
        "issued_on": form.issued_on.data,
        "effective_from": form.effective_from.data,
        "effective_to": form.effective_to.data,
        "apply_from": form.apply_from.data,
        "apply_until": form.apply_until.data,
        "max_support_wan": float(form.max_support_wan.data) if form.max_support_wan.data is not None else None,
        "contact": (form.contact.data or "").strip() or None,
        "body": form.body.data or "",
    }


def _upload(form: PolicyForm) -> service.Upload | None:
    file = form.file.data
    if not file or not getattr(file, "filename", ""):
        return None
    return service.Upload(filename=file.filename, data=file.read())


def _apply_errors(form: Any, exc: ServiceError) -> None:
    show_field_errors(form, exc.fields)
    flash(exc.message, "error")


@staff.get("/")
@login_required
def index():
    query = policy_query_from_args(staff=True)
    if current_user.role == "editor" and current_user.department:
        query = replace(query, department=current_user.department.code)
    result = search_policies(query, now=utcnow())
    return render_template("staff/index.html", result=result, query=query)


@staff.route("/policies/new", methods=["GET", "POST"])
@roles_required("editor")
def new_policy():
    form = PolicyForm()
    form.department.choices = _department_choices()
    status = 200
    if form.validate_on_submit():
        upload = _upload(form)
        values = _policy_values(form)
        try:
            if upload is None and not values["body"].strip():
                raise Invalid("请填写正文或上传文件", fields={"body": "请填写正文或上传文件"})
            if upload is None and not values["title"].strip():
                raise Invalid("请填写标题", fields={"title": "必填"})
            policy = service.create_policy(current_user, values, upload)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            status = exc.status
        else:
            flash("草稿已保存。请核对系统识别的适用条件后发布。", "success")
            return redirect(url_for("staff.policy", policy_id=policy.id))
    elif request.method == "POST":
        status = 422
    return render_template("staff/policy_form.html", form=form, policy=None), status


@staff.get("/policies/<int:policy_id>")
@login_required
def policy(policy_id: int):
    policy = service.get_policy(policy_id)
    criteria_form = CriteriaForm(data=_criteria_data(policy.criteria))
    return _render_policy(policy, criteria_form)


def _criteria_data(criteria: dict[str, Any]) -> dict[str, Any]:
    return {
        "industries": ";".join(criteria.get("industries", [])),
        "excluded_industries": ";".join(criteria.get("excluded_industries", [])),
        "sizes": criteria.get("sizes", []),
        "regions": ";".join(criteria.get("regions", [])),
        "qualifications": ";".join(criteria.get("qualifications", [])),
        "above_scale_only": criteria.get("above_scale_only", False),
    }


def _render_policy(policy, criteria_form: CriteriaForm, status: int = 200):
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "policy", AuditEvent.object_id == str(policy.id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(50)
    ).all()
    matches = db.session.execute(
        select(PolicyMatch, Enterprise.name).join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.policy_id == policy.id, PolicyMatch.active.is_(True))
        .order_by(PolicyMatch.eligibility, PolicyMatch.score.desc(), PolicyMatch.enterprise_id).limit(50)
    ).all()
    match_counts = dict(db.session.execute(
        select(PolicyMatch.eligibility, func.count()).where(PolicyMatch.policy_id == policy.id,
                                                            PolicyMatch.active.is_(True))
        .group_by(PolicyMatch.eligibility)).all())
    not_relevant = db.session.scalar(select(func.count(PolicyMatch.id)).where(
        PolicyMatch.policy_id == policy.id, PolicyMatch.not_relevant_at.is_not(None)))
    deliveries = dict(db.session.execute(
        select(Notification.status, func.count()).where(Notification.policy_id == policy.id)
        .group_by(Notification.status)).all())
    return render_template(
        "staff/policy.html", policy=policy, criteria_form=criteria_form, action_form=PublishForm(),
        withdraw_form=WithdrawForm(), can_edit=service.can_edit(current_user, policy), events=events,
        matches=matches, match_counts=match_counts, not_relevant=not_relevant, deliveries=deliveries,
        fanout=fanout.latest_job(policy.id),
        # One line per field and sentence: the engine records a sentence once per value it read from it.
        evidence=list({(e["field"], e["sentence"]): e for e in policy.criteria.get("evidence", [])
                       if isinstance(e, dict) and isinstance(e.get("field"), str)
                       and isinstance(e.get("sentence"), str)}.values()),
        review=[r for r in policy.criteria.get("review") or [] if isinstance(r, dict)] if policy.status != "published" else [],
    ), status


@staff.route("/policies/<int:policy_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
def edit_policy(policy_id: int):
    policy = service.get_policy(policy_id)
    if not service.can_edit(current_user, policy):
        abort(403)
    form = PolicyForm(obj=policy if request.method == "GET" else None)
    form.department.choices = _department_choices()
    if request.method == "GET":
        form.department.data = policy.department.code
    status = 200
    if form.validate_on_submit():
        values = _policy_values(form)
        if not values["body"].strip():
            values.pop("body")
        try:
            service.update_policy(current_user, policy, values, _upload(form))
            db.session.commit()
            fanout.after_commit_for(policy_id)
        except ServiceError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
            status = exc.status
        else:
            flash(f"已保存为第 {policy.version} 版", "success")
            return redirect(url_for("staff.policy", policy_id=policy.id))
    elif request.method == "POST":
        status = 422
    return render_template("staff/policy_form.html", form=form, policy=policy), status


@staff.post("/policies/<int:policy_id>/criteria")
@roles_required("editor")
def update_criteria(policy_id: int):
    policy = service.get_policy(policy_id)
    form = CriteriaForm()
    if not form.validate_on_submit():
        flash("适用条件有误", "error")
        return _render_policy(policy, form, 400 if form.errors.get("csrf_token") else 422)
    criteria = {
        "industries": form.industries.data or "",
        "excluded_industries": form.excluded_industries.data or "",
        "sizes": form.sizes.data or [],
        "regions": form.regions.data or "",
        "qualifications": form.qualifications.data or "",
        "above_scale_only": bool(form.above_scale_only.data),
    }
    try:
        service.update_policy(current_user, policy, {"criteria": criteria})
        db.session.commit()
        fanout.after_commit_for(policy_id)
    except ServiceError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return _render_policy(service.get_policy(policy_id), form, exc.status)
    flash("适用条件已更新", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.post("/policies/<int:policy_id>/publish")
@roles_required("editor")
def publish(policy_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    policy = service.get_policy(policy_id)
    review = [r.get("message", "") for r in (policy.criteria or {}).get("review") or []]
    if review and not form.confirm_review.data:
        # A policy read as addressing everyone, or with an unsure criterion, is published only once confirmed.
        flash("发布前请核对适用条件提示并勾选确认：" + "；".join(review), "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    try:
        result = service.publish_policy(current_user, policy)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        job = fanout.after_commit(result.fanout_job_id)
        if job.state == "done":
            flash(f"已发布；匹配企业 {job.processed} 家，待推送 {job.notifications_queued} 条", "success")
        else:
            flash("已发布；正在后台匹配并推送，进度见本页", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.post("/policies/<int:policy_id>/withdraw")
@roles_required("editor")
def withdraw(policy_id: int):
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash("撤回原因最多 500 字", "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    try:
        service.withdraw_policy(current_user, service.get_policy(policy_id), form.reason.data or "")
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash("政策已撤回", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.get("/policies/<int:policy_id>/files/<int:file_id>")
@login_required
def source_file(policy_id: int, file_id: int):
    file = db.session.get(PolicyFile, file_id)
    if file is None or file.policy_id != policy_id:
        abort(404)
    return Response(file.data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
    })
