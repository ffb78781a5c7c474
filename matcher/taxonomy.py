"""GB/T 4754-2017 industry classification (国民经济行业分类): code normalisation and the code tree."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from matcher._data import DATA_DIR

__all__ = [
    "LEVEL_NAMES",
    "Industry",
    "InvalidIndustryCode",
    "Taxonomy",
    "default_taxonomy",
    "normalize_code",
]

DEFAULT_PATH = DATA_DIR / "gbt4754_2017.csv"

#: Chinese name of each level of the classification.
LEVEL_NAMES = {1: "门类", 2: "大类", 3: "中类", 4: "小类"}

_SECTIONS = frozenset("ABCDEFGHIJKLMNOPQRST")
_SHAPE = re.compile(r"([A-Z]?)([0-9]*)")


class InvalidIndustryCode(ValueError):
    """A string that is not a GB/T 4754 code; the message (Chinese) says what is wrong."""


@dataclass(frozen=True, slots=True)
class Industry:
    """One entry of the classification: 门类 (level 1, a letter) down to 小类 (level 4, four digits)."""

    code: str
    name: str
    level: int
    parent: str | None


def _shown(raw: str) -> str:
    """The raw input as quoted in an error message, cut short so a pasted paragraph stays readable."""
    return raw if len(raw) <= 20 else raw[:20] + "…"


def _split(raw: object) -> tuple[str, str]:
    """Check the shape of a code and return (section letter or "", digits or "")."""
    if not isinstance(raw, str):
        raise InvalidIndustryCode(f"行业代码应为文本，收到的是 {type(raw).__name__}")
    # NFKC turns full-width digits, letters and the ideographic space into ASCII; then all
    # whitespace goes, so "c 32 16" and "Ｃ３２１６" both read as "C3216".
    text = "".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        raise InvalidIndustryCode("行业代码为空")
    for ch in text:
        if not (ch.isascii() and ch.isalnum()):
            raise InvalidIndustryCode(f"行业代码“{_shown(raw)}”含有无效字符“{ch}”：只能是门类字母 A–T 和数字")
    match = _SHAPE.fullmatch(text.upper())
    if match is None:
        raise InvalidIndustryCode(
            f"行业代码“{_shown(raw)}”格式不对：最多一个门类字母且只能在开头，后接 2 位（大类）、3 位（中类）或 4 位（小类）数字"
        )
    letter, digits = match.groups()
    if letter and letter not in _SECTIONS:
        raise InvalidIndustryCode(f"门类字母“{letter}”不存在：GB/T 4754-2017 的门类为 A–T")
    if digits and len(digits) not in (2, 3, 4):
        raise InvalidIndustryCode(
            f"行业代码“{_shown(raw)}”有 {len(digits)} 位数字：应为 2 位（大类）、3 位（中类）或 4 位（小类）"
        )
    return letter, digits


def normalize_code(raw: str, taxonomy: Taxonomy | None = None) -> str:
    """Return the standard's form of an industry code ("C3216" -> "3216", "c" -> "C") or raise InvalidIndustryCode."""
    letter, digits = _split(raw)
    if not digits:
        return letter
    if letter:
        # The letter is redundant with the digits; a contradiction means the code was mistyped.
        tax = taxonomy if taxonomy is not None else default_taxonomy()
        section = tax.section_of(digits)
        if section is not None and section != letter:
            raise InvalidIndustryCode(
                f"行业代码“{_shown(raw)}”的门类字母 {letter} 与代码 {digits} 所属门类 "
                f"{section}（{tax.name(section)}）不符"
            )
    return digits


class Taxonomy:
    """The GB/T 4754-2017 code tree; every method taking a code accepts any form normalize_code accepts."""

    def __init__(self, industries: Iterable[Industry]) -> None:
        """Index the given entries, checking that each parent exists and each code has its level's shape."""
        self._by_code: dict[str, Industry] = {}
        self._children: dict[str, list[Industry]] = {}
        for industry in industries:
            _check_entry(industry, self._by_code)
            self._by_code[industry.code] = industry
            self._children.setdefault(industry.code, [])
            if industry.parent is not None:
                self._children[industry.parent].append(industry)
        self._search_names = {code: unicodedata.normalize("NFKC", ind.name) for code, ind in self._by_code.items()}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Taxonomy:
        """Read a CSV with columns code,name,level,parent (defaults to data/gbt4754_2017.csv)."""
        with open(path if path is not None else DEFAULT_PATH, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(
            Industry(
                code=row["code"].strip(),
                name=row["name"].strip(),
                level=int(row["level"]),
                parent=row["parent"].strip() or None,
            )
            for row in rows
        )

    def __len__(self) -> int:
        """Number of entries at all four levels."""
        return len(self._by_code)

    def __iter__(self) -> Iterator[Industry]:
        """All entries in table order (each parent before its children)."""
        return iter(self._by_code.values())

    def at_level(self, level: int) -> list[Industry]:
        """All entries of one level: 1 门类, 2 大类, 3 中类, 4 小类."""
        return [ind for ind in self._by_code.values() if ind.level == level]

    def normalize(self, raw: str) -> str:
        """normalize_code, checking the section letter against this table."""
        return normalize_code(raw, self)

    def get(self, code: str) -> Industry | None:
        """The entry for a code, or None when the code is well-formed but not in the table."""
        return self._by_code.get(self.normalize(code))

    def name(self, code: str) -> str | None:
        """The Chinese name of a code, or None when it is not in the table."""
        industry = self.get(code)
        return industry.name if industry is not None else None

    def is_known(self, code: str) -> bool:
        """Whether a (well-formed) code is in the table."""
        return self.get(code) is not None

    def ancestors(self, code: str) -> list[str]:
        """The chain from the section down to the code itself: "3216" -> ["C", "32", "321", "3216"].

        For a well-formed code not in the table, the chain holds only the prefixes that are in the
        table, then the code itself: with "330" absent, "3309" -> ["C", "33", "3309"]; with no known
        prefix at all (division "99"), just ["9999"].
        """
        normalized = self.normalize(code)
        industry = self._by_code.get(normalized)
        if industry is None:
            # In GB/T 4754 a group is the first 3 digits of its classes and a division the first 2,
            # so the known prefixes are the unknown code's ancestors.
            known = [normalized[:n] for n in range(len(normalized) - 1, 1, -1) if normalized[:n] in self._by_code]
            if not known:
                return [normalized]
            return self.ancestors(known[0]) + [normalized]
        chain = [industry.code]
        while industry.parent is not None:
            industry = self._by_code[industry.parent]
            chain.append(industry.code)
        return chain[::-1]

    def section_of(self, code: str) -> str | None:
        """The section letter of a code ("3216" -> "C"), through its known ancestors when it is not in the table."""
        top = self.ancestors(code)[0]
        return top if top in _SECTIONS else None

    def covers(self, a: str, b: str) -> bool:
        """Whether code a is b or one of b's ancestors ("C" and "32" cover "3216"; "3216" does not cover "32")."""
        return self.normalize(a) in self.ancestors(b)

    def children(self, code: str) -> list[Industry]:
        """The entries one level below a code, in table order (empty for a 小类 or an unknown code)."""
        return list(self._children.get(self.normalize(code), ()))

    def search(self, name_fragment: str) -> list[Industry]:
        """Entries whose Chinese name contains the fragment (full- and half-width brackets match alike)."""
        fragment = "".join(unicodedata.normalize("NFKC", name_fragment).split())
        if not fragment:
            return []
        return [self._by_code[code] for code, name in self._search_names.items() if fragment in name]

    def suggest(self, name_fragment: str, limit: int = 20) -> list[Industry]:
        """小类 (4-digit classes) for a name being typed, best first: the picker's and the calculator's list.

        A class named exactly so comes first, then classes whose own name contains the fragment (shorter
        names first), then the classes under a 门类/大类/中类 whose name contains it ("餐饮" finds 正餐服务).
        """
        fragment = "".join(unicodedata.normalize("NFKC", name_fragment).split())
        if not fragment or limit <= 0:
            return []
        ranked: dict[str, tuple[int, int, int]] = {}
        for position, (code, name) in enumerate(self._search_names.items()):
            if fragment not in name:
                continue
            if len(code) == 4:
                rank = (0 if name == fragment else 1, len(name), position)
                ranked[code] = min(ranked.get(code, rank), rank)
                continue
            for below in self._classes_under(code):
                rank = (2, -len(code), position)  # the narrowest group that matches first
                ranked[below] = min(ranked.get(below, rank), rank)
        best = sorted(ranked, key=lambda c: (ranked[c], c))[:limit]
        return [self._by_code[code] for code in best]

    def _classes_under(self, code: str) -> Iterator[str]:
        for child in self._children.get(code, ()):
            if len(child.code) == 4:
                yield child.code
            else:
                yield from self._classes_under(child.code)

    def check(self, raw: str) -> tuple[str, str | None]:
        """Normalise a code to store: (code, None) if in the table, (code, Chinese warning) if only its ancestors are.

        A code whose 大类 is not in the table is rejected (InvalidIndustryCode): the 97 大类 are
        fixed, so such a code is a typo, not a 小类 missing from this copy of the table.
        """
        code = self.normalize(raw)
        if code in self._by_code:
            return code, None
        chain = self.ancestors(code)
        if len(chain) == 1:
            raise InvalidIndustryCode(f"行业代码 {code} 无效：GB/T 4754-2017 中没有大类 {code[:2]}")
        parent = chain[-2]
        level = LEVEL_NAMES[len(code)]
        warning = (
            f"行业代码 {code} 不在本系统的 GB/T 4754-2017 {level}表中（可能是 2019 年第1号修改单新增的类别），"
            f"已按上级 {parent}（{self._by_code[parent].name}）接受，请核对"
        )
        return code, warning


def _check_entry(industry: Industry, seen: dict[str, Industry]) -> None:
    """Reject a table row whose code, level or parent does not fit the standard's structure."""
    code, level, parent = industry.code, industry.level, industry.parent
    if code in seen:
        raise ValueError(f"duplicate industry code {code!r}")
    if level == 1:
        shape_ok = code in _SECTIONS and parent is None
    else:
        expected_parent = parent if level == 2 else code[:-1]
        shape_ok = (
            level in (2, 3, 4)
            and len(code) == level
            and code.isascii()
            and code.isdigit()
            and parent == expected_parent
            and parent in seen
            and seen[parent].level == level - 1
        )
    if not shape_ok or not industry.name:
        raise ValueError(f"industry row does not fit GB/T 4754 structure: {industry!r}")


@functools.cache
def default_taxonomy() -> Taxonomy:
    """The table in data/gbt4754_2017.csv, loaded on first use and shared."""
    return Taxonomy.load()
