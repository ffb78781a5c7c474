"""Enterprise profile use cases: validate, derive size, register, update, subscribe, unsubscribe."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matcher._data import DATA_DIR
from matcher.regions import default_regions
from matcher.sizes import SIZES, above_scale, size_class
from matcher.taxonomy import InvalidIndustryCode, default_taxonomy
from policyhub.extensions import db
from policyhub.inputs import text_problem
from policyhub.models import CHANNELS, Enterprise, Subscription, User, utcnow
from policyhub.models.enterprise import FREQUENCIES
from policyhub.push import reconcile
from policyhub.services import audit
from policyhub.services.errors import Conflict, Invalid
from policyhub.services.identifiers import (
    IdentifierError,
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_region_code,
)

__all__ = [
    "CONTACT_ROLES",
    "sees_contacts",
    "PROFILE_FIELDS",
    "ProfileValues",
    "create_enterprise",
    "delete_enterprise",
    "derive_size",
    "enterprise_by_credit_code",
    "check_channel_contacts",
    "known_qualifications",
    "set_channels",
    "unsubscribe",
    "update_enterprise",
    "validate_profile",
]

PROFILE_FIELDS = ("credit_code", "name", "industry_code", "employees", "revenue_wan", "assets_wan", "size",
                  "region_code", "business_scope", "qualifications", "mobile", "email", "channels", "frequency",
                  "topics")
REQUIRED = ("credit_code", "name", "industry_code")
MAX_EMPLOYEES = 10_000_000
MAX_MONEY_WAN = 1e10
MAX_SCOPE = 4000
MAX_LIST = 20
SIZE_LABELS = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")


# Who keeps enterprise profiles sees their full contacts; answerers and supervisors see them masked.
CONTACT_ROLES = ("admin", "editor")


def sees_contacts(user: User | None) -> bool:
    """Whether this staff user may read an enterprise's full mobile and email."""
    return user is not None and user.role in CONTACT_ROLES


@cache
def known_qualifications() -> tuple[str, ...]:
    """Qualification names an enterprise may hold (data/qualifications.txt)."""
    lines = (DATA_DIR / "qualifications.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass
class ProfileValues:
    """Validated, normalised profile values, the warnings met, and the errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any, name: str, out: ProfileValues, max_length: int, min_length: int = 1) -> str | None:
    if not isinstance(value, str):
        out.errors[name] = "应为文本"
        return None
    value = value.strip()
    if text_problem(value):
        out.errors[name] = text_problem(value)
    elif len(value) < min_length:
        out.errors[name] = f"至少 {min_length} 个字"
    elif len(value) > max_length:
        out.errors[name] = f"最多 {max_length} 个字"
    else:
        return value
    return None


def _number(value: Any, name: str, out: ProfileValues, *, integer: bool, upper: float) -> float | int | None:
    if isinstance(value, bool):
        out.errors[name] = "应为数字"
        return None
    if isinstance(value, str):
        raw = value.strip().replace(",", "")
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            out.errors[name] = "应为整数" if integer else "应为数字"
            return None
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        out.errors[name] = "应为数字"
        return None
    if integer and isinstance(value, float):
        if not value.is_integer():
            out.errors[name] = "应为整数"
            return None
        value = int(value)
    if value < 0:
        out.errors[name] = "不能为负数"
        return None
    if value > upper:
        out.errors[name] = f"不能大于 {upper:g}"
        return None
    return value if integer else round(float(value), 2)


def _string_list(value: Any, name: str, out: ProfileValues) -> list[str] | None:
    if isinstance(value, str):
        value = [part for part in _LIST_SPLIT.split(value)]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        out.errors[name] = "应为文本列表"
        return None
    for i, item in enumerate(value):
        if text_problem(item):
            out.errors[f"{name}.{i}"] = text_problem(item)
            return None
    items = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(items) > MAX_LIST:
        out.errors[name] = f"最多 {MAX_LIST} 项"
        return None
    return items


def validate_profile(data: Mapping[str, Any], *, partial: bool = False, check_contacts: bool = True) -> ProfileValues:
    """Check every given field; collect all errors instead of stopping at the first.

    check_contacts=False leaves the "a channel needs its contact" rule to a caller that knows the stored
    profile (an update may name a channel whose contact is already on file).
    """
    out = ProfileValues()
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    for name in unknown:
        out.errors[name] = "未知字段"
    if not partial:
        for name in REQUIRED:
            if _blank(data.get(name)):
                out.errors[name] = "必填"
    for name in PROFILE_FIELDS:
        if name not in data or name in out.errors:
            continue
        raw = data[name]
        if _blank(raw) and name not in REQUIRED:
            out.values[name] = ([] if name in ("qualifications", "channels", "topics")
                                else "" if name == "business_scope" else None)
            continue
        _validate_field(name, raw, out)
    if check_contacts:
        check_channel_contacts(out.values, out.errors)
    return out


def _validate_field(name: str, raw: Any, out: ProfileValues) -> None:
    try:
        if name == "credit_code":
            out.values[name] = validate_credit_code(raw)
        elif name == "mobile":
            out.values[name] = validate_mobile(raw)
        elif name == "email":
            out.values[name] = validate_email(raw)
        elif name == "region_code":
            code = validate_region_code(raw)
            regions = default_regions()
            if not regions.is_valid(code):
                out.errors[name] = f"{code} 不是已知的行政区划代码"
            else:
                # Former codes (邹平县 371626) are stored as the current one (邹平市 371681).
                out.values[name] = regions.canonical(code)
        elif name == "name":
            value = _text(raw, name, out, 200, 2)
            if value is not None:
                out.values[name] = value
        elif name == "industry_code":
            if not isinstance(raw, str | int):
                out.errors[name] = "应为文本"
                return
            code, warning = default_taxonomy().check(str(raw))
            out.values[name] = code
            if warning:
                out.warnings.append(f"industry_code: {warning}")
        elif name == "employees":
            value = _number(raw, name, out, integer=True, upper=MAX_EMPLOYEES)
            if value is not None:
                out.values[name] = value
        elif name in ("revenue_wan", "assets_wan"):
            value = _number(raw, name, out, integer=False, upper=MAX_MONEY_WAN)
            if value is not None:
                out.values[name] = value
        elif name == "size":
            if raw not in SIZES:
                out.errors[name] = f"应为 {', '.join(SIZES)} 之一"
            else:
                out.values[name] = raw
        elif name == "business_scope":
            value = _text(raw, name, out, MAX_SCOPE, 0)
            if value is not None:
                out.values[name] = value
        elif name == "qualifications":
            items = _string_list(raw, name, out)
            if items is not None:
                unknown = [q for q in items if q not in known_qualifications()]
                if unknown:
                    out.errors[name] = f"未知资质：{'、'.join(unknown)}（可选：{'、'.join(known_qualifications())}）"
                else:
                    out.values[name] = items
        elif name == "channels":
            items = _string_list(raw, name, out)
            if items is not None:
                bad = [c for c in items if c not in CHANNELS]
                if bad:
                    out.errors[name] = f"{'、'.join(bad)} 不是有效渠道，应为 sms 或 email"
                else:
                    out.values[name] = items
        elif name == "frequency":
            if raw not in FREQUENCIES:
                out.errors[name] = "应为 instant（即时）、daily（每日汇总）或 weekly（每周汇总）"
            else:
                out.values[name] = raw
        elif name == "topics":
            items = _string_list(raw, name, out)
            if items is not None:
                out.values[name] = [t[:64] for t in items]
    except (IdentifierError, InvalidIndustryCode) as exc:
        out.errors[name] = str(exc)


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


def _raise_if_invalid(checked: ProfileValues) -> None:
    if checked.errors:
        raise Invalid("企业信息有误", fields=checked.errors)


def create_enterprise(actor: User | None, data: Mapping[str, Any], *, source: str = "staff",
                      now: datetime | None = None) -> tuple[Enterprise, list[str]]:
    """Register an enterprise (409 on a known credit code); returns it and the warnings met."""
    checked = validate_profile(data)
    _raise_if_invalid(checked)
    values = checked.values
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
    return enterprise, checked.warnings


_COLUMNS = ("credit_code", "name", "industry_code", "employees", "revenue_wan", "assets_wan", "region_code",
            "business_scope", "qualifications", "mobile", "email")


def update_enterprise(actor: User | None, enterprise: Enterprise, data: Mapping[str, Any], *,
                      now: datetime | None = None) -> tuple[Enterprise, list[str]]:
    """Change a profile; the size is derived again and the profile re-matched."""
    checked = validate_profile(data, partial=True, check_contacts=False)
    if "credit_code" in checked.values and checked.values["credit_code"] != enterprise.credit_code:
        checked.errors["credit_code"] = "统一社会信用代码不能修改"
    merged = {name: getattr(enterprise, name) for name in _COLUMNS} | {"size": enterprise.declared_size}
    merged.update(checked.values)
    if merged.get("channels") is None:
        merged["channels"] = enterprise.channels
    check_channel_contacts(merged, checked.errors)
    _raise_if_invalid(checked)
    now = now or utcnow()
    changed = sorted(k for k in checked.values if k in _COLUMNS and getattr(enterprise, k) != checked.values[k])
    for name in changed:
        setattr(enterprise, name, checked.values[name])
    if enterprise.qualifications is None:
        enterprise.qualifications = []
    for name, value in derive_size(merged).items():
        setattr(enterprise, name, value)
    if "channels" in checked.values or "frequency" in checked.values or "topics" in checked.values:
        set_channels(enterprise, merged["channels"], frequency=checked.values.get("frequency"),
                     topics=checked.values.get("topics"), consent_source="staff", now=now)
        changed.append("channels")
    enterprise.updated_at = now
    db.session.flush()
    audit.record(actor, "enterprise.edit", "enterprise", enterprise.id, changed=changed)
    reconcile.reconcile_enterprises([enterprise.id], now=now)
    return enterprise, checked.warnings


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

