"""Staff login and logout (sessions), throttled per address and locked per account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from policyhub.extensions import db, limiter
from policyhub.services.users import authenticate
from policyhub.timeutil import to_local
from policyhub.web.form_input import reads_form, submitted
from policyhub.web.forms import ActionForm, LoginForm
from policyhub.web.schemas import LoginIn

__all__ = ["auth"]

auth = Blueprint("auth", __name__)


def is_local_path(target: str | None) -> bool:
    """Whether target is a path on this site ("/staff/…"), never something a browser reads as another host.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil.example"
    is "//evil.example": refuse every control character, whitespace and backslash outright, then
    require what urllib (as Django's url_has_allowed_host_and_scheme does) sees as no scheme and no host.
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("//")


# Where each role's own work is: an answerer's inbox, a supervisor's SLA dashboard.
ROLE_HOME = {"answerer": "consultations.inbox", "supervisor": "consultations.dashboard"}


def _safe_next(target: str | None, role: str = "") -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    return target if is_local_path(target) else url_for(ROLE_HOME.get(role, "staff.index"))


@auth.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
@reads_form(LoginIn)
def login():
    form = LoginForm()
    status = 200
    credentials = submitted(form, LoginIn)
    if credentials is not None:
        result = authenticate(
            credentials.username.strip(), credentials.password,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        db.session.commit()
        if result.user is not None:
            login_user(result.user)
            current_app.logger.info("login: %s", result.user.username)
            return redirect(_safe_next(request.args.get("next"), result.user.role))
        if result.locked_until is not None:
            flash(f"登录失败次数过多，账号已锁定至 {to_local(result.locked_until):%H:%M}，请稍后再试", "error")
            status = 429
        else:
            flash("用户名或密码错误", "error")
            status = 401
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 422
    return render_template("auth/login.html", form=form), status


@auth.post("/logout")
@login_required
@reads_form()
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        logout_user()
        flash("已退出登录", "info")
    return redirect(url_for("public.index"))
