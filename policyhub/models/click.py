"""Clicks: a firm following the link in a pushed message, counted per policy, firm and channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from policyhub.models.base import Base, UTCDateTime

__all__ = ["PolicyClick"]


class PolicyClick(Base):
    """How often one firm opened one policy's link from one channel's messages, first and last time."""

    __tablename__ = "policy_click"
    __table_args__ = (
        UniqueConstraint("policy_id", "enterprise_id", "channel", name="uq_policy_click_policy_enterprise_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    clicks: Mapped[int] = mapped_column(default=1)
    first_clicked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_clicked_at: Mapped[datetime] = mapped_column(UTCDateTime)
