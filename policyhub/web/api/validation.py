"""Request parsing: JSON bodies and query strings into validated values, errors naming each field."""

from __future__ import annotations

from typing import Any, TypeVar, get_origin

from flask import request
from pydantic import BaseModel, ValidationError

from policyhub.inputs import InputError, field_errors, parse_int
from policyhub.services.errors import Invalid, ServiceError

__all__ = ["BadRequest", "json_body", "multipart_body", "page_args", "validate"]

M = TypeVar("M", bound=BaseModel)

class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


def validate(model: type[M], data: Any, *, strict: bool | None = None) -> M:
    """The data as the model, or Invalid naming every bad field (strict=False: a form's text "5" is 5)."""
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise Invalid("提交的内容有误", fields=field_errors(exc)) from exc


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400 saying why it is not one."""
    if not request.is_json:
        raise BadRequest("请求体应为 JSON（Content-Type: application/json）", fields={"body": "不是 JSON"})
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象", fields={"body": "无法解析为 JSON 对象"})
    return data


def multipart_body(model: type[M]) -> M:
    """The request's form as the model: its text fields, and its file parts under their names.

    A list field gets every part of its name, any other field the first; a part without a file name (a file input
    left empty) is not there. An unknown name, text or file, is the model's to refuse.
    """
    values: dict[str, Any] = request.form.to_dict()
    for name in request.files:
        parts = [part for part in request.files.getlist(name) if part.filename]
        field = model.model_fields.get(name)
        if field is not None and get_origin(field.annotation) is list:
            values[name] = parts
        elif parts:
            values[name] = parts[0]
    return validate(model, values)


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
