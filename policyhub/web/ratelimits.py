"""Rate limits shared by the forms and the API, and the 429 that gives a form back with what was typed."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Response, make_response, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

__all__ = ["CONSULTATION_LIMIT_PER_ADDRESS", "CONSULTATION_LIMIT_PER_CONTACT", "contact_key", "keep_form",
           "refusal_message"]

CONSULTATION_LIMIT_PER_ADDRESS = "5 per minute;30 per hour"
CONSULTATION_LIMIT_PER_CONTACT = "3 per 10 minutes;10 per day"


def contact_key() -> str:
    """The contact a consultation names (mobile or email, normalised loosely), else the client address."""
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "get"):
        return "addr:" + get_remote_address()
    for name in ("mobile", "email"):
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            digits_or_text = "".join(ch for ch in value.strip().lower() if not ch.isspace() and ch != "-")
            return f"{name}:{digits_or_text[-64:]}"
    return "addr:" + get_remote_address()


def refusal_message(reset_at: float, now: float) -> str:
    """Why the form was not sent and when to try again, in words a person reads (whole minutes, at least 1)."""
    minutes = max(1, math.ceil((reset_at - now) / 60))
    return f"提交过于频繁，请 {minutes} 分钟后再试。您填写的内容已保留，届时直接重新提交即可。"


def keep_form(render: Callable[[str], str]) -> Callable[[RequestLimit], Response]:
    """An ``on_breach`` for a page's form: the same page again with what was typed and why it was refused (429).

    ``render(message)`` renders the form from the request's own values with the message shown; the
    limiter raises its 429 with this response, and the app's error handler passes it through.
    """

    def on_breach(limit: RequestLimit) -> Response:
        now = time.time()
        response = make_response(render(refusal_message(limit.reset_at, now)), 429)
        response.headers["Retry-After"] = str(max(1, math.ceil(limit.reset_at - now)))
        return response

    return on_breach
