"""Answers before asking: which published answers and policy texts already answer a question as it is typed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.textsearch import SYNONYM_WEIGHT, Document, bm25_scores
from matcher.tokenize import Concept, normalised, query_concepts

__all__ = ["MIN_COVERAGE", "QUESTION_FILLERS", "Ranked", "coverage", "question_concepts", "rank_answers"]

# The words of asking, not of the subject: a question's 请问 … 需要哪些 … 怎么办理 match every text alike.
QUESTION_FILLERS = frozenset({
    "请问", "要交", "您好", "你好", "谢谢", "麻烦", "打扰", "我们", "我司", "我们公司", "本公司", "公司", "单位", "我", "想", "想要", "想问", "了解", "一下",
    "咨询", "需要", "需", "哪些", "哪个", "什么", "怎么", "怎样", "怎么样", "如何", "是否", "可以", "能否", "能不能", "有没有", "是不是", "的话", "问题",
    "情况", "具体", "相关", "目前", "现在", "请", "问", "吗", "呢", "多少", "何时", "什么时候", "哪里"
})
# Share of the question's own words (weighted by length: 研发费用加计扣除 says more than 办理) a text must hold.
MIN_COVERAGE = 0.4


def question_concepts(question: str) -> list[Concept]:
    """What a typed question is about: the search concepts of its words, without the words of asking."""
    return [c for c in query_concepts(question) if c.wording not in QUESTION_FILLERS]


def _holds(concept: Concept, text: str) -> bool:
    return concept.wording in text or all(term in text for term in concept.terms)


def coverage(concepts: Sequence[Concept], document: Document) -> float:
    """How much of the question the text covers, 0..1: its asked words by length, a synonym counting 0.7."""
    asked = sum(len(c.wording) for c in concepts if c.asked)
    if not asked:
        return 0.0
    text = normalised(f"{document.title} {document.body}").lower()
    held = sum(len(c.wording) * (1.0 if c.asked else SYNONYM_WEIGHT) for c in concepts if _holds(c, text))
    return min(1.0, held / asked)


@dataclass(frozen=True)
class Ranked:
    """A document that answers the question: its position in the input, BM25 score and coverage."""

    index: int
    score: float
    coverage: float


def rank_answers(concepts: Sequence[Concept], documents: Sequence[Document], corpus_size: int, *, limit: int = 3,
                 min_coverage: float = MIN_COVERAGE) -> list[Ranked]:
    """The documents covering enough of the question, best BM25 first (ties: the earlier document), at most limit."""
    if not concepts or not documents:
        return []
    scores = bm25_scores(concepts, documents, corpus_size)
    ranked = [Ranked(i, score, coverage(concepts, doc)) for i, (doc, score) in enumerate(zip(documents, scores,
                                                                                            strict=True))]
    kept = [r for r in ranked if r.score > 0 and r.coverage >= min_coverage]
    kept.sort(key=lambda r: (-round(r.score, 6), r.index))
    return kept[:limit]
