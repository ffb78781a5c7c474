"""Chinese full-text search over policies: SQLite FTS5 or PostgreSQL tsvector over jieba tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, exists, func, literal_column, or_, select, table, text

from matcher.taxonomy import default_taxonomy
from matcher.tokenize import query_concepts
from policyhub.extensions import db
from policyhub.models import Department, Policy, PolicyTarget
from policyhub.models.policy import PUBLISHED
from policyhub.timeutil import local_date

__all__ = ["MAX_PER_PAGE", "Page", "PolicyQuery", "search_policies"]

MAX_PER_PAGE = 500
MAX_QUERY_CHARS = 200

_fts = table("policy_fts", column("rowid"))


@dataclass(frozen=True)
class PolicyQuery:
    """What a search asks for; None means no filter."""

    q: str = ""
    department: str | None = None
    industry: str | None = None
    size: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    statuses: tuple[str, ...] = (PUBLISHED,)
    public: bool = True
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _pg_vector() -> ColumnElement:
    # Must stay identical to the expression of ix_policy_search in the migration, or the index is not used.
    return func.setweight(func.to_tsvector(text("'simple'"), func.coalesce(Policy.title_tokens, "")), text("'A'")).op(
        "||"
    )(func.setweight(func.to_tsvector(text("'simple'"), func.coalesce(Policy.body_tokens, "")), text("'B'")))


def _fts5_query(concepts: list[tuple[str, ...]]) -> str:
    """Any of the concepts, each one all of its terms: a text holding more of them scores higher."""
    def term(t: str) -> str:
        return '"' + t.replace('"', '""') + '"'
    return " OR ".join("(" + " AND ".join(term(t) for t in terms) + ")" for terms in concepts)


def _tsquery(concepts: list[tuple[str, ...]]) -> str:
    def term(t: str) -> str:
        return "'" + t.replace("'", "''").replace("\\", "") + "'"
    return " | ".join("(" + " & ".join(term(t) for t in terms) + ")" for terms in concepts)


def _with_text(stmt: Select, concepts: list[tuple[str, ...]]) -> tuple[Select, ColumnElement]:
    if db.engine.dialect.name == "postgresql":
        vector = _pg_vector()
        tsquery = func.to_tsquery(text("'simple'"), _tsquery(concepts))
        return stmt.where(vector.op("@@")(tsquery)), func.ts_rank(vector, tsquery).desc()
    stmt = stmt.join(_fts, _fts.c.rowid == Policy.id).where(
        literal_column("policy_fts").op("MATCH")(_fts5_query(concepts))
    )
    # bm25() is lower-is-better; the title counts ten times the body.
    return stmt, func.bm25(literal_column("policy_fts"), 10.0, 1.0).asc()


def _target_filter(kind: str, values: list[str]) -> ColumnElement:
    """No target of this kind (the policy concerns all), or one of the given values."""
    any_of_kind = exists().where(PolicyTarget.policy_id == Policy.id, PolicyTarget.kind == kind)
    matching = exists().where(
        PolicyTarget.policy_id == Policy.id, PolicyTarget.kind == kind, PolicyTarget.value.in_(values)
    )
    return or_(~any_of_kind, matching)


def search_policies(query: PolicyQuery, now: datetime | None = None) -> Page:
    """Policies matching the query, best first, one page of them and the total."""
    stmt = select(Policy).join(Department, Policy.department_id == Department.id)
    conditions: list[ColumnElement] = [Policy.status.in_(query.statuses)]
    if query.public and now is not None:
        # Between the end of validity and the nightly expiry job a policy must already be gone.
        conditions.append(or_(Policy.effective_to.is_(None), Policy.effective_to >= local_date(now)))
    if query.department:
        conditions.append(Department.code == query.department)
    if query.industry:
        chain = default_taxonomy().ancestors(query.industry)
        conditions.append(_target_filter("industry", chain))
        conditions.append(~exists().where(
            PolicyTarget.policy_id == Policy.id, PolicyTarget.kind == "industry_excluded",
            PolicyTarget.value.in_(chain),
        ))
    if query.size:
        conditions.append(_target_filter("size", [query.size]))
    if query.issued_from:
        conditions.append(Policy.issued_on >= query.issued_from)
    if query.issued_to:
        conditions.append(Policy.issued_on <= query.issued_to)
    stmt = stmt.where(and_(*conditions))

    order: list[ColumnElement] = []
    concepts = query_concepts(query.q[:MAX_QUERY_CHARS]) if query.q else []
    if concepts:
        stmt, rank = _with_text(stmt, concepts)
        order.append(rank)
    order += [Policy.published_at.desc().nulls_last(), Policy.id.desc()]

    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Policy.id).subquery()))
    items = list(db.session.scalars(
        stmt.order_by(*order).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ))
    return Page(items=items, total=total or 0, page=query.page, per_page=query.per_page)
