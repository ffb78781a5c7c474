"""Answers before asking: published Q&A and policy passages for a question being typed (the form's suggestions)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for

from policyhub.extensions import limiter
from policyhub.models import utcnow
from policyhub.services.answers import Found, answers_before_asking
from policyhub.web.api import api
from policyhub.web.api.validation import takes_query
from policyhub.web.queries import SuggestQuery

__all__ = ["found_json"]


def found_json(found: Found) -> dict[str, Any]:
    """The suggestions as JSON, each with the public page that holds it."""
    return {
        "qa": [{"id": qa.consultation_id, "question": qa.question, "answer": qa.answer, "department": qa.department,
                "policy": {"id": qa.policy_id, "title": qa.policy_title},
                "url": url_for("public.policy_detail", policy_id=qa.policy_id, _anchor=f"qa-{qa.consultation_id}")}
               for qa in found.qa],
        "policies": [{"id": p.policy_id, "title": p.title, "department": p.department, "passage": p.passage,
                      "url": url_for("public.policy_detail", policy_id=p.policy_id)} for p in found.policies],
    }


@api.get("/answers")
@limiter.limit("120 per minute")
@takes_query(SuggestQuery, "问题有误")
def answers(query: SuggestQuery):
    """Published answers and policy passages that may already answer the question in ?q= (asked as it is typed)."""
    return jsonify(found_json(answers_before_asking(query.q, utcnow())))
