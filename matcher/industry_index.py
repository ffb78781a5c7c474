"""GB/T 4754-2017's own words — class names and their explanatory notes (说明) — as a search index.

A policy names a sector in everyday words (先进高分子材料, 预制菜, 轴承齿轮): the hand keyword list can
never hold them all, but the standard's notes usually do ("…包括各种合成树脂、合成橡胶、合成纤维…").
The index is scikit-learn TF-IDF over character n-grams (Chinese sector words are compounds that jieba
splits inconsistently; n-grams of two and three characters match them either way), one document per
class (name, note, and the names above it), and a phrase is looked up by cosine similarity.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matcher._data import DATA_DIR
from matcher.taxonomy import Taxonomy, default_taxonomy

__all__ = ["IndustryHit", "IndustryIndex", "default_industry_index", "load_notes"]

NOTES_PATH = DATA_DIR / "gbt4754_2017_notes.csv"
# Words every note uses ("包括…的活动", "指…") and that name no sector.
_NOTE_NOISE = ("本门类包括", "本大类包括", "包括", "不包括", "指", "的活动", "活动", "以及", "其他", "未列明", "相关")
#: The least score of a group's best class for the group to be named (see IndustryIndex.lookup_sector).
GROUP_MIN_BEST = 0.2


@dataclass(frozen=True, slots=True)
class IndustryHit:
    """A code the phrase reads as, with its confidence (0–1): a class's cosine similarity, or a group's aggregate."""

    code: str
    name: str
    score: float


def load_notes(path: str | Path | None = None) -> dict[str, str]:
    """code → 说明 text, from data/gbt4754_2017_notes.csv (see gbt4754_2017_notes.md for its source)."""
    with open(path or NOTES_PATH, encoding="utf-8", newline="") as handle:
        return {row["code"]: row["note"] for row in csv.DictReader(handle)}


def _clean(text: str) -> str:
    for word in _NOTE_NOISE:
        text = text.replace(word, " ")
    return text


class IndustryIndex:
    """Phrase → the GB/T 4754 classes whose names and notes it resembles (TF-IDF, character 2–3-grams)."""

    def __init__(self, ngram_range: tuple[int, int] = (2, 3), level: int = 4) -> None:
        self.ngram_range = ngram_range
        self.level = level

    def fit(self, taxonomy: Taxonomy | None = None, notes: Mapping[str, str] | None = None) -> IndustryIndex:
        """One document per class at `level`: its name twice (names weigh most), its note, its parents' names."""
        tax = taxonomy or default_taxonomy()
        notes = load_notes() if notes is None else notes
        self.codes_ = [i.code for i in tax.at_level(self.level)]
        self.names_ = {i.code: i.name for i in tax.at_level(self.level)}
        documents = []
        for code in self.codes_:
            parents = [tax.name(a) or "" for a in tax.ancestors(code)[:-1][-2:]]
            documents.append(" ".join([self.names_[code]] * 2 + [_clean(notes.get(code, "")), *parents]))
        from sklearn.feature_extraction.text import TfidfVectorizer  # imported when first needed: a second a process
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=self.ngram_range, sublinear_tf=True)
        self.matrix_ = self.vectorizer_.fit_transform(documents)
        # The 大类 and 中类 over the classes, each with the rows of its classes, for lookup_sector.
        position = {code: i for i, code in enumerate(self.codes_)}
        groups: dict[str, list[int]] = {}
        for code in self.codes_:
            for above in tax.ancestors(code)[1:-1]:
                groups.setdefault(above, []).append(position[code])
        self.groups_ = {code: np.array(rows) for code, rows in groups.items() if len(rows) > 1}
        self.group_names_ = {code: tax.name(code) or "" for code in self.groups_}
        return self

    def lookup(self, phrase: str, top: int = 3) -> list[IndustryHit]:
        """The `top` classes most like the phrase, best first (score 0 means nothing in common)."""
        scores = self._scores(phrase)
        if scores is None:
            return []
        best = np.argsort(-scores)[:top]
        return [IndustryHit(self.codes_[i], self.names_[self.codes_[i]], float(scores[i])) for i in best if scores[i] > 0]


    def lookup_sector(self, phrase: str, top: int = 3) -> list[IndustryHit]:
        """The codes a sector phrase names at their most natural level, best first.

        An everyday word (客运, 纺织服装, 软件) is like many classes of one group a little and like none much;
        that it fits most of a group's classes is what says it names the group. A 中类 or 大类 is a
        candidate when its best class scores at least GROUP_MIN_BEST (below that only words every name
        shares, 制造 or 技术, fit) and at least half its classes score at least two thirds of that best;
        its confidence is the best score times the square root of how many classes fit (capped at 1),
        so the widest group the word fits wins over each of its classes.
        """
        scores = self._scores(phrase)
        if scores is None:
            return []
        hits = {self.codes_[i]: (float(scores[i]), self.names_[self.codes_[i]]) for i in np.flatnonzero(scores)}
        for code, rows in self.groups_.items():
            inside = scores[rows]
            best = float(inside.max())
            if best < GROUP_MIN_BEST:
                continue
            fitting = int((inside >= best * 2 / 3).sum())
            if 2 * fitting >= len(rows) and fitting > 1:
                hits[code] = (min(1.0, best * fitting ** 0.5), self.group_names_[code])
        ranked = sorted(hits.items(), key=lambda item: (-item[1][0], len(item[0]), item[0]))
        kept: list[IndustryHit] = []
        for code, (score, name) in ranked:
            if any(code.startswith(k.code) for k in kept):
                continue  # a class of a group already named adds nothing
            kept.append(IndustryHit(code, name, score))
            if len(kept) == top:
                break
        return kept

    def _scores(self, phrase: str) -> np.ndarray | None:
        query = self.vectorizer_.transform([phrase])
        if query.nnz == 0:
            return None
        return (self.matrix_ @ query.T).toarray().ravel()


@functools.cache
def default_industry_index() -> IndustryIndex:
    """The index over the default taxonomy and notes, built on first use (about a second) and shared."""
    return IndustryIndex().fit()
