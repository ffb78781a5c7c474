"""What a signed-in enterprise (or anyone, in the calculator) sees: its policies, near misses, follows, preferences."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.nearmiss import unmet_conditions
from policyhub.extensions import db
from policyhub.models import Enterprise, Policy, PolicyFollow, PolicyMatch
from policyhub.models.enterprise import FREQUENCIES
from policyhub.models.match import ELIGIBLE
from policyhub.push import reconcile
from policyhub.services import audit
from policyhub.services.enterprises import derive_size, set_channels, validate_profile
from policyhub.services.errors import Invalid, NotFound
from policyhub.timeutil import local_date

__all__ = [
    "NEW_FOR",
    "calculate",
    "follow",
    "my_near_misses",
    "my_policies",
    "preferences",
    "set_preferences",
    "unfollow",
]

# A policy published this recently is "new" on 我的政策.
NEW_FOR = timedelta(days=30)


def _live_policies(now: datetime) -> list[Policy]:
    policies = db.session.scalars(select(Policy).where(Policy.status == "published")
                                  .order_by(Policy.published_at.desc(), Policy.id.desc())).all()
    return [p for p in policies if reconcile.is_live(p, now)]


def _followed(enterprise_id: int) -> set[int]:
    return set(db.session.scalars(select(PolicyFollow.policy_id).where(PolicyFollow.enterprise_id == enterprise_id)))


def policy_summary(policy: Policy, now: datetime) -> dict[str, Any]:
    """The policy as 我的政策 and 差一点 show it."""
    until = policy.apply_until  # the editor's, or read from the text when saved
    return {"id": policy.id, "title": policy.title, "doc_number": policy.doc_number,
            "department": {"code": policy.department.code, "name": policy.department.name},
            "published_at": policy.published_at.isoformat() if policy.published_at else None,
            "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
            "apply_until": until.isoformat() if until else None,
            "days_left": (until - local_date(now)).days if until else None}


def my_policies(enterprise: Enterprise, *, now: datetime) -> list[dict[str, Any]]:
    """Every live policy the firm is eligible for, newest first, then the most relevant."""
    rows = db.session.execute(
        select(PolicyMatch, Policy).join(Policy, Policy.id == PolicyMatch.policy_id)
        .where(PolicyMatch.enterprise_id == enterprise.id, PolicyMatch.active.is_(True),
               PolicyMatch.eligibility == ELIGIBLE, PolicyMatch.not_relevant_at.is_(None),
               Policy.status == "published")
        .order_by(Policy.published_at.desc(), PolicyMatch.score.desc(), Policy.id.desc())).all()
    followed = _followed(enterprise.id)
    items = []
    for match, policy in rows:
        if not reconcile.is_live(policy, now):
            continue
        summary = policy_summary(policy, now)
        items.append({"policy": summary, "reasons": list(match.reasons or []), "score": round(match.score, 4),
                      "apply_until": summary["apply_until"], "followed": policy.id in followed,
                      "is_new": bool(policy.published_at and policy.published_at >= now - NEW_FOR)})
    return items


def profile_of(enterprise: Enterprise) -> EnterpriseProfile:
    """The matcher's view of a stored enterprise."""
    return EnterpriseProfile(id=enterprise.id, name=enterprise.name, industry_code=enterprise.industry_code,
                             size=enterprise.size, region_code=enterprise.region_code,
                             qualifications=frozenset(enterprise.qualifications or []),
                             above_scale=enterprise.above_scale, business_scope=enterprise.business_scope or "",
                             employees=enterprise.employees, revenue_wan=enterprise.revenue_wan,
                             assets_wan=enterprise.assets_wan)


def _sorted_out(profile: EnterpriseProfile, policies: list[Policy], now: datetime,
                skip: set[int] = frozenset()) -> tuple[list[dict], list[dict]]:
    eligible, near = [], []
    for policy in policies:
        if policy.id in skip:
            continue
        unmet = unmet_conditions(Criteria.from_dict(policy.criteria or {}), profile)
        if not unmet:
            eligible.append({"policy": policy_summary(policy, now)})
        elif len(unmet) == 1:
            near.append({"policy": policy_summary(policy, now), "missing": unmet})
    return eligible, near


def my_near_misses(enterprise: Enterprise, *, now: datetime) -> list[dict[str, Any]]:
    """Live policies the firm misses by exactly one condition, with that condition in words."""
    matched = set(db.session.scalars(select(PolicyMatch.policy_id).where(
        PolicyMatch.enterprise_id == enterprise.id, PolicyMatch.active.is_(True),
        PolicyMatch.eligibility == ELIGIBLE)))
    _, near = _sorted_out(profile_of(enterprise), _live_policies(now), now, skip=matched)
    return near


def calculate(data: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The 政策计算器: size, 规上/限上, the policies that fit and the near misses of an unregistered profile."""
    fields = ("industry_code", "region_code", "employees", "revenue_wan", "assets_wan", "qualifications")
    given = {k: v for k, v in data.items() if k in fields}
    unknown = sorted(set(data) - set(fields))
    checked = validate_profile(given, partial=True, check_contacts=False)
    for name in unknown:
        checked.errors[name] = "未知参数"
    if not given.get("industry_code"):
        checked.errors.setdefault("industry_code", "必填：请选择所属行业")
    if checked.errors:
        raise Invalid("计算条件有误", fields=checked.errors)
    values = checked.values
    sized = derive_size({"industry_code": values["industry_code"], "employees": values.get("employees"),
                         "revenue_wan": values.get("revenue_wan"), "assets_wan": values.get("assets_wan")})
    profile = EnterpriseProfile(id=0, name="", industry_code=values["industry_code"], size=sized["size"],
                                region_code=values.get("region_code"),
                                qualifications=frozenset(values.get("qualifications") or []),
                                above_scale=sized["above_scale"], employees=values.get("employees"),
                                revenue_wan=values.get("revenue_wan"), assets_wan=values.get("assets_wan"))
    eligible, near = _sorted_out(profile, _live_policies(now), now)
    return {"size": sized["size"], "above_scale": sized["above_scale"], "eligible": eligible, "near_misses": near,
            "values": {k: values.get(k) for k in fields if values.get(k) not in (None, [], "")}}


def _published(policy_id: int) -> Policy:
    policy = db.session.get(Policy, policy_id)
    if policy is None or policy.status != "published":
        raise NotFound(f"政策 {policy_id} 不存在或未发布", fields={"policy_id": "不存在或未发布"})
    return policy


def follow(enterprise: Enterprise, policy_id: int, *, now: datetime) -> bool:
    """Follow a published policy; False when it was already followed."""
    _published(policy_id)
    if db.session.scalar(select(PolicyFollow).where(PolicyFollow.enterprise_id == enterprise.id,
                                                    PolicyFollow.policy_id == policy_id)):
        return False
    db.session.add(PolicyFollow(enterprise_id=enterprise.id, policy_id=policy_id, created_at=now))
    db.session.flush()
    return True


def unfollow(enterprise: Enterprise, policy_id: int) -> bool:
    """Stop following; False when it was not followed."""
    row = db.session.scalar(select(PolicyFollow).where(PolicyFollow.enterprise_id == enterprise.id,
                                                       PolicyFollow.policy_id == policy_id))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def preferences(enterprise: Enterprise) -> dict[str, Any]:
    """Active channels and the frequency of pushes."""
    active = [s for s in enterprise.subscriptions if s.active]
    frequency = active[0].frequency if active else "instant"
    return {"channels": [s.channel for s in active], "frequency": frequency,
            "available": {"sms": bool(enterprise.mobile), "email": bool(enterprise.email)}}


def set_preferences(enterprise: Enterprise, data: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Set channels and frequency (a channel unsubscribed before is subscribed again, with consent now)."""
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - {"channels", "frequency"})
    for name in unknown:
        errors[name] = "未知字段"
    channels = data.get("channels", [s.channel for s in enterprise.subscriptions if s.active])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        errors["channels"] = "应为渠道列表，如 [\"sms\", \"email\"]"
    else:
        bad = [c for c in channels if c not in ("sms", "email")]
        if bad:
            errors["channels"] = f"{'、'.join(bad)} 不是有效渠道，应为 sms 或 email"
        elif "sms" in channels and not enterprise.mobile:
            errors["channels"] = "未登记手机号，不能选择短信"
        elif "email" in channels and not enterprise.email:
            errors["channels"] = "未登记邮箱，不能选择邮件"
    frequency = data.get("frequency", preferences(enterprise)["frequency"])
    if frequency not in FREQUENCIES:
        errors["frequency"] = "应为 instant（即时）、daily（每日汇总）或 weekly（每周汇总）"
    if errors:
        raise Invalid("偏好设置有误", fields=errors)
    set_channels(enterprise, sorted(set(channels)), frequency=frequency, consent_source="self", now=now)
    for subscription in enterprise.subscriptions:
        subscription.frequency = frequency
    db.session.flush()
    audit.record(None, "enterprise.preferences", "enterprise", enterprise.id, channels=sorted(set(channels)),
                 frequency=frequency)
    return preferences(enterprise)
