"""Matches: a published policy linked to an enterprise it concerns, ranked, with the reasons in words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from policyhub.models.base import Base, UTCDateTime, utcnow

__all__ = ["ELIGIBILITIES", "PolicyMatch"]

ELIGIBLE, NEED_MORE_INFO = "eligible", "need_more_info"
ELIGIBILITIES = (ELIGIBLE, NEED_MORE_INFO)


class PolicyMatch(Base):
    __tablename__ = "policy_match"
    __table_args__ = (
        UniqueConstraint("policy_id", "enterprise_id", name="uq_policy_match_policy_id_enterprise_id"),
        Index("ix_policy_match_policy_rank", "policy_id", "eligibility", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    eligibility: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The enterprise said the policy is not for it: no more pushes of it, counted per policy.
    not_relevant_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For daily-digest subscribers: when this match went out in a digest (or in the welcome).
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False once the firm no longer qualifies (or the policy was withdrawn or expired): kept for history,
    # its undelivered alerts cancelled; true again when it qualifies again.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the stored verdict last changed (eligibility, active): the match state's own clock.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
