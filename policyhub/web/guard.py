"""The one way in: every request's path, query, form and JSON checked before a view sees it.

- ids in URLs (`<int:...>`) are ASCII digits within the database integer, else 404;
- JSON bodies parse no deeper than policyhub.inputs.MAX_JSON_DEPTH, else 400 naming why;
- text anywhere (path, query, form fields and file names, JSON values and keys) that no database can
  hold — NUL, lone surrogates, non-characters — is refused with 422 naming the field; so is a form field
  whose bytes are not UTF-8: URL-encoded (Werkzeug would keep them as literal "%ED%A0%80" text) or multipart
  (Werkzeug would put U+FFFD in their place, and drop the whole form when a part's name or file name is not).
"""

from __future__ import annotations

import codecs
import re
from typing import IO, Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from flask import json as flask_json
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.formparser import FormDataParser, MultiPartParser
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


UNDECODABLE = "不是有效的 UTF-8 文本，无法保存"

# Multipart field values are decoded with this codec: UTF-8 whose undecodable bytes stay as lone surrogates
# (U+DC80..U+DCFF, Python's "surrogateescape") whatever error handler the parser asks for, so the check
# below can name the field. Valid UTF-8 never decodes to a surrogate, so one there always means bad bytes.
_KEEP_BAD_BYTES = "policyhub-utf-8-keep-bad-bytes"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# An RFC 2231/5987 parameter (filename*=utf-8''%E6%96%87.txt): Werkzeug replaces its undecodable bytes.
_EXTENDED_PARAMETER = re.compile(r"(\w+)\*=\s*(utf-8|us-ascii|ascii)'[^']*'([^;\s]*)", re.IGNORECASE)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name.replace("_", "-") != _KEEP_BAD_BYTES:
        return None
    return codecs.CodecInfo(
        name=_KEEP_BAD_BYTES,
        encode=lambda text, errors="strict": codecs.utf_8_encode(text, "surrogateescape"),
        decode=lambda data, errors="strict": codecs.utf_8_decode(data, "surrogateescape", True),
    )


class UndecodableForm(Invalid):
    """A multipart part whose headers (its field name or file name) are not UTF-8."""


class _MultiPartParser(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        charset = super().get_part_charset(headers)
        return _KEEP_BAD_BYTES if charset in ("utf-8", "ascii", "us-ascii") else charset


class _FormDataParser(FormDataParser):
    """Werkzeug's form parser, but a multipart form that is not UTF-8 is refused instead of mended or dropped."""

    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> Any:
        parser = _MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                  max_form_parts=self.max_form_parts, cls=self.cls)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        try:
            form, files = parser.parse(stream, boundary, content_length)
        except UnicodeDecodeError as exc:
            # Werkzeug decodes part headers strictly and, failing, would answer as if nothing had been sent.
            raise UndecodableForm("提交的内容含有无法保存的字符", fields={"form": f"字段名或文件名{UNDECODABLE}"}) from exc
        return stream, form, files


def _undecodable_file_name(file: FileStorage) -> bool:
    """Whether an upload's extended file name (filename*=) holds bytes that are not UTF-8."""
    for _name, _charset, value in _EXTENDED_PARAMETER.findall(file.headers.get("Content-Disposition", "")):
        try:
            unquote_to_bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


class _RequestJSON:
    """The json module requests parse with: nesting deeper than the limit is refused, never recursed into."""

    loads = staticmethod(loads_json)
    dumps = staticmethod(flask_json.dumps)


class GuardedRequest(Request):
    """A request that parses JSON with a depth limit; broken JSON answers in the project's error shape."""

    form_data_parser_class = _FormDataParser

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
    if request.mimetype == "multipart/form-data":
        for name, value in request.form.items(multi=True):
            if _ESCAPED_BYTE.search(value):
                fields.setdefault(name, UNDECODABLE)
        for name, file in request.files.items(multi=True):
            if _undecodable_file_name(file):
                fields.setdefault(name, f"文件名{UNDECODABLE}")
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


def _codec_missing() -> bool:
    try:
        codecs.lookup(_KEEP_BAD_BYTES)
    except LookupError:
        return True
    return False


def install(app: Flask) -> None:
    """Use the guarded request, JSON and id converter in this app; call before any route is registered."""
    if _codec_missing():
        codecs.register(_find_codec)
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
