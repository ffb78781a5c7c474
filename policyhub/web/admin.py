"""Admin pages: staff accounts, departments and the audit log (every change audited by its service)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from policyhub.extensions import db
from policyhub.models import Department, User, utcnow
from policyhub.models.user import ROLE_LABELS
from policyhub.services import audit
from policyhub.services import departments as department_service
from policyhub.services import users as user_service
from policyhub.services.errors import Invalid, ServiceError
from policyhub.timeutil import to_local
from policyhub.web.form_input import form_values, reads_form
from policyhub.web.forms import ActionForm, DepartmentForm, PasswordForm, RoleForm, UserForm
from policyhub.web.helpers import roles_required, show_field_errors
from policyhub.web.schemas import ActiveIn, DepartmentContactsIn, DepartmentIn, PasswordIn, RoleIn, UserIn

__all__ = ["admin"]

admin = Blueprint("admin", __name__, url_prefix="/staff/admin")

AUDIT_PAGE = 100
FORM_FIELDS = {"password": "新密码：", "active": ""}


def _department_choices() -> dict[str, str]:
    return {"": "（无）", **{d.code: f"{d.code} {d.name}" for d in department_service.list_departments()}}


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _users_page(status: int = 200, *, form: UserForm | None = None, new_token: tuple[str, str] | None = None):
    choices = _department_choices()
    form = form or UserForm(prefix="new")
    form.department.choices = choices
    rows = []
    for user in user_service.list_users():
        role_form = RoleForm(prefix=f"u{user.id}", data={"role": user.role,
                                                          "department": user.department.code if user.department else ""})
        role_form.department.choices = choices
        rows.append((user, role_form))
    return render_template("staff/admin_users.html", form=form, rows=rows, password_form=PasswordForm(),
                           action_form=ActionForm(), new_token=new_token), status


def _change_user(change, done: str, field: str | None = None):
    """Run one account change, commit and go back to the list; a refusal is shown on the list (field: why)."""
    try:
        change()
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(f"{FORM_FIELDS.get(field, '')}{exc.fields.get(field, exc.message) if field else exc.message}", "error")
        return _users_page(exc.status)
    flash(done, "success")
    return redirect(url_for("admin.users"))


@admin.get("/users")
@roles_required("admin")
def users():
    return _users_page()


@admin.post("/users")
@roles_required("admin")
@reads_form(UserIn)
def create_user():
    form = UserForm(prefix="new")
    form.department.choices = _department_choices()
    if not form.validate_on_submit():
        return _users_page(400 if form.errors.get("csrf_token") else 422, form=form)
    try:
        new = form_values(UserIn, prefix="new")
        user, token = user_service.create_user(
            new.username, new.role, department_code=new.department, password=new.password,
            display_name=new.display_name, email=new.email, mobile=new.mobile, actor=current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        show_field_errors(form, exc.fields)
        flash(exc.message, "error")
        return _users_page(exc.status, form=form)
    flash(f"已创建账号 {user.username}（{user.role_label}）", "success")
    return _users_page(201, new_token=(user.username, token))


@admin.post("/users/<int:user_id>/role")
@roles_required("admin")
@reads_form(RoleIn)
def set_role(user_id: int):
    user = _user(user_id)
    form = RoleForm(prefix=f"u{user.id}")
    form.department.choices = _department_choices()
    if not form.validate_on_submit():
        flash("角色有误：" + "；".join(sum(form.errors.values(), [])), "error")
        return _users_page(422)
    try:
        wanted = form_values(RoleIn, prefix=f"u{user.id}")
    except ServiceError as exc:
        flash("角色有误：" + "；".join(exc.fields.values()), "error")
        return _users_page(exc.status)
    if wanted.role in user_service.DEPARTMENT_ROLES and not wanted.department:
        flash(f"{user.username}：政策编辑、审核人和答复人须属于一个部门", "error")
        return _users_page(422)
    return _change_user(lambda: user_service.set_role(current_user, user, wanted.role, wanted.department or ""),
                        f"{user.username} 现为{ROLE_LABELS.get(wanted.role, wanted.role)}")


@admin.post("/users/<int:user_id>/active")
@roles_required("admin")
@reads_form(ActiveIn)
def set_active(user_id: int):
    user = _user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        active = form_values(ActiveIn).active
    except ServiceError as exc:
        flash("参数 active 须为 0 或 1", "error")
        return _users_page(exc.status)
    return _change_user(lambda: user_service.set_active(current_user, user, active),
                        f"已{'启用' if active else '停用'}账号 {user.username}")


@admin.post("/users/<int:user_id>/password")
@roles_required("admin")
@reads_form(PasswordIn)
def reset_password(user_id: int):
    user = _user(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        if form.errors.get("csrf_token"):
            abort(400)
        flash("新密码：" + "；".join(form.password.errors), "error")
        return _users_page(422)
    try:
        password = form_values(PasswordIn).password
    except ServiceError as exc:
        flash("新密码：" + "；".join(exc.fields.values()), "error")
        return _users_page(exc.status)
    return _change_user(lambda: user_service.reset_password(current_user, user, password),
                        f"已重置 {user.username} 的密码", field="password")


@admin.post("/users/<int:user_id>/token")
@roles_required("admin")
@reads_form()
def rotate_token(user_id: int):
    user = _user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    token = user_service.rotate_token(current_user, user)
    db.session.commit()
    flash(f"已为 {user.username} 更换接口令牌，旧令牌立即失效", "success")
    return _users_page(new_token=(user.username, token))


def _departments_page(status: int = 200, *, form: DepartmentForm | None = None,
                      failed: tuple[int, DepartmentForm] | None = None):
    rows = []
    for department in department_service.list_departments():
        edit = failed[1] if failed and failed[0] == department.id else DepartmentForm(
            prefix=f"d{department.id}", obj=department)
        rows.append((department, edit))
    return render_template("staff/admin_departments.html", form=form or DepartmentForm(prefix="new"),
                           rows=rows), status


@admin.get("/departments")
@roles_required("admin")
def departments():
    return _departments_page()


@admin.post("/departments")
@roles_required("admin")
@reads_form(DepartmentIn)
def create_department():
    form = DepartmentForm(prefix="new")
    if not form.validate_on_submit():
        return _departments_page(400 if form.errors.get("csrf_token") else 422, form=form)
    try:
        new = form_values(DepartmentIn, prefix="new")
        department_service.create_department(current_user, **new.model_dump())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        show_field_errors(form, exc.fields)
        flash(exc.message, "error")
        return _departments_page(exc.status, form=form)
    flash(f"已新建部门 {new.code} {new.name}", "success")
    return redirect(url_for("admin.departments"))


@admin.post("/departments/<int:department_id>")
@roles_required("admin")
@reads_form(DepartmentContactsIn)
def update_department(department_id: int):
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    form = DepartmentForm(prefix=f"d{department.id}")
    if not form.validate_on_submit():
        return _departments_page(400 if form.errors.get("csrf_token") else 422, failed=(department.id, form))
    try:
        contacts = form_values(DepartmentContactsIn, prefix=f"d{department.id}")
        department_service.update_department(current_user, department, **contacts.model_dump())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        show_field_errors(form, exc.fields)
        flash(exc.message, "error")
        return _departments_page(exc.status, failed=(department.id, form))
    flash(f"已保存部门 {department.code}", "success")
    return redirect(url_for("admin.departments"))


def _audit_query() -> tuple[audit.AuditQuery, dict[str, str]]:
    """The audit filter from the query string, and the fields refused (name → why)."""
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("since", "until"):
        raw = request.args.get(name, "").strip()
        dates[name] = None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "日期格式应为 YYYY-MM-DD"
    if dates["since"] and dates["until"] and dates["since"] > dates["until"]:
        errors["until"] = "结束日期不能早于开始日期"
    text = {name: request.args.get(name, "").strip()[:64] for name in ("actor", "action", "object_type")}
    return audit.AuditQuery(since=dates["since"], until=dates["until"], **text), errors


def _period(query: audit.AuditQuery) -> str:
    if query.since and query.until:
        return f"{query.since} 至 {query.until}（北京时间，含首尾两日）"
    if query.since:
        return f"{query.since} 起（北京时间）"
    if query.until:
        return f"截至 {query.until}（北京时间，含当日）"
    return "全部时间"


@admin.get("/audit")
@roles_required("admin")
def audit_log():
    query, errors = _audit_query()
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 0
    if page == 0:
        errors["page"] = "页码须为正整数"
    if errors:
        events, total = [], 0
    else:
        events, total = audit.find_events(query, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    return render_template("staff/admin_audit.html", query=query, errors=errors, events=events, total=total,
                           page=max(page, 1), pages=max(1, -(-total // AUDIT_PAGE)), period=_period(query),
                           labels=_action_labels(), args={k: v for k, v in request.args.items() if k != "page"},
                           ), 422 if errors else 200


def _action_labels() -> dict[str, str]:
    from policyhub.web import ACTION_LABELS

    return ACTION_LABELS


@admin.get("/audit.csv")
@roles_required("admin")
def audit_csv():
    query, errors = _audit_query()
    if errors:
        raise Invalid("筛选条件有误", fields=errors)
    events, _ = audit.find_events(query, limit=None)
    labels = _action_labels()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["时间（北京时间）", "操作人", "操作", "操作代码", "对象类型", "对象编号", "详情"])
    for e in events:
        writer.writerow([to_local(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name,
                         labels.get(e.action, e.action), e.action, e.object_type, e.object_id,
                         json.dumps(e.details or {}, ensure_ascii=False, sort_keys=True, default=str)])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=audit-{to_local(utcnow()):%Y%m%d}.csv"})

