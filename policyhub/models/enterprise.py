"""Enterprise profiles and their delivery subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from policyhub.models.base import Base, UTCDateTime, utcnow

__all__ = ["CHANNELS", "FREQUENCIES", "SIZE_SOURCES", "Enterprise", "Subscription"]

CHANNELS = ("sms", "email")
FREQUENCIES = ("instant", "daily", "weekly")
SIZE_SOURCES = ("derived", "declared", "unknown")

# Money in 万元 with two decimals; floats in Python, exact decimals in the database.
Money = Numeric(16, 2, asdecimal=False)


class Enterprise(Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry_code: Mapped[str] = mapped_column(String(8), index=True)
    employees: Mapped[int | None]
    revenue_wan: Mapped[float | None] = mapped_column(Money)
    assets_wan: Mapped[float | None] = mapped_column(Money)
    # The size used for matching: derived from the figures by the 2017 standard, else as declared.
    size: Mapped[str | None] = mapped_column(String(8), index=True)
    size_source: Mapped[str] = mapped_column(String(8), default="unknown")
    declared_size: Mapped[str | None] = mapped_column(String(8))
    size_row: Mapped[str | None] = mapped_column(String(32))
    # Set when a declared size contradicts the figures: staff should look.
    size_flag: Mapped[str | None] = mapped_column(String(300))
    above_scale: Mapped[bool | None]
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    business_scope: Mapped[str] = mapped_column(Text, default="")
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    mobile: Mapped[str | None] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(32), default="staff")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="enterprise", order_by="Subscription.channel", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def channels(self) -> list[str]:
        return [s.channel for s in self.subscriptions if s.active]

    def as_profile(self) -> dict[str, Any]:
        return {"id": self.id, "industry_code": self.industry_code, "size": self.size,
                "region_code": self.region_code, "qualifications": list(self.qualifications or []),
                "above_scale": self.above_scale}

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code} {self.name}>"


class Subscription(Base):
    """One delivery channel an enterprise agreed to, with when and how it agreed."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("enterprise_id", "channel", name="uq_subscription_enterprise_id_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    frequency: Mapped[str] = mapped_column(String(8), default="instant")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_source: Mapped[str] = mapped_column(String(32), default="staff")
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enterprise: Mapped[Enterprise] = relationship(back_populates="subscriptions")
