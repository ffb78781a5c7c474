"""Enterprise size (大型/中型/小型/微型) under 统计上大中小微型企业划分办法（2017）, read from a data table."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real
from pathlib import Path
from typing import Any

from matcher._data import DATA_DIR
from matcher.taxonomy import Taxonomy, default_taxonomy

__all__ = [
    "INDICATORS",
    "SIZES",
    "SIZE_NAMES",
    "UNKNOWN",
    "Bounds",
    "IndicatorReading",
    "OutOfScope",
    "ScaleThreshold",
    "SizeResult",
    "SizeRow",
    "SizeStandard",
    "above_scale",
    "default_standard",
    "scale_threshold",
    "size_class",
]

DEFAULT_PATH = DATA_DIR / "size_standard_2017.json"

#: The four classes, largest first.
SIZES = ("large", "medium", "small", "micro")
#: The answer when the size cannot be decided (out of scope, ambiguous code, missing indicator).
UNKNOWN = "unknown"
SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型", UNKNOWN: "未能划型"}
#: Indicator ids, as the keyword arguments of size_class: persons, 万元, 万元.
INDICATORS = ("employees", "revenue_wan", "assets_wan")

Number = int | float | Decimal


@dataclass(frozen=True, slots=True)
class Bounds:
    """The lower bounds of large, medium and small for one indicator; below small is micro."""

    large: Number
    medium: Number
    small: Number

    def tier(self, value: Number) -> str:
        """The size this one indicator alone points to (a value equal to a bound belongs to that tier)."""
        if value >= self.large:
            return "large"
        if value >= self.medium:
            return "medium"
        if value >= self.small:
            return "small"
        return "micro"


@dataclass(frozen=True, slots=True)
class SizeRow:
    """One row of the 附表: an industry (scope in GB/T 4754 codes, minus exclusions) and its indicators' bounds."""

    id: str
    name: str
    scope: tuple[str, ...]
    exclude: tuple[str, ...]
    lower_bounds: Mapping[str, Bounds] = field(hash=False)


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """Industries the standard does not classify, with the Chinese reason given to users."""

    id: str
    name: str
    scope: tuple[str, ...]
    exclude: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ScaleThreshold:
    """A 规模以上/限额以上 concept: which industries it applies to and the revenue it needs (万元, inclusive)."""

    id: str
    name: str
    scope: tuple[str, ...]
    exclude: tuple[str, ...]
    min_revenue_wan: Number
    basis: str


@dataclass(frozen=True, slots=True)
class IndicatorReading:
    """One given indicator and the tier it alone points to."""

    value: Number
    tier: str


@dataclass(frozen=True, slots=True)
class SizeResult:
    """The size of an enterprise, the row used, each indicator's tier and a Chinese explanation."""

    industry_code: str
    size: str
    row: str | None
    row_name: str | None
    indicators: Mapping[str, IndicatorReading] = field(hash=False)
    missing: tuple[str, ...]
    reason: str
    warning: str | None = None


_Entry = SizeRow | OutOfScope | ScaleThreshold


class _ScopeIndex:
    """Finds the entry whose scope covers a code most specifically, and notices codes that straddle entries."""

    def __init__(self, entries: Sequence[_Entry], taxonomy: Taxonomy) -> None:
        """Index entries by scope code and work out, for every code in the table, which entries lie under it."""
        self._taxonomy = taxonomy
        self._by_scope: dict[str, _Entry] = {}
        for entry in entries:
            for code in entry.scope + entry.exclude:
                if not taxonomy.is_known(code) or taxonomy.normalize(code) != code:
                    raise ValueError(f"{entry.id}: scope code {code!r} is not a GB/T 4754-2017 code")
            for code in entry.exclude:
                if not any(taxonomy.covers(s, code) for s in entry.scope):
                    raise ValueError(f"{entry.id}: excluded code {code!r} is outside its scope")
            for code in entry.scope:
                if code in self._by_scope:
                    raise ValueError(f"scope code {code!r} is in both {self._by_scope[code].id} and {entry.id}")
                self._by_scope[code] = entry
        # Every 小类 gets exactly one answer; a higher code is unambiguous only when all its 小类 agree.
        self._under: dict[str, dict[str | None, _Entry | None]] = {}
        for industry in taxonomy.at_level(4):
            entry = self._direct(industry.code)
            for code in taxonomy.ancestors(industry.code):
                self._under.setdefault(code, {})[entry.id if entry else None] = entry

    def ids_under(self, code: str) -> set[str | None]:
        """Ids of the entries the table's 小类 under a code resolve to (None for a 小类 nothing covers)."""
        return set(self._under.get(code, {}))

    def _direct(self, code: str) -> _Entry | None:
        """The most specific entry whose scope covers the code and whose exclusions do not."""
        chain = self._taxonomy.ancestors(code)
        for candidate in reversed(chain):
            entry = self._by_scope.get(candidate)
            if entry is not None and not any(x in chain for x in entry.exclude):
                return entry
        return None

    def resolve(self, code: str) -> tuple[_Entry | None, list[_Entry | None]]:
        """(entry or None, []) when the code falls in one place; (None, the entries it straddles) otherwise."""
        under = self._under.get(code)
        if under is None:
            # Not in the table (checked by the caller to have a known 大类): go by its prefixes, and if
            # none is in any scope, report what its nearest known ancestor straddles.
            entry = self._direct(code)
            if entry is not None:
                return entry, []
            chain = self._taxonomy.ancestors(code)
            return None, (self.resolve(chain[-2])[1] if len(chain) > 1 else [])
        if len(under) == 1:
            return next(iter(under.values())), []
        return None, list(under.values())


class SizeStandard:
    """The size table (rows, out-of-scope industries, 规上/限上 thresholds) bound to a GB/T 4754 taxonomy."""

    def __init__(
        self,
        rows: Sequence[SizeRow],
        out_of_scope: Sequence[OutOfScope],
        thresholds: Sequence[ScaleThreshold],
        indicator_names: Mapping[str, tuple[str, str]],
        taxonomy: Taxonomy,
    ) -> None:
        """Check the table's consistency and index its scopes; indicator_names maps id -> (Chinese name, unit)."""
        for row in rows:
            if not row.lower_bounds:
                raise ValueError(f"{row.id}: a row needs at least one indicator")
            for indicator, bounds in row.lower_bounds.items():
                if indicator not in INDICATORS or indicator not in indicator_names:
                    raise ValueError(f"{row.id}: unknown indicator {indicator!r}")
                if not bounds.large > bounds.medium > bounds.small > 0:
                    raise ValueError(f"{row.id}.{indicator}: bounds must fall strictly from large to small")
        ids = [entry.id for entry in (*rows, *out_of_scope)]
        if len(set(ids)) != len(ids):
            raise ValueError("row ids must be unique")
        self.rows = tuple(rows)
        self.out_of_scope = tuple(out_of_scope)
        self.thresholds = tuple(thresholds)
        self.indicator_names = dict(indicator_names)
        self.taxonomy = taxonomy
        self._sizes = _ScopeIndex([*rows, *out_of_scope], taxonomy)
        self._scales = _ScopeIndex(thresholds, taxonomy)
        uncovered = [ind.code for ind in taxonomy.at_level(1) if None in self._sizes.ids_under(ind.code)]
        if uncovered:
            raise ValueError(f"some 小类 in sections {uncovered} are neither in a size row nor out of scope")

    @classmethod
    def load(cls, path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> SizeStandard:
        """Read the JSON table (default data/size_standard_2017.json) against a taxonomy (default: the shared one)."""
        with open(path if path is not None else DEFAULT_PATH, encoding="utf-8") as handle:
            data = json.load(handle)
        return cls.from_dict(data, taxonomy if taxonomy is not None else default_taxonomy())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], taxonomy: Taxonomy) -> SizeStandard:
        """Build the standard from the parsed JSON layout documented in data/README.md."""
        rows = [
            SizeRow(
                id=row["id"],
                name=row["name"],
                scope=tuple(row["scope"]),
                exclude=tuple(row.get("exclude", ())),
                lower_bounds={ind: Bounds(**bounds) for ind, bounds in row["lower_bounds"].items()},
            )
            for row in data["rows"]
        ]
        out_of_scope = [
            OutOfScope(
                id=item["id"],
                name=item["name"],
                scope=tuple(item["scope"]),
                exclude=tuple(item.get("exclude", ())),
                reason=item["reason"],
            )
            for item in data["out_of_scope"]
        ]
        thresholds = [
            ScaleThreshold(
                id=item["id"],
                name=item["name"],
                scope=tuple(item["scope"]),
                exclude=tuple(item.get("exclude", ())),
                min_revenue_wan=item["min_revenue_wan"],
                basis=item.get("basis", ""),
            )
            for item in data["above_scale"]
        ]
        names = {key: (value["name"], value["unit"]) for key, value in data["indicators"].items()}
        return cls(rows, out_of_scope, thresholds, names, taxonomy)

    def row_for(self, industry_code: str) -> SizeRow | None:
        """The size row an industry code falls in, or None (out of scope, or a code spanning several rows)."""
        code, _ = self.taxonomy.check(industry_code)
        entry, _ = self._sizes.resolve(code)
        return entry if isinstance(entry, SizeRow) else None

    def size_class(
        self,
        industry_code: str,
        employees: Number | None = None,
        revenue_wan: Number | None = None,
        assets_wan: Number | None = None,
    ) -> SizeResult:
        """Classify an enterprise: each indicator's tier, then the lowest of them (note 1 of the standard)."""
        given = {
            name: value
            for name, value in (("employees", employees), ("revenue_wan", revenue_wan), ("assets_wan", assets_wan))
            if _checked(name, value, self.indicator_names) is not None
        }
        code, warning = self.taxonomy.check(industry_code)
        entry, straddled = self._sizes.resolve(code)

        def unknown(
            reason: str,
            row: SizeRow | None = None,
            indicators: Mapping[str, IndicatorReading] | None = None,
            missing: tuple[str, ...] = (),
        ) -> SizeResult:
            return SizeResult(
                industry_code=code,
                size=UNKNOWN,
                row=row.id if row else None,
                row_name=row.name if row else None,
                indicators=indicators or {},
                missing=missing,
                reason=reason,
                warning=warning,
            )

        if straddled:
            names = "、".join(e.name if e is not None else "未覆盖" for e in straddled)
            return unknown(f"行业代码 {code}（{self._label(code)}）跨越多个划型行业（{names}），请提供更具体的行业代码")
        if isinstance(entry, OutOfScope):
            return unknown(entry.reason)
        if not isinstance(entry, SizeRow):  # the constructor makes sure every 小类 has a row
            return unknown(f"行业代码 {code} 不属于本办法的任何划型行业")

        readings = {
            name: IndicatorReading(value=given[name], tier=bounds.tier(given[name]))
            for name, bounds in entry.lower_bounds.items()
            if name in given
        }
        missing = tuple(name for name in entry.lower_bounds if name not in given)
        described = "，".join(
            f"{self.indicator_names[name][0]} {_number(r.value)} {self.indicator_names[name][1]}（{SIZE_NAMES[r.tier]}）"
            for name, r in readings.items()
        )
        lowest = max((r.tier for r in readings.values()), key=SIZES.index, default=None)
        if missing:
            missing_names = "、".join(self.indicator_names[name][0] for name in missing)
            if lowest == "micro":
                # One indicator below the small bound makes a micro enterprise whatever the others are.
                return SizeResult(
                    industry_code=code,
                    size="micro",
                    row=entry.id,
                    row_name=entry.name,
                    indicators=readings,
                    missing=(),
                    reason=f"{entry.name}：{described}，一项指标低于小型下限即为微型（未提供{missing_names}，不影响结果）",
                    warning=warning,
                )
            given_part = f"{described}，" if described else ""
            return unknown(
                f"{entry.name}：{given_part}缺少{missing_names}，无法划型",
                row=entry,
                indicators=readings,
                missing=missing,
            )
        assert lowest is not None
        if len({r.tier for r in readings.values()}) == 1:
            verdict = f"为{SIZE_NAMES[lowest]}"
        else:
            verdict = f"按下限规则取{SIZE_NAMES[lowest]}"
        return SizeResult(
            industry_code=code,
            size=lowest,
            row=entry.id,
            row_name=entry.name,
            indicators=readings,
            missing=(),
            reason=f"{entry.name}：{described}，{verdict}",
            warning=warning,
        )

    def scale_threshold(self, industry_code: str) -> ScaleThreshold | None:
        """The 规模以上/限额以上 concept that applies to an industry, or None (none applies, or the code spans several)."""
        code, _ = self.taxonomy.check(industry_code)
        entry, _ = self._scales.resolve(code)
        return entry if isinstance(entry, ScaleThreshold) else None

    def above_scale(self, industry_code: str, revenue_wan: Number | None) -> bool | None:
        """Whether revenue reaches the 规模以上/限额以上 threshold; None if no concept applies or revenue is missing."""
        revenue = _checked("revenue_wan", revenue_wan, self.indicator_names)
        threshold = self.scale_threshold(industry_code)
        if threshold is None or revenue is None:
            return None
        return revenue >= threshold.min_revenue_wan

    def _label(self, code: str) -> str:
        """The Chinese name of a code, or its nearest known ancestor's for a code not in the table."""
        chain = self.taxonomy.ancestors(code)
        for candidate in reversed(chain):
            name = self.taxonomy.name(candidate)
            if name is not None:
                return name if candidate == code else f"属于 {candidate} {name}"
        return "未知"


def _checked(name: str, value: object, names: Mapping[str, tuple[str, str]]) -> Number | None:
    """Return a given indicator value, or raise (in Chinese) for a negative, non-finite or non-numeric one."""
    if value is None:
        return None
    label = names.get(name, (name, ""))[0]
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise TypeError(f"{label}应为数字，收到的是 {type(value).__name__}")
    if isinstance(value, Decimal):
        finite = value.is_finite()
    else:
        finite = math.isfinite(value)
    if not finite:
        raise ValueError(f"{label}必须是有限的数字：{value}")
    if value < 0:
        raise ValueError(f"{label}不能为负数：{value}")
    return value


def _number(value: Number) -> str:
    """A value as written in a reason: 1500.0 -> "1500", 1500.5 -> "1500.5"."""
    if value == int(value):
        return str(int(value))
    return format(value, "f").rstrip("0").rstrip(".")


@functools.cache
def default_standard() -> SizeStandard:
    """The table in data/size_standard_2017.json against the default taxonomy, loaded on first use and shared."""
    return SizeStandard.load()


@functools.lru_cache(maxsize=4)
def _standard_for(taxonomy: Taxonomy) -> SizeStandard:
    """The default table bound to another taxonomy (cached per taxonomy object)."""
    return SizeStandard.load(taxonomy=taxonomy)


def _standard(taxonomy: Taxonomy | None, standard: SizeStandard | None) -> SizeStandard:
    """The standard to use for the module-level functions."""
    if standard is not None:
        return standard
    if taxonomy is None or taxonomy is default_taxonomy():
        return default_standard()
    return _standard_for(taxonomy)


def size_class(
    industry_code: str,
    employees: Number | None = None,
    revenue_wan: Number | None = None,
    assets_wan: Number | None = None,
    *,
    taxonomy: Taxonomy | None = None,
    standard: SizeStandard | None = None,
) -> SizeResult:
    """Size of an enterprise from its GB/T 4754 code, 从业人员 (persons), 营业收入 and 资产总额 (万元)."""
    return _standard(taxonomy, standard).size_class(industry_code, employees, revenue_wan, assets_wan)


def scale_threshold(
    industry_code: str, *, taxonomy: Taxonomy | None = None, standard: SizeStandard | None = None
) -> ScaleThreshold | None:
    """Which 规模以上/限额以上 concept (e.g. "规模以上工业") applies to an industry code, if any."""
    return _standard(taxonomy, standard).scale_threshold(industry_code)


def above_scale(
    industry_code: str,
    revenue_wan: Number | None,
    *,
    taxonomy: Taxonomy | None = None,
    standard: SizeStandard | None = None,
) -> bool | None:
    """Whether the enterprise is 规模以上/限额以上; None when no such concept applies or revenue is missing."""
    return _standard(taxonomy, standard).above_scale(industry_code, revenue_wan)
