"""Unmet conditions in words: what 差一点 and the calculator say."""

from matcher.criteria import Criteria, EnterpriseProfile
from matcher.nearmiss import unmet_conditions


def profile(**fields) -> EnterpriseProfile:
    values = {"id": 1, "name": "滨州测试铝业", "industry_code": "3252", "size": "small", "region_code": "371621",
              "employees": 120, "revenue_wan": 1500.0, "assets_wan": None, "above_scale": False} | fields
    return EnterpriseProfile(**values)


def test_an_open_policy_has_no_unmet_condition():
    assert unmet_conditions(Criteria(), profile()) == []


def test_each_condition_in_words():
    assert unmet_conditions(Criteria(qualifications=("高新技术企业",)), profile()) == ["需取得高新技术企业认定"]
    assert unmet_conditions(Criteria(above_scale_only=True), profile()) == ["营业收入达到 2000 万元即为规上工业企业"]
    assert unmet_conditions(Criteria(above_scale_only=True), profile(revenue_wan=None, above_scale=None)) == [
        "请补充营业收入以确定是否为规上工业企业"]
    assert unmet_conditions(Criteria(sizes=("small",)), profile(size=None, employees=None)) == [
        "请补充从业人员数以确定规模"]
    assert unmet_conditions(Criteria(sizes=("medium",)), profile()) == ["政策限中型企业（按登记数据测算为小型企业）"]
    assert unmet_conditions(Criteria(regions=("371625",)), profile()) == ["需位于博兴县"]


def test_qualifications_imply_others_and_industries_cover_their_classes():
    assert unmet_conditions(Criteria(industries=("C",)), profile()) == []
    assert unmet_conditions(Criteria(industries=("32",)), profile()) == []
    [phrase] = unmet_conditions(Criteria(industries=("6511",)), profile())
    assert phrase.startswith("需属于政策支持的行业")
    assert unmet_conditions(Criteria(industries=("3252",)), profile(industry_code="32")) == [
        "请补充更具体的行业（小类）以确定是否属于政策支持的行业"]


def test_two_unmet_conditions_are_both_named():
    unmet = unmet_conditions(Criteria(qualifications=("高新技术企业",), above_scale_only=True), profile())
    assert len(unmet) == 2
