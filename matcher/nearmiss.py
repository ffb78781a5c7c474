"""One enterprise against one policy's criteria: each unmet condition in plain Chinese, for 差一点 and the calculator."""

from __future__ import annotations

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.extract import QualificationList, default_qualifications
from matcher.regions import NATIONWIDE, Regions, default_regions
from matcher.sizes import SizeStandard, default_standard
from matcher.taxonomy import InvalidIndustryCode, Taxonomy, default_taxonomy

__all__ = ["SIZE_NAMES", "unmet_conditions"]

SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


def _name(taxonomy: Taxonomy, code: str) -> str:
    try:
        chain = taxonomy.ancestors(code)
    except InvalidIndustryCode:
        return code
    for candidate in reversed(chain):
        if name := taxonomy.name(candidate):
            return name
    return code


def _covers(taxonomy: Taxonomy, a: str, b: str) -> bool:
    try:
        return taxonomy.covers(a, b)
    except InvalidIndustryCode:
        return False


def _industry(criteria: Criteria, profile: EnterpriseProfile, taxonomy: Taxonomy) -> str | None:
    code = profile.industry_code
    if not criteria.industries and not criteria.excluded_industries:
        return None
    if not code:
        return "请补充行业以确定是否属于政策支持的行业"
    for excluded in criteria.excluded_industries:
        if _covers(taxonomy, excluded, code):
            return f"政策不支持{_name(taxonomy, excluded)}行业"
    if not criteria.industries or any(_covers(taxonomy, wanted, code) for wanted in criteria.industries):
        return None
    if any(_covers(taxonomy, code, wanted) for wanted in criteria.industries):
        return "请补充更具体的行业（小类）以确定是否属于政策支持的行业"
    names = "、".join(_name(taxonomy, w) for w in criteria.industries)
    return f"需属于政策支持的行业：{names}"


def _size(criteria: Criteria, profile: EnterpriseProfile) -> str | None:
    if not criteria.sizes or profile.size in criteria.sizes:
        return None
    if profile.size is None:
        for figure, label in ((profile.employees, "从业人员数"), (profile.revenue_wan, "营业收入"),
                              (profile.assets_wan, "资产总额")):
            if figure is None:
                return f"请补充{label}以确定规模"
        return "请补充经营数据以确定规模"
    wanted = "、".join(SIZE_NAMES[s] for s in criteria.sizes)
    return f"政策限{wanted}企业（按登记数据测算为{SIZE_NAMES.get(profile.size, profile.size)}企业）"


def _region(criteria: Criteria, profile: EnterpriseProfile, regions: Regions) -> str | None:
    if not criteria.regions or any(regions.canonical(a) == NATIONWIDE for a in criteria.regions):
        return None
    names = "、".join(regions.name(r) or r for r in criteria.regions)
    if not profile.region_code:
        return f"请补充所在区县（政策限{names}）"
    if any(regions.covers(area, profile.region_code) for area in criteria.regions):
        return None
    if any(regions.covers(profile.region_code, area) for area in criteria.regions):
        return f"请补充所在区县（政策仅限{names}）"
    return f"需位于{names}"


def _scale(criteria: Criteria, profile: EnterpriseProfile, standard: SizeStandard) -> str | None:
    if not criteria.above_scale_only or profile.above_scale:
        return None
    try:
        threshold = standard.scale_threshold(profile.industry_code) if profile.industry_code else None
    except InvalidIndustryCode:
        threshold = None
    if threshold is None:
        return "政策仅支持规模以上/限额以上企业"
    short = threshold.name.replace("规模以上", "规上").replace("限额以上", "限上")
    if profile.revenue_wan is None and profile.above_scale is None:
        return f"请补充营业收入以确定是否为{short}企业"
    minimum = f"{threshold.min_revenue_wan:g}"
    return f"营业收入达到 {minimum} 万元即为{short}企业"


def _qualification(criteria: Criteria, profile: EnterpriseProfile, qualifications: QualificationList) -> str | None:
    if not criteria.qualifications:
        return None
    held = qualifications.closure(profile.qualifications)
    if any(qualifications.canonical(q) in held for q in criteria.qualifications):
        return None
    if len(criteria.qualifications) == 1:
        [wanted] = criteria.qualifications
        return f"需取得{wanted}认定" if wanted.endswith("企业") else f"需取得{wanted}"
    return f"需取得以下资质之一：{'、'.join(criteria.qualifications)}"


def unmet_conditions(criteria: Criteria, profile: EnterpriseProfile, *, taxonomy: Taxonomy | None = None,
                     regions: Regions | None = None, qualifications: QualificationList | None = None,
                     standard: SizeStandard | None = None) -> list[str]:
    """What the profile lacks for the policy, one phrase per unmet condition; empty when it qualifies."""
    taxonomy = taxonomy or default_taxonomy()
    unmet = [
        _industry(criteria, profile, taxonomy),
        _size(criteria, profile),
        _region(criteria, profile, regions or default_regions()),
        _scale(criteria, profile, standard or default_standard()),
        _qualification(criteria, profile, qualifications or default_qualifications()),
    ]
    return [phrase for phrase in unmet if phrase]
