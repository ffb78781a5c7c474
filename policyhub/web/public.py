"""Public pages: the policy list with search, and a policy's detail."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from matcher.taxonomy import default_taxonomy
from policyhub.extensions import csrf, db, limiter
from policyhub.models import Consultation, Department, Policy
from policyhub.models.base import utcnow
from policyhub.models.policy import EXPIRED, PUBLISHED, WITHDRAWN
from policyhub.push.reconcile import mark_not_relevant
from policyhub.services.clicks import record_click
from policyhub.services.errors import Invalid
from policyhub.services.search import apply_open, search_policies
from policyhub.services.tokens import (
    feedback_token,
    read_click_token,
    read_feedback_token,
    read_short_code,
    read_unsubscribe_token,
    unsubscribe_token,
)
from policyhub.timeutil import local_date
from policyhub.web.api.policies import MAX_CHOICES, QUERY_FIELD_LABELS, industry_choices, policy_query_from_args
from policyhub.web.form_input import form_values, reads_form
from policyhub.web.forms import BINZHOU_REGIONS
from policyhub.web.schemas import FeedbackIn

__all__ = ["public"]

public = Blueprint("public", __name__)
log = logging.getLogger(__name__)


def _count_click(policy_id: int, enterprise_id: int, channel: str) -> None:
    """Record a firm's click; a failure is logged and forgotten, for the link must still open."""
    if request.method != "GET":
        return  # HEAD: a mail scanner checking the link, not a person reading it
    try:
        record_click(policy_id, enterprise_id, channel, utcnow())
        db.session.commit()
    except Exception:  # noqa: BLE001 — whatever broke, the firm still gets its page
        db.session.rollback()
        log.warning("click on policy %s by enterprise %s (%s) not counted", policy_id, enterprise_id, channel,
                    exc_info=True)


@public.get("/")
def index():
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    errors: dict[str, str] = {}
    now = utcnow()
    try:
        query = policy_query_from_args(staff=False)
        result = search_policies(query, now=now)
    except Invalid as exc:
        errors, result, query = exc.fields, None, None
    open_ids = {p.id for p in result.items if apply_open(p, local_date(now))} if result else set()
    # An industry typed by name that means several: the page offers them as links (the API names them).
    typed = request.args.get("industry_name", "").strip()
    options = industry_choices(typed)[:MAX_CHOICES] if "industry_name" in errors and typed else []
    code = query.industry if query else None
    label = typed or (default_taxonomy().name(code) or code if code else "")
    return render_template("public/index.html", result=result, open_ids=open_ids, query=query,
                           departments=departments, regions=BINZHOU_REGIONS, errors=errors,
                           field_labels=QUERY_FIELD_LABELS, industry_options=options,
                           industry_label=label), (422 if errors else 200)


@public.get("/policies/<int:policy_id>")
def policy_detail(policy_id: int):
    policy = db.session.get(Policy, policy_id)
    if policy is None or policy.status not in (PUBLISHED, WITHDRAWN, EXPIRED):
        abort(404)
    click = request.args.get("c")
    if click is not None:
        # A pushed message's link: count the click once, then drop the token so a reload does not count again.
        found_click = read_click_token(click)
        if found_click is not None and found_click[0] == policy_id:
            _count_click(*found_click)
        args = {key: request.args[key] for key in ("m", "u") if key in request.args}
        return redirect(url_for("public.policy_detail", policy_id=policy_id, **args))
    if policy.status != PUBLISHED:
        # Someone following an old alert's link learns what happened to the policy, not a bare 404.
        return render_template("public/policy_gone.html", policy=policy), 410
    feedback = request.args.get("m", "")
    found = read_feedback_token(feedback) if feedback else None
    if found is None or found[0] != policy_id:
        feedback = ""
    # From an SMS's short link: the way to stop SMS pushes, for the enterprise the link was sent to.
    unsubscribe = request.args.get("u", "")
    owner = read_unsubscribe_token(current_app.config["SECRET_KEY"], unsubscribe) if unsubscribe else None
    if owner is None or found is None or owner[0] != found[1]:
        unsubscribe = ""
    qas = db.session.scalars(select(Consultation).where(
        Consultation.policy_id == policy.id, Consultation.published_as_qa.is_(True),
        Consultation.status == "answered").order_by(Consultation.answered_at.desc()).limit(50)).all()
    # No form object here: building one starts a session (its CSRF token) for every visitor, so the page could
    # be nobody's but theirs; the 不相关 button is signed by its own token.
    return render_template("public/policy.html", policy=policy, qas=qas, feedback=feedback, unsubscribe=unsubscribe)


@public.get("/s/<code>")
@limiter.limit("60 per minute")
def short_link(code: str):
    """An SMS's short link: the policy's page with this enterprise's 不相关 and 退订 buttons."""
    found = read_short_code(code)
    if found is None:
        abort(404)
    policy_id, enterprise_id = found
    # Short codes go out only in SMS, so the code itself says the click came from one.
    _count_click(policy_id, enterprise_id, "sms")
    return redirect(url_for("public.policy_detail", policy_id=policy_id, m=feedback_token(policy_id, enterprise_id),
                            u=unsubscribe_token(current_app.config["SECRET_KEY"], enterprise_id, "sms")))


@public.post("/policies/<int:policy_id>/not-relevant")
@csrf.exempt
@limiter.limit("30 per minute")
@reads_form(FeedbackIn)
def not_relevant(policy_id: int):
    # The signed link is the credential (it reached only this enterprise), as with unsubscribe.
    found = read_feedback_token(form_values(FeedbackIn).m)
    if found is None or found[0] != policy_id:
        abort(404)
    changed = mark_not_relevant(policy_id, found[1])
    db.session.commit()
    flash("已记录：该政策与贵企业无关，不再推送" if changed else "已记录过", "success")
    return redirect(url_for("public.policy_detail", policy_id=policy_id))
