"""Rate-limit keys shared by the form and the API."""

from __future__ import annotations

from flask import request
from flask_limiter.util import get_remote_address

__all__ = ["CONSULTATION_LIMIT_PER_ADDRESS", "CONSULTATION_LIMIT_PER_CONTACT", "contact_key"]

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
