"""Passwordless sign-in for enterprises: a code by SMS or a one-time link by email, then a session token.

The identity step sits behind ``IdentityProvider`` so a province's unified identity (统一身份认证,
OIDC) can be plugged in later: a provider only has to turn proof into an enterprise; sessions,
the API token and the page cookie stay the same.  Answers never say whether a firm is registered.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import func, select

from notifier.messages import sign_in_code
from policyhub.extensions import db
from policyhub.models import Enterprise, EnterpriseSession, SignInCode
from policyhub.push.outbox import absolute_url, enqueue, outgoing
from policyhub.services import audit
from policyhub.services.enterprises import enterprise_by_credit_code
from policyhub.services.errors import Invalid, ServiceError
from policyhub.services.identifiers import IdentifierError, validate_credit_code, validate_email, validate_mobile

__all__ = [
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "MAX_SENDS",
    "SESSION_TTL",
    "CodeIdentity",
    "IdentityProvider",
    "SignInRefused",
    "enterprise_for_token",
    "open_session",
    "request_code",
    "revoke_session",
]

CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5  # wrong tries before a code is void
MAX_SENDS = 3  # codes per enterprise within SEND_WINDOW
SEND_WINDOW = timedelta(minutes=15)
SESSION_TTL = timedelta(days=30)


class SignInRefused(ServiceError):
    status = 401
    code = "sign_in_refused"


class IdentityProvider(Protocol):
    """Turns proof of identity into an enterprise; ``start`` sends whatever the proof needs."""

    name: str

    def start(self, credit_code: str, contact: dict[str, str], *, now: datetime) -> None: ...

    def verify(self, credit_code: str, proof: str, *, now: datetime) -> Enterprise | None: ...


def _hash(proof: str) -> str:
    key = ("policyhub.sign-in:" + current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, proof.encode(), hashlib.sha256).hexdigest()


def _contact(data: dict) -> tuple[str, dict[str, str]]:
    """The checked credit code and exactly one contact (mobile or email); Invalid names the field."""
    errors: dict[str, str] = {}
    credit_code = contact_value = ""
    try:
        credit_code = validate_credit_code(data.get("credit_code") if isinstance(data.get("credit_code"), str) else "")
    except IdentifierError as exc:
        errors["credit_code"] = str(exc)
    mobile, email = data.get("mobile"), data.get("email")
    contact: dict[str, str] = {}
    if mobile not in (None, "") and email not in (None, ""):
        errors["mobile"] = "手机号与邮箱只填一项"
    elif mobile not in (None, ""):
        try:
            contact_value = validate_mobile(mobile if isinstance(mobile, str) else "")
            contact = {"mobile": contact_value}
        except IdentifierError as exc:
            errors["mobile"] = str(exc)
    elif email not in (None, ""):
        try:
            contact_value = validate_email(email if isinstance(email, str) else "")
            contact = {"email": contact_value}
        except IdentifierError as exc:
            errors["email"] = str(exc)
    else:
        errors["mobile"] = "请填写登记的手机号或邮箱"
    if errors:
        raise Invalid("登录信息有误", fields=errors)
    return credit_code, contact


@dataclass
class CodeIdentity:
    """A 6-digit code to the registered mobile, or a one-time link to the registered email."""

    name: str = "code"

    def start(self, credit_code: str, contact: dict[str, str], *, now: datetime) -> None:
        enterprise = enterprise_by_credit_code(credit_code)
        if enterprise is None:
            return
        channel, value = next(iter(contact.items()))
        channel = "sms" if channel == "mobile" else "email"
        registered = enterprise.mobile if channel == "sms" else enterprise.email
        if not registered or registered.lower() != value.lower():
            return
        recent = db.session.scalar(select(func.count(SignInCode.id)).where(
            SignInCode.enterprise_id == enterprise.id, SignInCode.created_at > now - SEND_WINDOW))
        if recent >= MAX_SENDS:
            return
        # A new code replaces the ones before it.
        for old in db.session.scalars(select(SignInCode).where(
                SignInCode.enterprise_id == enterprise.id, SignInCode.used_at.is_(None))):
            old.used_at = now
        proof = f"{secrets.randbelow(10**6):06d}" if channel == "sms" else secrets.token_urlsafe(24)
        row = SignInCode(enterprise_id=enterprise.id, channel=channel, code_hash=_hash(proof), created_at=now,
                         expires_at=now + CODE_TTL, attempts=0)
        db.session.add(row)
        db.session.flush()
        link = absolute_url(f"/me/link/{enterprise.credit_code}/{proof}") if channel == "email" else None
        notice = sign_in_code(proof if channel == "sms" else "", minutes=int(CODE_TTL.total_seconds() // 60),
                              link=link)
        enqueue([outgoing(notice, channel=channel, recipient=registered, key=f"sign-in:{row.id}",
                          enterprise_id=enterprise.id)], now=now)
        audit.record(None, "enterprise.sign_in_code", "enterprise", enterprise.id, channel=channel)

    def verify(self, credit_code: str, proof: str, *, now: datetime) -> Enterprise | None:
        enterprise = enterprise_by_credit_code(credit_code)
        if enterprise is None:
            return None
        row = db.session.scalar(select(SignInCode).where(
            SignInCode.enterprise_id == enterprise.id, SignInCode.used_at.is_(None),
            SignInCode.expires_at > now).order_by(SignInCode.id.desc()).limit(1))
        if row is None or row.attempts >= MAX_ATTEMPTS:
            return None
        if not hmac.compare_digest(row.code_hash, _hash(proof)):
            row.attempts += 1
            if row.attempts >= MAX_ATTEMPTS:
                row.used_at = now
            db.session.flush()
            return None
        row.used_at = now
        db.session.flush()
        return enterprise


def _provider() -> IdentityProvider:
    provider = current_app.extensions.get("policyhub.identity")
    return provider if provider is not None else CodeIdentity()


def request_code(data: dict, *, now: datetime) -> None:
    """Send a code or link if the credit code and contact belong to one registered firm; silent otherwise."""
    credit_code, contact = _contact(data)
    _provider().start(credit_code, contact, now=now)


def open_session(data: dict, *, now: datetime) -> tuple[str, Enterprise]:
    """A new session token for the firm whose code this is; SignInRefused (never saying why) otherwise."""
    errors: dict[str, str] = {}
    credit_code = ""
    try:
        credit_code = validate_credit_code(data.get("credit_code") if isinstance(data.get("credit_code"), str) else "")
    except IdentifierError as exc:
        errors["credit_code"] = str(exc)
    proof = data.get("code")
    if not isinstance(proof, str) or not proof.strip() or len(proof) > 64:
        errors["code"] = "请填写收到的验证码"
    if errors:
        raise Invalid("登录信息有误", fields=errors)
    provider = _provider()
    enterprise = provider.verify(credit_code, proof.strip(), now=now)
    if enterprise is None:
        raise SignInRefused("验证码错误或已失效，请重新获取", fields={"code": "验证码错误或已失效"})
    token = secrets.token_urlsafe(32)
    db.session.add(EnterpriseSession(enterprise_id=enterprise.id, token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                     identity=provider.name, created_at=now, expires_at=now + SESSION_TTL))
    db.session.flush()
    audit.record(None, "enterprise.sign_in", "enterprise", enterprise.id, identity=provider.name)
    return token, enterprise


def _session(token: str) -> EnterpriseSession | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(EnterpriseSession).where(
        EnterpriseSession.token_hash == hashlib.sha256(token.encode()).hexdigest()))


def enterprise_for_token(token: str, *, now: datetime) -> Enterprise | None:
    """The enterprise a live session token belongs to, or None."""
    session = _session(token)
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    return db.session.get(Enterprise, session.enterprise_id)


def revoke_session(token: str, *, now: datetime) -> None:
    """Sign out: the token stops working."""
    session = _session(token)
    if session is not None and session.revoked_at is None:
        session.revoked_at = now
        db.session.flush()
