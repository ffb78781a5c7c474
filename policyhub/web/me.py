"""The enterprise's own pages: sign in, 我的政策, 差一点, preferences, and the 政策计算器 for anyone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from matcher.taxonomy import default_taxonomy
from policyhub.extensions import db, limiter
from policyhub.models import utcnow
from policyhub.push import reconcile
from policyhub.services import enterprises as enterprises_service
from policyhub.services import me as me_service
from policyhub.services import signin
from policyhub.services.criteria import SIZE_LABELS
from policyhub.services.enterprise_input import EnterprisePatch, known_qualifications, parse_profile
from policyhub.services.errors import Invalid, ServiceError
from policyhub.web.api.me import ELIGIBILITY_LIMIT_PER_ADDRESS, SESSION_COOKIE_KEY, SIGN_IN_LIMIT_PER_ADDRESS
from policyhub.web.form_input import form_values, posted_values, reads_form
from policyhub.web.forms import BINZHOU_REGIONS
from policyhub.web.ratelimits import keep_form
from policyhub.web.schemas import CalculatorIn, PreferencesIn, ProfileIn, SignInIn

__all__ = ["me_pages"]

me_pages = Blueprint("me", __name__)


@me_pages.route("/me/link/<credit_code>/<proof>", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT_PER_ADDRESS, methods=["POST"])
@reads_form()
def link(credit_code: str, proof: str):
    """The one-time link of a sign-in email: a button that opens a page session.

    GET only shows the button: mail scanners fetch links, and a fetch must not use the link up.
    """
    if request.method == "GET":
        return render_template("me/link.html")
    try:
        token, _ = signin.open_session({"credit_code": credit_code, "code": proof}, now=utcnow())
    except signin.SignInRefused:
        db.session.commit()
        return redirect(url_for("me.sign_in", expired=1))
    except Invalid:
        return redirect(url_for("me.sign_in", expired=1))
    db.session.commit()
    session[SESSION_COOKIE_KEY] = token
    return redirect(url_for("me.home"))


def _signed_in():
    from policyhub.web.api.me import current_enterprise

    return current_enterprise()


def _sign_in_values() -> dict[str, str]:
    """What the sign-in form shows: as posted, or (GET) as the query string carries it."""
    typed = posted_values(SignInIn) if request.method == "POST" else request.args
    return {k: (typed.get(k) or "").strip()[:100] for k in ("step", "credit_code", "mobile", "email", "code")}


def _sign_in_refused(message: str) -> str:
    """The sign-in form as it was sent (either step), with why it was refused (a 429: see ratelimits.keep_form)."""
    values = _sign_in_values()
    step = "code" if values["step"] == "code" else "contact"
    return render_template("me/sign_in.html", values=values, errors={}, step=step, expired=False,
                           registered=False, refused=message)


def _sign_in_step(given: SignInIn) -> tuple[str, dict[str, str], Response | None]:
    """One step of the door: (the step to show next, errors, the redirect once a session is open)."""
    if given.step == "code":
        try:
            token, _ = signin.open_session({"credit_code": given.credit_code, "code": given.code}, now=utcnow())
        except ServiceError as exc:
            db.session.commit()  # the failed attempt counts towards the code's limit
            return "code", exc.fields or {"code": exc.message}, None
        db.session.commit()
        session[SESSION_COOKIE_KEY] = token
        return "code", {}, redirect(url_for("me.home"))
    contact = {"credit_code": given.credit_code}
    if given.email and not given.mobile:
        contact["email"] = given.email
    else:
        contact["mobile"] = given.mobile
    try:
        signin.request_code(contact, now=utcnow())
    except ServiceError as exc:
        return "contact", exc.fields, None
    db.session.commit()
    return "code", {}, None


@me_pages.route("/me/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT_PER_ADDRESS, methods=["POST"], on_breach=keep_form(_sign_in_refused))
@reads_form(SignInIn)
def sign_in():
    """统一社会信用代码 + mobile → a code by SMS (or a link by email); then the code opens the session."""
    values = _sign_in_values()
    errors: dict[str, str] = {}
    step = "contact"
    if request.method == "POST":
        try:
            given = form_values(SignInIn)
        except ServiceError as exc:
            step, errors = ("code" if values["step"] == "code" else "contact"), exc.fields
        else:
            step, errors, opened = _sign_in_step(given)
            if opened is not None:
                return opened
    return render_template("me/sign_in.html", values=values, errors=errors, step=step,
                           expired=bool(request.args.get("expired")), registered=bool(request.args.get("registered")))


@me_pages.post("/me/sign-out")
@reads_form()
def sign_out():
    token = session.pop(SESSION_COOKIE_KEY, None)
    if isinstance(token, str):
        signin.revoke_session(token, now=utcnow())
        db.session.commit()
    return redirect(url_for("me.sign_in"))


@me_pages.get("/me")
def home():
    """我的政策: the policies meant for the firm, with reasons, 申报截止 countdown, 不相关 and 关注."""
    enterprise = _signed_in()
    if enterprise is None:
        return redirect(url_for("me.sign_in"))
    now = utcnow()
    near = me_service.my_near_misses(enterprise, now=now)
    return render_template("me/policies.html", enterprise=enterprise, items=me_service.my_policies(enterprise, now=now),
                           near=near, near_count=len(near))


@me_pages.get("/me/near-misses")
def near_misses():
    """差一点: policies missed by one condition, saying what is missing."""
    enterprise = _signed_in()
    if enterprise is None:
        return redirect(url_for("me.sign_in"))
    return render_template("me/near_misses.html", enterprise=enterprise,
                           items=me_service.my_near_misses(enterprise, now=utcnow()))


@me_pages.post("/me/policies/<int:policy_id>/<action>")
@reads_form()
def policy_action(policy_id: int, action: str):
    """关注 / 取消关注 / 不相关 from 我的政策."""
    enterprise = _signed_in()
    if enterprise is None:
        return redirect(url_for("me.sign_in"))
    now = utcnow()
    try:
        if action == "follow":
            me_service.follow(enterprise, policy_id, now=now)
            flash("已关注，申报截止前会提醒您", "success")
        elif action == "unfollow":
            me_service.unfollow(enterprise, policy_id)
            flash("已取消关注", "success")
        elif action == "not-relevant":
            reconcile.mark_not_relevant(policy_id, enterprise.id, now=now)
            flash("已标记为不相关，不再推送该政策", "success")
        else:
            abort(404)
    except ServiceError as exc:
        flash(exc.message, "error")
    db.session.commit()
    return redirect(url_for("me.home"))


@me_pages.route("/me/preferences", methods=["GET", "POST"])
@reads_form(PreferencesIn)
def preferences():
    """Channels and frequency; a channel unsubscribed before can be chosen again."""
    enterprise = _signed_in()
    if enterprise is None:
        return redirect(url_for("me.sign_in"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            me_service.set_preferences(enterprise, form_values(PreferencesIn).model_dump(), now=utcnow())
        except ServiceError as exc:
            errors = exc.fields
        else:
            db.session.commit()
            flash("推送设置已保存", "success")
            return redirect(url_for("me.preferences"))
    return render_template("me/preferences.html", enterprise=enterprise, errors=errors,
                           prefs=me_service.preferences(enterprise))


PROFILE_FIELDS = ("employees", "revenue_wan", "assets_wan", "region_code", "business_scope")


@me_pages.route("/me/profile", methods=["GET", "POST"])
@reads_form(ProfileIn)
def profile():
    """The firm's own figures, county and titles; a change is re-matched and new matches are pushed."""
    enterprise = _signed_in()
    if enterprise is None:
        return redirect(url_for("me.sign_in"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            values = form_values(ProfileIn).model_dump()
            _, warnings = enterprises_service.update_enterprise(None, enterprise, parse_profile(EnterprisePatch, values),
                                                                now=utcnow())
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash("企业信息已保存，已按新信息重新匹配政策" + ("；" + "；".join(warnings) if warnings else ""), "success")
            return redirect(url_for("me.home"))
    if request.method == "POST":
        shown = posted_values(ProfileIn)
    else:
        shown = {name: "" if getattr(enterprise, name) is None else getattr(enterprise, name) for name in PROFILE_FIELDS}
        shown["qualifications"] = list(enterprise.qualifications or [])
    return render_template("me/profile.html", enterprise=enterprise, errors=errors, values=shown,
                           regions=BINZHOU_REGIONS, qualifications=known_qualifications(), sizes=SIZE_LABELS)


def _industry_choices(typed: str) -> list[tuple[str, str]]:
    """GB/T 4754 classes (4-digit) for what was typed, best first, at most 30 (the pickers' own list)."""
    return [(i.code, i.name) for i in default_taxonomy().suggest(typed[:40], limit=30)] if typed else []


@me_pages.get("/industries/suggest")
@limiter.limit("120 per minute")
def industry_suggestions():
    """The industry picker's list as a name is typed: ``{items: [{code, name, division}]}`` (static/picker.js)."""
    taxonomy = default_taxonomy()
    typed = request.args.get("q", "").strip()[:40]
    items = [{"code": i.code, "name": i.name, "division": taxonomy.name(i.code[:2]) or ""}
             for i in taxonomy.suggest(typed, limit=12)] if typed else []
    response = jsonify(items=items)
    response.headers["Cache-Control"] = "public, max-age=3600"  # the table changes with a release only
    return response


CALCULATOR_FIELDS = ("industry_name", "industry_code", "region_code", "employees", "revenue_wan", "assets_wan")


def _calculator_values() -> dict[str, Any]:
    """The calculator's fields as posted, or (GET, a link from elsewhere) as the query string carries them."""
    if request.method == "POST":
        return form_values(CalculatorIn).model_dump()
    values: dict[str, Any] = {k: (request.args.get(k) or "").strip()[:100] for k in CALCULATOR_FIELDS}
    values["qualifications"] = request.args.getlist("qualifications")[:20]
    return values


def _render_calculator(values: dict[str, Any], choices: list[tuple[str, str]], *, errors: dict[str, str] | None = None,
                       result: dict[str, Any] | None = None, refused: str | None = None) -> str:
    register_args = {k: v for k, v in values.items() if k != "industry_name" and v}
    return render_template("me/calculator.html", values=values, choices=choices, errors=errors or {}, result=result,
                           regions=BINZHOU_REGIONS, qualifications=known_qualifications(), sizes=SIZE_LABELS,
                           register_args=register_args, refused=refused)


def _calculator_refused(message: str) -> str:
    """The calculator as it was sent, with why it was refused (a 429: see ratelimits.keep_form)."""
    values = _calculator_values()
    return _render_calculator(values, _industry_choices(values["industry_name"]), refused=message)


@me_pages.route("/calculator", methods=["GET", "POST"])
@limiter.limit(ELIGIBILITY_LIMIT_PER_ADDRESS, methods=["POST"], on_breach=keep_form(_calculator_refused))
@reads_form(CalculatorIn)
def calculator():
    """政策计算器 for anyone: industry by name, county by name, figures, titles → size, policies, near misses."""
    values = _calculator_values()
    choices = _industry_choices(values["industry_name"]) if values["industry_name"] else []
    if not values["industry_code"] and len(choices) == 1:
        values["industry_code"] = choices[0][0]
    result, errors, status = None, {}, 200
    if request.method == "POST":
        if not values["industry_code"]:
            errors["industry_code"] = ("请从下方选择一个行业" if choices else
                                       "未找到该行业，请换个说法（如“铝”“软件”“餐饮”）")
            status = 422
        else:
            query = {k: values[k] for k in ("industry_code", "region_code", "employees", "revenue_wan",
                                            "assets_wan") if values[k]}
            if values["qualifications"]:
                query["qualifications"] = values["qualifications"]
            try:
                result = me_service.calculate(query, now=utcnow())
            except ServiceError as exc:
                errors, status = exc.fields, exc.status
    return _render_calculator(values, choices, errors=errors, result=result), status
