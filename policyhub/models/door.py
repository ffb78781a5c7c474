"""The enterprise's own door: sign-in codes, sessions, and the policies it follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from policyhub.models.base import Base, UTCDateTime, utcnow

__all__ = ["EnterpriseSession", "PolicyFollow", "SignInCode"]


class SignInCode(Base):
    """One code (SMS) or one-time link (email) sent to a registered contact; only its HMAC is kept."""

    __tablename__ = "sign_in_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EnterpriseSession(Base):
    """A signed-in enterprise: the bearer token of the API and of the page cookie (kept as a SHA-256)."""

    __tablename__ = "enterprise_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    identity: Mapped[str] = mapped_column(String(16), default="code")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PolicyFollow(Base):
    """An enterprise follows a policy: deadline and change reminders."""

    __tablename__ = "policy_follow"
    __table_args__ = (UniqueConstraint("enterprise_id", "policy_id", name="uq_policy_follow_enterprise_id_policy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
