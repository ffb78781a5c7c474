"""Chinese tokenisation with the project's own jieba dictionary and stopwords."""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import jieba

from matcher._data import DATA_DIR

__all__ = ["PolicyTokenizer", "default_tokenizer", "index_tokens", "query_tokens", "simplified", "words"]

_WORD = re.compile(r"[\w\u3400-\u9fff\U00020000-\U0002ffff]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


class PolicyTokenizer:
    """A jieba.Tokenizer of our own (never the global one) with policy vocabulary and stopwords."""

    def __init__(self, userdict: Path | None = None, stopwords: Path | None = None) -> None:
        self.userdict = userdict or DATA_DIR / "jieba_userdict.txt"
        self.stopwords_path = stopwords or DATA_DIR / "stopwords.txt"
        self._lock = threading.Lock()

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
        """Tokens for a full-text index: search-mode words plus single Chinese characters.

        The single characters let a one-character query (铝) find a text segmented as 铝业.
        """
        out = [t.strip().lower() for t in self._jieba.lcut_for_search(text) if self._keep(t)]
        out.extend(ch for ch in _CJK.findall(text) if ch not in self.stopwords)
        return out

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


def join(tokens: Iterable[str]) -> str:
    """Tokens as one space-separated string, the form the database indexes store."""
    return " ".join(tokens)


_converter_lock = threading.Lock()


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text in simplified characters: a quarter of real policy pages come in traditional script (鋁, 批發)."""
    if not text or text.isascii():
        return text
    with _converter_lock:  # one OpenCC converter, shared; its C++ side is not documented as thread-safe
        return _t2s().convert(text)
