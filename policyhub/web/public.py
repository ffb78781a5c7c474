"""Public pages: the policy list with search, and a policy's detail."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from policyhub.extensions import db
from policyhub.models import Consultation, Department, Policy
from policyhub.models.base import utcnow
from policyhub.models.policy import PUBLISHED
from policyhub.services.errors import Invalid
from policyhub.services.search import search_policies
from policyhub.web.api.policies import policy_query_from_args

__all__ = ["public"]

public = Blueprint("public", __name__)


@public.get("/")
def index():
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    errors: dict[str, str] = {}
    try:
        query = policy_query_from_args(staff=False)
        result = search_policies(query, now=utcnow())
    except Invalid as exc:
        errors, result, query = exc.fields, None, None
    return render_template("public/index.html", result=result, query=query, departments=departments,
                           errors=errors), (422 if errors else 200)


@public.get("/policies/<int:policy_id>")
def policy_detail(policy_id: int):
    policy = db.session.get(Policy, policy_id)
    if policy is None or policy.status != PUBLISHED:
        abort(404)
    qas = db.session.scalars(select(Consultation).where(
        Consultation.policy_id == policy.id, Consultation.published_as_qa.is_(True),
        Consultation.status == "answered").order_by(Consultation.answered_at.desc()).limit(50)).all()
    return render_template("public/policy.html", policy=policy, qas=qas)
