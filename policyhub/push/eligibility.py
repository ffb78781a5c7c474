"""Who a policy concerns, decided from the committed profiles in the database: no process keeps an index.

Every decision reads the enterprise rows as committed now. SQL narrows the rows on the indexed
columns (industry code, size, 规上) to a superset of the firms concerned; the matcher's rules
(``matcher.engine.PolicyRules``) then judge each distinct combination of codes once, and rank each
distinct business scope once (``matcher.engine.Relevance``). So any process, started a second ago
or a month ago, decides the same way, and nothing has to be built before the first publish.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, or_, select

from matcher.criteria import SIZES, Criteria, EnterpriseProfile
from matcher.engine import PolicyRules, Relevance
from matcher.taxonomy import InvalidIndustryCode, default_taxonomy
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy
from policyhub.models.match import ELIGIBLE

__all__ = ["Chunk", "Judgement", "PolicyEligibility", "dense", "policy_text"]

_IN_LIST = 1000  # up to this many ids, one IN list; beyond, the id range
_NOTHING: list[str] = []  # shared, so a bulk insert encodes an empty list once

# (score, reasons, missing field names) of one enterprise for one policy
Judgement = tuple[float, list[str], list[str]]

_KEY = (Enterprise.industry_code, Enterprise.size, Enterprise.region_code, Enterprise.above_scale,
        cast(Enterprise.qualifications, Text))
_FIGURES = (Enterprise.employees, Enterprise.revenue_wan, Enterprise.assets_wan, Enterprise.business_scope)


def policy_text(policy: Policy) -> str:
    """The text a policy ranks its firms by."""
    return f"{policy.title}\n{policy.body}"


@dataclass
class Chunk:
    """A fan-out chunk: the verdicts and details of the firms concerned in the ids (after, upto]."""

    verdicts: dict[int, str]
    details: dict[int, Judgement]
    upto: int | None  # None: the last chunk, to the end of the ids


class PolicyEligibility:
    """One policy's criteria against the committed profiles: verdicts for all or some, details for some."""

    def __init__(self, policy: Policy) -> None:
        self.policy_id = policy.id
        self.criteria = Criteria.from_dict(policy.criteria)
        self.rules = PolicyRules(self.criteria)
        self._text = policy_text(policy)
        self._relevance: Relevance | None = None
        # (industry, size, region, 规上, qualifications JSON) → (verdict, missing names, reasons without figures)
        self._judged: dict[tuple, tuple[str | None, list[str]]] = {}
        self._qualifications: dict[str | None, frozenset[str]] = {}
        self._reasons: dict[tuple, list[str]] = {}
        self._slots = self.rules.figure_slots()

    # --- verdicts --------------------------------------------------------------------------------

    def verdicts(self, enterprise_ids: Sequence[int] | None = None) -> dict[int, str]:
        """Verdict (eligible / need_more_info) per enterprise concerned, ascending ids; all, or among these."""
        stmt = select(Enterprise.id, *_KEY).where(*self._narrowing()).order_by(Enterprise.id)
        out: dict[int, str] = {}
        judge = self._judge
        for rows in self._rows(stmt, enterprise_ids):
            for row in rows:
                verdict = judge(row[1:])[0]
                if verdict is not None:
                    out[row[0]] = verdict
        return out

    def _judge(self, key: tuple) -> tuple[str | None, list[str]]:
        found = self._judged.get(key)
        if found is None:
            verdict, missing = self.rules.verdict(self._profile(0, key))
            found = self._judged[key] = (verdict, list(missing) if missing else _NOTHING)
        return found

    def _profile(self, enterprise_id: int, key: Sequence[Any], figures: Sequence[Any] = (None, None, None, "")
                 ) -> EnterpriseProfile:
        industry, size, region, above, qualifications = key
        employees, revenue, assets, scope = figures
        return EnterpriseProfile(id=enterprise_id, name="", industry_code=industry or "", size=size, region_code=region,
                                 qualifications=self._qualifications_of(qualifications), above_scale=above,
                                 business_scope=scope or "", employees=employees,
                                 revenue_wan=None if revenue is None else float(revenue),
                                 assets_wan=None if assets is None else float(assets))

    def _qualifications_of(self, stored: str | None) -> frozenset[str]:
        found = self._qualifications.get(stored)
        if found is None:
            found = self._qualifications[stored] = frozenset(json.loads(stored) if stored else ())
        return found

    def _narrowing(self) -> list[Any]:
        """SQL conditions every firm the policy concerns meets (a superset: the rules decide)."""
        criteria = self.criteria
        conditions: list[Any] = []
        if criteria.sizes:
            conditions.append(or_(Enterprise.size.in_(list(criteria.sizes)), Enterprise.size.is_(None),
                                  Enterprise.size.not_in(SIZES)))
        if criteria.above_scale_only:
            conditions.append(or_(Enterprise.above_scale.is_(None), Enterprise.above_scale.is_(True)))
        industries = _industry_narrowing(criteria.industries)
        if industries is not None:
            conditions.append(industries)
        return conditions

    def count(self, upto: int | None = None) -> int:
        """How many firms the policy concerns (with ids up to ``upto``): one GROUP BY, each combination judged once."""
        stmt = select(*_KEY, func.count()).where(*self._narrowing()).group_by(*_KEY)
        if upto is not None:
            stmt = stmt.where(Enterprise.id <= upto)
        return sum(n for *key, n in db.session.connection().execute(stmt) if self._judge(tuple(key))[0] is not None)

    def groups(self) -> list[tuple[tuple, int, str | None]]:
        """Every firm's combination of codes, how many firms share it, and the policy's verdict on it."""
        stmt = select(*_KEY, func.count()).group_by(*_KEY)
        return [(tuple(key), n, self._judge(tuple(key))[0]) for *key, n in db.session.connection().execute(stmt)]

    def ranked(self, verdicts: dict[int, str], limit: int) -> list[int]:
        """The ``limit`` best of these firms: eligible first, then by relevance, then by id."""
        if self._relevance is None:
            self._relevance = Relevance(self._text)
        score = self._relevance.score
        stmt = select(Enterprise.id, Enterprise.business_scope, Enterprise.industry_code).where(*self._narrowing())
        ranked = ((verdicts[e] != ELIGIBLE, -score(scope, code), e)
                  for rows in self._rows(stmt, None) for e, scope, code in rows if e in verdicts)
        return [e for *_, e in heapq.nsmallest(limit, ranked)]

    def chunk(self, after: int, size: int) -> Chunk:
        """The next ``size`` firms the policy concerns after id ``after``, with their details.

        The chunk covers the ids (after, upto]; ``upto`` is None for the last one (no firm after it).
        """
        verdicts: dict[int, str] = {}
        details: dict[int, Judgement] = {}
        stmt = select(Enterprise.id, *_KEY, *_FIGURES).where(*self._narrowing()).order_by(Enterprise.id)
        # Read a little more than needed: the narrowing lets through firms the rules then turn away.
        batch = max(size + size // 4, 64)
        last = after
        while True:
            rows = _read(stmt.where(Enterprise.id > last).limit(batch))
            for i, row in enumerate(rows):
                found = self._details_of(row)
                if found is None:
                    continue
                verdicts[row[0]], details[row[0]] = found
                if len(verdicts) == size:
                    # Full. It is the last one too when no firm concerned follows (no empty chunk after it).
                    more = any(self._judge(tuple(r[1:6]))[0] is not None for r in rows[i + 1:])
                    return Chunk(verdicts, details, None if not more and len(rows) < batch else row[0])
            if len(rows) < batch:
                return Chunk(verdicts, details, None)
            last = rows[-1][0]

    def _details_of(self, row: Sequence[Any]) -> tuple[str, Judgement] | None:
        """(verdict, details) of one row of id, _KEY and _FIGURES, or None when the policy does not concern it."""
        key = tuple(row[1:6])
        verdict, missing = self._judge(key)
        if verdict is None:
            return None
        if self._relevance is None:
            self._relevance = Relevance(self._text)
        base = self._reasons.get(key)
        if base is None:
            # The reasons that depend on the codes alone, once per combination; the figures per firm below.
            base = self._reasons[key] = list(self.rules.reasons(self._profile(0, key)))
        size_slot, above_slot = self._slots
        if size_slot is None and above_slot is None:
            reasons = base  # one shared list: a bulk insert encodes it once
        else:
            reasons = base.copy()
            employees, revenue, assets = row[6], row[7], row[8]
            if size_slot is not None:
                reasons[size_slot] = self.rules.size_reason(key[1], employees, revenue, assets)
            if above_slot is not None:
                reasons[above_slot] = self.rules.above_reason(key[3], revenue)
        return verdict, (round(self._relevance.score(row[9], row[1]), 6), reasons, missing)

    # --- details ---------------------------------------------------------------------------------

    def details(self, enterprise_ids: Sequence[int]) -> dict[int, Judgement]:
        """Score, reasons and missing fields of these enterprises (those the policy concerns)."""
        if not enterprise_ids:
            return {}
        stmt = select(Enterprise.id, *_KEY, *_FIGURES).order_by(Enterprise.id)
        out: dict[int, Judgement] = {}
        for rows in self._rows(stmt, enterprise_ids):
            for row in rows:
                found = self._details_of(row)
                if found is not None:
                    out[row[0]] = found[1]
        return out

    # --- reading ---------------------------------------------------------------------------------

    def _rows(self, stmt: Any, enterprise_ids: Sequence[int] | None) -> Iterable[Sequence[Any]]:
        """The statement's rows in batches, for every enterprise or only these (Core rows, no ORM objects)."""
        connection = db.session.connection()
        if enterprise_ids is None:
            yield from connection.execute(stmt.execution_options(yield_per=10_000)).partitions()
            return
        ids = sorted(set(enterprise_ids))
        if not dense(ids):
            for start in range(0, len(ids), _IN_LIST):
                yield connection.execute(stmt.where(Enterprise.id.in_(ids[start:start + _IN_LIST]))).all()
            return
        # A fan-out chunk is a stretch of ids: its range (no thousand-parameter IN list to compile), with
        # the firms in it not asked for left out.
        wanted = set(ids)
        rows = connection.execute(stmt.where(Enterprise.id.between(ids[0], ids[-1]))).all()
        yield [row for row in rows if row[0] in wanted]


def _read(stmt: Any) -> Sequence[Sequence[Any]]:
    """The statement's rows. On SQLite the DBAPI's own tuples (no SQLAlchemy row or type processing: a
    third of a fan-out chunk's read); 规上 then reads 0/1, which the rules take as False/True."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return connection.execute(stmt).all()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    return connection.connection.driver_connection.execute(sql).fetchall()


def dense(sorted_ids: Sequence[int]) -> bool:
    """Whether these ascending ids are better read as their range than as an IN list."""
    return len(sorted_ids) > 50 and sorted_ids[-1] - sorted_ids[0] < 4 * len(sorted_ids)


def _industry_narrowing(codes: Sequence[str]) -> Any | None:
    """Firms under one of these codes, coded more coarsely (32 where 3216 is wanted), or without a code.

    None when a code is a section letter or invalid: the rules alone decide then.
    """
    if not codes:
        return None
    taxonomy = default_taxonomy()
    wanted: list[str] = []
    coarser: set[str] = set()
    for raw in codes:
        try:
            code = taxonomy.normalize(raw)
        except InvalidIndustryCode:
            return None
        if not code.isdigit():
            return None
        wanted.append(code)
        coarser.update(code[:n] for n in range(2, len(code)))
        section = taxonomy.section_of(code)
        if section:
            coarser.add(section)
    conditions = [Enterprise.industry_code.like(f"{code}%") for code in wanted]
    if coarser:
        conditions.append(Enterprise.industry_code.in_(sorted(coarser)))
    return or_(*conditions, Enterprise.industry_code.is_(None), Enterprise.industry_code == "")
