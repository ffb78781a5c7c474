"""Matches API: a policy's ranked enterprises, an enterprise's policies."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import func, select

from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, PolicyMatch
from policyhub.services.errors import NotFound
from policyhub.web.api import api
from policyhub.web.api.auth import require_roles
from policyhub.web.api.validation import takes_query
from policyhub.web.queries import MatchListQuery

STAFF = ("editor", "answerer", "supervisor")


def _page(stmt, count_stmt, query: MatchListQuery):
    page, per_page = query.page, query.per_page
    total = db.session.scalar(count_stmt)
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total, page, per_page


def _match_json(match: PolicyMatch) -> dict:
    return {"score": match.score, "eligibility": match.eligibility, "reasons": match.reasons,
            "missing": match.missing, "not_relevant": match.not_relevant_at is not None,
            "matched_at": match.created_at.isoformat(), "active": match.active,
            "deactivated_at": match.deactivated_at.isoformat() if match.deactivated_at else None}


def _current_only(query: MatchListQuery) -> list:
    """Matches that hold now; ?include_inactive=1 adds those kept for history."""
    return [] if query.include_inactive in ("1", "true", "yes") else [PolicyMatch.active.is_(True)]


@api.get("/policies/<int:policy_id>/matches")
@require_roles(*STAFF)
@takes_query(MatchListQuery)
def policy_matches(policy_id: int, query: MatchListQuery):
    if db.session.get(Policy, policy_id) is None:
        raise NotFound(f"政策 {policy_id} 不存在")
    order = (PolicyMatch.eligibility, PolicyMatch.score.desc(), PolicyMatch.enterprise_id)
    stmt = (select(PolicyMatch, Enterprise.id, Enterprise.credit_code, Enterprise.name)
            .join(Enterprise, Enterprise.id == PolicyMatch.enterprise_id)
            .where(PolicyMatch.policy_id == policy_id, *_current_only(query)).order_by(*order))
    count = select(func.count(PolicyMatch.id)).where(PolicyMatch.policy_id == policy_id, *_current_only(query))
    rows, total, page, per_page = _page(stmt, count, query)
    not_relevant = db.session.scalar(select(func.count(PolicyMatch.id)).where(
        PolicyMatch.policy_id == policy_id, PolicyMatch.not_relevant_at.is_not(None)))
    return jsonify(items=[{"enterprise": {"id": eid, "credit_code": code, "name": name}} | _match_json(match)
                          for match, eid, code, name in rows],
                   total=total, page=page, per_page=per_page, not_relevant=not_relevant)


@api.get("/enterprises/<int:enterprise_id>/matches")
@require_roles(*STAFF)
@takes_query(MatchListQuery)
def enterprise_matches(enterprise_id: int, query: MatchListQuery):
    if db.session.get(Enterprise, enterprise_id) is None:
        raise NotFound(f"企业 {enterprise_id} 不存在")
    stmt = (select(PolicyMatch, Policy.id, Policy.title, Policy.status)
            .join(Policy, Policy.id == PolicyMatch.policy_id)
            .where(PolicyMatch.enterprise_id == enterprise_id, *_current_only(query))
            .order_by(PolicyMatch.created_at.desc(), PolicyMatch.score.desc()))
    count = select(func.count(PolicyMatch.id)).where(PolicyMatch.enterprise_id == enterprise_id, *_current_only(query))
    rows, total, page, per_page = _page(stmt, count, query)
    return jsonify(items=[{"policy": {"id": pid, "title": title, "status": status}} | _match_json(match)
                          for match, pid, title, status in rows], total=total, page=page, per_page=per_page)
