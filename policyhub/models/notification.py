"""The outbox: one row per message to deliver, written in the transaction that decided to send it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from policyhub.models.base import Base, UTCDateTime, utcnow

__all__ = ["NOTIFICATION_KINDS", "NOTIFICATION_STATUSES", "ChannelCircuit", "Notification", "SchedulerLease"]

PENDING, SENDING, SENT, FAILED, DEAD, CANCELLED = "pending", "sending", "sent", "failed", "dead", "cancelled"
NOTIFICATION_STATUSES = (PENDING, SENDING, SENT, FAILED, DEAD, CANCELLED)
NOTIFICATION_KINDS = ("policy_match", "welcome", "digest", "consultation_received", "consultation_answer",
                      "sla_reminder", "sla_escalation")


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        # At most one message per (policy, enterprise, channel); NULLs (non-policy messages) never collide.
        UniqueConstraint("policy_id", "enterprise_id", "channel", name="uq_notification_policy_enterprise_channel"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    # The provider deduplicates on this key, so a retry after a crash cannot send twice.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerLease(Base):
    """Who runs the scheduled jobs: one process at a time holds it, renewing before it expires."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelCircuit(Base):
    """A channel found down: every dispatch worker pauses it until ``open_until``, then one probe tries it."""

    __tablename__ = "channel_circuit"

    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    # Consecutive channel-wide failures; the pause doubles with each, up to a cap.
    failures: Mapped[int] = mapped_column(default=0)
    # None: closed (the channel works). In the future: open. Past: the next worker to claim probes it.
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
