"""Graceful overload: past MAX_IN_FLIGHT concurrent requests a web process answers 503 with Retry-After.

A saturated process that queued every request would let clients time out instead; answering fast
with a retry hint keeps the threads free for the requests it can serve. A request that finds every
slot taken waits up to OVERLOAD_QUEUE_SECONDS for one (a burst on one process, whose keep-alive
connections are not spread evenly, is not saturation), then is refused. /healthz is never refused,
so monitors still see why.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

__all__ = ["OVERLOAD_MESSAGE", "OverloadGuard"]

OVERLOAD_MESSAGE = "系统繁忙，请稍后再试"
_EXEMPT_PATHS = frozenset({"/healthz"})


class OverloadGuard:
    """WSGI middleware: at most `limit` requests inside the app at once; the rest get 503 + Retry-After."""

    def __init__(self, wsgi_app: Callable, limit: int, retry_after_seconds: int = 2,
                 queue_seconds: float = 0.0) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit
        self.retry_after_seconds = retry_after_seconds
        self.queue_seconds = queue_seconds
        self._slots = threading.BoundedSemaphore(limit)
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in _EXEMPT_PATHS:
            return self.wsgi_app(environ, start_response)
        if not (self._slots.acquire(blocking=False)
                or (self.queue_seconds > 0 and self._slots.acquire(timeout=self.queue_seconds))):
            self.refused += 1
            return self._refuse(environ, start_response)
        try:
            result = self.wsgi_app(environ, start_response)
        except BaseException:
            self._slots.release()
            raise
        # The slot is held until the body has been sent (the server closes the iterable).
        return ClosingIterator(result, [self._slots.release])

    def _refuse(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/"):
            body = json.dumps({"error": {"code": "service_unavailable", "message": OVERLOAD_MESSAGE,
                                         "fields": {}}}, ensure_ascii=False).encode()
            content_type = "application/json"
        else:
            body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{OVERLOAD_MESSAGE}</title>"
                    f"<p>{OVERLOAD_MESSAGE}（约 {self.retry_after_seconds} 秒后重试）</p></html>").encode()
            content_type = "text/html; charset=utf-8"
        start_response("503 SERVICE UNAVAILABLE", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                                   ("Retry-After", str(self.retry_after_seconds))])
        return [body]
