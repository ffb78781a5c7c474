"""Answers before asking: which published answers and policy texts already answer a question as it is typed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matcher.textsearch import SYNONYM_WEIGHT, Document, bm25_scores
from matcher.tokenize import Concept, default_tokenizer, normalised, query_concepts

__all__ = ["MIN_COVERAGE", "QUESTION_FILLERS", "Ranked", "coverage", "question_concepts", "rank_answers"]

# The words of asking, not of the subject: a question's 请问 … 需要哪些 … 怎么办理 match every text alike.
QUESTION_FILLERS = frozenset({
    "请问", "要交", "您好", "你好", "谢谢", "麻烦", "打扰", "我们", "我司", "我们公司", "本公司", "公司", "单位", "我", "想", "想要", "想问", "了解", "一下",
    "咨询", "需要", "需", "哪些", "哪个", "什么", "怎么", "怎样", "怎么样", "如何", "是否", "可以", "能否", "能不能", "有没有", "是不是", "的话", "问题",
    "情况", "具体", "相关", "目前", "现在", "请", "问", "吗", "呢", "多少", "何时", "什么时候", "哪里", "多久", "多长"
})
# Share of the question's own words (weighted by length: 研发费用加计扣除 says more than 办理) a text must hold.
MIN_COVERAGE = 0.4


def question_concepts(question: str) -> list[Concept]:
    """What a typed question is about: the search concepts of its words, without the words of asking."""
    return [c for c in query_concepts(question) if c.wording not in QUESTION_FILLERS]


def _holds(concept: Concept, text: str) -> bool:
    return concept.wording in text or all(term in text for term in concept.terms)


@dataclass(frozen=True)
class _Word:
    """One of the question's own words that no longer one contains, with its synonyms and its parts."""

    concept: Concept
    synonyms: tuple[Concept, ...]
    parts: tuple[Concept, ...]


def _words(concepts: Sequence[Concept]) -> list[_Word]:
    asked = [c for c in concepts if c.asked]
    others = {c.wording: c for c in concepts if not c.asked}
    synonyms = default_tokenizer().synonyms
    words = []
    for concept in asked:
        if any(concept.wording != other.wording and concept.wording in other.wording for other in asked):
            continue  # 实验 inside 实验室: counted as a part of the longer word
        words.append(_Word(concept, tuple(others[w] for w in synonyms.alternatives(concept.wording) if w in others),
                           tuple(c for c in asked if c.wording != concept.wording and c.wording in concept.wording)))
    return words


def _coverage(words: Sequence[_Word], text: str) -> tuple[float, int]:
    """(share of the words' length the text holds, how many words it holds whole or by a synonym)."""
    total = sum(len(w.concept.wording) for w in words)
    held, whole = 0.0, 0
    for word in words:
        size = len(word.concept.wording)
        if _holds(word.concept, text):
            held, whole = held + size, whole + 1
        elif any(_holds(s, text) for s in word.synonyms):
            held, whole = held + SYNONYM_WEIGHT * size, whole + 1
        else:
            held += min(size, sum(len(p.wording) for p in word.parts if _holds(p, text)))
    return (held / total if total else 0.0), whole


def _text(document: Document) -> str:
    return normalised(f"{document.title} {document.body}").lower()


def coverage(concepts: Sequence[Concept], document: Document) -> float:
    """How much of the question the text covers, 0..1: its own words by length (a synonym counts 0.7, the parts of
    a word held without the whole their length)."""
    return _coverage(_words(concepts), _text(document))[0]


@dataclass(frozen=True)
class Ranked:
    """A document that answers the question: its position in the input, BM25 score and coverage."""

    index: int
    score: float
    coverage: float


def rank_answers(concepts: Sequence[Concept], documents: Sequence[Document], corpus_size: int, *, limit: int = 3,
                 min_coverage: float = MIN_COVERAGE) -> list[Ranked]:
    """The documents answering the question, best BM25 first (ties: the earlier one), at most limit.

    One answers when it covers min_coverage of the question and holds two of its words whole (one, when the
    question has one): a text that shares only 实验室 with 量子纠缠的实验室 is not an answer to it.
    """
    if not concepts or not documents:
        return []
    words = _words(concepts)
    needed = min(2, len(words))
    scores = bm25_scores(concepts, documents, corpus_size)
    kept = []
    for i, (document, score) in enumerate(zip(documents, scores, strict=True)):
        if score <= 0:
            continue
        share, whole = _coverage(words, _text(document))
        if share >= min_coverage and whole >= needed:
            kept.append(Ranked(i, score, share))
    kept.sort(key=lambda r: (-round(r.score, 6), r.index))
    return kept[:limit]
