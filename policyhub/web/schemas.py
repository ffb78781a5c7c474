"""What a request may carry, one pydantic model per input: the API parses JSON with them, the pages their forms.

The models refuse what the database cannot hold (types, lengths, integer and year ranges); the services keep
the rules of the domain (a valid mobile, a published policy) and their messages.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from policyhub.inputs import MAX_DB_INT
from policyhub.services import consultations as consultation_service
from policyhub.services import policies as policy_service
from policyhub.web.api.validation import Day

__all__ = [
    "AnswerIn", "ConsultationIn", "DepartmentContactsIn", "DepartmentIn", "FollowupIn", "LoginIn", "LookupIn",
    "OverrideIn", "PasswordIn", "PolicyIn", "PublishQaIn", "RatingIn", "ReassignIn", "ReturnIn", "RoleIn",
    "SupplementIn", "SupplementRequestIn", "UserIn", "WithdrawIn",
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PolicyIn(BaseModel):
    model_config = _STRICT

    title: str | None = Field(default=None, max_length=policy_service.MAX_TITLE)
    body: str | None = Field(default=None, max_length=policy_service.MAX_BODY)
    doc_number: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=32)
    issued_on: Day | None = None
    effective_from: Day | None = None
    effective_to: Day | None = None
    apply_from: Day | None = None
    apply_until: Day | None = None
    max_support_wan: float | None = Field(default=None, ge=0, le=policy_service.MAX_SUPPORT_WAN, allow_inf_nan=False)
    contact: str | None = Field(default=None, max_length=300)
    criteria: dict[str, Any] | None = None


class WithdrawIn(BaseModel):
    model_config = _STRICT

    reason: str = Field(default="", max_length=500)


class ReturnIn(BaseModel):
    """An approver sends a submitted policy back to its editor (the page's 退回)."""

    model_config = _STRICT

    comment: str = Field(default="", max_length=500)


class ConsultationIn(BaseModel):
    """A question from anyone; whether the contacts are valid and the policy published is the service's to say."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=consultation_service.MAX_QUESTION)
    contact_name: str = Field(max_length=50)
    mobile: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    credit_code: str | None = Field(default=None, max_length=40)
    policy_id: int | None = Field(default=None, ge=1, le=MAX_DB_INT)


class LookupIn(BaseModel):
    model_config = _STRICT

    tracking_code: str = Field(max_length=16)
    contact: str = Field(max_length=254)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(max_length=consultation_service.MAX_ANSWER)


def _one_to_five(score: int) -> int:
    if not 1 <= score <= 5:
        raise ValueError("应为 1 到 5 的整数（5 非常满意 … 1 非常不满意）")
    return score


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: Annotated[int, AfterValidator(_one_to_five)] = Field(strict=True, json_schema_extra={"minimum": 1, "maximum": 5})
    comment: str | None = Field(default=None, max_length=500)
    # Either the signed link's token (the `r` of the rating link) or the contact given when asking.
    token: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=254)


class SupplementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    supplement: str = Field(max_length=consultation_service.MAX_QUESTION)
    # Either the status link's token (its `t`) or the contact given when asking.
    token: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=254)


class SupplementRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: str = Field(max_length=1000)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str = Field(max_length=32)
    reason: str = Field(max_length=500)


class FollowupIn(BaseModel):
    """回访整改: what the department did about a 差评."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class PublishQaIn(BaseModel):
    """Show an answered consultation as public Q&A (or stop), with the wording shown to the public."""

    model_config = ConfigDict(extra="forbid")
    # The state wanted, so a double submission does not flip it back; None: the other one.
    published: bool | None = None
    qa_question: str | None = Field(default=None, max_length=consultation_service.MAX_QUESTION)
    qa_answer: str | None = Field(default=None, max_length=consultation_service.MAX_ANSWER)


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    workday: bool
    note: str = Field(default="", max_length=200)


class DepartmentIn(BaseModel):
    model_config = _STRICT

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=128)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class DepartmentContactsIn(BaseModel):
    """A department's name, supervision contacts and whether its policies need approval (the admin page)."""

    model_config = _STRICT

    name: str = Field(default="", max_length=128)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    approval_required: bool = False


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class UserIn(BaseModel):
    """A new staff account."""

    model_config = _STRICT

    username: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=64)
    role: str = Field(default="", max_length=32)
    department: str | None = Field(default=None, max_length=32)
    password: str | None = Field(default=None, max_length=256)
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=32)


class RoleIn(BaseModel):
    model_config = _STRICT

    role: str = Field(max_length=32)
    department: str | None = Field(default=None, max_length=32)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(default="", max_length=256)
