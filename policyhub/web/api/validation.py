"""Request parsing: JSON bodies and query strings into validated values, errors naming each field."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, get_origin

from flask import request
from pydantic import BaseModel, ValidationError

from policyhub.inputs import field_errors
from policyhub.services.errors import Invalid, ServiceError
from policyhub.web.queries import PageQuery

__all__ = ["BadRequest", "json_body", "multipart_body", "page_args", "query_args", "query_labels", "query_model",
           "takes_query", "validate"]

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


def query_labels(model: type[BaseModel]) -> dict[str, str]:
    """Each query parameter of the model (its name in the URL) → its Chinese name."""
    return {field.alias or name: field.title or name for name, field in model.model_fields.items()}


def query_args(model: type[M], message: str = "查询参数有误") -> M:
    """The query string as the model, or Invalid (422) naming each bad parameter, in Chinese in the message.

    A list field gets every value of its name, any other field the first. A name the model does not know is left
    out (a cache-buster must not break a request) unless the model forbids unknown names.
    """
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    keep_unknown = model.model_config.get("extra") == "forbid"
    values: dict[str, Any] = {}
    for name in request.args:
        field = fields.get(name)
        if field is None and not keep_unknown:
            continue
        values[name] = (request.args.getlist(name) if field is not None and get_origin(field.annotation) is list
                        else request.args[name])
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        labels = query_labels(model)
        errors = {name: reason if labels.get(name, name) in reason else f"{labels.get(name, name)}{reason}"
                  for name, reason in field_errors(exc).items()}
        raise Invalid(f"{message}：" + "、".join(labels.get(name, name) for name in errors), fields=errors) from exc


def takes_query(model: type[BaseModel], message: str = "查询参数有误") -> Callable[[Callable], Callable]:
    """The view gets its query string as the model (argument `query`); the OpenAPI document lists the model's fields.

    Put it below the role check, so that who may not ask is told so before what is wrong with the question.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def parsed(*args: Any, **kwargs: Any) -> Any:
            return view(*args, query=query_args(model, message), **kwargs)

        parsed.query_model = model  # type: ignore[attr-defined]
        return parsed

    return decorate


def query_model(view: Callable) -> type[BaseModel] | None:
    """The query model a view takes (takes_query), through the decorators wrapped around it; None if it takes none."""
    while view is not None:
        model = getattr(view, "query_model", None)
        if model is not None:
            return model
        view = getattr(view, "__wrapped__", None)
    return None


def page_args(default_per_page: int = 20) -> tuple[int, int]:
    """?page= (from 1) and ?per_page= (up to 500), or Invalid; for the pages, which list more by default."""
    query = query_args(PageQuery)
    return query.page, query.per_page if "per_page" in query.model_fields_set else default_per_page
