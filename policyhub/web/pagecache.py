"""Finished answers to anonymous reads of public pages, kept by each web process until the content changes.

On a busy day most requests are visitors without an account reading the same few searches and policy
pages; rendering each again (search, ranking, snippets, the template) is most of a web process's CPU.
An answer is kept under the content generation it was made in: a counter in the database that
triggers move on at every write to what these pages show — policies, their files, departments,
consultations published as Q&A (migration 0021) — whoever writes, through the ORM or not. The local
date is part of the key too (expiry, 申报中). Serving a kept answer costs one primary-key SELECT.

Kept: GET of the allowed endpoints, without a Cookie or an Authorization header (whoever signed in
sees their own page), without a pushed link's tokens (``c``, ``m``, ``u``), answered 200 without
starting a session or setting a cookie. Rate limits and the input guard still run first (they are before_request hooks that come
earlier); the security headers are added to a kept answer as to any other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, g, request, session
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from policyhub.extensions import db
from policyhub.models import utcnow
from policyhub.timeutil import local_date

__all__ = ["PageCache", "init_app"]

CACHED_ENDPOINTS = frozenset({"public.index", "public.policy_detail", "api.list_policies", "api.get_policy"})
# A pushed message's link carries tokens for one firm (click, 不相关, 退订): that page is its own.
PERSONAL_ARGS = frozenset({"c", "m", "u"})
GENERATION = text("SELECT value FROM content_generation WHERE name = 'public'")


@dataclass(frozen=True)
class _Answer:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """A bounded LRU of finished answers, shared by the threads of one web process."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._answers: OrderedDict[tuple, _Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> _Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: tuple, answer: _Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.entries:
                self._answers.popitem(last=False)


def _cacheable() -> bool:
    return (request.method == "GET" and request.endpoint in CACHED_ENDPOINTS
            and "Cookie" not in request.headers and "Authorization" not in request.headers
            and not PERSONAL_ARGS.intersection(request.args))


def _generation() -> int | None:
    """The content generation now; None when there is none to trust (then nothing is kept)."""
    try:
        return db.session.execute(GENERATION).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        return None


def init_app(app: Flask) -> None:
    """Keep answers when ``PAGE_CACHE_ENTRIES`` (default 256) is above 0."""
    entries = int(app.config.get("PAGE_CACHE_ENTRIES", 256) or 0)
    if entries <= 0:
        return
    cache = app.extensions["policyhub_page_cache"] = PageCache(entries)

    @app.before_request
    def serve_kept_answer():
        if not _cacheable():
            return None
        generation = _generation()
        if generation is None:
            return None
        key = (generation, local_date(utcnow()), request.full_path)
        answer = cache.get(key)
        if answer is None:
            g.page_cache_key = key
            return None
        return Response(answer.body, status=answer.status, headers=list(answer.headers))

    @app.after_request
    def keep_answer(response: Response) -> Response:
        key = g.pop("page_cache_key", None)
        # A page that started a session (a form's CSRF token) is that visitor's: its cookie comes after this hook.
        if (key is not None and response.status_code == 200 and not response.direct_passthrough
                and not session.modified and "Set-Cookie" not in response.headers):
            headers = tuple((name, value) for name, value in response.headers.items()
                            if name.lower() not in ("content-length", "set-cookie"))
            cache.put(key, _Answer(response.get_data(), response.status_code, headers))
        return response
