"""The per-process match index: built once from every enterprise profile, kept current incrementally.

Before each use it takes in the profiles changed since it last looked (Enterprise.updated_at), so
several web processes never need to tell each other anything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from matcher.criteria import EnterpriseProfile
from policyhub.extensions import db
from policyhub.models import Enterprise, utcnow

__all__ = ["PROFILE_COLUMNS", "current_index", "forget", "profile", "reset_index"]

# Rows committed a little after others can carry an older updated_at; look back this far each time.
_LOOK_BACK = timedelta(seconds=30)


@dataclass
class _Cached:
    index: Any  # matcher.engine.MatchIndex (imported on first use: scikit-learn is slow to load)
    synced_at: datetime | None
    # Profiles taken in within the look-back window, and the version taken, so none is applied twice.
    applied: dict[int, datetime] = field(default_factory=dict)

    def take(self, enterprises: Iterable[Any]) -> None:
        for enterprise in enterprises:
            if self.applied.get(enterprise.id) == enterprise.updated_at:
                continue
            plain = profile(enterprise)
            if plain.id in self.index.row_of_:
                self.index.update(plain)
            else:
                self.index.add(plain)
            self.applied[enterprise.id] = enterprise.updated_at
            if self.synced_at is None or enterprise.updated_at > self.synced_at:
                self.synced_at = enterprise.updated_at
        if self.synced_at is not None:
            horizon = self.synced_at - _LOOK_BACK
            self.applied = {k: v for k, v in self.applied.items() if v >= horizon}


_indexes: dict[str, _Cached] = {}
_lock = threading.Lock()


PROFILE_COLUMNS = (Enterprise.id, Enterprise.name, Enterprise.industry_code, Enterprise.size,
                    Enterprise.region_code, Enterprise.qualifications, Enterprise.above_scale,
                    Enterprise.business_scope, Enterprise.employees, Enterprise.revenue_wan, Enterprise.assets_wan,
                    Enterprise.updated_at)


def profile(e: Any) -> EnterpriseProfile:
    """The matcher's plain profile of an Enterprise, or of a row of PROFILE_COLUMNS."""
    return EnterpriseProfile(
        id=e.id, name=e.name, industry_code=e.industry_code, size=e.size, region_code=e.region_code,
        qualifications=frozenset(e.qualifications or ()), above_scale=e.above_scale,
        business_scope=e.business_scope or "", employees=e.employees, revenue_wan=e.revenue_wan,
        assets_wan=e.assets_wan,
    )


def reset_index() -> None:
    """Forget every cached index (tests; after a bulk change made outside the app)."""
    with _lock:
        _indexes.clear()


def current_index() -> Any:
    """This process's index (a matcher.engine.MatchIndex) for this database, up to date with changed profiles."""
    from matcher.engine import MatchIndex

    key = str(db.engine.url)
    with _lock:
        cached = _indexes.get(key)
        if cached is None:
            # Plain column rows, not ORM objects: a million profiles load in seconds, not minutes.
            enterprises = db.session.execute(select(*PROFILE_COLUMNS)).all()
            index = MatchIndex().fit([profile(e) for e in enterprises])
            synced = max((e.updated_at for e in enterprises), default=None)
            cached = _Cached(index, synced, {e.id: e.updated_at for e in enterprises
                                             if synced is not None and e.updated_at >= synced - _LOOK_BACK})
            _indexes[key] = cached
            return index
        stmt = select(*PROFILE_COLUMNS).order_by(Enterprise.updated_at)
        if cached.synced_at is not None:
            # Look back only while late commits are still possible; after that, strictly newer rows.
            if utcnow() - cached.synced_at < _LOOK_BACK:
                stmt = stmt.where(Enterprise.updated_at >= cached.synced_at - _LOOK_BACK)
            else:
                stmt = stmt.where(Enterprise.updated_at > cached.synced_at)
        cached.take(db.session.execute(stmt))
        _drop_deleted(cached)
        return cached.index


def _drop_deleted(cached: _Cached) -> None:
    """Profiles deleted (by any process) leave the index: one COUNT tells whether there are any."""
    stored = db.session.scalar(select(func.count(Enterprise.id)))
    if len(cached.index) <= stored:
        return
    present = set(db.session.scalars(select(Enterprise.id)))
    for enterprise_id in [i for i in cached.index.row_of_ if i not in present]:
        cached.index.remove(enterprise_id)
        cached.applied.pop(enterprise_id, None)


def forget(enterprise_id: int) -> None:
    """Drop a deleted profile from this process's index now."""
    with _lock:
        cached = _indexes.get(str(db.engine.url))
        if cached is not None and enterprise_id in cached.index.row_of_:
            cached.index.remove(enterprise_id)
            cached.applied.pop(enterprise_id, None)
