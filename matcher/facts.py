"""Read the facts a user looks for first from a policy's text: 文号, issuer, dates, 申报截止, amounts, contact.

Every fact comes with the sentence it was read from, and a fact the text does not state stays None:
an empty 申报截止 means "the text gives none", never a guess. Dates in Arabic or Chinese numerals
(2023年5月10日, 二〇二三年五月十日, 2023-05-10, 2023.5.10) are read; a date without a year takes the year
of the policy's own date. Money is normalised to 万元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from matcher.criteria import Evidence
from matcher.extract import _PROVINCE_ABBREVIATIONS, _city_abbreviations  # the 文号 characters regions are read by
from matcher.regions import default_regions
from matcher.tokenize import simplified

__all__ = ["FACT_FIELDS", "PolicyFacts", "chinese_number", "extract_facts", "find_dates", "money_wan"]

FACT_FIELDS = (
    "doc_number", "issuer", "issued_on", "effective_from", "effective_to",
    "apply_from", "apply_until", "max_support_wan", "contact",
)


@dataclass(frozen=True)
class PolicyFacts:
    """What the text states of a policy; None where it states nothing."""

    doc_number: str | None = None
    issuer: str | None = None
    issued_on: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    apply_from: date | None = None
    apply_until: date | None = None
    max_support_wan: float | None = None
    contact: str | None = None
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, object]:
        """JSON form: dates as ISO strings, evidence as {field, value, sentence}."""
        out: dict[str, object] = {}
        for name in FACT_FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
        out["evidence"] = [e.to_dict() for e in self.evidence]
        return out


# --- numbers -------------------------------------------------------------------------------------

_DIGIT = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_NUMBER = "[〇○零一二两三四五六七八九十百千万亿]"


def chinese_number(text: str) -> float | None:
    """The value of a number in Arabic or Chinese numerals (二十三, 一千五百, 3.5, 1,000); None if it is not one."""
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if not re.fullmatch(f"{_CN_NUMBER}+", text):
        return None
    if all(ch in _DIGIT for ch in text):  # 二〇二三: digit by digit
        return float("".join(str(_DIGIT[ch]) for ch in text))
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            section += (digit or 1) * _UNIT[ch]
            digit = 0
        else:
            total = (total + section + digit) * _BIG[ch]
            section = digit = 0
    return float(total + section + digit)


# 三年百万青年见习计划 / 千万工程: a number in Chinese numerals before a bare 万 counts people or projects, not 元.
_AMOUNT = re.compile(rf"(\d+(?:\.\d+)?)\s*(亿元|万元|元|亿|万)|({_CN_NUMBER}+)\s*(亿元|万元|元)")


def money_wan(number: str, unit: str) -> float | None:
    """An amount in 万元 from its number and unit (元, 万元, 亿元)."""
    value = chinese_number(number)
    if value is None:
        return None
    if unit.startswith("亿"):
        return value * 10_000
    if unit.startswith("万"):
        return value
    return value / 10_000


# --- dates ---------------------------------------------------------------------------------------

_NUM = rf"(?:\d{{1,4}}|{_CN_NUMBER}{{1,4}})"
_FULL_DATE = re.compile(rf"({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*[日号]")
_NUMERIC_DATE = re.compile(r"(?<!\d)(20\d\d|19\d\d)[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_MONTH_DAY = re.compile(rf"(?<![年\d])({_NUM})\s*月\s*({_NUM})\s*[日号]")
_YEAR_MONTH_END = re.compile(rf"({_NUM})\s*年\s*({_NUM})\s*月(?:底|末)")


def _make_date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        values = [int(v) if isinstance(v, int) else int(chinese_number(v) or -1) for v in (year, month, day)]
        if values[0] < 1949 or values[0] > 2100:
            return None
        return date(*values)
    except (ValueError, TypeError):
        return None


def _month_end(year: int, month: int) -> date | None:
    try:
        first_next = date(year + (month == 12), month % 12 + 1, 1)
    except ValueError:
        return None
    return first_next - timedelta(days=1)


def find_dates(text: str, default_year: int | None = None) -> list[tuple[int, date]]:
    """(position, date) of every date written in a text, in order; month–day dates take default_year."""
    found: list[tuple[int, date]] = []
    taken: list[range] = []
    for match in _FULL_DATE.finditer(text):
        day = _make_date(match.group(1), match.group(2), match.group(3))
        if day:
            found.append((match.start(), day))
            taken.append(range(match.start(), match.end()))
    for match in _YEAR_MONTH_END.finditer(text):
        year, month = chinese_number(match.group(1)), chinese_number(match.group(2))
        if year and month and 1949 <= year <= 2100 and 1 <= month <= 12:
            end = _month_end(int(year), int(month))
            if end:
                found.append((match.start(), end))
                taken.append(range(match.start(), match.end()))
    for match in _NUMERIC_DATE.finditer(text):
        day = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if day:
            found.append((match.start(), day))
            taken.append(range(match.start(), match.end()))
    if default_year:
        for match in _MONTH_DAY.finditer(text):
            if any(match.start() in r for r in taken):
                continue
            day = _make_date(default_year, match.group(1), match.group(2))
            if day:
                found.append((match.start(), day))
    return sorted(found, key=lambda item: item[0])


# --- the facts -----------------------------------------------------------------------------------

_BRACKETS = "〔［\\[【（(<《"
_CLOSE = "〕］\\]】）)>》"
_DOC_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,14}}[{_BRACKETS}]\s*(?:19|20)\d\d\s*[{_CLOSE}]\s*[第]?\d{{1,4}}\s*号)"
)
_ISSUER_TAIL = (
    r"(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|管理委员会|管委会|工作领导小组办公室"
    r"|[^\s，。、；]{0,6}(?:厅|局|委|部|署|办|中心|总局|银行|行|会|院))"
)
_ORGAN_LINE = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,40}}{_ISSUER_TAIL}$")
_TITLE_ISSUER = re.compile(rf"^([\u4e00-\u9fff（）()、]{{2,60}}?{_ISSUER_TAIL})(?:关于|印发|转发)")
# 自…起施行 in the text itself; 将于…起施行 / 从…起正式实施 in a report of it.
_EFFECTIVE_FROM = re.compile(r"(?:自|从|于)\s*([^，。；]{0,24}?)\s*起\s*(?:正式)?(?:施行|实施|执行|生效|实行|试行|计算)")
_ISSUE_DAY_WORDS = re.compile(r"印发之日|发布之日|公布之日|下发之日|发文之日|签发之日")
_DAYS_AFTER_ISSUE = re.compile(rf"自(?:印发|发布|公布|下发|发文)之日起\s*({_NUM})\s*日(?:后|以后)(?:施行|实施|执行|生效)")
# 有效期3年 / 试行期2年 / 执行期限为两年.
_VALIDITY_YEARS = re.compile(rf"(?:有效|试行|执行|实施|施行)期(?:限)?(?:为|暂定为?|限)?\s*({_NUM}|半)\s*年")
_VALID_UNTIL = re.compile(r"有效期至|有效期到|执行至|实施至|执行到|有效至|期限至|(?:执行|实施|试行)期至|延至|延长至|延续至|止于"
                          r"|截止到|截至")
# 有效期至2025年底 / 执行至2025年6月: a year's or a month's end after a validity cue.
_YEAR_END_AFTER = re.compile(r"\s*((?:19|20)\d\d)\s*年\s*(?:底|末|年底)")
_MONTH_END_AFTER = re.compile(r"\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
# 截至 also dates statistics (截至4月26日24时，各省份…): it states validity only beside a policy word.
_PUBLISHED_AT = re.compile(r"[\d〇○零一二两三四五六七八九十年月.\-/]{4,14}日?\s*(?:发布|印发|公布|出台|下发)")
_WEAK_UNTIL = re.compile(r"截止到|截至")
_POLICY_WORD = re.compile(r"政策|执行|实施|有效|享受|期限|时限|办法|措施|通知")
_PERIOD = re.compile(r"(?:执行|实施|有效|政策)期(?:限|间)?(?:为|自|：|:)?|有效期(?:为|：|:)?|期限(?:为|：|:)")
_APPLY = re.compile(
    r"申报(?:时间|期限|日期|截止)|申请(?:时间|期限|截止)|受理(?:时间|期限)|报送(?:时间|截止)"
    r"|截止(?:时间|日期)|(?:之前|前)[^，。；]{0,20}(?:报送|报至|提交|上报|申报|提出申请|报)"
    r"|(?:报送|提交|上报|申报)[^，。；]{0,30}(?:截止|之前|前)"
)
_MAX_AMOUNT = re.compile(
    rf"(?:最高|最多|上限|不超过|不高于|封顶|最高不超过|累计不超过)[^，。；]{{0,12}}?(\d+(?:\.\d+)?|{_CN_NUMBER}+)\s*(亿元|万元|元)"
    rf"|(\d+(?:\.\d+)?|{_CN_NUMBER}+)\s*(亿元|万元|元)\s*(?:封顶|为上限|以内)"
)
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[-－—\s]?\d{7,8}|1[3-9]\d{9}|\d{7,8}|400[-\s]?\d{3}[-\s]?\d{4})(?!\d)")
_CONTACT_CUE = re.compile(r"联系人|联系电话|咨询电话|联系方式|电\s*话|咨询热线|服务热线")


def _lines(body: str) -> list[str]:
    # 2022 年 12 月⏎31 日: a date broken across lines is one date.
    body = re.sub(r"(\d\s*[年月])[ \t]*\n\s*(?=\d{1,2}\s*[月日])", r"\1", unicodedata.normalize("NFKC", body))
    return [line.strip() for line in body.splitlines() if line.strip()]


def _sentences(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        out.extend(p.strip() for p in re.split(r"(?<=[。；！？])", line) if p.strip())
    return out


def _cited(text: str, start: int) -> bool:
    """Whether the 文号 at start cites another document: inside brackets after 《…》, or after 根据/按照."""
    before = text[max(0, start - 80):start]
    return bool(re.search(r"》\s*[（(]?\s*$|根据|按照|依据|转发|贯彻", before[-30:]) or before.rstrip().endswith(("《", "》（")))


def _doc_number(title: str, lines: list[str]) -> tuple[str, str] | None:
    """The policy's own 文号: standing alone near the top, else the first one that does not cite another, else
    a 公告 number line at the top (财政部 税务总局公告2023年第12号)."""
    found = _bracketed_doc_number(title, lines)
    if found:
        return found
    for line in lines[:12]:
        if _NUMBERED.match(line):
            return line.strip(), line
    return None


def _bracketed_doc_number(title: str, lines: list[str]) -> tuple[str, str] | None:
    for line in lines[:12]:
        match = _DOC_NUMBER.search(line)
        if match and len(line) <= len(match.group(1)) + 14 and not _cited(line, match.start()):
            return _clean_doc_number(match.group(1)), line
    for line in [title, *lines]:
        for match in _DOC_NUMBER.finditer(line):
            # 拟申报试点城市要严格按照财建〔2023〕117号文的要求: a citation word inside the match cites it too.
            if _CITING_WORDS.search(match.group(1)):
                continue
            if (not _cited(line, match.start()) and not line[:match.start()].rstrip().endswith(("《", "》"))
                    and not _SOURCES_AFTER.match(line, match.end())
                    and not _SOURCES_BEFORE.search(line[:match.start()])):
                return _clean_doc_number(match.group(1)), line
    return None


_CITING_WORDS = re.compile(r"根据|按照|依据|参照|落实|贯彻|执行|转发|由")
# (青工信规〔2022〕2号)等文件精神 / 济政字〔2017〕80号、济国土资发〔2018〕51号: a number that heads a list of sources or
# is followed by the spirit it carries is a document the text follows, not its own.
# (牵头单位:各县区政府、市国土资源局。济发〔2018〕23号): the source an item of a compilation notes.
_SOURCES_BEFORE = re.compile(r"号\s*[)）]?\s*[、和及]\s*$|[(（](?:责任单位|牵头单位|牵头部门|政策依据|文件依据|依据)[^()（）]*$")
_SOURCES_AFTER = re.compile(r"\s*[)）]?\s*(?:[、]|等(?:文件|规定|精神|要求)|(?:文件)?(?:精神|要求|规定)|文件)")


def _clean_doc_number(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[\[［【(（]((?:19|20)\d\d)[\]］】)）]", r"〔\1〕", text)
    # Words before the issuer's abbreviation ("印发《…》的通知（滨政发…") are not part of it.
    return re.sub(r"^(?:文号|发文字号|字号|索引号)[:：]?", "", text)


_ORGAN_END = (r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|政府|委员会|管委会|领导小组办公室|办公室|办公厅"
              r"|总局|银行|高新区|部|局|厅|委|署|办|院)")
# 财政部、工业和信息化部下发《…》 / 温州市商务局、财政局发布… / 工信部答人民网提问: organs acting in a news lead.
_ORGAN = (r"(?:[\u4e00-\u9fff]{0,20}?(?:人民政府办公室|人民政府办公厅|人民政府|委员会|管委会|办公室|办公厅|总局|银行|部|局|厅|委|署))")
_NEWS_LEAD = re.compile(r"^.{0,24}?\d{1,2}月\d{1,2}日(?:电|讯)|^.{0,12}?(?:记者[\u4e00-\u9fff]{2,4})?")


def _issuer(title: str, lines: list[str]) -> tuple[str, str] | None:
    """The issuing organ: the sign-off block, the title, a 公告 number line, a news lead; else a 发布机构 label."""
    return (_signed_organs(lines) or _title_organs(title, lines[:3]) or _numbered_organs(lines[:12])
            or _lead_organs([title, *lines[:5]]) or _doc_number_organ(title, lines) or _labelled_organ(lines)
            or _closing_organ(lines) or _central_sender(lines))


def _closing_organ(lines: list[str]) -> tuple[str, str] | None:
    """The 署名 closing a copy that dropped its 成文日期: the last line, organs only."""
    if len(lines) < 3 or len(lines[-1]) > 40 or not re.fullmatch(r"[\u4e00-\u9fff（）()\s]+", lines[-1]):
        return None
    organs = [o for part in lines[-1].split() for o in _organ_list(part)]
    return (";".join(organs), lines[-1]) if organs and len(organs) == len(lines[-1].split()) else None


_TO_PROVINCES = re.compile(r"^各省、自治区、直辖市|^各省（区、市）|^各省、区、市")


def _central_sender(lines: list[str]) -> tuple[str, str] | None:
    """A notice to 各省、自治区、直辖市… whose sign-off is not stored: the central organ acting in its body
    (农业农村部会同全国联席会议成员单位制定实施方案)."""
    if not any(_TO_PROVINCES.match(line) for line in lines[:8]):
        return None
    for line in lines:
        for clause in re.split(r"[，,。；;：:]", re.sub(r"《[^》]*》", "《》", line)):
            match = _ACTS.match(_LEAD_WORDS.sub("", re.sub(r"^[(（][一二三四五六七八九十\d]+[)）]", "", clause), count=1))
            organs = _organ_list(match.group(1)) if match else []
            if organs and not any(_PLACE_PREFIX.match(o) or _PRESS_OFFICE.search(o) for o in organs):
                return ";".join(organs), line
    return None


# The organ a 文号 prefix stands for: the centre's by their customary prefixes (人社部发, 国办发, 财税), a province's
# by its character (黔工信规划, 鲁政发), a city government's by its character (厦府规, 滨政发).
_CENTRAL_PREFIXES = (("国办发", "国务院办公厅"), ("国办函", "国务院办公厅"), ("国发", "国务院"), ("国函", "国务院"),
                     ("人社部", "人力资源社会保障部"), ("工信部", "工业和信息化部"), ("财税", "财政部;税务总局"),
                     ("发改", "国家发展改革委"), ("银发", "中国人民银行"), ("商务部", "商务部"))
_PROVINCE_ORGANS = (("政办发", "人民政府办公厅"), ("政办字", "人民政府办公厅"), ("政发", "人民政府"), ("政字", "人民政府"),
                    ("工信", "工业和信息化厅"), ("财", "财政厅"), ("人社", "人力资源和社会保障厅"), ("商务", "商务厅"))
_CITY_ORGANS = (("政办发", "人民政府办公室"), ("政办字", "人民政府办公室"), ("府办", "人民政府办公室"), ("政发", "人民政府"),
                ("府", "人民政府"))


def _doc_number_organ(title: str, lines: list[str]) -> tuple[str, str] | None:
    """The organ the text's own 文号 names by its prefix, or None."""
    found = _doc_number(title, lines)
    if not found:
        return None
    number, line = found
    for prefix, organ in _CENTRAL_PREFIXES:
        if number.startswith(prefix):
            return organ, line
    regions = default_regions()
    place = (regions.name(_PROVINCE_ABBREVIATIONS[number[0]]) if number[0] in _PROVINCE_ABBREVIATIONS else None)
    organs = _PROVINCE_ORGANS
    if place is None and number[0] in _city_abbreviations(regions):
        place, organs = regions.name(_city_abbreviations(regions)[number[0]]), _CITY_ORGANS
    for prefix, organ in organs if place else ():
        if number[1:].startswith(prefix):
            return place + organ, line
    return None


def _signed_organs(lines: list[str]) -> tuple[str, str] | None:
    """The organ lines standing just before the closing date (several organs may share a line)."""
    dates_at = [i for i, line in enumerate(lines) if _FULL_DATE.fullmatch(re.sub(r"\s+", "", line))]
    for end in reversed(dates_at):
        organs: list[str] = []
        for line in reversed(lines[max(0, end - 4):end]):
            parts = line.split()
            if parts and all(_ORGAN_LINE.match(p) and len(p) <= 40 for p in parts):
                organs[:0] = parts
            else:
                break
        if organs:
            return ";".join(_normalised_organ(o) for o in organs), lines[end - 1]
    # 滨州市人民政府办公室 2023年5月10日: a copy that ran the 署名 and the 成文日期 into one line.
    for line in reversed(lines[-12:]):
        parts = line.split()
        if (2 <= len(parts) <= 6 and len(line) <= 100 and _FULL_DATE.fullmatch("".join(parts[-1:]))
                and all(_ORGAN_LINE.match(p) for p in parts[:-1])):
            return ";".join(_normalised_organ(o) for o in parts[:-1]), line
    return None


# 转发…的通知 is sent by whoever forwards it, whom the title does not name.
_FORWARDED = re.compile(r"^(?:关于)?转发")
# 商务部等9部门关于… / 工业和信息化部等四部门印发… / 工信部：引导中小企业走… (a headline's speaker).
_TITLE_ORGANS = re.compile(rf"^((?:[\u4e00-\u9fff（）()、\s]{{2,60}}?{_ISSUER_TAIL}))(?:等[\d一二三四五六七八九十]*(?:个)?部门)?(?:联合)?(?:关于|印发|转发)")
_HEADLINE_ORGAN = re.compile(rf"^([\u4e00-\u9fff]{{1,12}}?{_ORGAN_END})[:：]")
# 市工信局有关负责人就《若干措施》答记者问: a Q&A page's speaker is the organ that issued what it explains.
_ANSWERING_ORGAN = re.compile(rf"^([\u4e00-\u9fff、]{{2,40}}?{_ORGAN_END})(?:有关|相关|主要)?负责(?:人|同志)(?:就|解读|答)")


# 《滨州市人民政府办公室关于印发…的通知》政策解读: an interpretation's title quotes the title of what it explains.
_EXPLAINED_TITLE = re.compile(r"^(?:关于|图解[:：]?|一图读懂[:：]?)?《([^《》]{4,80})》(?:的)?(?:政策)?(?:解读|图解|问答|答记者问)")


def _title_organs(title: str, top: list[str]) -> tuple[str, str] | None:
    """The organs the title (or the body's first lines, which often repeat it) opens with."""
    explained = _EXPLAINED_TITLE.match(title.strip())
    for text in [title, *([explained.group(1)] if explained else []), *top]:
        text = text.strip()
        if _FORWARDED.match(text):
            continue
        match = (_TITLE_ORGANS.match(text) or _HEADLINE_ORGAN.match(re.sub(r"\s+", "", text))
                 or _ANSWERING_ORGAN.match(re.sub(r"\s+", "", text)))
        if match:
            organs = _organ_list(match.group(1))
            if organs:
                return ";".join(organs), text
        if re.search(r"国务院常务会议", text):
            return "国务院", text
    return _place_in_title(title)


# 青岛高新区关于… / 潍坊高新区支持高质量发展若干政策 / 德清县关于企业股改、上市挂牌的奖励意见: a zone or a place heading the
# title issues it (a place by its 人民政府).
_ZONE_TITLE = re.compile(r"^([\u4e00-\u9fff]{2,8}?(?:高新技术产业开发区|经济技术开发区|高新区|经开区|开发区|新区))(?:关于|支持|印发)")
_PLACE_TITLE = re.compile(r"^([\u4e00-\u9fff]{2,10}?(?:省|市|县|区))(?:人民政府)?关于")


def _place_in_title(title: str) -> tuple[str, str] | None:
    zone = _ZONE_TITLE.match(title)
    if zone:
        return zone.group(1), title
    place = _PLACE_TITLE.match(title)
    regions = default_regions()
    if place and regions.find_in_text(place.group(1)) and any(
            r.name == place.group(1) for c in regions.find_in_text(place.group(1)) if (r := regions.get(c))):
        return place.group(1) + "人民政府", title
    return None


# 财政部 税务总局公告2023年第12号: the organs that number a 公告 issue it.
# (One run of characters and spaces: a nested repeat here backtracked for minutes on a long line.)
_NUMBERED = re.compile(r"^([\u4e00-\u9fff][\u4e00-\u9fff\s]{1,80}?)(?:公告|令|通告)\s*(?:19|20)\d\d\s*年\s*第\s*\d+\s*号$")


def _numbered_organs(lines: list[str]) -> tuple[str, str] | None:
    for line in lines:
        match = _NUMBERED.match(line.strip())
        if match:
            organs = _organ_list(match.group(1))
            if organs:
                return ";".join(organs), line
    return None


# A news lead: 近日，财政部、工业和信息化部联合印发… / 记者从山东省财政厅获悉 / 据工业和信息化部官网消息.
_LEAD_WORDS = re.compile(r"^(?:\d{1,2}月\d{1,2}日|近日|日前|近期|今天|今日|昨天|昨日|目前|据悉|同时|由|[\s,，])*")
_ACTS = re.compile(
    rf"^((?:{_ORGAN}[、和与及\s]*)+?)(?:等[\d一二三四五六七八九十]*(?:个)?部门)?\s*(?:\d{{1,2}}月\d{{1,2}}日)?"
    r"(?:日前|近日|近期|正式|联合|共同|再次|专门|牵头|对外|周[一二三四五六日]|会同[^，。；]{2,30}?)*"
    r"(?:印发|下发|发布|出台|制定|推出|公布|发文|答|公示|召开|决定|拟|组织开展)"
)
_SOURCE = re.compile(rf"(?:记者(?:从|自)|据)({_ORGAN})(?:获悉|了解到|介绍|(?:官方)?(?:网站|官网|微信公众号)?消息)")
# 工业和信息化部副部长王江平说 / 工信部副部长王江平： an official speaking for the organ.
_SPEAKER = re.compile(rf"({_ORGAN})(?:党组书记、)?(?:副?(?:部长|局长|厅长|主任|市长|省长)|新闻发言人)"
                      r"[\u4e00-\u9fff]{2,3}(?:[:：]|说|表示|介绍|指出|在)")
_PRESS_OFFICE = re.compile(r"新闻办|新闻发布")


def _lead_organs(texts: list[str]) -> tuple[str, str] | None:
    """The organs acting at the head of a news report, else the organ a reporter cites as the source."""
    for text in texts:
        plain = _NEWS_LEAD.sub("", re.sub(r"《[^》]*》", "《》", text), count=1)
        for clause in re.split(r"[，,。；;：:]", plain):
            match = _ACTS.match(_LEAD_WORDS.sub("", clause, count=1))
            organs = _organ_list(match.group(1)) if match else []
            if organs and not any(_PRESS_OFFICE.search(o) for o in organs):
                return ";".join(organs), text
    for pattern in (_SOURCE, _SPEAKER):
        for text in texts:
            match = pattern.search(text)
            if match and not _PRESS_OFFICE.search(match.group(1)):
                organs = _organ_list(match.group(1))
                if organs:
                    return ";".join(organs), text
    return None


def _labelled_organ(lines: list[str]) -> tuple[str, str] | None:
    for line in lines:
        reply = re.match(r"^(?:回复单位|答复单位|回复部门|答复部门|答复机构|发布机构|发文机关|发文单位|发布单位)[:：]+\s*(.+)$",
                         line)
        if reply:
            return reply.group(1).strip(), line
    # 文章来源:三门峡人社局 on a government page; a newspaper or a site (来源:新华网, 来源:工信部官网) is no organ.
    for line in lines[:6]:
        source = re.match(r"^(?:文章|信息)?来源[:：]\s*(\S+)$", line)
        organs = _organ_list(source.group(1)) if source else []
        if organs:
            # A page's metadata abbreviates (三门峡人社局): the organ is written in full.
            return ";".join(re.sub(r"(?<=[省市县区])人社(?=[厅局]$)", "人力资源和社会保障", _full_place(o)) for o in organs), line
    return None


_ABBREVIATIONS = {"工信部": "工业和信息化部", "人社部": "人力资源社会保障部", "央行": "中国人民银行", "人民银行": "中国人民银行",
                  "国家发改委": "国家发展改革委", "发改委": "国家发展改革委"}
# 为深入贯彻落实…和《国务院 / 贴息率不超过同期中国人民银行: prose ending in an organ's name is not an organ.
_NOT_ORGAN = re.compile(r"[《》“”\"]|的|贯彻|落实|根据|按照|超过|低于|方式")
_PLACE_PREFIX = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:省|自治区|市|县|区)")


def _organ_list(text: str) -> list[str]:
    """Organs named one after another (财政部、工业和信息化部 / 温州市商务局、财政局), each in full; [] if one is not an organ."""
    organs, start = [], 0
    text = text.strip()
    for separator in re.finditer(r"[、和与及]|\s+", text):
        # 财政部、工业和信息化部: 和 splits only after an organ's ending (工业和信息化部 is one organ).
        if separator.group().isspace() or re.search(f"{_ORGAN_END}$", text[start:separator.start()]):
            organs.append(text[start:separator.start()])
            start = separator.end()
    organs = [o for o in [*organs, text[start:]] if o]
    if not organs or not all(2 <= len(o) <= 22 and re.search(f"{_ORGAN_END}$", o) and not _NOT_ORGAN.search(o)
                             for o in organs):
        return []
    place = _PLACE_PREFIX.match(organs[0])
    if place:
        # 温州市商务局、财政局: the second organ is the same city's.
        # 济南市委办公厅、市政府办公厅: a second organ that repeats the level (市) takes the place in its stead.
        # (市场监管局 is no such repeat.)
        organs = [o if _PLACE_PREFIX.match(o) else place.group(0) + (
            o[1:] if o[0] == place.group(0)[-1] and not o.startswith(("市场", "区域", "县域", "省级")) else o)
            for o in organs]
    return [_normalised_organ(o) for o in organs]


@lru_cache(maxsize=4096)
def _full_place(organ: str) -> str:
    """三门峡人社局 → 三门峡市人社局: a place's short form opening an organ's name, written in full."""
    regions = default_regions()
    for code in regions.find_in_text(organ[:8])[:1]:
        name = regions.name(code) or ""
        short = re.sub(r"(?:省|市|自治区|自治州|地区|盟|县|区)$", "", name)
        if len(short) >= 2 and organ.startswith(short) and not organ.startswith(name):
            return name + organ[len(short):]
    return organ


def _normalised_organ(organ: str) -> str:
    """An organ's full name: 滕州市政府办公室 → 滕州市人民政府办公室, 四川省发改委 → 四川省发展和改革委员会, 工信部 → 工业和信息化部."""
    if organ in _ABBREVIATIONS:
        return _ABBREVIATIONS[organ]
    organ = re.sub(r"(?<=[省市县区])政府", "人民政府", organ)
    organ = re.sub(r"(?<=[省市县区])发改委$", "发展和改革委员会", organ)
    return re.sub(r"(?<=[省市县区])工信厅$", "工业和信息化厅", organ)


def _issued_on(lines: list[str], default_year: int | None) -> tuple[date, str] | None:
    """The date standing alone at the sign-off, else a 发布日期/成文日期 label, else a date on the top lines."""
    for line in reversed(lines[-12:]):
        plain = re.sub(r"\s+", "", line).strip("()（）")
        if _FULL_DATE.fullmatch(plain) or _NUMERIC_DATE.fullmatch(plain):
            found = find_dates(plain)
            if found:
                return found[0][1], line
    # The sign-off inside the text (an attachment follows): an organ's line, then the date alone on the next
    # (国务院办公厅 / 2018年12月18日), or both at the end of one line (…山西省工业和信息化厅2023年12月25日。).
    for before, line in reversed(list(zip(lines, lines[1:], strict=False))):
        plain = re.sub(r"\s+", "", line).strip("()（）")
        if _FULL_DATE.fullmatch(plain) and _ORGAN_LINE.match(re.sub(r"\s+", "", before)):
            return find_dates(plain)[0][1], line
    for line in reversed(lines[-12:]):
        signed = _SIGNED_AT_END.search(re.sub(r"\s+", "", line))
        if signed:
            found = find_dates(signed.group(1))
            if found:
                return found[0][1], line
    for line in lines:
        if re.search(r"(?:发布|成文|印发|发文)(?:日期|时间)", line):
            found = find_dates(line)
            if found and not (dated := _dateline(lines, found[0][1].year)):
                return found[0][1], line
            if dated:
                return dated
    page_year = next((d.year for line in lines[:4] for _, d in find_dates(line)), default_year)
    stated = _stated_issue_day(lines, page_year)
    if stated:
        return stated
    # A news report: its dateline (人民网北京4月20日电) is the day of the news; the page's own time gives the year
    # (never a year the text mentions: 2019年 in a report of 2020 is last year's figures).
    dated = _dateline(lines, page_year)
    if dated:
        # The report's day is not the issue's when it says the issue was 近日; the page's time is the report's too.
        return None if _ISSUED_LATELY.search(dated[1]) else dated
    for line in lines[:4]:
        stamped = re.search(r"(?:时间|日期|发布)?[:：]?\s*((?:19|20)\d\d[-./年]\d{1,2}[-./月]\d{1,2}日?)(?:\s+\d{1,2}:\d{2})", line)
        if stamped:
            found = find_dates(stamped.group(1))
            if found:
                return found[0][1], line
    for line in lines[:4]:
        stamped = re.search(r"(?:^|[】\]）)\s])((?:19|20)\d\d-\d{1,2}-\d{1,2})$", line)  # 【泉州经济网】2023-01-31
        if stamped:
            found = find_dates(stamped.group(1))
            if found:
                return found[0][1], line
    for line in lines[:6]:
        plain = re.sub(r"\s+", "", line)
        if len(plain) <= 24:
            found = find_dates(plain)
            if found:
                return found[0][1], line
    return None


# 新华社北京4月27日电 / 东南网9月1日讯 / 央视网消息:2月26日, / 本报讯(记者吴丽蓉)4月11日,文化和旅游部办公厅印发….
_DATELINE = re.compile(
    r"(\d{1,2})月(\d{1,2})日(?:电|讯)|(?:消息|讯)\s*[:：]?\s*(?:[(（][^()（）]{0,24}[)）])?\s*(\d{1,2})月(\d{1,2})日")
_SIGNED_AT_END = re.compile(rf"{_ISSUER_TAIL}((?:19|20)\d\d年\d{{1,2}}月\d{{1,2}}日)[,，。.]*$")


# 人民网北京6月14日电 …近日,财政部、工业和信息化部联合印发通知: the report dates itself, not the issue, which was 近日.
_ISSUED_LATELY = re.compile(r"(?:近日|日前)\s*[,，]?[^。,，;；]{0,40}?(?:印发|发布|出台|下发|公布)")
# 9月27日,国务院办公厅正式印发《若干措施》: a report or an interpretation saying on which day the organ issued it.
_ISSUED_BY_ON = re.compile(
    rf"(?:^|[,，。;；])\s*(?:((?:19|20)\d\d)年)?(\d{{1,2}})月(\d{{1,2}})日\s*[,，]?\s*({_ORGAN}(?:[、和与及]{_ORGAN})*)"
    r"(?:正式|联合|共同)?(?:印发|发布|出台|公布|下发)(?:了)?《")


def _stated_issue_day(lines: list[str], page_year: int | None) -> tuple[date, str] | None:
    """The day the text says the organ issued the policy; without a year, the page's, else that of the full date
    the narrative gave last before it in the same year's order (2023年4月28日 … 9月27日)."""
    text_before = ""
    for line in lines:
        for match in _ISSUED_BY_ON.finditer(line):
            if not _organ_list(match.group(4)):
                continue
            month, day = int(match.group(2)), int(match.group(3))
            year = int(match.group(1)) if match.group(1) else page_year
            if year is None:
                earlier = [d for _, d in find_dates(text_before + line[:match.start()]) if d.month <= month]
                full = list(_FULL_DATE.finditer(text_before + line[:match.start()]))
                year = earlier[-1].year if earlier and full else None
            found = _make_date(year, month, day) if year else None
            if found:
                return found, line
        text_before += line + "\n"
    return None


def _dateline(lines: list[str], year: int | None) -> tuple[date, str] | None:
    """The day a news report's dateline gives, in the year given (the page's), or None."""
    if not year:
        return None
    for line in lines[:5]:
        match = _DATELINE.search(line)
        if match:
            month, day = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            found = _make_date(year, month, day)
            if found:
                return found, line
    return None


def _add_years(start: date, years: float) -> date:
    whole = int(years)
    try:
        end = start.replace(year=start.year + whole)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + whole, day=28)
    if years - whole:
        end += timedelta(days=182)
    return end - timedelta(days=1)


def extract_facts(title: str, body: str, *, default_year: int | None = None) -> PolicyFacts:
    """The facts the text states, each with its evidence; default_year dates a 月日 without a year."""
    title = unicodedata.normalize("NFKC", simplified(title or "")).strip()
    lines = _lines(simplified(body or ""))
    sentences = _sentences(lines)
    facts = PolicyFacts()
    evidence: list[Evidence] = []

    def put(name: str, value: object, sentence: str) -> None:
        nonlocal facts
        if value is None or getattr(facts, name) is not None:
            return
        facts = replace(facts, **{name: value})
        shown = value.isoformat() if isinstance(value, date) else (f"{value:g}" if isinstance(value, float) else value)
        evidence.append(Evidence(name, str(shown), sentence[:300]))

    found = _doc_number(title, lines)
    if found:
        put("doc_number", *found)
    found = _issuer(title, lines)
    if found:
        put("issuer", *found)
    year_hint = default_year
    issued = _issued_on(lines, default_year)
    if issued:
        put("issued_on", *issued)
        year_hint = issued[0].year
    elif year_hint is None:
        years = [d.year for _, d in find_dates(title + "\n" + "\n".join(lines[:20]))]
        # 关于开展2021年度…申报工作的通知: the year a call's title names dates its 月日 deadlines.
        titled = re.search(r"((?:19|20)\d\d)\s*年", title)
        year_hint = years[0] if years else int(titled.group(1)) if titled else None

    for sentence in sentences:
        _validity(sentence, facts.issued_on, year_hint, put)
        if facts.effective_to is not None and facts.effective_from is not None:
            break
    if facts.effective_from is None:
        # 2019年1月1日起，对我区列入国家首台套…: the day the items start, one day for all of them.
        starts = {d: sentence for sentence in sentences if not _APPLY.search(sentence)
                  for d in [_make_date(*m.groups()[1:]) for m in _STARTS_ON.finditer(sentence)] if d}
        if len(starts) == 1:
            put("effective_from", *next(iter(starts.items())))
    if facts.effective_to is None:
        # One range only: several (1月10日至2月15日…, 2月16日至2月29日…) are the tiers of an item, not the validity.
        spans = {span: sentence for sentence in sentences if (span := _date_range(sentence, year_hint))}
        if len(spans) == 1:
            (start, end), sentence = next(iter(spans.items()))
            put("effective_from", start, sentence)
            put("effective_to", end, sentence)
    if facts.effective_to is None:
        for sentence in sentences:
            period = _opening_period(sentence)
            if period:
                put("effective_from", period[0], sentence)
                put("effective_to", period[1], sentence)
                break
    plan = _PLAN_YEARS.search(title) or next(filter(None, (_PLAN_YEARS.search(line) for line in lines[:3])), None)
    if plan and facts.effective_to is None:
        start, end = int(plan.group(1)), int(plan.group(2))
        if start <= end <= start + 10:
            put("effective_from", date(start, 1, 1), plan.string)
            put("effective_to", date(end, 12, 31), plan.string)
    deadline: tuple[date, str] | None = None
    for sentence in sentences:
        if _APPLY.search(sentence):
            # A date followed by 发布/印发 is when a cited notice came out, not a deadline.
            dates = [d for pos, d in find_dates(sentence, year_hint) if not _PUBLISHED_AT.match(sentence, pos)]
            if not dates:
                continue
            if deadline is None:
                if len(dates) >= 2 and re.search(r"至|到|—|－|-|~|～", sentence):
                    put("apply_from", min(dates), sentence)
                deadline = max(dates), sentence
            elif (deadline[0] < max(dates) <= deadline[0] + timedelta(days=_LATER_STEP_DAYS)
                  and not _REVIEW_STEP.search(sentence)):
                # 于7月5日前报送联系人 … 于7月14日前将实施方案报送: the call closes with its last step.
                deadline = max(dates), sentence
    if deadline:
        put("apply_until", *deadline)
    if facts.apply_until is None and year_hint:
        # A guide's table: the label 申报时间 on one line, 11-02/12-01 on the next.
        for label, value in zip(lines, lines[1:], strict=False):
            if _APPLY_LABEL.fullmatch(label):
                days = [_make_date(year_hint, m.group(1), m.group(2)) for m in _MONTH_DAY_NUMERIC.finditer(value)]
                days = [d for d in days if d]
                if days:
                    if len(days) >= 2:
                        put("apply_from", min(days), f"{label} {value}")
                    put("apply_until", max(days), f"{label} {value}")
                break
    best = _largest_support([title, *sentences])
    if best:
        put("max_support_wan", round(best[0], 4), best[1])
    for at in range(len(lines) - 1, -1, -1):
        line = lines[at]
        if _CONTACT_CUE.search(line) and _PHONE.search(line):
            contact = _contact_in(_CONTACT_HEADING.sub("", re.sub(r"\s+", " ", line).strip()))
            holder = lines[at - 1] if at else ""
            if contact and re.match(r"联\s*系\s*人", holder) and not _PHONE.search(holder) and len(holder) <= 40:
                contact = re.sub(r"\s+", " ", holder) + "；" + contact  # 联 系 人:装备工业处 李寿文 / 联系电话:0731-…
            if contact:
                put("contact", contact, line)
                break
    return replace(facts, evidence=tuple(evidence))


#: Steps of one call fall within weeks of each other; a date further on is another matter (a later batch, a report).
_LATER_STEP_DAYS = 45
# 各区工信、财政部门…于7月16日前完成审核: the offices' review after the firms' deadline is not the firms' deadline.
_REVIEW_STEP = re.compile(r"审核|审查|初审|复核|复审|评审|核实|把关")
_APPLY_LABEL = re.compile(r"(?:申报|申请|受理)(?:时间|日期|期限|截止时间)[:：]?")
_MONTH_DAY_NUMERIC = re.compile(r"(?<![\d.\-])(\d{1,2})-(\d{1,2})(?![\d\-])")


def _contact_in(line: str) -> str | None:
    """A contact line as it stands when short; in a longer one (a whole page on one line, an item's 牵头部门 note)
    the stretch from the first cue before a telephone number to the number's end."""
    if len(line) <= 60:
        return line
    for cue in _CONTACT_CUE.finditer(line):
        phone = _PHONE.search(line, cue.end(), cue.end() + 40)
        if phone:
            # 咨询电话就业促进工作科袁振航(负责同志)联系电话:0376-7676806: an earlier cue may name the number's holder.
            start = cue.start()
            earlier = [c.start() for c in _CONTACT_CUE.finditer(line, max(0, start - 40), start)]
            if earlier and not re.search(r"[。；;]", line[earlier[0]:start]):
                start = earlier[0]
            return line[start:phone.end()]
    return None


# "三、联系方式。" / "（五）联系人：" before the contact itself.
_CONTACT_HEADING = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]+[)）、.．]\s*)?(?:联系方式|联系人及电话|咨询电话)[。:：,，]\s*")


# Amounts a firm receives (给予3万元一次性奖励, 最高不超过500万元), not thresholds it must reach
# (营业收入2000万元以上, 资产总额不超过5000万元), the budget behind the policy (安排资金2亿元, 设立10亿元基金,
# 奖补资金总额不超过1.5亿元), sums paid per head (每人120元) nor a loan it may take.
_SUPPORT_WORDS = re.compile(r"奖励|奖金|补助|补贴|奖补|资助|贴息|扶持|支持|给予|一次性|最高|不超过|封顶")
_NOT_SUPPORT_BEFORE = re.compile(
    r"(?:营业收入|主营业务收入|收入|产值|投资|投入|销售|规模|资产|贷款|融资|营收|纳税|税收|基金|资金池|总额|安排|筹集|所得额|"
    r"零售额|增量|授信|担保|注册资本|实收资本|年产|总量|预算|专项资金|达到|(?<!不)超过|不低于|突破|首次|增加|新增|每人|每名|每户|人均|每亩|消费券|争取)"
    r"[^，。；]{0,6}$"
)
_NOT_SUPPORT_AFTER = re.compile(r"^\s*(?:以上|以下|及以上|（含）以上|以内的|的项目|规模|基金|资金池|专项|的?(?:创业担保)?贷款|再贷款)")
# 1000万元(含)-3000万元的给予基础奖励10万: the ends of a band a firm's figure falls in (never 给予3万元-5万元的资金支持).
_BAND_AFTER = re.compile(r"^\s*(?:[(（]含[)）])?\s*(?:[-—–~～]|至|到)\s*\d|^\s*的\s*(?:给予|[,，]|企业|个体)")
_PAID_BEFORE = re.compile(r"(?:给予|奖励|补助|补贴|资助|奖补)(?:最高|一次性)?\s*$")
# 突破1000亿元、500亿元、300亿元 / 达到100万元以上至500万元: the amounts of an enumeration or a range are read
# alike, as its first one is.
_ENUMERATION_GAP = re.compile(r"^(?:[(（]含[)）]|以上|以下)?(?:[、,，和或及与\s]|至|到|—|-|～|~){1,2}$")
# 1858家…公司获1.9亿财政补助: an amount for so many firms is their total.
# (新都化工等6家企业每家获增长点奖励14万元 is each firm's.)
_FIRMS_COUNTED = re.compile(r"\d+\s*(?:家|户)(?:(?!每家|每户)[^，。；]){0,20}(?:获|得到|享受|兑现|拨付|发放)")
#: No firm's cap reaches 1亿元 in the labelled texts: an amount of 亿 is a fund's total or a firm's threshold.
_LARGEST_CAP_WAN = 10_000


# 对符合条件的支柱、主导产业集群和特色产业集群，每个分别给予3000万元: paid to a cluster or a city, not a firm
# (a 示范园区 is run by a firm: its award stays a support).
_NOT_A_FIRM = re.compile(r"(?:产业集群|集群|试点城市|城市|县（市、区）|县\(市、区\)|区县|乡镇)[^，。；]{0,12}[，,]?\s*(?:每个|每家)?(?:分别)?"
                         r"(?:给予|奖励|补助|安排)[^，。；]{0,8}$")


def _clause_before(sentence: str, end: int) -> str:
    """The text before end back to the previous full stop or semicolon (commas kept: a recipient often precedes one)."""
    start = max(sentence.rfind(mark, 0, end) for mark in "。；;") + 1
    return sentence[max(start, end - 60):end]


def _largest_support(sentences: list[str]) -> tuple[float, str] | None:
    """The largest amount one enterprise can receive, with its sentence (None when no amount is a support)."""
    best: tuple[float, str] | None = None
    for sentence in sentences:
        if not _SUPPORT_WORDS.search(sentence):
            continue
        previous_end, previous_support = None, True
        for match in _AMOUNT.finditer(sentence):
            before, after = sentence[max(0, match.start() - 14):match.start()], sentence[match.end():match.end() + 12]
            if previous_end is not None and _ENUMERATION_GAP.match(sentence[previous_end:match.start()]):
                support = previous_support
            else:
                support = not (_NOT_SUPPORT_BEFORE.search(before) or _NOT_SUPPORT_AFTER.match(after)
                           or _NOT_A_FIRM.search(_clause_before(sentence, match.start()))
                               or (_BAND_AFTER.match(after) and not _PAID_BEFORE.search(before))
                               or _FIRMS_COUNTED.search(sentence[:match.start()]))
            previous_end, previous_support = match.end(), support
            amount = money_wan(match.group(1) or match.group(3), match.group(2) or match.group(4))
            if (support and amount is not None and 0 < amount < _LARGEST_CAP_WAN
                    and (best is None or amount > best[0])):
                best = (amount, sentence)
    return best


# A period opening a clause is when the policy runs: 通知明确，2021-2023年，将继续实施… / 从2022年到2025年，中央财政…
# / 2023年9—12月，对符合申报条件的企业… (never 2021-2023年营业收入…, which is a measure).
_DASH = r"\s*(?:[—–\-－~～至到])\s*"
_OPENING_YEARS = re.compile(rf"(?:^|[，,。；：:])\s*从?((?:19|20)\d\d)\s*年?{_DASH}((?:19|20)\d\d)\s*年\s*[，,]")
_OPENING_MONTHS = re.compile(rf"(?:^|[，,。；：:])\s*从?((?:19|20)\d\d)\s*年\s*(\d{{1,2}})\s*月?{_DASH}(\d{{1,2}})\s*月\s*[，,]")


def _opening_period(sentence: str) -> tuple[date, date] | None:
    """The first and last day of a period of years or months that opens a clause, or None."""
    years = _OPENING_YEARS.search(sentence)
    if years:
        start, end = int(years.group(1)), int(years.group(2))
        return (date(start, 1, 1), date(end, 12, 31)) if start <= end <= start + 10 else None
    months = _OPENING_MONTHS.search(sentence)
    if months:
        year, first, last = (int(g) for g in months.groups())
        if 1 <= first <= last <= 12:
            end = _month_end(year, last)
            return (date(year, first, 1), end) if end else None
    return None


# 2020年2月1日至6月30日，介绍劳动者… / 在2022年1月1日至2022年12月31日期间新购置的设备: the days an item runs,
# unless they are an application, a public notice or a statistic's (申报时间, 公示期, 截至…统计).
_RANGE_JOIN = re.compile(r"^\s*(?:[(（]含[^)）]{0,6}[)）])?\s*(?:至|到|—|–|-|－|~|～)\s*$")
_NOT_VALIDITY = re.compile(r"公示|统计|期间内?已|累计|同比|以来")


def _date_range(sentence: str, year_hint: int | None) -> tuple[date, date] | None:
    """The first and last day of a range of two full days written D1至D2, outside an application sentence."""
    if _APPLY.search(sentence) or _NOT_VALIDITY.search(sentence) or len(re.findall(r"日\s*(?:至|到)", sentence)) > 1:
        return None
    full = [m for m in _FULL_DATE.finditer(sentence)]
    if not full:
        return None
    first = full[0]
    start = _make_date(*first.groups())
    rest = [(pos, d) for pos, d in find_dates(sentence[first.end():], start.year if start else year_hint)]
    if start and rest and rest[0][1] > start and _RANGE_JOIN.match(sentence[first.end():first.end() + rest[0][0]]):
        return start, rest[0][1]
    return None


_STARTS_ON = re.compile(rf"(?:^|[，,。；：:])\s*(自|从)?\s*({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日\s*起\s*[，,]")


# 实施方案（2023—2025年）: a plan's years are its validity when nothing else is said.
_PLAN_YEARS = re.compile(r"[（(]\s*((?:19|20)\d\d)\s*[—–\-－~～至到]\s*((?:19|20)\d\d)\s*年?\s*[）)]")
_ENDS_ON = re.compile(r"\s*(?:截止|止)(?:[，。；,;]|$)")
_FROM_TO = re.compile(r"(?:自|从)[^，。；]{0,20}?(?:起)?至[^，。；]{0,20}?(?:止|期间|结束)?")
# 实施期限为2023年至2025年: a period of whole years after a period word.
_APPLYING_BEFORE = re.compile(r"(?:申请|申报|受理|报送|报名|办理|公示)\s*$")
_PERIOD_YEARS = re.compile(r"(?:(?:有效|执行|实施|政策|试行)期(?:限|间)?|期限)(?:为|是|:)?\s*((?:19|20)\d\d)\s*年?\s*(?:至|到|—|–|-|－|~|～)"
                           r"\s*((?:19|20)\d\d)\s*年(?!\s*\d{1,2}\s*月)")


def _validity(sentence: str, issued_on: date | None, year_hint: int | None, put) -> None:
    """施行日期 and 有效期 from one sentence: 自…起施行, 有效期至…, 有效期N年, 执行期限为…至…."""
    start: date | None = None
    later = _DAYS_AFTER_ISSUE.search(sentence)
    if later and issued_on and chinese_number(later.group(1)):
        # 自印发之日起30日后施行.
        start = issued_on + timedelta(days=int(chinese_number(later.group(1)) or 0))
        put("effective_from", start, sentence)
    match = _EFFECTIVE_FROM.search(sentence)
    if match:
        phrase = match.group(1)
        if _ISSUE_DAY_WORDS.search(phrase):
            start = issued_on
        else:
            dates = find_dates(phrase, year_hint)
            start = dates[0][1] if dates else None
        if start:
            put("effective_from", start, sentence)
    dates = find_dates(sentence, year_hint)
    cue = _VALID_UNTIL.search(sentence)
    if cue and _WEAK_UNTIL.fullmatch(cue.group(0)) and not _POLICY_WORD.search(sentence):
        cue = None
    if cue:
        # 贡献奖励政策执行时限截至2023年12月31日;产销分离奖励政策…截至2024年12月31日: the policy runs until its last
        # item ends.
        ends = [next((d for pos, d in dates if pos >= c.start()), None) for c in _VALID_UNTIL.finditer(sentence, cue.start())]
        if ends[0] is not None:
            put("effective_to", max(d for d in ends if d), sentence)
            return
        year_end = _YEAR_END_AFTER.match(sentence, cue.end())
        month_end = _MONTH_END_AFTER.match(sentence, cue.end())
        end = (date(int(year_end.group(1)), 12, 31) if year_end
               else _month_end(int(month_end.group(1)), int(month_end.group(2))) if month_end
               and 1 <= int(month_end.group(2)) <= 12 else None)
        if end:
            put("effective_to", end, sentence)
            return
    span = _FROM_TO.search(sentence) if "公示" not in sentence else None  # 公示期自10月10日至10月16日
    inside = [d for pos, d in dates if span and span.start() <= pos <= span.end()]
    if len(inside) >= 2:
        # 自2023年1月1日至2027年12月31日，对…减半征收: the period is the policy's.
        put("effective_from", inside[0], sentence)
        put("effective_to", inside[-1], sentence)
        return
    if start and not _APPLY.search(sentence):
        # 本办法自2025年7月1日起实施，2025年12月31日截止.
        ends = [m for m in _FULL_DATE.finditer(sentence) if _ENDS_ON.match(sentence, m.end())]
        if ends:
            put("effective_to", _make_date(*ends[0].groups()), sentence)
            return
    period = _PERIOD.search(sentence)
    if period and _APPLYING_BEFORE.search(sentence[:period.start()]):
        period = None  # 申请期限为2023年7月1日至9月30日 is the application window.
    period = period or span
    if period and len(dates) >= 2 and re.search(r"至|到|—|－|~|～", sentence[period.end():]):
        later = [d for pos, d in dates if pos >= period.start()]
        if len(later) >= 2:
            put("effective_from", later[0], sentence)
            put("effective_to", later[-1], sentence)
            return
    whole = _PERIOD_YEARS.search(sentence)
    if whole and _APPLYING_BEFORE.search(sentence[:whole.start()]):
        whole = None
    if whole and int(whole.group(1)) <= int(whole.group(2)) <= int(whole.group(1)) + 10:
        put("effective_from", date(int(whole.group(1)), 1, 1), sentence)
        put("effective_to", date(int(whole.group(2)), 12, 31), sentence)
        return
    years = _VALIDITY_YEARS.search(sentence)
    if years:
        count = 0.5 if years.group(1) == "半" else chinese_number(years.group(1))
        begin = start or issued_on
        if count and begin:
            put("effective_to", _add_years(begin, count), sentence)
