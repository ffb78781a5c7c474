"""Policies, their versions, source files and the targets search filters on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from policyhub.models.base import Base, UTCDateTime, utcnow
from policyhub.models.department import Department
from policyhub.models.user import User

__all__ = ["POLICY_STATUSES", "STATUS_LABELS", "Policy", "PolicyFile", "PolicyTarget", "PolicyVersion"]

DRAFT, PUBLISHED, WITHDRAWN, EXPIRED = "draft", "published", "withdrawn", "expired"
POLICY_STATUSES = (DRAFT, PUBLISHED, WITHDRAWN, EXPIRED)
STATUS_LABELS = {DRAFT: "草稿", PUBLISHED: "已发布", WITHDRAWN: "已撤回", EXPIRED: "已失效"}
SUBMITTED, RETURNED = "submitted", "returned"
REVIEW_LABELS = {SUBMITTED: "待审核", RETURNED: "已退回修改"}


class Policy(Base):
    __tablename__ = "policy"
    __table_args__ = (
        # NULL doc numbers are distinct on both SQLite and PostgreSQL: only given ones must be unique.
        UniqueConstraint("department_id", "doc_number", name="uq_policy_department_doc_number"),
        Index("ix_policy_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    # The facts a firm looks for first: the 申报 window, the largest support, whom to ask.
    apply_from: Mapped[date | None] = mapped_column(Date)
    apply_until: Mapped[date | None] = mapped_column(Date)
    max_support_wan: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    contact: Mapped[str | None] = mapped_column(String(300))
    # What the engine read from the text ({"read": {field: value}, "evidence": [...], "filled": [fields]}).
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    # jieba-segmented text, space-separated: what the full-text index reads.
    title_tokens: Mapped[str] = deferred(mapped_column(Text, default=""))
    body_tokens: Mapped[str] = deferred(mapped_column(Text, default=""))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two keys where the department asks for them: None, "submitted" (awaiting a reviewer) or "returned".
    review_state: Mapped[str | None] = mapped_column(String(16))
    review_version: Mapped[int | None] = mapped_column()  # the version the editor submitted
    review_comment: Mapped[str | None] = mapped_column(String(500))

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[PolicyVersion]] = relationship(
        back_populates="policy", order_by="PolicyVersion.version", cascade="all, delete-orphan"
    )
    files: Mapped[list[PolicyFile]] = relationship(
        back_populates="policy", order_by="PolicyFile.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        if self.status == DRAFT and self.review_state in REVIEW_LABELS:
            return REVIEW_LABELS[self.review_state]
        return STATUS_LABELS.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Policy {self.id} {self.status} {self.title[:20]}>"


class PolicyVersion(Base):
    """A snapshot of a policy as saved: every edit makes one, with who and when."""

    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("policy_id", "version", name="uq_policy_version_policy_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = deferred(mapped_column(Text))
    doc_number: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    apply_from: Mapped[date | None] = mapped_column(Date)
    apply_until: Mapped[date | None] = mapped_column(Date)
    max_support_wan: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False))
    contact: Mapped[str | None] = mapped_column(String(300))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    policy: Mapped[Policy] = relationship(back_populates="versions")
    edited_by: Mapped[User | None] = relationship()


class PolicyFile(Base):
    """The uploaded source file, kept as received."""

    __tablename__ = "policy_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    policy: Mapped[Policy] = relationship(back_populates="files")


class PolicyTarget(Base):
    """One target value of a policy's criteria (an industry code, a size …), for filtering in SQL."""

    __tablename__ = "policy_target"
    __table_args__ = (Index("ix_policy_target_kind_value", "kind", "value"),)

    policy_id: Mapped[int] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
