"""The one way in: every request's path, query, form and JSON checked before a view sees it.

- ids in URLs (`<int:...>`) are ASCII digits within the database integer, else 404;
- JSON bodies parse no deeper than policyhub.inputs.MAX_JSON_DEPTH, else 400 naming why;
- text anywhere (path, query, form fields and file names, JSON values and keys) that no database can
  hold — NUL, lone surrogates, non-characters — is refused with 422 naming the field; so is a URL-encoded
  form field whose bytes are not UTF-8 (Werkzeug would keep them as literal "%ED%A0%80" text).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from flask import json as flask_json
from werkzeug.routing import IntegerConverter

from policyhub.inputs import InputError, bad_json_text, loads_json, text_problem
from policyhub.services.errors import Invalid, ServiceError

__all__ = ["BadJSON", "GuardedRequest", "IdConverter", "check_request", "install"]


class BadJSON(ServiceError):
    status = 400
    code = "bad_request"


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: ASCII digits, at most the database's integer; anything else does not match (404)."""

    # 0..2147483647 in the pattern itself: a value that matched and then failed conversion would let the
    # router answer 405 from a neighbouring rule instead of 404.
    regex = (r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")


class _RequestJSON:
    """The json module requests parse with: nesting deeper than the limit is refused, never recursed into."""

    loads = staticmethod(loads_json)
    dumps = staticmethod(flask_json.dumps)


class GuardedRequest(Request):
    """A request that parses JSON with a depth limit; broken JSON answers in the project's error shape."""

    @property
    def json_module(self) -> Any:
        return _RequestJSON

    @json_module.setter
    def json_module(self, value: Any) -> None:
        # Flask hands each request the app's JSON provider; requests keep the depth-limited parser.
        pass

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, InputError):
            raise BadJSON("请求体不是有效的 JSON", fields={e.field: e.reason})
        if e is not None:
            raise BadJSON("请求体不是有效的 JSON", fields={"body": "无法解析为 JSON"})
        return super().on_json_loading_failed(e)


def _check_pairs(pairs: Any, fields: dict[str, str]) -> None:
    for name, value in pairs:
        problem = text_problem(name) if isinstance(name, str) else None
        if problem:
            fields.setdefault("query", f"参数名{problem}")
            continue
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                fields.setdefault(name, problem)


def _undecodable_form_fields(body: bytes) -> list[str]:
    """The names of URL-encoded fields (name=value pairs) whose name or value is not UTF-8 once unquoted."""
    bad = []
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        raw_name, raw_value = (unquote_to_bytes(part.replace(b"+", b" ")) for part in (name, value))
        try:
            raw_value.decode("utf-8")
            raw_name.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(raw_name.decode("utf-8", "replace") or "form")
    return bad


def check_request() -> None:
    """Refuse the request (ServiceError) when any part of it carries text that cannot be stored."""
    fields: dict[str, str] = {}
    _check_pairs((request.view_args or {}).items(), fields)
    _check_pairs(request.args.items(multi=True), fields)
    if request.mimetype == "application/x-www-form-urlencoded":
        # Read (and cached) before the form is parsed: the form is then parsed from the same bytes.
        for name in _undecodable_form_fields(request.get_data(cache=True)):
            fields.setdefault(name, "不是有效的 UTF-8 文本，无法保存")
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        _check_pairs(request.form.items(multi=True), fields)
        for name, file in request.files.items(multi=True):
            problem = text_problem(name or "") or text_problem(file.filename or "")
            if problem:
                fields.setdefault(name, f"文件名{problem}")
    if fields:
        raise Invalid("提交的内容含有无法保存的字符", fields=fields)
    if request.is_json and request.content_length != 0 and request.get_data(cache=True):
        found = bad_json_text(request.get_json())
        if found is not None:
            raise Invalid("提交的内容含有无法保存的字符", fields={found.field: found.reason})


def install(app: Flask) -> None:
    """Use the guarded request, JSON and id converter in this app; call before any route is registered."""
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
