"""Enterprise pages: public self-registration and unsubscribe; staff list, detail and import."""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from matcher.taxonomy import InvalidIndustryCode, default_taxonomy
from policyhub.extensions import csrf, db, limiter
from policyhub.models import Enterprise
from policyhub.models.base import utcnow
from policyhub.services import enterprises as service
from policyhub.services import me as me_service
from policyhub.services.criteria import SIZE_LABELS
from policyhub.services.enterprise_import import import_enterprises
from policyhub.services.enterprise_input import EnterpriseIn, parse_profile
from policyhub.services.errors import ServiceError
from policyhub.services.identifiers import mask_email, mask_mobile
from policyhub.services.tokens import read_unsubscribe_token
from policyhub.web.api.validation import page_args
from policyhub.web.form_input import form_values, reads_form
from policyhub.web.forms import BINZHOU_REGIONS, ActionForm, EnterpriseForm, ImportForm
from policyhub.web.helpers import show_field_errors
from policyhub.web.ratelimits import keep_form
from policyhub.web.schemas import RegistrationIn

__all__ = ["enterprises"]

enterprises = Blueprint("enterprises", __name__)


def _registration_form() -> EnterpriseForm:
    form = EnterpriseForm()
    form.size.choices = {"": "按经营数据自动测算", **SIZE_LABELS}
    form.region_code.choices = {"": "请选择", **BINZHOU_REGIONS}
    form.qualifications.choices = {q: q for q in service.known_qualifications()}
    return form




CODE_SHAPE = re.compile(r"[A-Za-z]?[0-9]{1,4}")


def _industry_by_name(form: EnterpriseForm) -> str | None:
    """Without script the industry field may hold a name: one class found becomes its code, else why not.

    Returns the field's message when the name finds no class or several (listing them), else None.
    """
    typed = "".join(unicodedata.normalize("NFKC", form.industry_code.data or "").split())
    if not typed or CODE_SHAPE.fullmatch(typed):
        return None
    found = default_taxonomy().suggest(typed, limit=8)
    exact = [industry for industry in found if industry.name == typed]
    if exact or len(found) == 1:
        form.industry_code.data = (exact or found)[0].code
        return None
    if not found:
        return f"未找到名为“{typed[:20]}”的行业，请换个说法（如“铝”“软件”“餐饮”），或填写 4 位行业代码"
    listed = "、".join(f"{industry.code} {industry.name}" for industry in found)
    return f"“{typed[:20]}”对应多个行业，请填写其中一个的代码：{listed}"


def _industry_named(form: EnterpriseForm) -> str:
    """"3252 铝压延加工" when the field holds a known code without an error, else "" (shown under the field)."""
    if form.industry_code.errors:
        return ""
    try:
        name = default_taxonomy().name(form.industry_code.data or "")
    except InvalidIndustryCode:
        return ""
    return f"{default_taxonomy().normalize(form.industry_code.data)} {name}" if name else ""


# Values the 政策计算器 carries into registration ("用这些信息登记").
CARRIED_FIELDS = ("industry_code", "employees", "revenue_wan", "assets_wan", "region_code")


def _registration_refused(message: str) -> str:
    """The registration form as it was sent, with why it was refused (a 429: see ratelimits.keep_form)."""
    form = _registration_form()
    return render_template("enterprises/register.html", form=form, already_registered=False,
                           industry_picked=_industry_named(form), refused=message)


def _register(form: EnterpriseForm, registration: RegistrationIn) -> tuple[int, str | None]:
    """Save a registration: (200, the page saying so), or (422/409, None) with every error on the form."""
    industry_message = _industry_by_name(form)
    # A name typed in the industry field and found is its code now.
    values = registration.model_dump(exclude={"consent"}) | {"industry_code": form.industry_code.data or ""}
    if industry_message or not registration.consent:
        # Every error at once: the profile is checked too, though nothing is saved without consent.
        errors = service.validate_profile(values).errors
        if industry_message:
            form.industry_code.errors = [industry_message]
            errors.pop("industry_code", None)
        show_field_errors(form, errors)
        if not registration.consent:
            form.consent.errors = ["请阅读并勾选同意后提交"]
        return 422, None
    try:
        enterprise, warnings = service.create_enterprise(None, parse_profile(EnterpriseIn, values),
                                                         source="self_registration")
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        show_field_errors(form, exc.fields)
        return exc.status, None
    matched = me_service.my_policies(enterprise, now=utcnow())
    return 200, render_template("enterprises/registered.html", enterprise=enterprise, warnings=warnings,
                                matched=matched)


@enterprises.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], on_breach=keep_form(_registration_refused))
@reads_form(RegistrationIn)
def register():
    form = _registration_form()
    status = 200
    already_registered = False
    if request.method == "GET":
        for name in CARRIED_FIELDS:
            if request.args.get(name):
                getattr(form, name).data = request.args.get(name, "")[:40]
        if request.args.getlist("qualifications"):
            form.qualifications.data = request.args.getlist("qualifications")[:20]
    if form.validate_on_submit():
        try:
            registration = form_values(RegistrationIn)
        except ServiceError as exc:
            show_field_errors(form, exc.fields)
            status = exc.status
        else:
            status, registered = _register(form, registration)
            if registered is not None:
                return registered
        already_registered = status == 409
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 422
    return render_template("enterprises/register.html", form=form, already_registered=already_registered,
                           industry_picked=_industry_named(form)), status


@enterprises.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit("30 per minute")
@reads_form()
def unsubscribe(token: str):
    found = read_unsubscribe_token(current_app.config["SECRET_KEY"], token)
    if found is None:
        return render_template("error.html", status=404, message="退订链接无效或已损坏", fields={}), 404
    enterprise_id, channel = found
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    done = False
    if request.method == "POST":
        # The link is the credential (RFC 8058 one-click): no session, so no CSRF token to check.
        service.unsubscribe(enterprise_id, channel)
        db.session.commit()
        done = True
    return render_template("enterprises/unsubscribe.html", enterprise=enterprise, channel=channel, done=done,
                           active=channel in enterprise.channels)


@enterprises.get("/staff/enterprises")
@login_required
def staff_list():
    page, per_page = page_args(default_per_page=50)
    stmt = select(Enterprise)
    q = request.args.get("q", "").strip()[:100]
    if q:
        stmt = stmt.where(or_(Enterprise.name.contains(q, autoescape=True), Enterprise.credit_code == q.upper()))
    if request.args.get("flagged"):
        stmt = stmt.where(Enterprise.size_flag.is_not(None))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = db.session.scalars(stmt.order_by(Enterprise.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return render_template("enterprises/list.html", items=items, total=total, page=page, per_page=per_page,
                           mask_mobile=mask_mobile, mask_email=mask_email)


@enterprises.get("/staff/enterprises/<int:enterprise_id>")
@login_required
def staff_detail(enterprise_id: int):
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        abort(404)
    return render_template("enterprises/detail.html", enterprise=enterprise,
                           sees_contacts=service.sees_contacts(current_user),
                           mask_mobile=mask_mobile, mask_email=mask_email,
                           industry_name=default_taxonomy().name(enterprise.industry_code),
                           region_name=BINZHOU_REGIONS.get(enterprise.region_code or "", enterprise.region_code))


@enterprises.route("/staff/enterprises/import", methods=["GET", "POST"])
@login_required
@reads_form()
def staff_import():
    if current_user.role not in ("admin", "editor"):
        abort(403)
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        file = form.file.data
        if not file or not getattr(file, "filename", ""):
            form.file.errors = ["请选择文件"]
            status = 422
        else:
            try:
                report = import_enterprises(current_user, file.filename, file.read(), notify=True)
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                form.file.errors = [exc.message]
                status = exc.status
    return render_template("enterprises/import.html", form=form, report=report, action_form=ActionForm()), status
