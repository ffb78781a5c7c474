"""Signed tokens in links people follow without logging in: unsubscribe, match feedback, consultation status."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, Signer

from policyhub.models import CHANNELS

__all__ = [
    "click_token",
    "feedback_token",
    "read_click_token",
    "read_short_code",
    "short_code",
    "read_feedback_token",
    "rating_token",
    "read_rating_token",
    "read_status_token",
    "read_unsubscribe_token",
    "status_token",
    "unsubscribe_token",
]

MAX_TOKEN_LENGTH = 200


@lru_cache(maxsize=32)
def _signer(secret_key: str, salt: str) -> Signer:
    # Signer derives its key from secret and salt on every call; derive it once here instead.
    key = Signer(secret_key, salt=salt).derive_key()
    return Signer(key, salt=salt, key_derivation="none")


def _sign(salt: str, value: str, secret_key: str | None = None) -> str:
    """value + "." + an HMAC of it: a plain Signer, cheaper than a JSON serializer for a few numbers."""
    return _signer(secret_key or current_app.config["SECRET_KEY"], salt).sign(value).decode("ascii")


def _unsign(salt: str, token: str, secret_key: str | None = None) -> list[str] | None:
    """The dot-separated parts of a signed value, or None for a forged, malformed or oversized token."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        value = _signer(secret_key or current_app.config["SECRET_KEY"], salt).unsign(token).decode("ascii")
    except BadSignature:
        return None
    return value.split(".")


def _ints(parts: list[str] | None, count: int) -> list[int] | None:
    if parts is None or len(parts) != count or not all(p.isdigit() and len(p) < 12 for p in parts):
        return None
    return [int(p) for p in parts]


def unsubscribe_token(secret_key: str, enterprise_id: int, channel: str) -> str:
    """A one-click unsubscribe link's token for one enterprise and channel."""
    return _sign("policyhub.unsubscribe", f"{enterprise_id}.{channel}", secret_key)


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(enterprise id, channel) of an unsubscribe token, or None."""
    parts = _unsign("policyhub.unsubscribe", token, secret_key)
    if parts is None or len(parts) != 2 or parts[1] not in CHANNELS or _ints(parts[:1], 1) is None:
        return None
    return int(parts[0]), parts[1]


def feedback_token(policy_id: int, enterprise_id: int) -> str:
    """The "not relevant to us" link's token in a match alert."""
    return _sign("policyhub.match-feedback", f"{policy_id}.{enterprise_id}")


def read_feedback_token(token: str) -> tuple[int, int] | None:
    """(policy id, enterprise id) of a feedback token, or None."""
    ids = _ints(_unsign("policyhub.match-feedback", token), 2)
    return (ids[0], ids[1]) if ids else None


def click_token(policy_id: int, enterprise_id: int, channel: str) -> str:
    """Counts the firm's click on a policy's link in one channel's message; only the secret key makes one."""
    return _sign("policyhub.click", f"{policy_id}.{enterprise_id}.{channel}")


def read_click_token(token: str) -> tuple[int, int, str] | None:
    """(policy id, enterprise id, channel) of a click token, or None for a forged or malformed one."""
    parts = _unsign("policyhub.click", token)
    if parts is None or len(parts) != 3 or parts[2] not in CHANNELS:
        return None
    ids = _ints(parts[:2], 2)
    return (ids[0], ids[1], parts[2]) if ids else None


def status_token(consultation_id: int) -> str:
    """Opens a consultation's status page without typing the contact again (sent with the answer)."""
    return _sign("policyhub.consultation-status", str(consultation_id))


def read_status_token(token: str) -> int | None:
    """The consultation id of a status token, or None."""
    ids = _ints(_unsign("policyhub.consultation-status", token), 1)
    return ids[0] if ids else None


def rating_token(consultation_id: int) -> str:
    """The link in the answer message that lets the enterprise rate the answer (好差评)."""
    return _sign("policyhub.consultation-rating", str(consultation_id))


def read_rating_token(token: str) -> int | None:
    """The consultation id of a rating token, or None."""
    ids = _ints(_unsign("policyhub.consultation-rating", token), 1)
    return ids[0] if ids else None


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_SHORT_SIG = 11  # 64 bits of HMAC-SHA256: an SMS link must be short, and guessing one online is hopeless


def _b36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def _short_sig(value: str) -> str:
    key = hashlib.sha256(("policyhub.short-link:" + current_app.config["SECRET_KEY"]).encode()).digest()
    mac = hmac.new(key, value.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:_SHORT_SIG]


def short_code(policy_id: int, enterprise_id: int) -> str:
    """The code of an SMS's short link to a policy, for one enterprise (opens its page with feedback and 退订)."""
    value = f"{_b36(policy_id)}-{_b36(enterprise_id)}"
    return f"{value}-{_short_sig(value)}"


def read_short_code(code: str) -> tuple[int, int] | None:
    """(policy id, enterprise id) of a short link's code, or None for a forged or malformed one."""
    if not code or len(code) > 40 or not code.isascii():
        return None
    parts = code.rsplit("-", 1)
    if len(parts) != 2 or not hmac.compare_digest(_short_sig(parts[0]), parts[1]):
        return None
    ids = parts[0].split("-")
    if len(ids) != 2 or not all(i and all(c in _DIGITS for c in i) and len(i) < 10 for i in ids):
        return None
    return int(ids[0], 36), int(ids[1], 36)
