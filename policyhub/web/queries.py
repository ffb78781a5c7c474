"""What a query string may carry, one pydantic model per list or look-up: the API parses ?… with them, the
OpenAPI document lists each operation's parameters from them (web.api.validation.query_args, web.api.openapi).

As the body models, they refuse what the database cannot hold (ASCII integers in range, years 1900-2200, bounded
text); the views keep the rules of the domain (a known industry code, a county of this city). An empty parameter
(`?size=`) is as if it were not given, an unknown one is ignored (clients add cache-busters), and each field's
title names it in Chinese for the 422's message.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from matcher.taxonomy import InvalidIndustryCode, normalize_code
from policyhub.inputs import MAX_DB_INT, MAX_YEAR, MIN_YEAR, text_problem
from policyhub.models.notification import NOTIFICATION_STATUSES
from policyhub.models.policy import POLICY_STATUSES
from policyhub.services.consultations import MAX_QUESTION
from policyhub.services.criteria import SIZES
from policyhub.services.search import MAX_QUERY_CHARS
from policyhub.timeutil import parse_aware

__all__ = [
    "CONSULTATION_LIST_STATUSES", "ConsultationListQuery", "DeadlineQuery", "EligibilityQuery", "EnterpriseListQuery",
    "ImportQuery", "MatchListQuery", "NotificationListQuery", "PageQuery", "PolicyListQuery", "QueryModel",
    "SizeClassQuery", "SlaQuery", "SuggestQuery", "ThreadQuery",
]

CONSULTATION_LIST_STATUSES = ("open", "at_risk", "overdue", "answered", "awaiting_supplement")
MAX_PAGE, MAX_PER_PAGE = 1_000_000, 500
#: A filter's text (matched against a column, never stored) is at most this long.
MAX_FILTER = 200


def _ascii_int(value: Any) -> Any:
    """Decimal ASCII digits only: int() takes '²', '٣' and '1_0', the database and this API do not."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_DB_INT)):
            raise ValueError("应为整数")
        return int(text)
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("日期格式应为 YYYY-MM-DD") from exc
    if not isinstance(value, date) or not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"日期格式应为 YYYY-MM-DD，年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")
    return value


def _aware_time(value: Any) -> datetime:
    try:
        return parse_aware(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise ValueError("应为带时区的 ISO 8601 时间（如 2026-11-26T09:00:00+08:00），"
                         f"年份在 {MIN_YEAR} 到 {MAX_YEAR} 之间") from exc


def _day_or_time(value: Any) -> date | datetime:
    text = value.strip() if isinstance(value, str) else ""
    try:
        return _iso_date(text) if len(text) == 10 else parse_aware(text)
    except ValueError as exc:
        raise ValueError(f"应为 YYYY-MM-DD 或带时区的 ISO 8601 时间，年份在 {MIN_YEAR} 到 {MAX_YEAR} 之间") from exc


def _industry_code(value: str) -> str:
    try:
        return normalize_code(value)
    except InvalidIndustryCode as exc:
        raise ValueError(str(exc)) from exc


def _flag(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def QueryInt(low: int, high: int) -> Any:  # noqa: N802 - a type, named as one
    """An integer in [low, high], given in the query string as decimal ASCII digits."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_ascii_int)]


#: A calendar date, YYYY-MM-DD (as date.fromisoformat reads it), 1900-2200.
QueryDay = Annotated[date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
#: A moment with its UTC offset, 1900-2200, as UTC.
AwareTime = Annotated[datetime, PlainValidator(_aware_time), WithJsonSchema({"type": "string", "format": "date-time"})]
#: A day (YYYY-MM-DD) or a moment with its offset.
DayOrTime = Annotated[date | datetime, PlainValidator(_day_or_time), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})]
#: A GB/T 4754 code (or section letter) as matcher.taxonomy writes it: "c3216" is "3216".
IndustryCode = Annotated[str, Field(max_length=16), AfterValidator(_industry_code)]
Id = QueryInt(1, MAX_DB_INT)
NonNegativeInt = QueryInt(0, MAX_DB_INT)
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]


class QueryModel(BaseModel):
    """A query string: text stripped, an empty parameter absent (unless named in keep_blank), others ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    #: Parameters whose empty value means something (`?q=` asks, and is told what to write).
    keep_blank: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {name: value for name, value in data.items()
                    if name in cls.keep_blank or not (isinstance(value, str) and not value.strip())}
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        """NUL, lone surrogates, non-characters: refused here too, whoever calls (the guard refuses them first)."""
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise ValueError(problem)
        return value


class PageQuery(QueryModel):
    page: QueryInt(1, MAX_PAGE) = Field(default=1, title="页码", description="从 1 开始")
    per_page: QueryInt(1, MAX_PER_PAGE) = Field(default=20, title="每页条数")


class PolicyListQuery(PageQuery):
    q: str = Field(default="", max_length=MAX_QUERY_CHARS, title="检索词",
                   description="检索词（词与词之间不必全部出现，命中越多越靠前）")
    industry: str | None = Field(default=None, max_length=16, title="行业代码", description="GB/T 4754 代码")
    industry_name: str | None = Field(
        default=None, max_length=50, title="行业名称",
        description="行业名称（无 industry 时）：唯一对应一个行业时按它筛选，对应多个时 422 列出可选行业")
    region: str | None = Field(default=None, max_length=12, title="区县代码",
                               description="区县行政区划代码，如 371681：只含面向全部地区或覆盖该区县的政策")
    region_name: str | None = Field(default=None, max_length=20, title="区县名称",
                                    description="区县名称（无 region 时），如 邹平")
    size: Literal[SIZES] | None = Field(default=None, title="企业规模", description="大型、中型、小型、微型")
    department: str | None = Field(default=None, max_length=MAX_FILTER, title="部门", description="部门代码")
    status: Literal[POLICY_STATUSES] | None = Field(default=None, title="状态", description="匿名检索只含已发布")
    issued_from: QueryDay | None = Field(default=None, title="发布日期起")
    issued_to: QueryDay | None = Field(default=None, title="发布日期止")


class EnterpriseListQuery(PageQuery):
    q: str = Field(default="", max_length=100, title="检索词", description="企业名称的一部分或统一社会信用代码")
    size: Literal[(*SIZES, "unknown")] | None = Field(default=None, title="企业规模")
    flagged: Annotated[Literal["1", "true"] | None, BeforeValidator(_flag)] = Field(
        default=None, title="规模存疑", description="只列规模测算存疑的企业")
    region: str | None = Field(default=None, max_length=MAX_FILTER, title="区县代码")
    industry: IndustryCode | None = Field(default=None, title="行业代码", description="GB/T 4754 代码或门类字母")


class ConsultationListQuery(PageQuery):
    keep_blank: ClassVar[frozenset[str]] = frozenset({"q"})

    status: Literal[CONSULTATION_LIST_STATUSES] | None = Field(default=None, title="状态")
    department: str | None = Field(default=None, max_length=MAX_FILTER, title="部门", description="部门代码")
    q: str | None = Field(default=None, max_length=16, title="检索词", description="查询码或手机号（完整或后 4 位以上）")


class NotificationListQuery(PageQuery):
    status: Literal[NOTIFICATION_STATUSES] | None = Field(default=None, title="状态")
    channel: Literal["sms", "email"] | None = Field(default=None, title="渠道")
    policy_id: Id | None = Field(default=None, title="政策编号")


class MatchListQuery(PageQuery):
    include_inactive: Annotated[Literal["1", "true", "yes", "0", "false", "no"] | None, BeforeValidator(_flag)] = Field(
        default=None, title="含已失效匹配", description="1/true/yes：也列出因政策或企业变化而失效、为留痕保存的匹配")


class ImportQuery(QueryModel):
    notify: Annotated[Literal["1", "true", "yes", "on", "0", "false", "no", "off"] | None,
                      BeforeValidator(_flag)] = Field(
        default=None, title="通知企业", description="导入后是否推送新匹配的政策（默认是；也可在表单的 notify 字段中给出）")


class SuggestQuery(QueryModel):
    q: str = Field(default="", max_length=MAX_QUESTION, title="问题", description="正在输入的问题")


class ThreadQuery(QueryModel):
    token: str = Field(max_length=200, title="链接令牌", description="状态链接中的 t")


class DeadlineQuery(QueryModel):
    submitted_at: AwareTime = Field(title="提交时间", description="带时区的 ISO 8601 时间")


class SlaQuery(QueryModel):
    from_: DayOrTime | None = Field(default=None, alias="from", title="起",
                                    description="YYYY-MM-DD 或带时区的 ISO 8601 时间；默认 to 之前 30 天")
    to: DayOrTime | None = Field(default=None, title="止", description="YYYY-MM-DD（含当日）或带时区的 ISO 8601 时间；默认现在")


class SizeClassQuery(QueryModel):
    industry_code: IndustryCode = Field(title="行业代码", description="GB/T 4754 代码")
    employees: NonNegativeInt | None = Field(default=None, title="从业人员")
    revenue_wan: Amount | None = Field(default=None, title="营业收入（万元）")
    assets_wan: Amount | None = Field(default=None, title="资产总额（万元）")


class EligibilityQuery(QueryModel):
    """政策计算器: the figures as text, checked as a profile's (services.enterprise_input); an unknown name is refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    industry_code: str = Field(max_length=100, title="行业代码", description="GB/T 4754 代码")
    region_code: str = Field(default="", max_length=100, title="区县代码")
    employees: str = Field(default="", max_length=100, title="从业人员")
    revenue_wan: str = Field(default="", max_length=100, title="营业收入（万元）")
    assets_wan: str = Field(default="", max_length=100, title="资产总额（万元）")
    qualifications: str = Field(default="", max_length=2000, title="资质", description="以 ; 分隔")
