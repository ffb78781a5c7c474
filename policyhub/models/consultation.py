"""Consultations (enterprise questions), the working-day calendar overrides, and loaded years."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from policyhub.models.base import Base, UTCDateTime, utcnow
from policyhub.models.department import Department
from policyhub.models.policy import Policy
from policyhub.models.user import User

if TYPE_CHECKING:
    from policyhub.models.enterprise import Enterprise

__all__ = ["CONSULTATION_STATUSES", "AnswerVisit", "CalendarOverride", "CalendarYear", "Consultation", "ConsultationFile",
           "ConsultationTurn"]

OPEN, AWAITING_SUPPLEMENT, ANSWERED = "open", "awaiting_supplement", "answered"
# Stored states; "at_risk" and "overdue" are open ones seen at a given time (notifier.sla.status).
CONSULTATION_STATUSES = (OPEN, AWAITING_SUPPLEMENT, ANSWERED)


class Consultation(Base):
    __tablename__ = "consultation"
    __table_args__ = (
        # Covering indexes for the dashboard: the backlog by (status, due_at) and the answers by date.
        Index("ix_consultation_status_due_at", "status", "due_at", "department_id"),
        Index("ix_consultation_department_status", "department_id", "status"),
        Index("ix_consultation_answered_at", "answered_at", "on_time", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    question: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(254))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("policy.id", ondelete="SET NULL"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(24), default=OPEN)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When the current 2-working-day clock started: the submission, or the latest supplement.
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    supplement_request: Mapped[str | None] = mapped_column(Text)
    supplement: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on_time: Mapped[bool | None]
    published_as_qa: Mapped[bool] = mapped_column(default=False)
    # The public Q&A text as staff reviewed it (names, phones and credit codes masked); None: not yet reviewed.
    qa_question: Mapped[str | None] = mapped_column(Text)
    qa_answer: Mapped[str | None] = mapped_column(Text)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The escalation ladder's last rung: the supervisors' office, one working day after the head.
    supervisor_escalation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 1 for the first 2-working-day clock; each supplement starts the next round.
    clock_round: Mapped[int] = mapped_column(default=1, server_default="1")
    # 好差评: 5 = 非常满意 … 1 = 非常不满意; a 1 or 2 opens a follow-up (回访整改) with its own clock.
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_note: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department] = relationship(lazy="joined")
    policy: Mapped[Policy | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship("Enterprise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    turns: Mapped[list[ConsultationTurn]] = relationship(order_by="ConsultationTurn.id", lazy="selectin",
                                                         viewonly=True)

    def __repr__(self) -> str:
        return f"<Consultation {self.tracking_code} {self.status}>"


RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
ENTERPRISE, STAFF = "enterprise", "staff"
SUPPLEMENT_REQUEST, SUPPLEMENT, ANSWER = "supplement_request", "supplement", "answer"


class ConsultationTurn(Base):
    """One turn of the back-and-forth after the question: a supplement request, the reply, the answer."""

    __tablename__ = "consultation_turn"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    clock_round: Mapped[int] = mapped_column(default=1)
    author: Mapped[str] = mapped_column(String(12))  # enterprise / staff
    kind: Mapped[str] = mapped_column(String(24))
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    files: Mapped[list[ConsultationFile]] = relationship(order_by="ConsultationFile.id", lazy="selectin")
    user: Mapped[User | None] = relationship()


class ConsultationFile(Base):
    """A file attached to a turn; its bytes live outside the web root under a random name."""

    __tablename__ = "consultation_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("consultation_turn.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))  # pdf / jpeg / png / docx / xlsx, read from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarOverride(Base):
    """An admin's correction of the working-day calendar for one date."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarYear(Base):
    """A year whose full State Council schedule has been loaded: no longer provisional."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(200), default="")


class AnswerVisit(Base):
    """A visit to the consultation form in which a suggested answer was opened (answers before asking).

    Written at the first click, so a visit that only looked leaves nothing; `asked_at` is set when the same
    visit then submits its question. Opened and never asked: the suggestion ended the visit.
    """

    __tablename__ = "answer_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # random, made when the form was shown
    first_clicked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    clicks: Mapped[int] = mapped_column(default=1)
    last_kind: Mapped[str] = mapped_column(String(8))  # qa / policy
    last_target_id: Mapped[int]
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
