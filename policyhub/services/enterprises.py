"""Enterprise profile use cases: validate, derive size, register, update, subscribe, unsubscribe."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matcher.sizes import SIZES, above_scale, size_class
from policyhub.extensions import db
from policyhub.models import CHANNELS, Enterprise, Subscription, User, utcnow
from policyhub.push import reconcile
from policyhub.services import audit
from policyhub.services.enterprise_input import (
    PROFILE_FIELDS,
    REQUIRED,
    EnterpriseIn,
    EnterprisePatch,
    known_qualifications,
    parse_profile,
)
from policyhub.services.errors import Conflict, Invalid

__all__ = [
    "CONTACT_ROLES",
    "PROFILE_FIELDS",
    "REQUIRED",
    "EnterpriseIn",
    "EnterprisePatch",
    "ProfileValues",
    "check_channel_contacts",
    "create_enterprise",
    "delete_enterprise",
    "derive_size",
    "enterprise_by_credit_code",
    "known_qualifications",
    "sees_contacts",
    "set_channels",
    "unsubscribe",
    "update_enterprise",
    "validate_profile",
]

SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


# Who keeps enterprise profiles sees their full contacts; answerers and supervisors see them masked.
CONTACT_ROLES = ("admin", "editor")


def sees_contacts(user: User | None) -> bool:
    """Whether this staff user may read an enterprise's full mobile and email."""
    return user is not None and user.role in CONTACT_ROLES


@dataclass
class ProfileValues:
    """Parsed profile values (only the fields given), the warnings met, and the errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def validate_profile(data: Mapping[str, Any], *, partial: bool = False, check_contacts: bool = True) -> ProfileValues:
    """Parse a profile (EnterpriseIn, or EnterprisePatch when partial), collecting every error instead of raising.

    For callers that report rather than refuse (an import row, the 政策计算器). check_contacts=False leaves the
    "a channel needs its contact" rule to a caller that knows the stored profile.
    """
    out = ProfileValues()
    try:
        parsed = parse_profile(EnterprisePatch if partial else EnterpriseIn, data)
    except Invalid as exc:
        out.errors = dict(exc.fields or {})
        return out
    out.values = parsed.given()
    out.warnings = parsed.warnings()
    if check_contacts:
        check_channel_contacts(out.values, out.errors)
    return out


def check_channel_contacts(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    """A chosen channel needs its contact: SMS a mobile, email an address."""
    channels = values.get("channels") or []
    if "sms" in channels and not values.get("mobile") and "mobile" not in errors:
        errors.setdefault("channels", "选择短信接收须填写手机号")
    if "email" in channels and not values.get("email") and "email" not in errors:
        errors.setdefault("channels", "选择邮件接收须填写邮箱")


def derive_size(values: Mapping[str, Any]) -> dict[str, Any]:
    """Size fields from the figures by the 2017 standard, or from the declared size; flags contradictions."""
    code = values["industry_code"]
    declared = values.get("size")
    result = size_class(code, values.get("employees"), values.get("revenue_wan"), values.get("assets_wan"))
    derived = result.size if result.size in SIZES else None
    out: dict[str, Any] = {
        "declared_size": declared,
        "size_row": result.row,
        "above_scale": above_scale(code, values.get("revenue_wan")),
        "size_flag": None,
    }
    if derived:
        out.update(size=derived, size_source="derived")
        if declared and declared != derived:
            out["size_flag"] = (f"申报规模为{SIZE_LABELS[declared]}，但按统计上大中小微型企业划分办法（2017）"
                                f"测算为{SIZE_LABELS[derived]}：{result.reason}")[:300]
    elif declared:
        out.update(size=declared, size_source="declared")
    else:
        out.update(size=None, size_source="unknown")
    return out


def enterprise_by_credit_code(credit_code: str) -> Enterprise | None:
    """The enterprise with this 统一社会信用代码, if registered."""
    return db.session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code))


def create_enterprise(actor: User | None, profile: EnterpriseIn, *, source: str = "staff",
                      now: datetime | None = None) -> tuple[Enterprise, list[str]]:
    """Register a parsed profile (409 on a known credit code); returns it and the warnings met."""
    values = profile.given()
    errors: dict[str, str] = {}
    check_channel_contacts(values, errors)
    if errors:
        raise Invalid("企业信息有误", fields=errors)
    if enterprise_by_credit_code(values["credit_code"]) is not None:
        raise Conflict("该统一社会信用代码已登记", fields={"credit_code": "已登记"})
    now = now or utcnow()
    enterprise = Enterprise(
        **{k: v for k, v in values.items() if k in _COLUMNS}, **derive_size(values), source=source,
        created_at=now, updated_at=now,
    )
    if enterprise.qualifications is None:
        enterprise.qualifications = []
    try:
        # In a savepoint: a second registration racing this one past the check above is a 409, not a 500.
        with db.session.begin_nested():
            db.session.add(enterprise)
    except IntegrityError as exc:
        raise Conflict("该统一社会信用代码已登记", fields={"credit_code": "已登记"}) from exc
    set_channels(enterprise, values.get("channels") or [], frequency=values.get("frequency") or "instant",
                 topics=values.get("topics") or [], consent_source=source, now=now)
    audit.record(actor, "enterprise.create", "enterprise", enterprise.id, credit_code=enterprise.credit_code,
                 source=source)
    # A new firm hears once: one welcome per channel listing what it matches now.
    reconcile.reconcile_enterprises([enterprise.id], now=now, new=[enterprise.id])
    return enterprise, profile.warnings()


_COLUMNS = ("credit_code", "name", "industry_code", "employees", "revenue_wan", "assets_wan", "region_code",
            "business_scope", "qualifications", "mobile", "email")


def update_enterprise(actor: User | None, enterprise: Enterprise, changes: EnterprisePatch, *,
                      now: datetime | None = None) -> tuple[Enterprise, list[str]]:
    """Apply a parsed change to a profile; the size is derived again and the profile re-matched."""
    values = changes.given()
    errors: dict[str, str] = {}
    if "credit_code" in values and values["credit_code"] != enterprise.credit_code:
        errors["credit_code"] = "统一社会信用代码不能修改"
    merged = {name: getattr(enterprise, name) for name in _COLUMNS} | {"size": enterprise.declared_size}
    merged.update(values)
    if merged.get("channels") is None:
        merged["channels"] = enterprise.channels
    check_channel_contacts(merged, errors)
    if errors:
        raise Invalid("企业信息有误", fields=errors)
    now = now or utcnow()
    changed = sorted(k for k in values if k in _COLUMNS and getattr(enterprise, k) != values[k])
    for name in changed:
        setattr(enterprise, name, values[name])
    if enterprise.qualifications is None:
        enterprise.qualifications = []
    for name, value in derive_size(merged).items():
        setattr(enterprise, name, value)
    if "channels" in values or "frequency" in values or "topics" in values:
        set_channels(enterprise, merged["channels"], frequency=values.get("frequency"),
                     topics=values.get("topics"), consent_source="staff", now=now)
        changed.append("channels")
    enterprise.updated_at = now
    db.session.flush()
    audit.record(actor, "enterprise.edit", "enterprise", enterprise.id, changed=changed)
    reconcile.reconcile_enterprises([enterprise.id], now=now)
    return enterprise, changes.warnings()


def delete_enterprise(actor: User | None, enterprise: Enterprise, *, now: datetime | None = None) -> int:
    """Remove a profile with its subscriptions, matches and messages; returns undelivered messages dropped."""
    outcome = reconcile.enterprise_deleted(enterprise.id, now=now)
    audit.record(actor, "enterprise.delete", "enterprise", enterprise.id, credit_code=enterprise.credit_code,
                 name=enterprise.name, notifications_cancelled=outcome.notifications_cancelled)
    db.session.delete(enterprise)
    db.session.flush()
    return outcome.notifications_cancelled


def set_channels(enterprise: Enterprise, channels: Iterable[str], *, frequency: str | None = None,
                 topics: list[str] | None = None, consent_source: str = "staff",
                 now: datetime | None = None) -> None:
    """Make exactly these channels active; a newly agreed channel records its consent time and source."""
    now = now or utcnow()
    wanted = set(channels)
    existing = {s.channel: s for s in enterprise.subscriptions}
    for channel in CHANNELS:
        subscription = existing.get(channel)
        if channel in wanted:
            if subscription is None:
                subscription = Subscription(channel=channel, consent_at=now, consent_source=consent_source,
                                            frequency=frequency or "instant", topics=topics or [])
                enterprise.subscriptions.append(subscription)
            elif not subscription.active:
                subscription.active = True
                subscription.consent_at = now
                subscription.consent_source = consent_source
                subscription.unsubscribed_at = None
            if frequency:
                subscription.frequency = frequency
            if topics is not None:
                subscription.topics = topics
        elif subscription is not None and subscription.active:
            subscription.active = False
            subscription.unsubscribed_at = now


def unsubscribe(enterprise_id: int, channel: str, now: datetime | None = None) -> bool:
    """Stop one channel (from a signed link); True when something changed."""
    subscription = db.session.scalar(select(Subscription).where(
        Subscription.enterprise_id == enterprise_id, Subscription.channel == channel))
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    subscription.unsubscribed_at = now or utcnow()
    db.session.flush()
    audit.record(None, "subscription.unsubscribe", "enterprise", enterprise_id, channel=channel)
    return True

