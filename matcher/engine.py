"""An index of enterprise profiles that finds, for one policy, the eligible enterprises, ranked, with reasons."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.criteria import SIZES, Criteria, EnterpriseProfile
from matcher.extract import QualificationList, default_qualifications
from matcher.regions import NATIONWIDE, Regions, default_regions
from matcher.taxonomy import InvalidIndustryCode, Taxonomy, default_taxonomy
from matcher.tokenize import default_tokenizer, pair_tokens

__all__ = [
    "ELIGIBLE",
    "NEED_MORE_INFO",
    "EnterpriseProfile",
    "Tally",
    "Match",
    "MatchIndex",
    "MatchResult",
    "PolicyRules",
    "Relevance",
    "ScopeTokenizer",
]

ELIGIBLE = "eligible"
NEED_MORE_INFO = "need_more_info"

SIZE_NAMES = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
_SECTIONS = "ABCDEFGHIJKLMNOPQRST"

# Bits of the "missing" column: which field a rule needed and the profile lacks (or gives too coarsely).
_MISSING_FIELDS = (
    (1, "industry_code"),
    (2, "size"),
    (4, "region_code"),
    (8, "above_scale"),
)


@dataclass(frozen=True, slots=True)
class Match:
    """One enterprise a policy concerns: eligible, or need_more_info naming the missing profile fields."""

    enterprise_id: int
    eligibility: str
    score: float
    reasons: tuple[str, ...]
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matches of one policy as arrays, ranked: eligible first, then by relevance (best first).

    eligible[i] is False for need_more_info; missing[i] holds bit flags of the fields that are missing.
    """

    enterprise_ids: np.ndarray
    eligible: np.ndarray
    scores: np.ndarray
    missing: np.ndarray
    rows: np.ndarray

    def __len__(self) -> int:
        return int(self.enterprise_ids.shape[0])


@dataclass(frozen=True, slots=True)
class Tally:
    """How many of some profiles fall in each county, size and industry section ("" = not given).

    ``indexed_missing_data`` counts the indexed profiles lacking an industry, a size or a county.
    """

    by_county: dict[str, int]
    by_size: dict[str, int]
    by_section: dict[str, int]
    indexed: int
    indexed_missing_data: int


class ScopeTokenizer:
    """Tokens of a business scope or policy text, item by item, with a cache of items already seen.

    Business scopes are written from the standard 经营范围规范表述目录, so the same items recur across
    enterprises; tokenising each distinct item once makes indexing a million profiles affordable.
    """

    _ITEM = re.compile(r"[；;，,、。\s（）()：:]+")

    def __init__(self, words: Callable[[str], list[str]] | None = None, cache_size: int = 200_000) -> None:
        self._words = words or default_tokenizer().words
        self._cached = functools.lru_cache(maxsize=cache_size)(self._item_tokens)

    def _item_tokens(self, item: str) -> tuple[str, ...]:
        return tuple(self._words(item))

    def __call__(self, text: str) -> list[str]:
        """Tokens of the text in order."""
        out: list[str] = []
        for item in self._ITEM.split(text):
            if item:
                out.extend(self._cached(item))
        return out


class _Columns:
    """Growable numpy columns (capacity doubles), so adding one profile does not copy a million rows."""

    def __init__(self, dtypes: dict[str, np.dtype | type], capacity: int = 1024) -> None:
        self.n = 0
        self._dtypes = dtypes
        self.data = {name: np.empty(capacity, dtype=dtype) for name, dtype in dtypes.items()}

    def reserve(self, extra: int) -> None:
        capacity = next(iter(self.data.values())).shape[0]
        if self.n + extra <= capacity:
            return
        new_capacity = max(self.n + extra, capacity * 2)
        for name, column in self.data.items():
            grown = np.empty(new_capacity, dtype=column.dtype)
            grown[: self.n] = column[: self.n]
            self.data[name] = grown

    def view(self, name: str) -> np.ndarray:
        return self.data[name][: self.n]


class MatchIndex:
    """Enterprise profiles as arrays (industry levels, size, region levels, 规上, qualifications) and TF-IDF rows.

    The scikit-learn shape: parameters in __init__, fit(profiles) returns self, fitted state ends in
    "_". add/update/remove change single profiles without a rebuild (their text is vectorised with the
    fitted vocabulary; call fit again now and then to take in new words).
    """

    def __init__(
        self,
        *,
        taxonomy: Taxonomy | None = None,
        regions: Regions | None = None,
        qualifications: QualificationList | None = None,
        tokenizer: Callable[[str], list[str]] | None = None,
        sublinear_tf: bool = True,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        compact_ratio: float = 0.25,
    ) -> None:
        self.taxonomy = taxonomy
        self.regions = regions
        self.qualifications = qualifications
        self.tokenizer = tokenizer
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.compact_ratio = compact_ratio

    # --- building ------------------------------------------------------------------------------

    def fit(self, profiles: Iterable[EnterpriseProfile]) -> MatchIndex:
        """Index the profiles from scratch: learn the vocabulary and IDF from their texts."""
        self.taxonomy_ = self.taxonomy or default_taxonomy()
        self.regions_ = self.regions or default_regions()
        self.qualifications_ = self.qualifications or default_qualifications()
        from sklearn.feature_extraction.text import TfidfVectorizer  # imported when first needed: a second a process
        self.vectorizer_ = TfidfVectorizer(
            tokenizer=self.tokenizer or ScopeTokenizer(),
            token_pattern=None,
            lowercase=False,
            sublinear_tf=self.sublinear_tf,
            min_df=self.min_df,
            max_df=self.max_df,
            dtype=np.float32,
        )
        self.qualification_names_: list[str] = []
        self._qual_column: dict[str, int] = {}
        self._industry_cache: dict[str, tuple[int, int, int, int, int]] = {}
        self._region_cache: dict[str | None, tuple[int, int, int, int]] = {}
        self._quals_cache: dict[frozenset[str], int] = {}
        self.columns_ = _Columns(
            {
                "id": np.int64,
                "alive": np.bool_,
                "ind_level": np.int8,  # 0 unknown, 1 section … 4 class
                "section": np.int8,
                "division": np.int16,
                "group": np.int16,
                "klass": np.int16,
                "size": np.int8,  # index in SIZES, -1 unknown
                "province": np.int32,
                "city": np.int32,
                "county": np.int32,
                "region_level": np.int8,  # 0 unknown, 1 province, 2 city, 3 county
                "above": np.int8,  # 1, 0, -1 unknown
                "quals": np.uint64,  # bit i = qualification_names_[i] (with implied ones)
                "employees": np.float64,
                "revenue": np.float64,
                "assets": np.float64,
            }
        )
        self.row_of_: dict[int, int] = {}
        profiles = list(profiles)
        self._append_structured(profiles)
        if profiles:
            self.X_ = self.vectorizer_.fit_transform([self._document(p) for p in profiles]).tocsr()
        else:
            # No enterprises yet: learn the words of the industry names, so later additions still get vectors.
            self.vectorizer_.fit([ind.name for ind in self.taxonomy_])
            self.X_ = sp.csr_matrix((0, len(self.vectorizer_.vocabulary_)), dtype=np.float32)
        self._extra_rows: list[sp.csr_matrix] = []
        self.n_dead_ = 0
        return self

    def __len__(self) -> int:
        """Number of enterprises in the index."""
        return len(self.row_of_)

    def add(self, profile: EnterpriseProfile) -> None:
        """Index one more enterprise (ValueError if its id is already there: use update)."""
        if profile.id in self.row_of_:
            raise ValueError(f"enterprise {profile.id} is already indexed")
        self._append_structured([profile])
        self._extra_rows.append(self.vectorizer_.transform([self._document(profile)]).tocsr())

    def update(self, profile: EnterpriseProfile) -> None:
        """Replace an enterprise's profile (adds it when absent)."""
        if profile.id in self.row_of_:
            self._kill(profile.id)
        self.add(profile)
        self._maybe_compact()

    def remove(self, enterprise_id: int) -> None:
        """Drop an enterprise from the index (KeyError if absent)."""
        self._kill(enterprise_id)
        self._maybe_compact()

    def compact(self) -> None:
        """Drop the rows of removed and replaced profiles and merge added rows into the main matrix."""
        self._merge_extra()
        alive = self.columns_.view("alive")
        keep = np.flatnonzero(alive)
        for name, column in self.columns_.data.items():
            self.columns_.data[name] = column[keep].copy()
        self.columns_.n = keep.shape[0]
        self.X_ = self.X_[keep]
        self.row_of_ = {int(i): r for r, i in enumerate(self.columns_.view("id"))}
        self.n_dead_ = 0

    def _kill(self, enterprise_id: int) -> None:
        row = self.row_of_.pop(enterprise_id)
        self.columns_.data["alive"][row] = False
        self.n_dead_ += 1

    def _maybe_compact(self) -> None:
        if self.n_dead_ > 1000 and self.n_dead_ > self.compact_ratio * self.columns_.n:
            self.compact()

    def _merge_extra(self) -> None:
        if self._extra_rows:
            self.X_ = sp.vstack([self.X_, *self._extra_rows], format="csr")
            self._extra_rows = []

    def _document(self, profile: EnterpriseProfile) -> str:
        """The text a profile is ranked by: its business scope and the names of its industry and ancestors."""
        return f"{profile.business_scope}；{self._industry_text(profile.industry_code)}"

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - the index lives as long as its cache should
    def _industry_text(self, code: str) -> str:
        try:
            chain = self.taxonomy_.ancestors(code) if code else []
        except InvalidIndustryCode:
            return ""
        return "；".join(name for c in chain[1:] if (name := self.taxonomy_.name(c)))

    def _append_structured(self, profiles: Sequence[EnterpriseProfile]) -> None:
        cols = self.columns_
        cols.reserve(len(profiles))
        start = cols.n
        cols.n += len(profiles)
        rows = range(start, cols.n)
        if profiles:
            encoded = list(zip(*(self._encode(p) for p in profiles), strict=True))
            for name, index in _ENCODED_FIELDS.items():
                cols.data[name][start : cols.n] = np.asarray(encoded[index], dtype=cols.data[name].dtype)
        cols.data["alive"][start : cols.n] = True
        for row, profile in zip(rows, profiles, strict=True):
            if profile.id in self.row_of_:
                raise ValueError(f"enterprise {profile.id} appears twice")
            self.row_of_[profile.id] = row

    def _encode(self, p: EnterpriseProfile) -> tuple:
        # Codes and qualification sets repeat across enterprises: encode each distinct value once.
        ind = self._industry_cache.get(p.industry_code)
        if ind is None:
            ind = self._industry_cache[p.industry_code] = _industry_levels(p.industry_code, self.taxonomy_)
        reg = self._region_cache.get(p.region_code)
        if reg is None:
            reg = self._region_cache[p.region_code] = _region_levels(p.region_code, self.regions_)
        bits = self._quals_cache.get(p.qualifications)
        if bits is None:
            bits = 0
            for name in self.qualifications_.closure(p.qualifications):
                bits |= 1 << self._qual_bit(name)
            self._quals_cache[p.qualifications] = bits
        return (
            p.id,
            *ind,
            SIZES.index(p.size) if p.size in SIZES else -1,
            *reg,
            -1 if p.above_scale is None else int(bool(p.above_scale)),
            bits,
            np.nan if p.employees is None else p.employees,
            np.nan if p.revenue_wan is None else p.revenue_wan,
            np.nan if p.assets_wan is None else p.assets_wan,
        )

    def _qual_bit(self, name: str) -> int:
        bit = self._qual_column.get(name)
        if bit is None:
            if len(self.qualification_names_) >= 64:
                raise ValueError("the index holds at most 64 distinct qualification names")
            bit = len(self.qualification_names_)
            self._qual_column[name] = bit
            self.qualification_names_.append(name)
        return bit

    # --- matching ------------------------------------------------------------------------------

    def match_arrays(self, criteria: Criteria, policy_text: str = "", *, limit: int | None = None) -> MatchResult:
        """The enterprises a policy concerns as ranked arrays (vectorised; no per-enterprise Python)."""
        ok, missing = self._eligibility(criteria)
        rows = np.flatnonzero(ok)
        scores = self._scores(policy_text, rows)
        eligible = missing[rows] == 0
        # Eligible before need_more_info, then by score, then by id for a stable order.
        ids = self.columns_.view("id")[rows]
        if limit is not None and limit < rows.shape[0]:
            key = np.where(eligible, 2.0, 0.0) + scores
            top = np.argpartition(-key, limit - 1)[:limit]
            rows, scores, eligible, ids = rows[top], scores[top], eligible[top], ids[top]
        order = np.lexsort((ids, -scores, ~eligible))
        rows = rows[order]
        return MatchResult(
            enterprise_ids=ids[order],
            eligible=eligible[order],
            scores=scores[order],
            missing=missing[rows],
            rows=rows,
        )

    def match(self, criteria: Criteria, policy_text: str = "", *, limit: int | None = None) -> list[Match]:
        """Eligible and need_more_info enterprises for a policy, ranked, each with reasons in Chinese."""
        result = self.match_arrays(criteria, policy_text, limit=limit)
        explain = _Explainer(self, criteria)
        return [
            Match(
                enterprise_id=int(result.enterprise_ids[i]),
                eligibility=ELIGIBLE if result.eligible[i] else NEED_MORE_INFO,
                score=round(float(result.scores[i]), 6),
                reasons=explain(int(result.rows[i])),
                missing=tuple(name for bit, name in _MISSING_FIELDS if int(result.missing[i]) & bit),
            )
            for i in range(len(result))
        ]

    def tally(self, rows: np.ndarray) -> Tally:
        """Counts of some indexed rows by county, size and industry section (a preview of a policy's reach)."""
        c = self.columns_.data
        rows = np.asarray(rows, dtype=np.int64)

        def counts(values: np.ndarray) -> dict[int, int]:
            keys, n = np.unique(values, return_counts=True)
            return {int(k): int(v) for k, v in zip(keys, n, strict=True)}

        county = np.where(c["region_level"][rows] == 3, c["county"][rows], -1)
        sizes = counts(c["size"][rows])
        sections = counts(c["section"][rows])
        alive = np.flatnonzero(c["alive"][: self.columns_.n])
        lacking = ((c["ind_level"][alive] == 0) | (c["size"][alive] < 0) | (c["region_level"][alive] < 3))
        return Tally(
            by_county={("" if k < 0 else f"{k:06d}"): v for k, v in counts(county).items()},
            by_size={("" if k < 0 else SIZES[k]): v for k, v in sizes.items()},
            by_section={("" if k < 0 else _SECTIONS[k]): v for k, v in sections.items()},
            indexed=int(alive.shape[0]),
            indexed_missing_data=int(np.count_nonzero(lacking)),
        )

    def scores_of(self, policy_text: str, enterprise_ids: Sequence[int]) -> np.ndarray:
        """Relevance of some indexed profiles to a policy text (cosine of TF-IDF vectors), in the given order."""
        rows = np.array([self.row_of_[i] for i in enterprise_ids], dtype=np.int64)
        return self._scores(policy_text, rows)

    def explain(self, criteria: Criteria, enterprise_id: int) -> tuple[str, ...]:
        """Reasons for one enterprise, also when it is not eligible (why not)."""
        return _Explainer(self, criteria)(self.row_of_[enterprise_id], why_not=True)

    def _eligibility(self, criteria: Criteria) -> tuple[np.ndarray, np.ndarray]:
        """(rows that are eligible or need more info, missing-field bits per row)."""
        c = self.columns_
        ok = c.view("alive").copy()
        missing = np.zeros(c.n, dtype=np.uint8)
        if criteria.industries:
            covered, partial = self._industry_masks(criteria.industries)
            unknown = c.view("ind_level") == 0
            ok &= covered | partial | unknown
            missing |= ((~covered) & (partial | unknown)).astype(np.uint8)
        if criteria.excluded_industries:
            covered, partial = self._industry_masks(criteria.excluded_industries)
            ok &= ~covered
            missing |= (partial | (c.view("ind_level") == 0)).astype(np.uint8)
        if criteria.sizes:
            size = c.view("size")
            allowed = np.isin(size, [SIZES.index(s) for s in criteria.sizes if s in SIZES])
            ok &= allowed | (size < 0)
            missing |= (size < 0).astype(np.uint8) << 1
        if criteria.regions:
            covered, partial = self._region_masks(criteria.regions)
            unknown = c.view("region_level") == 0
            ok &= covered | partial | unknown
            missing |= ((~covered) & (partial | unknown)).astype(np.uint8) << 2
        if criteria.above_scale_only:
            above = c.view("above")
            ok &= above != 0
            missing |= (above < 0).astype(np.uint8) << 3
        if criteria.qualifications:
            wanted = 0
            for name in criteria.qualifications:
                bit = self._qual_column.get(self.qualifications_.canonical(name))
                if bit is not None:
                    wanted |= 1 << bit
            ok &= (c.view("quals") & np.uint64(wanted)) != 0
        return ok, missing

    def _industry_masks(self, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(profiles whose industry lies under one of the codes, profiles coded too coarsely to tell)."""
        c = self.columns_
        level = c.view("ind_level")
        columns = [None, c.view("section"), c.view("division"), c.view("group"), c.view("klass")]
        covered = np.zeros(c.n, dtype=bool)
        partial = np.zeros(c.n, dtype=bool)
        for code in codes:
            values = _industry_levels(code, self.taxonomy_)
            code_level = values[0]
            if code_level == 0:
                continue
            covered |= columns[code_level] == values[code_level]
            for coarser in range(1, code_level):
                partial |= (level == coarser) & (columns[coarser] == values[coarser])
        return covered, partial

    def _region_masks(self, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(profiles located inside one of the areas, profiles located too coarsely to tell)."""
        c = self.columns_
        level = c.view("region_level")
        columns = [None, c.view("province"), c.view("city"), c.view("county")]
        covered = np.zeros(c.n, dtype=bool)
        partial = np.zeros(c.n, dtype=bool)
        for code in codes:
            values = _region_levels(code, self.regions_)
            area_level = values[3]
            if self.regions_.canonical(code) == NATIONWIDE:
                covered |= True
                continue
            if area_level == 0:
                continue
            covered |= columns[area_level] == values[area_level - 1]
            for coarser in range(1, area_level):
                partial |= (level == coarser) & (columns[coarser] == values[coarser - 1])
        return covered, partial

    def _scores(self, policy_text: str, rows: np.ndarray) -> np.ndarray:
        """Cosine similarity between the policy text and each row's text (rows are L2-normalised)."""
        if not policy_text or rows.shape[0] == 0:
            return np.zeros(rows.shape[0], dtype=np.float32)
        query = self.vectorizer_.transform([policy_text])
        if query.nnz == 0:
            return np.zeros(rows.shape[0], dtype=np.float32)
        q = np.asarray(query.toarray()).ravel().astype(np.float32)
        blocks = [self.X_, *self._extra_rows]
        all_scores = np.concatenate([np.asarray(block @ q).ravel() for block in blocks])
        return all_scores[rows].astype(np.float32)


# Index of each encoded column in the tuple _encode returns.
_ENCODED_FIELDS = {
    "id": 0,
    "ind_level": 1,
    "section": 2,
    "division": 3,
    "group": 4,
    "klass": 5,
    "size": 6,
    "province": 7,
    "city": 8,
    "county": 9,
    "region_level": 10,
    "above": 11,
    "quals": 12,
    "employees": 13,
    "revenue": 14,
    "assets": 15,
}


def _industry_levels(code: str | None, taxonomy: Taxonomy) -> tuple[int, int, int, int, int]:
    """(level, section index, division, group, class) of an industry code; -1 where a level is not given."""
    if not code:
        return (0, -1, -1, -1, -1)
    try:
        normalized = taxonomy.normalize(code)
    except InvalidIndustryCode:
        return (0, -1, -1, -1, -1)
    if normalized.isalpha():
        return (1, _SECTIONS.index(normalized), -1, -1, -1)
    section = taxonomy.section_of(normalized)
    digits = len(normalized)
    return (
        digits,
        _SECTIONS.index(section) if section else -1,
        int(normalized[:2]),
        int(normalized[:3]) if digits >= 3 else -1,
        int(normalized) if digits == 4 else -1,
    )


def _region_levels(code: str | None, regions: Regions) -> tuple[int, int, int, int]:
    """(province, prefecture, county, level) of a region code as ints, -1 where not given; level 0 = unknown.

    Levels follow the code's shape (370000 province, 371600 prefecture, 371681 county), so a district
    of a municipality (110105) is a county with no prefecture, as in GB/T 2260.
    """
    if not code:
        return (-1, -1, -1, 0)
    out = [-1, -1, -1]
    level = 0
    for part in regions.ancestors(code)[1:]:
        lvl = 1 if part.endswith("0000") else 2 if part.endswith("00") else 3
        out[lvl - 1] = int(part)
        level = max(level, lvl)
    return (out[0], out[1], out[2], level)


def _number(value: float) -> str:
    """A number as people write it: 120, 1500, 12.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Reasons:
    """Chinese reasons built from plain values (codes, figures), shared by the index and PolicyRules."""

    def __init__(self, criteria: Criteria, taxonomy: Taxonomy, regions: Regions) -> None:
        self.criteria = criteria
        self.tax = taxonomy
        self.regions = regions
        self._industry = functools.lru_cache(maxsize=8192)(self._industry_reason)
        self._region = functools.lru_cache(maxsize=8192)(self._region_reason)
        # The size reason's words around the figures, per size: it is written once per matched firm.
        wanted = "、".join(SIZE_NAMES[s] for s in criteria.sizes)
        self._size_unknown = f"规模：未知，政策限{wanted}企业，请补充从业人员、营业收入等指标以确定规模"
        self._size_words = [(f"规模：{SIZE_NAMES[s]}", "" if s in criteria.sizes else f"，政策限{wanted}企业")
                            for s in SIZES]

    def _above_reason(self, above: int, revenue: float) -> str:
        if above < 0:
            return "规上/限上：未知，政策仅支持规模以上/限额以上企业，请补充营业收入或纳统情况"
        figure = f"（营业收入 {_number(revenue)} 万元）" if revenue == revenue else ""  # not NaN
        return f"规上/限上：{'是' if above else '否'}{figure}"

    def _qualifications_reason(self, held: list[str]) -> str:
        wanted = "、".join(self.criteria.qualifications)
        return f"资质：{'、'.join(held)}" if held else f"资质：不具备政策要求的{wanted}"

    def _size_text(self, size: int, employees: float, revenue: float, assets: float) -> str:
        if size < 0:
            return self._size_unknown
        figures = []
        if employees == employees:  # not NaN
            figures.append(f"从业人员 {_number(employees)} 人")
        if revenue == revenue:
            figures.append(f"营业收入 {_number(revenue)} 万元")
        if assets == assets:
            figures.append(f"资产总额 {_number(assets)} 万元")
        name, verdict = self._size_words[size]
        return f"{name}（{'，'.join(figures)}）{verdict}" if figures else name + verdict

    def _industry_reason(self, code: str) -> str:
        if not code:
            return "行业：未填写行业代码，无法判断是否属于政策支持的行业，请补充"
        label = f"{code} {self._name(code)}"
        for excluded in self.criteria.excluded_industries:
            if self.tax.covers(excluded, code):
                return f"行业：{label}，属于政策排除的 {excluded} {self._name(excluded)}"
        if not self.criteria.industries:
            return f"行业：{label}，不在政策排除的行业之列"
        for wanted in self.criteria.industries:
            if self.tax.covers(wanted, code):
                if wanted == code:
                    return f"行业：{label}，属于政策支持的行业"
                return f"行业：{label}，属于政策支持的 {wanted} {self._name(wanted)}"
        for wanted in self.criteria.industries:
            if self.tax.covers(code, wanted):
                return f"行业：{label}，政策支持其中的 {wanted} {self._name(wanted)}，请补充更具体的行业代码（小类）"
        supported = "、".join(f"{w} {self._name(w)}" for w in self.criteria.industries)
        return f"行业：{label}，不属于政策支持的行业（{supported}）"

    def _name(self, code: str) -> str:
        for candidate in reversed(self.tax.ancestors(code)):
            name = self.tax.name(candidate)
            if name:
                return name
        return ""

    def _region_reason(self, code: str) -> str:
        if any(self.regions.canonical(area) == NATIONWIDE for area in self.criteria.regions):
            return f"地区：{self.regions.name(code)}，政策全国适用" if code else "地区：政策全国适用"
        if not code:
            names = "、".join(self.regions.name(r) or r for r in self.criteria.regions)
            return f"地区：未填写所在地区，政策限{names}，请补充"
        name = self.regions.name(code) or code
        for area in self.criteria.regions:
            if self.regions.covers(area, code):
                if self.regions.canonical(area) == self.regions.canonical(code):
                    return f"地区：{name}"
                return f"地区：{name}，属于{self.regions.name(area)}"
        for area in self.criteria.regions:
            if self.regions.covers(code, area):
                return f"地区：{name}，政策仅限其中的{self.regions.name(area)}，请补充所在区县"
        names = "、".join(self.regions.name(r) or r for r in self.criteria.regions)
        return f"地区：{name}，不在政策适用的{names}"


class _Explainer(_Reasons):
    """Chinese reasons for one policy's matches, with per-policy caches (many enterprises share a code)."""

    def __init__(self, index: MatchIndex, criteria: Criteria) -> None:
        super().__init__(criteria, index.taxonomy_, index.regions_)
        self.index = index

    def __call__(self, row: int, why_not: bool = False) -> tuple[str, ...]:
        c = self.index.columns_.data
        reasons = []
        if self.criteria.industries or self.criteria.excluded_industries:
            reasons.append(self._industry(_code_of_row(c, row)))
        if self.criteria.sizes:
            reasons.append(self._size_reason(row))
        if self.criteria.regions:
            reasons.append(self._region(_region_of_row(c, row)))
        if self.criteria.above_scale_only:
            reasons.append(self._above_reason(int(c["above"][row]), float(c["revenue"][row])))
        if self.criteria.qualifications:
            held = [
                name
                for name in self.criteria.qualifications
                if (bit := self.index._qual_column.get(self.index.qualifications_.canonical(name))) is not None
                and int(c["quals"][row]) >> bit & 1
            ]
            reasons.append(self._qualifications_reason(held))
        return tuple(reasons)

    def _size_reason(self, row: int) -> str:
        c = self.index.columns_.data
        # Plain floats: numpy scalars make each comparison and format several times slower.
        return self._size_text(int(c["size"][row]), float(c["employees"][row]), float(c["revenue"][row]),
                               float(c["assets"][row]))


def _code_of_row(c: dict[str, np.ndarray], row: int) -> str:
    """The industry code a row was indexed with."""
    level = int(c["ind_level"][row])
    if level == 0:
        return ""
    if level == 1:
        return _SECTIONS[int(c["section"][row])]
    column = {2: "division", 3: "group", 4: "klass"}[level]
    return f"{int(c[column][row]):0{level}d}"


def _region_of_row(c: dict[str, np.ndarray], row: int) -> str:
    """The region code a row was indexed with (its most specific level)."""
    level = int(c["region_level"][row])
    if level == 0:
        return ""
    return f"{int(c[{1: 'province', 2: 'city', 3: 'county'}[level]][row]):06d}"


class PolicyRules(_Reasons):
    """One policy's criteria applied to single profiles, without an index: verdict, missing fields, reasons.

    The same rules and words as MatchIndex, for a caller that reads the profiles itself (from a
    database) and evaluates each distinct combination of codes once.
    """

    def __init__(self, criteria: Criteria, *, taxonomy: Taxonomy | None = None, regions: Regions | None = None,
                 qualifications: QualificationList | None = None) -> None:
        super().__init__(criteria, taxonomy or default_taxonomy(), regions or default_regions())
        self.qualifications = qualifications or default_qualifications()

    def verdict(self, profile: EnterpriseProfile) -> tuple[str | None, tuple[str, ...]]:
        """(eligible, need_more_info or None when the policy does not concern the profile; missing field names)."""
        criteria = self.criteria
        missing = 0
        industry = self._indexed_industry(profile.industry_code)
        if criteria.industries:
            if not industry:
                missing |= 1
            elif not any(self._covers(w, industry) for w in criteria.industries):
                if not any(self._covers(industry, w) for w in criteria.industries):
                    return None, ()
                missing |= 1  # coded as 32 where the policy wants 3216
        if criteria.excluded_industries:
            if industry and any(self._covers(x, industry) for x in criteria.excluded_industries):
                return None, ()
            if not industry or any(self._covers(industry, x) for x in criteria.excluded_industries):
                missing |= 1
        if criteria.sizes:
            if profile.size not in SIZES:
                missing |= 2
            elif profile.size not in criteria.sizes:
                return None, ()
        region = self._indexed_region(profile.region_code)
        if criteria.regions and not any(self.regions.canonical(r) == NATIONWIDE for r in criteria.regions):
            if not region:
                missing |= 4
            elif not any(self.regions.covers(a, region) for a in criteria.regions):
                if not any(self.regions.covers(region, a) for a in criteria.regions):
                    return None, ()
                missing |= 4  # registered as 滨州市 where the policy wants 博兴县
        if criteria.above_scale_only:
            if profile.above_scale is None:
                missing |= 8
            elif not profile.above_scale:
                return None, ()
        if criteria.qualifications:
            held = self.qualifications.closure(profile.qualifications)
            if not held & {self.qualifications.canonical(q) for q in criteria.qualifications}:
                return None, ()
        names = tuple(name for bit, name in _MISSING_FIELDS if missing & bit)
        return (NEED_MORE_INFO if missing else ELIGIBLE), names

    def reasons(self, profile: EnterpriseProfile) -> tuple[str, ...]:
        """The reasons in Chinese, as MatchIndex gives them for the same profile."""
        criteria = self.criteria
        reasons = []
        if criteria.industries or criteria.excluded_industries:
            reasons.append(self._industry(self._indexed_industry(profile.industry_code)))
        if criteria.sizes:
            reasons.append(self.size_reason(profile.size, profile.employees, profile.revenue_wan, profile.assets_wan))
        if criteria.regions:
            reasons.append(self._region(self._indexed_region(profile.region_code)))
        if criteria.above_scale_only:
            reasons.append(self.above_reason(profile.above_scale, profile.revenue_wan))
        if criteria.qualifications:
            held = self.qualifications.closure(profile.qualifications)
            reasons.append(self._qualifications_reason(
                [name for name in criteria.qualifications if self.qualifications.canonical(name) in held]))
        return tuple(reasons)

    def indexed_codes(self, industry_code: str | None, region_code: str | None) -> tuple[str, str, str]:
        """(industry code, its section letter, region code) as the index holds them; "" where unknown."""
        industry = self._indexed_industry(industry_code)
        section = industry if industry.isalpha() else (self.tax.section_of(industry) or "") if industry else ""
        return industry, section, self._indexed_region(region_code)

    def figure_slots(self) -> tuple[int | None, int | None]:
        """Where in ``reasons()`` the two reasons that quote a firm's own figures are: (size, 规上), None if absent."""
        criteria = self.criteria
        at = int(bool(criteria.industries or criteria.excluded_industries))
        size = at if criteria.sizes else None
        at += bool(criteria.sizes) + bool(criteria.regions)
        return size, (at if criteria.above_scale_only else None)

    def size_reason(self, size: str | None, employees: float | None, revenue_wan: float | None,
                    assets_wan: float | None) -> str:
        """The size reason, quoting the figures it was derived from."""
        return self._size_text(SIZES.index(size) if size in SIZES else -1, _plain(employees), _plain(revenue_wan),
                               _plain(assets_wan))

    def above_reason(self, above_scale: bool | None, revenue_wan: float | None) -> str:
        """The 规上/限上 reason, quoting the revenue."""
        return self._above_reason(-1 if above_scale is None else int(bool(above_scale)), _plain(revenue_wan))

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - one policy's rules, as long as they live
    def _indexed_industry(self, code: str | None) -> str:
        """The code as the index holds it (normalised), "" when missing or invalid."""
        level, *values = _industry_levels(code, self.tax)
        names = ("section", "division", "group", "klass")
        return _code_of_row({"ind_level": [level], **{n: [v] for n, v in zip(names, values, strict=True)}}, 0)

    @functools.lru_cache(maxsize=8192)  # noqa: B019
    def _indexed_region(self, code: str | None) -> str:
        """The most specific current code of the region, "" when missing or unknown."""
        province, city, county, level = _region_levels(code, self.regions)
        return _region_of_row({"region_level": [level], "province": [province], "city": [city],
                               "county": [county]}, 0)

    @functools.lru_cache(maxsize=8192)  # noqa: B019
    def _covers(self, outer: str, inner: str) -> bool:
        return self.tax.covers(outer, inner)


def _plain(value: float | None) -> float:
    return float("nan") if value is None else float(value)


class Relevance:
    """How relevant profiles are to one policy text, without a fitted corpus: the cosine of sublinear term
    frequencies (1 + log tf) of the policy text and of each profile's scope and industry names.

    Terms are character pairs (``pair_tokens``): no dictionary to load, so the first publish after a
    start does not wait for one.

    Equal documents recur (standard 经营范围 wording, the same industry), so each distinct one is scored once.
    """

    def __init__(self, policy_text: str, *, taxonomy: Taxonomy | None = None,
                 tokenizer: Callable[[str], list[str]] | None = None) -> None:
        self.taxonomy = taxonomy or default_taxonomy()
        self.tokenizer = tokenizer or pair_tokens
        self._query = _unit_weights(self.tokenizer(policy_text)) if policy_text else {}
        self._scores: dict[tuple[str, str], float] = {}

    def score(self, business_scope: str | None, industry_code: str | None) -> float:
        """Cosine similarity in [0, 1] between the policy text and the profile's document."""
        key = (business_scope or "", industry_code or "")
        found = self._scores.get(key)
        if found is None:
            if not self._query:
                found = 0.0
            else:
                document = f"{key[0]}；{_industry_names(self.taxonomy, key[1])}"
                weights = _unit_weights(self.tokenizer(document))
                query = self._query
                found = float(np.float32(sum(w * query[t] for t, w in weights.items() if t in query)))
            if len(self._scores) < 500_000:
                self._scores[key] = found
        return found


def _unit_weights(tokens: list[str]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    weights = {t: 1.0 + math.log(n) for t, n in counts.items()}
    norm = sum(w * w for w in weights.values()) ** 0.5
    return {t: w / norm for t, w in weights.items()} if norm else {}


def _industry_names(taxonomy: Taxonomy, code: str) -> str:
    try:
        chain = taxonomy.ancestors(code) if code else []
    except InvalidIndustryCode:
        return ""
    return "；".join(name for c in chain[1:] if (name := taxonomy.name(c)))
