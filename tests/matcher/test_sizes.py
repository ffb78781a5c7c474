"""Tests for matcher.sizes, written from the 附表 of 统计上大中小微型企业划分办法（2017）, not from the code's output."""

import json
import math
from decimal import Decimal
from typing import Any

import pytest

from matcher.sizes import (
    DEFAULT_PATH,
    SIZES,
    SizeStandard,
    above_scale,
    default_standard,
    scale_threshold,
    size_class,
)
from matcher.taxonomy import InvalidIndustryCode, default_taxonomy

X, Y, Z = "employees", "revenue_wan", "assets_wan"

# The 附表, transcribed: row name -> (a GB/T 4754 code in the row, {indicator: (大型, 中型, 小型) lower bounds}).
STANDARD = {
    "农、林、牧、渔业": ("0111", {Y: (20000, 500, 50)}),
    "工业": ("C3216", {X: (1000, 300, 20), Y: (40000, 2000, 300)}),
    "建筑业": ("4710", {Y: (80000, 6000, 300), Z: (80000, 5000, 300)}),
    "批发业": ("5111", {X: (200, 20, 5), Y: (40000, 5000, 1000)}),
    "零售业": ("5211", {X: (300, 50, 10), Y: (20000, 500, 100)}),
    "交通运输业": ("5411", {X: (1000, 300, 20), Y: (30000, 3000, 200)}),
    "仓储业": ("5920", {X: (200, 100, 20), Y: (30000, 1000, 100)}),
    "邮政业": ("6010", {X: (1000, 300, 20), Y: (30000, 2000, 100)}),
    "住宿业": ("6110", {X: (300, 100, 10), Y: (10000, 2000, 100)}),
    "餐饮业": ("6210", {X: (300, 100, 10), Y: (10000, 2000, 100)}),
    "信息传输业": ("6311", {X: (2000, 100, 10), Y: (100000, 1000, 100)}),
    "软件和信息技术服务业": ("6511", {X: (300, 100, 10), Y: (10000, 1000, 50)}),
    "房地产开发经营": ("7010", {Y: (200000, 1000, 100), Z: (10000, 5000, 2000)}),
    "物业管理": ("7020", {X: (1000, 300, 100), Y: (5000, 1000, 500)}),
    "租赁和商务服务业": ("7111", {X: (300, 100, 10), Z: (120000, 8000, 100)}),
    "其他未列明行业": ("7310", {X: (300, 100, 10)}),
}

TIERS = ("large", "medium", "small")
BELOW = {"large": "medium", "medium": "small", "small": "micro"}


def _just_below(indicator: str, bound: int) -> float:
    # persons are counted in whole numbers; money is in 万元, so 0.01 万元 (100 元) below the bound
    return bound - 1 if indicator == X else bound - 0.01


def _bound_cases() -> list[Any]:
    cases = []
    for row_name, (code, bounds) in STANDARD.items():
        for indicator, lows in bounds.items():
            # Hold every other indicator at its large bound, so only this one decides.
            others = {other: other_lows[0] for other, other_lows in bounds.items() if other != indicator}
            for tier, bound in zip(TIERS, lows, strict=True):
                for value, expected in ((bound, tier), (_just_below(indicator, bound), BELOW[tier])):
                    cases.append(
                        pytest.param(
                            code, row_name, {**others, indicator: value}, expected, id=f"{code}-{indicator}={value}"
                        )
                    )
    return cases


@pytest.mark.parametrize(("code", "row_name", "values", "expected"), _bound_cases())
def test_each_lower_bound_and_just_below(code: str, row_name: str, values: dict[str, float], expected: str) -> None:
    result = size_class(code, **values)
    assert (result.row_name, result.size) == (row_name, expected)
    assert result.missing == ()
    assert result.reason.startswith(f"{row_name}：")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({X: 1000, Y: 40000}, "large"),
        ({X: 999, Y: 40000}, "medium"),
        ({X: 1000, Y: 39999}, "medium"),
        ({X: 300, Y: 2000}, "medium"),
        ({X: 299, Y: 2000}, "small"),
        ({X: 20, Y: 300}, "small"),
        ({X: 19, Y: 300}, "micro"),
        ({X: 20, Y: 299}, "micro"),
        ({X: 19, Y: 40000}, "micro"),
        ({X: 0, Y: 0}, "micro"),
        # worked examples in the reference
        ({X: 350, Y: 1500}, "small"),
        ({X: 15, Y: 5000}, "micro"),
        # "须同时满足所列指标的下限，否则下划一档": the lowest tier wins
        ({X: 5000, Y: 2000}, "medium"),
        ({X: 5000, Y: 300}, "small"),
        ({X: 300, Y: 100000}, "medium"),
        ({X: 20, Y: 100000}, "small"),
    ],
)
def test_industry_rows_rule(values: dict[str, int], expected: str) -> None:
    assert size_class("C3216", **values).size == expected


def test_worked_example_reason_and_readings() -> None:
    result = size_class("C3216", employees=350, revenue_wan=1500)
    assert result.row == "industry"
    assert result.row_name == "工业"
    assert result.industry_code == "3216"
    assert {name: (r.value, r.tier) for name, r in result.indicators.items()} == {
        X: (350, "medium"),
        Y: (1500, "small"),
    }
    assert result.reason == "工业：从业人员 350 人（中型），营业收入 1500 万元（小型），按下限规则取小型"
    assert result.warning is None


@pytest.mark.parametrize(
    ("code", "row_name"),
    [
        ("0511", "农、林、牧、渔业"),
        ("A", "农、林、牧、渔业"),
        ("0610", "工业"),
        ("C3216", "工业"),
        ("C", "工业"),
        ("4411", "工业"),
        ("E", "建筑业"),
        ("51", "批发业"),
        ("52", "零售业"),
        ("5511", "交通运输业"),
        ("5611", "交通运输业"),
        ("5710", "交通运输业"),
        ("5810", "交通运输业"),
        ("5910", "交通运输业"),  # 装卸搬运 goes with transport, not storage
        ("591", "交通运输业"),
        ("5920", "仓储业"),
        ("5941", "仓储业"),
        ("5990", "仓储业"),
        ("6010", "邮政业"),
        ("6110", "住宿业"),
        ("6210", "餐饮业"),
        ("6311", "信息传输业"),
        ("6410", "信息传输业"),
        ("6511", "软件和信息技术服务业"),
        ("7010", "房地产开发经营"),
        ("7020", "物业管理"),
        ("7030", "其他未列明行业"),
        ("7090", "其他未列明行业"),
        ("L", "租赁和商务服务业"),
        ("7211", "租赁和商务服务业"),
        ("M", "其他未列明行业"),
        ("7610", "其他未列明行业"),
        ("8010", "其他未列明行业"),
        ("85", "其他未列明行业"),
        ("8610", "其他未列明行业"),
    ],
)
def test_row_scopes(code: str, row_name: str) -> None:
    result = size_class(code, employees=0, revenue_wan=0, assets_wan=0)
    assert result.row_name == row_name
    assert result.size == "micro"


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("J6621", "银发〔2015〕309号"),
        ("J", "银发〔2015〕309号"),
        ("8310", "教育"),
        ("8411", "卫生"),
        ("84", "卫生"),
        ("9100", "公共管理"),
        ("9700", "国际组织"),
        ("5320", "铁路"),
        ("5311", "铁路"),
        ("7040", "房地产租赁经营"),
    ],
)
def test_out_of_scope_is_unknown_with_a_reason(code: str, says: str) -> None:
    result = size_class(code, employees=5000, revenue_wan=500000, assets_wan=500000)
    assert result.size == "unknown"
    assert result.row is None and result.row_name is None
    assert says in result.reason
    assert result.missing == ()


@pytest.mark.parametrize("code", ["G", "59", "F", "H", "I", "K", "70", "Q"])
def test_code_spanning_several_rows_is_unknown(code: str) -> None:
    result = size_class(code, employees=5000, revenue_wan=500000, assets_wan=500000)
    assert result.size == "unknown"
    assert result.row is None
    assert "更具体" in result.reason


def test_unknown_but_well_formed_codes_use_their_ancestors() -> None:
    # 8510 and 6620 are not 小类 of GB/T 4754-2017 (851 has 8511-8519, 662 has 6621-6629).
    social = size_class("8510", employees=100)
    assert (social.row_name, social.size) == ("其他未列明行业", "medium")
    assert social.warning is not None and "8510" in social.warning
    finance = size_class("J6620", employees=1)
    assert finance.size == "unknown" and "银发〔2015〕309号" in finance.reason
    assert finance.warning is not None
    assert size_class("3299", employees=1000, revenue_wan=40000).size == "large"


def test_every_class_of_the_table_falls_in_the_row_the_standard_names() -> None:
    by_prefix = {
        **dict.fromkeys(["01", "02", "03", "04", "05"], "农、林、牧、渔业"),
        **{f"{n:02d}": "工业" for n in range(6, 47)},
        **dict.fromkeys(["47", "48", "49", "50"], "建筑业"),
        "51": "批发业", "52": "零售业", "53": None,
        **dict.fromkeys(["54", "55", "56", "57", "58", "591"], "交通运输业"),
        **dict.fromkeys(["592", "593", "594", "595", "596", "599"], "仓储业"),
        "60": "邮政业", "61": "住宿业", "62": "餐饮业", "63": "信息传输业", "64": "信息传输业",
        "65": "软件和信息技术服务业", **dict.fromkeys(["66", "67", "68", "69"], None),
        "7010": "房地产开发经营", "7020": "物业管理", "7030": "其他未列明行业", "7040": None, "7090": "其他未列明行业",
        "71": "租赁和商务服务业", "72": "租赁和商务服务业",
        **{f"{n:02d}": "其他未列明行业" for n in [*range(73, 83), 85, *range(86, 91)]},
        **{f"{n:02d}": None for n in [83, 84, *range(91, 98)]},
    }  # fmt: skip
    standard = default_standard()
    classes = default_taxonomy().at_level(4)
    assert len(classes) == 1381
    for industry in classes:
        prefix = next(p for p in (industry.code[:4], industry.code[:3], industry.code[:2]) if p in by_prefix)
        row = standard.row_for(industry.code)
        assert (row.name if row else None) == by_prefix[prefix], industry


@pytest.mark.parametrize(
    ("code", "values", "size", "missing"),
    [
        ("C3216", {X: 350}, "unknown", (Y,)),
        ("C3216", {Y: 5000}, "unknown", (X,)),
        ("C3216", {}, "unknown", (X, Y)),
        ("C3216", {X: 19}, "micro", ()),  # one indicator below the small bound is enough
        ("C3216", {Y: 299.99}, "micro", ()),
        ("C3216", {X: 20}, "unknown", (Y,)),
        ("0111", {X: 5000}, "unknown", (Y,)),  # 从业人员 is not an indicator of this row
        ("7310", {Y: 100000}, "unknown", (X,)),
        ("4710", {Y: 80000}, "unknown", (Z,)),
        ("4710", {Z: 299}, "micro", ()),
        ("7010", {Y: 200000}, "unknown", (Z,)),
        ("7111", {X: 300}, "unknown", (Z,)),
    ],
)
def test_missing_indicators(code: str, values: dict[str, float], size: str, missing: tuple[str, ...]) -> None:
    result = size_class(code, **values)
    assert (result.size, result.missing) == (size, missing)
    if missing:
        assert "缺少" in result.reason


def test_indicators_the_row_does_not_use_are_ignored() -> None:
    result = size_class("0111", employees=1, revenue_wan=20000, assets_wan=0)
    assert result.size == "large"
    assert set(result.indicators) == {Y}


@pytest.mark.parametrize("field", [X, Y, Z])
def test_negative_values_are_rejected(field: str) -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        size_class("C3216", **{X: 10, Y: 10, field: -1})


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_values_are_rejected(value: float) -> None:
    with pytest.raises(ValueError, match="有限"):
        size_class("C3216", employees=10, revenue_wan=value)


@pytest.mark.parametrize("value", ["350", True])
def test_non_numbers_are_rejected(value: object) -> None:
    with pytest.raises(TypeError, match="应为数字"):
        size_class("C3216", employees=value, revenue_wan=10)  # type: ignore[arg-type]


def test_decimal_and_float_values() -> None:
    assert size_class("C3216", employees=300, revenue_wan=Decimal("2000.00")).size == "medium"
    assert size_class("C3216", employees=299.5, revenue_wan=2000.0).size == "small"


@pytest.mark.parametrize("code", ["32A", "", "Z", "A3216", "9999"])
def test_invalid_codes_are_rejected(code: str) -> None:
    with pytest.raises(InvalidIndustryCode):
        size_class(code, employees=10, revenue_wan=10)


def test_size_names_in_order() -> None:
    assert SIZES == ("large", "medium", "small", "micro")


@pytest.mark.parametrize(
    ("code", "threshold", "concept"),
    [
        ("C3216", 2000, "规模以上工业"),
        ("B", 2000, "规模以上工业"),
        ("0610", 2000, "规模以上工业"),
        ("4411", 2000, "规模以上工业"),
        ("5111", 2000, "限额以上批发业"),
        ("52", 500, "限额以上零售业"),
        ("6110", 200, "限额以上住宿业"),
        ("6210", 200, "限额以上餐饮业"),
    ],
)
def test_above_scale_at_its_threshold(code: str, threshold: int, concept: str) -> None:
    found = scale_threshold(code)
    assert found is not None and found.name == concept
    assert above_scale(code, threshold) is True
    assert above_scale(code, threshold - 0.01) is False
    assert above_scale(code, 0) is False
    assert above_scale(code, None) is None


@pytest.mark.parametrize("code", ["0111", "4710", "5411", "6511", "7010", "J6621", "F", "H", "G"])
def test_above_scale_does_not_apply(code: str) -> None:
    assert scale_threshold(code) is None
    assert above_scale(code, 1_000_000) is None


def test_above_scale_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        above_scale("C3216", -1)
    with pytest.raises(InvalidIndustryCode):
        above_scale("32A", 3000)


def _table() -> dict[str, Any]:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_shipped_table_loads_against_the_taxonomy() -> None:
    standard = SizeStandard.from_dict(_table(), default_taxonomy())
    assert [row.name for row in standard.rows] == list(STANDARD)


def test_a_scope_code_in_two_rows_is_rejected() -> None:
    table = _table()
    table["rows"][1]["scope"].append("51")  # 工业 claims 批发业
    with pytest.raises(ValueError, match="51"):
        SizeStandard.from_dict(table, default_taxonomy())


def test_a_class_in_no_row_is_rejected() -> None:
    table = _table()
    table["out_of_scope"] = [item for item in table["out_of_scope"] if item["id"] != "railway"]
    with pytest.raises(ValueError, match="G"):
        SizeStandard.from_dict(table, default_taxonomy())


def test_bounds_out_of_order_are_rejected() -> None:
    table = _table()
    table["rows"][0]["lower_bounds"]["revenue_wan"] = {"large": 500, "medium": 20000, "small": 50}
    with pytest.raises(ValueError, match="bounds"):
        SizeStandard.from_dict(table, default_taxonomy())
