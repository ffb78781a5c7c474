"""Tests for policyhub.services.identifiers, and for the demo enterprises in data/demo/enterprises.csv.

The check characters are recomputed here from the standards' formulas (GB 32100-2015 §4.3: weights
3^(i-1) mod 31 over 0-9A-Z without I, O, Z, S, V; GB 11714-1997 §2.1.2: weights 3,7,9,10,5,8,4,2 mod 11
over 0-9A-Z valued 0..35), not from the module's tables, and checked against codes published elsewhere.
"""

from __future__ import annotations

import csv
import importlib.util
import random
import string
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from matcher.sizes import SIZES, scale_threshold, size_class
from matcher.taxonomy import default_taxonomy
from policyhub.services.identifiers import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    ORG_CODE_WEIGHTS,
    IdentifierError,
    credit_code_check_char,
    mask_email,
    mask_mobile,
    org_code_check_char,
    validate_credit_code,
    validate_email,
    validate_mobile,
    validate_region_code,
)

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "policyhub" / "services" / "identifiers.py"
CSV_PATH = REPO / "data" / "demo" / "enterprises.csv"
GENERATOR = REPO / "data" / "demo" / "make_enterprises.py"

# --- independent reference computations -------------------------------------------------------------

REF_ALPHABET = "".join(ch for ch in string.digits + string.ascii_uppercase if ch not in "IOZSV")


def ref_sum18(first17: str) -> int:
    return sum(REF_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))


def ref_check18(first17: str) -> str:
    return REF_ALPHABET[(31 - ref_sum18(first17) % 31) % 31]


def ref_check9(body8: str, value=lambda ch: int(ch, 36)) -> str:
    remainder = 11 - sum(value(ch) * w for ch, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def ref_valid(code: str) -> bool:
    return code[17] == ref_check18(code[:17]) and code[16] == ref_check9(code[8:16])


def with_check(first17: str) -> str:
    return first17 + ref_check18(first17)


# Published real codes: python-stdnum tests/test_cn_uscc.doctest (first 212 of its list "found online").
PUBLISHED_TEXT = """
    121200004013590816 91110000600037341L 91110000710926094P 91120224064012553U 911522010783710635 91152201078371135X
    911522010783762860 91152201078376307G 91152201078377449P 9115220107837757XE 9115220107837941X1 91152201078382010M
    911522010783887624 911522010783897302 911522010783898533 91152201078389925U 9115220107839138X8 911522010783917502
    91152201078391769Y 91152201078394644D 91152201078395081D 91152201078395188Q 91152201078397730B 91152201082151522J
    91310000631696382C 91310000797046224D 91310112087994932F 913101127033980359 913101145852519045 913101153325803473
    91310115MA1K3BTP2B 91310116052958608G 91310116076409427L 913101203509708598 9131012056010553X5 91320214745555318W
    913205056082348768 913304007429141869 91340600MA2PBM9HXD 91340600MA2PBMA74B 91340600MA2PBMBL5H 91340600MA2PBMDH5R
    91340600MA2PBMQB9E 91340600MA2PBN188W 91340600MA2PBN831R 91340600MA2PBNE723 91340600MA2PBNR24J 91340600MA2PBP2120
    91340600MA2PBP6A1W 91340600MA2PBP6D6F 91340600MA2PBPAG69 91340600MA2PENCC7K 91340600MA2PENWF9P 91340600MA2PEP3Y54
    91340600MA2PEP518T 91340600MA2PEP7F5B 91340600MA2PEPM918 91340600MA2PERLJ2D 91340600MA2UJY987H 91340600MA2UJYG49B
    91340602MA2UJY0D0T 91340602MA2UJY3J9W 91340602MA2UJYD90G 91340603MA2UJXXCXF 91340603MA2UJY1D7L 91340603MA2UJYBQ7Q
    91340603MA2UJYN78Q 91340603MA2UJYNU67 91340603MA2UJYUN35 91340604MA2PBQBH3P 91340604MA2PEL1X3M 91340621MA2PBNXR7P
    91340621MA2PBPDT1J 91340621MA2PBPLU08 91340621MA2PBPM015 91340621MA2PBPM36P 91340621MA2PBPM608 91340621MA2PBPM870
    91340621MA2PELDF2U 91340621MA2PEM704P 91340621MA2PEMUHX8 91340621MA2PEMWN1C 91340621MA2PEN6Q3Y 91340621MA2PEN8W5L
    91340621MA2PEP2U6U 91340621MA2PEPJB9F 913505007821784439 91371082775260043P 914112810713741814 91420684MA4927PJ7B
    91440300568520498A 9144030071526726XG 9144060573144633XL 91442000696462712R 91620100719023721L 91620105224521729E
    91620105325333735M 91620105551270533Y 91620105556273987U 9162010555628132X1 91620105556284969Y 91620105556287545F
    91620105566408785F 91620105571627966C 91620105571630591E 9162010558590643X0 91620105585923360D 91620105660017457X
    91620105665404165K 91620105670820315R 9162010567592034XQ 91620105686055670F 91620105686057422K 9162010569564942X9
    91620105710219971E 91620105719099574H 91620105720233128P 91620105750906995R 91620105750935948X 91620105756558274W
    91620105756580826D 91620105767707650L 91620105767728304H 91620105773422168Y 91620105784023285J 91620105789620900B
    91620105789634843P 91620105794891756D 91620105L015101280 91620105MA71T4YW8Q 91620105MA73NBBLXE 92340602MA2PBMEM24
    92340602MA2PBMG99Q 92340602MA2PBMHF45 92340602MA2PBQAH7E 92340602MA2PEL3T3X 92340602MA2PEL453X 92340602MA2PEL605A
    92340602MA2PEL7F4C 92340602MA2PEL8AXA 92340602MA2PEP745R 92340602MA2UK2TH6F 92340602MA2UK33127 92340603MA2PBMCG0U
    92340603MA2PBMD304 92340603MA2PBMJB45 92340603MA2PBMN509 92340603MA2PBMQL04 92340603MA2PBMUF7M 92340603MA2PBMYMX1
    92340603MA2PBMYN81 92340603MA2PBN161D 92340603MA2PBN17X5 92340603MA2PBN2W0N 92340603MA2PBN508K 92340603MA2PBNDM9R
    92340603MA2PBNJA9T 92340603MA2PBNK461 92340603MA2PBNLR0R 92340603MA2PBPB95W 92340603MA2PBQ16XJ 92340603MA2PBQ653D
    92340603MA2PBQ7J4K 92340603MA2PBQ7X9E 92340603MA2PBQA912 92340603MA2PBQBC2X 92340603MA2PBQFT7J 92340603MA2PBQGB6M
    92340603MA2PBQHB2Y 92340603MA2PBQHD9N 92340603MA2PBQUC3U 92340603MA2PBQX04X 92340603MA2PBQY862 92340603MA2PEL322G
    92340603MA2PEL613K 92340603MA2PELAF3Q 92340603MA2PELBT4W 92340603MA2PELD18T 92340603MA2PELE65C 92340603MA2PELFF5B
    92340603MA2PELHL72 92340603MA2PELKB4T 92340603MA2PELQK6M 92340603MA2PELUD4A 92340603MA2PEM480D 92340603MA2PEN731K
    92340603MA2PEN8A5W 92340603MA2PEN9F2E 92340603MA2PENAP06 92340603MA2PENCQ1M 92340603MA2PEP42XF 92340603MA2PEPBN6L
    92340603MA2PEPE82T 92340603MA2PEPM83M 92340603MA2UJXYJ3P 92340603MA2UJY0W68 92340603MA2UJY2M7F 92340603MA2UJY9J74
    92340603MA2UJYN358 92340603MA2UJYUM57 92340621MA2PBKRXXG 92340621MA2PBL318W 92340621MA2PBLW63G 92340621MA2PBLWF76
    92340621MA2PBLWK8D 92340621MA2PBLWT1Y 92340621MA2PBLX27E 92340621MA2PBM6286 92340621MA2PBMA318 92340621MA2PBMKK45
    92340621MA2PBMNMXM 92340621MA2PBMPF5T
"""
PUBLISHED = PUBLISHED_TEXT.split()
# Other published examples: the GB 32100-2015 worked example (its code with the correct check
# character 3), python-stdnum's docstring and Rockyzsu/social_code_validation's sample.
PUBLISHED_OTHER = ["91350100M000100Y43", "91110000600037341L", "91430111MA4L41YT1U"]


# --- 统一社会信用代码 -----------------------------------------------------------------------------------


def test_tables_follow_the_standards() -> None:
    assert CREDIT_CODE_ALPHABET == REF_ALPHABET and len(CREDIT_CODE_ALPHABET) == 31
    assert tuple(3**i % 31 for i in range(17)) == CREDIT_CODE_WEIGHTS
    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)
    assert issubclass(IdentifierError, ValueError)


def test_worked_example_of_gb32100() -> None:
    # The standard's example: Σ Ci·Wi = 1640, 1640 mod 31 = 28, C18 = 31 - 28 = 3; "…Y4Z" is therefore invalid.
    assert ref_sum18("91350100M000100Y4") == 1640
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(IdentifierError, match="含有不允许的字符 Z（第 18 位）"):
        validate_credit_code("91350100M000100Y4Z")


def test_published_codes_are_valid() -> None:
    assert len(PUBLISHED) == 212
    codes = PUBLISHED + PUBLISHED_OTHER
    assert [c for c in codes if not ref_valid(c)] == []
    assert [c for c in codes if validate_credit_code(c) != c] == []


def test_org_code_letters_are_valued_by_gb11714() -> None:
    # GB 11714's own table (A=10 … Z=35) fits every real code; GB 32100's 31-character values do not.
    lettered = [c for c in PUBLISHED if any(ch.isalpha() for ch in c[8:16])]
    assert len(lettered) == 134
    assert all(org_code_check_char(c[8:16]) == c[16] for c in lettered)
    gb32100_value = CREDIT_CODE_ALPHABET.index
    assert sum(ref_check9(c[8:16], gb32100_value) != c[16] for c in lettered) == 127


@pytest.mark.parametrize(
    ("code", "message"),
    [
        # Printed as examples on blogs, but their check characters are wrong.
        ("91310115MA1H8R7C6D", "第 18 位校验码应为 7（当前为 D）；组织机构代码校验位错误：第 17 位应为 4（当前为 6）"),
        ("91310115MA1G4L1WXK", "第 18 位校验码应为 7（当前为 K）；组织机构代码校验位错误：第 17 位应为 0（当前为 X）"),
        # A real early pilot code from Fujian that does not follow the standard (documented limit).
        ("91350211M0000XUF46", "第 18 位校验码应为 R（当前为 6）"),
    ],
)
def test_published_invalid_codes_are_rejected(code: str, message: str) -> None:
    assert not ref_valid(code)
    with pytest.raises(IdentifierError, match=message):
        validate_credit_code(code)


@pytest.mark.parametrize(
    "raw",
    ["91350100m000100y43", " 91350100M000100Y43\n", "\u3000９１３５０１００Ｍ０００１００Ｙ４３\u3000", "９１３５０１００ｍ０００１００ｙ４３"],
)
def test_credit_code_is_normalised(raw: str) -> None:
    assert validate_credit_code(raw) == "91350100M000100Y43"


def test_every_department_and_category_is_accepted() -> None:
    for first, second in ["11", "12", "13", "19", "21", "31", "35", "41", "51", "52", "53", "59", "61", "71", "81",
                          "91", "92", "93", "A1", "N1", "N2", "N3", "Y1"]:
        code = with_check(first + second + "371602" + "MA3C4K2R" + ref_check9("MA3C4K2R"))
        assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("91350100M000100Y4", "长度应为 18 位（当前 17 位）"),
        ("91350100M000100Y433", "长度应为 18 位（当前 19 位）"),
        ("", "统一社会信用代码为空"),
        ("   ", "统一社会信用代码为空"),
        ("9135010IM000100Y43", "含有不允许的字符 I（第 8 位）（统一社会信用代码不使用字母 I、O、Z、S、V）"),
        ("91350100m0001o0Y43", "含有不允许的字符 O（第 14 位）"),
        ("91350100M000100S43", "含有不允许的字符 S（第 16 位）"),
        ("9135010VM000100Y43", "含有不允许的字符 V"),
        ("91350100M000100Y4\x00", r"含有不允许的字符 U\+0000（第 18 位）"),
        ("913501\u200b0M000100Y43", r"含有不允许的字符 U\+200B（第 7 位）"),
        ("913501 0M000100Y43", r"含有不允许的字符 U\+0020（第 7 位）"),
        ("统一社会信用代码913501M000100Y43", "长度应为 18 位"),
        ("统1350100M000100Y43", "含有不允许的字符 统（第 1 位）"),
        ("91350100M000100Y-3", "含有不允许的字符 -（第 17 位）"),
        ("B1350100M000100Y43", "第 1 位登记管理部门代码 B 无效"),
        ("01350100M000100Y43", "第 1 位登记管理部门代码 0 无效"),
        ("94350100M000100Y43", "第 2 位机构类别代码 4 与登记管理部门 9（工商）不符：应为 1、2、3 之一"),
        ("Y2350100M000100Y43", "第 2 位机构类别代码 2 与登记管理部门 Y（其他）不符"),
        ("913501A0M000100Y43", "第 3–8 位登记管理机关行政区划码应为 6 位数字（当前为 3501A0）"),
        ("91350100M000100Y44", "第 18 位校验码应为 3（当前为 4）"),
    ],
)
def test_credit_code_errors(raw: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_credit_code(raw)


def test_wrong_org_check_digit_alone_is_named() -> None:
    # Position 17 wrong but position 18 made to fit it: only the 组织机构代码 check fails.
    code = with_check("91350100M000100Y5")
    with pytest.raises(IdentifierError, match="组织机构代码校验位错误：第 17 位应为 4（当前为 5）") as info:
        validate_credit_code(code)
    assert "第 18 位" not in str(info.value)


def test_single_substitutions_and_transpositions_are_caught() -> None:
    # 31 is prime and no weight is 0 mod 31: the check character catches every single change and swap.
    for code in ("91350100M000100Y43", "91371626MA3C4K2R1X", "91620105L015101280"):
        code = code if ref_valid(code) else with_check(code[:16] + ref_check9(code[8:16]))
        for i in range(18):
            for ch in CREDIT_CODE_ALPHABET:
                if ch != code[i]:
                    with pytest.raises(IdentifierError):
                        validate_credit_code(code[:i] + ch + code[i + 1:])
            if i < 17 and code[i] != code[i + 1]:
                with pytest.raises(IdentifierError):
                    validate_credit_code(code[:i] + code[i + 1] + code[i] + code[i + 2:])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "统一社会信用代码为空（收到 None）"),
        (913501, "统一社会信用代码应为文本，收到的是 int"),
        (b"91350100M000100Y43", "统一社会信用代码应为文本，收到的是 bytes"),
        (["91350100M000100Y43"], "应为文本，收到的是 list"),
    ],
)
def test_credit_code_rejects_non_text(raw: object, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_credit_code(raw)  # type: ignore[arg-type]


def test_huge_input_fails_fast_with_its_length() -> None:
    start = time.perf_counter()
    for validate in (validate_credit_code, validate_mobile, validate_email, validate_region_code):
        with pytest.raises(IdentifierError):
            validate("9" * 5_000_000)
    with pytest.raises(IdentifierError, match="当前 5000000 位"):
        validate_credit_code("9" * 5_000_000)
    assert time.perf_counter() - start < 2


def test_check_char_helpers() -> None:
    rng = random.Random(18)
    for _ in range(500):
        first17 = "".join(rng.choice(REF_ALPHABET) for _ in range(17))
        assert credit_code_check_char(first17) == ref_check18(first17)
        body = "".join(rng.choice(string.digits + string.ascii_uppercase) for _ in range(8))
        assert org_code_check_char(body) == ref_check9(body)
    assert credit_code_check_char("91350100m000100y4") == "3"
    # 3+14+27+40+25+48+28+16 = 201, 201 mod 11 = 3, 11 - 3 = 8.
    assert org_code_check_char("12345678") == "8"
    # 11 - MOD(Σ, 11) = 10 is written "X" (Σ = 6·2 = 12) and 11 is written "0" (Σ = 0).
    assert org_code_check_char("00000006") == "X"
    assert org_code_check_char("00000000") == "0"
    for bad, message in [("9135010", "长度应为 17 位（当前 7 位）"), ("91350100M000100YI", "不允许的字符 I"), (None, "为空")]:
        with pytest.raises(IdentifierError, match=message):
            credit_code_check_char(bad)  # type: ignore[arg-type]
    for bad, message in [("1234567", "长度应为 8 位（当前 7 位）"), ("1234567-", "不允许的字符 -"), (12345678, "应为文本")]:
        with pytest.raises(IdentifierError, match=message):
            org_code_check_char(bad)  # type: ignore[arg-type]


# --- mobile -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800001234", " 13800001234\n", "138 0000 1234", "138-0000-1234", "+8613800001234", "+86 138 0000 1234",
        "+86-138-0000-1234", "0086 13800001234", "008613800001234", "8613800001234", "86 138 0000 1234",
        "(+86)13800001234", "（＋８６）１３８－００００－１２３４", "１３８００００１２３４", "\u300013800001234",
    ],
)
def test_mobile_accepted_forms(raw: str) -> None:
    assert validate_mobile(raw) == "13800001234"


@pytest.mark.parametrize("number", ["13000000000", "14500001234", "15900001234", "16600001234", "17700001234",
                                    "18800001234", "19900001234"])
def test_mobile_13_to_19(number: str) -> None:
    assert validate_mobile(number) == number


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "手机号为空"),
        ("  ", "手机号为空"),
        (None, "手机号为空（收到 None）"),
        (13800001234, "手机号应为文本，收到的是 int"),
        ("12800001234", "手机号应以 13–19 开头（当前以 12 开头）"),
        ("10086", "手机号应为 11 位数字（当前 5 位）"),
        ("1380000123", "手机号应为 11 位数字（当前 10 位）"),
        ("138000012345", "手机号应为 11 位数字（当前 12 位）"),
        ("86 1380000123", "手机号应为 11 位数字（当前 12 位）"),
        ("+1 415 555 0100", "仅支持中国大陆手机号（国家代码 \\+86）"),
        ("+85291234567", "仅支持中国大陆手机号"),
        ("0531-88001234", "手机号应为 11 位数字（当前 12 位）"),
        ("1380000abcd", "手机号含有不允许的字符 a"),
        ("138.0000.1234", "手机号含有不允许的字符 \\."),
        ("138\x0000001234", "手机号含有不允许的字符 U\\+0000"),
        ("138\t0000\t1234", "手机号含有不允许的字符 U\\+0009"),
        ("１３８００００１２３٤", "手机号含有不允许的字符 ٤"),
        ("1" * 65, "手机号过长（65 个字符）"),
    ],
)
def test_mobile_errors(raw: object, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_mobile(raw)  # type: ignore[arg-type]


# --- e-mail -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhangsan@example.com", "zhangsan@example.com"),
        ("  Zhang.San@Example.COM ", "Zhang.San@example.com"),
        ("li-si+policy@mail.Example.org", "li-si+policy@mail.example.org"),
        ("o'brien_1@example.net", "o'brien_1@example.net"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
        ("wang@例子.中国", "wang@例子.中国"),
        ("wang@例子。中国", "wang@例子.中国"),
        ("info@Bücher.Example", "info@bücher.example"),
        ("x@xn--fsqu00a.xn--fiqs8s", "x@xn--fsqu00a.xn--fiqs8s"),
        ("a@b.co", "a@b.co"),
    ],
)
def test_email_accepted(raw: str, expected: str) -> None:
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "邮箱为空"),
        (None, "邮箱为空（收到 None）"),
        (42, "邮箱应为文本"),
        ("plainaddress", "邮箱应包含且只包含一个 @（当前 0 个）"),
        ("a@@example.com", "当前 2 个"),
        ("a@b@example.com", "当前 2 个"),
        ("zhang san@example.com", "邮箱不能包含空格"),
        ("zhang@exa\nmple.com", "邮箱含有不允许的字符 U\\+000A"),
        ("zhang@example.com\x00", "邮箱含有不允许的字符 U\\+0000"),
        ("zhang\u200b@example.com", "邮箱含有不允许的字符 U\\+200B"),
        ("@example.com", "邮箱 @ 前的用户名为空"),
        ("zhang@", "邮箱 @ 后的域名为空"),
        ("zhang@localhost", "应包含点，例如 example.com"),
        ("zhang@.example.com", "有空的部分"),
        ("zhang@example..com", "有空的部分"),
        ("zhang@example.com.", "有空的部分"),
        (".zhang@example.com", "不能以点开头或结尾"),
        ("zhang.@example.com", "不能以点开头或结尾"),
        ("zh..ang@example.com", "连续的点"),
        ("张三@example.com", "邮箱用户名含有不允许的字符 张"),
        ('"zhang"@example.com', '邮箱用户名含有不允许的字符 "'),
        ("zhang@exa_mple.com", "“exa_mple”无效"),
        ("zhang@-example.com", "“-example”无效"),
        ("zhang@example-.com", "“example-”无效"),
        ("zhang@[127.0.0.1]", "无效"),
        ("zhang@127.0.0.1", "顶级域名不能全是数字"),
        ("zhang@" + "a" * 64 + ".com", "无法转换为国际化域名"),
        ("a" * 65 + "@example.com", "邮箱用户名过长：最多 64 个字符（当前 65 个）"),
        ("a@" + ".".join(["b" * 63] * 4) + ".com", "邮箱过长：最多 254 个字符（当前 261 个）"),
    ],
)
def test_email_errors(raw: object, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_email(raw)  # type: ignore[arg-type]


def test_email_length_counts_the_ascii_form_of_an_idn_domain() -> None:
    domain = ".".join(["中文域名测试"] * 12) + ".cn"
    address = f"a@{domain}"
    assert len(address) <= 254 < len("a@" + domain.encode("idna").decode("ascii"))
    with pytest.raises(IdentifierError, match="域名按国际化编码计"):
        validate_email(address)


# --- masks --------------------------------------------------------------------------------------------


def test_mask_mobile() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"
    with pytest.raises(IdentifierError):
        mask_mobile("12345")
    with pytest.raises(IdentifierError):
        mask_mobile(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("zhangsan@example.com", "z***n@example.com"),
        ("Zhang@Example.COM", "Z***g@example.com"),
        ("abcd@example.org", "a***d@example.org"),
        ("abc@example.org", "a***@example.org"),
        ("ab@example.org", "a***@example.org"),
        ("a@example.org", "***@example.org"),
        ("wang@例子.中国", "w***g@例子.中国"),
    ],
)
def test_mask_email(raw: str, masked: str) -> None:
    assert mask_email(raw) == masked


def test_mask_email_rejects_what_is_no_address() -> None:
    for raw in ("not-an-address", None, ""):
        with pytest.raises(IdentifierError):
            mask_email(raw)  # type: ignore[arg-type]


# --- region code --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("371602", "371602"), (" ３７１６２６ ", "371626"), ("100000", "100000")])
def test_region_code_accepted(raw: str, expected: str) -> None:
    assert validate_region_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "行政区划代码为空"),
        (None, "行政区划代码为空（收到 None）"),
        (371602, "行政区划代码应为文本，收到的是 int"),
        ("37160", "应为 6 位数字（当前为“37160”）"),
        ("3716021", "应为 6 位数字"),
        ("37160a", "应为 6 位数字"),
        ("371 602", "应为 6 位数字"),
        ("٣٧١٦٠٢", "应为 6 位数字"),
        ("3716\x0002", "应为 6 位数字（当前为“3716U\\+000002”）"),
        ("滨州市滨城区", "应为 6 位数字"),
    ],
)
def test_region_code_errors(raw: object, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_region_code(raw)  # type: ignore[arg-type]


# --- purity ---------------------------------------------------------------------------------------------


def test_module_imports_only_the_standard_library() -> None:
    script = f"""
import importlib.util, sys
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("identifiers_alone", {str(MODULE)!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
new = {{name.split(".")[0] for name in set(sys.modules) - before}}
outside = sorted(n for n in new if n not in sys.stdlib_module_names and n != "identifiers_alone")
assert not outside, outside
assert module.validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
"""
    result = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- the demo enterprises -----------------------------------------------------------------------------

COLUMNS = ["credit_code", "name", "industry_code", "employees", "revenue_wan", "assets_wan", "size", "region_code",
           "business_scope", "qualifications", "mobile", "email", "channels"]
BINZHOU = {"371602", "371603", "371621", "371622", "371623", "371625", "371626"}
QUALIFICATIONS = {"高新技术企业", "科技型中小企业", "专精特新中小企业", '专精特新"小巨人"企业', "创新型中小企业", "瞪羚企业"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(CSV_PATH, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _figures(row: dict[str, str]) -> dict[str, float] | None:
    if not row["employees"] and not row["revenue_wan"] and not row["assets_wan"]:
        return None
    return {"employees": int(row["employees"]), "revenue_wan": float(row["revenue_wan"]),
            "assets_wan": float(row["assets_wan"])}


def test_demo_has_enough_rows_with_unique_valid_credit_codes(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 300
    codes = [row["credit_code"] for row in rows]
    assert len(set(codes)) == len(codes)
    assert [c for c in codes if validate_credit_code(c) != c or not ref_valid(c)] == []
    # The registration area in the code is the enterprise's region.
    assert [r["credit_code"] for r in rows if r["credit_code"][2:8] != r["region_code"]] == []
    names = [row["name"] for row in rows]
    assert len(set(names)) == len(names) and all(names)
    assert all(row["business_scope"] for row in rows)


def test_demo_industries_are_known(rows: list[dict[str, str]]) -> None:
    taxonomy = default_taxonomy()
    assert [r["industry_code"] for r in rows if taxonomy.get(r["industry_code"]) is None
            or taxonomy.normalize(r["industry_code"]) != r["industry_code"]] == []
    sections = Counter(taxonomy.section_of(r["industry_code"]) for r in rows)
    assert sections["C"] > len(rows) / 2  # a manufacturing city
    assert {"A", "E", "F", "H", "I", "J", "K", "L"} <= set(sections)


def test_demo_contacts_are_valid_and_fictional(rows: list[dict[str, str]]) -> None:
    mobiles = [r["mobile"] for r in rows if r["mobile"]]
    emails = [r["email"] for r in rows if r["email"]]
    assert len(mobiles) > len(rows) * 0.8 and len(emails) > len(rows) * 0.6
    assert [m for m in mobiles if validate_mobile(m) != m or m[3:7] != "0000"] == []
    assert len(set(mobiles)) == len(mobiles)
    assert [e for e in emails if validate_email(e) != e] == []
    assert {e.split("@")[1] for e in emails} <= {"example.com", "example.org", "example.net"}
    for row in rows:
        channels = row["channels"].split(";") if row["channels"] else []
        assert set(channels) <= {"sms", "email"} and len(set(channels)) == len(channels)
        assert "sms" not in channels or row["mobile"], row["name"]
        assert "email" not in channels or row["email"], row["name"]
        assert set(filter(None, row["qualifications"].split(";"))) <= QUALIFICATIONS


def test_demo_sizes(rows: list[dict[str, str]]) -> None:
    derived: Counter[str] = Counter()
    declared_only = contradicting = above = 0
    for row in rows:
        figures = _figures(row)
        if figures is None:
            assert row["size"] in SIZES, row["name"]
            declared_only += 1
            continue
        size = size_class(row["industry_code"], **figures).size
        if row["size"]:
            assert row["size"] in SIZES and row["size"] != size, row["name"]
            contradicting += 1
        else:
            derived[size] += 1
        if size == "unknown":
            assert row["industry_code"][:2] in {"66", "67", "68", "69"}, row["name"]  # finance: out of scope
        threshold = scale_threshold(row["industry_code"])
        above += threshold is not None and threshold.id == "industry" and figures["revenue_wan"] >= 2000
    assert set(SIZES) <= set(derived) and all(derived[s] >= 10 for s in SIZES)
    assert derived["unknown"] >= 3  # a few finance companies
    assert 0.03 <= declared_only / len(rows) <= 0.08
    assert 0.01 <= contradicting / len(rows) <= 0.04
    assert above >= 30  # 规模以上工业


def test_demo_regions(rows: list[dict[str, str]]) -> None:
    regions = Counter(r["region_code"] for r in rows)
    assert set(regions) >= BINZHOU
    assert all(validate_region_code(code) == code for code in regions)
    outside = sum(n for code, n in regions.items() if code not in BINZHOU)
    assert 0.01 <= outside / len(rows) <= 0.06
    # 邹平 and 博兴 carry the industry.
    assert regions.most_common(1)[0][0] == "371626"
    assert regions["371625"] > regions["371621"]


def test_demo_csv_is_what_the_generator_makes(rows: list[dict[str, str]]) -> None:
    spec = importlib.util.spec_from_file_location("make_enterprises", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.make_rows() == rows
