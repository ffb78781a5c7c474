"""What a request may carry, one pydantic model per input: the API parses JSON with them, the pages their forms.

The models refuse what the database cannot hold (types, lengths, integer and year ranges); the services keep
the rules of the domain (a valid mobile, a published policy) and their messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from werkzeug.datastructures import FileStorage

from policyhub.inputs import MAX_DB_INT, MAX_YEAR, MIN_YEAR, InputError, bad_json_text, loads_json
from policyhub.models.enterprise import CHANNELS, FREQUENCIES
from policyhub.services import consultation_files
from policyhub.services import consultations as consultation_service
from policyhub.services import policies as policy_service
from policyhub.services.enterprise_input import EnterpriseIn, EnterprisePatch, kept_when_absent

__all__ = [
    "ActiveIn", "AnswerForm", "AnswerIn", "CodeRequestIn", "Day", "ConsultationIn", "CriteriaIn", "DayOverrideIn", "DayToggleIn", "FeedbackIn",
    "CalculatorIn", "EnterpriseIn", "EnterpriseImportForm", "EnterprisePatch", "FilePart", "PageActionIn", "PreferencesIn", "ProfileIn", "PublishIn", "ResendIn", "ScheduleYearIn",
    "RegistrationIn", "SignInIn", "VisitIn", "DepartmentContactsIn", "DepartmentIn", "FollowupIn", "LoginIn", "LookupIn",
    "MyPreferencesIn", "OverrideIn", "PasswordIn", "PolicyForm", "PolicyIn", "PublishQaIn", "RatingIn", "ReassignIn", "ReturnIn", "RoleIn",
    "SessionIn", "SupplementForm", "SupplementIn", "SupplementRequestIn", "UserIn", "WithdrawIn",
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _within_years(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")
    return value


#: A calendar date the application can compute with (1900-2200).
Day = Annotated[date, AfterValidator(_within_years)]


def _uploaded_file(value: Any) -> FileStorage:
    if not isinstance(value, FileStorage):
        raise ValueError("应为上传的文件")
    return value


#: A file part of a multipart/form-data body, as werkzeug received it (web.api.validation.multipart_body).
FilePart = Annotated[FileStorage, PlainValidator(_uploaded_file),
                     WithJsonSchema({"type": "string", "format": "binary"})]


def _form_schema(description: str) -> Callable[[dict[str, Any]], None]:
    """A multipart form's schema: a field is text (or a file) or left out, never null, so null and its default go."""

    def shape(schema: dict[str, Any]) -> None:
        schema["description"] = description
        for prop in schema["properties"].values():
            if prop.get("default") is None:
                prop.pop("default", None)
            branches = [branch for branch in prop.get("anyOf", ()) if branch != {"type": "null"}]
            if len(branches) == 1:
                del prop["anyOf"]
                prop.update(branches[0])

    return shape


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


def _json_object_text(value: Any) -> Any:
    """criteria as a form sends it: JSON text, parsed as a JSON body is (shallow, text a database can hold)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    try:
        data = loads_json(value, field="criteria")
    except InputError as exc:
        raise ValueError(exc.reason) from exc
    found = bad_json_text(data, "criteria")
    if found is not None:
        raise ValueError(f"{found.field}：{found.reason}")
    return data


class PolicyForm(PolicyIn):
    """POST/PATCH /policies as multipart/form-data: PolicyIn's fields as text, criteria as JSON text, a file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_form_schema(
        "与 JSON 相同的字段（文本形式），criteria 为 JSON 文本；可附政策原文文件 file，留空的字段视为未填写"))

    criteria: Annotated[dict[str, Any] | None, BeforeValidator(_json_object_text),
                        WithJsonSchema({"type": "string", "description": "JSON 对象的文本"})] = None
    file: FilePart | None = Field(default=None, description=".txt / .docx / .pdf / .html，20 MB 以内")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        """A form's empty field says nothing: it is None, as a JSON body's absent field."""
        if isinstance(data, dict):
            return {name: None if value == "" else value for name, value in data.items()}
        return data


class CriteriaIn(BaseModel):
    """A policy's criteria as the page edits them: codes separated by ；/;, sizes ticked, one checkbox."""

    model_config = _STRICT

    industries: str = Field(default="", max_length=2000)
    excluded_industries: str = Field(default="", max_length=2000)
    sizes: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list, max_length=8)
    regions: str = Field(default="", max_length=2000)
    qualifications: str = Field(default="", max_length=2000)
    above_scale_only: bool = False


class PublishIn(BaseModel):
    """Publish: the editor confirms the engine's points were checked and the reach seen in the preview."""

    model_config = _STRICT

    confirm_review: bool = False
    confirm_reach: bool = False
    # As the page showed it: a different or garbled number is "the reach changed", asked again.
    expected_reach: str = Field(default="", max_length=16)


class WithdrawIn(BaseModel):
    model_config = _STRICT

    reason: str = Field(default="", max_length=500)


class ReturnIn(BaseModel):
    """An approver sends a submitted policy back to its editor (the page's 退回)."""

    model_config = _STRICT

    comment: str = Field(default="", max_length=500)


class ConsultationIn(BaseModel):
    """A question from anyone; whether the contacts are valid and the policy published is the service's to say."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": "手机号和邮箱至少填写一项"})

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


_FILES_TEXT = (f"PDF、JPG、PNG、DOCX、XLSX（按内容判断），每次最多 {consultation_files.MAX_FILES_PER_TURN} 个，"
               f"每个 {consultation_files.MAX_FILE_BYTES // (1024 * 1024)} MB 以内")


def _attachments() -> Any:
    # The count is the upload check's to refuse (it names the field and says how many); the document says it.
    return Field(default_factory=list, description=_FILES_TEXT,
                 json_schema_extra={"maxItems": consultation_files.MAX_FILES_PER_TURN})


class AnswerForm(AnswerIn):
    """The answer as multipart/form-data: the text and up to 3 `files`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_form_schema("答复正文，可附文件 files"))
    files: list[FilePart] = _attachments()


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


class SupplementForm(SupplementIn):
    """The enterprise's supplement as multipart/form-data: the text, its token or contact, up to 3 `files`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_form_schema("token 与 contact 至少填写一项；可附文件 files"))
    files: list[FilePart] = _attachments()


class EnterpriseImportForm(BaseModel):
    """POST /enterprises/import: a CSV or XLSX file, and whether to tell the firms (?notify= wins)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_form_schema("企业名单文件 file（CSV 或 XLSX）"))
    file: FilePart = Field(description="CSV 或 XLSX，每行一家企业，按统一社会信用代码新增或更新")
    notify: str | None = Field(default=None, max_length=8, description="是否通知企业：true（默认）或 false")


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


_DEPARTMENT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _department_code(code: str) -> str:
    if not _DEPARTMENT_CODE.fullmatch(code):
        raise ValueError("部门代码须为字母、数字、_ 或 -（以字母或数字开头）")
    return code


def _department_name(name: str) -> str:
    if not name:
        raise ValueError("请填写部门名称")
    return name


class DayOverrideIn(OverrideIn):
    """The calendar page's override: the day is a field there, a path segment in the API."""

    model_config = ConfigDict(extra="forbid")
    day: Day


class ScheduleYearIn(BaseModel):
    """The year a loaded 放假安排 is for."""

    model_config = _STRICT
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)


class DayToggleIn(BaseModel):
    """One day of the month view switched between working day and day off."""

    model_config = ConfigDict(extra="forbid")
    day: Day


class PageActionIn(BaseModel):
    """Which of a page's forms was sent (its submit button's value), and the month a month view shows."""

    model_config = _STRICT
    action: str = Field(default="", max_length=32)
    month: str = Field(default="", max_length=16)


class VisitIn(BaseModel):
    """The consultation form's showing, kept across its posts (services.answers.valid_visit checks it)."""

    model_config = ConfigDict(extra="forbid")
    visit: str = Field(default="", max_length=200)


class ResendIn(BaseModel):
    """Failed notifications queued again: one policy's, or every one when no policy is given."""

    model_config = _STRICT
    policy_id: int | None = Field(default=None, ge=1, le=MAX_DB_INT)


class FeedbackIn(BaseModel):
    """不相关 from a push message: the signed feedback token is the credential."""

    model_config = ConfigDict(extra="forbid")
    m: str = Field(default="", max_length=500)


class SignInIn(BaseModel):
    """The enterprise's door, two steps: 统一社会信用代码 and a contact get a code; the code opens a session."""

    model_config = _STRICT
    step: str = Field(default="contact", max_length=16)
    credit_code: str = Field(default="", max_length=100)
    mobile: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    code: str = Field(default="", max_length=100)


class CodeRequestIn(BaseModel):
    """POST /me/code: a credit code and the registered mobile or email to send a code or link to.

    Whether the code is valid and the contact registered is the sign-in service's to say (and it never says the
    latter).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": "mobile 与 email 填一项"})
    credit_code: str = Field(max_length=40, description="统一社会信用代码")
    mobile: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)


class SessionIn(BaseModel):
    """POST /me/session: the code (or the one-time link's proof) received, for a session token."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": "以收到的验证码换取企业令牌"})
    credit_code: str = Field(max_length=40, description="统一社会信用代码")
    code: str = Field(max_length=64, description="短信验证码或登录链接中的凭据")


def _channel_list(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(channel, str) for channel in value):
        raise ValueError('应为渠道列表，如 ["sms", "email"]')
    bad = [channel for channel in value if channel not in CHANNELS]
    if bad:
        raise ValueError(f"{'、'.join(bad)} 不是有效渠道，应为 sms 或 email")
    return value


def _frequency(value: Any) -> Any:
    if value not in FREQUENCIES:
        raise ValueError("应为 instant（即时）、daily（每日汇总）或 weekly（每周汇总）")
    return value


class MyPreferencesIn(BaseModel):
    """PUT /me/preferences: the channels and how often; a field left out is kept (`model_fields_set`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=kept_when_absent(
        "只修改给出的字段；选择的渠道须有登记的手机号或邮箱"))
    # Not nullable: null is refused, absence keeps the stored value.
    channels: Annotated[list[Literal["sms", "email"]], BeforeValidator(_channel_list)] = Field(default=None)
    frequency: Annotated[Literal["instant", "daily", "weekly"], BeforeValidator(_frequency)] = Field(default=None)


class PreferencesIn(BaseModel):
    """How a firm is told of new policies: channels ticked, and how often."""

    model_config = _STRICT
    channels: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list, max_length=4)
    frequency: str = Field(default="", max_length=16)


class ProfileIn(BaseModel):
    """The figures, county, scope and titles a firm edits itself (checked and parsed by the enterprise service)."""

    model_config = _STRICT
    employees: str = Field(default="", max_length=16)
    revenue_wan: str = Field(default="", max_length=24)
    assets_wan: str = Field(default="", max_length=24)
    region_code: str = Field(default="", max_length=12)
    business_scope: str = Field(default="", max_length=4000)
    qualifications: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=40)


class RegistrationIn(ProfileIn, PreferencesIn):
    """A firm registering itself (checked by the enterprise service, as the API's create is), with its consent."""

    model_config = _STRICT
    credit_code: str = Field(default="", max_length=40)
    name: str = Field(default="", max_length=200)
    industry_code: str = Field(default="", max_length=40)
    size: str | None = Field(default=None, max_length=16)
    region_code: str | None = Field(default=None, max_length=12)
    mobile: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)
    consent: bool = False


class CalculatorIn(BaseModel):
    """政策计算器: an industry by name or code, a county, figures and titles (the same checks as the API's)."""

    model_config = _STRICT
    industry_name: str = Field(default="", max_length=100)
    industry_code: str = Field(default="", max_length=100)
    region_code: str = Field(default="", max_length=100)
    employees: str = Field(default="", max_length=100)
    revenue_wan: str = Field(default="", max_length=100)
    assets_wan: str = Field(default="", max_length=100)
    qualifications: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=20)


class DepartmentIn(BaseModel):
    model_config = _STRICT

    code: Annotated[str, AfterValidator(_department_code)] = Field(
        max_length=32, json_schema_extra={"pattern": f"^{_DEPARTMENT_CODE.pattern}$", "minLength": 1})
    name: Annotated[str, AfterValidator(_department_name)] = Field(max_length=128, json_schema_extra={"minLength": 1})
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class DepartmentContactsIn(BaseModel):
    """A department's name, supervision contacts and whether its policies need approval (the admin page)."""

    model_config = _STRICT

    name: Annotated[str, AfterValidator(_department_name)] = Field(default="", max_length=128)
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


class ActiveIn(BaseModel):
    """An account switched on or off."""

    model_config = ConfigDict(extra="forbid")

    active: bool


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(default="", max_length=256)
