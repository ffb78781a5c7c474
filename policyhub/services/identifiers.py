"""Checks for the identifiers on an enterprise profile: 统一社会信用代码, mobile, e-mail, region code.

Pure functions on strings (standard library only: no Flask, no database, no other policyhub module),
so they can be used anywhere and tested alone. Each ``validate_*`` returns the normalised value or
raises IdentifierError whose message (Chinese) says precisely what is wrong. Full-width characters
(typed with a Chinese input method) are read as their half-width forms.

统一社会信用代码, GB 32100-2015《法人和其他组织统一社会信用代码编码规则》 (18 characters):

====== ===================================================================================
位置    内容
====== ===================================================================================
1      登记管理部门代码: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
       9 工商, A 中央军委改革和编制办公室, N 农业, Y 其他
2      机构类别代码, per department (9 工商: 1 企业, 2 个体工商户, 3 农民专业合作社; see
       REGISTRATION_DEPARTMENTS)
3–8    登记管理机关行政区划码 (GB/T 2260, 6 digits)
9–17   主体标识码 = 组织机构代码 (GB 11714-1997): 8 body characters and a check character
18     校验码
====== ===================================================================================

Character set: 0-9 and the capital letters except I, O, Z, S, V, valued 0..30 in the order of
CREDIT_CODE_ALPHABET. Check character: C18 = 31 - MOD(Σ Ci·Wi, 31) for i = 1..17, with
Wi = MOD(3^(i-1), 31) (= CREDIT_CODE_WEIGHTS) and 31 written as "0".

The 组织机构代码 check character (GB 11714-1997 §2.1.2): C9 = 11 - MOD(Σ Ci·Wi, 11) for i = 1..8,
Wi = 3, 7, 9, 10, 5, 8, 4, 2; 10 is written "X" and 11 "0". Its letters are valued by GB 11714's
own character set (附录A: A=10 … Z=35, I, O, S, V and Z included), NOT by GB 32100's 31-character
table: of 212 real codes (python-stdnum's test list), 134 have letters in their 主体标识码; with the
GB 32100 values 127 of those fail, with GB 11714's all pass (tests/policyhub/test_identifiers.py).

Sources checked (stored copies, found with the project's search tool):
- GB 32100-2015 worked example (91350100M000100Y4Z → check character 3, weights table, 31-character
  table): yc00.com/web/1713075042a2177900.html, renrendoc.com/p-47802332.html.
- Positions 1 and 2 tables: blog.csdn.net/lh1424573495/article/details/108776492 (same text on
  osuse.cn/post/10002590.html).
- GB 11714-1997 §2.1.2 (weights 3,7,9,10,5,8,4,2; 10 → X, 11 → 0): jinchutou.com copy of the standard
  text, zh.wikisource.org "GB 11714-1997 全国组织机构代码编制规则"; its 36-character value table as
  used in github.com/Rockyzsu/social_code_validation (social_code_gen.py).
- Real codes: python-stdnum tests/test_cn_uscc.doctest (github.com/arthurdejong/python-stdnum).

Known limit: some codes issued in early pilot areas (Fujian, e.g. 91350211M0000XUF46) do not satisfy
the standard's check character and are rejected here; such an enterprise must be entered by staff
after checking its licence.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CREDIT_CODE_WEIGHTS",
    "ORG_CODE_ALPHABET",
    "ORG_CODE_WEIGHTS",
    "REGISTRATION_DEPARTMENTS",
    "IdentifierError",
    "credit_code_check_char",
    "mask_email",
    "mask_mobile",
    "org_code_check_char",
    "validate_credit_code",
    "validate_email",
    "validate_mobile",
    "validate_region_code",
]


class IdentifierError(ValueError):
    """An identifier that fails a check; str(error) is a Chinese message saying what is wrong."""


#: GB 32100-2015 表1 代码字符集, in value order (0..30): no I, O, Z, S, V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: GB 32100-2015 表2: Wi = MOD(3^(i-1), 31) for positions 1..17.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714-1997 附录A 代码字符集, in value order (0..35).
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: GB 11714-1997 §2.1.2 weights for body positions 1..8.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: 登记管理部门代码 -> (部门, {机构类别代码: 类别}).
REGISTRATION_DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常住新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"},
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

_CREDIT_VALUES = {ch: value for value, ch in enumerate(CREDIT_CODE_ALPHABET)}
_ORG_VALUES = {ch: value for value, ch in enumerate(ORG_CODE_ALPHABET)}
_NOT_IN_CREDIT_CODES = frozenset("IOZSV")

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, as typed with a Chinese input method.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ASCII_UPPER = {code: code - 32 for code in range(ord("a"), ord("z") + 1)}
_ASCII_DIGITS = frozenset("0123456789")
_SHOWN_MAX = 20

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_MAX_RAW = 64
_EMAIL_MAX = 254
_EMAIL_LOCAL_MAX = 64
# RFC 5322 atext plus the dot: what a practical mail address's user part is made of.
_EMAIL_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
_DOMAIN_DOTS = {0x3002: ".", 0xFF61: "."}  # 。 and ｡ separate labels like "." (IDNA, RFC 3490 §3.1)
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _text(raw: object, label: str) -> str:
    """The raw value as half-width text with outer whitespace removed; IdentifierError if it is no string."""
    if raw is None:
        raise IdentifierError(f"{label}为空（收到 None）")
    if not isinstance(raw, str):
        raise IdentifierError(f"{label}应为文本，收到的是 {type(raw).__name__}")
    return raw.translate(_HALF_WIDTH).strip()


def _char(ch: str) -> str:
    """A character as shown in a message: itself if visible, else its code point (control, space, format)."""
    if ch.isprintable() and not ch.isspace():
        return ch
    return f"U+{ord(ch):04X}"


def _shown(text: str) -> str:
    """A value quoted in a message, cut short and with invisible characters spelled out."""
    cut = text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"
    return "".join(ch if ch.isprintable() else _char(ch) for ch in cut)


def _weighted(text: str, values: dict[str, int], weights: tuple[int, ...]) -> int:
    return sum(values[ch] * weight for ch, weight in zip(text, weights, strict=True))


def credit_code_check_char(first17: str) -> str:
    """The 18th character (校验码) of a 统一社会信用代码 from its first 17 (GB 32100-2015 §4.3)."""
    text = _text(first17, "统一社会信用代码前 17 位").translate(_ASCII_UPPER)
    if len(text) != 17:
        raise IdentifierError(f"统一社会信用代码前 17 位的长度应为 17 位（当前 {len(text)} 位）")
    for ch in text:
        if ch not in _CREDIT_VALUES:
            raise IdentifierError(f"统一社会信用代码含有不允许的字符 {_char(ch)}")
    return CREDIT_CODE_ALPHABET[(31 - _weighted(text, _CREDIT_VALUES, CREDIT_CODE_WEIGHTS) % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The 9th character (校验码) of a 组织机构代码 from its 8-character body (GB 11714-1997 §2.1.2)."""
    text = _text(body8, "组织机构代码本体").translate(_ASCII_UPPER)
    if len(text) != 8:
        raise IdentifierError(f"组织机构代码本体的长度应为 8 位（当前 {len(text)} 位）")
    for ch in text:
        if ch not in _ORG_VALUES:
            raise IdentifierError(f"组织机构代码含有不允许的字符 {_char(ch)}")
    check = 11 - _weighted(text, _ORG_VALUES, ORG_CODE_WEIGHTS) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(raw: str) -> str:
    """Check a 统一社会信用代码 (GB 32100-2015) and return it as 18 upper-case half-width characters.

    Checks, in order: text, length 18, character set, 登记管理部门代码 (position 1), 机构类别代码
    (position 2, for that department), 6-digit 行政区划码 (positions 3–8), then the check characters
    of the whole code (position 18) and of the embedded 组织机构代码 (position 17).
    """
    code = _text(raw, "统一社会信用代码").translate(_ASCII_UPPER)
    if not code:
        raise IdentifierError("统一社会信用代码为空")
    if len(code) != 18:
        raise IdentifierError(f"统一社会信用代码长度应为 18 位（当前 {len(code)} 位）")
    for position, ch in enumerate(code, start=1):
        if ch not in _CREDIT_VALUES:
            hint = "（统一社会信用代码不使用字母 I、O、Z、S、V）" if ch in _NOT_IN_CREDIT_CODES else ""
            raise IdentifierError(f"统一社会信用代码含有不允许的字符 {_char(ch)}（第 {position} 位）{hint}")
    department = REGISTRATION_DEPARTMENTS.get(code[0])
    if department is None:
        raise IdentifierError(
            f"第 1 位登记管理部门代码 {code[0]} 无效：应为 {'、'.join(REGISTRATION_DEPARTMENTS)} 之一"
        )
    department_name, categories = department
    if code[1] not in categories:
        raise IdentifierError(
            f"第 2 位机构类别代码 {code[1]} 与登记管理部门 {code[0]}（{department_name}）不符："
            f"应为 {'、'.join(categories)} 之一"
        )
    region = code[2:8]
    if not all(ch in _ASCII_DIGITS for ch in region):
        raise IdentifierError(f"第 3–8 位登记管理机关行政区划码应为 6 位数字（当前为 {region}）")
    problems = []
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        problems.append(f"第 18 位校验码应为 {expected}（当前为 {code[17]}）")
    expected_org = org_code_check_char(code[8:16])
    if code[16] != expected_org:
        problems.append(f"组织机构代码校验位错误：第 17 位应为 {expected_org}（当前为 {code[16]}）")
    if problems:
        raise IdentifierError("；".join(problems) + "，请核对是否有输错的字符")
    return code


def validate_mobile(raw: str) -> str:
    """Check a mainland China mobile number and return its 11 digits.

    Accepts a +86 / 0086 / 86 prefix (also as "(+86)"), spaces and hyphens between digits, and
    full-width digits: "+86 138-0000-1234" -> "13800001234".
    """
    text = _text(raw, "手机号")
    if len(text) > _MOBILE_MAX_RAW:
        raise IdentifierError(f"手机号过长（{len(text)} 个字符），应为 11 位数字")
    if not text:
        raise IdentifierError("手机号为空")
    number = text.replace(" ", "").replace("-", "")
    number = re.sub(r"^\((\+?86)\)", r"\1", number)
    if number.startswith("+"):
        if not number.startswith("+86"):
            raise IdentifierError(f"仅支持中国大陆手机号（国家代码 +86），收到的是“{_shown(text)}”")
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    for ch in number:
        if ch not in _ASCII_DIGITS:
            raise IdentifierError(f"手机号含有不允许的字符 {_char(ch)}：只能是数字、空格和连字符")
    if len(number) != 11:
        raise IdentifierError(f"手机号应为 11 位数字（当前 {len(number)} 位）")
    if not _MOBILE.fullmatch(number):
        raise IdentifierError(f"手机号应以 13–19 开头（当前以 {number[:2]} 开头）")
    return number


def validate_email(raw: str) -> str:
    """Check an e-mail address (practically, not all of RFC 5322) and return it with the domain lower-cased.

    One @; a user part of letters, digits and !#$%&'*+-/=?^_`{|}~. (no leading, trailing or doubled
    dot, at most 64); a domain with a dot, whose labels survive IDNA encoding (the stdlib "idna" codec,
    so 中文域名 are allowed and kept as typed, lower-cased); no spaces or control characters; at most
    254 characters in all, counting the domain in its ASCII (xn--) form.
    """
    text = _text(raw, "邮箱")
    if not text:
        raise IdentifierError("邮箱为空")
    if len(text) > _EMAIL_MAX:
        raise IdentifierError(f"邮箱过长：最多 {_EMAIL_MAX} 个字符（当前 {len(text)} 个）")
    for ch in text:
        if ch == " ":
            raise IdentifierError("邮箱不能包含空格")
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise IdentifierError(f"邮箱含有不允许的字符 {_char(ch)}")
    if text.count("@") != 1:
        raise IdentifierError(f"邮箱应包含且只包含一个 @（当前 {text.count('@')} 个）")
    local, domain = text.split("@")
    if not local:
        raise IdentifierError("邮箱 @ 前的用户名为空")
    if len(local) > _EMAIL_LOCAL_MAX:
        raise IdentifierError(f"邮箱用户名过长：最多 {_EMAIL_LOCAL_MAX} 个字符（当前 {len(local)} 个）")
    for ch in local:
        if ch not in _EMAIL_LOCAL_CHARS:
            raise IdentifierError(f"邮箱用户名含有不允许的字符 {_char(ch)}：只能是英文字母、数字和 . _ - + 等符号")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise IdentifierError("邮箱用户名不能以点开头或结尾，也不能有连续的点")
    domain = domain.translate(_DOMAIN_DOTS)
    if not domain:
        raise IdentifierError("邮箱 @ 后的域名为空")
    if "." not in domain:
        raise IdentifierError(f"邮箱域名“{_shown(domain)}”应包含点，例如 example.com")
    if "" in domain.split("."):
        raise IdentifierError(f"邮箱域名“{_shown(domain)}”有空的部分：不能以点开头或结尾，也不能有连续的点")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise IdentifierError(f"邮箱域名“{_shown(domain)}”无效：无法转换为国际化域名（IDNA）") from None
    for label in ascii_domain.split("."):
        if not _DNS_LABEL.fullmatch(label):
            raise IdentifierError(
                f"邮箱域名中的“{_shown(label)}”无效：只能是字母、数字和连字符，不能以连字符开头或结尾"
            )
    if ascii_domain.rsplit(".", 1)[1].isdigit():
        raise IdentifierError(f"邮箱域名“{_shown(domain)}”无效：顶级域名不能全是数字")
    if len(local) + 1 + len(ascii_domain) > _EMAIL_MAX:
        raise IdentifierError(f"邮箱过长：最多 {_EMAIL_MAX} 个字符（域名按国际化编码计）")
    return f"{local}@{domain.lower()}"


def validate_region_code(raw: str) -> str:
    """Check the form of a 6-digit 行政区划代码 (GB/T 2260); whether the code exists is matcher.regions' job."""
    text = _text(raw, "行政区划代码")
    if not text:
        raise IdentifierError("行政区划代码为空")
    if len(text) != 6 or not all(ch in _ASCII_DIGITS for ch in text):
        raise IdentifierError(f"行政区划代码应为 6 位数字（当前为“{_shown(text)}”）")
    return text


def mask_mobile(raw: str) -> str:
    """A mobile number for display with its middle four digits hidden: "13812345678" -> "138****5678"."""
    number = validate_mobile(raw)
    return f"{number[:3]}****{number[7:]}"


def mask_email(raw: str) -> str:
    """An address for display with the user part hidden: "zhangsan@example.com" -> "z***n@example.com".

    Always three stars, so the length of the user part is not given away; a user part of 2–3
    characters shows only its first ("ab@…" -> "a***@…"), one of a single character shows none.
    """
    local, domain = validate_email(raw).split("@")
    if len(local) >= 4:
        shown = f"{local[0]}***{local[-1]}"
    elif len(local) >= 2:
        shown = f"{local[0]}***"
    else:
        shown = "***"
    return f"{shown}@{domain}"
