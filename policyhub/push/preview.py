"""Who a policy would reach if published now: read from the committed profiles, writing nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import func, select

from matcher.criteria import SIZES
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, Subscription
from policyhub.models.match import ELIGIBLE
from policyhub.push.eligibility import PolicyEligibility

__all__ = ["Preview", "SampleFirm", "preview_policy"]

IN_LIST_LIMIT = 1000  # up to this many firms, the subscribed count is one SQL query with an IN list


@dataclass(frozen=True)
class SampleFirm:
    """One firm the policy would reach, with the engine's reasons."""

    enterprise_id: int
    name: str
    eligible: bool
    reasons: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Preview:
    """The reach of a policy as of ``computed_at`` (nothing stored)."""

    computed_at: datetime
    eligible: int  # firms that would be told: the number the editor confirms
    need_more_info: int  # firms that may qualify but lack a field the criteria need
    subscribed: int  # of the eligible, firms with an instant channel (who get a message at once)
    by_county: dict[str, int] = field(default_factory=dict)  # region code ("" = not given) → eligible firms
    by_size: dict[str, int] = field(default_factory=dict)
    by_section: dict[str, int] = field(default_factory=dict)
    sample: list[SampleFirm] = field(default_factory=list)
    indexed: int = 0
    indexed_missing_data: int = 0

    @property
    def missing_data_share(self) -> float:
        """Share of all known firms lacking an industry, a size or a county (they can be missed)."""
        return self.indexed_missing_data / self.indexed if self.indexed else 0.0


def preview_policy(policy: Policy, *, now: datetime, sample_size: int = 10) -> Preview:
    """The firms this policy's criteria select now, by county, size and industry, and a ranked sample."""
    eligibility = PolicyEligibility(policy)
    by_county: Counter[str] = Counter()
    by_size: Counter[str] = Counter()
    by_section: Counter[str] = Counter()
    indexed = lacking = 0
    for key, count, verdict in eligibility.groups():
        industry, section, region = eligibility.rules.indexed_codes(key[0], key[2])
        size = key[1] if key[1] in SIZES else ""
        county = region if region and not region.endswith("00") else ""
        indexed += count
        if not industry or not size or not county:
            lacking += count
        if verdict == ELIGIBLE:
            by_county[county] += count
            by_size[size] += count
            by_section[section] += count
    verdicts = eligibility.verdicts()
    eligible_ids = np.fromiter((e for e, v in verdicts.items() if v == ELIGIBLE), dtype=np.int64)
    picked = eligibility.ranked(verdicts, sample_size)
    details = eligibility.details(picked)
    names = dict(db.session.execute(select(Enterprise.id, Enterprise.name).where(
        Enterprise.id.in_(picked))).all()) if picked else {}
    sample = [SampleFirm(enterprise_id=e, name=names.get(e, ""), eligible=verdicts[e] == ELIGIBLE,
                         reasons=list(details[e][1]), missing=list(details[e][2])) for e in picked]
    return Preview(
        computed_at=now,
        eligible=int(eligible_ids.shape[0]),
        need_more_info=len(verdicts) - int(eligible_ids.shape[0]),
        subscribed=_subscribed(eligible_ids),
        by_county=dict(by_county), by_size=dict(by_size), by_section=dict(by_section),
        sample=sample, indexed=indexed, indexed_missing_data=lacking,
    )


def _subscribed(enterprise_ids: np.ndarray) -> int:
    """How many of these firms have an active instant subscription."""
    if enterprise_ids.shape[0] == 0:
        return 0
    stmt = select(Subscription.enterprise_id).where(
        Subscription.active.is_(True), Subscription.frequency == "instant").distinct()
    if enterprise_ids.shape[0] <= IN_LIST_LIMIT:
        wanted = [int(e) for e in enterprise_ids]
        return db.session.scalar(select(func.count()).select_from(
            stmt.where(Subscription.enterprise_id.in_(wanted)).subquery())) or 0
    # A large reach: the subscribed ids once over a Core connection (no ORM rows), matched in numpy.
    subscribed = np.fromiter((row[0] for row in db.session.connection().execute(stmt)), dtype=np.int64)
    return int(np.count_nonzero(np.isin(enterprise_ids, subscribed)))
