"""Tests for matcher.engine: eligibility per field, need_more_info, ranking, reasons, incremental changes."""

from __future__ import annotations

import inspect
import random

import numpy as np
import pytest

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.engine import ELIGIBLE, NEED_MORE_INFO, MatchIndex, PolicyRules, Relevance
from matcher.extract import default_qualifications
from matcher.regions import default_regions
from matcher.taxonomy import default_taxonomy


def profile(
    id_: int, industry_code: str = "3216", size: str | None = "small", region_code: str | None = "371681", **kw
):
    kw.setdefault("name", f"企业{id_}")
    return EnterpriseProfile(id=id_, industry_code=industry_code, size=size, region_code=region_code, **kw)


@pytest.fixture(scope="module")
def profiles() -> list[EnterpriseProfile]:
    return [
        profile(1, "3216", "small", "371681", employees=120, revenue_wan=1500, business_scope="铝冶炼；铝锭生产、销售"),
        profile(
            2, "3252", "large", "371681", above_scale=True, revenue_wan=80000, business_scope="铝板带箔、铝型材制造"
        ),
        profile(
            3, "1711", "medium", "371625", above_scale=True, revenue_wan=30000, business_scope="棉纺纱加工；棉布织造"
        ),
        profile(4, "6513", "micro", "371602", business_scope="软件开发；信息技术咨询服务"),
        profile(5, "2614", "small", "370502", business_scope="有机化学原料制造（不含危险化学品）"),
        profile(6, "3252", "small", None, business_scope="铝材加工"),
        profile(7, "3252", None, "371621", business_scope="铝型材加工"),
        profile(8, "32", "small", "371600", business_scope="有色金属压延加工"),
        profile(9, "7010", "small", "371602", business_scope="房地产开发经营"),
        profile(
            10,
            "1331",
            "medium",
            "371625",
            qualifications=frozenset({'专精特新"小巨人"企业'}),
            business_scope="食用植物油加工",
        ),
        profile(
            11, "2614", "small", "371603", qualifications=frozenset({"高新技术企业"}), business_scope="化工新材料研发"
        ),
        profile(12, "5211", "small", "371602", above_scale=None, business_scope="百货零售"),
    ]


@pytest.fixture(scope="module")
def index(profiles: list[EnterpriseProfile]) -> MatchIndex:
    return MatchIndex().fit(profiles)


def ids(matches) -> list[int]:
    return sorted(m.enterprise_id for m in matches)


def by_id(matches) -> dict:
    return {m.enterprise_id: m for m in matches}


def test_all_means_all(index: MatchIndex, profiles: list[EnterpriseProfile]) -> None:
    matches = index.match(Criteria(), "任意政策")
    assert ids(matches) == [p.id for p in profiles]
    assert all(m.eligibility == ELIGIBLE for m in matches)


def test_industry_restriction_covers_subclasses(index: MatchIndex) -> None:
    matches = by_id(index.match(Criteria(industries=("32",))))
    assert sorted(matches) == [1, 2, 6, 7, 8]
    assert matches[1].reasons == ("行业：3216 铝冶炼，属于政策支持的 32 有色金属冶炼和压延加工业",)
    assert matches[8].reasons == ("行业：32 有色金属冶炼和压延加工业，属于政策支持的行业",)


def test_coarse_industry_code_needs_more_info(index: MatchIndex) -> None:
    matches = by_id(index.match(Criteria(industries=("3216",))))
    assert matches[1].eligibility == ELIGIBLE
    assert matches[8].eligibility == NEED_MORE_INFO
    assert matches[8].missing == ("industry_code",)
    assert "请补充更具体的行业代码" in matches[8].reasons[0]
    assert 2 not in matches  # 3252 is a sibling, not a part, of 3216


def test_excluded_industries(index: MatchIndex, profiles: list[EnterpriseProfile]) -> None:
    matches = by_id(index.match(Criteria(excluded_industries=("K", "F"))))
    assert 9 not in matches and 12 not in matches
    assert len(matches) == len(profiles) - 2
    assert matches[1].reasons == ("行业：3216 铝冶炼，不在政策排除的行业之列",)


def test_sizes_and_unknown_size(index: MatchIndex) -> None:
    matches = by_id(index.match(Criteria(industries=("3252",), sizes=("medium", "small", "micro"))))
    assert sorted(matches) == [6, 7, 8]
    assert matches[8].missing == ("industry_code",)  # coded only as 32
    assert matches[7].eligibility == NEED_MORE_INFO and matches[7].missing == ("size",)
    assert matches[7].reasons[1].startswith("规模：未知")


def test_size_reason_shows_the_figures(index: MatchIndex) -> None:
    match = by_id(index.match(Criteria(sizes=("small",))))[1]
    assert match.reasons == ("规模：小型（从业人员 120 人，营业收入 1500 万元）",)


def test_regions(index: MatchIndex) -> None:
    matches = by_id(index.match(Criteria(regions=("371600",))))
    assert 5 not in matches  # 东营
    assert matches[1].reasons == ("地区：邹平市，属于滨州市",)
    assert matches[6].eligibility == NEED_MORE_INFO and matches[6].missing == ("region_code",)
    assert matches[8].reasons == ("地区：滨州市",)
    province = by_id(index.match(Criteria(regions=("370000",))))
    assert 5 in province and province[5].eligibility == ELIGIBLE
    nationwide = by_id(index.match(Criteria(regions=("100000",))))
    assert all(m.eligibility == ELIGIBLE for m in nationwide.values()) and len(nationwide) == 12
    assert nationwide[6].reasons == ("地区：政策全国适用",)


def test_region_former_code_and_county(index: MatchIndex) -> None:
    # 371626 is 邹平's code before 2018; a policy using it still reaches 邹平 enterprises.
    zouping = index.match(Criteria(regions=("371626",)))
    assert [m.enterprise_id for m in zouping if m.eligibility == ELIGIBLE] == [1, 2]
    county = by_id(index.match(Criteria(regions=("371625",))))
    assert sorted(county) == [3, 6, 8, 10]
    assert county[8].eligibility == NEED_MORE_INFO  # registered only as 滨州市
    assert county[8].reasons == ("地区：滨州市，政策仅限其中的博兴县，请补充所在区县",)


def test_above_scale(index: MatchIndex) -> None:
    matches = by_id(index.match(Criteria(industries=("F", "32", "17"), above_scale_only=True)))
    assert matches[2].eligibility == ELIGIBLE
    assert matches[2].reasons[-1] == "规上/限上：是（营业收入 80000 万元）"
    assert matches[12].eligibility == NEED_MORE_INFO and matches[12].missing == ("above_scale",)
    assert 1 in matches and matches[1].eligibility == NEED_MORE_INFO


def test_qualifications_with_implied_ones(index: MatchIndex) -> None:
    assert ids(index.match(Criteria(qualifications=("高新技术企业",)))) == [11]
    # A 小巨人 enterprise is also a 专精特新中小企业.
    matches = index.match(Criteria(qualifications=("专精特新中小企业",)))
    assert ids(matches) == [10]
    assert matches[0].reasons == ("资质：专精特新中小企业",)
    assert index.match(Criteria(qualifications=("瞪羚企业",))) == []


def test_ranking_eligible_first_then_by_relevance(index: MatchIndex) -> None:
    matches = index.match(Criteria(industries=("32",)), "支持铝板带箔、铝型材等铝压延加工企业")
    assert [m.eligibility for m in matches] == [ELIGIBLE] * len(matches)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert matches[0].enterprise_id in (2, 7, 6)
    assert all(0.0 <= s <= 1.0 + 1e-6 for s in scores)
    mixed = index.match(Criteria(industries=("3252",), sizes=("small",)), "铝型材")
    assert [m.eligibility for m in mixed] == [ELIGIBLE, NEED_MORE_INFO, NEED_MORE_INFO]


def test_limit_keeps_the_best(index: MatchIndex) -> None:
    everything = index.match(Criteria(), "铝冶炼 铝锭")
    top = index.match(Criteria(), "铝冶炼 铝锭", limit=3)
    assert [m.enterprise_id for m in top] == [m.enterprise_id for m in everything[:3]]
    assert top[0].enterprise_id == 1


def test_explain_says_why_not(index: MatchIndex) -> None:
    reasons = index.explain(Criteria(industries=("32",), sizes=("small", "micro"), regions=("371600",)), 3)
    assert reasons == (
        "行业：1711 棉纺纱加工，不属于政策支持的行业（32 有色金属冶炼和压延加工业）",
        "规模：中型（营业收入 30000 万元），政策限小型、微型企业",
        "地区：博兴县，属于滨州市",
    )


def test_add_update_remove_without_rebuild(profiles: list[EnterpriseProfile]) -> None:
    index = MatchIndex().fit(profiles)
    matrix = index.X_
    index.add(profile(100, "3216", "micro", "371622", business_scope="再生铝熔炼"))
    assert 100 in ids(index.match(Criteria(industries=("3216",))))
    index.update(profile(100, "1711", "micro", "371622", business_scope="棉纺纱"))
    assert 100 not in ids(index.match(Criteria(industries=("3216",))))
    assert 100 in ids(index.match(Criteria(industries=("17",))))
    index.remove(1)
    assert 1 not in ids(index.match(Criteria()))
    assert index.X_ is matrix  # nothing was refitted or rebuilt
    assert len(index) == len(profiles)
    with pytest.raises(ValueError):
        index.add(profile(2))
    with pytest.raises(KeyError):
        index.remove(1)
    index.compact()
    assert len(index) == len(profiles)
    assert ids(index.match(Criteria(industries=("17",)))) == [3, 100]
    assert index.match(Criteria(), "再生铝 棉纺纱", limit=1)[0].enterprise_id == 100


def test_empty_index_then_add() -> None:
    index = MatchIndex().fit([])
    assert index.match(Criteria()) == []
    index.add(profile(1, business_scope="铝冶炼"))
    assert [m.enterprise_id for m in index.match(Criteria(industries=("32",)), "铝冶炼")] == [1]
    assert index.match(Criteria(), "铝冶炼")[0].score > 0


def test_estimator_shape() -> None:
    params = inspect.signature(MatchIndex.__init__).parameters
    index = MatchIndex(min_df=1)
    assert {k for k in vars(index)} == {p for p in params if p != "self"}
    assert not [k for k in vars(index) if k.endswith("_")]
    fitted = index.fit([profile(1)])
    assert fitted is index
    assert hasattr(index, "X_") and hasattr(index, "vectorizer_")


def test_vectorised_eligibility_agrees_with_a_per_enterprise_loop() -> None:
    rng = random.Random(7)
    tax, regions, quals = default_taxonomy(), default_regions(), default_qualifications()
    classes = [i.code for i in tax.at_level(4)][:400] + ["32", "17", "131", ""]
    places = ["371681", "371625", "371602", "371600", "370502", "110105", None]
    names = ["高新技术企业", "专精特新中小企业", '专精特新"小巨人"企业', "瞪羚企业"]
    people = [
        profile(
            i,
            rng.choice(classes),
            rng.choice(["large", "medium", "small", "micro", None]),
            rng.choice(places),
            qualifications=frozenset(rng.sample(names, rng.randint(0, 2))),
            above_scale=rng.choice([True, False, None]),
        )
        for i in range(1500)
    ]
    index = MatchIndex().fit(people)
    for _ in range(40):
        criteria = Criteria(
            industries=tuple(rng.sample(["C", "32", "3216", "17", "131", "01"], rng.randint(0, 2))),
            excluded_industries=tuple(rng.sample(["K", "3252", "1711"], rng.randint(0, 1))),
            sizes=tuple(s for s in ("large", "medium", "small", "micro") if rng.random() < 0.5),
            regions=tuple(rng.sample(["371600", "371625", "370000", "100000"], rng.randint(0, 1))),
            qualifications=tuple(rng.sample(names, rng.randint(0, 1))),
            above_scale_only=rng.random() < 0.3,
        )
        got = {m.enterprise_id: m.eligibility for m in index.match(criteria)}
        want = {}
        for p in people:
            verdict = naive(p, criteria, tax, regions, quals)
            if verdict is not None:
                want[p.id] = verdict
        assert got == want, criteria


def naive(p: EnterpriseProfile, c: Criteria, tax, regions, quals) -> str | None:
    """The rules written out one enterprise at a time (the reference for the vectorised code)."""
    missing = False
    code = p.industry_code
    if c.industries:
        if not code:
            missing = True
        elif not any(tax.covers(w, code) for w in c.industries):
            if any(tax.covers(code, w) for w in c.industries):
                missing = True
            else:
                return None
    if c.excluded_industries:
        if code and any(tax.covers(x, code) for x in c.excluded_industries):
            return None
        if not code or any(tax.covers(code, x) for x in c.excluded_industries):
            missing = True
    if c.sizes:
        if p.size is None:
            missing = True
        elif p.size not in c.sizes:
            return None
    if c.regions and "100000" not in c.regions:
        if p.region_code is None:
            missing = True
        elif not any(regions.covers(a, p.region_code) for a in c.regions):
            if any(regions.covers(p.region_code, a) for a in c.regions):
                missing = True
            else:
                return None
    if c.above_scale_only:
        if p.above_scale is None:
            missing = True
        elif not p.above_scale:
            return None
    if c.qualifications and not (quals.closure(p.qualifications) & set(c.qualifications)):
        return None
    return NEED_MORE_INFO if missing else ELIGIBLE


def test_match_arrays(index: MatchIndex) -> None:
    result = index.match_arrays(Criteria(industries=("32",)), "铝")
    assert len(result) == 5
    assert result.enterprise_ids.dtype == np.int64
    assert result.eligible.all()


def test_tally_counts_rows_by_county_size_and_section() -> None:
    firms = MatchIndex().fit([
        profile(1, industry_code="3252", size="small", region_code="371625"),
        profile(2, industry_code="3252", size="small", region_code="371681"),
        profile(3, industry_code="1711", size="medium", region_code="371625"),
        profile(4, industry_code=None, size=None, region_code="371600"),
    ])
    rows = np.array([firms.row_of_[i] for i in (1, 2, 4)])
    tally = firms.tally(rows)
    assert tally.by_county == {"371625": 1, "371681": 1, "": 1}
    assert tally.by_size == {"small": 2, "": 1}
    assert tally.by_section == {"C": 2, "": 1}
    assert (tally.indexed, tally.indexed_missing_data) == (4, 1)
    firms.remove(4)
    assert (firms.tally(np.array([], dtype=np.int64)).indexed, firms.tally(rows[:0]).indexed_missing_data) == (3, 0)


@pytest.mark.parametrize("criteria", [
    {},
    {"industries": ["32"]},
    {"industries": ["3216", "1711"], "sizes": ["small", "micro"]},
    {"excluded_industries": ["32"], "regions": ["371600"]},
    {"regions": ["371681", "370500"], "above_scale_only": True},
    {"regions": ["100000"], "sizes": ["medium"]},
    {"qualifications": ["专精特新"], "industries": ["C"]},
    {"industries": ["3252"], "regions": ["371621"], "sizes": ["small"]},
])
def test_policy_rules_say_what_the_index_says(index: MatchIndex, profiles, criteria: dict) -> None:
    # The rules applied one profile at a time (the push reads profiles from the database) agree with the
    # vectorised index: the same firms, verdicts, missing fields and reasons.
    wanted = Criteria.from_dict(criteria)
    expected = {m.enterprise_id: (m.eligibility, m.missing, m.reasons) for m in index.match(wanted)}
    rules = PolicyRules(wanted)
    got = {}
    for p in profiles:
        verdict, missing = rules.verdict(p)
        if verdict is not None:
            got[p.id] = (verdict, missing, rules.reasons(p))
    assert got == expected


def test_relevance_ranks_the_firm_whose_scope_the_policy_speaks_of_first() -> None:
    relevance = Relevance("支持铝型材、铝板带企业技术改造")
    aluminium = relevance.score("铝板带箔、铝型材制造", "3252")
    cotton = relevance.score("棉纺纱加工；棉布织造", "1711")
    assert 0.0 <= cotton < aluminium <= 1.0
    assert Relevance("").score("铝型材制造", "3252") == 0.0
