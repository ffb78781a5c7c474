"""Staff users: a role, a department, a password for pages and a hashed API token."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from policyhub.models.base import Base, UTCDateTime, utcnow
from policyhub.models.department import Department

__all__ = ["ROLES", "ROLE_LABELS", "User"]

ROLES = ("admin", "editor", "reviewer", "answerer", "supervisor")
ROLE_LABELS = {"admin": "管理员", "editor": "政策编辑", "reviewer": "政策审核人", "answerer": "咨询答复人",
               "supervisor": "督办人员"}


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # Where reminders and escalations reach this person.
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(11))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of a 256-bit random token: high entropy makes a slow hash unnecessary.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
