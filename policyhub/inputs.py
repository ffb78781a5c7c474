"""What any input must be before it reaches a use case: text a database can hold, shallow JSON, bounded numbers.

Pure functions (no Flask, no database): the web layer applies them to every request, the services to the
values they are given by other callers (CLI, imports).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

__all__ = [
    "MAX_DB_INT",
    "MAX_JSON_DEPTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "InputError",
    "bad_json_text",
    "field_errors",
    "check_year",
    "json_depth",
    "loads_json",
    "parse_int",
    "text_problem",
]

#: The largest id or integer the databases store (PostgreSQL INTEGER).
MAX_DB_INT = 2**31 - 1
#: Request JSON nests objects and lists at most this deep (criteria.evidence[i] is 4).
MAX_JSON_DEPTH = 8
#: Dates and times outside these years are refused: nothing in this domain lies there, and near the ends of
#: Python's range a time-zone shift overflows.
MIN_YEAR, MAX_YEAR = 1900, 2200

# NUL (PostgreSQL text cannot hold it), lone surrogates (no UTF-8 form: encoding the answer fails) and the
# Unicode non-characters (U+FDD0..U+FDEF and the last two code points of every plane).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_BAD_TEXT = re.compile(f"[\x00\ud800-\udfff{_NONCHARACTERS}]")

# pydantic's error types, as people read them ({...}: the error's context).
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


class InputError(ValueError):
    """An input refused before any use case sees it: where (a dotted field path) and why (Chinese)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored (Chinese, for people), or None when it can."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "含有空字符（NUL），无法保存"
    if "\ud800" <= char <= "\udfff":
        return f"含有无效的 Unicode 代理字符（U+{ord(char):04X}），无法保存"
    return f"含有 Unicode 非字符（U+{ord(char):04X}），无法保存"


def json_depth(data: Any) -> int:
    """How deep objects and lists nest in parsed JSON (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping):
            children = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def bad_json_text(data: Any, root: str = "") -> InputError | None:
    """The first string (value or key) in parsed JSON that cannot be stored, with its dotted path."""
    stack: list[tuple[Any, str]] = [(data, root)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return InputError(path or "body", problem)
        elif isinstance(value, Mapping):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and text_problem(key):
                    return InputError(path or "body", f"字段名{text_problem(key)}")
                stack.append((child, child_path))
        elif isinstance(value, list | tuple):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(value))
    return None


def loads_json(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, field: str = "body") -> Any:
    """Parse JSON no deeper than max_depth; InputError (a ValueError) saying what is wrong."""
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise InputError(field, f"JSON 嵌套过深（最多 {max_depth} 层）") from exc
    except UnicodeDecodeError as exc:
        raise InputError(field, "JSON 应为 UTF-8 编码") from exc
    except ValueError as exc:
        raise InputError(field, "不是有效的 JSON") from exc
    if json_depth(data) > max_depth:
        raise InputError(field, f"JSON 嵌套过深（最多 {max_depth} 层）")
    return data


def parse_int(raw: str, field: str, *, low: int = 1, high: int = MAX_DB_INT) -> int:
    """A decimal integer in [low, high] from text (ASCII digits only: '²' and '٣' are not numbers here)."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)) or not low <= int(text) <= high:
        raise InputError(field, f"应为 {low} 到 {high} 之间的整数")
    return int(text)


def check_year(value: date | datetime, field: str) -> None:
    """InputError unless the date or time lies within MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(field, f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Each field a pydantic model refused (a dotted path) and why, in Chinese."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        template = _MESSAGES.get(error["type"])
        context = dict(error.get("ctx") or {})
        context.setdefault("msg", error["msg"].removeprefix("Value error, "))
        if "expected" in context:  # "'sms' or 'email'", as a Chinese list: "sms、email"
            context["expected"] = re.sub(r"'([^']*)'", r"\1", str(context["expected"])).replace(" or ", "、").replace(", ", "、")
        try:
            message = template.format(**context) if template else error["msg"]
        except (KeyError, IndexError):
            message = error["msg"]
        fields.setdefault(name, message)
    return fields
