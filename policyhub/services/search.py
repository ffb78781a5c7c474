"""Chinese full-text search over policies: SQLite FTS5 or PostgreSQL tsvector over jieba tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, exists, func, literal_column, or_, select, table, text

from matcher.regions import default_regions
from matcher.taxonomy import default_taxonomy
from matcher.textsearch import Document, bm25_scores, snippet
from matcher.tokenize import Concept, default_tokenizer, query_concepts
from policyhub.extensions import db
from policyhub.models import Department, Policy, PolicyTarget
from policyhub.models.policy import EXPIRED, PUBLISHED
from policyhub.timeutil import local_date

__all__ = ["MAX_PER_PAGE", "Page", "PolicyQuery", "apply_open", "is_active", "search_policies"]

MAX_PER_PAGE = 500
MAX_QUERY_CHARS = 200
# Matches reranked by the shared BM25 (the same figures on SQLite and PostgreSQL); further ones keep the database's
# own order. Past it the idf counts are those of the first RERANK_LIMIT matches.
RERANK_LIMIT = 300
# Chosen on the dev queries: a strict partition (every active match first) lost 0.10 of dev nDCG@10, 0.5 lost 0.02;
# on the 249 judged texts 0.8 beat 0.7 by 0.012 (0.9 by another 0.005, but active policies should still lead).
EXPIRED_DISCOUNT = 0.8

_fts = table("policy_fts", column("rowid"))


@dataclass(frozen=True)
class PolicyQuery:
    """What a search asks for; None means no filter."""

    q: str = ""
    department: str | None = None
    industry: str | None = None
    # A county (or any division) code: policies for all regions, or for one covering it.
    region: str | None = None
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
    snippets: dict[int, str] = field(default_factory=dict)
    # When nothing is found: other queries, with the same filters, that do find something.
    suggestions: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _pg_vector() -> ColumnElement:
    # The generated column of migration 0015 (title tokens weight A, body tokens B), indexed by ix_policy_search;
    # not mapped on the model, since SQLite has no such column.
    return literal_column("policy.search_vector")


def _fts5_query(concepts: list[Concept]) -> str:
    """Any of the concepts, each one all of its terms: a text holding more of them scores higher."""
    def term(t: str) -> str:
        return '"' + t.replace('"', '""') + '"'
    return " OR ".join("(" + " AND ".join(term(t) for t in c.terms) + ")" for c in concepts)


def _tsquery(concepts: list[Concept]) -> str:
    def term(t: str) -> str:
        return "'" + t.replace("'", "''").replace("\\", "") + "'"
    return " | ".join("(" + " & ".join(term(t) for t in c.terms) + ")" for c in concepts)


def _with_text(stmt: Select, concepts: list[Concept]) -> tuple[Select, ColumnElement]:
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
    if query.region:
        conditions.append(_target_filter("region", default_regions().ancestors(query.region)))
    if query.issued_from:
        conditions.append(Policy.issued_on >= query.issued_from)
    if query.issued_to:
        conditions.append(Policy.issued_on <= query.issued_to)
    stmt = stmt.where(and_(*conditions))

    order: list[ColumnElement] = []
    concepts = query_concepts(query.q[:MAX_QUERY_CHARS]) if query.q else []
    # A text is found for what the query is about, not for a weak word alone (企业 is in nearly every policy, and
    # would fill the candidates); weak words still rank the texts found, unless the query has nothing else.
    matched = [c for c in concepts if not c.weak] or concepts
    if concepts:
        stmt, rank = _with_text(stmt, matched)
        order.append(rank)
    order += [Policy.published_at.desc().nulls_last(), Policy.id.desc()]

    offset = (query.page - 1) * query.per_page
    if not concepts:
        items = list(db.session.scalars(stmt.order_by(*order).limit(query.per_page).offset(offset)))
        return Page(items=items, total=_count(stmt), page=query.page, per_page=query.per_page)
    if offset >= RERANK_LIMIT:
        items = list(db.session.scalars(stmt.order_by(*order).limit(query.per_page).offset(offset)))
        return Page(items=items, total=_count(stmt), page=query.page, per_page=query.per_page,
                    snippets={p.id: snippet(concepts, p.body) for p in items})
    candidates = list(db.session.scalars(stmt.order_by(*order).limit(RERANK_LIMIT)))
    # The text match is the costly part of a long query: count it again only when the candidates were cut off.
    total = len(candidates) if len(candidates) < RERANK_LIMIT else _count(stmt)
    if not total:
        base = select(Policy).join(Department, Policy.department_id == Department.id).where(and_(*conditions))
        return Page(items=[], total=0, page=query.page, per_page=query.per_page,
                    suggestions=_suggestions(base, query.q[:MAX_QUERY_CHARS]))
    searchable = select(Policy.id).join(Department, Policy.department_id == Department.id).where(and_(*conditions))
    # The idf of a word the match left out is counted over every searched text, as if it had been matched.
    holding = {c.wording: _count(_with_text(searchable, [c])[0]) for c in concepts if c not in matched}
    items = _rerank(candidates, concepts, _count(searchable), holding, now)[offset:offset + query.per_page]
    return Page(items=items, total=total, page=query.page, per_page=query.per_page,
                snippets={p.id: snippet(concepts, p.body) for p in items})


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Policy.id).subquery())) or 0


def _suggestions(base: Select, q: str, limit: int = 3) -> list[str]:
    """Words of the synonym table near the query that find something under the same filters."""
    found = []
    for word in default_tokenizer().synonyms.related(q):
        stmt, _ = _with_text(base, query_concepts(word))
        if db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Policy.id).limit(1).subquery())):
            found.append(word)
            if len(found) == limit:
                break
    return found


def is_active(policy: Policy, now: datetime | None) -> bool:
    """Still in force: not expired, and not past its end of validity as of now."""
    if policy.status == EXPIRED:
        return False
    return not (now is not None and policy.effective_to is not None and policy.effective_to < local_date(now))


def apply_open(policy: Policy, today: date) -> bool:
    """Whether the 申报 window is open today: a stated start or end, today within them, and the policy in force."""
    start, end = policy.apply_from, policy.apply_until
    if (start is None and end is None) or policy.status != PUBLISHED:
        return False
    return (start is None or start <= today) and (end is None or today <= end)


def _rerank(candidates: list[Policy], concepts: list[Concept], searched: int, holding: dict[str, int],
            now: datetime | None) -> list[Policy]:
    """BM25 (title weighted) with expired policies discounted, so an active one comes first unless the expired one is
    clearly the better answer (an enterprise still asks about last year's policy), then the newest first."""
    scores = bm25_scores(concepts, [Document(p.title, p.body) for p in candidates], searched, holding)
    scores = [s if is_active(p, now) else s * EXPIRED_DISCOUNT for p, s in zip(candidates, scores, strict=True)]
    fresh = {p.id: (p.published_at or p.created_at).timestamp() if (p.published_at or p.created_at) else 0.0
             for p in candidates}
    ranked = sorted(zip(candidates, scores, strict=True),
                    key=lambda pair: (-round(pair[1], 6), -fresh[pair[0].id],
                                      -pair[0].id))
    return [policy for policy, _ in ranked]
