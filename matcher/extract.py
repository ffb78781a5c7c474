"""Read a policy's targets from its text: industries, sizes, regions, 规上/限上, qualifications, exclusions."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from matcher._data import DATA_DIR
from matcher.criteria import SIZES, Criteria, Evidence, Review
from matcher.industry_index import IndustryIndex, default_industry_index
from matcher.regions import NATIONWIDE, Regions, default_regions, places_by_phone
from matcher.taxonomy import InvalidIndustryCode, Taxonomy, default_taxonomy
from matcher.tokenize import simplified

__all__ = [
    "IndustryLexicon",
    "Qualification",
    "QualificationList",
    "Sentence",
    "collapse_codes",
    "default_activity_lexicon",
    "default_lexicon",
    "default_list_lexicon",
    "default_qualifications",
    "extract_criteria",
    "split_sentences",
    "valid_until",
]

KEYWORDS_PATH = DATA_DIR / "matcher" / "industry_keywords.csv"
QUALIFICATIONS_PATH = DATA_DIR / "matcher" / "qualifications.csv"
ACTIVITY_KEYWORDS_PATH = DATA_DIR / "matcher" / "activity_keywords.csv"
LIST_KEYWORDS_PATH = DATA_DIR / "matcher" / "list_keywords.csv"

# --- sentences -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+章)")
_LIST_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[．.、])")
# Section headings whose sections say who the policy is for.
_TARGET_HEADING = re.compile(
    r"对象|适用范围|支持范围|扶持范围|奖励范围|补助范围|申报条件|申请条件|申领条件|基本条件|认定条件"
)
# Sentences that say who the policy is for wherever they stand.
_TARGET_SENTENCE = re.compile(
    r"(?:适用|支持|扶持|奖励|补助|补贴|贴息|培育|奖补|申领|返还|资助)对象"
    r"|适用于|本(?:办法|细则|措施|政策|方案|通知|规定)所称[^。]*?企业"
    r"|均可(?:申报|申请|申领|享受|参与)|可申请|方可申报|决定对|从事"
    r"|(?:申请|申报)[^，。；]{0,16}?(?:应|须|需)(?:在|为|是|属于|具有|具备)|作为[^，。；]{0,16}重点方向|重点支持"
    r"|支持[^，。；]{2,60}?等(?:经营主体|市场主体|主体)"  # 支持示范家庭农场、农民专业合作社示范社等主体
    r"|[\d两三四五六七八九十]+个试点(?:细分)?行业"  # 聚焦…制造、…制造2个试点细分行业: a pilot's sectors
    r"|优先支持[^，。；]{2,60}?领域"  # 优先支持建设先进制造业…等民生重点领域…基地: the sectors it is for
    r"|等领域设备(?:更新|投资)"  # 工业、农业、建筑、交通…等领域设备更新: whose equipment is renewed
    r"|企业[”\"]?[，,]?(?:就是|是指|指的是)[^。；]{2,40}?的企业"  # 小巨人企业，就是在制造业…的企业: a definition
)
_EXCLUSION = re.compile(
    r"除外|除[^，。；]{1,40}?(?:以外|外)(?!，?(?:还|也|同时|另|并|均|都))|不含|不包括|不在[^，。；]*?范围|不适用|不属于[^，。；]*?范围|不予支持|不得申报|负面清单"
)
_SME_TITLE = re.compile(r"专精特新|小巨人|创新型中小企业|科技型中小企业")
_ENTITY = re.compile(r"企业|经营主体|行业|纳税人|单位|个体")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a policy and its role.

    target: it states who the policy is for; negative: it is an item of a list introduced by
    "下列行业的企业不适用…："; exclusion_only: it counts only for the clauses that exclude
    ("从事水产捕捞的经营主体不在补助范围内" outside a target section).
    """

    text: str
    target: bool = False
    negative: bool = False
    exclusion_only: bool = False
    heading: bool = False


def split_sentences(body: str) -> list[Sentence]:
    """Sentences on 。；！？ and line breaks, marked as target statements or not.

    A sentence is a target statement when it stands in a section whose heading names the targets
    (一、支持对象 / 申报条件 …) or itself says who may apply (适用于, 从事…的企业, …不在支持范围).
    A purpose sentence (为…，制定本办法) is background unless it says 决定对; a sentence that limits one
    item of the policy (其中，第二项…) is not a statement about the whole policy. Items of a list
    introduced by "下列行业的企业不适用…：" are marked as a negative list.
    """
    out: list[Sentence] = []
    in_target_section = False
    negative_list = False
    target_item: str | None = None  # the numbering of an item headed 适用对象 (1.适用对象) while inside it
    for raw_line in body.splitlines():
        line = _normalize(raw_line)
        if not line:
            continue
        parts = [p.strip() for p in _SENTENCE_END.split(line) if p.strip()]
        if _HEADING.match(line):
            heading = parts[0]
            in_target_section = bool(_TARGET_HEADING.search(heading))
            negative_list = False
            target_item = None
            out.append(Sentence(heading, target=False, heading=True))
            parts = parts[1:]
        is_item = bool(_LIST_ITEM.match(line))
        numbering = _numbering(line)
        if numbering is not None and numbering == target_item:
            target_item = None  # 2.主要内容 ends the item 1.适用对象
        if numbering is not None and _TARGET_ITEM.fullmatch(line):
            target_item = numbering
            out.append(Sentence(line, heading=True))
            continue
        if negative_list and not is_item:
            negative_list = False
        for part in parts:
            partial = part.startswith("其中") or bool(re.search(r"第[一二三四五六七八九十\d]+项", part))
            background = _DATELINE.sub("", part).lstrip("，,").startswith("为") and not re.search(r"决定对|从事", part)
            positive = in_target_section or target_item is not None or bool(_TARGET_SENTENCE.search(part))
            excluding = bool(_EXCLUSION.search(_outside_brackets(part)))
            if partial or background:
                out.append(Sentence(part))
            elif negative_list and is_item:
                out.append(Sentence(part, target=True, negative=True))
            else:
                out.append(Sentence(part, target=positive or excluding, exclusion_only=excluding and not positive))
        if parts and parts[-1].endswith("：") and _EXCLUSION.search(_outside_brackets(parts[-1])):
            negative_list = True
    return out


# An item that only names the targets' section of a guide: 1.适用对象 / （二）申报条件.
_TARGET_ITEM = re.compile(
    r"(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[．.、])\s*"
    r"(?:适用|支持|扶持|奖励|补助|补贴|申报|申请|服务)?(?:对象|范围|条件|主体)[：:]?"
)


def _numbering(line: str) -> str | None:
    """The style of a list item's number (（一）, （1）, 1. or 1、), or None for a line that is no item."""
    match = _LIST_ITEM.match(line)
    if not match:
        return None
    mark = match.group(0)
    if mark[0] in "（(":
        return "（一）" if mark[1] in "一二三四五六七八九十" else "（1）"
    return "1、" if mark.endswith("、") else "1."


# Full-width letters and digits to ASCII (Ｃ３２１６ → C3216); ASCII clause punctuation to the Chinese forms.
_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_WIDTH.update({ord("("): "（", ord(")"): "）", ord(","): "，", ord(":"): "：", ord(";"): "；", 0x3000: " "})


def _normalize(text: str) -> str:
    """The text with one form of letters, digits and clause punctuation, otherwise as written."""
    return text.translate(_WIDTH).strip()


def _outside_brackets(text: str) -> str:
    """The text without its parenthesised asides."""
    return re.sub(r"（[^（）]*）", "", text)


def _clauses(sentence: Sentence) -> Iterator[tuple[str, bool]]:
    """The clauses of a sentence (split on ，; an aside in brackets on its own) with whether each excludes.

    An aside shares its clause's polarity: in "金融类企业（含类金融企业）除外" both are excluded, and in
    "…的企业（房地产开发经营企业除外）" only the aside is.
    """
    for chunk in re.split(r"[，,]", sentence.text):
        inner = re.findall(r"（[^（）]*）", chunk)
        outer = _outside_brackets(chunk)
        outer_negative = sentence.negative or bool(_EXCLUSION.search(outer))
        if outer.strip() and (outer_negative or not sentence.exclusion_only):
            yield outer, outer_negative
        for aside in inner:
            aside_negative = outer_negative or bool(_EXCLUSION.search(aside))
            if aside_negative or not sentence.exclusion_only:
                yield aside, aside_negative


# --- industries --------------------------------------------------------------------------------


class IndustryLexicon:
    """Industry words → GB/T 4754 codes: the maintained keyword list plus the standard's own names."""

    def __init__(self, keywords: Mapping[str, tuple[str, ...]], taxonomy: Taxonomy, table_names: bool = True) -> None:
        """Index the names of the taxonomy (with and without 业/制造 endings) and the keywords, which win.

        table_names=False: the keywords alone (a list of activity words, see default_activity_lexicon).
        """
        self.taxonomy = taxonomy
        surfaces: dict[str, tuple[str, ...]] = {}
        for industry in taxonomy if table_names else ():
            for variant in _name_variants(industry.name):
                if len(variant) >= 3:
                    surfaces.setdefault(variant, (industry.code,))
        for word, codes in keywords.items():
            for code in codes:
                if not taxonomy.is_known(code):
                    raise ValueError(f"keyword {word!r}: {code!r} is not a GB/T 4754-2017 code")
            surfaces[unicodedata.normalize("NFKC", word)] = tuple(codes)
        self._surfaces = surfaces
        self._lengths: dict[str, list[int]] = {}
        for surface in surfaces:
            self._lengths.setdefault(surface[0], []).append(len(surface))
        for first, lengths in self._lengths.items():
            self._lengths[first] = sorted(set(lengths), reverse=True)

    @classmethod
    def load(cls, path: str | Path | None = None, taxonomy: Taxonomy | None = None,
             table_names: bool = True) -> IndustryLexicon:
        """Read keyword,codes,note rows (codes ;-separated; empty codes make a blocker word)."""
        with open(path or KEYWORDS_PATH, encoding="utf-8", newline="") as handle:
            keywords = {
                row["keyword"].strip(): tuple(c.strip() for c in (row["codes"] or "").split(";") if c.strip())
                for row in csv.DictReader(handle)
                if row["keyword"].strip()
            }
        return cls(keywords, taxonomy or default_taxonomy(), table_names)

    def find(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """(word, codes) for the industry words in a text, leftmost-longest; blockers give empty codes."""
        found = []
        i = 0
        while i < len(text):
            for length in self._lengths.get(text[i], ()):
                codes = self._surfaces.get(text[i : i + length])
                if codes is not None:
                    found.append((text[i : i + length], codes))
                    i += length
                    break
            else:
                i += 1
        found.extend((m.group(0), (m.group(1),)) for m in _named_codes(text, self.taxonomy))
        return found


_CODE_CUE = re.compile(r"(?:行业代码|代码|门类|大类|中类|小类)\s*[为：]?\s*([A-T](?:\d{2,4})?|\d{2,4})(?![0-9])")
_LETTER_CODE = re.compile(r"(?<![A-Za-z0-9])([A-T]\d{2,4})(?![0-9])")


def _named_codes(text: str, taxonomy: Taxonomy) -> Iterator[re.Match[str]]:
    """Codes written out in the text: "行业代码3216", "门类C", "C3216"."""
    for pattern in (_CODE_CUE, _LETTER_CODE):
        for match in pattern.finditer(text):
            try:
                code = taxonomy.normalize(match.group(1))
            except InvalidIndustryCode:
                continue
            if taxonomy.is_known(code):
                yield match


def _name_variants(name: str) -> set[str]:
    """A taxonomy name as policies write it: 化学原料和化学制品制造业 → …制造业, …制造, 化学原料和化学制品."""
    variants = {name}
    for suffix in ("制造业", "制造", "业"):
        if name.endswith(suffix):
            variants.add(name[: -len(suffix)])
    return variants


def collapse_codes(codes: Iterable[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """The shortest list covering the same industries: drop codes under another; a full set of siblings becomes their parent."""
    tax = taxonomy or default_taxonomy()
    current = {tax.normalize(c) for c in codes}
    while True:
        kept = {c for c in current if not any(o != c and tax.covers(o, c) for o in current)}
        parents = {}
        for code in kept:
            chain = tax.ancestors(code)
            if len(chain) > 1:
                parents.setdefault(chain[-2], set()).add(code)
        merged = set(kept)
        for parent, present in parents.items():
            children = {child.code for child in tax.children(parent)}
            if children and children <= present:
                merged = (merged - children) | {parent}
        if merged == current:
            break
        current = merged
    order = {ind.code: i for i, ind in enumerate(tax)}
    return sorted(current, key=lambda c: (order.get(c, len(order)), c))


# --- qualifications ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Qualification:
    """A recognition an enterprise may hold; implies names broader ones it entails (小巨人 ⇒ 专精特新中小企业)."""

    name: str
    aliases: tuple[str, ...] = ()
    implies: tuple[str, ...] = ()


_QUOTES = re.compile(r"[\"“”‘’'「」『』]")


class QualificationList:
    """The qualifications a policy may require, found in text by name or alias."""

    def __init__(self, qualifications: Iterable[Qualification]) -> None:
        """Index names and aliases (quotes ignored), longest first; a name ending in 企业 also with 公司."""
        self.items = {q.name: q for q in qualifications}
        self._surfaces: dict[str, str] = {}
        for q in self.items.values():
            for surface in (q.name, *q.aliases):
                self._surfaces.setdefault(_QUOTES.sub("", surface), q.name)
        for surface, name in list(self._surfaces.items()):
            if surface.endswith("企业"):  # 首批被认定为高新技术公司的中小公司 (a-12): news sites write 公司
                self._surfaces.setdefault(surface[:-2] + "公司", name)
        self._pattern = re.compile("|".join(re.escape(s) for s in sorted(self._surfaces, key=len, reverse=True)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> QualificationList:
        """Read name,aliases,implies rows (aliases and implies ;-separated)."""
        with open(path or QUALIFICATIONS_PATH, encoding="utf-8", newline="") as handle:
            return cls(
                Qualification(
                    name=row["name"].strip(),
                    aliases=tuple(a.strip() for a in (row["aliases"] or "").split(";") if a.strip()),
                    implies=tuple(a.strip() for a in (row["implies"] or "").split(";") if a.strip()),
                )
                for row in csv.DictReader(handle)
            )

    def find(self, text: str) -> list[str]:
        """Canonical names of the qualifications named in a text, in order."""
        plain = _QUOTES.sub("", text)
        return list(dict.fromkeys(self._surfaces[m.group(0)] for m in self._pattern.finditer(plain)))

    def closure(self, names: Iterable[str]) -> frozenset[str]:
        """The names plus every qualification they imply (an enterprise holding 小巨人 also counts as 专精特新)."""
        out: set[str] = set()
        todo = list(names)
        while todo:
            name = self.canonical(todo.pop())
            if name not in out:
                out.add(name)
                if name in self.items:
                    todo.extend(self.items[name].implies)
        return frozenset(out)

    def canonical(self, name: str) -> str:
        """The list's name for a name or alias; unknown names unchanged."""
        return self._surfaces.get(_QUOTES.sub("", name.strip()), name.strip())


# --- sizes, scale, regions ---------------------------------------------------------------------

_SIZE_WORDS = re.compile(
    r"大中小微|大、中、小、微|中小微|中、小、微|大中型|小型微利|中小(?!学)|小微|大型|中型|小型|微型"
)
_SIZE_MEANING = {
    "大中小微": SIZES,
    "大、中、小、微": SIZES,
    "中小微": ("medium", "small", "micro"),
    "中、小、微": ("medium", "small", "micro"),
    "中小": ("medium", "small", "micro"),
    "大中型": ("large", "medium"),
    "小型微利": ("small", "micro"),
    "小微": ("small", "micro"),
    "大型": ("large",),
    "中型": ("medium",),
    "小型": ("small",),
    "微型": ("micro",),
}
_ALL_SIZES = re.compile(r"不(?:限|分|区分)[^，。；]{0,12}规模|不受[^，。；]{0,6}规模限制")
_ALL_INDUSTRIES = re.compile(r"不(?:限|分|区分)[^，。；]{0,12}行业")
# 首次升规 / 新进规 / 入库纳统 awards go to firms that are above scale now (labelling.md's approximation).
_ABOVE_SCALE = re.compile(r"规模以上|规上|限额以上|限上|四上|首次升规|新升规|企业上规模|(?<!以)上规(?![定划范则章模])|首次进规|新进规|入库纳统|纳统|首次上限|新上限")
_NOT_YET = re.compile(r"(?:未|尚未|非|没有|不属于)[^，。；]{0,8}(?:规模以上|规上|限额以上|限上|四上)")
# 财政部门 / 人力资源和社会保障部门 are any level's departments, not the ministries (?!门).
_NATIONAL_ISSUER = re.compile(
    r"(?:国务院|中共中央|财政部|税务总局|国家发展和?改革委|发展改革委|工业和信息化部|科学技术部|科技部|商务部|人力资源和?社会保障部"
    r"|人力资源社会保障部|农业农村部|生态环境部|自然资源部|中国人民银行|国家[^\s，。]{1,12}(?:局|委员会|署)|中华人民共和国"
    r"|工信部|人社部|国家发改委|国资委|央行|银保监会|证监会|海关总署|市场监管总局|交通运输部|文化和旅游部|住房和城乡建设部)(?!门)"
)
# A news agency's dateline (新华社北京10月14日电, 本报济南5月3日讯) names where the reporter filed, not the policy's area.
_DATELINE = re.compile(r"^[^，。]{0,16}?\d{1,2}月\d{1,2}日(?:电|讯)|^[(（【]?(?:新华社|中新社|人民网|央视网|中国政府网|记者)[^，。]{0,16}?[)）】]?")
_BEIJING = "110000"
# (香港商报报道) / 【新华社】 after a headline: who reported the policy, not where it applies.
_MEDIA_CREDIT = re.compile(r"[(（【\[][^()（）【】\[\]]{0,12}(?:报道|日报|商报|晚报|时报|新闻网|新闻|电视台|通讯社|新华社|中新社)[)）】\]]")
_LOCAL_SCOPE = re.compile(r"本市|本省|本区|本县|我市|我省|我区|我县|全市|全省|全区|全县|市政府|省政府|县政府|区政府")
_OUR_PROVINCE = re.compile(r"我省|全省|省政府|省委|省[^，。；、\s]{0,8}厅")
_PLACE_VERB = re.compile(r"([\u4e00-\u9fff]{2,3})(?:出台|印发|发布|推出|出炉|实施|落实|兑现|发放|启动)")


# 各省、自治区、直辖市…： / 各市工业和信息化局： / 各县（市、区）人民政府： — whom a notice is sent to says who sent it.
_ADDRESSEE = re.compile(r"^各[^。；]{2,300}[：:]$")
_TO_PROVINCES = re.compile(r"各省、自治区、直辖市|各省（区、市）|各省、区、市|各省级")
_TO_CITIES = re.compile(r"^各(?:设区的?)?市|^各地市|^各市（州）|^各州")
_TO_COUNTIES = re.compile(r"^各县|^各区县|^各区、县|^各县（市、区）|^各县市区|^各区（县")


def _first_place(groups: list[list[str]], regions: Regions, local: bool = False) -> dict[str, str]:
    """The places named in the first text of the first group that names one (a ministry means nationwide).

    local: the text speaks of 本市/全省…, so a ministry it mentions is not its issuer.
    """
    for group in groups:
        for text in group:
            text = _without_exclusions(_DATELINE.sub("", text))
            codes = regions.find_in_text(text)
            if not local and _central_acting(text) and set(codes) <= {_BEIJING}:
                codes = [NATIONWIDE]  # 工业和信息化部 sits in Beijing; 国家税务总局山东省税务局 is Shandong's
            if codes:
                return dict.fromkeys(codes, text)
    return {}


# 根据《财政部 工业和信息化部关于…》/ 为落实国家发展改革委等部门…要求: a cited organ is not the issuer.
_CITATION = re.compile(r"《[^》]*》|(?:根据|按照|依据|落实|贯彻|转发|现将)[^，。；]*")
_EXCLUDED_PLACE = re.compile(r"[（(][^（）()]*?(?:不含|除外|以外)[^（）()]*?[）)]|(?:不含|除)[^，。；]{1,12}?(?:以外|外)?(?=[，。；])")


def _without_exclusions(text: str) -> str:
    """The text without the places it leaves out: 项目申报单位（不含青岛） names no area."""
    return _EXCLUDED_PLACE.sub("", text)


def _area_of_addressees(addressee: str, department: str | None, regions: Regions) -> dict[str, str]:
    """The sender's area from its addressees: provinces → the centre; cities → a province; counties → a city."""
    if _TO_PROVINCES.search(addressee):
        return {NATIONWIDE: addressee}
    own = regions.find_in_text(department or "")
    if not own:
        return {}
    level = 1 if _TO_CITIES.search(addressee) else 2 if _TO_COUNTIES.search(addressee) else None
    return {_up_to(regions, own[0], level): addressee} if level else {}


def _up_to(regions: Regions, code: str, level: int) -> str:
    """The division at `level` (1 province, 2 prefecture) that holds code, or code itself."""
    for ancestor in [code, *regions.ancestors(code)]:
        if _level(regions, ancestor) == level:
            return ancestor
    return code


def _level(regions: Regions, code: str) -> int:
    region = regions.get(code)
    return region.level if region else -1


@functools.cache
def _county_stems(regions: Regions) -> dict[str, str]:
    """Two- and three-character county names without 县/市/区 (南安 → 350583), where only one county has it."""
    stems: dict[str, list[str]] = {}
    for region in regions:
        if region.level == 3 and region.name[-1] in "县市区" and len(region.name) >= 3:
            stems.setdefault(region.name[:-1], []).append(region.code)
    return {stem: codes[0] for stem, codes in stems.items() if len(codes) == 1 and len(stem) >= 2}


def _place_by_verb(title: str, opening: list[str], regions: Regions) -> dict[str, str]:
    """A short county name as the subject of a policy verb (南安出台…, 长丰县推出…) in the title or the opening."""
    stems = _county_stems(regions)
    for text in [title, *opening[:3]]:
        for match in _PLACE_VERB.finditer(text):
            word = match.group(1)
            for stem in (word, word[-2:]):
                if stem in stems:
                    return {stems[stem]: text}
    return {}
_RESTRICTED_PLACE = re.compile(r"行政区域内|注册|登记|纳税|辖区|境内|企业|位于")


@dataclass
class _Found:
    """Values found for one field, each with the first sentence it came from."""

    values: dict[str, str]
    confidence: dict[str, float] = field(default_factory=dict)

    def add(self, value: str, sentence: str, confidence: float = 1.0) -> None:
        self.values.setdefault(value, sentence)
        self.confidence[value] = max(self.confidence.get(value, 0.0), confidence)


def _blank() -> _Found:
    return _Found({})


def extract_criteria(
    title: str,
    body: str,
    issuer: str | None = None,
    *,
    department: str | None = None,
    taxonomy: Taxonomy | None = None,
    regions: Regions | None = None,
    lexicon: IndustryLexicon | None = None,
    qualifications: QualificationList | None = None,
    industry_index: IndustryIndex | None = None,
    activity_lexicon: IndustryLexicon | None = None,
) -> Criteria:
    """The criteria a policy's text states, each value with the sentence it came from.

    Industries, sizes, qualifications and 规上/限上 come from the target statements (see
    split_sentences) and, for a field those say nothing about, from the title; a field nothing
    restricts stays empty ("all means all"). Regions come from the issuer, the title and the
    sign-off, narrowed by places the target statements name inside that area.
    """
    tax = taxonomy or default_taxonomy()
    reg = regions or default_regions()
    lex = lexicon or default_lexicon()
    quals = qualifications or default_qualifications()
    title = _normalize(simplified(title or ""))
    body = simplified(body or "")
    issuer = simplified(issuer) if issuer else issuer
    sentences = split_sentences(body)
    targets = [s for s in sentences if s.target]
    title_sentence = [Sentence(title, target=True)] if title else []

    notes = industry_index  # None: the shared index, built only if a sector phrase needs it
    industries, excluded, explicit_all_industries = _industries(targets, lex, notes)
    industries_from_title = False
    if not industries.values and not explicit_all_industries:
        industries_from_title = True
        industries, title_excluded, _ = _industries(title_sentence, lex, notes)
        for code, sentence in title_excluded.values.items():
            excluded.add(code, sentence)
        if industries.values:
            # A report without a 支持对象 sentence: the items that pay firms of named sectors add theirs.
            for code, sentence in _granted_industries(sentences, lex, notes).values.items():
                industries.add(code, sentence, 0.8)
    if not industries.values and not explicit_all_industries:
        # Neither target statements nor title name a sector: the items that pay firms say whom (when all name one).
        for code, sentence in _granted_industries(sentences, lex, notes).values.items():
            industries.add(code, sentence, 0.8)
    # 培育一批承载新型工业化…的专精特新中小企业: whom a policy cultivates says their sector, though not their size.
    cultivated = [Sentence(s.text, target=True) for s in sentences if not s.target and _CULTIVATES.search(s.text)]
    if not industries.values and not explicit_all_industries:
        industries = _industries(cultivated, lex, notes)[0]
    if not industries.values and not explicit_all_industries:
        # No sector named anywhere: an activity only one kind of firm does (技术改造 → 工业) names it.
        activities = activity_lexicon or default_activity_lexicon()
        industries = _industries(targets + cultivated, activities, notes)[0]
        if not industries.values:
            industries = _industries(title_sentence, activities, notes)[0]
            industries_from_title = bool(industries.values)
    if not industries.values and not explicit_all_industries:
        # A plan with no target statement: the sectors its action headings build up (打造电子信息制造业增长极),
        # unsure, so the editor is asked to confirm.
        for code, sentence in _industries(_action_headings(sentences), lex, notes)[0].values.items():
            industries.add(code, sentence, ACTION_HEADING_CONFIDENCE)

    sizes, all_sizes_stated = _sizes(targets)
    # The body stressing smaller firms among all (企业特别是小微企业) outweighs a headline that names only them.
    stressed = any(_EMPHASIS.search(s.text) and _SIZE_WORDS.search(s.text) for s in sentences)
    if not sizes.values and not all_sizes_stated and not stressed:
        sizes, _ = _sizes(title_sentence)
    if sizes.values and not any(_SCOPE_STATEMENT.search(t) for t in sizes.values.values()) \
            and _grant_to_any_size(sentences):
        sizes = _blank()  # labelling.md: the target is the union of who benefits from at least one item
    if not sizes.values and not all_sizes_stated:
        # 专精特新 and 小巨人 are titles of 中小企业 only: a policy for them (or inviting them) is for SMEs.
        sme = next((s.text for s in [*title_sentence, *targets] if _SME_TITLE.search(s.text)), None)
        if sme:
            sizes = _Found(dict.fromkeys(("medium", "small", "micro"), sme))

    found_quals = _qualifications(targets, quals)
    if not found_quals.values and title and _REWARDS_HOLDERS.search(title):
        found_quals = _qualifications(title_sentence, quals)
    if not found_quals.values and not targets:
        # A news report without a 支持对象 section: "中央财政支持1000多家重点“小巨人”企业" names the holders paid.
        # Only the clause that pays them: "启动了新一轮专精特新支持政策" beside it names a programme, not holders.
        found_quals = _qualifications([Sentence(clause) for s in sentences for clause in re.split(r"[，,]", s.text)
                                       if _SUPPORTS_HOLDERS.search(clause)], quals)
    if not found_quals.values:
        found_quals = _every_grant_to_holders(sentences, quals)  # 对新认定的…“小巨人”企业给予50万元奖励
    if found_quals.values and not any(_SCOPE_STATEMENT.search(t) for t in found_quals.values.values()) \
            and (_benefit_without_title(sentences, quals) or any(_ALSO_CULTIVATED.search(s.text) for s in sentences)):
        found_quals = _blank()  # labelling.md: the target is the union of who benefits from at least one item

    above = _above_scale(targets) or _above_scale(title_sentence) or _every_grant_above_scale(sentences)
    places, region_confidence = _regions(title, issuer, sentences, targets, reg, department)

    industry_codes = collapse_codes(industries.values, tax) if industries.values else []
    excluded_codes = [
        code
        for code in (collapse_codes(excluded.values, tax) if excluded.values else [])
        if not any(tax.covers(code, inc) for inc in industry_codes)
    ]
    size_values = tuple(s for s in SIZES if s in sizes.values)
    if set(size_values) == set(SIZES):
        size_values = ()
    # Keep the broadest: an enterprise with 小巨人 also holds 专精特新, so requiring the latter suffices.
    qual_names = [
        q for q in found_quals.values if not any(o != q and o in quals.closure([q]) for o in found_quals.values)
    ]

    evidence: list[Evidence] = []

    def cite(field: str, values: Iterable[str], found: _Found, codes_found: bool = False, scale: float = 1.0) -> None:
        for value in values:
            sentence = found.values.get(value)
            confidence = found.confidence.get(value)
            if sentence is None and codes_found:
                # A collapsed parent: cite the sentence (and the least sure reading) of the codes under it.
                under = [c for c in found.values if tax.covers(value, c)]
                sentence = found.values[under[0]] if under else ""
                confidence = min((found.confidence.get(c, 1.0) for c in under), default=1.0)
            evidence.append(Evidence(field, value, sentence or "", (confidence or 1.0) * scale))

    cite("industries", industry_codes, industries, codes_found=True, scale=0.8 if industries_from_title else 1.0)
    cite("excluded_industries", excluded_codes, excluded, codes_found=True)
    cite("sizes", size_values, sizes)
    cite("qualifications", qual_names, found_quals)
    for code, sentence in places.values.items():
        evidence.append(Evidence("regions", code, sentence, region_confidence))
    if above:
        evidence.append(Evidence("above_scale_only", "true", above))
    review = _review(industry_codes, explicit_all_industries, evidence, places, region_confidence, department, reg, tax)

    return Criteria(
        industries=tuple(industry_codes),
        excluded_industries=tuple(excluded_codes),
        sizes=size_values,
        regions=tuple(places.values),
        qualifications=tuple(qual_names),
        above_scale_only=bool(above),
        evidence=tuple(evidence),
        review=tuple(review),
    )


#: Below this confidence a criterion is shown to the editor to confirm before publishing.
REVIEW_BELOW = 0.75
#: How sure a region read from the text's telephone area codes alone is (above the uploader's area, 0.5).
_PHONE_CONFIDENCE = 0.55


def _review(industry_codes: list[str], explicit_all: bool, evidence: list[Evidence], places: _Found,
            region_confidence: float, department: str | None, regions: Regions, taxonomy: Taxonomy) -> list[Review]:
    """What the editor must confirm: a policy read as addressing everyone, and every unsure criterion."""
    out = []
    if not industry_codes and not explicit_all:
        out.append(Review("industries", "未识别到行业限制，将推送给全部行业的企业，请确认或补充行业。"))
    for item in evidence:
        if item.field == "industries" and item.confidence < REVIEW_BELOW:
            name = taxonomy.name(item.value) or ""
            out.append(Review("industries", f"行业 {item.value} {name} 为推断结果（置信度 {item.confidence:.2f}），请确认。"))
    if not places.values:
        out.append(Review("regions", "未识别到适用地区，将推送给全部地区的企业，请确认或补充地区。"))
    elif region_confidence == _PHONE_CONFIDENCE:
        names = "、".join(regions.label(c) for c in places.values)
        out.append(Review("regions", f"正文未写明适用地区，按联系电话区号推断为 {names}，请确认。"))
    elif region_confidence <= 0.5:
        names = "、".join(regions.label(c) for c in places.values)
        out.append(Review("regions", f"正文未写明适用地区，按发布部门（{department}）所在地区 {names} 推送，请确认。"))
    elif region_confidence < REVIEW_BELOW:
        names = "、".join(regions.label(c) for c in places.values)
        out.append(Review("regions", f"适用地区 {names} 由正文推断，请确认。"))
    return out


_CULTIVATES = re.compile(r"培育一批[^。；]{0,40}?企业")
#: How sure a sector read from a plan's action headings alone is (below REVIEW_BELOW: the editor confirms).
ACTION_HEADING_CONFIDENCE = 0.6
_ACTION_VERB = re.compile(r"(?:打造|培育|壮大|做强|发展|建设|着力在|聚焦)[^，。；]{0,12}(?:产业|制造业|增长极|集群)")


def _action_headings(sentences: list[Sentence]) -> list[Sentence]:
    """A plan's headings and item titles that build up a sector (一、…着力在新一代信息技术产业…, 1.打造…增长极。)."""
    return [
        Sentence(s.text, target=True) for s in sentences
        if (s.heading or _LIST_ITEM.match(s.text)) and len(s.text) <= 40 and _ACTION_VERB.search(s.text)
    ]


def _industries(sentences: Iterable[Sentence], lexicon: IndustryLexicon,
                index: IndustryIndex | None = None) -> tuple[_Found, _Found, bool]:
    """(included codes, excluded codes, whether a sentence says 不限行业) from target sentences.

    Words of the keyword list and of the standard's names come first; a sector phrase neither knows
    (…企业/行业/产业 after a word of its own) is looked up in the standard's notes (IndustryIndex)
    and taken when the match is confident.
    """
    included, excluded = _blank(), _blank()
    explicit_all = False
    for sentence in sentences:
        if _ALL_INDUSTRIES.search(sentence.text):
            explicit_all = True
        hits: list[_Hit] = []
        in_purpose = False
        for clause, negative in _clauses(sentence):
            if negative and not _ENTITY.search(clause) and not _LIST_ITEM.match(sentence.text):
                continue  # 电解铝产能的项目不在支持范围: projects, not enterprises of an industry
            # 为推动全市服务业高质量发展，加快构建现代服务业体系，…: the aim, not whom it is for.
            if not re.fullmatch(r"\s*[（(][^（）()]*[）)]\s*", clause):  # （福建日报记者 戴敏） keeps the state
                in_purpose = bool(_PURPOSE.match(clause)) or (in_purpose and bool(_AIM.match(clause)))
                if in_purpose:
                    continue
            clause = _BOUGHT.sub("", clause)  # 对购买新能源汽车的企业: what firms buy is not their sector
            clause = _CITED.sub("", clause)  # 按照《…促进旅游业恢复发展…的通知》: the cited document's subject
            found = _positioned(clause, lexicon.find(clause), negative)
            found += _list_items(clause, found, negative)
            if not found and not negative and _SECTOR_HEAD.search(clause):
                found = _from_notes(clause, index or default_industry_index())
            hits += found
        for hit in _specific_first(hits, lexicon.taxonomy):
            for code in hit.codes:
                (excluded if hit.negative else included).add(code, sentence.text, hit.confidence)
    if explicit_all:
        included = _blank()
    return included, excluded, explicit_all


# 餐饮、零售、住宿、旅游、交通运输等行业: the items of a list of trades.
_TRADE_LIST = re.compile(r"[\u4e00-\u9fff]{1,8}(?:、[\u4e00-\u9fff]{1,8})+")
_ITEM_END = re.compile(r"(?:等|及其他|和其他)?(?:行业|企业|领域|产业|服务业|业|经营主体|市场主体)*$")


def _list_items(clause: str, found: list[_Hit], negative: bool) -> list[_Hit]:
    """Short trade words (旅游, 客运, 会展) read as sectors when they are items of a list that names a known sector.

    Alone they are too loose (旅游消费 is what consumers do); beside 餐饮、零售 they are trades too.
    """
    words = default_list_lexicon()
    hits = []
    for match in _TRADE_LIST.finditer(clause):
        if not any(h.codes and match.start() <= h.start < match.end() for h in found):
            continue
        at = match.start()
        items = match.group(0).split("、")
        for n, item in enumerate(items):
            word, offset = item, 0
            if n == len(items) - 1:
                word = _ITEM_END.sub("", item.split("等")[0])  # 老旧农机具等领域设备更新基础上
            # 在支持工业、… / 老旧农机具 / 消费商业设施: the run begins before the first item, an item's head ends it
            offset = next((k for k in range(len(word)) if _one_word(words, word[k:])), 0)
            word = word[offset:]
            start = at + offset
            if _one_word(words, word) and not any(h.start <= start < h.end for h in found):
                hits.append(_Hit(words.find(word)[0][1], negative, clause, start, start + len(word)))
            at += len(item) + 1
    return hits


def _one_word(words: IndustryLexicon, text: str) -> bool:
    read = words.find(text)
    return len(read) == 1 and read[0][0] == text


# Documents cited as the ground of this one (按照《…》《…》要求).
_CITED = re.compile(r"(?:根据|按照|依据|落实|贯彻|参照)(?:[^《，。；]{0,12})《[^》]*》(?:[、和及与]?《[^》]*》)*")
# 购买/采购/租用 X 的企业: X is what the firms buy or use, not what they make.
_BOUGHT = re.compile(r"(?:购买|采购|购置|租用|使用|应用)[^，。；的]{1,16}(?=的)")
# A purpose clause at the head of a sentence (为进一步推动…发展，…).
_PURPOSE = re.compile(r"[^，。；]{0,16}?(?<!认定)(?<!成)(?:为|为了)(?:进一步|加快|深入|全面|推动|促进|支持|助力|贯彻|落实|加强|提升|构建)")


_AIM = re.compile(r"\s*(?:加快|推动|促进|构建|打造|提升|助力|推进|培育|做大做强)(?![^，。；]*企业)")


@dataclass(frozen=True, slots=True)
class _Hit:
    """Industry codes read from a word at a place in a clause."""

    codes: tuple[str, ...]
    negative: bool
    clause: str
    start: int
    end: int
    confidence: float = 1.0


def _positioned(clause: str, found: list[tuple[str, tuple[str, ...]]], negative: bool) -> list[_Hit]:
    hits, at = [], 0
    for word, codes in found:
        start = clause.find(word, at)
        start = start if start >= 0 else clause.find(word)
        hits.append(_Hit(codes, negative, clause, start, start + len(word)))
        at = max(at, start + len(word))
    return hits


# 先进高分子材料企业, 轴承齿轮行业: a sector phrase right before the word that says it is one.
_SECTOR_HEAD = re.compile(r"企业|行业|产业|制造商|生产商")
_PHRASE_CUT = re.compile(r".*(?:的|对|为|从事|支持|鼓励|推动|引导|培育|发展|和|及|与|或|、|等|是|在|将|把|给予|内)")
_NOT_A_SECTOR = re.compile(
    r"中小|小微|大型|中型|小型|微型|规模|限额|规上|限上|龙头|骨干|重点|优质|相关|各类|条件|本市|全市|本省|全省|试点|示范"
    r"|高新|科技型|创新型|专精特新|小巨人|瞪羚|独角兽|单项冠军|民营|国有|外资|外贸|上市|引进|设立|入驻|新增|首次|认定|申报|其他"
    r"|数字|智能|绿色|转型|升级|改造|建设|实施|服务型|平台|链主|配套|链|集群|园区|新兴|先进|传统|优势|特色|未来|主导|支柱"
)
#: How like a class a phrase must be (cosine similarity of TF-IDF vectors) before it names that class.
NOTES_MIN_SCORE = 0.35


def _from_notes(clause: str, index: IndustryIndex) -> list[_Hit]:
    hits = []
    for head in _SECTOR_HEAD.finditer(clause):
        before = re.sub(r"[^\u4e00-\u9fff]+", "、", clause[max(0, head.start() - 12):head.start()])
        phrase = _NOT_A_SECTOR.sub("", _PHRASE_CUT.sub("", before))
        if len(phrase) < 2:
            continue
        best = index.lookup_sector(phrase, top=1)
        if best and best[0].score >= NOTES_MIN_SCORE:
            hits.append(_Hit((best[0].code,), False, clause, head.start() - len(phrase), head.start(), best[0].score))
    return hits


# Between a sector word and the broader word it qualifies, with no list in between.
_ADJACENT = re.compile(r"[^，、和及与或等]{0,4}")


def _narrows(between: str, broad: _Hit) -> bool:
    """Narrower classes before 的 are the target ("…加工的农产品加工企业"); before 等 only when the broad noun
    is a family of several sections ("住宿餐饮等生活服务业"), not one class ("床上用品、毛巾等家纺" is 家纺)."""
    if "的" in between or _ADJACENT.fullmatch(between):
        return True  # 制造业新型技术改造 / 化工企业技改: the narrower word says whose 技改 it is
    return between.startswith("等") and len(broad.codes) > 1 and all(c.isalpha() for c in broad.codes)


def _specific_first(hits: list[_Hit], taxonomy: Taxonomy) -> list[_Hit]:
    """Drop a broad head noun whose modifier names narrower classes: "从事谷物磨制、食用植物油加工的农产品加工企业".

    The classes before 的 (or listed before 等) are the target, not every food industry; "物流企业和快递企业"
    names two targets side by side, and both stay.
    """
    kept = []
    for hit in hits:
        narrowed = any(
            other is not hit and other.clause == hit.clause and other.negative == hit.negative
            and other.end <= hit.start and _narrows(hit.clause[other.end:hit.start], hit)
            and (any(c != o and taxonomy.covers(c, o) for c in hit.codes for o in other.codes)
                 or _wider(hit.codes, other.codes, taxonomy))
            for other in hits
        )
        # 宣传推广文旅资源产品的市内旅行社: a sector word inside the modifier of a sector head is what the firms
        # deal in, not what they are (the head is no broader: that case is the one above).
        modifier = any(
            other is not hit and other.clause == hit.clause and other.negative == hit.negative
            and hit.end <= other.start and _MODIFIES.fullmatch(hit.clause[hit.end:other.start])
            and not all(any(taxonomy.covers(o, c) for o in other.codes) for c in hit.codes)
            for other in hits
        )
        if not narrowed and not modifier:
            kept.append(hit)
    return kept


def _wider(broad: tuple[str, ...], narrow: tuple[str, ...], taxonomy: Taxonomy) -> bool:
    """Whether the codes `broad` cover every code of `narrow` and more (B, C, D against C)."""
    def covered(codes: tuple[str, ...], by: tuple[str, ...]) -> bool:
        return all(any(taxonomy.covers(b, c) for b in by) for c in codes)
    return bool(narrow) and covered(narrow, broad) and not covered(broad, narrow)


# What lies between a word in a modifier and the head noun it modifies: no list or conjunction, one 的.
_MODIFIES = re.compile(r"[^，、和及与或的]{0,8}的[^，、和及与或的]{0,6}")


# 企业特别是民营、小微企业 / 各类企业尤其是中小企业: every firm is meant, the smaller ones stressed.
_EMPHASIS = re.compile(r"企业[，、]?(?:特别是|尤其是|特别|尤其|包括)[^，。；]{0,12}?企业")


def _sizes(sentences: Iterable[Sentence]) -> tuple[_Found, bool]:
    """(sizes the targets state, whether a sentence says 不限规模); a negative mention (大型企业不在…) removes."""
    positive, negative = _blank(), _blank()
    explicit_all = False
    for sentence in sentences:
        if _ALL_SIZES.search(sentence.text):
            explicit_all = True
            continue
        for clause, is_negative in _clauses(sentence):
            if not re.search(r"企业|公司|经营主体|纳税人", clause) or re.search(r"划型|划分标准|划分办法|优先|鼓励", clause):
                continue  # 按…划分标准确定 cites the standard; 优先支持…中小企业 prefers, it does not limit
            for match in _SIZE_WORDS.finditer(_EMPHASIS.sub("企业", clause)):
                for size in _SIZE_MEANING[match.group(0)]:
                    (negative if is_negative else positive).add(size, sentence.text)
    if explicit_all:
        return _blank(), True
    if negative.values:
        base = positive.values or {s: next(iter(negative.values.values())) for s in SIZES}
        positive = _Found({s: text for s, text in base.items() if s not in negative.values})
    return positive, False


def _qualifications(sentences: list[Sentence], quals: QualificationList) -> _Found:
    """Qualifications required by the target statements (mentions in a negated or 优先 clause do not count)."""
    found = _blank()
    for sentence in sentences:
        for clause, negative in _clauses(sentence):
            if negative or re.search(r"尚未|未取得|未获得|未通过|优先|鼓励|培育库|成长为|后备|进入[^，。；]{0,10}库", clause):
                continue
            # 组织开展…认定工作 / 推荐申报 invites firms to apply for the title: it does not require it.
            if _INVITES_TO_APPLY.search(clause) and not _REWARDS_HOLDERS.search(clause):
                continue
            for name in quals.find(clause):
                found.add(name, sentence.text)
    return found


# An item that grants money (给予…50万元奖励, 奖补资金最高100万元).
_BENEFIT = re.compile(
    r"(?:给予|奖励|奖补|补助|补贴|资助|扶持)[^。；]{0,24}?\d+(?:\.\d+)?\s*(?:万|亿)元"
    r"|\d+(?:\.\d+)?\s*(?:万|亿)元[^。；]{0,8}(?:奖励|奖补|补助|补贴|资助|扶持)"
)
# A statement of whom the whole policy is for: every item lies inside it, so no union is taken.
_SCOPE_STATEMENT = re.compile(r"(?:支持|适用|申报|扶持|奖励|补助|服务)(?:对象|主体|范围)|申报条件|申报单位须|申报企业须")
_SUPPORTS_HOLDERS = re.compile(r"(?:支持|奖励|资助|补助)\d+多?家(?:重点)?[“\"]?")
_BENEFICIARY = re.compile(r"企业|单位|项目|主体|个体|商户")  # an item names whom it benefits
_REFERS_BACK = re.compile(r"上述|以上|该类|此类|其中|同时|对其|符合条件的")


# An item granting something to firms of a kind that is not a size (对不裁员或少裁员的参保企业，可返还…).
_GRANT_TO_FIRMS = re.compile(r"(?:^|[，。；])对[^，。；]{2,40}?企业[，]?(?:可|按|给予|返还|一次性)")


def _grant_to_any_size(sentences: list[Sentence]) -> bool:
    """Some item grants to firms without naming a size: no size is required of every firm."""
    return any(
        _GRANT_TO_FIRMS.search(s.text) and not _SIZE_WORDS.search(s.text) and not _REFERS_BACK.search(s.text)
        for s in sentences
    )


# 示范企业和培育企业奖励标准: firms on the title's cultivation list (培育企业) are paid beside its holders.
_ALSO_CULTIVATED = re.compile(r"企业[”\"]?(?:和|及|以及|、|与)(?:其)?培育(?:企业|对象)")


def _benefit_without_title(sentences: list[Sentence], quals: QualificationList) -> bool:
    """Some item grants money to firms without naming any title: no title is required of every firm."""
    return any(
        _BENEFIT.search(s.text) and _BENEFICIARY.search(s.text) and not _REFERS_BACK.search(s.text)
        and not _qualifications([s], quals).values
        for s in sentences
    )


# A policy that rewards holders of a title (对新认定的高新技术企业给予奖励, 获评的小巨人) requires it; one that
# invites firms to apply (认定, 申报, 推荐, 评选) or to grow towards it (培育, 引导) does not.
_REWARDS_HOLDERS = re.compile(
    r"已认定|已获|获评|获得|取得|被认定|认定为|新认定|首次认定|首批被?认定|通过认定|入选|评为|荣获|新晋|新获"
    r"|(?:奖励|奖补|补助|资助|补贴)(?!申报|资金申报)"
    # 申报企业须为有效期内的省级专精特新中小企业: a condition on the applicant, not an invitation
    r"|(?:申报|申请)(?:企业|单位|主体)?[^，。；]{0,4}?(?:须|应|需|必须)(?:为|是|属于)"
)
_INVITES_TO_APPLY = re.compile(
    r"申报|推荐|评选|遴选|组织开展|认定工作|开展[^，。；]{0,10}认定|申请认定|争创|培育|梯度|引导|促进|高质量发展|走[“\"]?专精特新"
)


# An item paying firms: 对首次纳统限额以上的批发、零售、住宿、餐饮企业，给予3万元一次性奖励.
_GRANT = re.compile(r"(?<![针面相绝应核比])对(?![接外象标照比话策])于?([^。；]{2,60}?(?:企业|个体户|商户|经营主体))[^。；]{0,40}?(?:给予|进行奖励|进行奖补)")


# 在本市商事登记当年纳入规上软件业的企业，对其…按1%给予奖励: the firms first, then what they are paid.
_GRANT_AFTER = re.compile(r"(?:^|[，。；])([^，。；]{2,40}?的企业)[，]对其[^。；]{0,40}?(?:给予|奖励)")


def _granted_industries(sentences: list[Sentence], lexicon: IndustryLexicon, index: IndustryIndex | None) -> _Found:
    """The sectors of the firms the items pay, when every item paying firms names one (labelling.md: the union)."""
    found = _blank()
    for sentence in sentences:
        for match in (*_GRANT.finditer(sentence.text), *_GRANT_AFTER.finditer(sentence.text)):
            paid, _, _ = _industries([Sentence(match.group(1), target=True)], lexicon, index)
            if not paid.values:
                return _blank()
            for code in paid.values:
                found.add(code, sentence.text)
    return found


# An item paying someone: 对新进规、稳产满产和激励工业增长点企业进行奖励 / 对…的企业，给予3万元一次性奖励.
_PAID = re.compile(r"(?<![针面相绝应核比])对(?![接外象标照比话策])于?([^。；]{2,80}?)(?:给予|进行奖励|进行奖补|奖励|奖补|补助|补贴|可(?:实行|申请|享受|按|返还))")


def _every_grant_to_holders(sentences: list[Sentence], quals: QualificationList) -> _Found:
    """The titles of the items' payees, when every item paying someone pays holders of a title (the union)."""
    found = _blank()
    for sentence in sentences:
        for match in _PAID.finditer(sentence.text):
            paid = match.group(1)
            names = quals.find(paid)
            if not names or not _REWARDS_HOLDERS.search(paid) or re.search(r"尚未|未取得|未获得|未通过|培育", paid):
                return _blank()
            for name in names:
                found.add(name, sentence.text)
    return found


def _every_grant_above_scale(sentences: list[Sentence]) -> str | None:
    """The first item paying firms, when every item pays only 规上/限上 firms (新进规, 纳统, 限上…): the union is them."""
    first = None
    for sentence in sentences:
        for match in _PAID.finditer(sentence.text):
            paid = match.group(1)
            if not _ABOVE_SCALE.search(paid) or _NOT_YET.search(paid):
                return None
            first = first or sentence.text
    return first


def _above_scale(sentences: Iterable[Sentence]) -> str | None:
    """The sentence that limits the policy to 规模以上/限额以上 enterprises, if any.

    "尚未纳入规模以上工业统计的企业" is the opposite; "未纳入规模以上统计的企业不在扶持范围" is the
    same thing said twice negatively.
    """
    for sentence in sentences:
        for clause, negative in _clauses(sentence):
            if not _ABOVE_SCALE.search(clause):
                continue
            not_yet = bool(_NOT_YET.search(clause))
            if not_yet == negative:
                return sentence.text
    return None


def _regions(
    title: str, issuer: str | None, sentences: list[Sentence], targets: list[Sentence], regions: Regions,
    department: str | None = None,
) -> tuple[_Found, float]:
    """The area the policy applies to, each code with the text it was read from, and how sure that is.

    The place comes from the text first, in this order: the issuer given, the title, the head of the
    document (its issuing organ and 文号 lines), the sign-off, the addressees (各省、自治区、直辖市 → the
    centre), and the opening of a news report or Q&A page (近日，某某县出台…). Only when the text names no
    place does the uploading department's area stand in (confidence 0.5), and "nationwide" comes only
    from a central issuer, never from finding nothing.
    """
    found = _blank()
    addressee = next((s.text for s in sentences[:6] if _ADDRESSEE.match(s.text)), None)
    head = [s.text for s in sentences[:4] if s.text != addressee]
    tail = [s.text for s in reversed(sentences[-5:])]
    opening = [s.text for s in sentences[:12] if not s.heading and s.text != addressee]
    local = bool(_LOCAL_SCOPE.search(title)) or any(_LOCAL_SCOPE.search(t.text) for t in sentences)
    # 转发福建省工业和信息化厅关于…的通知: the place in a forwarding title is the forwarded organ's.
    own_title = "" if _FORWARDING_TITLE.match(title or "") else _MEDIA_CREDIT.sub("", title or "")
    titled = _first_place([[issuer] if issuer else [], [own_title] if own_title else []], regions)
    # 关于做好2024年湖南省…申报工作的通知 to 各县市区: the province names the fund, a city under it sends the notice.
    forwarder = _forwarder_area(addressee, sentences, regions) if addressee and not issuer else {}
    if titled and not all(any(regions.covers(t, c) for t in titled) for c in forwarder):
        forwarder = {}
    steps: list[tuple[float, Callable[[], dict[str, str]]]] = [
        (0.9, lambda: forwarder),
        (1.0, lambda: titled),
        (0.9, lambda: _place_by_verb(own_title, [], regions)),
        (0.9, lambda: _first_place([head, tail], regions, local)),
        (0.85, lambda: _doc_number_province([title, *head], regions)),
        (0.8, lambda: _area_of_addressees(addressee, department, regions) if addressee else {}),
        (0.7, lambda: _first_place([opening], regions, local) or _place_by_verb("", opening, regions)),
        (0.7, lambda: _central_issuer(title, opening, local)),
        (0.6, lambda: _national_scheme(title, sentences, local)),
        (_PHONE_CONFIDENCE, lambda: _phone_area(sentences, [*head, *opening], regions)),
        (0.5, lambda: _department_area(department, [*head, *opening], regions)),
    ]
    issuer_area, confidence = next(((area, sure) for sure, step in steps if (area := step())), ({}, 0.0))
    issuer_area = _city_speaking(issuer_area, opening, regions) or issuer_area
    # The most specific of a chain wins (国家税务总局滨州市税务局 is the city's office).
    issuer_area = {c: t for c, t in issuer_area.items() if not any(o != c and regions.covers(c, o) for o in issuer_area)}
    issuer_area = _county_speaking(issuer_area, sentences, regions) or issuer_area

    narrowed: dict[str, str] = {}
    for sentence in targets:
        if not _RESTRICTED_PLACE.search(sentence.text):
            continue
        for code in regions.find_in_text(_without_exclusions(sentence.text)):
            inside = not issuer_area or any(regions.covers(a, code) for a in issuer_area)
            if inside and code not in issuer_area:
                narrowed.setdefault(code, sentence.text)
    chosen = narrowed or issuer_area
    for code, text in chosen.items():
        found.add(regions.canonical(code), text)
    return found, (1.0 if narrowed else confidence if issuer_area else 0.0)


# The one-character names provinces put at the head of their 文号 (京国资发〔2022〕5号, 鲁政发〔2023〕1号).
# Characters that also begin a city's 文号 (青 青岛, 宁 南宁/宁波, 吉 吉安, 新 新泰, 云 云浮…) are left out.
_PROVINCE_ABBREVIATIONS = {
    "京": "110000", "津": "120000", "冀": "130000", "晋": "140000", "蒙": "150000", "辽": "210000",
    "黑": "230000", "沪": "310000", "苏": "320000", "浙": "330000", "皖": "340000", "闽": "350000",
    "赣": "360000", "鲁": "370000", "豫": "410000", "鄂": "420000", "湘": "430000", "粤": "440000",
    "桂": "450000", "琼": "460000", "渝": "500000", "川": "510000", "黔": "520000", "滇": "530000",
    "藏": "540000", "陕": "610000", "甘": "620000",
}
_PROVINCE_DOC_NUMBER = re.compile(
    f"(?<![\u4e00-\u9fff])([{''.join(_PROVINCE_ABBREVIATIONS)}])[\u4e00-\u9fff]{{0,6}}[〔\\[［(（]\\s*(?:19|20)\\d{{2}}\\s*[〕\\]］)）]"
    r"\s*\d+\s*号")


def _doc_number_province(lines: list[str], regions: Regions | None = None) -> dict[str, str]:
    """A province's 文号 at the head of the text names the province; a city government's (厦府规, 滨政发) the city."""
    cities = _city_abbreviations(regions) if regions is not None else {}
    for line in lines:
        line_text = _CITATION.sub("", line)
        match = _PROVINCE_DOC_NUMBER.search(line_text)
        if match:
            return {_PROVINCE_ABBREVIATIONS[match.group(1)]: line}
        match = _CITY_DOC_NUMBER.search(line_text)
        if match and match.group(1) in cities:
            return {cities[match.group(1)]: line}
    return {}


# A city government's own 文号: one character, then 政/府/办 (厦府规〔2022〕2号, 滨政发〔2023〕6号, 穗府办函〔2020〕1号).
_CITY_DOC_NUMBER = re.compile(
    r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])(?:政|府|办)[\u4e00-\u9fff]{0,4}[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d+\s*号")
# Cities whose 文号 character is not the first of their name, by long use.
_CITY_DOC_CHARACTERS = {"穗": "广州市", "榕": "福州市", "甬": "宁波市", "邕": "南宁市", "筑": "贵阳市", "蓉": "成都市"}
# Characters a province's documents use (青政发 is 青海's, 云政发 云南's, 苏政发 江苏's): never read as a city.
_PROVINCE_CHARACTERS = frozenset("".join(_PROVINCE_ABBREVIATIONS) + "青宁吉新云蒙")


@functools.cache
def _city_abbreviations(regions: Regions) -> dict[str, str]:
    """文号 character → prefecture: the first character of a prefecture's name where no other prefecture and no
    province shares it (厦 厦门, 滨 滨州, 株 株洲), plus the cities' customary characters (穗 广州)."""
    first: dict[str, list[str]] = {}
    for region in regions:
        if region.level == 1:
            first.setdefault(region.name[0], []).append("")  # 山东/山西, 河南/河北: a province's first character
        elif region.level == 2:
            first.setdefault(region.name[0], []).append(region.code)
    table = {char: codes[0] for char, codes in first.items()
             if len(codes) == 1 and codes[0] and char not in _PROVINCE_CHARACTERS}
    by_name = {region.name: region.code for region in regions if region.level == 2}
    table.update({char: by_name[name] for char, name in _CITY_DOC_CHARACTERS.items() if name in by_name})
    return table


# A scheme the centre sets for every firm alike: taxes, the national titles' conditions, 社保补贴.
_NATIONAL_SCHEME = re.compile(
    r"企业所得税|增值税|个人所得税|税收优惠政策|税前扣除|加计扣除|留抵退税|高新技术企业认定|认定高企|国家重点支持的高新技术领域"
    r"|科技型中小企业评价|社会保险补贴|社会保险费补贴|专精特新[“\"]?小巨人"
)


def _national_scheme(title: str, sentences: list[Sentence], local: bool) -> dict[str, str]:
    """No place named and nothing local: a page explaining a national scheme applies nationwide."""
    if local:
        return {}
    text = next((t for t in [title, *(s.text for s in sentences[:15])] if _NATIONAL_SCHEME.search(t)), None)
    return {NATIONWIDE: text} if text else {}


_CITY_VOICE = re.compile(r"我市|全市|本市|市委|市政府")


def _city_speaking(area: dict[str, str], opening: list[str], regions: Regions) -> dict[str, str]:
    """A province in the headline, one of its cities speaking in the text (山东这位市委书记 … 泰安市委书记, 我市):
    the city's policy."""
    if len(area) != 1 or _level(regions, next(iter(area))) != 1:
        return {}
    province = next(iter(area))
    if not any(_CITY_VOICE.search(t) for t in opening):
        return {}
    cities = {_up_to(regions, c, 2): t for t in opening for c in regions.find_in_text(t)
              if _level(regions, c) >= 2 and regions.covers(province, c)}
    return cities if len(cities) == 1 else {}


# 我县 / 全区 / 区管委会 (never 各县（市、区）政府, a city's addressees).
_COUNTY_VOICE = re.compile(r"(?:我|本|全)(?:县|区)|(?<![市、县（(各])(?:县|区)(?:委|政府|管委会)")


def _county_speaking(area: dict[str, str], sentences: list[Sentence], regions: Regions) -> dict[str, str]:
    """A prefecture found, the text speaking as a county or district (我县, 区管委会) and naming one county of that
    prefecture (新昌县 under 绍兴市): the county's policy."""
    if len(area) != 1 or _level(regions, next(iter(area))) != 2:
        return {}
    if not any(_COUNTY_VOICE.search(s.text) for s in sentences):
        return {}
    prefecture = next(iter(area))
    counties = {c: s.text for s in sentences for c in regions.find_in_text(s.text)
                if _level(regions, c) == 3 and regions.covers(prefecture, c)}
    return counties if len(counties) == 1 else {}


# 财政部、工业和信息化部联合印发 / 据工信部消息 / 工信部：… — a central organ acting, not one a firm deals with
# (首次公开发行股票材料获得中国证监会或证券交易所受理).
_CENTRAL_ACTS = re.compile(r"^[^，。；]{0,24}?(?:印发|发布|出台|联合|召开|答|表示|介绍|会同|公布|下发|部署|决定|明确|提出|发文)"
                           r"|^\s*[:：]|^[^，。；]{0,12}?(?:消息|获悉)")


def _central_issuer(title: str, opening: list[str], local: bool) -> dict[str, str]:
    """No place anywhere, a central organ acting at the top and nothing local: a national policy explained."""
    acting = next((t for t in [title, *opening[:3]] if _central_acting(t)), None)
    return {NATIONWIDE: acting} if acting and not local else {}


def _central_acting(text: str) -> bool:
    """Whether a central organ acts in the text (at a clause's head, or followed by its act), outside citations."""
    plain = _CITATION.sub("", text)
    for match in _NATIONAL_ISSUER.finditer(plain):
        before = plain[max(0, match.start() - 4):match.start()]
        if _CENTRAL_ACTS.match(plain, match.end()) or re.search(r"据|记者从|^$|[，,。；：:\s“\"]$", before):
            return True
    return False


_FORWARDING_TITLE = re.compile(r"^(?:关于)?转发")
# 现将《福建省工业和信息化厅关于…的通知》转发给你们 / 根据湖南省工业和信息化厅…《…》精神，现就…通知如下.
_FORWARDING = re.compile(r"现将[^。]{0,200}?转发|转发给你们|(?:根据|按照)[^。]{0,200}?(?:通知|文件)[》)）]*精神")


def _forwarder_area(addressee: str, sentences: list[Sentence], regions: Regions) -> dict[str, str]:
    """A notice passing a higher organ's on to its addressees: the sender is one level above them (各县（市、区）→ a
    prefecture, 各市州 → a province), inside the forwarded organ's area, and the one such place the text names
    (泉州开发区, 渌口区) or, failing that, its telephone numbers dial (0731 长沙 → 湖南省); {} when neither says."""
    level = 1 if _TO_CITIES.search(addressee) else 2 if _TO_COUNTIES.search(addressee) else None
    passing = next((s.text for s in sentences[:8] if _FORWARDING.search(s.text)), None)
    if level is None or passing is None:
        return {}
    cited = [c for c in regions.find_in_text(passing) if _level(regions, c) < level]
    if not cited and _NATIONAL_ISSUER.search(passing):
        cited = [NATIONWIDE]
    if not cited:
        return {}

    def inside(codes: Iterable[str]) -> set[str]:
        return {_up_to(regions, c, level) for c in codes
                if _level(regions, c) >= level and any(regions.covers(a, c) for a in cited)}

    named: dict[str, str] = {}
    for sentence in sentences:
        for code in inside(regions.find_in_text(_without_exclusions(sentence.text))):
            named.setdefault(code, sentence.text)
    if len(named) == 1:
        return named
    if named:
        return {}
    text = "\n".join(s.text for s in sentences)
    dialled = inside(places_by_phone(text))
    return {dialled.pop(): passing} if len(dialled) == 1 else {}


def _phone_area(sentences: list[Sentence], top: list[str], regions: Regions) -> dict[str, str]:
    """No place named: the prefecture the text's telephone numbers dial (0376 → 信阳市), when they dial one only;
    its province when the text speaks of 我省 / 省…厅 (a provincial department's number is in the capital)."""
    for sentence in sentences:
        codes = places_by_phone(sentence.text)
        if codes:
            dialled = {c for s in sentences for c in places_by_phone(s.text)}
            if len(dialled) != 1:
                return {}
            own_province = any(_OUR_PROVINCE.search(t) for t in top)
            return {_up_to(regions, codes[0], 1) if own_province else codes[0]: sentence.text}
    return {}


def _department_area(department: str | None, top: list[str], regions: Regions) -> dict[str, str]:
    """The uploading department's area; its province when the text speaks of 我省 / 省…厅."""
    if not department:
        return {}
    codes = regions.find_in_text(department) or ([NATIONWIDE] if _NATIONAL_ISSUER.search(department) else [])
    own_province = next((t for t in top if _OUR_PROVINCE.search(t)), None)
    if own_province:
        codes = [_up_to(regions, c, 1) for c in codes]
    return dict.fromkeys(codes, own_province or department)


_VALID_UNTIL = re.compile(r"(?:有效期至|执行至|有效期到|截止到|截至)\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def valid_until(text: str) -> date | None:
    """The last day a policy is in force as its text states it (有效期至2028年3月14日), or None."""
    dates = []
    for match in _VALID_UNTIL.finditer(unicodedata.normalize("NFKC", text)):
        try:
            dates.append(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    return max(dates) if dates else None


@functools.cache
def default_lexicon() -> IndustryLexicon:
    """data/matcher/industry_keywords.csv over the default taxonomy, loaded on first use and shared."""
    return IndustryLexicon.load()


@functools.cache
def default_activity_lexicon() -> IndustryLexicon:
    """data/matcher/activity_keywords.csv: words read as a sector only when a policy names none."""
    return IndustryLexicon.load(ACTIVITY_KEYWORDS_PATH, table_names=False)


@functools.cache
def default_list_lexicon() -> IndustryLexicon:
    """data/matcher/list_keywords.csv: short trade words read as sectors only as items of a list of trades."""
    return IndustryLexicon.load(LIST_KEYWORDS_PATH, table_names=False)


@functools.cache
def default_qualifications() -> QualificationList:
    """data/matcher/qualifications.csv, loaded on first use and shared."""
    return QualificationList.load()
