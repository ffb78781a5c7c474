"""Administrative divisions (GB/T 2260 codes): the tree, which area covers which, and place names in text."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from matcher._data import DATA_DIR

__all__ = [
    "BINZHOU",
    "LEVEL_NAMES",
    "NATIONWIDE",
    "SHANDONG",
    "Region",
    "Regions",
    "area_codes",
    "default_regions",
    "places_by_phone",
]

DEFAULT_PATH = DATA_DIR / "matcher" / "regions.csv"
DEFAULT_ALIASES_PATH = DATA_DIR / "matcher" / "region_aliases.csv"
DEFAULT_AREA_CODES_PATH = DATA_DIR / "matcher" / "area_codes.csv"

NATIONWIDE = "100000"
SHANDONG = "370000"
BINZHOU = "371600"

#: Chinese name of each level: 0 the country, 1 省级, 2 地级, 3 县级.
LEVEL_NAMES = {0: "全国", 1: "省级", 2: "地级", 3: "县级"}

_CODE = re.compile(r"[0-9]{6}")
# Names that are also ordinary words in policy prose ("主城区", "惠企惠民"); they are found only in full.
_COMMON_WORDS = frozenset(
    {
        "城区", "郊区", "矿区", "新区", "市中区", "惠民", "平原", "朝阳", "北海", "天桥", "大同", "安康", "开封",
        "长安", "中山", "东方", "新华", "白云", "青山", "市中", "市北", "市南", "永安", "和平", "普洱", "吉安",
        "白银",  # 真金白银
    }
)  # fmt: skip
# Province-level short names that are not a plain suffix cut.
_PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}


@dataclass(frozen=True, slots=True)
class Region:
    """One division: 100000 the country (level 0), a province (1), a prefecture (2) or a county (3)."""

    code: str
    name: str
    level: int
    parent: str | None
    kind: str = ""


class Regions:
    """The division tree; every method taking a code also accepts a former code listed as an alias."""

    def __init__(
        self,
        regions: Iterable[Region],
        aliases: Mapping[str, str] | None = None,
        former_names: Mapping[str, str] | None = None,
    ) -> None:
        """Index the divisions (parents first), former → current codes, and former names → current codes."""
        self._by_code: dict[str, Region] = {}
        self._children: dict[str, list[str]] = {}
        for region in regions:
            if not _CODE.fullmatch(region.code) or region.code in self._by_code:
                raise ValueError(f"bad or duplicate region code {region.code!r}")
            if region.parent is not None and region.parent not in self._by_code:
                raise ValueError(f"region {region.code} has unknown parent {region.parent!r}")
            self._by_code[region.code] = region
            self._children.setdefault(region.code, [])
            if region.parent is not None:
                self._children[region.parent].append(region.code)
        self._aliases = dict(aliases or {})
        for old, new in self._aliases.items():
            if new not in self._by_code:
                raise ValueError(f"alias {old} points to unknown code {new}")
        self._former_names = dict(former_names or {})
        self._surfaces = self._build_surfaces()
        self._lengths = sorted({len(s) for s in self._surfaces}, reverse=True)

    @classmethod
    def load(cls, path: str | Path | None = None, aliases_path: str | Path | None = None) -> Regions:
        """Read data/matcher/regions.csv (code,name,level,parent,kind) and region_aliases.csv (code,current,…)."""
        with open(path or DEFAULT_PATH, encoding="utf-8", newline="") as handle:
            regions = [
                Region(
                    code=row["code"],
                    name=row["name"],
                    level=int(row["level"]),
                    parent=row["parent"] or None,
                    kind=row.get("kind") or "",
                )
                for row in csv.DictReader(handle)
            ]
        alias_rows: list[dict[str, str]] = []
        alias_file = Path(aliases_path or DEFAULT_ALIASES_PATH)
        if alias_file.exists():
            with open(alias_file, encoding="utf-8", newline="") as handle:
                alias_rows = list(csv.DictReader(handle))
        aliases = {row["code"]: row["current"] for row in alias_rows}
        former_names = {row["name"]: row["current"] for row in alias_rows if row.get("name")}
        return cls(regions, aliases, former_names)

    def __len__(self) -> int:
        """Number of divisions, the country included."""
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        """All divisions, parents before children."""
        return iter(self._by_code.values())

    def canonical(self, code: str) -> str:
        """The current code for a former one (371626 → 371681); any other code unchanged."""
        code = str(code).strip()
        return self._aliases.get(code, code)

    def get(self, code: str) -> Region | None:
        """The division for a code (or a former code), or None."""
        return self._by_code.get(self.canonical(code))

    def is_valid(self, code: object) -> bool:
        """Whether a value is a six-digit code of a known division (former codes included)."""
        return isinstance(code, str) and self.get(code) is not None

    def name(self, code: str) -> str | None:
        """The Chinese name of a code, or None."""
        region = self.get(code)
        return region.name if region is not None else None

    def parent(self, code: str) -> str | None:
        """The code one level up (None for 100000 and unknown codes)."""
        region = self.get(code)
        return region.parent if region is not None else None

    def children(self, code: str) -> list[Region]:
        """The divisions directly under a code."""
        return [self._by_code[c] for c in self._children.get(self.canonical(code), ())]

    def ancestors(self, code: str) -> list[str]:
        """The chain from 100000 down to the code: "371681" -> ["100000", "370000", "371600", "371681"].

        A well-formed code missing from the table is placed under the province and prefecture its
        digits name, when those are known, so a new county still falls inside its province.
        """
        canonical = self.canonical(code)
        region = self._by_code.get(canonical)
        if region is None:
            if not _CODE.fullmatch(canonical):
                return []
            parents = [
                p for p in (canonical[:4] + "00", canonical[:2] + "0000") if p != canonical and p in self._by_code
            ]
            return (self.ancestors(parents[0]) if parents else [NATIONWIDE]) + [canonical]
        chain = [region.code]
        while region.parent is not None:
            region = self._by_code[region.parent]
            chain.append(region.code)
        return chain[::-1]

    def covers(self, area_code: str, code: str) -> bool:
        """Whether area_code is code or contains it (100000 covers all; 370000 covers 371600 and 371681)."""
        return self.canonical(area_code) in self.ancestors(code)

    def label(self, code: str) -> str:
        """A display name with its prefecture or province: "邹平市" -> "邹平市（滨州市）"."""
        region = self.get(code)
        if region is None:
            return str(code)
        if region.level == 3 and region.parent is not None:
            return f"{region.name}（{self._by_code[region.parent].name}）"
        return region.name

    def find_in_text(self, text: str) -> list[str]:
        """Codes of the places named in a text, in order of first mention, each once.

        Full names (山东省, 滨州市, 邹平市, 博兴县) always count; short forms (山东, 滨州, 邹平, 博兴) count
        when they name one place only. A name shared by several places (朝阳区) counts when the text
        also names the province or prefecture of exactly one of them.
        """
        found: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(text):
            for length in self._lengths:
                codes = self._surfaces.get(text[i : i + length])
                if codes is not None:
                    found.append((text[i : i + length], codes))
                    i += length
                    break
            else:
                i += 1
        unique = {codes[0] for _, codes in found if len(codes) == 1}
        out: dict[str, None] = {}
        for _, codes in found:
            if len(codes) == 1:
                out.setdefault(codes[0], None)
                continue
            placed = [c for c in codes if any(a in unique for a in self.ancestors(c)[:-1] if a != NATIONWIDE)]
            if len(placed) == 1:
                out.setdefault(placed[0], None)
        return list(out)

    def _build_surfaces(self) -> dict[str, tuple[str, ...]]:
        """Map every findable name to the codes it may mean (full names first, then unambiguous short forms)."""
        full: dict[str, list[str]] = {}
        short: dict[str, list[str]] = {}
        for region in self._by_code.values():
            if region.level == 0:
                continue
            # Outside Shandong a two-character county name (赵县) is too easily part of another word.
            if region.level == 3 and len(region.name) < 3 and not region.code.startswith("37"):
                continue
            if region.name not in _COMMON_WORDS:
                full.setdefault(region.name, []).append(region.code)
            for form in _short_forms(region):
                if form not in _COMMON_WORDS:
                    short.setdefault(form, []).append(region.code)
        surfaces = {name: tuple(codes) for name, codes in full.items()}
        for form, codes in short.items():
            # 东营 is both 东营市 and its 东营区: the short form means the prefecture that holds both.
            outer = [c for c in codes if all(c in self.ancestors(other) for other in codes)]
            provinces = [c for c in codes if self._by_code[c].level == 1]
            if not outer and len(provinces) == 1:
                outer = provinces  # 海南 is the province, not 海南藏族自治州 (海南州)
            if len(outer) == 1 and form not in surfaces:
                surfaces[form] = (outer[0],)
        for name, code in self._former_names.items():
            # A former name (邹平县) still names the place in older documents.
            surfaces.setdefault(name, (code,))
        return surfaces


# The peoples an autonomous prefecture's name lists after its place (恩施土家族苗族自治州 → 恩施).
_PEOPLES = ("土家族", "苗族", "侗族", "朝鲜族", "白族", "彝族", "蒙古族", "蒙古", "藏族", "羌族", "哈萨克", "柯尔克孜",
            "回族", "傣族", "景颇族", "壮族", "哈尼族", "傈僳族", "布依族")


def _short_forms(region: Region) -> list[str]:
    """Every short name of a division: 滨州 for 滨州市; 恩施州 and 恩施 for 恩施土家族苗族自治州; 阿克苏 for 阿克苏地区."""
    if region.level == 2 and region.name.endswith("自治州"):
        stem = region.name[: -len("自治州")]
        while stem.endswith(_PEOPLES):
            stem = stem[: -len(next(p for p in _PEOPLES if stem.endswith(p)))]
        return [stem + "州", stem] if len(stem) >= 2 else []
    if region.level == 2 and region.name.endswith(("地区", "盟")):
        stem = region.name[: -2] if region.name.endswith("地区") else region.name[:-1]
        return [stem] if len(stem) >= 2 else []
    form = _short_form(region)
    return [form] if form else []


def _short_form(region: Region) -> str | None:
    """The name without its 省/市/县/区 suffix, where that leaves a usable name (None otherwise)."""
    if region.name in _PROVINCE_SHORT:
        return _PROVINCE_SHORT[region.name]
    if region.level == 3 and not region.code.startswith("37"):
        return None  # short county names are searched for in Shandong only
    for suffix in ("省", "市", "县", "区"):
        if region.name.endswith(suffix) and not region.name.endswith("自治" + suffix):
            stem = region.name[: -len(suffix)]
            return stem if len(stem) >= 2 else None
    return None


@functools.cache
def default_regions() -> Regions:
    """The table in data/matcher/regions.csv with its aliases, loaded on first use and shared."""
    return Regions.load()


# A fixed-line number with its long-distance prefix: 0543-3173009, 0376-7676806, (0731)88955392, 010 6520 1234.
_FIXED_LINE = re.compile(r"(?<![\d.])[(（]?(0(?:[12]\d|[3-9]\d\d))[)）]?[-－—\s]?\d{7,8}(?![\d.])")


@functools.cache
def area_codes(path: str | Path | None = None) -> dict[str, str]:
    """Telephone area code → division (data/matcher/area_codes.csv): "0543" → "371600" 滨州市."""
    with open(path or DEFAULT_AREA_CODES_PATH, encoding="utf-8", newline="") as handle:
        return {row["area_code"]: row["region"] for row in csv.DictReader(handle)}


def places_by_phone(text: str) -> list[str]:
    """The divisions the fixed-line numbers of a text dial, in order of first mention, each once."""
    table = area_codes()
    out: dict[str, None] = {}
    for match in _FIXED_LINE.finditer(text):
        code = table.get(match.group(1))
        if code is not None:
            out.setdefault(code, None)
    return list(out)
