"""Signed tokens in links people follow without logging in: unsubscribe, match feedback, consultation status."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from policyhub.models import CHANNELS

__all__ = [
    "feedback_token",
    "read_feedback_token",
    "read_status_token",
    "read_unsubscribe_token",
    "status_token",
    "unsubscribe_token",
]

MAX_TOKEN_LENGTH = 200


def _sign(salt: str, value: Any, secret_key: str | None = None) -> str:
    return URLSafeSerializer(secret_key or current_app.config["SECRET_KEY"], salt=salt).dumps(value)


def _unsign(salt: str, token: str, secret_key: str | None = None) -> Any:
    """The signed value, or None for a forged, malformed or oversized token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return URLSafeSerializer(secret_key or current_app.config["SECRET_KEY"], salt=salt).loads(token)
    except BadSignature:
        return None


def unsubscribe_token(secret_key: str, enterprise_id: int, channel: str) -> str:
    """A one-click unsubscribe link's token for one enterprise and channel."""
    return _sign("policyhub.unsubscribe", {"e": enterprise_id, "c": channel}, secret_key)


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(enterprise id, channel) of an unsubscribe token, or None."""
    data = _unsign("policyhub.unsubscribe", token, secret_key)
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or data.get("c") not in CHANNELS:
        return None
    return data["e"], data["c"]


def feedback_token(policy_id: int, enterprise_id: int) -> str:
    """The "not relevant to us" link's token in a match alert."""
    return _sign("policyhub.match-feedback", [policy_id, enterprise_id])


def read_feedback_token(token: str) -> tuple[int, int] | None:
    """(policy id, enterprise id) of a feedback token, or None."""
    value = _unsign("policyhub.match-feedback", token)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    return None


def status_token(consultation_id: int) -> str:
    """Opens a consultation's status page without typing the contact again (sent with the answer)."""
    return _sign("policyhub.consultation-status", consultation_id)


def read_status_token(token: str) -> int | None:
    """The consultation id of a status token, or None."""
    value = _unsign("policyhub.consultation-status", token)
    return value if isinstance(value, int) else None
