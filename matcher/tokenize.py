"""Chinese tokenisation with the project's own jieba dictionary and stopwords."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

import jieba

from matcher._data import DATA_DIR

__all__ = [
    "Concept", "PolicyTokenizer", "Synonyms", "default_tokenizer", "index_tokens", "normalised", "pair_tokens", "query_concepts",
    "query_tokens",
    "simplified", "weak_words", "words",
]

_WORD = re.compile(r"[\w\u3400-\u9fff\U00020000-\U0002ffff]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]+")
_ASCII_WORD = re.compile(r"[0-9a-z]+")
MAX_CONCEPTS = 40


def _bigrams(text: str) -> list[str]:
    """Every pair of adjacent Chinese characters in each run of them; a run of one gives that character."""
    out = []
    for run in _CJK_RUN.findall(text):
        out.extend([run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)])
    return out


def pair_tokens(text: str) -> list[str]:
    """Tokens for ranking without a dictionary: the character pairs of each Chinese run, and ASCII words."""
    text = normalised(text).lower()
    return _bigrams(text) + _ASCII_WORD.findall(text)


def concept_terms(word: str) -> tuple[str, ...]:
    """The index terms a text must all hold to contain the word: its character pairs and its ASCII words."""
    terms = dict.fromkeys(_bigrams(word) + _ASCII_WORD.findall(word.lower()))
    return tuple(terms)


@dataclass(frozen=True)
class Concept:
    """One thing a query looks for: a wording (the query's own or a synonym) and the index terms it needs."""

    wording: str
    terms: tuple[str, ...]
    asked: bool = True
    # Concepts of one stretch of the query (a word, the words inside it, the table words overlapping it, and their
    # synonyms) share a group: a text is credited once per group, for its best wording, not once per wording.
    group: int = 0
    # A word of almost every text (data/search/weak_words.txt): it counts, but little.
    weak: bool = False


@cache
def weak_words(path: Path | None = None) -> frozenset[str]:
    """Words that occur in almost every policy or query, read from data/search/weak_words.txt."""
    lines = (path or DATA_DIR / "search" / "weak_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(normalised(w.strip()).lower() for w in lines if w.strip() and not w.startswith("#"))


class Synonyms:
    """Groups of words that mean the same in policy language (data/search/synonyms.txt)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or DATA_DIR / "search" / "synonyms.txt"

    @cached_property
    def groups_(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            group = [normalised(w.strip()).lower() for w in line.split("=") if w.strip()]
            for word in group:
                out.setdefault(word, [])
                out[word].extend(w for w in group if w != word and w not in out[word])
        return {word: tuple(alts) for word, alts in out.items()}

    def related(self, text: str, limit: int = 12) -> list[str]:
        """Words of the table sharing characters with the text, most shared first: what to suggest instead."""
        chars = set(_CJK.findall(normalised(text)))
        # Half the query's characters, or two: 贴钱 → 贴息, but 量子纠缠 is not near 跨境电子商务 for one 子.
        enough = min(2, -(-len(chars) // 2))
        shared = [(len(chars & set(word)), word) for word in self.groups_]
        return [word for n, word in sorted(shared, key=lambda x: (-x[0], len(x[1]), x[1])) if n and n >= enough][:limit]

    def alternatives(self, word: str) -> tuple[str, ...]:
        """Other wordings of the word; empty when it is in no group."""
        return self.groups_.get(word, ())


class PolicyTokenizer:
    """A jieba.Tokenizer of our own (never the global one) with policy vocabulary and stopwords."""

    def __init__(self, userdict: Path | None = None, stopwords: Path | None = None) -> None:
        self.userdict = userdict or DATA_DIR / "jieba_userdict.txt"
        self.stopwords_path = stopwords or DATA_DIR / "stopwords.txt"
        self._lock = threading.Lock()
        self.synonyms = Synonyms()

    @cached_property
    def stopwords(self) -> frozenset[str]:
        lines = self.stopwords_path.read_text(encoding="utf-8").splitlines()
        return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        with self._lock:
            tokenizer.initialize()
            with open(self.userdict, "rb") as f:
                tokenizer.load_userdict(f)
        return tokenizer

    def _keep(self, token: str) -> bool:
        token = token.strip()
        return bool(token) and bool(_WORD.search(token)) and token not in self.stopwords

    def words(self, text: str) -> list[str]:
        """Words of the text in order, lower-cased, without punctuation and stopwords."""
        return [t.strip().lower() for t in self._jieba.lcut(text) if self._keep(t)]

    def index_tokens(self, text: str) -> list[str]:
        """Tokens for a full-text index: every pair of adjacent Chinese characters, each single one, ASCII words.

        Pairs rather than jieba words, so no word hides inside a longer token (专精特新 in 专精特新中小企业, 小微 in
        中小微); the single characters let a one-character query (铝) find 铝业.
        """
        text = normalised(text).lower()
        out = _bigrams(text)
        out.extend(ch for ch in _CJK.findall(text) if ch not in self.stopwords)
        out.extend(_ASCII_WORD.findall(text))
        return out

    def query_concepts(self, query: str) -> list[Concept]:
        """What a search looks for: per query word and each of its synonyms, the index terms a text must all hold.

        A text matching more of them ranks higher; none of them is required on its own. Single characters count
        only when the query has nothing longer (铝), since alone they match nearly every text. Words of the synonym
        table inside the query count even where jieba cuts across them (税收优惠 in 软件企业税收优惠), and the words
        of one stretch of the query form one group (see Concept.group).
        """
        query = normalised(query).lower()
        spans = [(start, end, word.strip()) for word, start, end in self._jieba.tokenize(query, mode="search")
                 if self._keep(word)]
        spans += [(m.start(), m.end(), w) for w in self.synonyms.groups_ if len(w) > 1 and w in query
                  for m in re.finditer(re.escape(w), query)]
        longer = [s for s in spans if len(s[2]) > 1 or s[2].isascii()]
        spans = sorted(set(longer or spans), key=lambda s: (s[0], -s[1]))
        concepts: dict[tuple[str, ...], Concept] = {}
        group, reach = -1, -1
        for start, end, word in spans:
            if start >= reach:
                group += 1
            reach = max(reach, end)
            for wording in (word, *self.synonyms.alternatives(word)):
                terms = concept_terms(wording)
                if terms and terms not in concepts:
                    concepts[terms] = Concept(wording, terms, wording in query, group, wording in weak_words())
        return list(concepts.values())[:MAX_CONCEPTS]

    def query_tokens(self, query: str) -> list[str]:
        """Tokens of a search query, each of which a matching text must contain."""
        seen: dict[str, None] = {}
        for token in self.words(query):
            seen.setdefault(token, None)
        return list(seen)


_default: PolicyTokenizer | None = None
_default_lock = threading.Lock()


def default_tokenizer() -> PolicyTokenizer:
    """The shared tokenizer, built on first use (loading jieba takes about a second)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = PolicyTokenizer()
        return _default


def words(text: str) -> list[str]:
    """Words of a text with the default tokenizer."""
    return default_tokenizer().words(text)


def index_tokens(text: str) -> list[str]:
    """Full-text index tokens of a text with the default tokenizer."""
    return default_tokenizer().index_tokens(text)


def query_tokens(query: str) -> list[str]:
    """Search query tokens with the default tokenizer."""
    return default_tokenizer().query_tokens(query)


def query_concepts(query: str) -> list[Concept]:
    """Search query concepts (each a tuple of index terms) with the default tokenizer."""
    return default_tokenizer().query_concepts(query)


def join(tokens: Iterable[str]) -> str:
    """Tokens as one space-separated string, the form the database indexes store."""
    return " ".join(tokens)


_converter_lock = threading.Lock()


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text in simplified characters: a quarter of real policy pages come in traditional script (鋁, 批發)."""
    if not text or text.isascii():
        return text
    with _converter_lock:  # one OpenCC converter, shared; its C++ side is not documented as thread-safe
        return _t2s().convert(text)


# Variant brackets of document numbers and headings, and ideographic punctuation, to one form each.
_PUNCTUATION = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "［": "[", "］": "]", "〖": "[", "〗": "]",
                              "（": "(", "）": ")", "　": " ", "，": ",", "；": ";", "：": ":"})


def normalised(text: str) -> str:
    """The one form every text is read in: simplified script, full-width letters and digits half-width, one bracket."""
    if not text:
        return text
    return _normalised(text)


# Search normalises the same policy titles and bodies on every query (ranking, snippets): keep the recent ones.
@lru_cache(maxsize=1024)
def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", simplified(text)).translate(_PUNCTUATION)
