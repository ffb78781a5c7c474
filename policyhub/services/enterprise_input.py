"""What an enterprise profile may be given: the pydantic models the API, the pages and the import parse it with.

Each field is parsed to the value stored (a checked 统一社会信用代码, an 11-digit mobile, a canonical county code,
a list from "a;b" text), refusing in Chinese what the database or the domain cannot take. The services take the
parsed model; they keep only the rules that need the stored profile (a channel needs its contact, the credit code
cannot change) and the database's own answer (409 on a known credit code).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from matcher._data import DATA_DIR
from matcher.regions import default_regions
from matcher.sizes import SIZES
from matcher.taxonomy import default_taxonomy
from policyhub.inputs import field_errors, text_problem
from policyhub.models.enterprise import CHANNELS, FREQUENCIES
from policyhub.services.errors import Invalid
from policyhub.services.identifiers import (
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_region_code,
)

__all__ = [
    "LIST_FIELDS",
    "MAX_EMPLOYEES",
    "MAX_LIST",
    "MAX_MONEY_WAN",
    "MAX_SCOPE",
    "PROFILE_FIELDS",
    "REQUIRED",
    "EnterpriseIn",
    "EnterprisePatch",
    "known_qualifications",
    "parse_profile",
]

MAX_EMPLOYEES = 10_000_000
MAX_MONEY_WAN = 1e10
MAX_SCOPE = 4000
MAX_NAME = 200
MAX_LIST = 20
MAX_TOPIC = 64
REQUIRED = ("credit_code", "name", "industry_code")
LIST_FIELDS = ("qualifications", "channels", "topics")
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")

P = TypeVar("P", bound=BaseModel)


@cache
def known_qualifications() -> tuple[str, ...]:
    """Qualification names an enterprise may hold (data/qualifications.txt)."""
    lines = (DATA_DIR / "qualifications.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(parse: Callable[[Any], Any]) -> BeforeValidator:
    """A field that must hold something whenever it is given (also in a change)."""

    def check(value: Any) -> Any:
        if _blank(value):
            raise ValueError("必填")
        return parse(value)

    return BeforeValidator(check)


def _optional(parse: Callable[[Any], Any], empty: Any = None) -> BeforeValidator:
    """A field that may be cleared: blank (or null) stores `empty`."""
    return BeforeValidator(lambda value: empty if _blank(value) else parse(value))


def _text(min_length: int, max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("应为文本")
        value = value.strip()
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
        if len(value) < min_length:
            raise ValueError(f"至少 {min_length} 个字")
        if len(value) > max_length:
            raise ValueError(f"最多 {max_length} 个字")
        return value

    return parse


def _number(*, integer: bool, upper: float) -> Callable[[Any], float | int]:
    """A non-negative number up to upper, also from text ("1,200"); money is rounded to 0.01 万元."""

    def parse(value: Any) -> float | int:
        if isinstance(value, str):
            raw = value.strip().replace(",", "")
            try:
                value = int(raw) if integer else float(raw)
            except ValueError:
                raise ValueError("应为整数" if integer else "应为数字") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise ValueError("应为数字")
        if integer and isinstance(value, float):
            if not value.is_integer():
                raise ValueError("应为整数")
            value = int(value)
        if value < 0:
            raise ValueError("不能为负数")
        if value > upper:
            raise ValueError(f"不能大于 {upper:g}")
        return value if integer else round(float(value), 2)

    return parse


def _string_list(value: Any) -> list[str]:
    """A list of text, or text separated by ; ；, ，、 or new lines; blanks and repeats dropped."""
    if isinstance(value, str):
        value = _LIST_SPLIT.split(value)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError("应为文本列表")
    for item in value:
        problem = text_problem(item)
        if problem:
            raise ValueError(problem)
    items = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if len(items) > MAX_LIST:
        raise ValueError(f"最多 {MAX_LIST} 项")
    return items


def _credit_code(value: Any) -> str:
    return validate_credit_code(value)


@lru_cache(maxsize=4096)
def _industry_check(raw: str) -> tuple[str, str | None]:
    """The taxonomy's (code, warning) for a typed code; cached: an import checks the same few codes 100,000 times."""
    return default_taxonomy().check(raw)


def _industry_code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("应为文本")
    code, _warning = _industry_check(str(value))  # the warning: EnterprisePatch.warnings()
    return code


def _region_code(value: Any) -> str:
    code = validate_region_code(value)
    regions = default_regions()
    if not regions.is_valid(code):
        raise ValueError(f"{code} 不是已知的行政区划代码")
    return regions.canonical(code)  # a former code (邹平县 371626) is stored as the current one (邹平市 371681)


def _one_of(allowed: tuple[str, ...], message: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in allowed:
            raise ValueError(message)
        return value

    return parse


def _qualifications(value: Any) -> list[str]:
    items = _string_list(value)
    unknown = [item for item in items if item not in known_qualifications()]
    if unknown:
        raise ValueError(f"未知资质：{'、'.join(unknown)}（可选：{'、'.join(known_qualifications())}）")
    return items


def _channels(value: Any) -> list[str]:
    items = _string_list(value)
    bad = [item for item in items if item not in CHANNELS]
    if bad:
        raise ValueError(f"{'、'.join(bad)} 不是有效渠道，应为 sms 或 email")
    return items


def _topics(value: Any) -> list[str]:
    return [topic[:MAX_TOPIC] for topic in _string_list(value)]


# The annotations are what the document shows (a number may also come as text, a list as "a;b" text); the
# validators make every value the one stored.
_ListText = Annotated[str, Field(max_length=2000)]
CreditCode = Annotated[str, Field(max_length=40, description="统一社会信用代码（18 位，含校验位）"),
                       _required(_credit_code)]
Name = Annotated[str, Field(min_length=2, max_length=MAX_NAME), _required(_text(2, MAX_NAME))]
IndustryCode = Annotated[str | int, Field(description="GB/T 4754-2017 代码，如 3216 或 C3216"),
                         _required(_industry_code)]
Employees = Annotated[Annotated[int, Field(ge=0, le=MAX_EMPLOYEES)] | Annotated[str, Field(max_length=24)] | None,
                      _optional(_number(integer=True, upper=MAX_EMPLOYEES))]
MoneyWan = Annotated[Annotated[float, Field(ge=0, le=MAX_MONEY_WAN)] | Annotated[str, Field(max_length=24)] | None,
                     _optional(_number(integer=False, upper=MAX_MONEY_WAN))]
Size = Annotated[Literal["large", "medium", "small", "micro"] | None,
                 _optional(_one_of(SIZES, f"应为 {', '.join(SIZES)} 之一"))]
RegionCode = Annotated[Annotated[str, Field(max_length=12)] | None, Field(description="6 位行政区划代码"),
                       _optional(_region_code)]
BusinessScope = Annotated[Annotated[str, Field(max_length=MAX_SCOPE)] | None, _optional(_text(0, MAX_SCOPE), "")]
Qualifications = Annotated[list[Annotated[str, Field(max_length=64)]] | _ListText | None,
                           Field(description="列表，或以 ; 分隔的文本"), _optional(_qualifications, [])]
Mobile = Annotated[Annotated[str, Field(max_length=64)] | None, _optional(validate_mobile)]
Email = Annotated[Annotated[str, Field(max_length=254)] | None, _optional(validate_email)]
Channels = Annotated[list[Literal["sms", "email"]] | _ListText | None, Field(description="列表，或以 ; 分隔的文本"),
                     _optional(_channels, [])]
Frequency = Annotated[Literal["instant", "daily", "weekly"] | None,
                      _optional(_one_of(FREQUENCIES, "应为 instant（即时）、daily（每日汇总）或 weekly（每周汇总）"))]
Topics = Annotated[list[Annotated[str, Field(max_length=MAX_TOPIC)]] | _ListText | None,
                   Field(description="列表，或以 ; 分隔的文本"), _optional(_topics, [])]


def kept_when_absent(description: str) -> Callable[[dict[str, Any]], None]:
    """A partial update's schema hook: an absent field is kept, not set to a default, so the document names none."""

    def hook(schema: dict[str, Any]) -> None:
        schema["description"] = description
        for prop in schema["properties"].values():
            prop.pop("default", None)

    return hook


class EnterprisePatch(BaseModel):
    """A change to a profile: only the fields given count (`model_fields_set`); a cleared field is emptied."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=kept_when_absent(
        "只修改给出的字段；给出空值即清空（信用代码、名称、行业不能清空）；选择的渠道须有对应的手机号或邮箱"))

    # Given, these three may not be blank; absent, they are kept.
    credit_code: CreditCode = Field(default=None)
    name: Name = Field(default=None)
    industry_code: IndustryCode = Field(default=None)
    employees: Employees = None
    revenue_wan: MoneyWan = Field(default=None, description="营业收入（万元）")
    assets_wan: MoneyWan = Field(default=None, description="资产总额（万元）")
    size: Size = Field(default=None, description="申报规模（有营业收入等数据时按 2017 年划分办法测算）")
    region_code: RegionCode = None
    business_scope: BusinessScope = None
    qualifications: Qualifications = None
    mobile: Mobile = None
    email: Email = None
    channels: Channels = None
    frequency: Frequency = None
    topics: Topics = None

    def given(self) -> dict[str, Any]:
        """The fields the request named, as stored."""
        return self.model_dump(exclude_unset=True)

    def warnings(self) -> list[str]:
        """What was accepted but should be checked (an industry code only its parent classes know)."""
        if "industry_code" not in self.model_fields_set:
            return []
        _code, warning = _industry_check(self.industry_code)
        return [f"industry_code: {warning}"] if warning else []


class EnterpriseIn(EnterprisePatch):
    """A new enterprise: credit code, name and industry required."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "description": "统一社会信用代码、名称、行业必填；选择的渠道须有对应的手机号或邮箱"})

    credit_code: CreditCode
    name: Name
    industry_code: IndustryCode


PROFILE_FIELDS = tuple(EnterpriseIn.model_fields)


def parse_profile(model: type[P], data: Mapping[str, Any]) -> P:
    """The data as the model, or Invalid("企业信息有误") naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("企业信息有误", fields=field_errors(exc)) from exc
