"""Answers before asking: the published Q&A and the policy passages that already answer a question being typed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from matcher.answers import question_concepts, rank_answers
from matcher.textsearch import Document, snippet
from policyhub.extensions import db
from policyhub.models import AnswerVisit, Consultation, Policy
from policyhub.models.consultation import ANSWERED
from policyhub.models.policy import PUBLISHED
from policyhub.services.search import PolicyQuery, search_policies
from policyhub.timeutil import local_date

__all__ = ["MAX_SUGGESTION_QUERY", "Found", "PolicyAnswer", "PublishedAnswer", "answer_target", "answers_before_asking",
           "new_visit_token", "record_asked", "record_click", "valid_visit"]

# The start of a question says what it is about; jieba and the scoring stay fast on it.
MAX_SUGGESTION_QUERY = 200
# Published Q&A read per question, newest first, after the SQL filter on its words.
QA_CANDIDATES = 300
POLICY_CANDIDATES = 20
ANSWER_PREVIEW = 160


@dataclass(frozen=True)
class PublishedAnswer:
    """A question answered before and published on its policy's page (masked and reviewed by staff)."""

    consultation_id: int
    question: str
    answer: str
    policy_id: int
    policy_title: str
    department: str


@dataclass(frozen=True)
class PolicyAnswer:
    """A published policy whose text answers the question, with the passage that does (escaped HTML, <mark>s)."""

    policy_id: int
    title: str
    department: str
    passage: str


@dataclass(frozen=True)
class Found:
    qa: list[PublishedAnswer] = field(default_factory=list)
    policies: list[PolicyAnswer] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.qa or self.policies)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ANSWER_PREVIEW else text[:ANSWER_PREVIEW] + "…"


def _published_qa(now: datetime):
    """Published Q&A on policies still in force (as the policy page shows them)."""
    return select(Consultation).join(Policy, Consultation.policy_id == Policy.id).where(
        Consultation.published_as_qa.is_(True), Consultation.status == ANSWERED, Policy.status == PUBLISHED,
        or_(Policy.effective_to.is_(None), Policy.effective_to >= local_date(now)))


def answers_before_asking(question: str, now: datetime, *, limit: int = 3) -> Found:
    """Up to `limit` published Q&A and `limit` policy passages that cover enough of the question, best first."""
    concepts = question_concepts((question or "")[:MAX_SUGGESTION_QUERY])
    if not concepts:
        return Found()
    public_question = func.coalesce(Consultation.qa_question, Consultation.question)
    public_answer = func.coalesce(Consultation.qa_answer, Consultation.answer)
    words = [c.wording for c in concepts if len(c.wording) > 1] or [c.wording for c in concepts]
    stmt = _published_qa(now).where(or_(*[
        column.icontains(word, autoescape=True) for word in words for column in (public_question, public_answer)]))
    candidates = db.session.scalars(stmt.order_by(Consultation.answered_at.desc(), Consultation.id.desc())
                                    .limit(QA_CANDIDATES)).all()
    corpus = db.session.scalar(select(func.count()).select_from(_published_qa(now).subquery())) or 0
    documents = [Document(c.qa_question or c.question, c.qa_answer or c.answer or "") for c in candidates]
    qa = [PublishedAnswer(c.id, documents[r.index].title, _preview(documents[r.index].body), c.policy_id,
                          c.policy.title, c.department.name)
          for r in rank_answers(concepts, documents, corpus, limit=limit) for c in [candidates[r.index]]]

    page = search_policies(PolicyQuery(q=" ".join(c.wording for c in concepts if c.asked),
                                       per_page=POLICY_CANDIDATES), now)
    policy_documents = [Document(p.title, p.body) for p in page.items]
    policies = [PolicyAnswer(p.id, p.title, p.department.name, snippet(concepts, p.body, width=120))
                for r in rank_answers(concepts, policy_documents, max(page.total, len(page.items)), limit=limit)
                for p in [page.items[r.index]]]
    return Found(qa=qa, policies=policies)


# --- how often an offered answer ends the visit without a question ---------------------------------

_VISIT_TOKEN = re.compile(r"[A-Za-z0-9_-]{16}")
KINDS = ("qa", "policy")


def new_visit_token() -> str:
    """A random token for one showing of the form: it ties an opened answer to a question sent after it."""
    return secrets.token_urlsafe(12)


def valid_visit(token: str | None) -> str | None:
    """The token if it has the shape new_visit_token makes, else None."""
    return token if token and _VISIT_TOKEN.fullmatch(token) else None


def answer_target(kind: str, target_id: int, now: datetime) -> tuple[int, str | None] | None:
    """Where an offered answer lives: (policy id, anchor) of a published Q&A or policy still in force, else None."""
    if kind == "qa":
        consultation = db.session.scalar(_published_qa(now).where(Consultation.id == target_id))
        return (consultation.policy_id, f"qa-{consultation.id}") if consultation else None
    if kind == "policy":
        policy = db.session.scalar(select(Policy).where(
            Policy.id == target_id, Policy.status == PUBLISHED,
            or_(Policy.effective_to.is_(None), Policy.effective_to >= local_date(now))))
        return (policy.id, None) if policy else None
    return None


def record_click(token: str, kind: str, target_id: int, now: datetime) -> AnswerVisit:
    """The visit opened an offered answer: its row made at the first click, counted at the next ones."""
    visit = db.session.scalar(select(AnswerVisit).where(AnswerVisit.token == token))
    if visit is None:
        try:
            with db.session.begin_nested():
                visit = AnswerVisit(token=token, first_clicked_at=now, clicks=1, last_kind=kind,
                                    last_target_id=target_id)
                db.session.add(visit)
            return visit
        except IntegrityError:  # the same visit's other click won the insert
            visit = db.session.scalar(select(AnswerVisit).where(AnswerVisit.token == token))
    visit.clicks += 1
    visit.last_kind, visit.last_target_id = kind, target_id
    db.session.flush()
    return visit


def record_asked(token: str | None, now: datetime) -> bool:
    """The visit went on to ask its question: the offered answers did not end it. False when nothing was opened."""
    token = valid_visit(token)
    if token is None:
        return False
    return bool(db.session.execute(update(AnswerVisit).where(AnswerVisit.token == token, AnswerVisit.asked_at.is_(None))
                                   .values(asked_at=now)).rowcount)
