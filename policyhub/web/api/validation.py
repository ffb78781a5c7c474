"""Request parsing: JSON bodies and query strings into validated values, errors naming each field."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from policyhub.inputs import InputError, parse_int
from policyhub.services.errors import Invalid, ServiceError

__all__ = ["BadRequest", "json_body", "page_args", "validate"]

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "未知字段",
    "string_type": "应为文本",
    "string_too_long": "过长（最多 {max_length} 字）",
    "string_too_short": "不能为空",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "应为 {expected} 之一",
    "value_error": "{msg}",
}


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


def _field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        template = _MESSAGES.get(error["type"])
        context = dict(error.get("ctx") or {})
        context.setdefault("msg", error["msg"].removeprefix("Value error, "))
        try:
            message = template.format(**context) if template else error["msg"]
        except (KeyError, IndexError):
            message = error["msg"]
        fields.setdefault(name, message)
    return fields


def validate(model: type[M], data: Any, *, strict: bool | None = None) -> M:
    """The data as the model, or Invalid naming every bad field (strict=False: a form's text "5" is 5)."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise Invalid("提交的内容有误", fields=_field_errors(exc)) from exc


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400 saying why it is not one."""
    if not request.is_json:
        raise BadRequest("请求体应为 JSON（Content-Type: application/json）", fields={"body": "不是 JSON"})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象", fields={"body": "无法解析为 JSON 对象"})
    return data


def page_args(default_per_page: int = 20, max_per_page: int = 500) -> tuple[int, int]:
    """?page= (from 1) and ?per_page= (up to max), or Invalid."""
    fields: dict[str, str] = {}
    values = {}
    for name, default, upper in (("page", 1, 1_000_000), ("per_page", default_per_page, max_per_page)):
        raw = request.args.get(name, "")
        if raw == "":
            values[name] = default
            continue
        try:
            values[name] = parse_int(raw, name, high=upper)
        except InputError as exc:
            fields[name] = exc.reason
    if fields:
        raise Invalid("分页参数有误", fields=fields)
    return values["page"], values["per_page"]
