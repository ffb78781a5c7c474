"""What the API answers: one pydantic model per response body, from which the OpenAPI document's schemas are made.

The views build their JSON themselves; these models describe it (the schemathesis run checks every answer against
them). A field some answers leave out is optional and has no default in the document; null only where the type says.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policyhub.models.enterprise import CHANNELS, FREQUENCIES
from policyhub.models.notification import NOTIFICATION_STATUSES
from policyhub.models.policy import POLICY_STATUSES
from policyhub.services.criteria import SIZES

__all__ = [
    "AnswerDone", "CodeSent", "Consultation", "ConsultationPage", "ConsultationThread", "DayOverridden", "Deadline",
    "Department", "DepartmentPage", "Eligibility", "Enterprise", "EnterpriseDeleted", "EnterprisePage", "Error",
    "Fanout", "FollowState", "ImportReport", "MatchPage", "MyPolicyPage", "NearMissPage", "NotificationPage",
    "OpenAPIDocument", "Policy", "PolicyPublishing", "PolicySearchPage", "PolicyVersionPage", "Preferences",
    "RatingDone", "Reply", "SessionOpened", "SizeClass", "SlaSummary", "SuggestedAnswers", "SupplementDone",
]

Size = Literal[SIZES]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]


def _no_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


def optional(description: str | None = None) -> Any:
    """A field some answers leave out."""
    return Field(default=None, description=description)


class Reply(BaseModel):
    """The base of every response model: optional fields show no default."""

    model_config = ConfigDict(json_schema_extra=_no_defaults)


class ErrorDetail(Reply):
    code: str
    message: str
    fields: dict[str, str] = Field(description="字段名（嵌套字段以 . 连接）→ 原因")


class Error(Reply):
    error: ErrorDetail


class Page(Reply):
    total: int = Field(ge=0)
    page: int = optional()
    per_page: int = optional()


class OpenAPIDocument(Reply):
    openapi: str


class DepartmentRef(Reply):
    code: str = optional()
    name: str = optional()


class Department(Reply):
    id: int
    code: str
    name: str
    email: str | None = optional()
    phone: str | None = optional()


class DepartmentPage(Page):
    items: list[Department]


# --- policies -------------------------------------------------------------------------------------------

class EvidenceItem(Reply):
    field: str = optional()
    value: str = optional()
    sentence: str = optional()


class Criteria(Reply):
    industries: list[str] = optional()
    excluded_industries: list[str] = optional()
    sizes: list[Size] = optional()
    regions: list[str] = optional()
    qualifications: list[str] = optional()
    above_scale_only: bool = optional()
    evidence: list[EvidenceItem] = optional()


class Facts(Reply):
    filled_from_text: list[str] = optional()
    read: dict[str, Any] = optional()
    evidence: list[Any] = optional()


class Policy(Reply):
    id: int
    title: str
    doc_number: str | None = optional()
    department: DepartmentRef = optional()
    status: Literal[POLICY_STATUSES]  # type: ignore[valid-type]
    version: int = optional()
    issued_on: date | None = optional()
    effective_from: date | None = optional()
    effective_to: date | None = optional()
    apply_from: date | None = optional()
    apply_until: date | None = optional()
    max_support_wan: float | None = optional("最高支持金额（万元）")
    contact: str | None = optional()
    facts: Facts = optional("留空字段从正文读取：filled_from_text 列出读取的字段，evidence 给出原句")
    published_at: str | None = optional()
    updated_at: str = optional()
    criteria: Criteria
    body: str = optional()
    files: list[dict[str, Any]] = optional()
    apply_open: bool = optional("检索结果中：今天在申报期内（政策写明申报起止且今天在其间）")
    snippet: str | None = optional("检索结果中：正文最相关处的摘录，已做 HTML 转义，检索词以 <mark> 标出；无检索词时为 null")


class PolicySearchPage(Page):
    items: list[Policy]
    suggestions: list[str] = optional("没有找到时：同样筛选条件下能找到政策的其他检索词；否则为空")


class Fanout(Reply):
    state: Literal["none", "queued", "running", "done", "cancelled", "failed"]
    total: int | None = optional()
    processed: int = optional()
    matched: int
    notifications_queued: int


class PolicyPublishing(Reply):
    status: Literal["published"]
    fanout: Fanout


class PolicyVersionPage(Page):
    items: list[dict[str, Any]]


class Match(Reply):
    score: float = optional()
    eligibility: str = optional()
    reasons: Any = optional()
    missing: Any = optional()
    not_relevant: bool = optional()
    matched_at: str = optional()


class MatchPage(Page):
    items: list[Match]


# --- enterprises ----------------------------------------------------------------------------------------

class Enterprise(Reply):
    id: int
    credit_code: str
    name: str
    industry_code: str
    size: Size | None = optional()
    size_source: Literal["derived", "declared", "unknown"] = optional()
    mobile: str | None = optional()
    email: str | None = optional()
    channels: list[str] = optional()
    warnings: list[str] = optional()


class EnterprisePage(Page):
    items: list[Enterprise]


class EnterpriseDeleted(Reply):
    deleted: int
    notifications_cancelled: int


class ImportReport(Reply):
    created: int
    updated: int
    errors: list[dict[str, Any]]


class SizeClass(Reply):
    size: Any
    indicators: Any


# --- consultations --------------------------------------------------------------------------------------

class ConsultationFile(Reply):
    id: int
    filename: str
    kind: Literal["pdf", "jpeg", "png", "docx", "xlsx"]
    size: int


class Turn(Reply):
    id: int
    clock_round: int = optional()
    author: Literal["enterprise", "staff"]
    kind: Literal["supplement_request", "supplement", "answer"]
    body: str
    created_at: str = optional()
    files: list[ConsultationFile]


class Consultation(Reply):
    id: int
    tracking_code: str
    submitted_at: str = optional()
    due_at: str
    due_provisional: bool = optional()
    status: str
    department: DepartmentRef = optional()
    mobile: str | None = optional("列表中脱敏；详情中仅答复人员可见全文")
    email: str | None = optional("同上")
    clock_round: int = optional("详情中：第几轮计时（每次补充材料后开始新一轮）")
    turns: list[Turn] = optional("详情中：往来记录（补充要求、企业补充、答复），附件列表")


class ConsultationPage(Page):
    items: list[Consultation]


class AnswerDone(Reply):
    status: Literal["answered"]
    answered_at: str = optional()
    on_time: bool = optional()
    files: list[ConsultationFile] = optional()


class ThreadTurn(Reply):
    kind: str
    body: str
    files: list[dict[str, Any]]


class ConsultationThread(Reply):
    tracking_code: str
    status: str
    due_at: str
    question: str = optional()
    answer: str | None = optional()
    clock_round: int = optional()
    policy: dict[str, Any] | None = optional()
    turns: list[ThreadTurn]


class RatingDone(Reply):
    tracking_code: str
    score: int
    rated_at: str
    followup_due_at: str | None


class SupplementDone(Reply):
    tracking_code: str
    status: Literal["open"]
    clock_round: int
    due_at: str
    due_provisional: bool = optional()
    files: list[ConsultationFile]


class QaPolicy(Reply):
    id: int = optional()
    title: str = optional()


class QaAnswer(Reply):
    id: int
    question: str
    answer: str
    department: str = optional()
    url: str
    policy: QaPolicy = optional()


class PolicyPassage(Reply):
    id: int
    title: str
    department: str = optional()
    passage: str = Field(description="回答该问题的原文段落：已做 HTML 转义，问题中的词以 <mark> 标出")
    url: str


class SuggestedAnswers(Reply):
    qa: list[QaAnswer]
    policies: list[PolicyPassage]


class Deadline(Reply):
    due_at: str
    provisional: bool


class DayOverridden(Reply):
    date: str
    workday: bool
    note: str
    open_deadlines_recomputed: int
    open_deadlines_changed: int


class AnswersBeforeAsking(Reply):
    visits_opened_answer: int = optional()
    ended_without_question: int = optional()


class SlaSummary(Reply):
    open: Any
    overdue: Any
    departments: Any
    answers_before_asking: AnswersBeforeAsking = optional(
        "区间内打开表单上已有解答的访问次数，及其中未再提问（已有解答解决）的次数")


# --- the enterprise's own door --------------------------------------------------------------------------

class CodeSent(Reply):
    status: Literal["sent"] = optional()
    message: str = optional()


class SessionOpened(Reply):
    token: str
    enterprise: dict[str, Any] = optional()
    expires_in: int = optional()


class PolicyRef(Reply):
    id: int
    title: str


class MyPolicy(Reply):
    policy: PolicyRef
    reasons: list[Any]
    score: float
    apply_until: date | None
    is_new: bool
    followed: bool = optional()


class MyPolicyPage(Page):
    items: list[MyPolicy]


class NearMiss(Reply):
    policy: PolicyRef
    missing: list[str] = Field(description="所缺条件（中文）")


class NearMissPage(Page):
    items: list[NearMiss]


class FollowState(Reply):
    policy_id: int
    followed: bool
    created: bool = optional()
    removed: bool = optional()


class Preferences(Reply):
    channels: list[Channel]
    frequency: Literal[FREQUENCIES]  # type: ignore[valid-type]


class Eligibility(Reply):
    size: Any
    above_scale: Any
    eligible: Any
    near_misses: Any


class Notification(Reply):
    id: int
    kind: str = optional()
    channel: Channel = optional()
    recipient: str = optional("脱敏")
    status: Literal[NOTIFICATION_STATUSES]  # type: ignore[valid-type]
    attempts: int
    last_error: str | None = optional()


class NotificationPage(Page):
    items: list[Notification]
