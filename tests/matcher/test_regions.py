"""Tests for matcher.regions against the published GB/T 2260 codes (民政部 行政区划代码)."""

from collections import Counter

import pytest

from matcher.regions import BINZHOU, NATIONWIDE, SHANDONG, Region, Regions, area_codes, default_regions, places_by_phone

BINZHOU_COUNTIES = {
    "371602": "滨城区",
    "371603": "沾化区",
    "371621": "惠民县",
    "371622": "阳信县",
    "371623": "无棣县",
    "371625": "博兴县",
    "371681": "邹平市",
}


@pytest.fixture(scope="module")
def regions() -> Regions:
    return default_regions()


def test_counts(regions: Regions) -> None:
    levels = Counter(r.level for r in regions)
    # 34 province-level divisions, 333 prefecture-level divisions (2024 民政部 统计).
    assert levels[0] == 1 and levels[1] == 34 and levels[2] == 333
    shandong = [r for r in regions if r.code.startswith("37")]
    assert sum(r.level == 2 for r in shandong) == 16
    assert sum(r.level == 3 for r in shandong) == 136


def test_binzhou_in_full(regions: Regions) -> None:
    assert regions.name(BINZHOU) == "滨州市"
    assert {r.code: r.name for r in regions.children(BINZHOU)} == BINZHOU_COUNTIES
    assert regions.parent(BINZHOU) == SHANDONG
    assert regions.parent(SHANDONG) == NATIONWIDE
    assert regions.parent(NATIONWIDE) is None


def test_former_zouping_code_is_an_alias(regions: Regions) -> None:
    # 邹平县 (371626) became 邹平市 (371681) in 2018; the demo data still uses the old code.
    assert regions.is_valid("371626")
    assert regions.canonical("371626") == "371681"
    assert regions.name("371626") == "邹平市"
    assert regions.covers(BINZHOU, "371626")
    assert regions.covers("371626", "371681") and regions.covers("371681", "371626")


@pytest.mark.parametrize(
    ("area", "code", "expected"),
    [
        (NATIONWIDE, "371625", True),
        (NATIONWIDE, "110105", True),
        (SHANDONG, "371600", True),
        (SHANDONG, "371625", True),
        (BINZHOU, "371625", True),
        (BINZHOU, BINZHOU, True),
        ("371625", "371625", True),
        ("371625", BINZHOU, False),
        (BINZHOU, SHANDONG, False),
        (BINZHOU, "370102", False),
        (SHANDONG, "110105", False),
        ("371681", "371625", False),
    ],
)
def test_covers(regions: Regions, area: str, code: str, expected: bool) -> None:
    assert regions.covers(area, code) is expected


def test_unknown_but_well_formed_code_falls_in_its_province(regions: Regions) -> None:
    assert regions.ancestors("371699") == [NATIONWIDE, SHANDONG, BINZHOU, "371699"]
    assert regions.covers(BINZHOU, "371699")
    assert not regions.is_valid("371699")
    assert not regions.is_valid("37160")
    assert not regions.is_valid(371600)


def test_get_and_name(regions: Regions) -> None:
    region = regions.get("371625")
    assert region == Region("371625", "博兴县", 3, BINZHOU, "县")
    assert regions.get("999999") is None
    assert regions.name("999999") is None
    assert regions.label("371681") == "邹平市（滨州市）"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("山东省人民政府办公厅", [SHANDONG]),
        ("滨州市工业和信息化局", [BINZHOU]),
        ("邹平市人民政府", ["371681"]),
        ("博兴县支持粮油加工企业做大做强的若干政策", ["371625"]),
        ("在惠民县行政区域内注册登记", ["371621"]),
        ("支持邹平、博兴两地铝业企业", ["371681", "371625"]),
        ("全省各市，滨州、东营优先", [BINZHOU, "370500"]),
        ("原邹平县辖区", ["371681"]),
        ("山东省济南市历下区", [SHANDONG, "370100", "370102"]),
        ("北京市朝阳区", ["110000", "110105"]),
    ],
)
def test_find_in_text(regions: Regions, text: str, codes: list[str]) -> None:
    assert regions.find_in_text(text) == codes


@pytest.mark.parametrize(
    "text",
    [
        "推动惠企惠民政策落地",  # 惠民 is also a word
        "主城区和新区企业",
        "发展朝阳产业",
        "入驻北海经济开发区",  # Binzhou's zone, not 北海市 in Guangxi
        "朝阳区企业",  # two 朝阳区 and nothing to tell them apart
    ],
)
def test_find_in_text_ignores_common_words_and_ambiguity(regions: Regions, text: str) -> None:
    assert regions.find_in_text(text) == []


def test_rejects_bad_tables() -> None:
    with pytest.raises(ValueError):
        Regions([Region("370000", "山东省", 1, "100000")])
    with pytest.raises(ValueError):
        Regions([Region("10000", "全国", 0, None)])


def test_every_area_code_names_a_known_division(regions: Regions) -> None:
    table = area_codes()
    assert len(table) > 300
    assert all(regions.is_valid(code) and regions.get(code).level in (1, 2) for code in table.values())
    assert table["0543"] == BINZHOU and table["0371"] == "410100" and table["0634"] == "370100"  # 莱芜 is 济南's


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("联系电话:0376-7676806", ["411500"]),
        ("联系电话：(0543)3173009，13905431234", [BINZHOU]),
        ("咨询电话：010-68205110；0531 86061234", ["110000", "370100"]),
        ("联系方式:3173009", []),  # no area code: no place
        ("编号2023.0543 12345678", []),
    ],
)
def test_places_by_phone(text: str, expected: list[str]) -> None:
    assert places_by_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("恩施州出台支持中小企业发展的若干措施", ["422800"]),  # 恩施土家族苗族自治州
        ("黔东南州工业和信息化局", ["522600"]),
        ("大理州", ["532900"]),
        ("阿克苏地区行政公署", ["652900"]),
        ("锡林郭勒盟", ["152500"]),
        ("海南省", ["460000"]),
        ("海南自由贸易港", ["460000"]),  # the province, not 海南藏族自治州
        ("海南州", ["632500"]),
    ],
)
def test_autonomous_prefectures_leagues_and_areas_by_their_short_names(regions: Regions, text: str,
                                                                       expected: list[str]) -> None:
    assert regions.find_in_text(text) == expected
