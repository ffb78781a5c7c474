"""Staff pages: the department's policies, upload, edit, criteria review, publish and withdraw."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import AuditEvent, Department, Enterprise, Policy, PolicyFile, PolicyMatch
from policyhub.models.base import utcnow
from policyhub.models.policy import DRAFT, SUBMITTED, WITHDRAWN
from policyhub.models.policy import STATUS_LABELS as POLICY_STATUS_LABELS
from policyhub.push import fanout
from policyhub.push.preview import Preview, preview_policy
from policyhub.services import approval
from policyhub.services import policies as service
from policyhub.services.criteria import SIZE_LABELS
from policyhub.services.errors import Invalid, ServiceError
from policyhub.services.reach import overall_reach, policy_reach, reach_rows
from policyhub.services.search import search_policies
from policyhub.timeutil import to_local
from policyhub.web.api.policies import policy_query_from_args
from policyhub.web.form_input import form_values, reads_form
from policyhub.web.forms import ActionForm, CriteriaForm, PolicyForm, PublishForm, ReturnForm, WithdrawForm
from policyhub.web.helpers import roles_required, show_field_errors
from policyhub.web.labels import CHANNEL_LABELS, NOTIFICATION_STATUS_LABELS
from policyhub.web.schemas import CriteriaIn, PolicyIn, PublishIn, ReturnIn, WithdrawIn

__all__ = ["staff"]

staff = Blueprint("staff", __name__, url_prefix="/staff")


def _department_choices() -> dict[str, str]:
    if current_user.role == "admin":
        departments = db.session.scalars(select(Department).order_by(Department.code))
        return {d.code: d.name for d in departments}
    department = current_user.department
    return {department.code: department.name} if department else {}


def _policy_values() -> dict[str, Any]:
    """Every field of the policy form (a cleared one as None: it clears the value); criteria have their own form."""
    return form_values(PolicyIn).model_dump(exclude={"criteria"})


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
    if current_user.role in ("editor", "reviewer") and current_user.department:
        query = replace(query, department=current_user.department.code)
    result = search_policies(query, now=utcnow())
    awaiting = []
    if current_user.role in ("reviewer", "admin"):
        # What waits for this reviewer's key: the department's submitted drafts (every department for an admin).
        stmt = select(Policy).where(Policy.review_state == SUBMITTED, Policy.status.in_((DRAFT, WITHDRAWN)))
        if current_user.role == "reviewer":
            stmt = stmt.where(Policy.department_id == current_user.department_id)
        awaiting = db.session.scalars(stmt.order_by(Policy.updated_at).limit(100)).all()
    return render_template("staff/index.html", result=result, query=query, awaiting=awaiting)


@staff.route("/policies/new", methods=["GET", "POST"])
@roles_required("editor")
@reads_form(PolicyIn)
def new_policy():
    form = PolicyForm()
    form.department.choices = _department_choices()
    status = 200
    if form.validate_on_submit():
        upload = _upload(form)
        try:
            values = _policy_values()
            if upload is None and not values["body"]:
                raise Invalid("请填写正文或上传文件", fields={"body": "请填写正文或上传文件"})
            if upload is None and not values["title"]:
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


def _reach_labels(preview: Preview) -> dict[str, list[tuple[str, int]]]:
    """The preview's counts with Chinese names, largest first ("未填写" for firms without the field)."""
    from matcher.regions import default_regions
    from matcher.taxonomy import default_taxonomy

    regions, taxonomy = default_regions(), default_taxonomy()

    def named(counts: dict[str, int], name) -> list[tuple[str, int]]:
        return sorted(((name(k) if k else "未填写", n) for k, n in counts.items()), key=lambda x: (-x[1], x[0]))

    return {
        "county": named(preview.by_county, lambda k: regions.name(k) or k),
        "size": named(preview.by_size, lambda k: SIZE_LABELS.get(k, k)),
        "section": named(preview.by_section, lambda k: f"{k} {taxonomy.name(k) or ''}".strip()),
    }


def _render_policy(policy, criteria_form: CriteriaForm, status: int = 200, *, action_form: PublishForm | None = None,
                   withdraw_form: WithdrawForm | None = None, preview: Preview | None = None,
                   return_form: ReturnForm | None = None):
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "policy", AuditEvent.object_id == str(policy.id))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(50)
    ).all()
    matches = db.session.execute(
        select(PolicyMatch, Enterprise.name).join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
        .where(PolicyMatch.policy_id == policy.id, PolicyMatch.active.is_(True))
        .order_by(PolicyMatch.eligibility, PolicyMatch.score.desc(), PolicyMatch.enterprise_id).limit(50)
    ).all()
    counts = policy_reach(policy.id)
    if preview is None and policy.status in (DRAFT, WITHDRAWN):
        preview = preview_policy(policy, now=utcnow())
    action_form = action_form or PublishForm()
    if preview is not None:
        action_form.expected_reach.data = str(preview.eligible)
    return render_template(
        "staff/policy.html", policy=policy, criteria_form=criteria_form, action_form=action_form,
        preview=preview, reach=_reach_labels(preview) if preview else None,
        withdraw_form=withdraw_form or WithdrawForm(), return_form=return_form or ReturnForm(),
        needs_approval=approval.approval_required(policy), can_review=approval.can_review(current_user, policy),
        can_edit=service.can_edit(current_user, policy), events=events,
        matches=matches, counts=counts,
        fanout=fanout.latest_job(policy.id),
        # One line per field and sentence: the engine records a sentence once per value it read from it.
        evidence=list({(e["field"], e["sentence"]): e for e in policy.criteria.get("evidence", [])
                       if isinstance(e, dict) and isinstance(e.get("field"), str)
                       and isinstance(e.get("sentence"), str)}.values()),
        review=[r for r in policy.criteria.get("review") or [] if isinstance(r, dict)] if policy.status != "published" else [],
    ), status


@staff.route("/policies/<int:policy_id>/edit", methods=["GET", "POST"])
@roles_required("editor")
@reads_form(PolicyIn)
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
        try:
            values = _policy_values()
            if not values["body"]:
                values.pop("body")
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
@reads_form(CriteriaIn)
def update_criteria(policy_id: int):
    policy = service.get_policy(policy_id)
    form = CriteriaForm()
    if not form.validate_on_submit():
        flash("适用条件有误", "error")
        return _render_policy(policy, form, 400 if form.errors.get("csrf_token") else 422)
    try:
        criteria = form_values(CriteriaIn).model_dump()
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
@roles_required("editor", "reviewer")
@reads_form(PublishIn)
def publish(policy_id: int):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        confirmed = form_values(PublishIn)
    except ServiceError:
        abort(400)
    policy = service.get_policy(policy_id)
    allowed = (approval.can_review(current_user, policy) if approval.approval_required(policy)
               else service.can_edit(current_user, policy))
    if not allowed:
        flash("本部门政策须经审核人审核后发布，请提交审核" if approval.approval_required(policy)
              else "只能发布本部门的政策", "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    review = [r.get("message", "") for r in (policy.criteria or {}).get("review") or []]
    if review and not confirmed.confirm_review:
        # A policy read as addressing everyone, or with an unsure criterion, is published only once confirmed.
        flash("发布前请核对适用条件提示并勾选确认：" + "；".join(review), "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    if policy.status in (DRAFT, WITHDRAWN):
        # The confirmation is of a number: if the reach moved since the page was read, it is asked again.
        preview = preview_policy(policy, now=utcnow())
        refusal = None
        if not confirmed.confirm_reach:
            refusal = (422, f"请勾选确认：将推送给 {preview.eligible} 家企业")
        elif confirmed.expected_reach != str(preview.eligible):
            refusal = (409, f"推送范围已变化：现将推送给 {preview.eligible} 家企业，请重新核对后确认")
        if refusal is not None:
            form.confirm_reach.errors = [refusal[1]]
            form.confirm_reach.data = False
            flash(refusal[1], "error")
            return _render_policy(policy, CriteriaForm(data=_criteria_data(policy.criteria)), refusal[0],
                                  action_form=form, preview=preview)
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


@staff.post("/policies/<int:policy_id>/submit")
@roles_required("editor")
@reads_form()
def submit(policy_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    policy = service.get_policy(policy_id)
    try:
        approval.submit_policy(current_user, policy, now=utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    flash(f"已提交第 {policy.version} 版，等待本部门审核人审核", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.post("/policies/<int:policy_id>/return")
@roles_required("reviewer")
@reads_form(ReturnIn)
def return_policy(policy_id: int):
    form = ReturnForm()
    policy = service.get_policy(policy_id)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        flash("退回意见：" + "；".join(form.comment.errors), "error")
        return _render_policy(policy, CriteriaForm(data=_criteria_data(policy.criteria)), 422, return_form=form)
    try:
        approval.return_policy(current_user, policy, form_values(ReturnIn).comment, now=utcnow())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("staff.policy", policy_id=policy_id))
    flash("已退回编辑修改", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.post("/policies/<int:policy_id>/withdraw")
@roles_required("editor")
@reads_form(WithdrawIn)
def withdraw(policy_id: int):
    form = WithdrawForm()
    policy = service.get_policy(policy_id)
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        message = "；".join(form.reason.errors) or "撤回原因有误"
        flash(f"撤回原因：{message}", "error")
        return _render_policy(policy, CriteriaForm(data=_criteria_data(policy.criteria)), 422, withdraw_form=form)
    try:
        service.withdraw_policy(current_user, policy, form_values(WithdrawIn).reason)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash("政策已撤回", "success")
    return redirect(url_for("staff.policy", policy_id=policy_id))


@staff.get("/policies/<int:policy_id>/reach")
@login_required
def reach(policy_id: int):
    policy = service.get_policy(policy_id)
    return render_template("staff/policy_reach.html", policy=policy, reach=policy_reach(policy.id), now=utcnow())


_REACH_COLUMNS = ("matched", "queued", "sent", "failed", "clicked", "not_relevant", "unsubscribed")


def _overall_lines():
    """Editors see their department's pushes; the other staff roles every department's."""
    department = current_user.department_id if getattr(current_user, "role", None) == "editor" else None
    return overall_reach(department)


@staff.get("/reach")
@login_required
def reach_overall():
    lines = _overall_lines()
    totals = {name: sum(getattr(line, name) for line in lines) for name in _REACH_COLUMNS}
    return render_template("staff/reach_overall.html", lines=lines, totals=totals, now=utcnow(),
                           status_labels=POLICY_STATUS_LABELS)


@staff.get("/reach.csv")
@login_required
def reach_overall_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["政策编号", "政策标题", "发文部门", "状态", "发布时间（北京时间）", "符合条件的企业", "待发送消息",
                     "已发送消息", "发送失败消息", "点开链接的企业", "企业反馈不相关", "收到后退订"])
    for line in _overall_lines():
        writer.writerow([line.policy_id, line.title, line.department, POLICY_STATUS_LABELS.get(line.status, line.status),
                         f"{to_local(line.published_at):%Y-%m-%d %H:%M}" if line.published_at else "",
                         *(getattr(line, name) for name in _REACH_COLUMNS)])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=reach.csv"})


@staff.get("/policies/<int:policy_id>/reach.csv")
@login_required
def reach_csv(policy_id: int):
    policy = service.get_policy(policy_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统一社会信用代码", "企业名称", "匹配结果", "当前是否符合", "企业反馈无关", "渠道", "推送状态",
                     "发送时间（北京时间）", "退订时间（北京时间）", "点击次数", "首次点击（北京时间）",
                     "末次点击（北京时间）"])
    shown = "%Y-%m-%d %H:%M"
    for row in reach_rows(policy.id):
        writer.writerow([
            row.credit_code, row.name, {"eligible": "符合条件", "need_more_info": "待补充信息"}.get(
                row.eligibility, row.eligibility), "是" if row.active else "否",
            f"{to_local(row.not_relevant_at):{shown}}" if row.not_relevant_at else "",
            CHANNEL_LABELS.get(row.channel or "", row.channel or ""),
            NOTIFICATION_STATUS_LABELS.get(row.status or "", row.status or ""),
            f"{to_local(row.sent_at):{shown}}" if row.sent_at else "",
            f"{to_local(row.unsubscribed_at):{shown}}" if row.unsubscribed_at else "",
            row.clicks or 0,
            f"{to_local(row.first_clicked_at):{shown}}" if row.first_clicked_at else "",
            f"{to_local(row.last_clicked_at):{shown}}" if row.last_clicked_at else "",
        ])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=policy-{policy.id}-reach.csv"})


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
