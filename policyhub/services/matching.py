"""Where profile and policy changes meet the matching engine.

Until the engine is wired in (the matching issue), these hooks record nothing and return zero;
callers already call them at the right moments, inside their transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["profiles_changed"]


def profiles_changed(enterprise_ids: Iterable[int]) -> int:
    """Re-match these enterprises against the active published policies; returns new matches queued."""
    return 0
