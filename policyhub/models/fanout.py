"""Fan-out jobs: a published (or edited) policy's reconcile, run off the request path in committed chunks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from policyhub.models.base import Base, UTCDateTime, utcnow

__all__ = ["FANOUT_STATES", "FanoutJob"]

QUEUED, RUNNING, DONE, CANCELLED, FAILED = "queued", "running", "done", "cancelled", "failed"
FANOUT_STATES = (QUEUED, RUNNING, DONE, CANCELLED, FAILED)


class FanoutJob(Base):
    __tablename__ = "fanout_job"
    __table_args__ = (Index("ix_fanout_job_state", "state", "leased_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    policy_version: Mapped[int] = mapped_column(Integer)
    # publish, republish or edit: what asked for it (the audit trail names the actor)
    trigger: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    # Enterprises the policy's eligible set holds (set when a run starts) and how many are reconciled so far.
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    notifications_queued: Mapped[int] = mapped_column(Integer, default=0)
    notifications_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    # Every enterprise id up to this one is reconciled (committed with the chunk that did it): a resume starts after it.
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
